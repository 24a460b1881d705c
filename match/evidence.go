package match

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// Secondary evidence adjustments, added to the name score.
const (
	// dobExact: a listed full date of birth is shared by about one person
	// in 20,000 of an age band, enough to refer a listed name queried
	// shortened (a common surname and one given name, see commonness).
	dobExact      = 0.15
	dobYear       = 0.03
	dobContradict = -0.15
	natMatch      = 0.02
	natMismatch   = -0.05
	genderMatch   = 0.01
	genderClash   = -0.15
	kindClash     = -0.2
	// dobUnverified is what a query's date of birth that the listing
	// cannot confirm (it states none with a year) costs a name as common
	// as names get (see unverified).
	dobUnverified = 0.25
)

// unverified is what the query's date of birth costs an entity of facts f
// that states none with a year, for a name match of commonness k (see
// commonness): a listing without a date of birth cannot tell a common
// name's many bearers apart, so that the name must carry the match alone,
// as a rare name can and a common one cannot. It is 0 without a queried
// date of birth, and never added to the bounds (it only lowers scores).
func (ev evidence) unverified(f *facts, k float64) float64 {
	if !ev.hasDOB || k <= 0 {
		return 0
	}
	if v := compareDOB(ev.dob, f.dobs); v != dobUnlisted && v != dobNoYear {
		return 0
	}
	return dobUnverified * k
}

// evidence is the parsed secondary evidence of a query.
type evidence struct {
	dob    vigil.Date
	hasDOB bool
	nat    string
	gender string
	doc    string
	kind   vigil.Kind
	// filter, when set, keeps the listings it allows (vigil.Filter).
	filter *vigil.Filter
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
	ev.doc = DocKey(q.ID)
	ev.kind = q.Kind
	if !q.Filter.Empty() {
		ev.filter = q.Filter
	}
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
	nats   []string // nationalities, citizenships and birth countries
	gender string   // normGender of the listed gender
	// kind is the kind the entity is read as (see kindOf), inferred
	// when kindInferred.
	kind         vigil.Kind
	kindInferred bool
}

