package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
)

var _ = add("ImportAndRead", testImportAndRead)
var _ = add("DuplicateImport", testDuplicateImport)
var _ = add("ImportValidation", testImportValidation)
var _ = add("DiffAcrossVersions", testDiffAcrossVersions)
var _ = add("StorageSharedAcrossVersions", testStorageSharedAcrossVersions)
var _ = add("PartialDoesNotReplaceComplete", testPartialDoesNotReplaceComplete)
var _ = add("EntityInSeveralLists", testEntityInSeveralLists)
var _ = add("PersistenceAcrossReopen", testPersistenceAcrossReopen)
var _ = add("FailedImportLeavesNothing", testFailedImportLeavesNothing)
var _ = add("ConcurrentReaders", testConcurrentReaders)
var _ = add("TwoHandlesSameFile", testTwoHandlesSameFile)

// Synth returns a made-up entity of roughly the size of a real list entry.
func Synth(list string, i int) vigil.Entity {
	id := fmt.Sprintf("%s:%06d", list, i)
	return vigil.Entity{
		ID: id, Source: list, Ref: fmt.Sprintf("%06d", i), Kind: vigil.KindPerson,
		Names: []vigil.Name{
			{Full: fmt.Sprintf("INVENTED PERSON %d", i), Given: "INVENTED", Family: fmt.Sprintf("PERSON %d", i), Quality: vigil.QualityPrimary},
			{Full: fmt.Sprintf("Invented Alias %d", i), Quality: vigil.QualityStrong},
			{Full: fmt.Sprintf("Fictional %d", i), Quality: vigil.QualityWeak},
			{Full: "Вымышленный Человек", Script: "Cyrl", Quality: vigil.QualityStrong},
		},
		BirthDates:    []vigil.Date{{Year: 1950 + i%50, Month: 1 + i%12, Day: 1 + i%28}, {Year: 1951 + i%50, Approx: true}},
		BirthPlaces:   []vigil.Place{{Text: "Nowhere City, Imaginaria", Country: "ZZ"}},
		Nationalities: []string{"ZZ"},
		Gender:        "male",
		Positions:     []string{"Invented position for testing"},
		Addresses:     []vigil.Address{{Street: fmt.Sprintf("%d Example Street", i), City: "Testville", Country: "ZZ"}},
		Documents:     []vigil.Document{{Type: vigil.DocPassport, Number: fmt.Sprintf("X%08d", i), Country: "ZZ"}},
		Programs:      []string{"TEST-PROGRAM"},
		Measures:      []vigil.Measure{vigil.MeasureAssetFreeze, vigil.MeasureTravelBan},
		ListedOn:      "2020-01-02",
		Remarks:       "Synthetic record written for the store tests; it describes nobody. Additional filler text brings the record to a realistic size.",
	}
}

// SynthList returns n made-up entities of list.
func SynthList(list string, n int) []vigil.Entity {
	es := make([]vigil.Entity, n)
	for i := range es {
		es[i] = Synth(list, i)
	}
	return es
}

func lv(list, hash string) vigil.ListVersion {
	return vigil.ListVersion{List: list, Source: list, Format: "test", Hash: hash, Files: []string{list + ".xml"}}
}

func mustImport(t *testing.T, s vigil.Store, v vigil.ListVersion, es []vigil.Entity) vigil.ListVersion {
	t.Helper()
	got, err := s.Import(context.Background(), v, es)
	if err != nil {
		t.Fatalf("import %s: %v", v.Hash, err)
	}
	return got
}

