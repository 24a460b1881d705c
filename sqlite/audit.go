package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/groupcommit"
)

// The audit log is a hash chain (vigil.AuditRecord, docs/audit.md) in the
// audit table, with its head (the last record's seq and hash) in
// audit_head. Every append, whether through AppendAudit or inside the
// transaction of the change it records (an import, a key change), reads the
// head and writes the records and the new head in one write transaction:
// SQLite lets one write transaction run at a time across processes, so the
// chain stays linear however many processes append.
//
// AppendAudit hands records to one writer goroutine, which takes whatever
// has queued up while it was committing and writes it in one transaction
// (group commit), and returns once that transaction has committed. Like
// every write of the store (WAL, synchronous=NORMAL) a commit survives a
// crash of the process; an OS crash or power cut may lose the last commits
// before a checkpoint. synchronous=FULL would fsync every commit: on this
// machine's shared disk a commit then took 15-60 ms, and 64 clients waiting
// for it got half the throughput (docs/performance.md).

var _ vigil.AuditLog = (*Store)(nil)

// maxAuditBatch caps the records written in one transaction.
const maxAuditBatch = 1024

// auditWriter appends the records: a group-commit writer, and the
// connection and statements it writes with (touched by its goroutine only).
type auditWriter struct {
	*groupcommit.Writer[vigil.AuditRecord]
	conn  *sql.Conn         // the writer's own connection
	stmts map[int]*sql.Stmt // its statements: INSERTs by row count, the head's
}

func (s *Store) startAuditWriter() {
	s.aw = &auditWriter{}
	s.aw.Writer = groupcommit.New(maxAuditBatch, s.writeAuditBatch)
}

// stopAuditWriter stops the writer after the batch it is writing.
func (s *Store) stopAuditWriter() {
	s.closeOnce.Do(func() {
		s.aw.Close()
		if s.aw.conn != nil {
			s.closeAuditConn()
		}
	})
}

// writeAuditBatch appends the batch's records in one transaction on the
// writer's connection, setting each one's Seq, Prev and Hash.
func (s *Store) writeAuditBatch(recs []vigil.AuditRecord) error {
	ctx := context.Background() // a record taken is written, whoever stopped waiting
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aw.conn == nil {
		if err := s.openAuditConn(ctx); err != nil {
			return fmt.Errorf("sqlite: audit: %w", err)
		}
	}
	// The batch's transaction runs on the writer's connection itself, not
	// through a database/sql Tx: Tx.Stmt prepares a statement prepared on a
	// Conn again for every transaction, and parsing a 64-row INSERT cost
	// more than writing it.
	err := func() error {
		conn := s.aw.conn
		if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
			return err
		}
		err := appendAuditTx(ctx, conn, recs, s.aw.stmts)
		if err == nil {
			_, err = conn.ExecContext(ctx, "COMMIT")
		}
		if err != nil {
			conn.ExecContext(ctx, "ROLLBACK")
		}
		return err
	}()
	if err != nil {
		// Start the next batch on a fresh connection.
		s.closeAuditConn()
		return fmt.Errorf("sqlite: audit: %w", err)
	}
	return nil
}

// openAuditConn takes the writer's connection from the pool and prepares
// its INSERT statements.
func (s *Store) openAuditConn(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	s.aw.conn, s.aw.stmts = conn, map[int]*sql.Stmt{}
	queries := map[int]string{stmtReadHead: sqlReadHead, stmtWriteHead: sqlWriteHead}
	for _, n := range auditChunks {
		queries[n] = auditInsert(n)
	}
	for n, q := range queries {
		st, err := conn.PrepareContext(ctx, q)
		if err != nil {
			s.closeAuditConn()
			return err
		}
		s.aw.stmts[n] = st
	}
	return nil
}

// The head's statements, prepared on the writer's connection beside the
// INSERTs (keys of its stmts below any chunk size): preparing them for
// every batch cost about 2% of the service's CPU at 64 clients.
const (
	stmtReadHead  = -1
	stmtWriteHead = -2
	sqlReadHead   = "SELECT seq, hash FROM audit_head WHERE id = 1"
	sqlWriteHead  = "UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1"
)

// execQuerier is a transaction, or the writer's connection inside one.
type execQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) closeAuditConn() {
	for _, st := range s.aw.stmts {
		st.Close()
	}
	s.aw.conn.Close()
	s.aw.conn, s.aw.stmts = nil, nil
}

// AppendAudit appends rec to the chain and returns it with Seq, Prev and
// Hash once it is on disk (see vigil.AuditLog). Records appended at the same
// time share one transaction.
func (s *Store) AppendAudit(ctx context.Context, rec vigil.AuditRecord) (vigil.AuditRecord, error) {
	rec, err := vigil.NormalizeAudit(rec, time.Now())
	if err != nil {
		return rec, fmt.Errorf("sqlite: %w", err)
	}
	rec, err = s.aw.Append(ctx, rec)
	if errors.Is(err, groupcommit.ErrClosed) {
		err = fmt.Errorf("sqlite: %w", err)
	}
	return rec, err
}

