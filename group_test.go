package vigil

import (
	"slices"
	"testing"
)

// subjectsMap is a SubjectLookup over maps.
type subjectsMap map[string][]string

func (m subjectsMap) Of(id string) string {
	for s, ids := range m {
		if slices.Contains(ids, id) {
			return s
		}
	}
	return ""
}

func (m subjectsMap) Members(s string) []string { return m[s] }

// served is the listings an index serves, with their version labels.
type served map[string]struct {
	e     *Entity
	label string
}

func (s served) Entity(id string) (*Entity, string, bool) {
	x, ok := s[id]
	return x.e, x.label, ok
}

func TestGroupBySubject(t *testing.T) {
	ix := served{
		"un:1":     {&Entity{ID: "un:1", Measures: []Measure{MeasureTravelBan, MeasureAssetFreeze}}, "un@3"},
		"ofac:1":   {&Entity{ID: "ofac:1", Measures: []Measure{MeasureAssetFreeze}}, "ofac_sdn@2"},
		"us_csl:1": {&Entity{ID: "us_csl:1", Measures: []Measure{MeasureAssetFreeze}}, "us_csl@1"},
		"un:2":     {&Entity{ID: "un:2", Measures: []Measure{MeasureTravelBan}}, "un@3"},
		"ca:9":     {&Entity{ID: "ca:9"}, "ca@1"},
	}
	subs := subjectsMap{
		"S1": {"ofac:1", "uk:gone", "un:1", "us_csl:1"}, // uk:gone was delisted: not served
		"S2": {"un:2"},
	}
	ms := []Match{
		{EntityID: "ofac:1", MatchedName: "SOLEIMANI, Qasem", Score: 1, ListVersion: "ofac_sdn@2", Kind: KindPerson},
		{EntityID: "un:2", MatchedName: "GHASEM SOLEYMANI", Score: 0.96, ListVersion: "un@3", Kind: KindPerson},
		{EntityID: "un:1", MatchedName: "QASEM SOLEIMANI", Score: 0.95, ListVersion: "un@3", Kind: KindPerson},
		{EntityID: "ca:9", MatchedName: "Soleimani", Score: 0.8, ListVersion: "ca@1", Kind: KindPerson},
		// A listing never linked.
		{EntityID: "eu:7", MatchedName: "Qasem Soleimani", Score: 0.79, ListVersion: "eu@1", Measures: []Measure{MeasureAssetFreeze}},
	}
	subs["S1"] = append(subs["S1"], "eu:none")
	gs := GroupBySubject(ms, subs, ix)
	if len(gs) != 4 {
		t.Fatalf("groups = %+v", gs)
	}
	g := gs[0]
	if g.Subject != "S1" || g.Name != "SOLEIMANI, Qasem" || g.EntityID != "ofac:1" || g.Score != 1 ||
		!slices.Equal(g.EntityIDs, []string{"ofac:1", "un:1", "us_csl:1"}) {
		t.Errorf("S1 = %+v", g)
	}
	matched := map[string]bool{}
	for _, l := range g.Lists {
		matched[l.EntityID] = l.Matched
		if l.EntityID == "un:1" && (l.List != "un" || l.Version != "un@3") {
			t.Errorf("listing = %+v", l)
		}
	}
	if !matched["ofac:1"] || !matched["un:1"] || matched["us_csl:1"] {
		t.Errorf("matched = %v", matched)
	}
	if !slices.Equal(g.ListsImposing(MeasureAssetFreeze), []string{"ofac_sdn", "un", "us_csl"}) || !slices.Equal(g.ListsImposing(MeasureTravelBan), []string{"un"}) {
		t.Errorf("measures = %v", g.Measures)
	}
	if len(g.Measures) != 2 || g.Measures[0].Measure != MeasureTravelBan {
		t.Errorf("measures = %v, want travel_ban first", g.Measures)
	}
	if gs[1].Subject != "S2" || gs[2].Subject != "" || !slices.Equal(gs[2].EntityIDs, []string{"ca:9"}) {
		t.Errorf("order = %+v", gs)
	}
	if gs[3].Subject != "" || !slices.Equal(gs[3].EntityIDs, []string{"eu:7"}) || !gs[3].Lists[0].Matched {
		t.Errorf("unknown listing = %+v", gs[3])
	}
	for _, m := range ms {
		if want := subs.Of(m.EntityID); m.Subject != want {
			t.Errorf("%s: subject %q, want %q", m.EntityID, m.Subject, want)
		}
	}
	// Without subjects each match is its own.
	if gs := GroupBySubject(ms, nil, ix); len(gs) != len(ms) || gs[0].Subject != "" || len(gs[0].EntityIDs) != 1 {
		t.Errorf("no subjects: %+v", gs)
	}
}
