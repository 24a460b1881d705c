package match

import (
	"fmt"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// Secondary evidence adjustments, added to the name score.
const (
	dobExact      = 0.06
	dobYear       = 0.03
	dobContradict = -0.15
	natMatch      = 0.02
	natMismatch   = -0.05
	genderMatch   = 0.01
	genderClash   = -0.15
	kindClash     = -0.2
)

// evidence is the parsed secondary evidence of a query.
type evidence struct {
	dob    vigil.Date
	hasDOB bool
	nat    string
	gender string
	doc    string
	kind   vigil.Kind
}

// maxBonus is the most the evidence can add to a name score.
func (ev evidence) maxBonus() float64 {
	var b float64
	if ev.hasDOB {
		b += dobExact
	}
	if ev.nat != "" {
		b += natMatch
	}
	if ev.gender != "" {
		b += genderMatch
	}
	return b
}

func parseEvidence(q vigil.Query) evidence {
	var ev evidence
	if strings.TrimSpace(q.DOB) != "" {
		ev.dob, ev.hasDOB = lists.ParseDate(q.DOB)
		ev.hasDOB = ev.hasDOB && ev.dob.Year != 0
	}
	if n := strings.TrimSpace(q.Nationality); n != "" {
		if len(n) == 2 {
			ev.nat = strings.ToUpper(n)
		} else {
			ev.nat = lists.Country(n)
		}
	}
	ev.gender = normGender(q.Gender)
	ev.doc = docKey(q.ID)
	ev.kind = q.Kind
	return ev
}

func normGender(g string) string {
	switch strings.ToLower(strings.TrimSpace(g)) {
	case "m", "male", "man":
		return "male"
	case "f", "female", "woman":
		return "female"
	}
	return ""
}

// facts are the facts of an entity that secondary evidence is weighed
// against, normalised once when the index is built so that bonus is cheap.
type facts struct {
	dobs   []vigil.Date
	nats   []string // nationalities, citizenships and birth countries, upper case
	gender string   // normGender of the listed gender
	kind   vigil.Kind
}

func factsOf(e *vigil.Entity) facts {
	f := facts{dobs: e.BirthDates, gender: normGender(e.Gender), kind: e.Kind}
	for _, n := range e.Nationalities {
		f.nats = append(f.nats, strings.ToUpper(n))
	}
	for _, n := range e.Citizenships {
		f.nats = append(f.nats, strings.ToUpper(n))
	}
	for _, p := range e.BirthPlaces {
		if p.Country != "" {
			f.nats = append(f.nats, strings.ToUpper(p.Country))
		}
	}
	return f
}

// bonus is the sum of the scores of features(e), f the facts of e, found
// without building their details (Screen asks it of candidate entities).
func (ev evidence) bonus(f *facts) float64 { return ev.addTo(0, f) }

// addTo adds the scores of features(e) to b one by one, in the order
// Screen adds them, so that the sums agree to the last bit.
func (ev evidence) addTo(b float64, f *facts) float64 {
	if ev.hasDOB {
		b += dobScore(ev.dob, f.dobs)
	}
	if ev.nat != "" && len(f.nats) > 0 {
		s := natMismatch
		for _, n := range f.nats {
			if n == ev.nat {
				s = natMatch
				break
			}
		}
		b += s
	}
	if ev.gender != "" && f.gender != "" {
		if f.gender == ev.gender {
			b += genderMatch
		} else {
			b += genderClash
		}
	}
	if ev.kind != vigil.KindUnknown && f.kind != vigil.KindUnknown && ev.kind != f.kind {
		b += kindClash
	}
	return b
}

// any reports whether the query carries evidence bonus can weigh.
func (ev evidence) any() bool {
	return ev.hasDOB || ev.nat != "" || ev.gender != "" || ev.kind != vigil.KindUnknown
}

// features returns the secondary-evidence features for an entity; each
// Score is the adjustment it makes.
func (ev evidence) features(e *vigil.Entity) []vigil.Feature {
	var fs []vigil.Feature
	if ev.hasDOB {
		fs = append(fs, dobFeature(ev.dob, e.BirthDates))
	}
	if ev.nat != "" {
		var all []string
		all = append(append(all, e.Nationalities...), e.Citizenships...)
		for _, p := range e.BirthPlaces {
			if p.Country != "" {
				all = append(all, p.Country)
			}
		}
		switch {
		case len(all) == 0:
			fs = append(fs, vigil.Feature{Feature: "nationality", Detail: "the listing states no nationality"})
		case contains(all, ev.nat):
			fs = append(fs, vigil.Feature{Feature: "nationality", Score: natMatch, Detail: "nationality " + ev.nat + " is listed"})
		default:
			fs = append(fs, vigil.Feature{Feature: "nationality", Score: natMismatch, Detail: fmt.Sprintf("nationality %s is not among the listed %s", ev.nat, strings.Join(lists.Dedupe(all), ", "))})
		}
	}
	if ev.gender != "" {
		g := normGender(e.Gender)
		switch {
		case g == "":
			fs = append(fs, vigil.Feature{Feature: "gender", Detail: "the listing states no gender"})
		case g == ev.gender:
			fs = append(fs, vigil.Feature{Feature: "gender", Score: genderMatch, Detail: "gender " + g + " agrees"})
		default:
			fs = append(fs, vigil.Feature{Feature: "gender", Score: genderClash, Detail: fmt.Sprintf("query gender %s, listed %s", ev.gender, g)})
		}
	}
	if ev.doc != "" {
		if hasDoc(e, ev.doc) {
			fs = append(fs, vigil.Feature{Feature: "id_document", Score: 0, Detail: "document number " + ev.doc + " is listed for this entity (near-certain)"})
		} else if len(e.Documents) > 0 {
			fs = append(fs, vigil.Feature{Feature: "id_document", Detail: "document number " + ev.doc + " is not among the listed documents"})
		}
	}
	if ev.kind != vigil.KindUnknown && e.Kind != vigil.KindUnknown {
		if ev.kind == e.Kind {
			fs = append(fs, vigil.Feature{Feature: "kind", Detail: "both are " + string(e.Kind)})
		} else {
			fs = append(fs, vigil.Feature{Feature: "kind", Score: kindClash, Detail: fmt.Sprintf("query is a %s, listed entity a %s", ev.kind, e.Kind)})
		}
	}
	return fs
}

// dobScore is dobFeature(q, ds).Score.
func dobScore(q vigil.Date, ds []vigil.Date) float64 {
	if len(ds) == 0 {
		return 0
	}
	bestYearGap := 1 << 30
	for _, d := range ds {
		if d.Year == 0 {
			continue
		}
		gap := yearGap(q, d)
		bestYearGap = min(bestYearGap, gap)
		if gap == 0 && q.Month != 0 && q.Day != 0 && d.Month == q.Month && d.Day == q.Day && d.ToYear == 0 {
			return dobExact
		}
	}
	switch {
	case bestYearGap == 0:
		return dobYear
	case bestYearGap <= 1, bestYearGap == 1<<30:
		return 0
	}
	return dobContradict
}

// yearGap is how many years q's year lies outside listed date d's years
// (widened by one each way when d is approximate).
func yearGap(q, d vigil.Date) int {
	lo, hi := d.Year, d.Year
	if d.ToYear > d.Year {
		hi = d.ToYear
	}
	if d.Approx {
		lo, hi = lo-1, hi+1
	}
	switch {
	case q.Year < lo:
		return lo - q.Year
	case q.Year > hi:
		return q.Year - hi
	}
	return 0
}

func dobFeature(q vigil.Date, ds []vigil.Date) vigil.Feature {
	f := vigil.Feature{Feature: "dob"}
	if len(ds) == 0 {
		f.Detail = "the listing states no date of birth"
		return f
	}
	var listed []string
	bestYearGap := 1 << 30
	for _, d := range ds {
		listed = append(listed, d.String())
		if d.Year == 0 {
			continue
		}
		gap := yearGap(q, d)
		bestYearGap = min(bestYearGap, gap)
		if gap == 0 && q.Month != 0 && q.Day != 0 && d.Month == q.Month && d.Day == q.Day && d.ToYear == 0 {
			f.Score, f.Detail = dobExact, fmt.Sprintf("date of birth %s is listed", q.String())
			return f
		}
	}
	switch {
	case bestYearGap == 0:
		f.Score, f.Detail = dobYear, fmt.Sprintf("birth year %d agrees with listed %s", q.Year, strings.Join(listed, ", "))
	case bestYearGap <= 1:
		f.Detail = fmt.Sprintf("birth year %d is within a year of listed %s", q.Year, strings.Join(listed, ", "))
	case bestYearGap == 1<<30:
		f.Detail = "listed dates of birth carry no year"
	default:
		f.Score, f.Detail = dobContradict, fmt.Sprintf("date of birth %s contradicts listed %s", q.String(), strings.Join(listed, ", "))
	}
	return f
}

func hasDoc(e *vigil.Entity, key string) bool {
	for _, d := range e.Documents {
		if docKey(d.Number) == key {
			return true
		}
	}
	return docKey(e.IMO) == key || docKey(e.TailNumber) == key
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
