package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	vigil "github.com/vigil-screening/vigil"
)

var _ vigil.EventLog = (*Store)(nil)

// execer is what *sql.DB and *sql.Tx share for writing.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// appendEvent writes e to the event log through x, which is usually the
// transaction of the change e reports; it returns e with its ID and Time.
func appendEvent(ctx context.Context, x execer, e vigil.Event) (vigil.Event, error) {
	if e.Type == "" {
		return e, fmt.Errorf("sqlite: event: no type")
	}
	if len(e.Data) == 0 {
		e.Data = json.RawMessage("null")
	} else if !json.Valid(e.Data) {
		return e, fmt.Errorf("sqlite: event %s: data is not valid JSON", e.Type)
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	e.Time = e.Time.UTC()
	res, err := x.ExecContext(ctx, "INSERT INTO events (type, time, data) VALUES (?, ?, ?)",
		e.Type, e.Time.Format(time.RFC3339Nano), string(e.Data))
	if err != nil {
		return e, fmt.Errorf("sqlite: event %s: %w", e.Type, err)
	}
	if e.ID, err = res.LastInsertId(); err != nil {
		return e, err
	}
	return e, nil
}

// AppendEvent appends an event on its own (see vigil.EventLog).
func (s *Store) AppendEvent(ctx context.Context, e vigil.Event) (vigil.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return appendEvent(ctx, s.db, e)
}

// EventsAfter returns up to limit events with ID > after, oldest first
// (all of them when limit <= 0).
func (s *Store) EventsAfter(ctx context.Context, after int64, limit int) ([]vigil.Event, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.QueryContext(ctx, "SELECT id, type, time, data FROM events WHERE id > ? ORDER BY id LIMIT ?", after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vigil.Event
	for rows.Next() {
		var e vigil.Event
		var t, data string
		if err := rows.Scan(&e.ID, &e.Type, &t, &data); err != nil {
			return nil, err
		}
		if e.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
			return nil, fmt.Errorf("sqlite: event %d: time: %w", e.ID, err)
		}
		e.Data = json.RawMessage(data)
		out = append(out, e)
	}
	return out, rows.Err()
}
