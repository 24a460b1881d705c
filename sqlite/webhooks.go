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
)

var _ vigil.WebhookStore = (*Store)(nil)

// ms is a time as stored in the webhook tables: Unix milliseconds (0 for
// the zero time).
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// fromMS reverses ms.
func fromMS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

// write runs fn in a write transaction, serialised with the store's other
// writers.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// CreateWebhook stores a webhook and its first secret (see
// vigil.WebhookStore).
func (s *Store) CreateWebhook(ctx context.Context, w vigil.Webhook, sec vigil.WebhookSecret) (vigil.Webhook, error) {
	if w.ID == "" || w.URL == "" || len(w.Events) == 0 {
		return w, errors.New("sqlite: create webhook: id, url and events are required")
	}
	if len(sec.Sealed) == 0 {
		return w, errors.New("sqlite: create webhook: no secret")
	}
	if w.Created.IsZero() {
		w.Created = time.Now()
	}
	w.Created = w.Created.UTC().Truncate(time.Millisecond)
	err := s.write(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM events").Scan(&w.AfterEvent); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO webhooks (id, url, insecure, created, after_event) VALUES (?, ?, ?, ?, ?)",
			w.ID, w.URL, w.Insecure, ms(w.Created), w.AfterEvent); err != nil {
			return err
		}
		for _, typ := range w.Events {
			if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO webhook_events (webhook_id, type) VALUES (?, ?)", w.ID, typ); err != nil {
				return err
			}
		}
		return insertSecret(ctx, tx, w.ID, sec, w.Created)
	})
	if err != nil {
		return w, fmt.Errorf("sqlite: create webhook: %w", err)
	}
	return s.Webhook(ctx, w.ID)
}

func insertSecret(ctx context.Context, tx *sql.Tx, id string, sec vigil.WebhookSecret, now time.Time) error {
	if sec.Created.IsZero() {
		sec.Created = now
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO webhook_secrets (webhook_id, sealed, created) VALUES (?, ?, ?)",
		id, sec.Sealed, ms(sec.Created))
	return err
}

// Webhook returns one webhook (see vigil.WebhookStore).
func (s *Store) Webhook(ctx context.Context, id string) (vigil.Webhook, error) {
	ws, err := s.webhooks(ctx, "WHERE w.id = ?", id)
	if err != nil {
		return vigil.Webhook{}, err
	}
	if len(ws) == 0 {
		return vigil.Webhook{}, notFound("webhook %q", id)
	}
	return ws[0], nil
}

// Webhooks returns the active webhooks, and the removed ones when removed
// is true, oldest first.
func (s *Store) Webhooks(ctx context.Context, removed bool) ([]vigil.Webhook, error) {
	if removed {
		return s.webhooks(ctx, "")
	}
	return s.webhooks(ctx, "WHERE w.removed = 0")
}

