package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
)

var _ = add("OlderSnapshotIsHistorical", testOlderSnapshotIsHistorical)
var _ = add("RestoreByReimport", testRestoreByReimport)
var _ = add("RestoreOlderThanCurrent", testRestoreOlderThanCurrent)
var _ = add("Rollback", testRollback)
var _ = add("ForcedWithdrawnReimport", testForcedWithdrawnReimport)
var _ = add("GuardAfterDuplicateCheck", testGuardAfterDuplicateCheck)
var _ = add("AsOf", testAsOf)
var _ = add("EntityStates", testEntityStates)

// day returns midnight UTC of 2024-01-d.
func day(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }

// dated is a test version published on day d.
func dated(list, hash string, d int) vigil.ListVersion {
	v := lv(list, hash)
	v.Published = day(d)
	return v
}

func importWith(t *testing.T, s *DB, v vigil.ListVersion, es []vigil.Entity, opt vigil.ImportOptions) (vigil.ImportResult, error) {
	t.Helper()
	return s.ImportWith(context.Background(), v, es, opt)
}

func currentOf(t *testing.T, s *DB, list string) vigil.ListVersion {
	t.Helper()
	cur, err := s.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range cur {
		if v.List == list {
			return v
		}
	}
	t.Fatalf("no current version of %s", list)
	return vigil.ListVersion{}
}

// checkServed checks that what CurrentEntities serves for list (the open
// spans) is exactly the entities of its current version.
func checkServed(t *testing.T, s *DB, list string, want []vigil.Entity) {
	t.Helper()
	ctx := context.Background()
	cur := currentOf(t, s, list)
	entries, err := s.CurrentEntities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []vigil.Entity
	for _, e := range entries {
		if e.Version.List == list {
			if e.Version.Version != cur.Version {
				t.Fatalf("CurrentEntities serves %s, current is %s", e.Version.Label(), cur.Label())
			}
			got = append(got, e.Entity)
		}
	}
	byVersion, err := s.Entities(ctx, list, cur.Version)
	if err != nil {
		t.Fatal(err)
	}
	want = slices.Clone(want)
	slices.SortFunc(want, func(a, b vigil.Entity) int { return strings.Compare(a.ID, b.ID) })
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(byVersion, want) {
		t.Errorf("%s: served %v, version %d holds %v, want %v", list, ids(got), cur.Version, ids(byVersion), ids(want))
	}
}

// TestOlderSnapshotIsHistorical: a complete version in force from before
// the current one is kept as a historical version, never current, never an
// error, and its entities are exact.
func testOlderSnapshotIsHistorical(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	newer := SynthList("t", 10)
	mustImport(t, s, dated("t", "new", 20), newer)
	older := SynthList("t", 4) // far smaller: no guard runs for history
	older[1].Remarks = "old remarks"
	guarded := false
	res, err := importWith(t, s, dated("t", "old", 10), older, vigil.ImportOptions{
		Guard: func(cur, next vigil.ListVersion) error { guarded = true; return errors.New("shrank") }})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != vigil.OutcomeHistorical || !res.Version.Historical || res.Version.Version != 2 || res.Current.Version != 1 {
		t.Errorf("result = %+v", res)
	}
	if guarded {
		t.Error("the shrink guard ran for a historical version")
	}
	if cur := currentOf(t, s, "t"); cur.Version != 1 {
		t.Errorf("current = %s, want t@1", cur.Label())
	}
	checkServed(t, s, "t", newer)
	got, err := s.Entities(ctx, "t", 2)
	if err != nil || !reflect.DeepEqual(got, older) {
		t.Errorf("historical entities = %v, %v", ids(got), err)
	}
	// A version in force in between is historical too, diffed against the
	// one in force before it.
	mid := SynthList("t", 6)
	res, err = importWith(t, s, dated("t", "mid", 15), mid, vigil.ImportOptions{})
	if err != nil || res.Outcome != vigil.OutcomeHistorical || res.Version.Added != 2 || res.Version.Changed != 1 {
		t.Errorf("middle snapshot = %+v, %v", res, err)
	}
	// A newer one becomes current over the open spans of version 1.
	newest := SynthList("t", 11)
	newest[0].Remarks = "newest"
	res, err = importWith(t, s, dated("t", "newest", 25), newest, vigil.ImportOptions{})
	if err != nil || res.Outcome != vigil.OutcomeCurrent || res.Version.Added != 1 || res.Version.Changed != 1 || res.Version.Removed != 0 {
		t.Errorf("newest = %+v, %v", res, err)
	}
	checkServed(t, s, "t", newest)
	for n, want := range map[int][]vigil.Entity{1: newer, 2: older, 3: mid, 4: newest} {
		got, err := s.Entities(ctx, "t", n)
		want = slices.Clone(want)
		slices.SortFunc(want, func(a, b vigil.Entity) int { return strings.Compare(a.ID, b.ID) })
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Entities(%d) = %v, want %v (%v)", n, ids(got), ids(want), err)
		}
	}
}

