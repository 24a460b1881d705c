package match_test

import (
	"slices"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// TestEstimateCutLosesNothing checks that skipping candidates whose
// retrieval estimate falls well below the threshold changes no result at the
// default threshold over the query mix, with and without secondary
// evidence (the cap of candidatesScored forms applies to both runs).
func TestEstimateCutLosesNothing(t *testing.T) {
	ix, entries := allIndex(t)
	qs := queryMix(t, entries, 2000)
	save := *match.EstMargin
	defer func() { *match.EstMargin = save }()
	run := func() [][]string {
		var out [][]string
		for _, q := range qs {
			for _, query := range []vigil.Query{{Name: q}, {Name: q, DOB: "1970-05-05", Nationality: "RU", Gender: "male"}} {
				var ids []string
				for _, m := range ix.Screen(query) {
					ids = append(ids, m.EntityID)
				}
				out = append(out, ids)
			}
		}
		return out
	}
	cut := run()
	*match.EstMargin = 10 // no cut
	full := run()
	lost := 0
	for i := range full {
		if !slices.Equal(cut[i], full[i]) {
			lost++
			if lost <= 10 {
				t.Errorf("%q: with cut %v, without %v", qs[i/2], cut[i], full[i])
			}
		}
	}
	t.Logf("%d queries, %d differ", len(full), lost)
}