func ids(es []vigil.Entity) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func testImportAndRead(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	es := SynthList("t", 3)
	es[2].Kind = vigil.KindOrganization
	pub := time.Date(2026, 2, 27, 0, 0, 9, 554e6, time.UTC)
	in := lv("t", "h1")
	in.Published = pub
	v := mustImport(t, s, in, es)
	if v.Version != 1 || v.Entities != 3 || v.Added != 3 || v.Removed != 0 || v.Changed != 0 {
		t.Errorf("version = %+v", v)
	}
	if v.ByKind[vigil.KindPerson] != 2 || v.ByKind[vigil.KindOrganization] != 1 {
		t.Errorf("ByKind = %v", v.ByKind)
	}
	vs, err := s.Versions(ctx, "t")
	if err != nil || len(vs) != 1 {
		t.Fatalf("Versions = %v, %v", vs, err)
	}
	if !vs[0].Published.Equal(pub) || !vs[0].Imported.Equal(v.Imported) || !reflect.DeepEqual(vs[0].Files, []string{"t.xml"}) {
		t.Errorf("stored version = %+v, want %+v", vs[0], v)
	}
	got, err := s.Entities(ctx, "t", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, es) {
		t.Errorf("Entities round trip differs:\n got %+v\nwant %+v", got, es)
	}
	e, ev, err := s.Entity(ctx, "t:000001")
	if err != nil || ev.Version != 1 || !reflect.DeepEqual(e, es[1]) {
		t.Errorf("Entity = %+v %v %v", e, ev, err)
	}
	if _, _, err := s.Entity(ctx, "t:nope"); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("missing entity: err = %v", err)
	}
	if _, err := s.Versions(ctx, "nolist"); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("missing list: err = %v", err)
	}
	if _, err := s.Entities(ctx, "t", 9); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("missing version: err = %v", err)
	}
}

func testDuplicateImport(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	first := mustImport(t, s, lv("t", "same"), SynthList("t", 5))
	again, err := s.Import(ctx, lv("t", "same"), SynthList("t", 7))
	if !errors.Is(err, vigil.ErrDuplicate) {
		t.Fatalf("err = %v, want ErrDuplicate", err)
	}
	if again.Version != first.Version || again.Entities != 5 {
		t.Errorf("duplicate returned %+v, want the existing %+v", again, first)
	}
	vs, _ := s.Versions(ctx, "t")
	if len(vs) != 1 {
		t.Errorf("versions after duplicate = %d", len(vs))
	}
	// The same hash under another list is a separate import.
	if _, err := s.Import(ctx, lv("u", "same"), SynthList("u", 1)); err != nil {
		t.Errorf("same hash, other list: %v", err)
	}
}

func testImportValidation(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	es := SynthList("t", 2)
	es[1].ID = es[0].ID
	if _, err := s.Import(ctx, lv("t", "h"), es); err == nil {
		t.Error("duplicate ids accepted")
	}
	if _, err := s.Import(ctx, lv("t", "h"), []vigil.Entity{{Source: "t"}}); err == nil {
		t.Error("empty id accepted")
	}
	if _, err := s.Import(ctx, lv("t", ""), SynthList("t", 1)); err == nil {
		t.Error("empty hash accepted")
	}
	if _, err := s.Import(ctx, lv("", "h"), SynthList("t", 1)); err == nil {
		t.Error("empty list accepted")
	}
	if n := s.Count(t, "versions"); n != 0 {
		t.Errorf("%d versions after rejected imports", n)
	}
}

