package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/storetest"
)

// synth returns a made-up entity of roughly the size of a real list entry.
func synth(list string, i int) vigil.Entity {
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

func synthList(list string, n int) []vigil.Entity {
	es := make([]vigil.Entity, n)
	for i := range es {
		es[i] = synth(list, i)
	}
	return es
}

func openTemp(tb testing.TB) (*Store, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "vigil.db")
	s, err := Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, path
}

func lv(list, hash string) vigil.ListVersion {
	return vigil.ListVersion{List: list, Source: list, Format: "test", Hash: hash, Files: []string{list + ".xml"}}
}

func mustImport(t *testing.T, s *Store, v vigil.ListVersion, es []vigil.Entity) vigil.ListVersion {
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

func count(t *testing.T, s *Store, table string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestConformance runs the stores' conformance suite on SQLite files.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(tb testing.TB) *storetest.DB {
		s, path := openTemp(tb)
		return &storetest.DB{
			Backend: s,
			Reopen: func(tb testing.TB) vigil.Backend {
				s2, err := Open(path)
				if err != nil {
					tb.Fatal(err)
				}
				tb.Cleanup(func() { s2.Close() })
				return s2
			},
			Exec: func(tb testing.TB, stmts ...string) {
				tb.Helper()
				db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)")
				if err != nil {
					tb.Fatal(err)
				}
				defer db.Close()
				for _, q := range stmts {
					if _, err := db.Exec(q); err != nil {
						tb.Fatalf("%s: %v", q, err)
					}
				}
			},
			Int: func(tb testing.TB, q string) int64 {
				tb.Helper()
				var n int64
				if err := s.db.QueryRow(q).Scan(&n); err != nil {
					tb.Fatalf("%s: %v", q, err)
				}
				return n
			},
			Hex: func(col string) string { return "lower(hex(" + col + "))" },
			FailImports: func(err error) func() {
				importHook = func() error { return err }
				return func() { importHook = nil }
			},
		}
	})
}

func TestOpenRejectsNewerSchema(t *testing.T) {
	s, path := openTemp(t)
	if _, err := s.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s2, err := Open(path); err == nil {
		s2.Close()
		t.Error("opened a database with a newer schema")
	}
	if _, err := Open("file:x.db?mode=ro"); err == nil {
		t.Error("accepted a URI path")
	}
}
