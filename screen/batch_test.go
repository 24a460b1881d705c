package screen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/batch"
)

// runBatch screens data and returns the output lines decoded, the rows
// reported bad, and the summary.
func runBatch(t *testing.T, data []byte, name string, opt BatchOptions) ([]BatchLine, []int, BatchSummary) {
	t.Helper()
	rd, err := batch.Open(bytes.NewReader(data), name, batch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var bad []int
	opt.OnRowError = func(row int, err error) {
		mu.Lock()
		bad = append(bad, row)
		mu.Unlock()
	}
	var out bytes.Buffer
	sum, err := Batch(context.Background(), fixtureIndex(), rd, &out, opt)
	if err != nil {
		t.Fatal(err)
	}
	var lines []BatchLine
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var l BatchLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("output line %q: %v", sc.Text(), err)
		}
		if !strings.Contains(sc.Text(), `"matches":`) && l.Error == "" {
			t.Errorf("good line without matches key: %s", sc.Text())
		}
		lines = append(lines, l)
	}
	return lines, bad, sum
}

func TestBatchCSVBadRows(t *testing.T) {
	data, err := os.ReadFile("testdata/customers.csv")
	if err != nil {
		t.Fatal(err)
	}
	// One worker and a tiny window as well as many: the order must not
	// depend on either.
	for _, opt := range []BatchOptions{{Workers: 1, Window: 1}, {Workers: 4, Window: 3}, {}} {
		t.Run(fmt.Sprintf("workers=%d,window=%d", opt.Workers, opt.Window), func(t *testing.T) {
			lines, bad, sum := runBatch(t, data, "customers.csv", opt)
			var rows []int
			for _, l := range lines {
				rows = append(rows, l.Row)
			}
			// c5's unterminated quote swallows the rest of its line only:
			// the file's lines are 2..9.
			if fmt.Sprint(rows) != "[2 3 4 5 6 7 8 9]" {
				t.Fatalf("rows in output = %v", rows)
			}
			want := map[int]string{4: "missing name", 6: "quote"}
			for _, l := range lines {
				if w, ok := want[l.Row]; ok {
					if !strings.Contains(l.Error, w) || len(l.Matches) != 0 {
						t.Errorf("row %d = %+v, want error %q", l.Row, l, w)
					}
				} else if l.Error != "" {
					t.Errorf("row %d: unexpected error %q", l.Row, l.Error)
				}
				if p := fmt.Sprint(l.Problems); (l.Row == 5) != strings.Contains(p, `dob "1970-13-45" is not a date`) || l.Row == 5 && l.Matches == nil {
					t.Errorf("row %d = %+v: only row 5 is screened without its date of birth", l.Row, l)
				}
			}
			if fmt.Sprint(bad) != "[4 6]" {
				t.Errorf("reported bad rows %v", bad)
			}
			// The listed names in the file are hit; the others are not.
			hits := map[string]string{}
			for _, l := range lines {
				if len(l.Matches) > 0 {
					hits[l.ID] = l.Matches[0].EntityID
				}
			}
			if len(hits) != 2 || hits["c2"] != "fx:1" || hits["c7"] != "fx:2" {
				t.Errorf("hits = %v", hits)
			}
			if lines[0].Input["name"] != "Maria Lindqvist" || lines[0].ID != "c1" {
				t.Errorf("line 0 = %+v", lines[0])
			}
			if sum.Rows != 8 || sum.Hits != 2 || sum.Errors != 2 || sum.Problems != 1 || sum.Rate <= 0 {
				t.Errorf("summary = %+v", sum)
			}
		})
	}
}