func (s *Store) webhooks(ctx context.Context, where string, args ...any) ([]vigil.Webhook, error) {
	now := ms(time.Now())
	rows, err := s.db.QueryContext(ctx, `
SELECT w.id, w.url, w.insecure, w.created, w.after_event, w.removed,
	(SELECT group_concat(type, ',') FROM (SELECT type FROM webhook_events WHERE webhook_id = w.id ORDER BY type)),
	(SELECT COUNT(*) FROM webhook_secrets WHERE webhook_id = w.id AND (expires = 0 OR expires > ?)),
	(SELECT COALESCE(MAX(expires), 0) FROM webhook_secrets WHERE webhook_id = w.id AND expires > ?)
FROM webhooks w `+where+` ORDER BY w.created, w.id`, append([]any{now, now}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vigil.Webhook
	for rows.Next() {
		var w vigil.Webhook
		var created, removed, ends int64
		var events sql.NullString
		if err := rows.Scan(&w.ID, &w.URL, &w.Insecure, &created, &w.AfterEvent, &removed, &events, &w.Secrets, &ends); err != nil {
			return nil, err
		}
		w.Created, w.Removed, w.RotationEnds = fromMS(created), fromMS(removed), fromMS(ends)
		if events.String != "" {
			w.Events = strings.Split(events.String, ",")
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// RemoveWebhook marks a webhook removed, deletes its secrets and cancels
// its pending deliveries.
func (s *Store) RemoveWebhook(ctx context.Context, id string, at time.Time) error {
	if at.IsZero() {
		at = time.Now()
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE webhooks SET removed = ? WHERE id = ? AND removed = 0", ms(at), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("active webhook %q", id)
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM webhook_secrets WHERE webhook_id = ?", id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE webhook_deliveries SET state = 'cancelled', sending = 0 WHERE webhook_id = ? AND state = 'pending'", id)
		return err
	})
}

// activeWebhook fails with ErrNotFound unless id is an active webhook.
func activeWebhook(ctx context.Context, tx *sql.Tx, id string) error {
	var one int
	err := tx.QueryRowContext(ctx, "SELECT 1 FROM webhooks WHERE id = ? AND removed = 0", id).Scan(&one)
	if isNoRows(err) {
		return notFound("active webhook %q", id)
	}
	return err
}

// RotateWebhookSecret adds a secret; the ones in force keep signing until
// oldUntil.
func (s *Store) RotateWebhookSecret(ctx context.Context, id string, sec vigil.WebhookSecret, oldUntil time.Time) error {
	if len(sec.Sealed) == 0 {
		return errors.New("sqlite: rotate webhook secret: no secret")
	}
	now := time.Now()
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := activeWebhook(ctx, tx, id); err != nil {
			return err
		}
		until := max(ms(oldUntil), 1) // never 0, which means "no end"
		if _, err := tx.ExecContext(ctx, "UPDATE webhook_secrets SET expires = ? WHERE webhook_id = ? AND (expires = 0 OR expires > ?)",
			until, id, until); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM webhook_secrets WHERE webhook_id = ? AND expires != 0 AND expires <= ?", id, ms(now)); err != nil {
			return err
		}
		return insertSecret(ctx, tx, id, sec, now)
	})
}