func testDiffAcrossVersions(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	v1es := SynthList("t", 4) // 0 1 2 3
	mustImport(t, s, lv("t", "h1"), v1es)

	v2es := slices.Clone(v1es[:3]) // drop 3
	v2es[1].Remarks = "amended"    // change 1
	v2es[2].Programs = []string{"OTHER"}
	v2es[2].Names = slices.Clone(v2es[2].Names)
	v2es[2].Names[1].Full = "NEW ALIAS"
	v2es = append(v2es, Synth("t", 9))                                                                   // add 9
	v2es[0].Names = []vigil.Name{v1es[0].Names[0], v1es[0].Names[2], v1es[0].Names[1], v1es[0].Names[3]} // reorder only
	v2 := mustImport(t, s, lv("t", "h2"), v2es)
	if v2.Version != 2 || v2.Added != 1 || v2.Removed != 1 || v2.Changed != 2 {
		t.Errorf("v2 counts = %+v", v2)
	}
	d, err := s.Diff(ctx, "t", 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := vigil.Diff{List: "t", From: 1, To: 2,
		Added:   []string{"t:000009"},
		Removed: []string{"t:000003"},
		Changed: []vigil.Change{{ID: "t:000001", Fields: []string{"remarks"}}, {ID: "t:000002", Fields: []string{"names", "programs"}}},
	}
	// Old and new values come with each changed field.
	if c := d.Changed[0].Changes; len(c) != 1 || c[0].Field != "remarks" || string(c[0].New) != `"amended"` ||
		!strings.HasPrefix(string(c[0].Old), `"Synthetic record`) {
		t.Errorf("Diff(1,2) values of t:000001 = %s", c)
	}
	for i := range d.Changed {
		d.Changed[i].Changes = nil
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("Diff(1,2) = %+v\nwant %+v", d, want)
	}

	// v3 brings 3 back unchanged and removes 9.
	v3es := append(slices.Clone(v2es[:3]), v1es[3])
	mustImport(t, s, lv("t", "h3"), v3es)
	d13, err := s.Diff(ctx, "t", 1, 3) // computed on demand
	if err != nil {
		t.Fatal(err)
	}
	if len(d13.Added) != 0 || len(d13.Removed) != 0 || len(d13.Changed) != 2 || d13.From != 1 || d13.To != 3 {
		t.Errorf("Diff(1,3) = %+v", d13)
	}
	d31, _ := s.Diff(ctx, "t", 3, 1)
	if len(d31.Changed) != 2 {
		t.Errorf("Diff(3,1) = %+v", d31)
	}
	d03, _ := s.Diff(ctx, "t", 0, 3)
	if len(d03.Added) != 4 || len(d03.Removed) != 0 {
		t.Errorf("Diff(0,3) = %+v", d03)
	}
	if _, err := s.Diff(ctx, "t", 1, 7); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("Diff to missing version: %v", err)
	}

	// Every version keeps its own entities.
	for n, want := range map[int][]vigil.Entity{1: v1es, 2: v2es, 3: v3es} {
		got, err := s.Entities(ctx, "t", n)
		if err != nil {
			t.Fatal(err)
		}
		want = slices.Clone(want)
		slices.SortFunc(want, func(a, b vigil.Entity) int { return cmpStr(a.ID, b.ID) })
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Entities(%d) = %v, want %v", n, ids(got), ids(want))
		}
	}
	e, _, _ := s.Entity(ctx, "t:000001")
	if e.Remarks != "amended" {
		t.Errorf("current t:000001 remarks = %q", e.Remarks)
	}
	if _, _, err := s.Entity(ctx, "t:000009"); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("removed entity still current: %v", err)
	}
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func testStorageSharedAcrossVersions(t *testing.T, open Opener) {
	s := open(t)
	const n, versions, perVersion = 500, 30, 5
	es := SynthList("t", n)
	changes := 0
	for v := 1; v <= versions; v++ {
		if v > 1 {
			for k := range perVersion {
				i := (v*perVersion + k) % n
				es[i].Remarks = fmt.Sprintf("change %d/%d", v, k)
				changes++
			}
		}
		mustImport(t, s, lv("t", fmt.Sprintf("h%d", v)), es)
	}
	if got, want := s.Count(t, "spans"), n+changes; got != want {
		t.Errorf("spans = %d, want %d (not one row per entity per version)", got, want)
	}
	if got, want := s.Count(t, "blobs"), n+changes; got != want {
		t.Errorf("blobs = %d, want %d", got, want)
	}
	// An old version is still exact.
	got, err := s.Entities(context.Background(), "t", 1)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, SynthList("t", n)) {
		t.Error("version 1 entities changed after later imports")
	}
}

