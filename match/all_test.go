package match_test

import (
	"path/filepath"
	"sync"
	"testing"

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
