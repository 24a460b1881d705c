package screen

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/mrz"
)

// Options adjusts Manifest and MRZ.
type Options struct {
	// Threshold is the match threshold; <= 0 means the matcher's default.
	Threshold float64
	// Now is today, which documents are checked against where no date of
	// travel is known; zero means the current time.
	Now time.Time
}

func (o Options) today() time.Time {
	if o.Now.IsZero() {
		return time.Now()
	}
	return o.Now
}

// MRZResult is a screened machine-readable zone.
type MRZResult struct {
	MRZ   *mrz.MRZ    `json:"mrz"`
	Query vigil.Query `json:"query"`
	// Failed are the check digits that failed: the zone is misread or the
	// document altered.
	Failed []mrz.Check `json:"failed_checks,omitempty"`
	// Problems are what of the zone could not be read or checked (see
	// MRZSubject); each makes the recommendation at least refer.
	Problems []string `json:"problems,omitempty"`
	Verdict
}

// MRZSubject is the holder of a parsed zone as a Subject, the optional
// data of six characters or more among its other document numbers (they
// often hold a personal number). Its problems: a
// failed check digit (the zone is misread or the document altered), a
// warning of the parser (an impossible date, digits in the name), a
// nationality code that names no country, and, for a passport or card
// (not a visa), an expiry date before today or one that cannot be read.
// Misread is set when a check digit fails or the parser warns: a deny
// would rest on data that may be wrong.
func MRZSubject(m *mrz.MRZ, today time.Time) Subject {
	s := Subject{Query: m.Query()}
	// The optional data often hold the holder's personal (national
	// identity) number, which a listing may name instead of the passport.
	for _, o := range []string{m.Optional, m.Optional2} {
		if o = strings.ReplaceAll(o, " ", ""); len(o) >= 6 && o != s.Query.ID {
			s.OtherIDs = append(s.OtherIDs, o)
		}
	}
	for _, c := range m.Failed() {
		s.Problems = append(s.Problems, fmt.Sprintf("check digit failed: %s; the zone is misread or the document altered", c))
		s.Misread = true
	}
	for _, w := range m.Warnings {
		s.Problems = append(s.Problems, "the zone is misread or the document altered: "+w)
		s.Misread = true
	}
	if m.NationalityISO == "" && m.Nationality != "" && !mrz.NoCountry(m.Nationality) {
		s.Problems = append(s.Problems, fmt.Sprintf("nationality code %q names no country; screened without it", m.Nationality))
	}
	if m.DocumentType != "V" {
		day := today.Format("2006-01-02")
		switch {
		case m.Expiry == "":
			s.Problems = append(s.Problems, fmt.Sprintf("the expiry date %q cannot be read: whether the document is valid today (%s) is unknown", m.ExpiryRaw, day))
		case lastDay(m.Expiry) < day:
			s.Problems = append(s.Problems, fmt.Sprintf("document expired on %s (checked against today, %s)", m.Expiry, day))
		}
	}
	return s
}

// lastDay is the last day a date written YYYY, YYYY-MM or YYYY-MM-DD may
// mean, as YYYY-MM-DD.
func lastDay(d string) string {
	switch len(d) {
	case 4:
		return d + "-12-31"
	case 7:
		t, err := time.Parse("2006-01", d)
		if err != nil {
			return d
		}
		return t.AddDate(0, 1, -1).Format("2006-01-02")
	}
	return d
}

// MRZ screens the holder of a parsed zone like a traveller (see
// AssessSubject of MRZSubject): a failed check digit or a misread value
// makes the result refer (a deny as well as a clear: the date of birth or
// number a deny rests on may be misread, and an altered document is an
// officer's case); an expired document makes a clear refer. The problems
// come first among the reasons.
func MRZ(ix Matcher, m *mrz.MRZ, opt Options) *MRZResult {
	s := MRZSubject(m, opt.today())
	q, _ := match.CheckQuery(s.Query)
	return &MRZResult{MRZ: m, Query: q, Failed: m.Failed(), Problems: s.Problems, Verdict: AssessSubject(ix, s, opt.Threshold)}
}
