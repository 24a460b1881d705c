package match_test

import (
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// TestInitials checks that an initial stands for a name but is weak
// evidence: it completes a match, and two initials aligned crosswise do not
// make one.
func TestInitials(t *testing.T) {
	for _, c := range []struct {
		query, listed string
		match         bool
	}{
		{"J. Smith", "John Smith", true},
		{"Vladimir V. Putin", "PUTIN, Vladimir Vladimirovich", true},
		{"Hassan A. Sato", "AHMED, Adnan S. Hasan", false},
		{"Ahmed A. Smith", "AHMED, Adnan S. Hasan", false},
	} {
		s := match.Compare(c.query, c.listed, vigil.KindPerson)
		if got := s >= match.DefaultThreshold; got != c.match {
			t.Errorf("Compare(%q, %q) = %.3f, want match %v", c.query, c.listed, s, c.match)
		}
	}
}
