package lists

import (
	"regexp"
	"strings"

	"github.com/vigil-screening/vigil"
)

// reUNRef finds UN Security Council reference numbers: a two-letter regime,
// i (individual) or e (entity), a dot and a number ("IRi.039", "QDe.128").
var reUNRef = regexp.MustCompile(`\b([A-Za-z]{2})([ieIE])\.\s?(\d{1,4})\b`)

// UNRefs returns the UN reference numbers s holds, in the UN's spelling
// ("qde.128" → "QDe.128"), each once.
func UNRefs(s string) []string {
	var out []string
	for _, m := range reUNRef.FindAllStringSubmatch(s, -1) {
		out = append(out, strings.ToUpper(m[1])+strings.ToLower(m[2])+"."+m[3])
	}
	return Dedupe(out)
}

// SameAsUN appends to e a same_as relation to the UN listing of each
// reference number s holds (the field of a list that names the UN
// designation it implements), skipping any it has.
func SameAsUN(e *vigil.Entity, s string) {
	for _, ref := range UNRefs(s) {
		r := vigil.Relation{EntityID: vigil.EntityID(vigil.SourceUN, ref), Type: vigil.RelationSameAs}
		if !hasRelation(e, r) {
			e.Relations = append(e.Relations, r)
		}
	}
}

func hasRelation(e *vigil.Entity, r vigil.Relation) bool {
	for _, x := range e.Relations {
		if x == r {
			return true
		}
	}
	return false
}
