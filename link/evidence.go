package link

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// facts are what a listing's links are weighed on besides its names.
type facts struct {
	dobs      []vigil.Date
	countries []string // nationalities, citizenships, birth countries; for others, address countries and flag
	gender    string
}

func factsOf(e *vigil.Entity) facts {
	f := facts{dobs: e.BirthDates, gender: strings.ToLower(e.Gender)}
	var cs []string
	cs = append(append(cs, e.Nationalities...), e.Citizenships...)
	for _, p := range e.BirthPlaces {
		cs = append(cs, p.Country)
	}
	if e.Kind != vigil.KindPerson {
		for _, a := range e.Addresses {
			cs = append(cs, a.Country)
		}
		cs = append(cs, e.Flag)
	}
	for _, c := range cs {
		if len(c) == 2 && !slices.Contains(f.countries, c) {
			f.countries = append(f.countries, c)
		}
	}
	slices.Sort(f.countries)
	return f
}

// dobAgreement says how two listings' dates of birth compare.
type dobAgreement int

const (
	dobUnknown  dobAgreement = iota // one of them gives none
	dobConflict                     // no date of one fits any of the other
	dobPartial                      // a date fits, known to the year or month only
	dobExact                        // a full date is the same
)

// compareDOBs compares two lists of dates of birth.
func compareDOBs(a, b []vigil.Date) (dobAgreement, string) {
	var as, bs []vigil.Date
	for _, d := range a {
		if d.Year != 0 {
			as = append(as, d)
		}
	}
	for _, d := range b {
		if d.Year != 0 {
			bs = append(bs, d)
		}
	}
	if len(as) == 0 || len(bs) == 0 {
		return dobUnknown, ""
	}
	best, what := dobConflict, ""
	for _, x := range as {
		for _, y := range bs {
			if !fits(x, y) {
				continue
			}
			if x.Day != 0 && y.Day != 0 && x.ToYear == 0 && y.ToYear == 0 {
				return dobExact, x.String()
			}
			if best < dobPartial {
				best, what = dobPartial, x.String()
				if y.String() != what {
					what += " and " + y.String()
				}
			}
		}
	}
	return best, what
}

// fits reports whether two dates can be the same day: their years (or
// year ranges) overlap and their months and days agree where both give one.
func fits(x, y vigil.Date) bool {
	xTo, yTo := max(x.ToYear, x.Year), max(y.ToYear, y.Year)
	if xTo < y.Year || yTo < x.Year {
		return false
	}
	ranged := x.ToYear > x.Year || y.ToYear > y.Year
	if ranged {
		return true
	}
	if x.Month != 0 && y.Month != 0 && x.Month != y.Month {
		return false
	}
	return x.Day == 0 || y.Day == 0 || x.Day == y.Day || x.Month == 0 || y.Month == 0
}

// countriesAgree says whether two lists of countries share one (agree),
// are both known with none shared (conflict), or neither.
func countriesAgree(a, b []string) (agree, conflict bool, shared string) {
	if len(a) == 0 || len(b) == 0 {
		return false, false, ""
	}
	for _, c := range a {
		if slices.Contains(b, c) {
			return true, false, c
		}
	}
	return false, true, ""
}

// strongNames returns a listing's names other than weak aliases.
func strongNames(e *vigil.Entity) []string {
	var out []string
	for _, n := range e.Names {
		if n.Quality != vigil.QualityWeak && n.Full != "" {
			out = append(out, n.Full)
		}
	}
	return out
}

// nameScore scores two names both ways (each read once as the query) and
// returns the lower: a name that one list gives whole and another gives
// with extra words agrees less than the one-way score says.
func nameScore(a, b string, k vigil.Kind) float64 {
	return min(match.Compare(a, b, k), match.Compare(b, a, k))
}

// namesAgree returns how well two listings' names agree, both ways: the
// best of each's primary name against the other's names (weak aliases
// left out), and the pair of names that gives it.
func namesAgree(x, y *vigil.Entity) (float64, string, string) {
	best, bx, by := 0.0, "", ""
	k := x.Kind
	if k == vigil.KindUnknown {
		k = y.Kind
	}
	try := func(a string, bs []string, swap bool) {
		for _, b := range bs {
			if s := nameScore(a, b, k); s > best {
				best, bx, by = s, a, b
				if swap {
					bx, by = b, a
				}
			}
			if best >= 1 {
				return
			}
		}
	}
	try(x.PrimaryName(), strongNames(y), false)
	if best < 1 {
		try(y.PrimaryName(), strongNames(x), true)
	}
	return best, bx, by
}

// conflicts returns what tells two listings apart whatever their names:
// kinds, dates of birth, genders or, for persons, nationalities that
// disagree; "" when nothing does.
func (l *linker) conflicts(i, j int32) string {
	x, y := l.ls[i].Entity, l.ls[j].Entity
	fx, fy := &l.facts[i], &l.facts[j]
	if x.Kind != y.Kind && x.Kind != vigil.KindUnknown && y.Kind != vigil.KindUnknown {
		return fmt.Sprintf("kinds differ (%s, %s)", x.Kind, y.Kind)
	}
	if a, _ := compareDOBs(fx.dobs, fy.dobs); a == dobConflict {
		return "dates of birth differ"
	}
	if fx.gender != "" && fy.gender != "" && fx.gender != fy.gender {
		return "genders differ"
	}
	return ""
}
