package load

import (
	"slices"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// mergeDuplicates folds entities that share an id into the first of them. The
// US Consolidated Screening List repeats an entry once per source list that
// holds it (the same _id on the SDN, SSI and CAPTA lists); the store needs
// one entity per id, holding every name and listing.
func mergeDuplicates(meta *lists.Meta, ents []vigil.Entity) []vigil.Entity {
	at := make(map[string]int, len(ents))
	out := ents[:0]
	merged, example := 0, ""
	for i := range ents {
		e := ents[i]
		if j, ok := at[e.ID]; ok {
			mergeEntity(&out[j], &e)
			if merged++; example == "" {
				example = e.ID
			}
			continue
		}
		at[e.ID] = len(out)
		out = append(out, e)
	}
	if merged > 0 {
		meta.Warnf("%d records repeat an earlier entity id and were merged into it (first: %s)", merged, example)
	}
	return out
}

// mergeEntity adds b's names, facts and listings to a, without repeats.
func mergeEntity(a, b *vigil.Entity) {
	if a.Kind == vigil.KindUnknown {
		a.Kind = b.Kind
	}
	for _, n := range b.Names {
		if !slices.ContainsFunc(a.Names, func(m vigil.Name) bool { return m.Full == n.Full }) {
			if n.Quality == vigil.QualityPrimary {
				n.Quality = vigil.QualityStrong
			}
			a.Names = append(a.Names, n)
		}
	}
	a.BirthDates = union(a.BirthDates, b.BirthDates)
	a.BirthPlaces = union(a.BirthPlaces, b.BirthPlaces)
	a.Nationalities = union(a.Nationalities, b.Nationalities)
	a.Citizenships = union(a.Citizenships, b.Citizenships)
	a.Positions = union(a.Positions, b.Positions)
	a.Addresses = union(a.Addresses, b.Addresses)
	a.Documents = union(a.Documents, b.Documents)
	a.Programs = union(a.Programs, b.Programs)
	a.Measures = union(a.Measures, b.Measures)
	a.Relations = union(a.Relations, b.Relations)
	a.Links = union(a.Links, b.Links)
	if a.Gender == "" {
		a.Gender = b.Gender
	}
	if a.ListedOn == "" || (b.ListedOn != "" && b.ListedOn < a.ListedOn) {
		a.ListedOn = b.ListedOn
	}
	if b.Remarks != "" && b.Remarks != a.Remarks {
		if a.Remarks != "" {
			a.Remarks += "\n"
		}
		a.Remarks += b.Remarks
	}
	for _, f := range []struct {
		dst *string
		src string
	}{
		{&a.IMO, b.IMO}, {&a.CallSign, b.CallSign}, {&a.Flag, b.Flag}, {&a.VesselType, b.VesselType},
		{&a.Tonnage, b.Tonnage}, {&a.GrossTonnage, b.GrossTonnage}, {&a.Owner, b.Owner},
		{&a.TailNumber, b.TailNumber}, {&a.SerialNumber, b.SerialNumber}, {&a.Model, b.Model},
	} {
		if *f.dst == "" {
			*f.dst = f.src
		}
	}
}

func union[T comparable](a, b []T) []T {
	for _, x := range b {
		if !slices.Contains(a, x) {
			a = append(a, x)
		}
	}
	return a
}
