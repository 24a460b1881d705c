// Package storetest is the conformance suite of Vigil's stores: one set of
// tests that every implementation of vigil.Backend (sqlite, postgres) runs,
// so that a behaviour cannot differ between them. A store's own tests call
// Run with a function that opens a new, empty store.
package storetest

import (
	"context"
	"fmt"
	"testing"

	vigil "github.com/vigil-screening/vigil"
)

// DB is a store under test and what the suite needs beside its
// interfaces: a second handle on the same store, raw SQL for the tests that
// edit the tables underneath, and a way to make imports fail late.
type DB struct {
	vigil.Backend
	// Reopen opens another handle on the same store, as another process
	// would; the test closes it.
	Reopen func(t testing.TB) vigil.Backend
	// Exec runs statements (no parameters) on the store's database with a
	// connection of its own, as someone editing the tables would.
	Exec func(t testing.TB, stmts ...string)
	// Int runs a query (no parameters) that returns one integer.
	Int func(t testing.TB, query string) int64
	// Hex is the SQL expression of the lowercase hex of a blob column.
	Hex func(column string) string
	// FailImports makes every import and rollback fail with err after
	// writing its rows, until the returned function is called.
	FailImports func(err error) (restore func())
}

// Count counts the rows of a table.
func (db *DB) Count(t testing.TB, table string) int {
	t.Helper()
	return int(db.Int(t, "SELECT COUNT(*) FROM "+table))
}

// Opener opens a new, empty store for a test and closes it when the test
// ends.
type Opener func(t testing.TB) *DB

type test struct {
	name string
	fn   func(t *testing.T, open Opener)
}

// tests are the suite's tests; each file of the suite adds its own.
var tests []test

func add(name string, fn func(t *testing.T, open Opener)) bool {
	tests = append(tests, test{name, fn})
	return true
}

// Run runs the conformance suite, each test on a store of its own.
func Run(t *testing.T, open Opener) {
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// AuditRoundTrip appends a record and checks that it reads back byte for
// byte and that the chain holds: the body of the stores' fuzz targets.
func AuditRoundTrip(t *testing.T, s vigil.Backend, who, action string, q, res []byte) {
	ctx := context.Background()
	in, err := s.AppendAudit(ctx, vigil.AuditRecord{Who: who, Action: action, Query: q, Result: res})
	if err != nil {
		return
	}
	got, err := s.AuditLog(ctx, vigil.AuditFilter{Limit: 1})
	if err != nil || len(got) != 1 {
		t.Fatal(err)
	}
	r := got[0]
	if r.Seq != in.Seq || r.Who != in.Who || r.Action != in.Action || string(r.Query) != string(in.Query) ||
		string(r.Result) != string(in.Result) || !r.Time.Equal(in.Time) || r.Hash != in.Hash || vigil.AuditHash(r) != r.Hash {
		t.Fatalf("stored %+v, read %+v", in, r)
	}
	if in.Seq%50 == 0 {
		if st, err := s.VerifyAudit(ctx); err != nil || st.Break != nil {
			t.Fatalf("verify: %+v %v", st, err)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var _ = fmt.Sprint
