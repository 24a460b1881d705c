package match

import (
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/names"
)

// classOf maps an entity kind to a name class.
func classOf(k vigil.Kind) names.Class {
	switch k {
	case vigil.KindPerson:
		return names.PersonClass
	case vigil.KindOrganization, vigil.KindVessel, vigil.KindAircraft:
		return names.OrgClass
	}
	return names.AnyClass
}

// Compare scores two names directly, 0..1: name1 is read as the query and
// name2 as the listed name, so parts only name2 has (middle names,
// patronymics) cost less than parts only name1 has.
func Compare(name1, name2 string, kind vigil.Kind) float64 {
	c := classOf(kind)
	best := 0.0
	for _, a := range alternatives(name1) {
		q := prepare(a, c, builtinRarity)
		for _, b := range alternatives(name2) {
			best = max(best, compare(q, prepare(b, c, builtinRarity), c == names.OrgClass, nil).score)
		}
	}
	return best
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
