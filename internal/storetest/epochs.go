package storetest

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
)

var _ = add("WeightEpochs", testWeightEpochs)
var _ = add("WeightEpochRace", testWeightEpochRace)

// testWeightEpochs: no epoch at first; an epoch reads back as stored,
// from another handle too; a new one needs the current one's id; bad
// factors are refused and store nothing.
func testWeightEpochs(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	if _, err := s.CurrentEpoch(ctx); !errors.Is(err, vigil.ErrNotFound) {
		t.Fatalf("a new store's epoch: %v, want ErrNotFound", err)
	}
	created := time.Date(2026, 12, 7, 23, 0, 0, 0, time.UTC)
	a := vigil.WeightEpoch{Created: created, Matcher: "m1", Reason: "first epoch", Lists: map[string]int{"un": 3, "ofac_sdn": 7},
		Rarity: map[string]float64{"mohammad": 0.35, "ali": 0.41234567890123, "ул": 0.9}}
	must(t, s.AddEpoch(ctx, &a, 0))
	if a.ID == 0 {
		t.Fatal("AddEpoch set no id")
	}
	other := s.Reopen(t)
	got, err := other.CurrentEpoch(ctx)
	must(t, err)
	if got.ID != a.ID || !got.Created.Equal(created) || got.Matcher != "m1" || got.Reason != "first epoch" ||
		got.Lists["ofac_sdn"] != 7 || len(got.Lists) != 2 || len(got.Rarity) != 3 || got.Rarity["ali"] != 0.41234567890123 || got.Rarity["ул"] != 0.9 {
		t.Fatalf("read back %+v, stored %+v", got, a)
	}
	// As if no epoch were current: refused.
	b := vigil.WeightEpoch{Created: created, Matcher: "m1", Reason: "late", Rarity: map[string]float64{}}
	if err := other.AddEpoch(ctx, &b, 0); !errors.Is(err, vigil.ErrConflict) {
		t.Fatalf("an epoch over %d as if none: %v, want ErrConflict", a.ID, err)
	}
	for _, bad := range []map[string]float64{nil, {"x": 0}, {"x": 1.5}, {"x": -0.2}} {
		e := vigil.WeightEpoch{Created: created, Matcher: "m1", Reason: "bad", Rarity: bad}
		if err := s.AddEpoch(ctx, &e, a.ID); err == nil {
			t.Errorf("rarity %v stored", bad)
		}
	}
	must(t, other.AddEpoch(ctx, &b, a.ID))
	if cur, err := s.CurrentEpoch(ctx); err != nil || cur.ID != b.ID || cur.ID <= a.ID || len(cur.Rarity) != 0 || cur.Rarity == nil {
		t.Fatalf("current epoch %+v, %v; want the second", cur, err)
	}
	// A run records its epoch.
	must(t, s.Update(ctx, func(tx vigil.WatchTx) error {
		return tx.StartRun(&vigil.WatchRun{Mode: "full", Reason: "test", Epoch: b.ID, Matcher: "m1", Threshold: 0.8, Started: created})
	}))
	if r, err := other.LastRun(ctx); err != nil || r.Epoch != b.ID {
		t.Fatalf("the run read back %+v, %v; want epoch %d", r, err, b.ID)
	}
}

// testWeightEpochRace: handles beginning an epoch over the same one at
// once store exactly one.
func testWeightEpochRace(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	first := vigil.WeightEpoch{Created: time.Now(), Matcher: "m1", Reason: "first", Rarity: map[string]float64{}}
	must(t, s.AddEpoch(ctx, &first, 0))
	handles := []vigil.Backend{s, s.Reopen(t), s.Reopen(t), s.Reopen(t)}
	var wg sync.WaitGroup
	errs := make([]error, len(handles))
	for i, h := range handles {
		wg.Go(func() {
			e := vigil.WeightEpoch{Created: time.Now(), Matcher: "m1", Reason: "racer", Rarity: map[string]float64{"x": 0.5}}
			errs[i] = h.AddEpoch(ctx, &e, first.ID)
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, vigil.ErrConflict) && !strings.Contains(err.Error(), "locked"):
			t.Errorf("a racer failed otherwise: %v", err)
		}
	}
	if won != 1 {
		t.Errorf("%d racers began an epoch over %d, want 1 (%v)", won, first.ID, errs)
	}
	if n := s.Count(t, "weight_epochs"); n != 2 {
		t.Errorf("%d epochs stored, want 2", n)
	}
}