// auditChunks are the row counts of the multi-row INSERT statements a
// batch is written with, largest first: one statement per chunk instead of
// one per record.
var auditChunks = [...]int{64, 16, 4, 1}

// auditInsert returns the INSERT statement for n records.
func auditInsert(n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO audit (seq, time, who, action, query, result, prev, hash) VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?)")
	}
	return b.String()
}

// appendAuditTx appends normalised records through tx: it reads the head,
// chains the records to it and writes them and the new head. recs get their
// Seq, Prev and Hash. stmts, when not nil, holds the statements of the
// head and the INSERTs of auditChunks prepared on tx, then the writer's
// connection.
func appendAuditTx(ctx context.Context, tx execQuerier, recs []vigil.AuditRecord, stmts map[int]*sql.Stmt) error {
	var seq int64
	var prev string
	var row *sql.Row
	if st := stmts[stmtReadHead]; st != nil {
		row = st.QueryRowContext(ctx)
	} else {
		row = tx.QueryRowContext(ctx, sqlReadHead)
	}
	if err := row.Scan(&seq, &prev); err != nil {
		return fmt.Errorf("reading the audit head: %w", err)
	}
	for i := range recs {
		r := &recs[i]
		seq++
		r.Seq, r.Prev = seq, prev
		r.Hash = vigil.AuditHash(*r)
		prev = r.Hash
	}
	args := make([]any, 0, 8*min(len(recs), auditChunks[0]))
	for rest := recs; len(rest) > 0; {
		n := auditChunks[len(auditChunks)-1]
		for _, c := range auditChunks {
			if c <= len(rest) {
				n = c
				break
			}
		}
		args = args[:0]
		for _, r := range rest[:n] {
			args = append(args, r.Seq, r.Time.Format(vigil.AuditTimeFormat), r.Who, r.Action, string(r.Query), string(r.Result), r.Prev, r.Hash)
		}
		var err error
		if st := stmts[n]; st != nil {
			_, err = st.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, auditInsert(n), args...)
		}
		if err != nil {
			return fmt.Errorf("writing audit records %d to %d: %w", rest[0].Seq, rest[n-1].Seq, err)
		}
		rest = rest[n:]
	}
	var err error
	if st := stmts[stmtWriteHead]; st != nil {
		_, err = st.ExecContext(ctx, seq, prev)
	} else {
		_, err = tx.ExecContext(ctx, sqlWriteHead, seq, prev)
	}
	if err != nil {
		return fmt.Errorf("writing the audit head: %w", err)
	}
	return nil
}

// auditTx appends one record, for the actor ctx names (vigil.WithActor),
// through tx: the transaction of the change it records, so that the change
// and its record are written together or not at all.
func auditTx(ctx context.Context, tx *sql.Tx, action string, query, result any) error {
	q, err := json.Marshal(query)
	if err != nil {
		return err
	}
	r, err := json.Marshal(result)
	if err != nil {
		return err
	}
	rec, err := vigil.NormalizeAudit(vigil.AuditRecord{Who: vigil.ActorFrom(ctx), Action: action, Query: q, Result: r}, time.Now())
	if err != nil {
		return err
	}
	return appendAuditTx(ctx, tx, []vigil.AuditRecord{rec}, nil)
}

const auditCols = "seq, time, who, action, query, result, prev, hash"

// scanAudit reads one row of auditCols. A time that is not in
// vigil.AuditTimeFormat is returned as bad, for the caller to report.
func scanAudit(sc interface{ Scan(...any) error }) (rec vigil.AuditRecord, badTime string, err error) {
	var t, q, r string
	if err := sc.Scan(&rec.Seq, &t, &rec.Who, &rec.Action, &q, &r, &rec.Prev, &rec.Hash); err != nil {
		return rec, "", err
	}
	rec.Query, rec.Result = json.RawMessage(q), json.RawMessage(r)
	tm, perr := time.Parse(vigil.AuditTimeFormat, t)
	if perr != nil || tm.Format(vigil.AuditTimeFormat) != t {
		return rec, t, nil
	}
	rec.Time = tm
	return rec, "", nil
}

