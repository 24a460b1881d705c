package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/vigil-screening/vigil/internal/codec"
	"github.com/vigil-screening/vigil/internal/storetest"
)

// day returns midnight UTC of 2024-01-d.
func day(d int) time.Time { return time.Date(2024, 1, d, 0, 0, 0, 0, time.UTC) }

// TestMigrateFromSchema1 opens a database written by the first schema: its
// versions gain in-force dates (published, else imported) and partial
// versions keep their membership.
func TestMigrateFromSchema1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(migrations[0] + "; PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	e := storetest.Synth("t", 1)
	js, h, err := codec.Canonical(&e)
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{
		fmt.Sprintf("INSERT INTO blobs (id, hash, data) VALUES (1, x'%x', '%s')", h, js),
		`INSERT INTO versions VALUES ('t', 1, 't', 'test', 'h1', '2024-01-01T00:00:00Z', '2024-02-01T10:00:00Z', '[]', 1, '{"person":1}', 0, 0, 1, 0, 0, x'7b7d')`,
		`INSERT INTO versions VALUES ('t', 2, 't', 'test', 'h2', '', '2024-03-01T10:00:00Z', '[]', 1, '{"person":1}', 1, 1, 0, 0, 0, x'7b7d')`,
		fmt.Sprintf("INSERT INTO spans VALUES ('t', 't:000001', 1, 1, %d)", openSpan),
		"INSERT INTO partial_members VALUES ('t', 2, 't:000001', 1)",
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	vs, err := s.Versions(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	if !vs[0].InForceFrom.Equal(day(1)) || !vs[1].InForceFrom.Equal(time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)) || !vs[1].Partial {
		t.Errorf("migrated versions = %+v", vs)
	}
	for n := 1; n <= 2; n++ {
		if es, err := s.Entities(ctx, "t", n); err != nil || len(es) != 1 || !reflect.DeepEqual(es[0], e) {
			t.Errorf("Entities(%d) after migration = %v, %v", n, ids(es), err)
		}
	}
	// A new version on top restores nothing by accident and diffs against 1.
	v := mustImport(t, s, lv("t", "h3"), storetest.SynthList("t", 2))
	if v.Version != 3 || v.Added != 1 || v.Changed != 0 {
		t.Errorf("import after migration = %+v", v)
	}
}
