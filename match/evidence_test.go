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
