package load

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/download"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists"
)

func TestGuardPerKind(t *testing.T) {
	v := func(n int, byKind map[vigil.Kind]int) vigil.ListVersion {
		return vigil.ListVersion{List: "t", Version: n, Entities: sum(byKind), ByKind: byKind}
	}
	type k = map[vigil.Kind]int
	cases := []struct {
		name      string
		cur, next vigil.ListVersion
		refused   string // the kind named, "" when it passes
	}{
		{"first version", vigil.ListVersion{}, v(0, k{"person": 1}), ""},
		{"growth", v(1, k{"person": 100}), v(0, k{"person": 150}), ""},
		{"whole list shrank", v(1, k{"person": 100, "organization": 100}), v(0, k{"person": 70, "organization": 70}), "entities"},
		{"40% of persons is 29% of the list", v(1, k{"person": 730, "organization": 273}), v(0, k{"person": 438, "organization": 273}), "person"},
		{"25% of persons is 18% of the list", v(1, k{"person": 730, "organization": 273}), v(0, k{"person": 547, "organization": 273}), "person"},
		{"organisations", v(1, k{"person": 500, "organization": 100}), v(0, k{"person": 500, "organization": 79}), "organization"},
		{"20% exactly passes", v(1, k{"vessel": 100}), v(0, k{"vessel": 80}), ""},
		{"a small kind may lose a handful", v(1, k{"person": 500, "vessel": 15}), v(0, k{"person": 500, "vessel": 5}), ""},
		{"a kind of 20 is watched", v(1, k{"person": 500, "aircraft": 20}), v(0, k{"person": 500, "aircraft": 15}), "aircraft"},
		{"a kind that vanishes", v(1, k{"person": 500, "vessel": 851}), v(0, k{"person": 500}), "vessel"},
	}
	for _, c := range cases {
		err := Guard(c.cur, c.next)
		switch {
		case c.refused == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.refused != "" && (err == nil || !errors.Is(err, download.ErrShrink) || !strings.Contains(err.Error(), " "+c.refused+" ")):
			t.Errorf("%s: err = %v, want a refusal naming %s", c.name, err, c.refused)
		}
	}
}

func sum(m map[vigil.Kind]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// TestGuardRealUN: removing a quarter of the UN list's individuals (18% of
// the list, which the whole-list guard lets through) is refused, naming the
// persons; forced, it is imported.
func TestGuardRealUN(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	un, err := File(shared.Lists(t, "un/consolidated.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Import(ctx, st, un, Options{}); err != nil {
		t.Fatal(err)
	}
	cut := *un
	cut.Hash = "fewer-individuals"
	cut.Entities = nil
	dropped := 0
	for _, e := range un.Entities {
		if e.Kind == vigil.KindPerson && dropped < 183 { // 25% of 730
			dropped++
			continue
		}
		cut.Entities = append(cut.Entities, e)
	}
	if err := download.CheckShrink(len(un.Entities), len(cut.Entities), MaxDrop); err != nil {
		t.Fatalf("the whole list shrinks too much for this test: %v", err)
	}
	_, err = Import(ctx, st, &cut, Options{})
	if err == nil || !strings.Contains(err.Error(), "547 person entities against 730 in the current un@1") {
		t.Fatalf("a quarter of the individuals removed: %v", err)
	}
	if v, err := Import(ctx, st, &cut, Options{Force: true}); err != nil || v.Version != 2 {
		t.Errorf("forced: %+v %v", v, err)
	}
}

// dataset builds a dataset of n invented entities of list l.
func dataset(l, hash, file string, published time.Time, partial bool, n int) *Dataset {
	es := make([]vigil.Entity, n)
	for i := range es {
		es[i] = vigil.Entity{ID: fmt.Sprintf("%s:%d", l, i), Source: l, Kind: vigil.KindPerson, Names: []vigil.Name{{Full: fmt.Sprint("P ", i)}}}
	}
	return &Dataset{Meta: &lists.Meta{List: l, Source: l, Format: "test", Published: published, Partial: partial},
		Files: []string{file}, Hash: hash, Entities: es}
}

// TestImportRunOrder (issue 18, item 4): a run imports each list's files in
// the order they came into force, undated ones last in path order; the
// guard compares with what was served before the run; and a file older
// than the current version becomes a historical version.
func TestImportRunOrder(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	d := func(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC) }
	run := []*Dataset{
		dataset("t", "undated-b", "t/b.csv", time.Time{}, false, 100),
		dataset("t", "2018", "t/2018.xml", d(2018), false, 50), // half the 2014 one: a real change over years
		dataset("t", "undated-a", "t/a.csv", time.Time{}, false, 100),
		dataset("t", "2014", "t/2014.xml", d(2014), false, 100),
		dataset("t", "partial", "t/p.xml", d(2016), true, 5),
		dataset("u", "u1", "u.xml", d(2020), false, 10),
	}
	rs := ImportAll(ctx, st, run, Options{})
	var order []string
	for _, r := range rs {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Files[0], r.Err)
		}
		order = append(order, fmt.Sprintf("%s@%d:%s", r.List, r.Version.Version, r.Version.Hash))
	}
	want := []string{"t@1:2014", "t@2:partial", "t@3:2018", "t@4:undated-a", "t@5:undated-b", "u@1:u1"}
	if !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	// A later run: the guard compares with the served version (t@5, 100).
	rs = ImportAll(ctx, st, []*Dataset{dataset("t", "small", "t/c.csv", time.Time{}, false, 50)}, Options{})
	if rs[0].Err == nil || !errors.Is(rs[0].Err, download.ErrShrink) {
		t.Errorf("shrunken file against the served version: %v", rs[0].Err)
	}
	// An older snapshot, however small, is history.
	rs = ImportAll(ctx, st, []*Dataset{dataset("t", "2010", "t/2010.xml", d(2010), false, 3)}, Options{})
	if r := rs[0]; r.Err != nil || r.Outcome != vigil.OutcomeHistorical || !strings.Contains(r.Message(), "kept as historical version 6: older than the current 5") {
		t.Errorf("older snapshot: %+v %v", r.ImportResult, r.Err)
	}
	// The same run again adds nothing and hints at nothing.
	rs = ImportAll(ctx, st, run, Options{})
	for _, r := range rs {
		if r.Err != nil || r.Added() || strings.Contains(r.Message(), "rollback") {
			t.Errorf("second run: %s: %+v %v %s", r.Files[0], r.ImportResult, r.Err, r.Message())
		}
	}
}

// TestRestoreLastOfRun: the last file of a list in a run restores its
// content when another is current; earlier files of the run do not.
func TestRestoreLastOfRun(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	a := dataset("t", "a", "t/a.csv", time.Time{}, false, 10)
	b := dataset("t", "b", "t/b.csv", time.Time{}, false, 11)
	ImportAll(ctx, st, []*Dataset{a, b}, Options{})
	rs := ImportAll(ctx, st, []*Dataset{a}, Options{})
	if r := rs[0]; r.Err != nil || r.Outcome != vigil.OutcomeRestored || r.Message() != "restored content of 1 as 3" {
		t.Errorf("restore: %+v %v %q", r.ImportResult, r.Err, r.Message())
	}
	// In a run of both, b (the last) is restored, not a.
	rs = ImportAll(ctx, st, []*Dataset{a, b}, Options{})
	if rs[0].Added() || rs[1].Outcome != vigil.OutcomeRestored || rs[1].Version.Restores != 2 {
		t.Errorf("run of both: %+v / %+v", rs[0].ImportResult, rs[1].ImportResult)
	}
}