// AuditLog returns the records f selects, newest first.
func (s *Store) AuditLog(ctx context.Context, f vigil.AuditFilter) ([]vigil.AuditRecord, error) {
	var where []string
	var args []any
	if f.Action != "" {
		where, args = append(where, "action = ?"), append(args, f.Action)
	}
	if f.Who != "" {
		where, args = append(where, "who = ?"), append(args, f.Who)
	}
	if f.Before > 0 {
		where, args = append(where, "seq < ?"), append(args, f.Before)
	}
	q := "SELECT " + auditCols + " FROM audit"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.QueryContext(ctx, q+" ORDER BY seq DESC LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading the audit log: %w", err)
	}
	defer rows.Close()
	var out []vigil.AuditRecord
	for rows.Next() {
		rec, bad, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		if bad != "" {
			return nil, fmt.Errorf("sqlite: audit record %d: malformed time %q (run vigil audit verify)", rec.Seq, bad)
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// VerifyAudit walks the chain in seq order, in one read transaction (a
// consistent snapshot while others append), and checks it against the head.
func (s *Store) VerifyAudit(ctx context.Context) (vigil.AuditStatus, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return vigil.AuditStatus{}, err
	}
	defer tx.Rollback()
	var headSeq int64
	var headHash string
	if err := tx.QueryRowContext(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		if isNoRows(err) {
			c := vigil.NewAuditChain()
			c.Status.Break = &vigil.AuditBreak{Seq: 1, Kind: vigil.BreakChanged, Detail: "the log's head is gone: the audit tables were altered"}
			return c.Status, nil
		}
		return vigil.AuditStatus{}, fmt.Errorf("sqlite: reading the audit head: %w", err)
	}
	c := vigil.NewAuditChain()
	rows, err := tx.QueryContext(ctx, "SELECT "+auditCols+" FROM audit ORDER BY seq")
	if err != nil {
		return vigil.AuditStatus{}, fmt.Errorf("sqlite: reading the audit log: %w", err)
	}
	var unlinked vigil.AuditRecord
	for rows.Next() {
		rec, bad, err := scanAudit(rows)
		if err != nil {
			rows.Close()
			return vigil.AuditStatus{}, err
		}
		if bad != "" {
			c.Status.Break = &vigil.AuditBreak{Seq: rec.Seq, Kind: vigil.BreakChanged,
				Detail: fmt.Sprintf("its time %q is not in the stored form: it was changed", bad)}
			break
		}
		if b := c.Add(rec); b != nil {
			unlinked = rec
			break
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return vigil.AuditStatus{}, fmt.Errorf("sqlite: reading the audit log: %w", err)
	}
	rows.Close()
	if b := c.Status.Break; b != nil {
		if b.Kind == vigil.BreakUnlinked {
			// The record carries some record's hash: if that record is
			// elsewhere in the chain, the two were reordered.
			var p int64
			err := tx.QueryRowContext(ctx, "SELECT seq FROM audit WHERE hash = ? AND seq <> ? ORDER BY seq LIMIT 1", unlinked.Prev, unlinked.Seq).Scan(&p)
			switch {
			case err == nil:
				b.Kind = vigil.BreakReordered
				b.Detail = fmt.Sprintf("it carries the hash of record %d, so it belongs after record %d: the records were reordered", p, p)
			case !isNoRows(err):
				return vigil.AuditStatus{}, fmt.Errorf("sqlite: reading the audit log: %w", err)
			}
		}
		return c.Status, nil
	}
	c.End(headSeq, headHash)
	return c.Status, nil
}

// ExportAudit calls fn with the records from the first whose time is at or
// after since, oldest first (see vigil.AuditLog).
func (s *Store) ExportAudit(ctx context.Context, since time.Time, fn func(vigil.AuditRecord) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	from := int64(1)
	if !since.IsZero() {
		// Times are in a fixed-width form, so they compare as text.
		var first sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT MIN(seq) FROM audit WHERE time >= ?",
			since.UTC().Truncate(time.Microsecond).Format(vigil.AuditTimeFormat)).Scan(&first); err != nil {
			return fmt.Errorf("sqlite: reading the audit log: %w", err)
		}
		if !first.Valid {
			return nil
		}
		from = first.Int64
	}
	rows, err := tx.QueryContext(ctx, "SELECT "+auditCols+" FROM audit WHERE seq >= ? ORDER BY seq", from)
	if err != nil {
		return fmt.Errorf("sqlite: reading the audit log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		rec, bad, err := scanAudit(rows)
		if err != nil {
			return err
		}
		if bad != "" {
			return fmt.Errorf("sqlite: audit record %d: malformed time %q (run vigil audit verify)", rec.Seq, bad)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return rows.Err()
}

// chainUnchained moves the records written before the log was a chain
// (migration 0004 kept them in audit_unchained) onto the chain, oldest
// first, in one transaction. The records name their API key ("key:ID"), or
// "unknown" where the service ran without keys.
func (s *Store) chainUnchained(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, "SELECT id, time, key_id, action, query, result FROM audit_unchained ORDER BY id")
	if err != nil {
		return fmt.Errorf("reading the unchained audit records: %w", err)
	}
	var recs []vigil.AuditRecord
	for rows.Next() {
		var id int64
		var t, key, action, q, r string
		if err := rows.Scan(&id, &t, &key, &action, &q, &r); err != nil {
			rows.Close()
			return err
		}
		rec := vigil.AuditRecord{Who: "unknown", Action: action, Query: json.RawMessage(q), Result: json.RawMessage(r)}
		if key != "" {
			rec.Who = "key:" + key
		}
		if rec.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
			rows.Close()
			return fmt.Errorf("unchained audit record %d: time %q: %w", id, t, err)
		}
		if rec, err = vigil.NormalizeAudit(rec, time.Time{}); err != nil {
			rows.Close()
			return fmt.Errorf("unchained audit record %d: %w", id, err)
		}
		recs = append(recs, rec)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(recs) == 0 {
		return nil
	}
	if err := appendAuditTx(ctx, tx, recs, nil); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM audit_unchained"); err != nil {
		return err
	}
	return tx.Commit()
}
