package load

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists"
	"github.com/vigil-screening/vigil/sqlite"
)

func openStore(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestFixturesDetected checks that every reader's own fixture is recognised
// from content alone, even under a misleading name.
func TestFixturesDetected(t *testing.T) {
	cases := map[string]string{
		"../un/testdata/sample.xml":       "un_xml",
		"../eu/testdata/sample.xml":       "eu_fsf_xml",
		"../ca/testdata/sample.xml":       "ca_sema_xml",
		"../ofac/testdata/sdn.xml":        "ofac_xml",
		"../ofac/testdata/enhanced.xml":   "ofac_enhanced_xml",
		"../uk/testdata/fcdo.xml":         "uk_fcdo_xml",
		"../uk/testdata/conlist_2018.csv": "uk_conlist_csv",
		"../uscsl/testdata/sample.csv":    "us_csl_csv",
	}
	dir := t.TempDir()
	for src, want := range cases {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		// A name that says nothing of the format.
		p := filepath.Join(dir, strings.ReplaceAll(want, "_", "")+".dat")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		ds, err := File(p)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		if ds.Meta.Format != want {
			t.Errorf("%s: detected %s, want %s", src, ds.Meta.Format, want)
		}
		if len(ds.Entities) == 0 || ds.Hash == "" {
			t.Errorf("%s: %d entities, hash %q", src, len(ds.Entities), ds.Hash)
		}
	}
}

func TestUnknownAndBrokenFiles(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "notes.txt")
	os.WriteFile(junk, []byte("hello, world\n"), 0o644)
	if _, err := File(junk); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("junk file: err = %v, want ErrUnknownFormat", err)
	}
	// A truncated UN file is refused with the file named.
	b, _ := os.ReadFile("../un/testdata/sample.xml")
	cut := filepath.Join(dir, "un_cut.xml")
	os.WriteFile(cut, b[:len(b)*2/3], 0o644)
	_, err := File(cut)
	var pe *lists.ParseError
	if !errors.As(err, &pe) || pe.File != cut {
		t.Fatalf("truncated file: err = %v, want a ParseError naming %s", err, cut)
	}
	// In a folder, unknown files are skipped but broken lists are reported.
	ds, err := Paths(dir)
	if err == nil || !strings.Contains(err.Error(), "un_cut.xml") || len(ds) != 0 {
		t.Errorf("Paths(dir) = %d datasets, %v", len(ds), err)
	}
}

