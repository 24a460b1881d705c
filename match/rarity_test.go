package match_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// matchKey is what two screenings of one pair must agree on: the entity,
// the score, the name that matched and every feature's contribution.
func matchKey(m vigil.Match) string {
	b, _ := json.Marshal(m.Explanation)
	return fmt.Sprintf("%s %.3f %q %s", m.EntityID, m.Score, m.MatchedName, b)
}

// subsetQueries is a query mix (listed names' variants, unlisted people,
// generated rows, with and without evidence) plus every name of the first
// entities of sub as written, so that the subset has matches to compare.
func subsetQueries(t *testing.T, entries, sub []match.Entry) []vigil.Query {
	qs := evidenceMix(t, entries, 400)
	for i, en := range sub {
		if i%3 != 0 || len(qs) > 3000 {
			continue
		}
		for _, n := range en.Entity.Names {
			qs = append(qs, vigil.Query{Name: n.Full})
		}
	}
	return qs
}

// TestRarityTableFreezesScores builds an index over every list and one over
// a fifth of the entities, both with the rarity table the whole derives:
// every query's ScreenAll matches of the subset's entities are the same in
// both, scores and explanations included. An index built with the table it
// derives itself screens as one built without a table. Without the table
// the subset's own counts move the scores of some pairs (so the comparison
// can fail).
func TestRarityTableFreezesScores(t *testing.T) {
	whole, entries := allIndex(t)
	table := whole.RarityTable()
	if len(table) < 20 {
		t.Fatalf("the lists' rarity table has %d parts: too few to weigh anything", len(table))
	}
	// A fifth of the ids (an id listed twice is in or out whole).
	var sub []match.Entry
	inSub := map[string]bool{}
	for i, en := range entries {
		in, seen := inSub[en.Entity.ID]
		if !seen {
			in = i%5 == 2
			inSub[en.Entity.ID] = in
		}
		if in {
			sub = append(sub, en)
		}
	}
	full := match.NewIndexWith(entries, match.Options{Rarity: table})
	part := match.NewIndexWith(sub, match.Options{Rarity: table})
	own := match.NewIndex(sub)
	if d, k := table.Drift(own.RarityTable()); d < 0.05 {
		t.Fatalf("a fifth of the lists derives nearly the whole's factors (drift %.3f at %q): the test needs weights that move", d, k)
	}
	qs := subsetQueries(t, entries, sub)
	compared, moved := 0, 0
	for _, q := range qs {
		// Frozen: the subset's matches are the whole's restricted to it.
		var want []string
		for _, m := range full.ScreenAll(q) {
			if inSub[m.EntityID] {
				want = append(want, matchKey(m))
			}
		}
		var got []string
		for _, m := range part.ScreenAll(q) {
			got = append(got, matchKey(m))
		}
		compared += len(want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%+v: the subset's index finds\n  %v\nthe whole's\n  %v", q, got, want)
		}
		// The subset weighed by its own counts: scores move.
		scores := map[string]float64{}
		for _, m := range part.ScreenAll(q) {
			scores[m.EntityID] = m.Score
		}
		for _, m := range own.ScreenAll(q) {
			if s, ok := scores[m.EntityID]; ok && s != m.Score {
				moved++
			}
		}
		// The table the whole derives weighs as the whole does.
		a, _ := json.Marshal(whole.Screen(q))
		b, _ := json.Marshal(full.Screen(q))
		if string(a) != string(b) {
			t.Errorf("%+v: with its own table the index finds\n  %s\nwithout\n  %s", q, b, a)
		}
	}
	if compared < 500 {
		t.Fatalf("only %d matches compared", compared)
	}
	if moved == 0 {
		t.Errorf("the subset's own weights moved no score: the comparison above could not fail")
	}
	t.Logf("%d queries: %d matches identical; %d pairs scored otherwise with the subset's own weights", len(qs), compared, moved)
}

// TestScreenAllHoldsScreen checks that ScreenAll finds every match Screen
// finds (with no limit), with the same score and explanation, and that a
// Memo's ScreenAll answers as the index's.
func TestScreenAllHoldsScreen(t *testing.T) {
	ix, entries := allIndex(t)
	qs := evidenceMix(t, entries, 400)
	memo := ix.Memo()
	extra := 0
	for pass := range 2 {
		for _, q := range qs {
			q.Limit = 1000
			all := map[string]string{}
			want := ix.ScreenAll(q)
			for _, m := range want {
				all[m.EntityID] = matchKey(m)
			}
			got := memo.ScreenAll(q)
			if a, b := fmt.Sprint(got), fmt.Sprint(want); a != b {
				t.Errorf("pass %d, %+v: the memo's ScreenAll finds\n  %s\nthe index's\n  %s", pass, q, a, b)
			}
			some := ix.Screen(q)
			for _, m := range some {
				if all[m.EntityID] != matchKey(m) {
					t.Errorf("%+v: Screen finds %s, ScreenAll %q", q, matchKey(m), all[m.EntityID])
				}
			}
			if pass == 0 {
				extra += len(want) - len(some)
			}
		}
	}
	t.Logf("%d queries: ScreenAll found %d matches Screen's shortcuts left out", len(qs), extra)
}
