package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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

func fromMS(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

// CreateWebhook stores a webhook and its first secret (see
// vigil.WebhookStore). AfterEvent is read under the events lock, so that
// no event still being written can fall below it.
func (s *Store) CreateWebhook(ctx context.Context, w vigil.Webhook, sec vigil.WebhookSecret) (vigil.Webhook, error) {
	if w.ID == "" || w.URL == "" || len(w.Events) == 0 {
		return w, errors.New("postgres: create webhook: id, url and events are required")
	}
	if len(sec.Sealed) == 0 {
		return w, errors.New("postgres: create webhook: no secret")
	}
	if w.Created.IsZero() {
		w.Created = time.Now()
	}
	w.Created = w.Created.UTC().Truncate(time.Millisecond)
	err := s.write(ctx, lockEvents, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(id), 0) FROM events").Scan(&w.AfterEvent); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO webhooks (id, url, insecure, created, after_event) VALUES ($1, $2, $3, $4, $5)",
			w.ID, w.URL, w.Insecure, ms(w.Created), w.AfterEvent); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_events (webhook_id, type) SELECT $1, unnest($2::text[])
ON CONFLICT DO NOTHING`, w.ID, w.Events); err != nil {
			return err
		}
		return insertSecret(ctx, tx, w.ID, sec, w.Created)
	})
	if err != nil {
		return w, fmt.Errorf("postgres: create webhook: %w", err)
	}
	return s.Webhook(ctx, w.ID)
}

func insertSecret(ctx context.Context, tx pgx.Tx, id string, sec vigil.WebhookSecret, now time.Time) error {
	if sec.Created.IsZero() {
		sec.Created = now
	}
	_, err := tx.Exec(ctx, "INSERT INTO webhook_secrets (webhook_id, sealed, created) VALUES ($1, $2, $3)",
		id, sec.Sealed, ms(sec.Created))
	return err
}

// Webhook returns one webhook (see vigil.WebhookStore).
func (s *Store) Webhook(ctx context.Context, id string) (vigil.Webhook, error) {
	ws, err := s.webhooks(ctx, "WHERE w.id = $2", id)
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

// webhooks reads webhooks; $1 is now, where's own arguments follow.
func (s *Store) webhooks(ctx context.Context, where string, args ...any) ([]vigil.Webhook, error) {
	now := ms(time.Now())
	rows, err := s.pool.Query(ctx, `
SELECT w.id, w.url, w.insecure, w.created, w.after_event, w.removed,
	(SELECT string_agg(type, ',' ORDER BY type) FROM webhook_events WHERE webhook_id = w.id),
	(SELECT COUNT(*) FROM webhook_secrets WHERE webhook_id = w.id AND (expires = 0 OR expires > $1)),
	(SELECT COALESCE(MAX(expires), 0) FROM webhook_secrets WHERE webhook_id = w.id AND expires > $1)
FROM webhooks w `+where+` ORDER BY w.created, w.id`, append([]any{now}, args...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vigil.Webhook
	for rows.Next() {
		var w vigil.Webhook
		var created, removed, ends int64
		var events *string
		if err := rows.Scan(&w.ID, &w.URL, &w.Insecure, &created, &w.AfterEvent, &removed, &events, &w.Secrets, &ends); err != nil {
			return nil, err
		}
		w.Created, w.Removed, w.RotationEnds = fromMS(created), fromMS(removed), fromMS(ends)
		if events != nil && *events != "" {
			w.Events = strings.Split(*events, ",")
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
	return s.write(ctx, 0, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "UPDATE webhooks SET removed = $1 WHERE id = $2 AND removed = 0", ms(at), id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return notFound("active webhook %q", id)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM webhook_secrets WHERE webhook_id = $1", id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE webhook_deliveries SET state = 'cancelled', sending = false WHERE webhook_id = $1 AND state = 'pending'", id)
		return err
	})
}

// activeWebhook locks an active webhook's row, or fails with ErrNotFound.
func activeWebhook(ctx context.Context, tx pgx.Tx, id string) error {
	var one int
	err := tx.QueryRow(ctx, "SELECT 1 FROM webhooks WHERE id = $1 AND removed = 0 FOR UPDATE", id).Scan(&one)
	if isNoRows(err) {
		return notFound("active webhook %q", id)
	}
	return err
}

// RotateWebhookSecret adds a secret; the ones in force keep signing until
// oldUntil.
func (s *Store) RotateWebhookSecret(ctx context.Context, id string, sec vigil.WebhookSecret, oldUntil time.Time) error {
	if len(sec.Sealed) == 0 {
		return errors.New("postgres: rotate webhook secret: no secret")
	}
	now := time.Now()
	return s.write(ctx, 0, func(tx pgx.Tx) error {
		if err := activeWebhook(ctx, tx, id); err != nil {
			return err
		}
		until := max(ms(oldUntil), 1) // never 0, which means "no end"
		if _, err := tx.Exec(ctx, "UPDATE webhook_secrets SET expires = $1 WHERE webhook_id = $2 AND (expires = 0 OR expires > $1)",
			until, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM webhook_secrets WHERE webhook_id = $1 AND expires != 0 AND expires <= $2", id, ms(now)); err != nil {
			return err
		}
		return insertSecret(ctx, tx, id, sec, now)
	})
}

// FinishWebhookRotation deletes every secret of the webhook but the newest.
func (s *Store) FinishWebhookRotation(ctx context.Context, id string) error {
	return s.write(ctx, 0, func(tx pgx.Tx) error {
		if err := activeWebhook(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM webhook_secrets WHERE webhook_id = $1
	AND id != (SELECT MAX(id) FROM webhook_secrets WHERE webhook_id = $1)`, id)
		return err
	})
}

