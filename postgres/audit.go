package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/groupcommit"
)

// The audit chain is kept as the sqlite store keeps it (records byte-exact
// in audit, the head in audit_head), so that a chain copied from one store
// to the other verifies. Every append locks the head row (SELECT … FOR
// UPDATE) in the transaction that writes the records and the new head:
// appenders in every replica take turns, and the chain stays linear.
//
// AppendAudit hands records to one writer goroutine per store, which
// writes whatever has queued while it was committing in one transaction
// (group commit) and answers each caller once that transaction committed.

var _ vigil.AuditLog = (*Store)(nil)

const maxAuditBatch = 1024

// errClosed is returned by a closed store.
var errClosed = fmt.Errorf("postgres: %w", groupcommit.ErrClosed)

func (s *Store) startAuditWriter() {
	s.aw = groupcommit.New(maxAuditBatch, s.writeAuditBatch)
}

func (s *Store) stopAuditWriter() {
	s.aw.Close()
}

// writeAuditBatch appends the batch's records in one transaction, in two
// round trips to the server rather than five (BEGIN and the head locked;
// then the records, the head and COMMIT): every audited request waits for
// it.
func (s *Store) writeAuditBatch(recs []vigil.AuditRecord) error {
	ctx := context.Background() // a record taken is written, whoever stopped waiting
	if err := s.pipelineAudit(ctx, recs); err != nil {
		return fmt.Errorf("postgres: audit: %w", err)
	}
	return nil
}

// AppendAudit appends rec to the chain and returns it with Seq, Prev and
// Hash once it is committed (see vigil.AuditLog).
func (s *Store) AppendAudit(ctx context.Context, rec vigil.AuditRecord) (vigil.AuditRecord, error) {
	rec, err := vigil.NormalizeAudit(rec, time.Now())
	if err != nil {
		return rec, fmt.Errorf("postgres: %w", err)
	}
	rec, err = s.aw.Append(ctx, rec)
	if errors.Is(err, groupcommit.ErrClosed) {
		err = errClosed
	}
	return rec, err
}

// appendAuditTx appends normalised records through tx: it locks and reads
// the head, chains the records to it and writes them and the new head.
func appendAuditTx(ctx context.Context, tx pgx.Tx, recs []vigil.AuditRecord) error {
	var seq int64
	var prev string
	if err := tx.QueryRow(ctx, lockHead).Scan(&seq, &prev); err != nil {
		return fmt.Errorf("reading the audit head: %w", err)
	}
	b := &pgx.Batch{}
	queueAudit(b, recs, seq, prev)
	return tx.SendBatch(ctx, b).Close()
}

// lockHead reads the chain's head and locks it until the transaction ends.
const lockHead = "SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE"

// pipelineAudit appends recs in a transaction of its own on a connection
// of the pool, sending it in two batches.
func (s *Store) pipelineAudit(ctx context.Context, recs []vigil.AuditRecord) (err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	defer func() {
		if err != nil {
			// Whatever failed, the connection leaves no transaction open.
			if _, rerr := conn.Exec(ctx, "ROLLBACK"); rerr != nil {
				conn.Conn().Close(ctx)
			}
		}
	}()
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	var seq int64
	var prev string
	b.Queue(lockHead).QueryRow(func(r pgx.Row) error { return r.Scan(&seq, &prev) })
	if err := conn.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("reading the audit head: %w", err)
	}
	b = &pgx.Batch{}
	queueAudit(b, recs, seq, prev)
	b.Queue("COMMIT")
	return conn.SendBatch(ctx, b).Close()
}

// queueAudit chains recs after the head (seq, prev) and queues their
// insertion and the new head.
func queueAudit(b *pgx.Batch, recs []vigil.AuditRecord, seq int64, prev string) {
	n := len(recs)
	seqs := make([]int64, n)
	times, whos, actions, queries, results, prevs, hashes := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i := range recs {
		r := &recs[i]
		seq++
		r.Seq, r.Prev = seq, prev
		r.Hash = vigil.AuditHash(*r)
		prev = r.Hash
		seqs[i], times[i], whos[i], actions[i] = r.Seq, r.Time.Format(vigil.AuditTimeFormat), r.Who, r.Action
		queries[i], results[i], prevs[i], hashes[i] = string(r.Query), string(r.Result), r.Prev, r.Hash
	}
	b.Queue(`INSERT INTO audit (seq, time, who, action, query, result, prev, hash)
SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])`,
		seqs, times, whos, actions, queries, results, prevs, hashes)
	b.Queue("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1", seq, prev)
}

