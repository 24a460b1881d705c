// Package postgres is Vigil's shared store: the tables of the sqlite store
// in a PostgreSQL database (github.com/jackc/pgx/v5), so that several
// vigil serve replicas can share list versions, keys, the audit chain,
// watched subjects, alerts and webhooks.
//
// It behaves as the sqlite store does (the conformance suite in
// internal/storetest runs against both) and uses PostgreSQL for what SQLite
// does by serialising writers:
//
//   - Imports and rollbacks take one transaction-level advisory lock (lists
//     are numbered and their spans moved one import at a time); the watch
//     store's Update takes another, so that its transactions run one at a
//     time across replicas as they do on a SQLite file.
//   - The audit chain is linear because every append locks the chain's
//     head row (SELECT … FOR UPDATE) until it commits.
//   - Events are written under a shared advisory lock that the webhook
//     fan-out takes exclusively: identity values can commit out of order,
//     and the fan-out must not move its cursor past an event still being
//     written.
//   - Webhook deliveries are claimed with SELECT … FOR UPDATE SKIP LOCKED.
//   - Lead holds a session-level advisory lock on a connection of its own:
//     when the process dies, the connection closes and the lock is free.
//   - Changes to lists and keys are announced with NOTIFY in the
//     transaction that makes them (delivered at commit); Listen LISTENs.
//
// Schema changes are numbered SQL files in migrations/, applied in order
// when a store is opened (vigil migrate applies them by hand); a store
// refuses a database whose schema is newer than it knows.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/groupcommit"
)

// Store is a vigil.Backend in a PostgreSQL database. It is safe for
// concurrent use, also by several processes sharing the database.
type Store struct {
	pool *pgxpool.Pool
	cfg  *pgxpool.Config
	// aw appends audit records in groups (audit.go).
	aw        *groupcommit.Writer[vigil.AuditRecord]
	closeOnce sync.Once
	// from and to are the schema versions before and after Open migrated.
	from, to int

	// leadMu guards leads, the connections holding session advisory
	// locks (coord.go).
	leadMu sync.Mutex
	leads  map[string]*pgx.Conn
	closed bool

	// importHook, when set by tests, runs inside the import transaction
	// after all rows are written.
	importHook func() error
}

var _ vigil.Backend = (*Store)(nil)

// IsDSN reports whether s names a PostgreSQL database (a postgres:// or
// postgresql:// URL) rather than a SQLite file.
func IsDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Redact returns the DSN without its password, for logs and messages.
func Redact(dsn string) string {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return "postgres://…"
	}
	db := cfg.Database
	return fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, db)
}

// Open connects to the database named by dsn (a postgres:// URL; libpq's
// parameters and environment variables apply), migrates its schema to the
// current version and starts the audit writer.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if !IsDSN(dsn) {
		return nil, fmt.Errorf("postgres: %q is not a postgres:// URL", dsn)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", Redact(dsn), err)
	}
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = int32(max(8, 2*runtime.GOMAXPROCS(0)))
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", Redact(dsn), err)
	}
	s := &Store{pool: pool, cfg: cfg, leads: map[string]*pgx.Conn{}}
	if s.from, s.to, err = s.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %s: %w", Redact(dsn), err)
	}
	s.startAuditWriter()
	return s, nil
}

// Close stops the audit writer (after the batch it is writing; later
// appends fail), gives up the leads held and closes the connections.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.stopAuditWriter()
		s.leadMu.Lock()
		s.closed = true
		for name, c := range s.leads {
			c.Close(context.Background())
			delete(s.leads, name)
		}
		s.leadMu.Unlock()
		s.pool.Close()
	})
	return nil
}

// Migrated returns the schema version the database had when the store
// was opened and the version it has now.
func (s *Store) Migrated() (from, to int) { return s.from, s.to }

// openSpan is the "last" value of a span that is still open.
const openSpan = int64(1) << 62

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations are the migration scripts in order: file i (from 0) brings
// the schema from version i to i+1.
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

// Advisory lock keys (per database). Transaction-level locks serialise
// writers the way SQLite's write lock does; lockEvents is taken shared by
// event writers and exclusively by the webhook fan-out.
const (
	lockMigrate int64 = 0x76696769_6c000001 + iota
	lockLists
	lockWatch
	lockEvents
	lockJobs
	lockLinks
)

// leadKey is the session-level advisory lock key of a lead (coord.go):
// they live in their own key space (two int32 keys: 0x7669 and the name's
// hash).
const leadSpace = 0x7669

// migrate applies the migrations the database lacks in one transaction,
// under an advisory lock so that replicas starting together take turns,
// and records the version in vigil_schema.
func (s *Store) migrate(ctx context.Context) (from, to int, err error) {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", lockMigrate); err != nil {
		return 0, 0, err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS vigil_schema (
	id      integer PRIMARY KEY CHECK (id = 1),
	version integer NOT NULL)`); err != nil {
		return 0, 0, err
	}
	var have int
	err = tx.QueryRow(ctx, "SELECT version FROM vigil_schema WHERE id = 1").Scan(&have)
	if errors.Is(err, pgx.ErrNoRows) {
		have, err = 0, nil
	}
	if err != nil {
		return 0, 0, err
	}
	if have > len(migrations) {
		return have, have, fmt.Errorf("database schema version %d is newer than this program's %d", have, len(migrations))
	}
	if have == len(migrations) {
		return have, have, nil
	}
	for i := have; i < len(migrations); i++ {
		if _, err := tx.Exec(ctx, migrations[i]); err != nil {
			return have, have, fmt.Errorf("schema migration %d: %w", i+1, err)
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO vigil_schema (id, version) VALUES (1, $1)
ON CONFLICT (id) DO UPDATE SET version = excluded.version`, len(migrations)); err != nil {
		return have, have, err
	}
	if err := tx.Commit(ctx); err != nil {
		return have, have, err
	}
	return have, len(migrations), nil
}

// SchemaVersion returns the database's schema version.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.pool.QueryRow(ctx, "SELECT version FROM vigil_schema WHERE id = 1").Scan(&v)
	return v, err
}

// querier is what a pool, a connection and a transaction share.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// write runs fn in a read-committed transaction that first takes the
// transaction-level advisory lock key (0: none), committing when fn
// returns nil.
func (s *Store) write(ctx context.Context, key int64, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if key != 0 {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", key); err != nil {
			return err
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// snapshot runs fn in a read-only repeatable-read transaction: one
// consistent view of the database, as a SQLite read transaction gives.
func (s *Store) snapshot(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// notFound wraps vigil.ErrNotFound with what was looked for.
func notFound(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), vigil.ErrNotFound)
}

func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// notifyChannel is the channel changes are announced on (coord.go).
const notifyChannel = "vigil"

// notify announces topic to every listener once tx commits.
func notify(ctx context.Context, tx pgx.Tx, topic string) error {
	_, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", notifyChannel, topic)
	return err
}
