package screen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/vigil-screening/vigil/batch"
)

// TestBatchEachAsBatch screens the same file through Batch and BatchEach
// under several window and worker settings: BatchEach must hand over every
// row once, in input order, with the matches Batch writes, in blocks no
// larger than half the window.
func TestBatchEachAsBatch(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString("id,name,dob,segment\n")
	for i := 1; i <= 900; i++ {
		switch {
		case i%97 == 0:
			fmt.Fprintf(&buf, "r%d,,1970-01-01,x\n", i)
		case i%150 == 0:
			fmt.Fprintf(&buf, "r%d,Qasem Soleimani,1957-03-11,vip\n", i)
		default:
			fmt.Fprintf(&buf, "r%d,Person Number%c%c,1980-02-03,retail\n", i, 'a'+i%26, 'a'+i/26%26)
		}
	}
	data := buf.Bytes()
	ref, refBad, refSum := runBatch(t, data, "each.csv", BatchOptions{Workers: 1, Window: 1})
	for _, opt := range []BatchOptions{{Workers: 2}, {Workers: 3, Window: 100}, {Workers: 2, Window: 7}} {
		rd, err := batch.Open(bytes.NewReader(data), "each.csv", batch.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var rows []BatchRow
		var bad []int
		opt.OnRowError = func(row int, _ error) { bad = append(bad, row) }
		block := max(1, opt.Window/2)
		if opt.Window == 0 {
			block = defaultWindow / 2
		}
		sum, err := BatchEach(context.Background(), fixtureIndex(), rd, opt, func(rs []BatchRow) error {
			if len(rs) == 0 || len(rs) > block {
				t.Errorf("%+v: a block of %d rows", opt, len(rs))
			}
			rows = append(rows, rs...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Rows != refSum.Rows || sum.Hits != refSum.Hits || sum.Errors != refSum.Errors || fmt.Sprint(bad) != fmt.Sprint(refBad) {
			t.Errorf("%+v: summary %+v bad %v; want %+v %v", opt, sum, bad, refSum, refBad)
		}
		if len(rows) != len(ref) {
			t.Fatalf("%+v: %d rows, want %d", opt, len(rows), len(ref))
		}
		for i, r := range rows {
			l := ref[i]
			if r.Record.Row != l.Row || r.Record.ID != l.ID || (r.Record.Err != nil) != (l.Error != "") {
				t.Fatalf("%+v: row %d = %d %q %v, want %+v", opt, i, r.Record.Row, r.Record.ID, r.Record.Err, l)
			}
			if r.Record.Err == nil && r.Record.Input["segment"] == "" {
				t.Errorf("%+v: row %d lost its input: %v", opt, i, r.Record.Input)
			}
			if fmt.Sprintf("%+v", nonEmpty(r.Matches)) != fmt.Sprintf("%+v", nonEmpty(l.Matches)) {
				t.Fatalf("%+v: row %d matches %+v, want %+v", opt, i, r.Matches, l.Matches)
			}
		}
	}
}

func nonEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// TestBatchEachError: an error from the function stops the run and is
// returned as it is.
func TestBatchEachError(t *testing.T) {
	var buf bytes.Buffer
	if err := batch.Generate(&buf, 5000, 3, nil); err != nil {
		t.Fatal(err)
	}
	rd, err := batch.Open(&buf, "gen.csv", batch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("disk full")
	calls := 0
	sum, err := BatchEach(context.Background(), fixtureIndex(), rd, BatchOptions{Workers: 2, Window: 200}, func([]BatchRow) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if err != stop || calls != 3 || sum.Rows != 200 {
		t.Errorf("err %v after %d calls, %d rows counted; want %v after 3 calls, 200 rows", err, calls, sum.Rows, stop)
	}
}

// TestBatchEachChecksQueries: BatchEach checks each row's query as Batch
// does, so that a value the matcher cannot use (an impossible date of
// birth, a country that is none) is left out and named, and a name with
// nothing to screen is a bad row — keeping watch screens what vigil batch
// screens.
func TestBatchEachChecksQueries(t *testing.T) {
	data := []byte("id,name,dob,nationality\nc1,Qasem Soleimani,1957-13-45,ZZ\nc2,!!!,,\nc3,Anna Berg,1980-01-01,SE\n")
	rd, err := batch.Open(bytes.NewReader(data), "c.csv", batch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	problems := map[int][]string{}
	var bad []int
	var rows []BatchRow
	sum, err := BatchEach(context.Background(), fixtureIndex(), rd, BatchOptions{
		OnRowError:    func(row int, _ error) { bad = append(bad, row) },
		OnRowProblems: func(row int, ps []string) { problems[row] = ps },
	}, func(rs []BatchRow) error { rows = append(rows, rs...); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Problems != 1 || len(problems[2]) != 2 || fmt.Sprint(bad) != "[3]" {
		t.Errorf("summary %+v, problems %v, bad rows %v", sum, problems, bad)
	}
	if q := rows[0].Record.Query; q.DOB != "" || q.Nationality != "" || len(rows[0].Matches) == 0 {
		t.Errorf("row 2 was screened with %+v (matches %d): the unusable values must be left out", q, len(rows[0].Matches))
	}
}
