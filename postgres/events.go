package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	vigil "github.com/vigil-screening/vigil"
)

var _ vigil.EventLog = (*Store)(nil)

// appendEvent writes e to the event log through q, usually the transaction
// of the change e reports, under the events lock taken shared: the webhook
// fan-out takes it exclusively, so that it never moves its cursor past an
// event whose id is taken but not yet committed.
func appendEvent(ctx context.Context, q querier, e vigil.Event) (vigil.Event, error) {
	if e.Type == "" {
		return e, fmt.Errorf("postgres: event: no type")
	}
	if len(e.Data) == 0 {
		e.Data = json.RawMessage("null")
	} else if !json.Valid(e.Data) {
		return e, fmt.Errorf("postgres: event %s: data is not valid JSON", e.Type)
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC()
	if _, err := q.Exec(ctx, "SELECT pg_advisory_xact_lock_shared($1)", lockEvents); err != nil {
		return e, fmt.Errorf("postgres: event %s: %w", e.Type, err)
	}
	err := q.QueryRow(ctx, "INSERT INTO events (type, time, data) VALUES ($1, $2, $3) RETURNING id",
		e.Type, e.Time.Format(time.RFC3339Nano), string(e.Data)).Scan(&e.ID)
	if err != nil {
		return e, fmt.Errorf("postgres: event %s: %w", e.Type, err)
	}
	return e, nil
}

// AppendEvent appends an event on its own (see vigil.EventLog).
func (s *Store) AppendEvent(ctx context.Context, e vigil.Event) (vigil.Event, error) {
	var out vigil.Event
	err := s.write(ctx, 0, func(tx pgx.Tx) error {
		var err error
		out, err = appendEvent(ctx, tx, e)
		return err
	})
	if err != nil {
		return e, err
	}
	return out, nil
}

// EventsAfter returns up to limit events with ID > after, oldest first
// (all of them when limit <= 0).
func (s *Store) EventsAfter(ctx context.Context, after int64, limit int) ([]vigil.Event, error) {
	q := "SELECT id, type, time, data FROM events WHERE id > $1 ORDER BY id"
	args := []any{after}
	if limit > 0 {
		q += " LIMIT $2"
		args = append(args, limit)
	}
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vigil.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanEvent(sc interface{ Scan(...any) error }) (vigil.Event, error) {
	var e vigil.Event
	var t, data string
	if err := sc.Scan(&e.ID, &e.Type, &t, &data); err != nil {
		return e, err
	}
	var err error
	if e.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
		return e, fmt.Errorf("postgres: event %d: time: %w", e.ID, err)
	}
	e.Data = json.RawMessage(data)
	return e, nil
}
