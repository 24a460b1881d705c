package screen

import (
	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/paxlst"
)

// TravellerResult is one screened traveller of a manifest.
type TravellerResult struct {
	Traveller paxlst.Traveller `json:"traveller"`
	Query     vigil.Query      `json:"query"`
	Verdict
}

// FlightResult is one flight of a manifest with its travellers (indexes
// in ManifestResult.Travellers) and the recommendations counted.
type FlightResult struct {
	Flight     paxlst.Flight `json:"flight"`
	Travellers []int         `json:"travellers"`
	Counts     Counts        `json:"counts"`
}

// Counts counts recommendations.
type Counts struct {
	Deny  int `json:"deny"`
	Refer int `json:"refer"`
	Clear int `json:"clear"`
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
	// Problems are the parser's bad traveller records and values: a
	// dropped record was not screened and needs a look by hand.
	Problems []paxlst.Problem `json:"problems,omitempty"`
	Warnings []string         `json:"warnings,omitempty"`
	Counts   Counts           `json:"counts"`
}

// Worst returns the strongest recommendation of the manifest: Deny if any
// traveller is denied, else Refer if any is referred, else Clear.
func (r *ManifestResult) Worst() Recommendation {
	switch {
	case r.Counts.Deny > 0:
		return Deny
	case r.Counts.Refer > 0:
		return Refer
	}
	return Clear
}

// Manifest screens every traveller of m with all the evidence the manifest
// gives (name, date of birth, nationality, gender, document number) and
// recommends deny, refer or clear for each (see Assess). threshold <= 0
// means the matcher's default.
func Manifest(ix Matcher, m *paxlst.Message, threshold float64) *ManifestResult {
	res := &ManifestResult{
		Interchange: m.Interchange,
		Messages:    m.Messages,
		Flights:     make([]FlightResult, len(m.Flights)),
		Travellers:  make([]TravellerResult, len(m.Travellers)),
		Problems:    m.Problems,
		Warnings:    m.Warnings,
	}
	for i, f := range m.Flights {
		res.Flights[i] = FlightResult{Flight: f, Travellers: []int{}}
	}
	for i, t := range m.Travellers {
		q := t.Query()
		tr := TravellerResult{Traveller: t, Query: q, Verdict: Assess(ix, q, threshold)}
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
	return res
}
