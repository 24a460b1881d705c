// Package screen holds the screening paths built on the matcher: bulk files
// (Batch), passenger manifests (Manifest) and passports (MRZ). It is library
// code shared by the vigil command and the HTTP service; it reads no store
// and prints nothing but what it is asked to write.
//
// Manifests and passports end in a recommendation per person (Assess):
// deny, refer or clear, with the reasons an officer reads and the matches.
package screen

import (
	"github.com/vigil-screening/vigil"
)

// Matcher is what screening needs of the match index; *match.Index
// satisfies it. Screen must be safe for concurrent use.
type Matcher interface {
	Screen(q vigil.Query) []vigil.Match
	Entity(id string) (*vigil.Entity, string, bool)
}
