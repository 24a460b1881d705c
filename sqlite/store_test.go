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