// TestRestoreByReimport: importing an earlier file again, as the last
// complete dataset of a run, makes its content current as a new version;
// the next import of the same file adds nothing.
func testRestoreByReimport(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	good := SynthList("t", 10)
	bad := SynthList("t", 9)
	bad[0].Remarks = "bad"
	mustImport(t, s, lv("t", "good"), good)
	mustImport(t, s, lv("t", "bad"), bad)
	restore := vigil.ImportOptions{Restore: true}

	// Without Restore (not the run's last): nothing added.
	res, err := importWith(t, s, lv("t", "good"), good, vigil.ImportOptions{})
	if !errors.Is(err, vigil.ErrDuplicate) || res.Outcome != vigil.OutcomeDuplicate || res.Version.Version != 1 || res.Current.Version != 2 {
		t.Fatalf("plain duplicate = %+v, %v", res, err)
	}
	res, err = importWith(t, s, lv("t", "good"), good, restore)
	if err != nil || res.Outcome != vigil.OutcomeRestored || res.Version.Version != 3 || res.Version.Restores != 1 || res.Current.Version != 3 {
		t.Fatalf("restore = %+v, %v", res, err)
	}
	if v := res.Version; v.Added != 1 || v.Changed != 1 || v.Removed != 0 || v.Entities != 10 || v.Hash != "good" {
		t.Errorf("restored version = %+v", v)
	}
	checkServed(t, s, "t", good)
	if d, err := s.Diff(ctx, "t", 1, 3); err != nil || len(d.Added)+len(d.Removed)+len(d.Changed) != 0 {
		t.Errorf("Diff(1,3) = %+v, %v", d, err)
	}
	// Again: the content is current, nothing added.
	if res, err := importWith(t, s, lv("t", "good"), good, restore); !errors.Is(err, vigil.ErrDuplicate) || res.Version.Version != 3 {
		t.Errorf("second restore = %+v, %v", res, err)
	}
	// The bad file again, as the last of a run, restores it (it was not
	// withdrawn: a re-import is a statement of what is current).
	if res, err := importWith(t, s, lv("t", "bad"), bad, restore); err != nil || res.Outcome != vigil.OutcomeRestored {
		t.Errorf("bad restore = %+v, %v", res, err)
	}
	checkServed(t, s, "t", bad)
	if n := s.Count(t, "blobs"); n != 11 {
		t.Errorf("blobs = %d, want 11 (restores add no content)", n)
	}
}

// TestRestoreOlderThanCurrent: a duplicate in force from before the
// current version adds nothing; the caller hints at a rollback.
func testRestoreOlderThanCurrent(t *testing.T, open Opener) {
	s := open(t)
	mustImport(t, s, dated("t", "a", 1), SynthList("t", 5))
	mustImport(t, s, dated("t", "b", 2), SynthList("t", 6))
	res, err := importWith(t, s, dated("t", "a", 1), SynthList("t", 5), vigil.ImportOptions{Restore: true})
	if !errors.Is(err, vigil.ErrDuplicate) || res.Outcome != vigil.OutcomeDuplicate || res.Version.Version != 1 || res.Current.Version != 2 {
		t.Errorf("older duplicate = %+v, %v", res, err)
	}
}

