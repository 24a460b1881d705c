package link

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigil-screening/vigil"
)

// candidateLimit caps the listings one name query proposes: a common name
// ("Mohammad Ali") finds many, of which the evidence keeps few.
const candidateLimit = 30

// found is a candidate pair from one name query: listing q's primary name
// found listing m through its name matched.
type found struct {
	q, m    int32
	matched string
}

// scored returns the links of listings whose names agree strongly both
// ways and whose other facts agree (see accept). Each listing that could
// be linked so (a person needs a date of birth) asks the index for its
// primary name, with its kind; every pair found either way is weighed
// once.
func (l *linker) scored(ix Screener) []edge {
	bar := min(l.opt.PersonName, l.opt.OtherName)
	// Listings asking the same query (an OFAC listing and the CSL row
	// copying it) share one answer: each query is asked once.
	byQuery := map[vigil.Query][]int32{}
	var queries []vigil.Query
	for i := range l.ls {
		e := l.ls[i].Entity
		// A listing of no known kind (an own list may not say) links as
		// the kind of the other; without a date of birth it may be a
		// person, and a person never links on a name alone.
		if (e.Kind == vigil.KindPerson || e.Kind == vigil.KindUnknown) && len(l.facts[i].dobs) == 0 || e.PrimaryName() == "" {
			continue
		}
		q := vigil.Query{Name: e.PrimaryName(), Kind: e.Kind, Threshold: bar, Limit: candidateLimit}
		// A single date of birth lets the matcher pass over the listings
		// it contradicts, which could not be linked anyway (with several,
		// one may fit where another does not).
		if f := &l.facts[i]; len(f.dobs) == 1 && f.dobs[0].ToYear == 0 && !f.dobs[0].Approx {
			q.DOB = f.dobs[0].String()
		}
		if _, ok := byQuery[q]; !ok {
			queries = append(queries, q)
		}
		byQuery[q] = append(byQuery[q], int32(i))
	}
	per := make([][]found, l.opt.Workers)
	parallel(len(queries), l.opt.Workers, func(w, k int) {
		q := queries[k]
		ms := ix.Screen(q)
		for _, i := range byQuery[q] {
			for _, m := range ms {
				j, ok := l.byID[m.EntityID]
				if !ok || j == i || l.ls[j].List == l.ls[i].List || !kindsMeet(l.ls[j].Entity.Kind, l.ls[i].Entity.Kind) {
					continue
				}
				per[w] = append(per[w], found{i, j, m.MatchedName})
			}
		}
	})
	all := slices.Concat(per...)
	// Weigh each pair once, from the name pairs found either way.
	type pair struct{ a, b int32 }
	byPair := map[pair][]found{}
	for _, f := range all {
		p := pair{min(f.q, f.m), max(f.q, f.m)}
		byPair[p] = append(byPair[p], f)
	}
	pairs := make([]pair, 0, len(byPair))
	for p := range byPair {
		pairs = append(pairs, p)
	}
	slices.SortFunc(pairs, func(x, y pair) int {
		if x.a != y.a {
			return int(x.a - y.a)
		}
		return int(x.b - y.b)
	})
	edges := make([]*edge, len(pairs))
	parallel(len(pairs), l.opt.Workers, func(_, k int) {
		p := pairs[k]
		if e, ok := l.accept(p.a, p.b, byPair[p]); ok {
			edges[k] = &e
		}
	})
	var out []edge
	for _, e := range edges {
		if e != nil {
			out = append(out, *e)
		}
	}
	return out
}

