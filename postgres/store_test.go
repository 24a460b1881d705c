package postgres

import (
	"context"
	"testing"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/pgtest"
	"github.com/vigil-screening/vigil/internal/storetest"
)

// openTest opens a store on a new database of its own.
func openTest(tb testing.TB) (*Store, string) {
	tb.Helper()
	dsn := pgtest.DB(tb)
	s, err := Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s, dsn
}

// TestConformance runs the stores' conformance suite on PostgreSQL.
func TestConformance(t *testing.T) {
	pgtest.Server(t)
	storetest.Run(t, func(tb testing.TB) *storetest.DB {
		s, dsn := openTest(tb)
		return &storetest.DB{
			Backend: s,
			Reopen: func(tb testing.TB) vigil.Backend {
				s2, err := Open(context.Background(), dsn)
				if err != nil {
					tb.Fatal(err)
				}
				tb.Cleanup(func() { s2.Close() })
				return s2
			},
			Exec: func(tb testing.TB, stmts ...string) { tb.Helper(); pgtest.Exec(tb, dsn, stmts...) },
			Int:  func(tb testing.TB, q string) int64 { tb.Helper(); return pgtest.Int(tb, dsn, q) },
			Hex:  func(col string) string { return "encode(" + col + ", 'hex')" },
			FailImports: func(err error) func() {
				s.importHook = func() error { return err }
				return func() { s.importHook = nil }
			},
		}
	})
}
