package match

import (
	"fmt"

	"github.com/vigil-screening/vigil"
)

// EstMargin exposes the retrieval cut's margin to the external tests.
var EstMargin = &estMargin

// BoundCheck screens qs' candidate forms (no cut) and compares nameBound,
// with cut 0 (exact similarities) and with the default threshold (upper
// similarities first), against compare's score for both name classes. It
// returns how many forms it checked, how many the bound rejected at the
// default threshold, and the first violations found.
func BoundCheck(ix *Index, qs []string) (forms, rejected int, bad []string) {
	s := ix.getScratch()
	defer ix.putScratch(s)
	for _, q := range qs {
		qp := ix.prepareQuery(q, vigil.KindUnknown)
		s.sims.reset(&qp)
		for _, f := range ix.candidates(&qp, s, -10) {
			rep := &ix.names[ix.forms[f]]
			score := max(compare(qp, rep.p, false, s.sims).score, compare(qp, rep.p, true, s.sims).score)
			exact := ix.nameBound(&qp, f, s.sims, 0)
			quick := ix.nameBound(&qp, f, s.sims, DefaultThreshold)
			forms++
			if quick < DefaultThreshold {
				rejected++
			}
			if min(exact, quick) < score-1e-9 && len(bad) < 10 {
				bad = append(bad, fmt.Sprintf("%q ~ %q: bound %.4f/%.4f < score %.4f", q, rep.p.full, exact, quick, score))
			}
		}
	}
	return forms, rejected, bad
}