// TestRollback withdraws the current version, restores the one before, and
// a later import of the withdrawn file is skipped unless forced.
func testRollback(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	v1 := SynthList("t", 10)
	v2 := SynthList("t", 12)
	v3 := SynthList("t", 3) // the bad one
	mustImport(t, s, dated("t", "h1", 1), v1)
	mustImport(t, s, dated("t", "h2", 2), v2)
	mustImport(t, s, dated("t", "h3", 3), v3)
	w := vigil.Withdrawal{By: "alice", Reason: "truncated download", At: day(4)}

	if _, err := s.Rollback(ctx, vigil.Rollback{List: "t", Withdrawal: vigil.Withdrawal{By: "alice"}}); err == nil {
		t.Error("rollback without a reason accepted")
	}
	res, err := s.Rollback(ctx, vigil.Rollback{List: "t", Withdrawal: w})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != vigil.OutcomeRolledBack || res.Version.Version != 4 || res.Version.Restores != 2 || res.Withdrawn.Version != 3 ||
		!res.Version.InForceFrom.Equal(day(3)) || res.Version.Hash != "h2" || res.Version.Added != 9 {
		t.Errorf("rollback = %+v (withdrawn %+v)", res.Version, res.Withdrawn)
	}
	checkServed(t, s, "t", v2)
	vs, _ := s.Versions(ctx, "t")
	if got := vs[2].Withdrawn; got == nil || got.By != "alice" || got.Reason != "truncated download" || !got.At.Equal(day(4)) {
		t.Errorf("withdrawal recorded = %+v", got)
	}
	// The same bad file again, even as a run's last: skipped.
	res, err = importWith(t, s, dated("t", "h3", 3), v3, vigil.ImportOptions{Restore: true})
	if !errors.Is(err, vigil.ErrDuplicate) || res.Outcome != vigil.OutcomeWithdrawnDuplicate || res.Version.Version != 3 {
		t.Errorf("withdrawn re-import = %+v, %v", res, err)
	}
	checkServed(t, s, "t", v2)
	// A new file published after the withdrawn one becomes current.
	v5 := SynthList("t", 13)
	if res, err := importWith(t, s, dated("t", "h5", 3), v5, vigil.ImportOptions{}); err != nil || res.Outcome != vigil.OutcomeCurrent {
		t.Errorf("import after rollback = %+v, %v", res, err)
	}
	checkServed(t, s, "t", v5)

	// Explicit targets: refused for a partial, the current content, or a
	// withdrawn version unless forced.
	pv := dated("t", "p", 3)
	pv.Partial = true
	mustImport(t, s, pv, v3[:1])
	for _, r := range []vigil.Rollback{{To: 6}, {To: 5}, {To: 3}, {To: 42}} {
		r.List, r.Withdrawal = "t", w
		if _, err := s.Rollback(ctx, r); err == nil {
			t.Errorf("rollback to %d accepted", r.To)
		}
	}
	res, err = s.Rollback(ctx, vigil.Rollback{List: "t", To: 3, Force: true, Withdrawal: w})
	if err != nil || res.Version.Restores != 3 {
		t.Fatalf("forced rollback to a withdrawn version = %+v, %v", res, err)
	}
	checkServed(t, s, "t", v3)
	// The default target skips versions with the current content.
	res, err = s.Rollback(ctx, vigil.Rollback{List: "t", Withdrawal: w})
	if err != nil || res.Version.Hash == "h3" {
		t.Errorf("default rollback = %+v, %v", res.Version, err)
	}
}

// TestForcedWithdrawnReimport: --force brings a withdrawn version's content
// back when its file is imported again.
func testForcedWithdrawnReimport(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	mustImport(t, s, lv("t", "a"), SynthList("t", 5))
	mustImport(t, s, lv("t", "b"), SynthList("t", 6))
	if _, err := s.Rollback(ctx, vigil.Rollback{List: "t", Withdrawal: vigil.Withdrawal{By: "x", Reason: "y"}}); err != nil {
		t.Fatal(err)
	}
	res, err := importWith(t, s, lv("t", "b"), SynthList("t", 6), vigil.ImportOptions{Restore: true, Force: true})
	if err != nil || res.Outcome != vigil.OutcomeRestored || res.Version.Restores != 2 {
		t.Errorf("forced re-import = %+v, %v", res, err)
	}
	checkServed(t, s, "t", SynthList("t", 6))
}

// TestGuardAfterDuplicateCheck: the guard sees only versions that would
// become current, after the duplicate check.
func testGuardAfterDuplicateCheck(t *testing.T, open Opener) {
	s := open(t)
	var calls []string
	guard := func(cur, next vigil.ListVersion) error {
		calls = append(calls, fmt.Sprintf("%s->%s", cur.Hash, next.Hash))
		if next.Entities < cur.Entities/2 {
			return errors.New("shrank")
		}
		return nil
	}
	opt := vigil.ImportOptions{Guard: guard, Restore: true}
	if _, err := importWith(t, s, dated("t", "a", 5), SynthList("t", 10), opt); err != nil {
		t.Fatal(err)
	}
	if _, err := importWith(t, s, dated("t", "a", 5), SynthList("t", 10), opt); !errors.Is(err, vigil.ErrDuplicate) {
		t.Fatal(err)
	}
	if _, err := importWith(t, s, dated("t", "old", 1), SynthList("t", 2), opt); err != nil {
		t.Fatal(err)
	}
	if _, err := importWith(t, s, dated("t", "small", 6), SynthList("t", 2), opt); err == nil || err.Error() != "shrank" {
		t.Fatalf("shrunken current: %v", err)
	}
	pv := dated("t", "part", 7)
	pv.Partial = true
	if _, err := importWith(t, s, pv, SynthList("t", 1), opt); err != nil {
		t.Fatal(err)
	}
	if want := []string{"->a", "a->small"}; !slices.Equal(calls, want) {
		t.Errorf("guard calls = %v, want %v", calls, want)
	}
	if n := s.Count(t, "versions"); n != 3 {
		t.Errorf("versions = %d, want 3", n)
	}
}

