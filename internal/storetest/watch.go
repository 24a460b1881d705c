package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
)

// fillAlerts stores n alerts over a few sets, lists and states, opened a
// minute apart (some at the same instant), with a travel ban on one in
// five; it returns them as stored.
var _ = add("AlertsPagesAsSorting", testAlertsPagesAsSorting)
var _ = add("UpdateAlertConflicts", testUpdateAlertConflicts)
var _ = add("PutSubjects", testPutSubjects)

// FillAlerts stores n alerts over a few sets, lists and states, opened a
func FillAlerts(tb testing.TB, s vigil.WatchStore, n int) []vigil.Alert {
	tb.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewSource(1))
	sets := []string{"customers", "vendors", "travellers"}
	lists := []string{"ofac_sdn", "un", "uk", "eu"}
	states := []vigil.AlertState{vigil.AlertOpen, vigil.AlertOpen, vigil.AlertOpen, vigil.AlertReopened, vigil.AlertFalsePositive, vigil.AlertClosed, vigil.AlertPending, vigil.AlertEscalated, vigil.AlertTrueMatch}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]vigil.Alert, 0, n)
	for lo := 0; lo < n; lo += 10000 {
		err := s.Update(ctx, func(tx vigil.WatchTx) error {
			for i := lo; i < min(n, lo+10000); i++ {
				sub := vigil.Subject{Set: sets[i%3], ID: fmt.Sprintf("s%d", i/3), Name: fmt.Sprintf("Subject %d", i)}
				row, err := tx.PutSubject(&sub, "fp", "")
				if err != nil {
					return err
				}
				a := vigil.Alert{Set: sub.Set, SubjectID: sub.ID, EntityID: fmt.Sprintf("%s:%d", lists[i%4], i), List: lists[i%4],
					State: states[rng.Intn(len(states))], Score: 0.78 + float64(rng.Intn(220))/1000, ListVersion: lists[i%4] + "@1",
					Opened: start.Add(time.Duration(i/2) * time.Minute), Updated: start}
				if i%5 == 0 {
					a.Measures = []vigil.Measure{vigil.MeasureTravelBan}
				}
				if err := tx.InsertAlert(row, &a); err != nil {
					return err
				}
				out = append(out, a)
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
	return out
}

// TestAlertsPagesAsSorting: every filter and sort, paged through, gives
// exactly the alerts a brute-force filter and sort of all of them gives,
// in that order, and the counts per state.
func testAlertsPagesAsSorting(t *testing.T, open Opener) {
	s := open(t)
	all := FillAlerts(t, s, 3000)
	ctx := context.Background()
	for _, f := range []vigil.AlertFilter{
		{},
		{States: []vigil.AlertState{vigil.AlertOpen, vigil.AlertReopened}},
		{Set: "vendors", Sort: "-opened"},
		{List: "un", States: []vigil.AlertState{vigil.AlertClosed}, Sort: "score"},
		{Measure: vigil.MeasureTravelBan, Sort: "-score"},
		{Since: time.Date(2025, 1, 1, 3, 0, 0, 0, time.UTC), Until: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC), Set: "customers"},
		{SubjectID: "s7"},
	} {
		var want []int64
		counts := map[vigil.AlertState]int{}
		var sel []vigil.Alert
		for _, a := range all {
			if (f.Set != "" && a.Set != f.Set) || (f.List != "" && a.List != f.List) || (f.SubjectID != "" && a.SubjectID != f.SubjectID) ||
				(f.Measure != "" && !a.HasMeasure(f.Measure)) || (!f.Since.IsZero() && a.Opened.Before(f.Since)) || (!f.Until.IsZero() && !a.Opened.Before(f.Until)) {
				continue
			}
			counts[a.State]++
			if len(f.States) == 0 || slices.Contains(f.States, a.State) {
				sel = append(sel, a)
			}
		}
		slices.SortStableFunc(sel, func(x, y vigil.Alert) int {
			c := x.Opened.Compare(y.Opened)
			if f.Sort == "score" || f.Sort == "-score" {
				c = 0
				if x.Score < y.Score {
					c = -1
				} else if x.Score > y.Score {
					c = 1
				}
			}
			if c == 0 {
				c = int(x.ID - y.ID)
			}
			if f.Sort == "-opened" || f.Sort == "-score" {
				c = -c
			}
			return c
		})
		for _, a := range sel {
			want = append(want, a.ID)
		}
		var got []int64
		f.Limit = 37
		for pages := 0; ; pages++ {
			p, err := s.Alerts(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			for st, n := range counts {
				if p.Counts[st] != n {
					t.Errorf("%+v: count of %s %d, want %d", f, st, p.Counts[st], n)
				}
			}
			for _, a := range p.Alerts {
				got = append(got, a.ID)
			}
			if p.Next == "" || pages > 200 {
				break
			}
			f.After = p.Next
		}
		if !slices.Equal(got, want) {
			t.Errorf("%+v: %d alerts paged, want %d; first %v, want %v", f, len(got), len(want), got[:min(5, len(got))], want[:min(5, len(want))])
		}
	}
	if _, err := s.Alerts(ctx, vigil.AlertFilter{After: "garbage"}); err == nil {
		t.Error("a bad cursor was accepted")
	}
}

// TestUpdateAlertConflicts: an update names the version and state it read;
// another change in between makes it ErrConflict and changes nothing.
func testUpdateAlertConflicts(t *testing.T, open Opener) {
	s := open(t)
	all := FillAlerts(t, s, 3)
	ctx := context.Background()
	a := all[0]
	first, second := a, a
	first.State, second.State = vigil.AlertEscalated, vigil.AlertTrueMatch
	if err := s.Update(ctx, func(tx vigil.WatchTx) error { return tx.UpdateAlert(&first, a.State) }); err != nil {
		t.Fatal(err)
	}
	err := s.Update(ctx, func(tx vigil.WatchTx) error { return tx.UpdateAlert(&second, a.State) })
	if !errors.Is(err, vigil.ErrConflict) {
		t.Fatalf("second update: %v, want ErrConflict", err)
	}
	got, err := s.Alert(ctx, a.ID)
	if err != nil || got.State != vigil.AlertEscalated || got.Version != 2 {
		t.Errorf("after the conflict: %s version %d, %v", got.State, got.Version, err)
	}
}

// TestPutSubjects: a many-row upsert stores what one-by-one does and gives
// every subject its row, updating those already stored.
func testPutSubjects(t *testing.T, open Opener) {
	s := open(t)
	ctx := context.Background()
	var subs []*vigil.StoredSubject
	for i := range 150 {
		subs = append(subs, &vigil.StoredSubject{Subject: vigil.Subject{Set: "a", ID: fmt.Sprint(i), Name: fmt.Sprint("N", i), Labels: map[string]string{"k": fmt.Sprint(i)}}, Fingerprint: "f"})
	}
	var first []int64
	err := s.Update(ctx, func(tx vigil.WatchTx) error {
		if _, err := tx.PutSubject(&subs[7].Subject, "old", ""); err != nil {
			return err
		}
		if err := tx.PutSubjects(subs); err != nil {
			return err
		}
		for _, sub := range subs {
			first = append(first, sub.Row)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, sub := range subs {
		got, err := s.Subject(ctx, "a", sub.ID)
		if err != nil || got.Row != first[i] || got.Name != sub.Name || got.Labels["k"] != sub.ID || got.Fingerprint != "f" {
			t.Fatalf("subject %s: %+v, %v (row %d)", sub.ID, got, err, first[i])
		}
	}
	if first[7] != 1 {
		t.Errorf("the subject stored first kept row %d, want 1", first[7])
	}
}