// FinishWebhookRotation deletes every secret of the webhook but the newest.
func (s *Store) FinishWebhookRotation(ctx context.Context, id string) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := activeWebhook(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM webhook_secrets WHERE webhook_id = ?
	AND id != (SELECT MAX(id) FROM webhook_secrets WHERE webhook_id = ?)`, id, id)
		return err
	})
}

// EnqueueDeliveries fans the events past the cursor out into deliveries
// (see vigil.WebhookStore).
func (s *Store) EnqueueDeliveries(ctx context.Context, limit int, now time.Time) (events, deliveries int, err error) {
	if limit <= 0 {
		limit = 1000
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		var cursor int64
		if err := tx.QueryRowContext(ctx, "SELECT last_event FROM webhook_cursor WHERE id = 1").Scan(&cursor); err != nil {
			return err
		}
		var upto sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT MAX(id), COUNT(*) FROM (SELECT id FROM events WHERE id > ? ORDER BY id LIMIT ?)",
			cursor, limit).Scan(&upto, &events); err != nil {
			return err
		}
		if !upto.Valid {
			return nil
		}
		res, err := tx.ExecContext(ctx, `
INSERT INTO webhook_deliveries (webhook_id, event_id, state, next_at, created)
SELECT w.id, e.id, 'pending', ?, ?
FROM events e
JOIN webhook_events we ON we.type = e.type
JOIN webhooks w ON w.id = we.webhook_id AND w.removed = 0 AND e.id > w.after_event
WHERE e.id > ? AND e.id <= ?
ORDER BY e.id, w.id
ON CONFLICT (webhook_id, event_id) DO NOTHING`, ms(now), ms(now), cursor, upto.Int64)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		deliveries = int(n)
		_, err = tx.ExecContext(ctx, "UPDATE webhook_cursor SET last_event = ? WHERE id = 1", upto.Int64)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: enqueue deliveries: %w", err)
	}
	return events, deliveries, nil
}

// InterruptedAttempt is the error logged for a try whose outcome was not
// recorded within its lease (its sender stopped or stalled), found when the
// delivery is claimed again.
const InterruptedAttempt = "interrupted: no outcome was recorded within the lease (the sender stopped or stalled); the receiver may have received it"

// ClaimDeliveries claims due deliveries (see vigil.WebhookStore). A claim
// of a delivery whose last sender stopped mid-flight logs that try as
// interrupted.
func (s *Store) ClaimDeliveries(ctx context.Context, now, leaseEnd time.Time, limit int) ([]vigil.DeliveryClaim, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []vigil.DeliveryClaim
	err := s.write(ctx, func(tx *sql.Tx) error {
		// SQLite's write lock already makes this select-then-update
		// exclusive; the PostgreSQL store selects with FOR UPDATE SKIP
		// LOCKED instead. Without INDEXED BY the planner picks the state
		// index and sorts every pending delivery on each claim.
		rows, err := tx.QueryContext(ctx, `
SELECT d.id, d.webhook_id, d.event_id, d.sending, d.created
FROM webhook_deliveries d INDEXED BY webhook_deliveries_due
JOIN webhooks w ON w.id = d.webhook_id AND w.removed = 0
WHERE d.state = 'pending' AND d.next_at <= ?
ORDER BY d.next_at, d.id LIMIT ?`, ms(now), limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c vigil.DeliveryClaim
			var created int64
			if err := rows.Scan(&c.ID, &c.WebhookID, &c.EventID, &c.Interrupted, &created); err != nil {
				rows.Close()
				return err
			}
			c.State, c.NextAt, c.Created = vigil.DeliveryPending, fromMS(ms(leaseEnd)), fromMS(created)
			out = append(out, c)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
		for i := range out {
			c := &out[i]
			if err := tx.QueryRowContext(ctx, `UPDATE webhook_deliveries
SET tries = tries + 1, lease = lease + 1, sending = 1, next_at = ? WHERE id = ? RETURNING tries, lease`,
				ms(leaseEnd), c.ID).Scan(&c.Tries, &c.Lease); err != nil {
				return err
			}
			if c.Interrupted {
				if _, err := tx.ExecContext(ctx, "INSERT INTO webhook_attempts (delivery_id, at, ms, status, error) VALUES (?, ?, 0, 0, ?)",
					c.ID, ms(now), InterruptedAttempt); err != nil {
					return err
				}
			}
		}
		for i := range out {
			if err := fillClaim(ctx, tx, &out[i], now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim deliveries: %w", err)
	}
	return out, nil
}

// fillClaim reads a claim's webhook, secrets and event.
func fillClaim(ctx context.Context, tx *sql.Tx, c *vigil.DeliveryClaim, now time.Time) error {
	if err := tx.QueryRowContext(ctx, "SELECT url, insecure FROM webhooks WHERE id = ?", c.WebhookID).Scan(&c.URL, &c.Insecure); err != nil {
		return err
	}
	var t, data string
	if err := tx.QueryRowContext(ctx, "SELECT id, type, time, data FROM events WHERE id = ?", c.EventID).
		Scan(&c.Event.ID, &c.Event.Type, &t, &data); err != nil {
		return fmt.Errorf("event %d: %w", c.EventID, err)
	}
	var err error
	if c.Event.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
		return fmt.Errorf("event %d: time: %w", c.EventID, err)
	}
	c.Event.Data = json.RawMessage(data)
	c.EventType = c.Event.Type
	rows, err := tx.QueryContext(ctx, `SELECT sealed, created FROM webhook_secrets
WHERE webhook_id = ? AND (expires = 0 OR expires > ?) ORDER BY id DESC`, c.WebhookID, ms(now))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var sec vigil.WebhookSecret
		var created int64
		if err := rows.Scan(&sec.Sealed, &created); err != nil {
			return err
		}
		sec.Created = fromMS(created)
		c.Secrets = append(c.Secrets, sec)
	}
	return rows.Err()
}

// FinishDelivery records a claim's outcome (see vigil.WebhookStore).
func (s *Store) FinishDelivery(ctx context.Context, r vigil.DeliveryResult) error {
	switch r.State {
	case vigil.DeliveryPending, vigil.DeliveryDelivered, vigil.DeliveryDead:
	default:
		return fmt.Errorf("sqlite: finish delivery %d: state %q", r.DeliveryID, r.State)
	}
	var stale bool
	err := s.write(ctx, func(tx *sql.Tx) error {
		if !r.Attempt.At.IsZero() {
			a := r.Attempt
			if _, err := tx.ExecContext(ctx, "INSERT INTO webhook_attempts (delivery_id, at, ms, status, error) VALUES (?, ?, ?, ?, ?)",
				r.DeliveryID, ms(a.At), a.Millis, a.Status, a.Error); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = ?, tries = ?, next_at = ?, sending = 0
WHERE id = ? AND lease = ? AND state = 'pending'`, string(r.State), r.Tries, ms(r.NextAt), r.DeliveryID, r.Lease)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		stale = n == 0
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: finish delivery %d: %w", r.DeliveryID, err)
	}
	if stale {
		return fmt.Errorf("delivery %d, lease %d: %w", r.DeliveryID, r.Lease, vigil.ErrStaleLease)
	}
	return nil
}

