package match

import (
	"os"
	"sync"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists"
	"github.com/vigil-screening/vigil/lists/ofac"
	"github.com/vigil-screening/vigil/lists/un"
)

var (
	realOnce  sync.Once
	realIndex *Index
	realErr   error
)

// realIdx returns an index over the real UN list and OFAC SDN list (2024),
// skipping when the shared data is absent.
func realIdx(t testing.TB) *Index {
	t.Helper()
	unPath := shared.Lists(t, "un/consolidated.xml")
	sdnPath := shared.Lists(t, "ofac/sdn_2024-05-03/sdn.csv")
	realOnce.Do(func() {
		var entries []Entry
		emit := func(version string) lists.Emit {
			return func(e *vigil.Entity) error {
				entries = append(entries, Entry{Entity: e, Version: version})
				return nil
			}
		}
		f, err := os.Open(unPath)
		if err != nil {
			realErr = err
			return
		}
		defer f.Close()
		if _, realErr = un.Read(f, emit("un@1")); realErr != nil {
			return
		}
		g, err := os.Open(sdnPath)
		if err != nil {
			realErr = err
			return
		}
		defer g.Close()
		if _, realErr = ofac.ReadCSV(ofac.CSVSet{Primary: g}, emit("ofac_sdn@1")); realErr != nil {
			return
		}
		realIndex = NewIndex(entries)
	})
	if realErr != nil {
		t.Fatal(realErr)
	}
	return realIndex
}

func TestSoleimaniSpellings(t *testing.T) {
	ix := realIdx(t)
	givens := []string{"Qasem", "Qassem", "Ghasem", "Kasem"}
	families := []string{"Soleimani", "Suleimani", "Sulaimani", "Soleymani"}
	var queries []string
	for _, g := range givens {
		for _, f := range families {
			queries = append(queries, g+" "+f, f+", "+g)
		}
	}
	queries = append(queries, "قاسم سلیمانی")
	for _, q := range queries {
		ms := ix.Screen(vigil.Query{Name: q})
		found := map[string]bool{}
		for _, m := range ms {
			found[m.EntityID] = true
		}
		if !found["un:IRi.039"] || !found["ofac:10481"] {
			t.Errorf("%q: want un:IRi.039 and ofac:10481 among %v", q, ids(ms))
		}
	}
}

func TestShoiguCyrillic(t *testing.T) {
	ix := realIdx(t)
	ms := ix.Screen(vigil.Query{Name: "Сергей Шойгу"})
	if len(ms) == 0 {
		t.Fatal("Сергей Шойгу: no match")
	}
	e, _, _ := ix.Entity(ms[0].EntityID)
	if !containsFold(e.PrimaryName(), "shoigu") {
		t.Errorf("Сергей Шойгу: top match %s %q is not Shoigu", ms[0].EntityID, e.PrimaryName())
	}
}

func TestKimJongUn(t *testing.T) {
	ix := realIdx(t)
	ms := ix.Screen(vigil.Query{Name: "Kim Jong-un"})
	if len(ms) == 0 {
		t.Fatal("Kim Jong-un: no match")
	}
	e, _, _ := ix.Entity(ms[0].EntityID)
	found := false
	for _, n := range e.Names {
		if n.Full == "KIM, Jong Un" {
			found = true
		}
	}
	if !found {
		t.Errorf("Kim Jong-un: top match %s %v has no name \"KIM, Jong Un\"", ms[0].EntityID, e.Names)
	}
}

func TestContradictingDOBLowersScore(t *testing.T) {
	ix := realIdx(t)
	e, _, ok := ix.Entity("un:IRi.039")
	if !ok || len(e.BirthDates) == 0 || e.BirthDates[0].Year == 0 {
		t.Skip("un:IRi.039 has no date of birth to contradict")
	}
	base := scoreOf(ix.Screen(vigil.Query{Name: "Qasem Soleimani", Threshold: 0.01}), "un:IRi.039")
	same := scoreOf(ix.Screen(vigil.Query{Name: "Qasem Soleimani", DOB: e.BirthDates[0].String(), Threshold: 0.01}), "un:IRi.039")
	other := scoreOf(ix.Screen(vigil.Query{Name: "Qasem Soleimani", DOB: "1990-01-01", Threshold: 0.01}), "un:IRi.039")
	if !(other < base && base <= same) {
		t.Errorf("scores: contradicting dob %.3f, none %.3f, same dob %.3f; want contradicting < none <= same", other, base, same)
	}
}

func scoreOf(ms []vigil.Match, id string) float64 {
	for _, m := range ms {
		if m.EntityID == id {
			return m.Score
		}
	}
	return 0
}

func ids(ms []vigil.Match) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.EntityID)
	}
	return out
}
