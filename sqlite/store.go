// Package sqlite is Vigil's embedded store: every version of every list, the
// audit log and the API keys, in one SQLite database file (modernc.org/sqlite,
// pure Go, no cgo).
//
// Entities are stored once per distinct content, not once per version: each
// entity's canonical JSON is kept in a content-addressed blob table (keyed by
// its SHA-256), and a span table records, per list and entity id, which blob
// the entity had over a run of complete versions (first..last). Importing a
// list of 15,000 entities a hundred times with a few dozen changes each time
// adds a few dozen span and blob rows per version, not 15,000. Partial
// versions (filtered excerpts, which never replace a complete version) are
// small and rare and are stored as explicit membership rows instead.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
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
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// openSpan is the "last" value of a span that is still open: the entity is
// in the newest complete version of its list.
const openSpan = int64(1) << 62

// migrations[i] brings the schema from user_version i to i+1.
var migrations = []string{
	`
CREATE TABLE versions (
	list      TEXT    NOT NULL,
	version   INTEGER NOT NULL,
	source    TEXT    NOT NULL,
	format    TEXT    NOT NULL,
	hash      TEXT    NOT NULL,
	published TEXT    NOT NULL, -- RFC 3339, '' when unknown
	imported  TEXT    NOT NULL, -- RFC 3339
	files     TEXT    NOT NULL, -- JSON array
	entities  INTEGER NOT NULL,
	by_kind   TEXT    NOT NULL, -- JSON object
	partial   INTEGER NOT NULL,
	base      INTEGER NOT NULL, -- version the stored diff is from (0: none)
	added     INTEGER NOT NULL,
	removed   INTEGER NOT NULL,
	changed   INTEGER NOT NULL,
	diff      BLOB    NOT NULL, -- vigil.Diff from base, encoded like blobs
	PRIMARY KEY (list, version)
);
CREATE UNIQUE INDEX versions_hash ON versions (list, hash);

-- Content-addressed entity JSON: one row per distinct entity content.
CREATE TABLE blobs (
	id   INTEGER PRIMARY KEY,
	hash BLOB NOT NULL UNIQUE, -- SHA-256 of the canonical JSON
	data BLOB NOT NULL
);

-- The blob an entity had over the complete versions first..last of a list.
CREATE TABLE spans (
	list  TEXT    NOT NULL,
	id    TEXT    NOT NULL,
	blob  INTEGER NOT NULL REFERENCES blobs (id),
	first INTEGER NOT NULL,
	last  INTEGER NOT NULL,
	PRIMARY KEY (list, id, first)
) WITHOUT ROWID;
CREATE INDEX spans_last ON spans (list, last, first);
CREATE INDEX spans_id ON spans (id, last);

-- Membership of partial versions.
CREATE TABLE partial_members (
	list    TEXT    NOT NULL,
	version INTEGER NOT NULL,
	id      TEXT    NOT NULL,
	blob    INTEGER NOT NULL REFERENCES blobs (id),
	PRIMARY KEY (list, version, id)
) WITHOUT ROWID;
CREATE INDEX partial_members_id ON partial_members (id);

CREATE TABLE audit (
	id     INTEGER PRIMARY KEY AUTOINCREMENT,
	time   TEXT NOT NULL,
	key_id TEXT NOT NULL,
	action TEXT NOT NULL,
	query  TEXT NOT NULL, -- JSON
	result TEXT NOT NULL  -- JSON
);

CREATE TABLE api_keys (
	id      TEXT PRIMARY KEY,
	name    TEXT NOT NULL,
	role    TEXT NOT NULL,
	hash    BLOB NOT NULL UNIQUE, -- SHA-256 of the secret
	created TEXT NOT NULL,
	revoked TEXT NOT NULL DEFAULT ''
);
`,
}

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
