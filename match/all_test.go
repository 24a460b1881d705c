package match_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/batch"
	"github.com/vigil-screening/vigil/eval"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/match"
)

var (
	allOnce    sync.Once
	allEntries []match.Entry
	allErr     error
	ixOnce     sync.Once
	allIx      *match.Index
)

// allLists returns the entries of every list in ../shared/data/lists (the
// current version of each), skipping when the shared data is absent.
func allLists(t testing.TB) []match.Entry {
	t.Helper()
	dir := filepath.Dir(shared.Lists(t, "un/consolidated.xml"))
	dir = filepath.Dir(dir)
	allOnce.Do(func() { allEntries, allErr = eval.LoadLists(dir) })
	if allErr != nil {
		t.Fatal(allErr)
	}
	return allEntries
}

// allIndex returns an index over allLists, built once for the tests that
// only read it (screening through it remembers parts, changing nothing),
// skipping under -short and when the shared data is absent.
func allIndex(t testing.TB) (*match.Index, []match.Entry) {
	t.Helper()
	if testing.Short() {
		t.Skip("loads every list")
	}
	entries := allLists(t)
	ixOnce.Do(func() { allIx = match.NewIndex(entries) })
	return allIx, entries
}

// queryMix is a realistic mix of queries: variants of listed names (typos,
// reordering, dropped middle names, titles, legal forms, other scripts) and
// names of people on no list.
func queryMix(t testing.TB, entries []match.Entry, n int) []string {
	t.Helper()
	var qs []string
	for _, v := range eval.Variants(entries, n/4, 7) {
		qs = append(qs, v.Query)
	}
	people, err := eval.ReadPeopleFile(shared.Path(t, "data/eval/negatives_dev_global.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range people {
		if i >= len(qs)/3 {
			break
		}
		qs = append(qs, p.Name)
	}
	return qs
}

// evidenceMix returns the query mix of n names, each without and with a
// date of birth, nationality and gender, every fifth also at threshold
// 0.6, then n generated batch rows.
func evidenceMix(t testing.TB, entries []match.Entry, n int) []vigil.Query {
	var qs []vigil.Query
	for i, name := range queryMix(t, entries, n) {
		qs = append(qs, vigil.Query{Name: name}, vigil.Query{Name: name, DOB: fmt.Sprintf("19%02d-05-06", 40+i%60), Nationality: []string{"IR", "RU", "SY", ""}[i%4], Gender: []string{"m", "f", ""}[i%3]})
		if i%5 == 0 {
			qs = append(qs, vigil.Query{Name: name, Threshold: 0.6})
		}
	}
	return append(qs, genRows(t, n)...)
}

// genRows returns n generated batch rows (batch.Generate: names across
// naming traditions with date of birth, nationality, gender and passport,
// a few of them listed people) as queries.
func genRows(t testing.TB, n int) []vigil.Query {
	var buf bytes.Buffer
	listed := []string{"Qasem Soleimani", "Vladimir Putin", "Sergei Shoigu", "Bashar al-Assad", "Kim Jong Un"}
	if err := batch.Generate(&buf, n, 1, listed); err != nil {
		t.Fatal(err)
	}
	return rowQueries(t, &buf)
}

// distinctRows returns n rows of batch.GenerateDistinct (names each
// met once, of common given names and surnames) as queries.
func distinctRows(t testing.TB, n int) []vigil.Query {
	var buf bytes.Buffer
	if err := batch.GenerateDistinct(&buf, n, 1); err != nil {
		t.Fatal(err)
	}
	return rowQueries(t, &buf)
}

// rowQueries reads generated batch rows as queries.
func rowQueries(t testing.TB, r io.Reader) []vigil.Query {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var qs []vigil.Query
	for _, r := range recs[1:] {
		qs = append(qs, vigil.Query{Name: r[1], DOB: r[2], Nationality: r[3], Gender: r[4], ID: r[5]})
	}
	return qs
}
