package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// AuditRecord is one audited action of the service: who (the API key id,
// never its secret), what, the query and a summary of the result.
type AuditRecord struct {
	// ID is assigned by the store, increasing.
	ID     int64     `json:"id"`
	Time   time.Time `json:"time"`
	Key    string    `json:"key"`
	Action string    `json:"action"`
	// Query and Result are JSON; empty means null.
	Query  json.RawMessage `json:"query"`
	Result json.RawMessage `json:"result"`
}

// Audit appends a record to the audit log. A zero Time is set to now; Query
// and Result must be valid JSON (or empty).
func (s *Store) Audit(ctx context.Context, rec AuditRecord) error {
	if rec.Action == "" {
		return fmt.Errorf("sqlite: audit: no action")
	}
	q, err := auditJSON("query", rec.Query)
	if err != nil {
		return err
	}
	r, err := auditJSON("result", rec.Result)
	if err != nil {
		return err
	}
	if rec.Time.IsZero() {
		rec.Time = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err = s.db.ExecContext(ctx, "INSERT INTO audit (time, key_id, action, query, result) VALUES (?, ?, ?, ?, ?)",
		rec.Time.UTC().Format(time.RFC3339Nano), rec.Key, rec.Action, q, r)
	if err != nil {
		return fmt.Errorf("sqlite: audit: %w", err)
	}
	return nil
}

// auditJSON validates a JSON field of an audit record.
func auditJSON(field string, js json.RawMessage) (string, error) {
	if len(js) == 0 {
		return "null", nil
	}
	if !json.Valid(js) {
		return "", fmt.Errorf("sqlite: audit: %s is not valid JSON", field)
	}
	return string(js), nil
}

// AuditLog returns the newest audit records first, at most limit of them
// (all when limit <= 0).
func (s *Store) AuditLog(ctx context.Context, limit int) ([]AuditRecord, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	rows, err := s.db.QueryContext(ctx, "SELECT id, time, key_id, action, query, result FROM audit ORDER BY id DESC LIMIT ?", limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditRecord
	for rows.Next() {
		var rec AuditRecord
		var t, q, r string
		if err := rows.Scan(&rec.ID, &t, &rec.Key, &rec.Action, &q, &r); err != nil {
			return nil, err
		}
		if rec.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
			return nil, fmt.Errorf("sqlite: audit record %d: time: %w", rec.ID, err)
		}
		rec.Query, rec.Result = json.RawMessage(q), json.RawMessage(r)
		out = append(out, rec)
	}
	return out, rows.Err()
}