// EnqueueDeliveries fans the events past the cursor out into deliveries
// (see vigil.WebhookStore). It takes the events lock exclusively: no event
// is being written meanwhile, so every id up to the newest is committed and
// the cursor never passes an event still to come; replicas take turns.
func (s *Store) EnqueueDeliveries(ctx context.Context, limit int, now time.Time) (events, deliveries int, err error) {
	if limit <= 0 {
		limit = 1000
	}
	err = s.write(ctx, lockEvents, func(tx pgx.Tx) error {
		var cursor int64
		if err := tx.QueryRow(ctx, "SELECT last_event FROM webhook_cursor WHERE id = 1 FOR UPDATE").Scan(&cursor); err != nil {
			return err
		}
		var upto *int64
		if err := tx.QueryRow(ctx, "SELECT MAX(id), COUNT(*) FROM (SELECT id FROM events WHERE id > $1 ORDER BY id LIMIT $2) AS e",
			cursor, limit).Scan(&upto, &events); err != nil {
			return err
		}
		if upto == nil {
			return nil
		}
		tag, err := tx.Exec(ctx, `
INSERT INTO webhook_deliveries (webhook_id, event_id, state, next_at, created)
SELECT w.id, e.id, 'pending', $1, $1
FROM events e
JOIN webhook_events we ON we.type = e.type
JOIN webhooks w ON w.id = we.webhook_id AND w.removed = 0 AND e.id > w.after_event
WHERE e.id > $2 AND e.id <= $3
ORDER BY e.id, w.id
ON CONFLICT (webhook_id, event_id) DO NOTHING`, ms(now), cursor, *upto)
		if err != nil {
			return err
		}
		deliveries = int(tag.RowsAffected())
		_, err = tx.Exec(ctx, "UPDATE webhook_cursor SET last_event = $1 WHERE id = 1", *upto)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("postgres: enqueue deliveries: %w", err)
	}
	return events, deliveries, nil
}

// InterruptedAttempt is the error logged for a try whose outcome was not
// recorded within its lease (the same words as the sqlite store's).
const InterruptedAttempt = "interrupted: no outcome was recorded within the lease (the sender stopped or stalled); the receiver may have received it"

// ClaimDeliveries claims due deliveries (see vigil.WebhookStore): rows are
// locked with FOR UPDATE SKIP LOCKED, so that replicas claiming at once
// each take other deliveries instead of waiting for one another.
func (s *Store) ClaimDeliveries(ctx context.Context, now, leaseEnd time.Time, limit int) ([]vigil.DeliveryClaim, error) {
	if limit <= 0 {
		return nil, nil
	}
	var out []vigil.DeliveryClaim
	err := s.write(ctx, 0, func(tx pgx.Tx) error {
		out = out[:0]
		rows, err := tx.Query(ctx, `
SELECT d.id, d.webhook_id, d.event_id, d.sending, d.created
FROM webhook_deliveries d
JOIN webhooks w ON w.id = d.webhook_id AND w.removed = 0
WHERE d.state = 'pending' AND d.next_at <= $1
ORDER BY d.next_at, d.id LIMIT $2
FOR UPDATE OF d SKIP LOCKED`, ms(now), limit)
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
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for i := range out {
			c := &out[i]
			if err := tx.QueryRow(ctx, `UPDATE webhook_deliveries
SET tries = tries + 1, lease = lease + 1, sending = true, next_at = $1 WHERE id = $2 RETURNING tries, lease`,
				ms(leaseEnd), c.ID).Scan(&c.Tries, &c.Lease); err != nil {
				return err
			}
			if c.Interrupted {
				if _, err := tx.Exec(ctx, "INSERT INTO webhook_attempts (delivery_id, at, ms, status, error) VALUES ($1, $2, 0, 0, $3)",
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
		return nil, fmt.Errorf("postgres: claim deliveries: %w", err)
	}
	return out, nil
}

// fillClaim reads a claim's webhook, secrets and event.
func fillClaim(ctx context.Context, tx pgx.Tx, c *vigil.DeliveryClaim, now time.Time) error {
	if err := tx.QueryRow(ctx, "SELECT url, insecure FROM webhooks WHERE id = $1", c.WebhookID).Scan(&c.URL, &c.Insecure); err != nil {
		return err
	}
	e, err := scanEvent(tx.QueryRow(ctx, "SELECT id, type, time, data FROM events WHERE id = $1", c.EventID))
	if err != nil {
		return fmt.Errorf("event %d: %w", c.EventID, err)
	}
	c.Event, c.EventType = e, e.Type
	rows, err := tx.Query(ctx, `SELECT sealed, created FROM webhook_secrets
WHERE webhook_id = $1 AND (expires = 0 OR expires > $2) ORDER BY id DESC`, c.WebhookID, ms(now))
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
		return fmt.Errorf("postgres: finish delivery %d: state %q", r.DeliveryID, r.State)
	}
	var stale bool
	err := s.write(ctx, 0, func(tx pgx.Tx) error {
		if !r.Attempt.At.IsZero() {
			a := r.Attempt
			if _, err := tx.Exec(ctx, "INSERT INTO webhook_attempts (delivery_id, at, ms, status, error) VALUES ($1, $2, $3, $4, $5)",
				r.DeliveryID, ms(a.At), a.Millis, a.Status, a.Error); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET state = $1, tries = $2, next_at = $3, sending = false
WHERE id = $4 AND lease = $5 AND state = 'pending'`, string(r.State), r.Tries, ms(r.NextAt), r.DeliveryID, r.Lease)
		if err != nil {
			return err
		}
		stale = tag.RowsAffected() == 0
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: finish delivery %d: %w", r.DeliveryID, err)
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
	var a args
	if f.WebhookID != "" {
		where = append(where, "d.webhook_id = "+a.add(f.WebhookID))
	}
	if f.State != "" {
		where = append(where, "d.state = "+a.add(string(f.State)))
	}
	q := `SELECT d.id, d.webhook_id, d.event_id, e.type, d.state, d.tries, d.next_at, d.created
FROM webhook_deliveries d JOIN events e ON e.id = d.event_id`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY d.id DESC LIMIT " + a.add(f.Limit)
	var out []vigil.Delivery
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, q, a...)
		if err != nil {
			return err
		}
		index := map[int64]int{}
		var ids []int64
		for rows.Next() {
			var d vigil.Delivery
			var state string
			var next, created int64
			if err := rows.Scan(&d.ID, &d.WebhookID, &d.EventID, &d.EventType, &state, &d.Tries, &next, &created); err != nil {
				rows.Close()
				return err
			}
			d.State, d.Created = vigil.DeliveryState(state), fromMS(created)
			if d.State == vigil.DeliveryPending {
				d.NextAt = fromMS(next)
			}
			d.Attempts = []vigil.DeliveryAttempt{}
			index[d.ID] = len(out)
			ids = append(ids, d.ID)
			out = append(out, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) == 0 {
			return nil
		}
		rows, err = tx.Query(ctx, `SELECT delivery_id, at, ms, status, error FROM webhook_attempts
WHERE delivery_id = ANY($1) ORDER BY id`, ids)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, at int64
			var at2 vigil.DeliveryAttempt
			if err := rows.Scan(&id, &at, &at2.Millis, &at2.Status, &at2.Error); err != nil {
				return err
			}
			at2.At = fromMS(at)
			d := &out[index[id]]
			d.Attempts = append(d.Attempts, at2)
		}
		return rows.Err()
	})
	return out, err
}

// RetryDelivery makes a dead delivery pending again (see
// vigil.WebhookStore).
func (s *Store) RetryDelivery(ctx context.Context, id int64, now time.Time) error {
	return s.write(ctx, 0, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET state = 'pending', tries = 0, sending = false, next_at = $1
WHERE id = $2 AND state = 'dead' AND webhook_id IN (SELECT id FROM webhooks WHERE removed = 0)`, ms(now), id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return notFound("dead delivery %d of an active webhook", id)
		}
		return nil
	})
}
