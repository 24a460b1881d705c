package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestHadKeysMigrated: a store at schema 1 whose only key was revoked
// records, when migrated, that it had keys (the rest of HadKeys is in the
// conformance suite).
func TestHadKeysMigrated(t *testing.T) {
	ctx := context.Background()
	old := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", old)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{migrations[0], "PRAGMA user_version = 1",
		"INSERT INTO api_keys (id, name, role, hash, created, revoked) VALUES ('key_1', 'a', 'admin', x'00', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z')"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	m, err := Open(old)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if had, err := m.HadKeys(ctx); err != nil || !had {
		t.Errorf("migrated store with a revoked key: HadKeys = %v, %v", had, err)
	}
}
