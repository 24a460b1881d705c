package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/watch"
)

var _ = add("ConcurrentDecisions", testConcurrentDecisions)
var _ = add("ConcurrentAlertUpdates", testConcurrentAlertUpdates)
var _ = add("KeysInByteOrder", testKeysInByteOrder)
var _ = add("EventsFanOutFromTwoHandles", testEventsFanOutFromTwoHandles)

// testConcurrentDecisions decides each alert twice at once, through two
// handles on the store (two replicas, two reviewers) naming the version
// they saw: one decision wins, the other gets ErrConflict, and the alert
// holds the winner's decision alone.
func testConcurrentDecisions(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	other := s.Reopen(t)
	alerts := FillAlerts(t, s, 24)
	engines := []*watch.Engine{{Store: s, Lists: s}, {Store: other, Lists: other}}
	decidable := 0
	for _, a := range alerts {
		if a.State != vigil.AlertOpen && a.State != vigil.AlertReopened {
			continue
		}
		decidable++
		var wg sync.WaitGroup
		errs := make([]error, 2)
		start := make(chan struct{})
		for i, e := range engines {
			wg.Go(func() {
				<-start
				_, errs[i] = e.Decide(ctx, a.ID, vigil.AlertEscalated, fmt.Sprintf("reviewer %d", i),
					vigil.Reviewer{ID: fmt.Sprintf("key_%d", i)}, a.Version)
			})
		}
		close(start)
		wg.Wait()
		won := slices.IndexFunc(errs, func(err error) bool { return err == nil })
		if won < 0 || !errors.Is(errs[1-won], vigil.ErrConflict) {
			t.Fatalf("alert %d decided twice at once: %v", a.ID, errs)
		}
		got, err := other.Alert(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.State != vigil.AlertEscalated || got.Version != a.Version+1 || got.Decision == nil || got.Decision.By != fmt.Sprintf("key_%d", won) {
			t.Errorf("alert %d after the race: %s v%d decision %+v, want escalated v%d by key_%d", a.ID, got.State, got.Version, got.Decision, a.Version+1, won)
		}
		ds, _, err := s.AlertHistory(ctx, a.ID)
		if err != nil || len(ds) != 1 {
			t.Errorf("alert %d: %d decisions stored, %v; want 1", a.ID, len(ds), err)
		}
	}
	if decidable < 5 {
		t.Fatalf("only %d open alerts to decide", decidable)
	}
}

// testConcurrentAlertUpdates: transactions of two handles that read the
// same alert version and update it at once: one commits, the other gets
// ErrConflict and changes nothing.
func testConcurrentAlertUpdates(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	stores := []vigil.WatchStore{s, s.Reopen(t)}
	a := FillAlerts(t, s, 1)[0]
	for round := range 10 {
		cur, err := s.Alert(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, st := range stores {
			wg.Go(func() {
				next := cur
				next.Cause = fmt.Sprintf("round %d by %d", round, i)
				errs[i] = st.Update(ctx, func(tx vigil.WatchTx) error { return tx.UpdateAlert(&next, cur.State) })
			})
		}
		wg.Wait()
		won := slices.IndexFunc(errs, func(err error) bool { return err == nil })
		if won < 0 || !errors.Is(errs[1-won], vigil.ErrConflict) {
			t.Fatalf("round %d: %v; want one success and one conflict", round, errs)
		}
		got, _ := s.Alert(ctx, a.ID)
		if got.Version != cur.Version+1 || got.Cause != fmt.Sprintf("round %d by %d", round, won) {
			t.Fatalf("round %d: version %d cause %q", round, got.Version, got.Cause)
		}
	}
}

// testKeysInByteOrder: ids are ordered byte by byte, as Go compares
// strings, whatever the database's collation (case, punctuation, accents).
func testKeysInByteOrder(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	ids := []string{"b", "B", "_a", "a-1", "a_1", "a1", "Z", "é", "e", "E9", "a 1", "ä"}
	err := s.Update(ctx, func(tx vigil.WatchTx) error {
		for _, id := range ids {
			sub := vigil.Subject{Set: "s", ID: id, Name: "Name " + id}
			if _, err := tx.PutSubject(&sub, "fp", ""); err != nil {
				return err
			}
		}
		return nil
	})
	must(t, err)
	var got []string
	f := vigil.SubjectFilter{Limit: 5}
	for {
		page, next, err := s.Subjects(ctx, f)
		must(t, err)
		for _, sub := range page {
			got = append(got, sub.ID)
		}
		if next == "" {
			break
		}
		f.After = next
	}
	want := slices.Sorted(slices.Values(ids))
	if !slices.Equal(got, want) {
		t.Errorf("subjects in order %q, want %q", got, want)
	}
	// Entities of a version come sorted by id the same way.
	var es []vigil.Entity
	for _, id := range ids {
		e := Synth("x", 1)
		e.ID = "x:" + id
		es = append(es, e)
	}
	mustImport(t, s, lv("x", "h"), es)
	stored, err := s.Entities(ctx, "x", 1)
	must(t, err)
	var storedIDs []string
	for _, e := range stored {
		storedIDs = append(storedIDs, e.ID)
	}
	if !slices.IsSorted(storedIDs) || len(storedIDs) != len(ids) {
		t.Errorf("entities in order %q", storedIDs)
	}
}

// testEventsFanOutFromTwoHandles: events appended through two handles while
// both fan out: every event reaches the webhook once, none is skipped.
func testEventsFanOutFromTwoHandles(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	other := s.Reopen(t)
	addHook(t, s, "wh_a", vigil.EventAlertOpened)
	handles := []vigil.Backend{s, other}
	const each = 60
	var wg sync.WaitGroup
	for _, h := range handles {
		wg.Go(func() {
			for i := range each {
				if _, err := h.AppendEvent(ctx, vigil.Event{Type: vigil.EventAlertOpened}); err != nil {
					t.Error(err)
					return
				}
				if i%7 == 0 {
					if _, _, err := h.EnqueueDeliveries(ctx, 5, time.Now()); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	for {
		n, _, err := s.EnqueueDeliveries(ctx, 0, time.Now())
		must(t, err)
		if n == 0 {
			break
		}
	}
	ds, err := s.Deliveries(ctx, vigil.DeliveryFilter{Limit: 1000})
	must(t, err)
	seen := map[int64]bool{}
	for _, d := range ds {
		if seen[d.EventID] {
			t.Errorf("event %d delivered twice", d.EventID)
		}
		seen[d.EventID] = true
	}
	if len(seen) != 2*each {
		t.Errorf("%d events delivered, want %d", len(seen), 2*each)
	}
}