// TestAsOf: the versions in force at a date, and their entities.
func testAsOf(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	mustImport(t, s, dated("t", "b", 20), SynthList("t", 5))
	mustImport(t, s, dated("t", "a", 10), SynthList("t", 3)) // historical
	mustImport(t, s, dated("u", "u", 15), SynthList("u", 2))
	pv := dated("t", "p", 12)
	pv.Partial = true
	mustImport(t, s, pv, SynthList("t", 1))
	cases := []struct {
		at   time.Time
		want []string
	}{
		{day(9), nil},
		{day(10), []string{"t@2"}},
		{day(14), []string{"t@2"}},
		{day(15), []string{"t@2", "u@1"}},
		{day(20), []string{"t@1", "u@1"}},
		{day(30), []string{"t@1", "u@1"}},
	}
	for _, c := range cases {
		vs, err := s.AsOf(ctx, c.at)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range vs {
			got = append(got, v.Label())
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("AsOf(%s) = %v, want %v", c.at.Format(time.DateOnly), got, c.want)
		}
		for _, v := range vs {
			if es, err := s.Entities(ctx, v.List, v.Version); err != nil || len(es) != v.Entities {
				t.Errorf("Entities(%s) = %d entities, %v; want %d", v.Label(), len(es), err, v.Entities)
			}
		}
	}
}

// TestEntityStates: an entity's state in each version of each list's
// timeline, as HistoryOf reads them.
func testEntityStates(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	base := SynthList("t", 3)
	changed := slices.Clone(base)
	changed[1].Remarks = "changed"
	without := []vigil.Entity{base[0], base[2]}
	mustImport(t, s, dated("t", "2", 2), changed)
	mustImport(t, s, dated("t", "1", 1), base) // historical, in force first
	mustImport(t, s, dated("t", "3", 3), without)
	mustImport(t, s, dated("t", "4", 4), changed)
	pv := dated("t", "p", 5)
	pv.Partial = true
	mustImport(t, s, pv, []vigil.Entity{base[0]}) // partials are not history
	other := base[1]
	other.Remarks = "on another list"
	mustImport(t, s, dated("o", "o", 3), []vigil.Entity{other})

	states, err := s.EntityStates(ctx, base[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range states {
		r := "-"
		if st.Entity != nil {
			r = st.Entity.Remarks[:7]
		}
		got = append(got, st.Version.Label()+":"+r)
	}
	want := []string{"o@1:on anot", "t@2:Synthet", "t@1:changed", "t@3:-", "t@4:changed"}
	if !slices.Equal(got, want) {
		t.Errorf("states = %v, want %v", got, want)
	}
	h := vigil.HistoryOf(base[1].ID, states)
	if len(h.Lists) != 2 || h.Lists[1].List != "t" || !h.Lists[1].Listed || len(h.Lists[1].Periods) != 2 {
		t.Fatalf("history = %+v", h)
	}
	ev := h.Lists[1].Events
	if len(ev) != 4 || ev[0].Change != "listed" || ev[1].Change != "changed" || ev[2].Change != "delisted" || ev[3].Change != "listed" {
		t.Fatalf("events = %+v", ev)
	}
	if c := ev[1].Changes; len(c) != 1 || c[0].Field != "remarks" || string(c[0].New) != `"changed"` {
		t.Errorf("change values = %+v", c)
	}
	if p := h.Lists[1].Periods[0]; p.ListedIn != "t@2" || p.DelistedIn != "t@3" || !p.Delisted.Equal(day(3)) {
		t.Errorf("first period = %+v", p)
	}
	if _, err := s.EntityStates(ctx, "t:nobody"); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("unknown entity: %v", err)
	}
}