// accept weighs a candidate pair: the best name agreement both ways among
// the name pairs found, then the facts its kind needs.
func (l *linker) accept(i, j int32, fs []found) (edge, bool) {
	if l.conflicts(i, j) != "" {
		return edge{}, false
	}
	k := l.ls[i].Entity.Kind
	if k == vigil.KindUnknown {
		k = l.ls[j].Entity.Kind
	}
	if k == vigil.KindUnknown {
		return edge{}, false // nothing says what either is
	}
	// The pairs of names in one order whatever the order they were found
	// in; each shown with the name of the listing with the lower id first.
	slices.SortFunc(fs, func(a, b found) int {
		if c := strings.Compare(l.ls[a.q].Entity.ID, l.ls[b.q].Entity.ID); c != 0 {
			return c
		}
		return strings.Compare(a.matched, b.matched)
	})
	lo := i
	if l.ls[j].Entity.ID < l.ls[i].Entity.ID {
		lo = j
	}
	best, qn, mn := 0.0, "", ""
	for _, f := range fs {
		q := l.ls[f.q].Entity.PrimaryName()
		if s := nameScore(q, f.matched, k); s > best {
			best, qn, mn = s, q, f.matched
			if f.q != lo {
				qn, mn = mn, qn
			}
		}
	}
	if numbersDiffer(qn, mn) {
		// "33RD LIGHT INFANTRY DIVISION", "99TH LIGHT INFANTRY DIVISION";
		// "SAM JONG 1", "SAM JONG 2".
		return edge{}, false
	}
	fi, fj := &l.facts[i], &l.facts[j]
	agree, conflict, shared := countriesAgree(fi.countries, fj.countries)
	detail := fmt.Sprintf("names agree %.2f (%q ~ %q)", best, qn, mn)
	score := best
	switch k {
	case vigil.KindPerson:
		hi := i + j - lo
		dob, when := compareDOBs(l.facts[lo].dobs, l.facts[hi].dobs)
		switch {
		case dob == dobExact && best >= l.opt.PersonName:
			score += 0.05
		case dob == dobPartial && best >= l.opt.PersonNamePartial:
			score += 0.02
		default:
			return edge{}, false
		}
		if dob == dobExact {
			detail += "; date of birth " + when + " on both"
		} else {
			detail += "; dates of birth agree (" + when + ")"
		}
		if conflict {
			return edge{}, false
		}
	default:
		if best < l.opt.OtherName || conflict {
			return edge{}, false
		}
		if k == vigil.KindVessel || k == vigil.KindAircraft {
			// A vessel or aircraft name is often a common word: its flag or
			// country must agree too, and its numbers must not differ.
			if !agree || l.numbersDiffer(i, j) {
				return edge{}, false
			}
		}
	}
	if agree {
		score += 0.02
		if k == vigil.KindPerson {
			detail += "; nationality " + shared + " on both"
		} else {
			detail += "; country " + shared + " on both"
		}
	}
	detail += "; both " + string(k)
	return l.edge(i, j, vigil.RuleScored, min(score, 1), detail), true
}

// numbersDiffer reports whether two vessels or aircraft give identifying
// numbers of one kind that differ (two IMO numbers, two serial numbers).
func (l *linker) numbersDiffer(i, j int32) bool {
	x, y := l.ls[i].Entity, l.ls[j].Entity
	differ := func(a, b string) bool { return a != "" && b != "" && a != b }
	return differ(digits(x.IMO), digits(y.IMO)) || differ(x.SerialNumber, y.SerialNumber) || differ(x.TailNumber, y.TailNumber)
}

// numbersDiffer reports whether two names both hold numbers and the
// numbers differ: names that differ only in a number name different
// units, vessels or companies.
func numbersDiffer(a, b string) bool {
	na, nb := numbersIn(a), numbersIn(b)
	return len(na) > 0 && len(nb) > 0 && !slices.Equal(na, nb)
}

func numbersIn(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		if s[i] < '0' || s[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		out = append(out, strings.TrimLeft(s[i:j], "0"))
		i = j
	}
	slices.Sort(out)
	return out
}

// kindsMeet reports whether listings of kinds a and b may be one: the same
// kind, or one of them unknown.
func kindsMeet(a, b vigil.Kind) bool {
	return a == b || a == vigil.KindUnknown || b == vigil.KindUnknown
}