// Deliveries returns deliveries from the log, newest first, with their
// attempts.
func (s *Store) Deliveries(ctx context.Context, f vigil.DeliveryFilter) ([]vigil.Delivery, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	var where []string
	var args []any
	if f.WebhookID != "" {
		where, args = append(where, "d.webhook_id = ?"), append(args, f.WebhookID)
	}
	if f.State != "" {
		where, args = append(where, "d.state = ?"), append(args, string(f.State))
	}
	q := `SELECT d.id, d.webhook_id, d.event_id, e.type, d.state, d.tries, d.next_at, d.created
FROM webhook_deliveries d JOIN events e ON e.id = d.event_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY d.id DESC LIMIT ?"
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, q, append(args, f.Limit)...)
	if err != nil {
		return nil, err
	}
	var out []vigil.Delivery
	index := map[int64]int{}
	for rows.Next() {
		var d vigil.Delivery
		var state string
		var next, created int64
		if err := rows.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.EventType, &state, &d.Tries, &next, &created); err != nil {
			rows.Close()
			return nil, err
		}
		d.State, d.Created = vigil.DeliveryState(state), fromMS(created)
		if d.State == vigil.DeliveryPending {
			d.NextAt = fromMS(next)
		}
		d.Attempts = []vigil.DeliveryAttempt{}
		index[d.ID] = len(out)
		out = append(out, d)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	// The attempts of the deliveries listed, a chunk of ids at a time.
	for lo := 0; lo < len(out); lo += 500 {
		chunk := out[lo:min(lo+500, len(out))]
		ids := make([]any, len(chunk))
		for i, d := range chunk {
			ids[i] = d.ID
		}
		rows, err := tx.QueryContext(ctx, `SELECT delivery_id, at, ms, status, error FROM webhook_attempts
WHERE delivery_id IN (?`+strings.Repeat(", ?", len(ids)-1)+`) ORDER BY id`, ids...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id, at int64
			var a vigil.DeliveryAttempt
			if err := rows.Scan(&id, &at, &a.Millis, &a.Status, &a.Error); err != nil {
				rows.Close()
				return nil, err
			}
			a.At = fromMS(at)
			d := &out[index[id]]
			d.Attempts = append(d.Attempts, a)
		}
		if err := closeRows(rows); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// RetryDelivery makes a dead delivery pending again (see
// vigil.WebhookStore).
func (s *Store) RetryDelivery(ctx context.Context, id int64, now time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'pending', tries = 0, sending = 0, next_at = ?
WHERE id = ? AND state = 'dead' AND webhook_id IN (SELECT id FROM webhooks WHERE removed = 0)`, ms(now), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("dead delivery %d of an active webhook", id)
		}
		return nil
	})
}

// closeRows closes rows read to the end, returning the iteration's error.
func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}
