// Package sqlite is Vigil's embedded store: every version of every list, the
// audit log (a hash chain, audit.go) and the API keys, in one SQLite database file (modernc.org/sqlite,
// pure Go, no cgo).
//
// Entities are stored once per distinct content, not once per version: each
// entity's canonical JSON is kept in a content-addressed blob table (keyed by
// its SHA-256), and a span table records, per list and entity id, which blob
// the entity had over a run of complete versions (first..last). Importing a
// list of 15,000 entities a hundred times with a few dozen changes each time
// adds a few dozen span and blob rows per version, not 15,000. Spans hold
// the versions that became current when imported; partial versions
// (filtered excerpts, which never replace a complete version) and
// historical ones (older snapshots imported after a newer one, which never
// become current) are rare and are stored as explicit membership rows
// instead. A version restoring earlier content (a re-imported file, a
// rollback) is a new span version pointing to the same blobs.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sort"
	"strings"
	"sync"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	vigil "github.com/vigil-screening/vigil"
)

// Store is a vigil.Store kept in a SQLite file. It is safe for concurrent
// use; writes are serialised, reads run in parallel (WAL mode).
type Store struct {
	db *sql.DB
	// mu serialises writers within the process; busy_timeout and BEGIN
	// IMMEDIATE handle writers in other processes.
	mu sync.Mutex
	// aw appends audit records in groups (audit.go).
	aw        *auditWriter
	closeOnce sync.Once
}

var _ vigil.Store = (*Store)(nil)

// busyTimeoutMS is how long a connection waits for a lock held by another
// connection or process before failing with SQLITE_BUSY.
const busyTimeoutMS = 10000

// Open opens (creating when absent) the database at path, switches it to WAL
// mode and migrates its schema to the current version.
func Open(path string) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") || path == ":memory:" {
		return nil, fmt.Errorf("sqlite: unsupported database path %q (want a plain file path)", path)
	}
	dsn := fmt.Sprintf("%s?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)&_txlock=immediate",
		path, busyTimeoutMS)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	db.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	s := &Store{db: db}
	if err := s.migrate(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	if err := s.chainUnchained(context.Background()); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: %s: audit: %w", path, err)
	}
	s.startAuditWriter()
	return s, nil
}

// Close stops the audit writer (after the batch it is writing; later
// appends fail) and closes the database.
func (s *Store) Close() error {
	s.stopAuditWriter()
	return s.db.Close()
}

// openSpan is the "last" value of a span that is still open: the entity is
// in the newest complete version of its list.
const openSpan = int64(1) << 62

// migrationFiles holds the schema migrations, one numbered SQL file each
// (NNNN_what.sql); file i (in name order, from 0) brings the schema from
// user_version i to i+1.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations are the migration scripts in order.
var migrations = func() []string {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		panic(err)
	}
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		b, err := migrationFiles.ReadFile(n)
		if err != nil {
			panic(err)
		}
		out[i] = string(b)
	}
	return out
}()

// migrate applies the migrations the database lacks, in one transaction,
// recording the schema version in PRAGMA user_version.
func (s *Store) migrate(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var have int
	if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return err
	}
	if have > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this program's %d", have, len(migrations))
	}
	if have == len(migrations) {
		return nil
	}
	for i := have; i < len(migrations); i++ {
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("schema migration %d: %w", i+1, err)
		}
	}
	// PRAGMA takes no bound parameters; the value is an int we control.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(migrations))); err != nil {
		return err
	}
	return tx.Commit()
}

// SchemaVersion returns the database's schema version (PRAGMA user_version).
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	return v, err
}

// notFound wraps vigil.ErrNotFound with what was looked for.
func notFound(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), vigil.ErrNotFound)
}

// isNoRows reports whether err is sql.ErrNoRows.
func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
