package match

import (
	"slices"
	"testing"

	"github.com/vigil-screening/vigil"
)

// A filter keeps the listings it allows before the limit is applied: the
// best match of the lists asked for is found however many better ones
// other lists hold; the Memo answers alike.
func TestFilter(t *testing.T) {
	mk := func(id, name string, programs []string, measures ...vigil.Measure) *vigil.Entity {
		src, ref, _ := vigil.SplitID(id)
		return &vigil.Entity{ID: id, Source: src, Ref: ref, Kind: vigil.KindPerson, Names: []vigil.Name{{Full: name, Quality: vigil.QualityPrimary}},
			Programs: programs, Measures: measures}
	}
	ix := NewIndex([]Entry{
		{mk("un:IRi.039", "QASEM SOLEIMANI", []string{"Iran"}, vigil.MeasureAssetFreeze, vigil.MeasureTravelBan), "un@1"},
		{mk("ofac:10481", "SOLEIMANI, Qasem", []string{"SDGT", "IRGC"}, vigil.MeasureAssetFreeze), "ofac_sdn@3"},
		{mk("ofac:99", "SOLEIMANI, Qasim", []string{"IRAN"}), "ofac_cons@1"},
		{mk("us_csl:10481", "SOLEIMANI, Qasem", []string{"SDN"}, vigil.MeasureAssetFreeze), "us_csl@1"},
		{mk("ca:Iran/1-2/89", "Soleimani, Qasim", []string{"Iran"}, vigil.MeasureAssetFreeze, vigil.MeasureTravelBan), "ca@1"},
	})
	ids := func(ms []vigil.Match) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.EntityID)
		}
		slices.Sort(out)
		return out
	}
	for _, c := range []struct {
		f    *vigil.Filter
		want []string
	}{
		{nil, []string{"ca:Iran/1-2/89", "ofac:10481", "ofac:99", "un:IRi.039", "us_csl:10481"}},
		{&vigil.Filter{}, []string{"ca:Iran/1-2/89", "ofac:10481", "ofac:99", "un:IRi.039", "us_csl:10481"}},
		{&vigil.Filter{Lists: []string{"un", "ofac_sdn"}}, []string{"ofac:10481", "un:IRi.039"}},
		{&vigil.Filter{Lists: []string{"ofac"}}, []string{"ofac:10481", "ofac:99"}}, // a source names its lists
		{&vigil.Filter{Programs: []string{"iran"}}, []string{"ca:Iran/1-2/89", "ofac:99", "un:IRi.039"}},
		{&vigil.Filter{Measures: []vigil.Measure{vigil.MeasureTravelBan}}, []string{"ca:Iran/1-2/89", "un:IRi.039"}},
		{&vigil.Filter{Lists: []string{"ca", "ofac_sdn"}, Measures: []vigil.Measure{vigil.MeasureTravelBan}}, []string{"ca:Iran/1-2/89"}},
		{&vigil.Filter{Lists: []string{"eu"}}, nil},
	} {
		q := vigil.Query{Name: "Qasem Soleimani", Filter: c.f}
		if got := ids(ix.Screen(q)); !slices.Equal(got, c.want) {
			t.Errorf("%+v: %v, want %v", c.f, got, c.want)
		}
		if got := ids(ix.Memo().Screen(q)); !slices.Equal(got, c.want) {
			t.Errorf("memo %+v: %v, want %v", c.f, got, c.want)
		}
	}
	// The limit counts the listings allowed: the weaker Canadian match is
	// the one answer to a screen for travel bans on the Canadian list.
	q := vigil.Query{Name: "Qasem Soleimani", Limit: 1, Filter: &vigil.Filter{Lists: []string{"ca"}}}
	if got := ids(ix.Screen(q)); !slices.Equal(got, []string{"ca:Iran/1-2/89"}) {
		t.Errorf("limit 1, ca: %v", got)
	}
}