func testPartialDoesNotReplaceComplete(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	full := SynthList("t", 10)
	mustImport(t, s, lv("t", "full1"), full)

	part := slices.Clone(full[:2])
	part[0].Remarks = "excerpt"
	pv := lv("t", "part")
	pv.Partial = true
	p := mustImport(t, s, pv, part)
	if p.Version != 2 || !p.Partial || p.Removed != 8 || p.Changed != 1 {
		t.Errorf("partial version = %+v", p)
	}
	cur, _ := s.Current(ctx)
	if len(cur) != 1 || cur[0].Version != 1 {
		t.Fatalf("Current after partial = %+v, want version 1", cur)
	}
	e, ev, _ := s.Entity(ctx, "t:000000")
	if ev.Version != 1 || e.Remarks == "excerpt" {
		t.Errorf("Entity came from the partial version: %v %q", ev.Label(), e.Remarks)
	}
	got, err := s.Entities(ctx, "t", 2)
	if err != nil || len(got) != 2 || got[0].Remarks != "excerpt" {
		t.Errorf("partial Entities = %v, %v", ids(got), err)
	}

	// The next complete version diffs against version 1, not the partial.
	full2 := slices.Clone(full)
	full2[5].Remarks = "x"
	v3 := mustImport(t, s, lv("t", "full2"), full2)
	if v3.Added != 0 || v3.Removed != 0 || v3.Changed != 1 {
		t.Errorf("v3 = %+v, want one change against version 1", v3)
	}
	if d, err := s.Diff(ctx, "t", 2, 3); err != nil || len(d.Added) != 8 || len(d.Changed) != 1 {
		t.Errorf("Diff(2,3) = %+v, %v", d, err)
	}
	cur, _ = s.Current(ctx)
	if cur[0].Version != 3 {
		t.Errorf("Current = %v", cur[0].Label())
	}

	// A list with only partial versions is current through its newest.
	ov := lv("o", "o1")
	ov.Partial = true
	mustImport(t, s, ov, SynthList("o", 3))
	ov.Hash = "o2"
	mustImport(t, s, ov, SynthList("o", 2))
	cur, _ = s.Current(ctx)
	if len(cur) != 2 || cur[0].List != "o" || cur[0].Version != 2 {
		t.Errorf("Current = %+v", cur)
	}
	entries, err := s.CurrentEntities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 12 || entries[0].Version.Label() != "o@2" || entries[2].Version.Label() != "t@3" {
		t.Errorf("CurrentEntities: %d entries, first %s", len(entries), entries[0].Version.Label())
	}
	if _, ev, err := s.Entity(ctx, "o:000001"); err != nil || ev.Label() != "o@2" {
		t.Errorf("partial-only Entity: %v %v", ev.Label(), err)
	}
	if _, _, err := s.Entity(ctx, "o:000002"); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("entity only in older partial: %v", err)
	}
}

func testEntityInSeveralLists(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	a := Synth("x", 1)
	b := a
	b.Remarks = "newer"
	older := lv("l1", "a")
	older.Imported = time.Now().Add(-time.Hour)
	mustImport(t, s, older, []vigil.Entity{a})
	mustImport(t, s, lv("l2", "b"), []vigil.Entity{b})
	e, v, err := s.Entity(ctx, a.ID)
	if err != nil || v.List != "l2" || e.Remarks != "newer" {
		t.Errorf("Entity = %q from %s, %v", e.Remarks, v.Label(), err)
	}
}

