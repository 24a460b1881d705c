package screen

import (
	"fmt"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/mrz"
)

// MRZResult is a screened machine-readable zone.
type MRZResult struct {
	MRZ   *mrz.MRZ    `json:"mrz"`
	Query vigil.Query `json:"query"`
	// Failed are the check digits that failed: the zone is misread or the
	// document altered.
	Failed []mrz.Check `json:"failed_checks,omitempty"`
	Verdict
}

// MRZ screens the holder of a parsed zone like a traveller (see Assess).
// A failed check digit makes the result refer (a deny as well as a clear:
// the date of birth or number a deny rests on may be misread, and an
// altered document is an officer's case), and the failures come first
// among the reasons. threshold <= 0 means the matcher's default.
func MRZ(ix Matcher, m *mrz.MRZ, threshold float64) *MRZResult {
	q := m.Query()
	res := &MRZResult{MRZ: m, Query: q, Failed: m.Failed(), Verdict: Assess(ix, q, threshold)}
	if len(res.Failed) > 0 {
		var rs []string
		for _, c := range res.Failed {
			rs = append(rs, fmt.Sprintf("check digit failed: %s; the zone is misread or the document altered", c))
		}
		switch res.Recommendation {
		case Deny:
			rs = append(rs, "would be deny, but the zone failed its check digits: an officer decides")
			res.Recommendation = Refer
		case Clear:
			res.Recommendation = Refer
		}
		res.Reasons = append(rs, res.Reasons...)
	}
	return res
}
