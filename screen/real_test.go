package screen

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/batch"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists/load"
	"github.com/vigil-screening/vigil/match"
)

var real struct {
	once sync.Once
	ix   *match.Index
	err  error
}

// realIndex indexes every real list below ../shared/data/lists, read with
// load.Paths, keeping the newest complete version of each list as a store's
// Current would (the folder holds older snapshots too). It skips when the
// shared folder is absent.
func realIndex(tb testing.TB) *match.Index {
	tb.Helper()
	dir := shared.Path(tb, "data/lists")
	real.once.Do(func() {
		// Paths also reports the OFAC partial companion folder that has no
		// sdn.csv; every other file is read, so that error is not fatal.
		ds, err := load.Paths(dir)
		if len(ds) == 0 {
			real.err = err
			return
		}
		newest := map[string]*load.Dataset{}
		var order []string
		for _, d := range ds {
			cur, ok := newest[d.Meta.List]
			if !ok {
				order = append(order, d.Meta.List)
			}
			// Paths returns files in path order, so among equal
			// publication dates the later snapshot wins.
			if !ok || (cur.Meta.Partial && !d.Meta.Partial) ||
				(cur.Meta.Partial == d.Meta.Partial && !d.Meta.Published.Before(cur.Meta.Published)) {
				newest[d.Meta.List] = d
			}
		}
		var entries []match.Entry
		for _, l := range order {
			d := newest[l]
			label := l + "@1"
			for i := range d.Entities {
				entries = append(entries, match.Entry{Entity: &d.Entities[i], Version: label})
			}
		}
		real.ix = match.NewIndex(entries)
	})
	if real.err != nil {
		tb.Fatal(real.err)
	}
	return real.ix
}

func TestRealSoleimaniManifest(t *testing.T) {
	ix := realIndex(t)
	// The UN lists him under its Iran regime with an asset freeze only (the
	// UN reader maps that regime so): the UN match alone would be refer.
	un, _, ok := ix.Entity("un:IRi.039")
	if !ok {
		t.Fatal("un:IRi.039 not indexed")
	}
	if un.HasMeasure(vigil.MeasureTravelBan) {
		t.Log("un:IRi.039 now carries a travel ban")
	}
	res := Manifest(ix, parseManifest(t, "soleimani.edi"), Options{})
	sol, ob := res.Travellers[0], res.Travellers[1]
	if sol.Recommendation != Deny {
		t.Fatalf("Soleimani: %s, reasons %q", sol.Recommendation, sol.Reasons)
	}
	// The deny must rest on a listing that does carry a travel ban with the
	// DOB agreeing: Canada's SEMA lists him (Iran, item 89) with a travel
	// ban and birth year 1957.
	e, _, _ := ix.Entity(sol.Deciding)
	if e == nil || !e.HasMeasure(vigil.MeasureTravelBan) || !strings.Contains(strings.Join(sol.Reasons, "\n"), "1957") {
		t.Errorf("deciding %s (%+v), reasons %q", sol.Deciding, e, sol.Reasons)
	}
	found := map[string]bool{}
	for _, m := range sol.Matches {
		found[m.EntityID] = true
	}
	for _, id := range []string{"un:IRi.039", "ofac:10481"} {
		if !found[id] {
			t.Errorf("%s not among the matches %v", id, found)
		}
	}
	if ob.Recommendation != Clear {
		t.Errorf("O'Brien: %s %q %+v", ob.Recommendation, ob.Reasons, ob.Matches)
	}
	t.Logf("Soleimani: %s on %s: %q", sol.Recommendation, sol.Deciding, sol.Reasons)
}

func TestRealBatchHitsListedName(t *testing.T) {
	ix := realIndex(t)
	var buf bytes.Buffer
	if err := batch.Generate(&buf, 2000, 5, []string{"Qasem Soleimani"}); err != nil {
		t.Fatal(err)
	}
	rd, err := batch.Open(&buf, "gen.csv", batch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sum, err := Batch(context.Background(), ix, rd, &out, BatchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := strings.Count(out.String(), `"name":"Qasem Soleimani"`)
	hit := 0
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.Contains(l, `"name":"Qasem Soleimani"`) && strings.Contains(l, `"entity_id":"un:IRi.039"`) {
			hit++
		}
	}
	if sum.Rows != 2000 || n == 0 || hit != n {
		t.Errorf("rows %d: %d rows name Qasem Soleimani, %d of them hit un:IRi.039", sum.Rows, n, hit)
	}
	t.Logf("%v", sum)
}

// BenchmarkBatch screens a generated CSV against every real list and
// reports rows/s: 1,000,000 rows (the goal's size) and 100,000 (quicker),
// as batch.Generate writes them (names repeat, as in customer and payment
// files: Batch does the name-level work once per name, see match.Memo),
// with every name distinct (batch.GenerateDistinct), and with the memo off
// (nomemo: every row screened in full). Run with
//
//	go test -run '^$' -bench 'Batch/1M$' -benchtime 1x -timeout 2h ./screen/
func BenchmarkBatch(b *testing.B) {
	for _, n := range []struct {
		name     string
		rows     int
		distinct bool
		noMemo   bool
	}{
		{"100k", 100_000, false, false},
		{"1M", 1_000_000, false, false},
		{"1M-nomemo", 1_000_000, false, true},
		{"100k-distinct", 100_000, true, false},
		{"100k-distinct-nomemo", 100_000, true, true},
		{"1M-distinct", 1_000_000, true, false},
	} {
		b.Run(n.name, func(b *testing.B) { benchBatch(b, n.rows, n.distinct, n.noMemo) })
	}
}

func benchBatch(b *testing.B, rows int, distinct, noMemo bool) {
	ix := realIndex(b)
	var buf bytes.Buffer
	listed := []string{"Qasem Soleimani", "Vladimir Putin", "Sergei Shoigu", "Bashar al-Assad", "Kim Jong Un"}
	gen := func() error { return batch.Generate(&buf, rows, 1, listed) }
	if distinct {
		gen = func() error { return batch.GenerateDistinct(&buf, rows, 1) }
	}
	if err := gen(); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	var sum BatchSummary
	for b.Loop() {
		rd, err := batch.Open(bytes.NewReader(data), "gen.csv", batch.Options{})
		if err != nil {
			b.Fatal(err)
		}
		sum, err = Batch(context.Background(), ix, rd, io.Discard, BatchOptions{NoMemo: noMemo})
		if err != nil {
			b.Fatal(err)
		}
		if sum.Rows != int64(rows) {
			b.Fatalf("%d rows", sum.Rows)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(sum.Hits), "hits")
}
