package link

import (
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/eval"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/text"
)

var real struct {
	once    sync.Once
	entries []match.Entry
	ix      *match.Index
	linking vigil.Linking
	err     error
}

// realLinking links the newest snapshot of every shared list, once.
func realLinking(t *testing.T) ([]match.Entry, *match.Index, vigil.Linking) {
	t.Helper()
	dir := shared.Path(t, "data/lists")
	real.once.Do(func() {
		real.entries, real.err = eval.LoadLists(dir)
		if real.err != nil {
			return
		}
		real.ix = match.NewIndex(real.entries)
		real.linking = Link(Listings(real.entries), real.ix, nil, DefaultOptions)
	})
	if real.err != nil {
		t.Fatal(real.err)
	}
	return real.entries, real.ix, real.linking
}

func TestRealLists(t *testing.T) {
	_, _, l := realLinking(t)
	// Qasem Soleimani: UN and OFAC by passport, OFAC and the CSL by
	// ent_num, Canada by name and date of birth. Ghasem Soleymani
	// (un:IRi.040), whose name is near but who has no date of birth
	// listed, is another man.
	if c := clusterOf(l, "un:IRi.039"); !slices.Equal(c.Entities, []string{"ca:Iran/1-2/89", "ofac:10481", "un:IRi.039", "us_csl:10481"}) {
		t.Errorf("Soleimani = %+v", c)
	}
	if c := clusterOf(l, "un:IRi.040"); !slices.Equal(c.Entities, []string{"un:IRi.040"}) {
		t.Errorf("Soleymani = %+v, want alone", c)
	}
	// The Quds Force: the CSL copy of the OFAC listing, and the UK's by name.
	if !together(l, "ofac:10465", "us_csl:10465", "uk:11241") {
		t.Errorf("Quds Force = %+v", clusterOf(l, "ofac:10465"))
	}
	// Abu Zayd Umar Dorda on six lists: the EU and UK say which UN listing.
	if !together(l, "un:LYi.006", "eu:EU.3886.3", "uk:11657", "ofac:12632", "us_csl:12632", "au:1242") {
		t.Errorf("Dorda = %+v", clusterOf(l, "un:LYi.006"))
	}
	// Near names that are different listings.
	for _, p := range [][2]string{
		{"ofac:24811", "ofac:24812"}, // 33RD and 99TH LIGHT INFANTRY DIVISION
		{"ofac:7852", "ofac:7864"},   // Kamal and Jamal Mustafa al-Tikriti
		{"ofac:23733", "ofac:23734"}, // SAM JONG 1 and 2
		{"un:KPe.070", "uk:13655"},   // a ship and the company whose UN reference the UK gives it
	} {
		if together(l, p[0], p[1]) {
			t.Errorf("%s and %s linked: %+v", p[0], p[1], clusterOf(l, p[0]))
		}
	}
	sizes, rules := map[int]int{}, map[vigil.LinkRule]int{}
	for _, c := range l.Clusters {
		sizes[len(c.Entities)]++
		if len(c.Entities) > 9 {
			t.Errorf("a subject of %d listings: %v", len(c.Entities), c.Entities)
		}
		for _, k := range c.Links {
			rules[k.Rule]++
		}
	}
	t.Logf("%d subjects; by size %v; links by rule %v; %d refused", len(l.Clusters), sizes, rules, len(l.Refused))
}

// On the real lists too, a judgement clusters the stored links again to
// what linking from scratch with it gives.
func TestRealRecluster(t *testing.T) {
	entries, ix, l := realLinking(t)
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	js := []vigil.LinkJudgement{
		{A: "ofac:10481", B: "un:IRi.039", Verdict: vigil.VerdictNegative, By: "alice", At: at},
		{A: "ofac:24811", B: "ofac:24812", Verdict: vigil.VerdictPositive, By: "bob", At: at},
		{A: "au:1242", B: "uk:11657", Verdict: vigil.VerdictUnsure, By: "carol", At: at},
	}
	want := Link(Listings(entries), ix, js, DefaultOptions)
	got := Recluster(graphOf(l), js)
	if !equalLinking(got, want) {
		for i := range min(len(got.Clusters), len(want.Clusters)) {
			if !slices.Equal(got.Clusters[i].Entities, want.Clusters[i].Entities) || !slices.Equal(got.Clusters[i].Links, want.Clusters[i].Links) {
				t.Errorf("first difference: %+v, want %+v", got.Clusters[i], want.Clusters[i])
				break
			}
		}
		t.Fatalf("reclustering the stored links differs from linking with the judgements (%d, %d clusters; %d, %d refused)",
			len(got.Clusters), len(want.Clusters), len(got.Refused), len(want.Refused))
	}
	if together(got, "ofac:10481", "un:IRi.039") || !together(got, "ofac:24811", "ofac:24812") {
		t.Errorf("judgements not followed")
	}
}

// "Quds Force" in the seed article is found on the UK's listing and the
// CSL copy of OFAC's, not on OFAC's own (the 2024 SDN file lacks the
// alias): the subject reports all three.
func TestQudsForceInTheSeedArticle(t *testing.T) {
	article, err := os.ReadFile(shared.Path(t, "seed/000_abbe799f5147f5ba.txt"))
	if err != nil {
		t.Fatal(err)
	}
	entries, ix, l := realLinking(t)
	ents := make([]*vigil.Entity, len(entries))
	for i := range entries {
		ents[i] = entries[i].Entity
	}
	sc, err := text.New(ents, ix, text.Options{})
	if err != nil {
		t.Fatal(err)
	}
	subs := realSubjects(t, l)
	found := false
	for _, m := range sc.Scan(string(article)) {
		if m.Text != "Quds Force" {
			continue
		}
		found = true
		for _, x := range m.Matches {
			if x.EntityID == "ofac:10465" {
				t.Errorf("ofac:10465 matched by name: the test no longer shows what subjects add")
			}
		}
		gs := subs.Group(m.Matches, ix)
		if len(gs) != 1 || !slices.Equal(gs[0].EntityIDs, []string{"ofac:10465", "uk:11241", "us_csl:10465"}) {
			t.Errorf("Quds Force subjects = %+v", gs)
		}
		if len(gs) > 0 && !slices.Equal(gs[0].ListsImposing(vigil.MeasureAssetFreeze), []string{"ofac_sdn", "uk", "us_csl"}) {
			t.Errorf("measures = %v", gs[0].Measures)
		}
	}
	if !found {
		t.Error("no mention of Quds Force")
	}
}
