package screen

import (
	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// fixtureEntities is a small invented list: a listed person with a travel
// ban, one with an asset freeze only, and an organisation.
func fixtureEntities() []vigil.Entity {
	return []vigil.Entity{
		{
			ID: "fx:1", Source: "fx", Ref: "1", Kind: vigil.KindPerson,
			Names: []vigil.Name{
				{Full: "Qasem Soleimani", Given: "Qasem", Family: "Soleimani", Quality: vigil.QualityPrimary},
				{Full: "Qassem Suleimani", Quality: vigil.QualityStrong},
			},
			BirthDates:    []vigil.Date{{Year: 1957, Month: 3, Day: 11}},
			Nationalities: []string{"IR"},
			Gender:        "male",
			Documents:     []vigil.Document{{Type: vigil.DocPassport, Number: "008827", Country: "IR"}},
			Programs:      []string{"FX-IRAN"},
			Measures:      []vigil.Measure{vigil.MeasureAssetFreeze, vigil.MeasureTravelBan},
		},
		{
			ID: "fx:2", Source: "fx", Ref: "2", Kind: vigil.KindPerson,
			Names:         []vigil.Name{{Full: "Ivan Petrovich Sidorenko", Quality: vigil.QualityPrimary}},
			BirthDates:    []vigil.Date{{Year: 1961, Month: 4, Day: 4}},
			Nationalities: []string{"RU"},
			Documents:     []vigil.Document{{Type: vigil.DocPassport, Number: "RU7654321"}},
			Programs:      []string{"FX-RUSSIA"},
			Measures:      []vigil.Measure{vigil.MeasureAssetFreeze},
		},
		{
			ID: "fx:3", Source: "fx", Ref: "3", Kind: vigil.KindPerson,
			Names:      []vigil.Name{{Full: "Marko Zelenko", Quality: vigil.QualityPrimary}},
			BirthDates: []vigil.Date{{Year: 1970}},
			Programs:   []string{"FX-BALKANS"},
			Measures:   []vigil.Measure{vigil.MeasureTravelBan},
		},
		{
			ID: "fx:4", Source: "fx", Ref: "4", Kind: vigil.KindOrganization,
			Names:    []vigil.Name{{Full: "Northern Star Shipping LLC", Quality: vigil.QualityPrimary}},
			Measures: []vigil.Measure{vigil.MeasureAssetFreeze},
		},
	}
}

func fixtureIndex() *match.Index {
	es := fixtureEntities()
	entries := make([]match.Entry, len(es))
	for i := range es {
		entries[i] = match.Entry{Entity: &es[i], Version: "fx@1"}
	}
	return match.NewIndex(entries)
}
