package match

import (
	"math"
	"testing"

	"github.com/vigil-screening/vigil"
)

// TestBonusIsFeatureSum checks that bonus, which Screen uses to skip
// names, is exactly the sum of the scores features reports, over every
// combination of query evidence and listed facts below.
func TestBonusIsFeatureSum(t *testing.T) {
	entities := []*vigil.Entity{
		{Kind: vigil.KindPerson},
		{Kind: vigil.KindPerson, Gender: "Male", Nationalities: []string{"IR"}, BirthDates: []vigil.Date{{Year: 1957, Month: 3, Day: 11}}},
		{Kind: vigil.KindPerson, Gender: "female", Citizenships: []string{"ru"}, BirthDates: []vigil.Date{{Year: 1960, ToYear: 1962}, {Year: 1970, Approx: true}}},
		{Kind: vigil.KindOrganization, BirthPlaces: []vigil.Place{{Country: "SY"}}},
		{Kind: vigil.KindUnknown, BirthDates: []vigil.Date{{Month: 5, Day: 1}}},
	}
	queries := []vigil.Query{
		{},
		{DOB: "1957-03-11", Nationality: "IR", Gender: "m", Kind: vigil.KindPerson},
		{DOB: "1957", Nationality: "Iran", Gender: "f"},
		{DOB: "1961-01-01", Nationality: "RU", Kind: vigil.KindOrganization},
		{DOB: "1971-05-01", Nationality: "SY", Gender: "male"},
		{DOB: "1990-05-01", Nationality: "US", Kind: vigil.KindVessel},
		{DOB: "1958-03-11"},
	}
	for _, q := range queries {
		ev := parseEvidence(q)
		for i, e := range entities {
			f := factsOf(e)
			var sum float64
			for _, ft := range ev.features(e, &f) {
				sum += ft.Score
			}
			if b := ev.bonus(&f); math.Abs(b-sum) > 1e-12 {
				t.Errorf("query %+v, entity %d: bonus %v, features sum %v", q, i, b, sum)
			}
		}
	}
}

// TestPackedBonus checks that the packed evidence gives exactly (to the
// bit) the bonus of the facts it packs, over a grid of listed facts (dates
// with ranges, approximations, no year, more dates and nationalities than
// a summary holds, odd values) and query evidence, and that summaries
// judged the same weigh the same.
func TestPackedBonus(t *testing.T) {
	dates := [][]vigil.Date{
		nil,
		{{Year: 1957, Month: 3, Day: 11}},
		{{Month: 5, Day: 1}},
		{{Year: 1960, ToYear: 1962}, {Year: 1970, Approx: true}},
		{{Year: 1957, Month: 3, Day: 11, ToYear: 1958}},
		{{Year: 1956, Approx: true, Month: 3, Day: 11}},
		{{Year: 1950}, {Year: 1957, Month: 3}, {Year: 1980, Month: 3, Day: 11}},
		{{Year: 1950}, {Year: 1951}, {Year: 1952, Approx: true}, {Year: 1957, Month: 3, Day: 11}, {Year: 1990}},
		{{Year: 99999}},
		{{Year: 1957, Month: 300, Day: 11}},
	}
	nats := [][]string{nil, {"IR"}, {"ir", "RU"}, {"US", "GB", "FR", "DE", "SY"}, {"US", "GB", "FR", "DE", "SY", "IQ", "IR"}, {"Iran"}}
	genders := []string{"", "Male", "f", "other"}
	kinds := []vigil.Kind{vigil.KindUnknown, vigil.KindPerson, vigil.KindOrganization, vigil.KindVessel, "satellite"}
	var all []facts
	for _, d := range dates {
		for _, n := range nats {
			for _, g := range genders {
				for _, k := range kinds {
					all = append(all, factsOf(&vigil.Entity{Kind: k, Gender: g, BirthDates: d, Nationalities: n}))
				}
			}
		}
	}
	var queries []vigil.Query
	for _, dob := range []string{"", "1957-03-11", "1957", "1958-03-11", "1955-03-11", "1961-06-01", "1971-05-01", "1990"} {
		for _, nat := range []string{"", "IR", "ru", "Iran", "XX", "Atlantis"} {
			for _, g := range []string{"", "m", "female"} {
				for _, k := range kinds {
					queries = append(queries, vigil.Query{DOB: dob, Nationality: nat, Gender: g, Kind: k})
				}
			}
		}
	}
	sums := make([]evSum, len(all))
	for e := range all {
		sums[e] = summarise(&all[e], int32(e))
	}
	slow := 0
	for _, s := range sums {
		if s.slow {
			slow++
		}
	}
	if slow == 0 || slow == len(sums) {
		t.Fatalf("%d of %d summaries slow: the grid should hold both kinds", slow, len(sums))
	}
	for _, q := range queries {
		ev := parseEvidence(q)
		p := packEvidence(ev)
		for e := range all {
			want := ev.bonus(&all[e])
			if got := p.bonus(&sums[e], all); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("query %+v, facts %+v: packed bonus %v, want %v", q, all[e], got, want)
			}
			for e2 := e + 1; e2 < len(all) && e2 < e+40; e2++ {
				if sums[e].same(&sums[e2]) && p.bonus(&sums[e2], all) != want {
					t.Fatalf("summaries of %+v and %+v judged the same but weigh differently", all[e], all[e2])
				}
			}
		}
	}
}