func factsOf(e *vigil.Entity) facts {
	f := facts{dobs: e.BirthDates, gender: normGender(e.Gender)}
	f.kind, f.kindInferred = kindOf(e)
	f.nats = append(append(f.nats, e.Nationalities...), e.Citizenships...)
	for _, p := range e.BirthPlaces {
		if p.Country != "" {
			f.nats = append(f.nats, p.Country)
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
	if ev.nat != "" {
		b += natScore(f.nats, ev.nat)
	}
	if ev.gender != "" {
		b += genderScore(f.gender, ev.gender)
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
func (ev evidence) features(e *vigil.Entity, f *facts) []vigil.Feature {
	var fs []vigil.Feature
	if ev.hasDOB {
		fs = append(fs, dobFeature(ev.dob, f.dobs))
	}
	if ev.nat != "" {
		ft := vigil.Feature{Feature: "nationality", Score: natScore(f.nats, ev.nat)}
		switch ft.Score {
		case 0:
			ft.Detail = "the listing states no nationality"
		case natMatch:
			ft.Detail = "nationality " + ev.nat + " is listed"
		default:
			ft.Detail = fmt.Sprintf("nationality %s is not among the listed %s", ev.nat, strings.Join(lists.Dedupe(slices.Clone(f.nats)), ", "))
		}
		fs = append(fs, ft)
	}
	if ev.gender != "" {
		ft := vigil.Feature{Feature: "gender", Score: genderScore(f.gender, ev.gender)}
		switch ft.Score {
		case 0:
			ft.Detail = "the listing states no gender"
		case genderMatch:
			ft.Detail = "gender " + f.gender + " agrees"
		default:
			ft.Detail = fmt.Sprintf("query gender %s, listed %s", ev.gender, f.gender)
		}
		fs = append(fs, ft)
	}
	if ev.doc != "" {
		if hasDoc(e, ev.doc) {
			fs = append(fs, vigil.Feature{Feature: "id_document", Score: 0, Detail: "document number " + ev.doc + " is listed for this entity (near-certain)"})
		} else if len(e.Documents) > 0 {
			fs = append(fs, vigil.Feature{Feature: "id_document", Detail: "document number " + ev.doc + " is not among the listed documents"})
		}
	}
	if ev.kind != vigil.KindUnknown && f.kind != vigil.KindUnknown {
		how := ""
		if f.kindInferred {
			how = " (read from its source and name: the list states no type)"
		}
		if ev.kind == f.kind {
			fs = append(fs, vigil.Feature{Feature: "kind", Detail: "both are " + string(f.kind) + how})
		} else {
			fs = append(fs, vigil.Feature{Feature: "kind", Score: kindClash, Detail: fmt.Sprintf("query is a %s, listed entity a %s%s", ev.kind, f.kind, how)})
		}
	}
	return fs
}

// dobVerdict is how a queried date of birth compares with the listed ones.
type dobVerdict int

const (
	dobUnlisted dobVerdict = iota // the listing states none
	dobNoYear                     // none of the listed dates has a year
	dobSameDay                    // a listed date is the same day
	dobSameYear                   // a listed date has the same year
	dobNearYear                   // within a year of one: neither way
	dobContradicts
)

// dobScores is the score of each verdict.
var dobScores = [...]float64{dobSameDay: dobExact, dobSameYear: dobYear, dobContradicts: dobContradict}

// compareDOB compares q with the listed dates ds.
func compareDOB(q vigil.Date, ds []vigil.Date) dobVerdict {
	if len(ds) == 0 {
		return dobUnlisted
	}
	bestYearGap := noYearGap
	for _, d := range ds {
		if d.Year == 0 {
			continue
		}
		gap := yearGap(q, d)
		bestYearGap = min(bestYearGap, gap)
		if gap == 0 && q.Month != 0 && q.Day != 0 && d.Month == q.Month && d.Day == q.Day && d.ToYear == 0 {
			return dobSameDay
		}
	}
	return gapVerdict(bestYearGap)
}

// gapVerdict is the verdict when no listed date is the queried day and the
// nearest listed year lies gap years away (noYearGap: no listed date has a
// year).
func gapVerdict(gap int) dobVerdict {
	switch {
	case gap == 0:
		return dobSameYear
	case gap <= 1:
		return dobNearYear
	case gap == noYearGap:
		return dobNoYear
	}
	return dobContradicts
}

// noYearGap stands for the gap to the nearest listed year when none has one.
const noYearGap = 1 << 30

// dobScore is dobFeature(q, ds).Score.
func dobScore(q vigil.Date, ds []vigil.Date) float64 { return dobScores[compareDOB(q, ds)] }

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
	v := compareDOB(q, ds)
	f := vigil.Feature{Feature: "dob", Score: dobScores[v]}
	listed := func() string {
		out := make([]string, len(ds))
		for i, d := range ds {
			out[i] = d.String()
		}
		return strings.Join(out, ", ")
	}
	switch v {
	case dobUnlisted:
		f.Detail = "the listing states no date of birth"
	case dobNoYear:
		f.Detail = "listed dates of birth carry no year"
	case dobSameDay:
		f.Detail = fmt.Sprintf("date of birth %s is listed", q.String())
	case dobSameYear:
		f.Detail = fmt.Sprintf("birth year %d agrees with listed %s", q.Year, listed())
	case dobNearYear:
		f.Detail = fmt.Sprintf("birth year %d is within a year of listed %s", q.Year, listed())
	default:
		f.Detail = fmt.Sprintf("date of birth %s contradicts listed %s", q.String(), listed())
	}
	return f
}

func hasDoc(e *vigil.Entity, key string) bool {
	for _, d := range e.Documents {
		if DocKey(d.Number) == key {
			return true
		}
	}
	return DocKey(e.IMO) == key || DocKey(e.TailNumber) == key
}

// natScore is the nationality feature's score: 0 when nats (the listed
// nationalities) is empty.
func natScore(nats []string, nat string) float64 {
	if len(nats) == 0 {
		return 0
	}
	for _, x := range nats {
		if strings.EqualFold(x, nat) {
			return natMatch
		}
	}
	return natMismatch
}

// genderScore is the gender feature's score for the listed gender g
// (normalised; "" when not stated).
func genderScore(g, query string) float64 {
	switch g {
	case "":
		return 0
	case query:
		return genderMatch
	}
	return genderClash
}
