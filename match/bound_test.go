package match_test

import (
	"reflect"
	"testing"

	"github.com/vigil-screening/vigil/match"
)

// TestNameBoundHolds checks that the cheap bound on a form's name score
// is never below the full comparison's score, over every candidate form of
// the query mix, and that it rejects most forms (else it buys nothing).
func TestNameBoundHolds(t *testing.T) {
	ix, entries := allIndex(t)
	forms, rejected, bad := match.BoundCheck(ix, queryMix(t, entries, 2000))
	for _, b := range bad {
		t.Error(b)
	}
	t.Logf("%d forms, %d rejected by the bound at the default threshold", forms, rejected)
	if rejected < forms/2 {
		t.Errorf("the bound rejects only %d of %d forms", rejected, forms)
	}
}

// TestPreBoundHolds checks that the pre-bound is never below compare's
// score over every form the near data says a query part covers (but those
// escaping it), for a sample of the query mix and queries whose matches
// rest on what the data does not follow directly: truncated last parts,
// acronyms both ways, split and joined words, initials, particles, legal
// forms, other scripts. It must also turn most forms away.
func TestPreBoundHolds(t *testing.T) {
	ix, entries := allIndex(t)
	qs := queryMix(t, entries, 240)
	qs = append(qs, "Islamic Revolutionary Guard Corps", "IRGC", "KCST", "Korea Computer Center", "PLA",
		"BELKASSEM DR", "Mohammed Ali Kh", "Abdulrahman", "Abdul Rahman", "Patr ushev", "Nikolai Patrushev",
		"J. A. Smith", "Kim J U", "al-Assad Bashar", "Bank Melli Iran PJSC", "Ltd", "Rosoboronexport JSC",
		"Сергей Шойгу", "قاسم سلیمانی", "김정은", "習近平", "Fund II", "Ali bin Ali")
	checked, rejected, bad := match.PreBoundCheck(ix, qs)
	for _, b := range bad {
		t.Error(b)
	}
	t.Logf("%d forms checked, %d turned away at the default threshold", checked, rejected)
	if checked < 10000 || rejected < checked/2 {
		t.Errorf("%d forms checked, %d turned away: the test or the pre-bound buys too little", checked, rejected)
	}
}

// TestHotPartsChangeNothing screens the query mix, with and without date
// of birth, nationality and gender, at two thresholds, and generated batch
// rows, on an index that gives every part its near data at once (so that
// the near rows and the pre-bound serve every query) and on one that does
// not: the answers must be the same.
func TestHotPartsChangeNothing(t *testing.T) {
	ix, entries := allIndex(t)
	hot := match.NewIndex(entries)
	match.HotParts(hot)
	qs := evidenceMix(t, entries, 400)
	matched := 0
	for _, q := range qs {
		a, b := ix.Screen(q), hot.Screen(q)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%+v: %v, with every part hot %v", q, a, b)
		}
		if len(a) > 0 {
			matched++
		}
	}
	if matched < len(qs)/10 {
		t.Errorf("only %d of %d queries matched: the test compares too little", matched, len(qs))
	}
}