func TestBatchJSONLAndTSV(t *testing.T) {
	jsonl := `{"id":"j1","name":"Qassem Suleimani","dob":"1957"}
{"id":"j2","name":""}
not json
{"id":"j4","full_name":"Tomas Berg"}
`
	tsv := "id\tfirst_name\tlast_name\tdob\n" +
		"t1\tIvan Petrovich\tSidorenko\t1961-04-04\n" +
		"t2\tTomas\tBerg\tnot a date\n" +
		"t3\tMarko\tZelenko\t1970\n"
	for _, tc := range []struct {
		name, data string
		rows, bad  string
		hits       map[string]string
	}{
		{"in.jsonl", jsonl, "[1 2 3 4]", "[2 3]", map[string]string{"j1": "fx:1"}},
		{"in.tsv", tsv, "[2 3 4]", "[]", map[string]string{"t1": "fx:2", "t3": "fx:3"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines, bad, _ := runBatch(t, []byte(tc.data), tc.name, BatchOptions{Workers: 3})
			var rows []int
			hits := map[string]string{}
			for _, l := range lines {
				rows = append(rows, l.Row)
				if len(l.Matches) > 0 {
					hits[l.ID] = l.Matches[0].EntityID
				}
			}
			if fmt.Sprint(rows) != tc.rows || fmt.Sprint(bad) != tc.bad || fmt.Sprint(hits) != fmt.Sprint(tc.hits) {
				t.Errorf("rows %v bad %v hits %v; want %s %s %v", rows, bad, hits, tc.rows, tc.bad, tc.hits)
			}
		})
	}
}