// TestBonusUpper checks that the envelope of a group of summaries bounds
// from above the bonus of each (and so formBonus of a form holding them),
// and the date of birth's bound the envelope's,
// over the grid of TestPackedBonus grouped by twos and threes, and that
// it is not trivially loose: it rules out the best bonus for many groups.
func TestBonusUpper(t *testing.T) {
	var all []facts
	for _, d := range [][]vigil.Date{nil, {{Year: 1957, Month: 3, Day: 11}}, {{Month: 5, Day: 1}}, {{Year: 1960, ToYear: 1962}, {Year: 1970, Approx: true}}, {{Year: 1950}, {Year: 1980, Month: 3, Day: 11}}, {{Year: 1950}, {Year: 1951}, {Year: 1952, Approx: true}, {Year: 1957, Month: 3, Day: 11}, {Year: 1990}}} {
		for _, n := range [][]string{nil, {"IR"}, {"ir", "RU"}, {"US", "GB", "FR", "DE", "SY", "IQ", "IR"}, {"Iran"}} {
			for _, g := range []string{"", "Male", "f"} {
				for _, k := range []vigil.Kind{vigil.KindUnknown, vigil.KindPerson, vigil.KindOrganization, "satellite"} {
					all = append(all, factsOf(&vigil.Entity{Kind: k, Gender: g, BirthDates: d, Nationalities: n}))
				}
			}
		}
	}
	sums := make([]evSum, len(all))
	for e := range all {
		sums[e] = summarise(&all[e], int32(e))
	}
	var groups [][]evSum
	for e := range sums {
		groups = append(groups, sums[e:e+1])
		if e+2 < len(sums) {
			groups = append(groups, []evSum{sums[e], sums[(e*7+3)%len(sums)]}, []evSum{sums[e], sums[(e*13+5)%len(sums)], sums[(e*31+11)%len(sums)]})
		}
	}
	tight := 0
	checked := 0
	for _, dob := range []string{"", "1957-03-11", "1957", "1958", "1956-01-01", "1949", "1955-03-11", "1961-06-01", "1971-05-01", "1990", "2020"} {
		for _, nat := range []string{"", "IR", "ru", "XX", "Atlantis"} {
			for _, g := range []string{"", "m", "female"} {
				for _, k := range []vigil.Kind{vigil.KindUnknown, vigil.KindPerson, vigil.KindOrganization, "satellite"} {
					ev := parseEvidence(vigil.Query{DOB: dob, Nationality: nat, Gender: g, Kind: k})
					p := packEvidence(ev)
					for _, grp := range groups {
						env := envelope(grp)
						ub := p.bonusUpper(env)
						if ev.hasDOB && !p.slow && env.flags&envSlow == 0 && p.dobUpper(env) < ub {
							t.Fatalf("query %+v: the date of birth's bound %v below the envelope's %v for %+v", ev, p.dobUpper(env), ub, grp)
						}
						best := math.Inf(-1)
						for i := range grp {
							best = max(best, p.bonus(&grp[i], all))
						}
						checked++
						if ub < best {
							t.Fatalf("query %+v: envelope bound %v below the bonus %v of a summary it covers %+v", ev, ub, best, grp)
						}
						if ub < ev.maxBonus() {
							tight++
						}
					}
				}
			}
		}
	}
	if tight < checked/20 {
		t.Errorf("the envelope bound rules out the best bonus for only %d of %d groups", tight, checked)
	}
}