// TestCorruptVersionKeepsLastGood: a truncated new file never replaces the
// last good version, and a shrunken one is refused unless forced.
func TestCorruptVersionKeepsLastGood(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	good, err := File("../un/testdata/sample.xml")
	if err != nil {
		t.Fatal(err)
	}
	v1, err := Import(ctx, st, good, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Import(ctx, st, good, Options{}); !errors.Is(err, vigil.ErrDuplicate) {
		t.Errorf("re-import: err = %v, want ErrDuplicate", err)
	}

	// Shrunken: keep only the first entity.
	small := *good
	small.Entities = good.Entities[:1]
	small.Hash = "different"
	if len(good.Entities) < 2 {
		t.Fatalf("fixture too small: %d entities", len(good.Entities))
	}
	if _, err := Import(ctx, st, &small, Options{}); err == nil || !strings.Contains(err.Error(), "fewer") {
		t.Fatalf("shrunken import: err = %v, want a refusal", err)
	}
	cur, _ := st.Current(ctx)
	if len(cur) != 1 || cur[0].Version != v1.Version {
		t.Fatalf("after refused import current = %+v", cur)
	}
	v2, err := Import(ctx, st, &small, Options{Force: true})
	if err != nil || v2.Version != v1.Version+1 || v2.Removed != len(good.Entities)-1 {
		t.Fatalf("forced import: %+v, %v", v2, err)
	}
}

// TestRealLists imports every file of ../shared/data/lists and checks the
// counts PROVENANCE.md states.
func TestRealLists(t *testing.T) {
	root := shared.Lists(t, "")
	ds, err := Paths(root)
	// The 2025-12-24 OFAC companions have no sdn.csv: refused, named.
	if err == nil || !strings.Contains(err.Error(), "sdn_2025-12-24_partial") || !strings.Contains(err.Error(), "sdn.csv is missing") {
		t.Errorf("want the partial OFAC set refused, got %v", err)
	}
	type key struct{ list, file string }
	got := map[key]*Dataset{}
	for _, d := range ds {
		rel, _ := filepath.Rel(root, d.Files[0])
		got[key{d.Meta.List, rel}] = d
	}
	want := []struct {
		list, file string
		n          int
		byKind     map[vigil.Kind]int
		partial    bool
	}{
		{"un", "un/consolidated.xml", 1003, map[vigil.Kind]int{vigil.KindPerson: 730, vigil.KindOrganization: 273}, false},
		{"ofac_sdn", "ofac/sdn_2024-05-03/sdn.csv", 14965, map[vigil.Kind]int{vigil.KindPerson: 6854, vigil.KindOrganization: 6884, vigil.KindVessel: 851, vigil.KindAircraft: 376}, false},
		{"ofac_sdn", "ofac/sdn_2021-07-07/sdn.csv", 8976, map[vigil.Kind]int{vigil.KindPerson: 4620, vigil.KindOrganization: 3673, vigil.KindVessel: 406, vigil.KindAircraft: 277}, false},
		{"ofac_sdn", "ofac/enhanced_xml_IRGC_program_2024-08-28/IRGC_sanctions.xml", 293, map[vigil.Kind]int{vigil.KindPerson: 165, vigil.KindOrganization: 84, vigil.KindAircraft: 44}, true},
		{"ofac_cons", "ofac/consolidated_non_sdn/consolidated.xml", 443, map[vigil.Kind]int{vigil.KindPerson: 80, vigil.KindOrganization: 363}, false},
		{"ofac_cons", "ofac/consolidated_non_sdn/CONS_ENHANCED.ZIP", 443, map[vigil.Kind]int{vigil.KindPerson: 80, vigil.KindOrganization: 363}, false},
		{"ofac_cons", "ofac/consolidated_non_sdn/cons_prim.csv", 442, map[vigil.Kind]int{vigil.KindPerson: 79, vigil.KindOrganization: 363}, false},
		// 14,160 rows; 71 ids repeat across the CSL's source lists and are merged.
		{"us_csl", "us_csl/consolidated.csv.gz", 14048, nil, false},
		{"eu", "eu/sample_eu_fsf_2026-08-05.xml", 5, map[vigil.Kind]int{vigil.KindPerson: 4, vigil.KindOrganization: 1}, false},
		{"uk", "uk/ConList.xlsx", 4688, map[vigil.Kind]int{vigil.KindPerson: 3663, vigil.KindOrganization: 1010, vigil.KindVessel: 15}, false},
		{"uk", "uk/conlist_csv_2018-04-13/sanctionsconlist.csv", 2106, map[vigil.Kind]int{vigil.KindPerson: 1426, vigil.KindOrganization: 680}, false},
		{"uk_fcdo", "uk/uk_sanctions_list_xml_sample_2026-09-10/sample_uk_sanctions.xml", 5, nil, false},
		{"ca", "ca_sema/sema-lsem.xml", 4759, map[vigil.Kind]int{vigil.KindPerson: 3334, vigil.KindOrganization: 1316, vigil.KindVessel: 109}, false},
	}
	for _, w := range want {
		d := got[key{w.list, w.file}]
		if d == nil {
			t.Errorf("%s: no %s dataset read", w.file, w.list)
			continue
		}
		if len(d.Entities) != w.n {
			t.Errorf("%s: %d entities, want %d", w.file, len(d.Entities), w.n)
		}
		if d.Meta.Partial != w.partial {
			t.Errorf("%s: partial = %v, want %v", w.file, d.Meta.Partial, w.partial)
		}
		if w.byKind != nil {
			bk := lists.CountKinds(d.Entities)
			for k, n := range w.byKind {
				if bk[k] != n {
					t.Errorf("%s: %d %s, want %d", w.file, bk[k], k, n)
				}
			}
		}
		for _, e := range d.Entities {
			if e.ID == "" || len(e.Names) == 0 || e.Names[0].Full == "" {
				t.Errorf("%s: entity without id or name: %+v", w.file, e)
				break
			}
		}
	}
}

// TestRealDiff imports the UN list, then a version derived from it (one entry
// removed, one renamed, one added), and checks the recorded diff; then the two
// real OFAC SDN versions, in publication order.
func TestRealDiff(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	d1, err := File(shared.Lists(t, "un/consolidated.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Import(ctx, st, d1, Options{}); err != nil {
		t.Fatal(err)
	}
	d2 := *d1
	d2.Hash = "derived"
	d2.Entities = append([]vigil.Entity(nil), d1.Entities...)
	removed := d2.Entities[0].ID
	d2.Entities = d2.Entities[1:]
	var changed string
	for i := range d2.Entities {
		if d2.Entities[i].ID == "un:IRi.039" {
			e := d2.Entities[i]
			e.Names = append([]vigil.Name{{Full: "QASSEM SOLEIMANI", Quality: vigil.QualityStrong}}, e.Names...)
			d2.Entities[i] = e
			changed = e.ID
		}
	}
	added := vigil.Entity{ID: "un:XXi.001", Source: "un", Ref: "XXi.001", Kind: vigil.KindPerson, Names: []vigil.Name{{Full: "NEW PERSON", Quality: vigil.QualityPrimary}}}
	d2.Entities = append(d2.Entities, added)
	v2, err := Import(ctx, st, &d2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if v2.Added != 1 || v2.Removed != 1 || v2.Changed != 1 {
		t.Fatalf("version 2 summary: +%d -%d ~%d, want 1/1/1", v2.Added, v2.Removed, v2.Changed)
	}
	diff, err := st.Diff(ctx, "un", 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(diff.Added) != 1 || diff.Added[0] != added.ID || len(diff.Removed) != 1 || diff.Removed[0] != removed ||
		len(diff.Changed) != 1 || diff.Changed[0].ID != changed || !contains(diff.Changed[0].Fields, "names") {
		t.Fatalf("diff = %+v", diff)
	}

	// The two real OFAC SDN snapshots: 2021 then 2024.
	old, err := Paths(shared.Lists(t, "ofac/sdn_2021-07-07"))
	if err != nil {
		t.Fatal(err)
	}
	cur, err := File(shared.Lists(t, "ofac/sdn_2024-05-03/sdn.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Import(ctx, st, old[0], Options{}); err != nil {
		t.Fatal(err)
	}
	v, err := Import(ctx, st, cur, Options{})
	if err != nil {
		t.Fatal(err)
	}
	od, _ := st.Diff(ctx, "ofac_sdn", 1, 2)
	// Putin (35096) was designated in 2022: added; Soleimani (10481) stays.
	if !contains(od.Added, "ofac:35096") || contains(od.Removed, "ofac:10481") || contains(od.Added, "ofac:10481") {
		t.Errorf("OFAC diff: Putin added %v, Soleimani removed %v", contains(od.Added, "ofac:35096"), contains(od.Removed, "ofac:10481"))
	}
	if v.Added != len(od.Added) || v.Removed != len(od.Removed) || v.Entities != 14965 {
		t.Errorf("version summary %+v disagrees with diff (+%d -%d)", v, len(od.Added), len(od.Removed))
	}
	if got := 8976 + v.Added - v.Removed; got != 14965 {
		t.Errorf("8976 + added - removed = %d, want 14965", got)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// BenchmarkImportAll reads and imports every list in ../shared/data/lists
// into a fresh store, reporting peak heap.
func BenchmarkImportAll(b *testing.B) {
	root := shared.Lists(b, "")
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		st := openStore(b)
		runtime.GC()
		b.StartTimer()
		peak := trackPeak()
		ds, _ := Paths(root)
		n := 0
		for _, d := range ds {
			if _, err := Import(context.Background(), st, d, Options{Force: true}); err != nil && !errors.Is(err, vigil.ErrDuplicate) {
				b.Fatal(err)
			}
			n += len(d.Entities)
		}
		b.ReportMetric(float64(peak())/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(n), "entities")
	}
}

// TestOFACSetWithoutAliases: a folder holding sdn.csv without alt.csv (or
// add.csv) is read with warnings on the dataset that say what is lost, so
// that importing it over a complete set is not silent.
func TestOFACSetWithoutAliases(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"sdn.csv", "sdn_comments.csv"} {
		b, err := os.ReadFile(filepath.Join("../ofac/testdata/csv", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dss, err := Paths(dir)
	if err != nil || len(dss) != 1 {
		t.Fatalf("Paths = %d datasets, %v", len(dss), err)
	}
	ws := strings.Join(dss[0].Meta.Warnings(), "\n")
	for _, w := range []string{"alt.csv is missing: aliases are not imported", "add.csv is missing: addresses are not imported"} {
		if !strings.Contains(ws, w) {
			t.Errorf("warnings %q lack %q", dss[0].Meta.Warnings(), w)
		}
	}
	if strings.Contains(ws, "sdn_comments.csv is missing") {
		t.Errorf("warnings %q: sdn_comments.csv is there", dss[0].Meta.Warnings())
	}
}

// TestRealOFACSetWithoutAliases: the real 2024-05-03 snapshot is sdn.csv
// alone.
func TestRealOFACSetWithoutAliases(t *testing.T) {
	dss, err := Paths(shared.Lists(t, "ofac/sdn_2024-05-03"))
	if err != nil || len(dss) != 1 {
		t.Fatalf("Paths = %d datasets, %v", len(dss), err)
	}
	if ws := strings.Join(dss[0].Meta.Warnings(), "\n"); !strings.Contains(ws, "alt.csv is missing: aliases are not imported") {
		t.Errorf("warnings = %q", dss[0].Meta.Warnings())
	}
}

// TestDamagedListInFolderIsReported: in a folder, a file of a kind lists
// come in (an archive, .xml/.xlsx/.csv) that no reader recognises — a
// damaged workbook whose head is lost — is reported, not skipped in
// silence; notes beside the lists are skipped.
func TestDamagedListInFolderIsReported(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("downloaded on Monday\n"), 0o644)
	b, err := os.ReadFile("../un/testdata/sample.xml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "un.xml"), b, 0o644)
	damaged := append(make([]byte, 64), []byte("PK\x03\x04 the rest of a workbook")...)
	os.WriteFile(filepath.Join(dir, "ConList.xlsx"), damaged, 0o644)
	ds, err := Paths(dir)
	if len(ds) != 1 || ds[0].Meta.List != "un" {
		t.Errorf("Paths(dir) read %d datasets, want the UN file", len(ds))
	}
	if err == nil || !strings.Contains(err.Error(), "ConList.xlsx") || !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("the damaged workbook is not reported: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "notes.txt") {
		t.Errorf("notes beside the lists are reported: %v", err)
	}
}