func testPersistenceAcrossReopen(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	mustImport(t, s, lv("t", "h1"), SynthList("t", 20))
	if _, err := s.AppendAudit(ctx, vigil.AuditRecord{Who: "k", Action: "screen"}); err != nil {
		t.Fatal(err)
	}
	schema, err := s.SchemaVersion(ctx)
	if err != nil || schema < 1 {
		t.Fatalf("schema version = %d, %v", schema, err)
	}
	s.Close()
	s2 := s.Reopen(t)
	if v, err := s2.SchemaVersion(ctx); err != nil || v != schema {
		t.Errorf("schema version = %d, %v; want %d", v, err, schema)
	}
	es, err := s2.Entities(ctx, "t", 1)
	if err != nil || !reflect.DeepEqual(es, SynthList("t", 20)) {
		t.Errorf("after reopen: %d entities, %v", len(es), err)
	}
	// The import's record and the screening's.
	if log, _ := s2.AuditLog(ctx, vigil.AuditFilter{}); len(log) != 2 {
		t.Errorf("audit after reopen: %v", log)
	}
	// A new version continues the numbering.
	v := mustImport(t, s2, lv("t", "h2"), SynthList("t", 21))
	if v.Version != 2 || v.Added != 1 {
		t.Errorf("after reopen import = %+v", v)
	}
}

func testFailedImportLeavesNothing(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	mustImport(t, s, lv("t", "h1"), SynthList("t", 5))
	before := map[string]int{}
	tables := []string{"versions", "blobs", "spans", "members"}
	for _, tb := range tables {
		before[tb] = s.Count(t, tb)
	}
	boom := errors.New("boom")
	restore := s.FailImports(boom)
	changed := SynthList("t", 8)
	changed[0].Remarks = "changed"
	_, err := s.Import(ctx, lv("t", "h2"), changed)
	pv := lv("t", "h3")
	pv.Partial = true
	_, errPartial := s.Import(ctx, pv, changed)
	restore()
	if !errors.Is(err, boom) || !errors.Is(errPartial, boom) {
		t.Fatalf("errors = %v, %v; want boom", err, errPartial)
	}
	for _, tb := range tables {
		if n := s.Count(t, tb); n != before[tb] {
			t.Errorf("%s: %d rows after failed import, want %d", tb, n, before[tb])
		}
	}
	// A cancelled context fails too and leaves nothing.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Import(cctx, lv("t", "h4"), changed); err == nil {
		t.Error("import with cancelled context succeeded")
	}
	if n := s.Count(t, "versions"); n != 1 {
		t.Errorf("versions = %d after cancelled import", n)
	}
	// The store still works and numbering has no gap.
	v := mustImport(t, s, lv("t", "h2"), changed)
	if v.Version != 2 || v.Added != 3 || v.Changed != 1 {
		t.Errorf("retry = %+v", v)
	}
}

func testConcurrentReaders(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	mustImport(t, s, lv("t", "h0"), SynthList("t", 300))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 100)
	for r := range 6 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				entries, err := s.CurrentEntities(ctx)
				if err != nil {
					errs <- err
					return
				}
				// Each snapshot is one consistent version.
				if len(entries) == 0 {
					errs <- fmt.Errorf("reader %d: no entries", r)
					return
				}
				if len(entries) != entries[0].Version.Entities {
					errs <- fmt.Errorf("reader %d: %d entries for %s with %d", r, len(entries), entries[0].Version.Label(), entries[0].Version.Entities)
					return
				}
				if _, _, err := s.Entity(ctx, "t:000007"); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for v := 1; v <= 10; v++ {
		es := SynthList("t", 300+v*10)
		if _, err := s.Import(ctx, lv("t", fmt.Sprintf("h%d", v)), es); err != nil {
			t.Error(err)
		}
		if _, err := s.AppendAudit(ctx, vigil.AuditRecord{Who: "k", Action: "import"}); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func testTwoHandlesSameFile(t *testing.T, open Opener) {
	// Two Store values on one file (as two processes would) both write.
	ctx := context.Background()
	s1 := open(t)
	s2 := s1.Reopen(t)
	var wg sync.WaitGroup
	for i, s := range []vigil.Store{s1, s2} {
		wg.Go(func() {
			for k := range 5 {
				if _, err := s.Import(ctx, lv(fmt.Sprintf("l%d", i), fmt.Sprintf("h%d", k)), SynthList("x", 50+k)); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := s1.Count(t, "versions"); n != 10 {
		t.Errorf("versions = %d, want 10", n)
	}
}
