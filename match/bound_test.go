package match_test

import (
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
