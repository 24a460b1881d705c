package weights_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/sqlite"
	"github.com/vigil-screening/vigil/weights"
)

// listOf returns n invented listed people, common of them holding the
// surname Zorvath (a part the world does not know, so that its factor is
// derived from the list alone) and the rest surnames of their own.
func listOf(n, common int) []match.Entry {
	es := make([]match.Entry, n)
	for i := range es {
		last := fmt.Sprintf("Qelmarin%c%c%c", 'a'+i%26, 'a'+i/26%26, 'a'+i/676%26)
		if i < common {
			last = "Zorvath"
		}
		first := fmt.Sprintf("Ubrecht%c%c", 'a'+i%26, 'a'+i/26%26)
		es[i] = match.Entry{Version: "fx@1", Entity: &vigil.Entity{ID: fmt.Sprintf("fx:%d", i), Source: "fx", Kind: vigil.KindPerson,
			Names: []vigil.Name{{Full: first + " " + last, Quality: vigil.QualityPrimary}}}}
	}
	return es
}

func openStore(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var fx1 = []vigil.ListVersion{{List: "fx", Source: "fx", Version: 1}}

// zorvath is the factor of the part Zorvath in e's table (1 when absent).
func zorvath(e vigil.WeightEpoch) float64 {
	for k, f := range e.Rarity {
		if strings.Contains(k, "zorvath") {
			return f
		}
	}
	return 1
}

// TestEpochs follows a store through the life of its weight epochs: the
// first index begins one with the list's factors and stores it (another
// process opening the store reads it back), small list changes keep it
// (the index built then weighs by the epoch, not by its own counts), a
// drift beyond MaxDrift begins a new one, a matcher version other than
// the epoch's begins one, Reweigh always does, and With never does.
func TestEpochs(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v.db")
	st := openStore(t, path)
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	opt := weights.Options{Now: func() time.Time { return now }}

	// No epoch: With weighs by the index's own counts and stores nothing.
	if _, ep, err := weights.With(ctx, st, listOf(2000, 40)); err != nil || ep.ID != 0 {
		t.Fatalf("With without an epoch: %+v, %v", ep, err)
	}
	if _, err := st.CurrentEpoch(ctx); !errors.Is(err, vigil.ErrNotFound) {
		t.Fatalf("With began an epoch: %v", err)
	}

	// 2% of the names hold Zorvath: its factor is derived below 1.
	_, first, err := weights.For(ctx, st, listOf(2000, 40), fx1, opt)
	if err != nil {
		t.Fatal(err)
	}
	f0 := zorvath(first)
	if first.ID == 0 || first.Reason != "first epoch" || first.Matcher != match.Version || first.Lists["fx"] != 1 || !(f0 < 0.6) {
		t.Fatalf("first epoch %+v (zorvath %.3f)", first, f0)
	}
	// Another process reads it back, as stored.
	other := openStore(t, path)
	got, err := other.CurrentEpoch(ctx)
	if err != nil || got.ID != first.ID || !got.Created.Equal(now) || zorvath(got) != f0 || len(got.Rarity) != len(first.Rarity) {
		t.Fatalf("read back %+v, %v; want %+v", got, err, first)
	}

	// 42 of 2000 hold it now: the factor would move by ~0.01, the epoch
	// stays and the index weighs Zorvath by the epoch's factor.
	ix, same, err := weights.For(ctx, other, listOf(2000, 42), fx1, opt)
	if err != nil || same.ID != first.ID {
		t.Fatalf("a small change began epoch %+v, %v", same, err)
	}
	own := match.NewIndex(listOf(2000, 42))
	if d, _ := weights.Table(first).Drift(own.RarityTable()); d == 0 || d > weights.MaxDrift {
		t.Fatalf("the small change drifts by %.3f: the test needs one in (0, %.2f]", d, weights.MaxDrift)
	}
	q := vigil.Query{Name: "Ubrechtaa Zorvath", Threshold: 0.5}
	a, b := ix.ScreenAll(q), match.NewIndexWith(listOf(2000, 42), match.Options{Rarity: weights.Table(first)}).ScreenAll(q)
	if len(a) == 0 || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("the epoch's index finds %v, one built with its table %v", a, b)
	}
	if c := own.ScreenAll(q); fmt.Sprint(c) == fmt.Sprint(a) {
		t.Errorf("the list's own counts score as the epoch: the comparison above could not fail")
	}

	// Half as many hold it: the factor moves by ~0.14, a new epoch.
	_, drifted, err := weights.For(ctx, st, listOf(2000, 20), fx1, opt)
	if err != nil || drifted.ID <= first.ID || !strings.Contains(drifted.Reason, "drifted") || !(zorvath(drifted) > f0+weights.MaxDrift) {
		t.Fatalf("after the drift: epoch %+v (zorvath %.3f), %v", drifted, zorvath(drifted), err)
	}
	// Drift may be switched off.
	if _, ep, err := weights.For(ctx, st, listOf(2000, 40), fx1, weights.Options{MaxDrift: -1}); err != nil || ep.ID != drifted.ID {
		t.Fatalf("with drift off: %+v, %v", ep, err)
	}

	// An epoch derived by another matcher version is replaced.
	old := vigil.WeightEpoch{Created: now, Matcher: "match-0", Reason: "test", Rarity: map[string]float64{}}
	if err := st.AddEpoch(ctx, &old, drifted.ID); err != nil {
		t.Fatal(err)
	}
	if _, ep, err := weights.For(ctx, st, listOf(2000, 20), fx1, opt); err != nil || ep.ID <= old.ID || !strings.Contains(ep.Reason, "matcher match-0") {
		t.Fatalf("after a matcher change: %+v, %v", ep, err)
	}

	// Reweigh begins one whatever the current one.
	cur, _ := st.CurrentEpoch(ctx)
	if _, ep, err := weights.Reweigh(ctx, st, listOf(2000, 20), fx1, "asked", opt); err != nil || ep.ID <= cur.ID || ep.Reason != "asked" {
		t.Fatalf("Reweigh: %+v, %v", ep, err)
	}
}

// TestEpochConflict: a process that saw an old epoch cannot store one
// over another process's; For then builds with the other's.
func TestEpochConflict(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, filepath.Join(t.TempDir(), "v.db"))
	a := vigil.WeightEpoch{Created: time.Now(), Matcher: match.Version, Reason: "a", Rarity: map[string]float64{"x": 0.5}}
	if err := st.AddEpoch(ctx, &a, 0); err != nil {
		t.Fatal(err)
	}
	b := vigil.WeightEpoch{Created: time.Now(), Matcher: match.Version, Reason: "b", Rarity: map[string]float64{}}
	if err := st.AddEpoch(ctx, &b, 0); !errors.Is(err, vigil.ErrConflict) {
		t.Fatalf("adding over epoch %d as if none: %v", a.ID, err)
	}
	bad := vigil.WeightEpoch{Created: time.Now(), Matcher: match.Version, Reason: "bad", Rarity: map[string]float64{"x": 0}}
	if err := st.AddEpoch(ctx, &bad, a.ID); err == nil || !strings.Contains(err.Error(), `"x"`) {
		t.Fatalf("a factor of 0 was stored: %v", err)
	}
	if cur, err := st.CurrentEpoch(ctx); err != nil || cur.ID != a.ID || cur.Rarity["x"] != 0.5 {
		t.Fatalf("current epoch %+v, %v; want a's", cur, err)
	}
}
