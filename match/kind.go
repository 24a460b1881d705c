package match

import (
	"slices"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/names"
)

// The kind the matcher reads a listing as. Most lists state it; the US
// Consolidated Screening List leaves it blank for the persons and firms of
// its export lists (Denied Persons, ITAR debarred, Entity, Unverified and
// Military End User lists, ISN), which its reader files as organisations
// unless the row shows a date or place of birth or a gender, and a listing
// may state none at all. Such a listing is read from its source and
// content: a person when its primary name is a person's (two to four words,
// none a legal form, an organisation word or a number, one of them a given
// name the population figures know), an organisation when its name holds a
// legal form or an organisation word.

// blankKindLists are the programme codes of the US CSL's lists that file
// rows without a type.
var blankKindLists = []string{"DPL", "DTC", "EL", "ISN", "MEU", "UVL"}

// kindOf returns the kind entity e is read as, and whether it was inferred
// rather than stated.
func kindOf(e *vigil.Entity) (vigil.Kind, bool) {
	switch {
	case e.Kind == vigil.KindUnknown:
		if k := nameKind(e.PrimaryName()); k != vigil.KindUnknown {
			return k, true
		}
	case e.Kind == vigil.KindOrganization && e.Source == vigil.SourceUSCSL && blankKindList(e.Programs) && len(e.Documents) == 0:
		if nameKind(e.PrimaryName()) == vigil.KindPerson {
			return vigil.KindPerson, true
		}
	}
	return e.Kind, false
}

func blankKindList(programs []string) bool {
	for _, p := range programs {
		if slices.Contains(blankKindLists, p) {
			return true
		}
	}
	return false
}

// nameKind is the kind a name shows: a person's, an organisation's, or
// unknown.
func nameKind(full string) vigil.Kind {
	ps := names.Parse(full, names.AnyClass)
	words, given := 0, false
	for i := range ps {
		switch ps[i].Tag {
		case names.TagLegal, names.TagOrgWord:
			return vigil.KindOrganization
		case names.TagNumber, names.TagStop:
			return vigil.KindUnknown
		case names.TagName:
			words++
			if _, ok := names.GivenMale(ps[i].Key); ok {
				given = true
			}
		}
	}
	if words >= 2 && words <= 4 && given {
		return vigil.KindPerson
	}
	return vigil.KindUnknown
}
