package match_test

import (
	"reflect"
	"slices"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// TestHeavyPartsChangeNothing screens the query mix (with and without
// date of birth, nationality and gender, at two thresholds), generated
// batch rows and names made of common parts, on an index that defers
// every part it retrieves forms for (see heavyPost), once with and once
// without every part's near data, and on one that defers none and weighs
// every form's evidence before the pre-bound (see settleDead): the answers
// must be the same, and so must what retrieval keeps of each.
func TestHeavyPartsChangeNothing(t *testing.T) {
	_, entries := allIndex(t)
	plain := match.NewIndex(entries)
	match.HeavyParts(plain, false)
	match.BonusNow(plain, true)
	heavy := match.NewIndex(entries)
	match.HeavyParts(heavy, true)
	qs := evidenceMix(t, entries, 300)
	// Names of common given names and surnames, whose parts each reach
	// hundreds of forms: several parts deferred at once.
	for i, q := range distinctRows(t, 600) {
		if i%2 == 0 {
			q = vigil.Query{Name: q.Name}
		}
		qs = append(qs, q)
	}
	check := func(pass string) {
		matched := 0
		for _, q := range qs {
			// What retrieval keeps and the pre-bound turns away, and
			// the answers.
			ka, da := match.Candidates(plain, q)
			kb, db := match.Candidates(heavy, q)
			if !slices.Equal(ka, kb) || !slices.Equal(da, db) {
				t.Fatalf("%s: %+v: retrieval keeps %v and turns away %v; deferring every part, %v and %v", pass, q, ka, da, kb, db)
			}
			a, b := plain.Screen(q), heavy.Screen(q)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%s: %+v: %v, deferring every part %v", pass, q, a, b)
			}
			if len(a) > 0 {
				matched++
			}
		}
		if matched < len(qs)/10 {
			t.Errorf("%s: only %d of %d queries matched: the test compares too little", pass, matched, len(qs))
		}
	}
	check("cold")
	parts, forms := match.HeavyStats(heavy)
	t.Logf("%d queries; %d parts deferred, listing %d forms", len(qs), parts, forms)
	if parts < 400 || forms < 100*parts {
		t.Errorf("only %d parts deferred, listing %d forms: the test defers too little", parts, forms)
	}
	if p, _ := match.HeavyStats(plain); p != 0 {
		t.Errorf("%d parts deferred with heavy postings off", p)
	}
	// With every part's near data, the pre-bound weighs what is deferred.
	match.HotParts(plain)
	match.HotParts(heavy)
	check("hot")
}

// TestHeavyBudget fills the heavy postings' budget: the postings must stay
// within it, none may be made past it only to be dropped (a second pass
// over the same rows makes none), and forgetting the parts gives it back.
func TestHeavyBudget(t *testing.T) {
	_, entries := allIndex(t)
	ix := match.NewIndex(entries)
	match.HeavyParts(ix, true)
	const budget = 1 << 20
	match.HeavyBudget(ix, budget)
	qs := distinctRows(t, 600)
	for _, q := range qs {
		ix.Screen(q)
	}
	held, made := match.HeavyBudget(ix, budget)
	parts, _ := match.HeavyStats(ix)
	t.Logf("%d postings made, %d kept, %d bytes", made, parts, held)
	if held > budget || made == 0 || int64(parts) != made {
		t.Fatalf("%d bytes held of %d, %d postings made, %d kept", held, budget, made, parts)
	}
	for _, q := range qs {
		ix.Screen(q)
	}
	if _, again := match.HeavyBudget(ix, budget); again != made {
		t.Errorf("%d postings made past the budget", again-made)
	}
	ix.ForgetParts()
	if held, _ := match.HeavyBudget(ix, budget); held != 0 {
		t.Errorf("%d bytes still held once the parts are forgotten", held)
	}
}
