package screen

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/paxlst"
)

// TravellerResult is one screened traveller of a manifest.
type TravellerResult struct {
	Traveller paxlst.Traveller `json:"traveller"`
	// Query is the query screened.
	Query vigil.Query `json:"query"`
	// Problems are what of the traveller could not be read or checked
	// (see TravellerSubject); each makes the recommendation at least
	// refer.
	Problems []string `json:"problems,omitempty"`
	Verdict
}

// FlightResult is one flight of a manifest with its travellers (indexes
// in ManifestResult.Travellers) and the recommendations counted.
type FlightResult struct {
	Flight     paxlst.Flight `json:"flight"`
	Travellers []int         `json:"travellers"`
	Counts     Counts        `json:"counts"`
}

// Counts counts recommendations, and the records not screened.
type Counts struct {
	Deny  int `json:"deny"`
	Refer int `json:"refer"`
	Clear int `json:"clear"`
	// NotScreened counts the records that were not read (see
	// ManifestResult.NotScreened).
	NotScreened int `json:"not_screened"`
}

func (c *Counts) add(r Recommendation) {
	switch r {
	case Deny:
		c.Deny++
	case Refer:
		c.Refer++
	default:
		c.Clear++
	}
}

// ManifestResult is a screened PAXLST message.
type ManifestResult struct {
	Interchange paxlst.Interchange `json:"interchange"`
	Messages    []paxlst.Header    `json:"messages"`
	Flights     []FlightResult     `json:"flights"`
	Travellers  []TravellerResult  `json:"travellers"`
	// Unassigned lists travellers whose message named no flight.
	Unassigned []int `json:"unassigned,omitempty"`
	// NotScreened are the records that were not read: a traveller each
	// may hold was not screened, so that the manifest is at least refer.
	NotScreened []paxlst.Problem `json:"not_screened,omitempty"`
	// Problems are all the parser's bad records and values, those of
	// NotScreened and of each traveller included.
	Problems []paxlst.Problem `json:"problems,omitempty"`
	Warnings []string         `json:"warnings,omitempty"`
	Counts   Counts           `json:"counts"`
}

// Worst returns the strongest recommendation of the manifest: Deny if any
// traveller is denied, else Refer if any is referred or any record was not
// screened, else Clear.
func (r *ManifestResult) Worst() Recommendation {
	return r.Counts.Worst()
}

// Worst returns Deny if c counts a deny, else Refer if it counts a refer
// or a record not screened, else Clear.
func (c Counts) Worst() Recommendation {
	switch {
	case c.Deny > 0:
		return Deny
	case c.Refer > 0 || c.NotScreened > 0:
		return Refer
	}
	return Clear
}

// NotScreenedReason says why a dropped record makes its manifest refer.
func NotScreenedReason(p paxlst.Problem) string {
	return fmt.Sprintf("%s; a traveller this record may hold was not screened: an officer decides", p)
}

// TravellerSubject is traveller i of m as a Subject: the query from what
// the manifest gives (name, date of birth, nationality, gender, document
// number; the traveller's other documents' numbers in OtherIDs), and as
// problems each value of the traveller's record that could
// not be read (the traveller is screened without it), and each document
// but a visa that expires before the date of travel: the departure of the
// traveller's flight (from the airport they embark at, where stated), else
// its arrival, else today.
func TravellerSubject(m *paxlst.Message, i int, today time.Time) Subject {
	t := &m.Travellers[i]
	s := Subject{Query: t.Query()}
	for _, d := range t.Documents {
		if d.Number != s.Query.ID && !slices.Contains(s.OtherIDs, d.Number) {
			s.OtherIDs = append(s.OtherIDs, d.Number)
		}
	}
	for _, p := range t.Problems {
		s.Problems = append(s.Problems, fmt.Sprintf("%s; screened without it", p))
	}
	on, when := travelDate(m, t, today)
	for _, d := range t.Documents {
		if d.Type != "V" && d.Expiry != "" && d.Expiry < on {
			s.Problems = append(s.Problems, fmt.Sprintf("%s %s expired on %s, before %s", docName(d.Type), d.Number, d.Expiry, when))
		}
	}
	return s
}

// travelDate returns the date the traveller's documents must be valid on,
// YYYY-MM-DD, and a phrase saying what it is.
func travelDate(m *paxlst.Message, t *paxlst.Traveller, today time.Time) (string, string) {
	best, what := "", ""
	for _, fi := range t.Flights {
		if fi < 0 || fi >= len(m.Flights) {
			continue
		}
		f := m.Flights[fi]
		var dep, arr string
		for _, l := range f.Legs {
			if dep == "" || t.Embark != "" && l.From == t.Embark && l.Departure != "" {
				dep = l.Departure
			}
			if arr == "" {
				arr = l.Arrival
			}
		}
		d, w := dep, "the departure of "+f.Ident()
		if d == "" {
			d, w = arr, "the arrival of "+f.Ident()
		}
		if len(d) < 10 {
			continue
		}
		if d = d[:10]; best == "" || d < best {
			best, what = d, w+" on "+d
		}
	}
	if best == "" {
		best = today.Format("2006-01-02")
		what = "today, " + best + " (the manifest states no date of travel)"
	}
	return best, what
}

// docNames are the PAXLST document codes (UN/EDIFACT 1001) a reason names.
var docNames = map[string]string{"P": "passport", "I": "identity card", "IP": "passport card", "AC": "crew member certificate",
	"A": "identity card", "C": "identity card", "F": "facilitation document", "M": "military identity document"}

func docName(code string) string {
	if n, ok := docNames[strings.ToUpper(code)]; ok {
		return n
	}
	return "document " + code
}

// Manifest screens every traveller of m with all the evidence the manifest
// gives (name, date of birth, nationality, gender, document number) and
// recommends deny, refer or clear for each (see AssessSubject of
// TravellerSubject): a traveller whose record was read in part, or whose
// document expires before the date of travel, is at least refer. A record
// that was not read at all is counted not screened, in its flights too,
// and makes the manifest at least refer (Worst).
func Manifest(ix Matcher, m *paxlst.Message, opt Options) *ManifestResult {
	today := opt.today()
	res := &ManifestResult{
		Interchange: m.Interchange,
		Messages:    m.Messages,
		Flights:     make([]FlightResult, len(m.Flights)),
		Travellers:  make([]TravellerResult, len(m.Travellers)),
		NotScreened: m.Dropped(),
		Problems:    m.Problems,
		Warnings:    m.Warnings,
	}
	for i, f := range m.Flights {
		res.Flights[i] = FlightResult{Flight: f, Travellers: []int{}}
	}
	for i, t := range m.Travellers {
		s := TravellerSubject(m, i, today)
		q, _ := match.CheckQuery(s.Query)
		tr := TravellerResult{Traveller: t, Query: q, Problems: s.Problems, Verdict: AssessSubject(ix, s, opt.Threshold)}
		res.Travellers[i] = tr
		res.Counts.add(tr.Recommendation)
		placed := false
		for _, fi := range t.Flights {
			if fi >= 0 && fi < len(res.Flights) {
				res.Flights[fi].Travellers = append(res.Flights[fi].Travellers, i)
				res.Flights[fi].Counts.add(tr.Recommendation)
				placed = true
			}
		}
		if !placed {
			res.Unassigned = append(res.Unassigned, i)
		}
	}
	for _, p := range res.NotScreened {
		res.Counts.NotScreened++
		for _, fi := range p.Flights {
			if fi >= 0 && fi < len(res.Flights) {
				res.Flights[fi].Counts.NotScreened++
			}
		}
	}
	return res
}