// auditTx appends one record, for the actor ctx names, through tx: the
// transaction of the change it records.
func auditTx(ctx context.Context, tx pgx.Tx, action string, query, result any) error {
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
	return appendAuditTx(ctx, tx, []vigil.AuditRecord{rec})
}

const auditCols = "seq, time, who, action, query, result, prev, hash"

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
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Action != "" {
		where = append(where, "action = "+arg(f.Action))
	}
	if f.Who != "" {
		where = append(where, "who = "+arg(f.Who))
	}
	if f.Before > 0 {
		where = append(where, "seq < "+arg(f.Before))
	}
	q := "SELECT " + auditCols + " FROM audit"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY seq DESC"
	if f.Limit > 0 {
		q += " LIMIT " + arg(f.Limit)
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: reading the audit log: %w", err)
	}
	defer rows.Close()
	var out []vigil.AuditRecord
	for rows.Next() {
		rec, bad, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		if bad != "" {
			return nil, fmt.Errorf("postgres: audit record %d: malformed time %q (run vigil audit verify)", rec.Seq, bad)
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

// VerifyAudit walks the chain in seq order in one snapshot and checks it
// against the head.
func (s *Store) VerifyAudit(ctx context.Context) (vigil.AuditStatus, error) {
	var st vigil.AuditStatus
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		var err error
		st, err = verifyTx(ctx, tx)
		return err
	})
	return st, err
}

func verifyTx(ctx context.Context, tx pgx.Tx) (vigil.AuditStatus, error) {
	var headSeq int64
	var headHash string
	if err := tx.QueryRow(ctx, "SELECT seq, hash FROM audit_head WHERE id = 1").Scan(&headSeq, &headHash); err != nil {
		if isNoRows(err) {
			c := vigil.NewAuditChain()
			c.Status.Break = &vigil.AuditBreak{Seq: 1, Kind: vigil.BreakChanged, Detail: "the log's head is gone: the audit tables were altered"}
			return c.Status, nil
		}
		return vigil.AuditStatus{}, fmt.Errorf("postgres: reading the audit head: %w", err)
	}
	c := vigil.NewAuditChain()
	rows, err := tx.Query(ctx, "SELECT "+auditCols+" FROM audit ORDER BY seq")
	if err != nil {
		return vigil.AuditStatus{}, fmt.Errorf("postgres: reading the audit log: %w", err)
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
	rows.Close()
	if err := rows.Err(); err != nil {
		return vigil.AuditStatus{}, fmt.Errorf("postgres: reading the audit log: %w", err)
	}
	if b := c.Status.Break; b != nil {
		if b.Kind == vigil.BreakUnlinked {
			var p int64
			err := tx.QueryRow(ctx, "SELECT seq FROM audit WHERE hash = $1 AND seq <> $2 ORDER BY seq LIMIT 1", unlinked.Prev, unlinked.Seq).Scan(&p)
			switch {
			case err == nil:
				b.Kind = vigil.BreakReordered
				b.Detail = fmt.Sprintf("it carries the hash of record %d, so it belongs after record %d: the records were reordered", p, p)
			case !isNoRows(err):
				return vigil.AuditStatus{}, fmt.Errorf("postgres: reading the audit log: %w", err)
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
	return s.snapshot(ctx, func(tx pgx.Tx) error {
		from := int64(1)
		if !since.IsZero() {
			var first *int64
			if err := tx.QueryRow(ctx, "SELECT MIN(seq) FROM audit WHERE time >= $1",
				since.UTC().Truncate(time.Microsecond).Format(vigil.AuditTimeFormat)).Scan(&first); err != nil {
				return fmt.Errorf("postgres: reading the audit log: %w", err)
			}
			if first == nil {
				return nil
			}
			from = *first
		}
		rows, err := tx.Query(ctx, "SELECT "+auditCols+" FROM audit WHERE seq >= $1 ORDER BY seq", from)
		if err != nil {
			return fmt.Errorf("postgres: reading the audit log: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			rec, bad, err := scanAudit(rows)
			if err != nil {
				return err
			}
			if bad != "" {
				return fmt.Errorf("postgres: audit record %d: malformed time %q (run vigil audit verify)", rec.Seq, bad)
			}
			if err := fn(rec); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