func TestBatchXLSX(t *testing.T) {
	f := excelize.NewFile()
	rows := [][]any{
		{"Customer ID", "Surname", "Given Name", "Date of Birth"},
		{"x1", "Sidorenko", "Ivan Petrovich", "1961-04-04"},
		{"x2", "", "", "1990-01-01"},
		{"x3", "Lindqvist", "Maria", "1979-06-01"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	lines, bad, sum := runBatch(t, buf.Bytes(), "in.xlsx", BatchOptions{})
	if len(lines) != 3 || lines[0].Row != 2 || lines[1].Row != 3 || lines[2].Row != 4 {
		t.Fatalf("lines = %+v", lines)
	}
	if len(lines[0].Matches) == 0 || lines[0].Matches[0].EntityID != "fx:2" || lines[0].ID != "x1" {
		t.Errorf("x1 = %+v", lines[0])
	}
	if fmt.Sprint(bad) != "[3]" || lines[1].Error != "missing name" || len(lines[2].Matches) != 0 {
		t.Errorf("bad %v, lines %+v", bad, lines[1:])
	}
	if sum.Hits != 1 || sum.Errors != 1 {
		t.Errorf("summary %+v", sum)
	}
}

func TestBatchCancel(t *testing.T) {
	var buf bytes.Buffer
	if err := batch.Generate(&buf, 20000, 3, nil); err != nil {
		t.Fatal(err)
	}
	rd, err := batch.Open(&buf, "gen.csv", batch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	sum, err := Batch(ctx, fixtureIndex(), rd, &out, BatchOptions{Workers: 2, Window: 8, Progress: func(n int64) {
		if n >= 2048 {
			cancel()
		}
	}})
	if err != context.Canceled || sum.Rows < 2048 || sum.Rows >= 20000 {
		t.Errorf("err %v after %d rows", err, sum.Rows)
	}
	if n := int64(bytes.Count(out.Bytes(), []byte{'\n'})); n != sum.Rows {
		t.Errorf("%d lines written, summary says %d", n, sum.Rows)
	}
}

// TestBatchChunksKeepOrder screens a file of many chunks, with bad rows
// spread through it, under worker counts and windows that split it
// differently: the output, the bad rows reported and the summary must be
// those of one worker screening one row at a time.
func TestBatchChunksKeepOrder(t *testing.T) {
	var buf bytes.Buffer
	buf.WriteString("id,name,dob\n")
	for i := 1; i <= 1500; i++ {
		switch {
		case i%97 == 0:
			fmt.Fprintf(&buf, "r%d,,1970-01-01\n", i) // missing name
		case i%131 == 0:
			fmt.Fprintf(&buf, "r%d,Name %d,1970-13-45\n", i, i) // bad date: screened without it
		case i%250 == 0:
			fmt.Fprintf(&buf, "r%d,Qasem Soleimani,1957-03-11\n", i)
		default:
			fmt.Fprintf(&buf, "r%d,Person Number%c%c,1980-02-03\n", i, 'a'+i%26, 'a'+i/26%26)
		}
	}
	data := buf.Bytes()
	ref, refBad, refSum := runBatch(t, data, "many.csv", BatchOptions{Workers: 1, Window: 1})
	if len(ref) != 1500 || refSum.Rows != 1500 || refSum.Errors != int64(len(refBad)) || len(refBad) != 15 || refSum.Problems != 11 || refSum.Hits != 6 {
		t.Fatalf("reference run: %d lines, %d bad %v, summary %+v", len(ref), len(refBad), refBad, refSum)
	}
	for i, l := range ref {
		if l.Row != i+2 || l.ID != fmt.Sprintf("r%d", i+1) {
			t.Fatalf("reference line %d = row %d id %q", i, l.Row, l.ID)
		}
	}
	for _, opt := range []BatchOptions{{Workers: 2}, {Workers: 3, Window: 100}, {Workers: 8, Window: 7}, {Workers: 2, Window: 64}} {
		lines, bad, sum := runBatch(t, data, "many.csv", opt)
		if fmt.Sprint(bad) != fmt.Sprint(refBad) || sum.Rows != refSum.Rows || sum.Hits != refSum.Hits || sum.Errors != refSum.Errors || sum.Problems != refSum.Problems {
			t.Errorf("%+v: bad rows %v, summary %+v; want %v, %+v", opt, bad, sum, refBad, refSum)
		}
		if len(lines) != len(ref) {
			t.Fatalf("%+v: %d lines, want %d", opt, len(lines), len(ref))
		}
		for i := range lines {
			if fmt.Sprintf("%+v", lines[i]) != fmt.Sprintf("%+v", ref[i]) {
				t.Fatalf("%+v: line %d = %+v, want %+v", opt, i, lines[i], ref[i])
			}
		}
	}
}

func TestNameKey(t *testing.T) {
	key := func(name string) blockKey { return nameKey(name) }
	same := [][2]string{
		{"Qasem Soleimani", "QASEM  SOLEIMANI"},
		{"Qasem Soleimani", "qasem Reza Soleimani"}, // middle words do not count
		{"Qasem Soleimani", " Qasem, Soleimani. "},
	}
	for _, p := range same {
		if key(p[0]) != key(p[1]) {
			t.Errorf("nameKey(%q) != nameKey(%q)", p[0], p[1])
		}
	}
	differ := [][2]string{
		{"Qasem Soleimani", "Qasem Suleimani"},
		{"Qasem Soleimani", "Qassem Soleimani"},
		{"Ali Abdulrahman", "Ali Abdulrahim"}, // the same first 8 bytes
		{"Ali Soleimani", "Soleimani Ali"},
		{"", "Ali"},
	}
	for _, p := range differ {
		if key(p[0]) == key(p[1]) {
			t.Errorf("nameKey(%q) == nameKey(%q)", p[0], p[1])
		}
	}
	// Last words sharing a beginning sort next to one another, before
	// the first word counts.
	a, b, c := key("Zoe Ivanov"), key("Anna Ivanova"), key("Anna Ivanovb")
	if !(a.last < b.last && b.last < c.last) {
		t.Errorf("last words out of order: %x %x %x", a.last, b.last, c.last)
	}
}

// orderMatcher records the names it is asked to screen, in order.
type orderMatcher struct {
	Matcher
	mu    sync.Mutex
	names []string
}

func (m *orderMatcher) Screen(q vigil.Query) []vigil.Match {
	m.mu.Lock()
	m.names = append(m.names, q.Name)
	m.mu.Unlock()
	return m.Matcher.Screen(q)
}

// TestBatchScreensNamesTogether checks that Batch screens the rows of a
// block with the same last and first words one after another, whatever
// their order in the file, and still writes them in input order.
func TestBatchScreensNamesTogether(t *testing.T) {
	firsts := []string{"Maria", "Ivan", "Qasem", "Tomas"}
	lasts := []string{"Lindqvist", "Sidorenko", "Soleimani", "Berg", "Zelenko"}
	var buf bytes.Buffer
	buf.WriteString("id,name\n")
	n := 0
	for rep := range 6 {
		for _, l := range lasts {
			for _, f := range firsts {
				n++
				fmt.Fprintf(&buf, "r%d,%s %c. %s\n", n, f, 'A'+rep, l)
			}
		}
	}
	for _, opt := range []BatchOptions{{Workers: 1}, {Workers: 1, Window: 2 * n}} {
		rd, err := batch.Open(bytes.NewReader(buf.Bytes()), "names.csv", batch.Options{})
		if err != nil {
			t.Fatal(err)
		}
		m := &orderMatcher{Matcher: fixtureIndex()}
		var out bytes.Buffer
		if _, err := Batch(context.Background(), m, rd, &out, opt); err != nil {
			t.Fatal(err)
		}
		// Each (first, last) pair is met in one run of 6 rows.
		runs, prev := 0, ""
		for _, name := range m.names {
			w := strings.Fields(name)
			if k := w[0] + " " + w[2]; k != prev {
				runs, prev = runs+1, k
			}
		}
		if len(m.names) != n || runs != len(firsts)*len(lasts) {
			t.Errorf("%+v: %d names screened in %d runs of the same words, want %d in %d", opt, len(m.names), runs, n, len(firsts)*len(lasts))
		}
		sc := bufio.NewScanner(&out)
		for i := 1; sc.Scan(); i++ {
			var l BatchLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				t.Fatal(err)
			}
			if l.ID != fmt.Sprintf("r%d", i) {
				t.Fatalf("%+v: line %d is %s", opt, i, l.ID)
			}
		}
	}
}

// failingReader returns the records of rd until n are read, then an I/O
// error.
type failingReader struct {
	batch.Reader
	n int
}

func (f *failingReader) Next() (batch.Record, error) {
	if f.n == 0 {
		return batch.Record{}, errors.New("disk on fire")
	}
	f.n--
	return f.Reader.Next()
}

// TestBatchReadError checks that the rows read before an I/O error are
// screened and written, and the error returned.
func TestBatchReadError(t *testing.T) {
	var buf bytes.Buffer
	if err := batch.Generate(&buf, 5000, 3, nil); err != nil {
		t.Fatal(err)
	}
	for _, opt := range []BatchOptions{{Workers: 2}, {Workers: 3, Window: 100}} {
		rd, err := batch.Open(bytes.NewReader(buf.Bytes()), "gen.csv", batch.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		sum, err := Batch(context.Background(), fixtureIndex(), &failingReader{rd, 1234}, &out, opt)
		if err == nil || !strings.Contains(err.Error(), "reading input after 1234 rows: disk on fire") {
			t.Errorf("%+v: err = %v", opt, err)
		}
		if lines := bytes.Count(out.Bytes(), []byte{'\n'}); sum.Rows != 1234 || lines != 1234 {
			t.Errorf("%+v: %d rows in the summary, %d lines written; want 1234", opt, sum.Rows, lines)
		}
	}
}

// TestBatchScreensRowsWithProblems: a row whose date of birth, nationality,
// gender or kind screening cannot use is screened on the rest — a listed
// person with a mistyped date of birth is found — and its line names what
// was left out; the summary counts it and OnRowProblems reports it. Rows
// without problems are written as before, without a "problems" key.
func TestBatchScreensRowsWithProblems(t *testing.T) {
	data := "id,name,dob,nationality,gender,kind\n" +
		"a,Qasem Soleimani,1957-13-11,IR,M,\n" +
		"b,Qasem Soleimani,1957-03-11,Narnia,Q,spaceship\n" +
		"c,Maria Lindqvist,1979-06-01,SE,F,\n" +
		"d,Ivan Petrovich Sidorenko,1961-02-30,RU,M,person\n" +
		"e,(-),1961-02-03,RU,M,person\n"
	for _, opt := range []BatchOptions{{Workers: 1, Window: 1}, {Workers: 3}} {
		rd, err := batch.Open(strings.NewReader(data), "p.csv", batch.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var reported []string
		var bad []int
		opt.OnRowProblems = func(row int, ps []string) { reported = append(reported, fmt.Sprint(row, ps)) }
		opt.OnRowError = func(row int, err error) { bad = append(bad, row) }
		var out bytes.Buffer
		sum, err := Batch(context.Background(), fixtureIndex(), rd, &out, opt)
		if err != nil {
			t.Fatal(err)
		}
		raw := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		want := []struct {
			hit      string
			problems []string
		}{
			{"fx:1", []string{`dob "1957-13-11" is not a date`}},
			{"fx:1", []string{`nationality "Narnia" is not a country`, `gender "Q" is not male or female`, `kind "spaceship" is not person`}},
			{"", nil},
			{"fx:2", []string{`dob "1961-02-30" is not a date (February 1961 has 28 days)`}},
		}
		if len(raw) != 5 {
			t.Fatalf("%d lines: %q", len(raw), raw)
		}
		for i, w := range want {
			var l BatchLine
			if err := json.Unmarshal([]byte(raw[i]), &l); err != nil {
				t.Fatal(err)
			}
			hit := ""
			if len(l.Matches) > 0 {
				hit = l.Matches[0].EntityID
			}
			if l.Error != "" || hit != w.hit || len(l.Problems) != len(w.problems) {
				t.Errorf("%+v: line %d = %s", opt, i, raw[i])
				continue
			}
			for j, p := range w.problems {
				if !strings.HasPrefix(l.Problems[j], p) {
					t.Errorf("%+v: line %d problem %q, want %q…", opt, i, l.Problems[j], p)
				}
			}
			if w.problems == nil {
				// The bytes of a line without problems are those of the
				// line before problems existed.
				old := goodLine{Row: l.Row, ID: l.ID, Input: l.Input, Matches: l.Matches}
				if got := raw[i] + "\n"; got != string(encodingJSON(t, old)) || strings.Contains(got, "problems") {
					t.Errorf("%+v: line %d = %s", opt, i, got)
				}
			}
		}
		if !strings.Contains(raw[4], `"error":"name \"(-)\" has no letter or digit (nothing to screen)"`) {
			t.Errorf("%+v: a name with nothing to screen is a bad row: %s", opt, raw[4])
		}
		if sum.Rows != 5 || sum.Problems != 3 || sum.Errors != 1 || sum.Hits != 3 || !strings.Contains(sum.String(), "3 screened with problems, 1 bad rows") {
			t.Errorf("%+v: summary %+v %s", opt, sum, sum)
		}
		if len(reported) != 3 || !strings.HasPrefix(reported[0], "2 [dob") || !strings.HasPrefix(reported[2], "5 [dob") || fmt.Sprint(bad) != "[6]" {
			t.Errorf("%+v: reported %q, bad %v", opt, reported, bad)
		}
	}
}

// TestBatchGeneratedRowsAreClean: the generated files of the benchmarks
// and demos hold no row with problems, so that they measure the common
// path.
func TestBatchGeneratedRowsAreClean(t *testing.T) {
	for _, distinct := range []bool{false, true} {
		var buf bytes.Buffer
		gen := batch.Generate(&buf, 3000, 7, []string{"Qasem Soleimani"})
		if distinct {
			buf.Reset()
			gen = batch.GenerateDistinct(&buf, 3000, 7)
		}
		if gen != nil {
			t.Fatal(gen)
		}
		_, bad, sum := runBatch(t, buf.Bytes(), "gen.csv", BatchOptions{})
		if sum.Rows != 3000 || sum.Problems != 0 || len(bad) != 0 {
			t.Errorf("distinct=%v: %s, bad rows %v", distinct, sum, bad)
		}
	}
}
