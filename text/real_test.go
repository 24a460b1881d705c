package text

import (
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists/load"
	"github.com/vigil-screening/vigil/match"
)

var (
	realOnce    sync.Once
	realScanner *Scanner
	realErr     error
)

// realLists builds a Scanner over every list in the shared data folder (read
// with load.Paths), one version per list: the newest complete one.
func realLists(tb testing.TB) *Scanner {
	tb.Helper()
	// Skips when the shared lists are absent, outside the Once: a skip
	// inside it would mark it done with no scanner for the next test.
	dir := shared.Path(tb, "data/lists")
	realOnce.Do(func() {
		var ents []*vigil.Entity
		var entries []match.Entry
		ents, entries, realErr = loadNewest(dir)
		if realErr == nil {
			realScanner, realErr = New(ents, match.NewIndex(entries), Options{})
		}
	})
	if realScanner == nil {
		tb.Fatalf("loading the shared lists: %v", realErr)
	}
	return realScanner
}

// loadNewest reads the shared lists with load.Paths and keeps, of each list,
// its newest complete version: the latest published, and of versions
// without a date (CSV sets) the one in the later dated folder.
func loadNewest(dir string) ([]*vigil.Entity, []match.Entry, error) {
	dss, err := load.Paths(dir)
	if len(dss) == 0 {
		return nil, nil, err
	}
	// Files that fail (the partial OFAC set) are left out; the rest load.
	newest := map[string]*load.Dataset{}
	for _, ds := range dss {
		if ds.Meta.Partial {
			continue
		}
		cur := newest[ds.Meta.List]
		if cur == nil || ds.Meta.Published.After(cur.Meta.Published) ||
			ds.Meta.Published.Equal(cur.Meta.Published) && ds.Files[0] > cur.Files[0] {
			newest[ds.Meta.List] = ds
		}
	}
	keys := make([]string, 0, len(newest))
	for k := range newest {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var ents []*vigil.Entity
	var entries []match.Entry
	for _, k := range keys {
		ds := newest[k]
		label := ds.Version().Label()
		for i := range ds.Entities {
			e := &ds.Entities[i]
			ents = append(ents, e)
			entries = append(entries, match.Entry{Entity: e, Version: label})
		}
	}
	return ents, entries, nil
}

// TestSeedArticle checks the seed news article: every listed person and
// body it names is found and resolved to its list entries, and nobody merely
// in the news (a spokesman, a secretary of state, an analyst, the reporters)
// is flagged.
func TestSeedArticle(t *testing.T) {
	s := realLists(t)
	b, err := os.ReadFile(shared.Path(t, "seed/000_abbe799f5147f5ba.txt"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	ms := s.Scan(text)
	found := map[string][]string{} // entity id → mention texts
	for _, m := range ms {
		if text[m.Start:m.End] != m.Text {
			t.Errorf("mention %q does not match its offsets %d-%d", m.Text, m.Start, m.End)
		}
		for _, x := range m.Matches {
			found[x.EntityID] = append(found[x.EntityID], m.Text)
		}
		for _, bad := range []string{"Kirby", "Kerry", "Lyamin", "Lidia", "Kelly", "Parisa", "Hafezi", "Arshad", "Brunnstrom", "Zargham", "Osborn", "Rigby", "Orlofsky"} {
			if strings.Contains(m.Text, bad) {
				t.Errorf("flagged %q (bytes %d-%d): %s is on no list", m.Text, m.Start, m.End, bad)
			}
		}
	}
	want := map[string][]string{
		"Qassem Soleimani": {"un:IRi.039", "ofac:10481", "ca:Iran/1-2/89"},
		"Quds Force":       {"uk:11241"},
		"Hezbollah":        {"us_csl:4697"},
		"Vladimir Putin":   {"ofac:35096", "uk:14196", "ca:Russia/1-1/503", "au:6678"},
		"Sergei Shoigu":    {"ofac:35173", "uk:14640", "au:6682"},
		"Sergei Lavrov":    {"ofac:35233", "uk:14197", "au:6679"},
		"Bashar al-Assad":  {"ofac:12735", "uk:11928", "au:2241"},
	}
	for who, ids := range want {
		for _, id := range ids {
			if len(found[id]) == 0 {
				t.Errorf("%s: %s not found", who, id)
			}
		}
	}
	// Surname-only mentions resolve to the person named in full, also the
	// headline's "Iran's Soleimani" before the body names him.
	var soleimani, putin int
	for _, m := range ms {
		if m.Antecedent == nil {
			continue
		}
		switch m.Text {
		case "Soleimani":
			soleimani++
		case "Putin":
			putin++
		}
	}
	if soleimani < 10 || putin < 2 {
		t.Errorf("surname mentions resolved: Soleimani %d (want ≥ 10), Putin %d (want 2)", soleimani, putin)
	}
	if len(ms) == 0 || ms[0].Text != "Soleimani" || ms[0].Start > 120 {
		t.Errorf("first mention = %+v, want the headline's Soleimani", ms[0])
	}
}
