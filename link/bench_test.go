package link

import (
	"path/filepath"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/eval"
	"github.com/vigil-screening/vigil/internal/shared"
)

// realSubjects numbers the real linking's clusters as a store would.
func realSubjects(t testing.TB, l vigil.Linking) *Subjects {
	of := map[string]string{}
	for i, c := range l.Clusters {
		for _, e := range c.Entities {
			of[e] = vigil.SubjectID(int64(i + 1))
		}
	}
	return NewSubjects(of)
}

// benchQueries is a query mix like vigil bench's: variants of listed names,
// listed names, and names of people on no list.
func benchQueries(b *testing.B) []string {
	entries, _, _ := realLinking(&testing.T{})
	var qs []string
	for _, v := range eval.Variants(entries, 250, 7) {
		qs = append(qs, v.Query)
	}
	for i := 0; i < len(entries); i += len(entries) / 250 {
		qs = append(qs, entries[i].Entity.PrimaryName())
	}
	people, err := eval.ReadPeopleFile(filepath.Join(shared.Root(), "data", "eval", "negatives_dev_global.csv"))
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < len(people) && i < 250; i++ {
		qs = append(qs, people[i].Name)
	}
	return qs
}

// BenchmarkGroup measures what grouping by subject adds to a single query:
// "screen" is the matcher alone (ns/op per query), "grouped" the matcher
// and Group. Run the two alternately (-count) and compare medians.
func BenchmarkGroup(b *testing.B) {
	shared.Path(b, "data/lists")
	_, ix, l := realLinking(&testing.T{})
	subs := realSubjects(b, l)
	qs := benchQueries(b)
	for _, q := range qs { // warm the index's caches as a served one is
		ix.Screen(vigil.Query{Name: q})
	}
	b.Run("screen", func(b *testing.B) {
		i := 0
		for b.Loop() {
			ix.Screen(vigil.Query{Name: qs[i%len(qs)]})
			i++
		}
	})
	b.Run("grouped", func(b *testing.B) {
		i := 0
		for b.Loop() {
			subs.Group(ix.Screen(vigil.Query{Name: qs[i%len(qs)]}), ix)
			i++
		}
	})
	b.Run("group-only", func(b *testing.B) {
		res := make([][]vigil.Match, len(qs))
		for i, q := range qs {
			res[i] = ix.Screen(vigil.Query{Name: q})
		}
		i := 0
		for b.Loop() {
			subs.Group(res[i%len(qs)], ix)
			i++
		}
	})
}

// BenchmarkLink measures linking the newest snapshot of every shared list
// (about 43,000 listings) with an index built beforehand (vigil serve
// builds one anyway), and clustering the stored links again after a
// judgement (Recluster). Run with -benchtime 1x -count N.
func BenchmarkLink(b *testing.B) {
	shared.Path(b, "data/lists")
	entries, ix, l := realLinking(&testing.T{})
	ls := Listings(entries)
	b.Run("link", func(b *testing.B) {
		for b.Loop() {
			Link(ls, ix, nil, DefaultOptions)
		}
	})
	g := graphOf(l)
	js := []vigil.LinkJudgement{{A: "ofac:10481", B: "un:IRi.039", Verdict: vigil.VerdictNegative}}
	b.Run("recluster", func(b *testing.B) {
		for b.Loop() {
			Recluster(g, js)
		}
	})
}
