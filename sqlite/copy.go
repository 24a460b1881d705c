package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	vigil "github.com/vigil-screening/vigil"
)

var _ vigil.TableCopier = (*Store)(nil)

// singleRow are the tables a new store starts with one row in, which a
// load replaces.
var singleRow = []string{"audit_head", "auth_state", "webhook_cursor", "subject_state"}

// DumpTables reads every table of vigil.CopyTables in one read
// transaction (see vigil.TableCopier).
func (s *Store) DumpTables(ctx context.Context, fn vigil.TableFunc) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, table := range vigil.CopyTables {
		if err := dumpTable(ctx, tx, table, fn); err != nil {
			return fmt.Errorf("sqlite: dump %s: %w", table, err)
		}
	}
	return nil
}

func dumpTable(ctx context.Context, tx *sql.Tx, table string, fn vigil.TableFunc) error {
	rows, err := tx.QueryContext(ctx, "SELECT * FROM "+table)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	next := func() ([]any, error) {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return nil, err
			}
			return nil, io.EOF
		}
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		return vals, nil
	}
	if err := fn(table, cols, next); err != nil {
		return err
	}
	return rows.Err()
}

// LoadTables fills an empty store in one write transaction (see
// vigil.TableCopier).
func (s *Store) LoadTables(ctx context.Context, feed func(load vigil.TableFunc) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, t := range []string{"versions", "audit", "api_keys", "events", "subjects", "alerts", "webhooks", "listed_subjects", "link_judgements"} {
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("sqlite: the store is not empty (%d rows in %s): copy only into a new store", n, t)
		}
	}
	loaded := map[string]bool{}
	load := func(table string, cols []string, next func() ([]any, error)) error {
		if !slices.Contains(vigil.CopyTables, table) || loaded[table] {
			return fmt.Errorf("sqlite: load: unexpected table %q", table)
		}
		loaded[table] = true
		if err := loadTable(ctx, tx, table, cols, next); err != nil {
			return fmt.Errorf("sqlite: load %s: %w", table, err)
		}
		return nil
	}
	if err := feed(load); err != nil {
		return err
	}
	for _, t := range vigil.CopyTables {
		if !loaded[t] {
			return fmt.Errorf("sqlite: load: table %s was not given", t)
		}
	}
	return tx.Commit()
}

func loadTable(ctx context.Context, tx *sql.Tx, table string, cols []string, next func() ([]any, error)) error {
	have, err := tableColumns(ctx, tx, table)
	if err != nil {
		return err
	}
	if !sameSet(have, cols) {
		return fmt.Errorf("columns %v, this store has %v", cols, have)
	}
	if slices.Contains(singleRow, table) {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
			return err
		}
	}
	st, err := tx.PrepareContext(ctx, "INSERT INTO "+table+" ("+strings.Join(cols, ", ")+") VALUES (?"+strings.Repeat(", ?", len(cols)-1)+")")
	if err != nil {
		return err
	}
	defer st.Close()
	for n := 1; ; n++ {
		row, err := next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		for i, v := range row {
			if b, ok := v.(bool); ok {
				row[i] = 0
				if b {
					row[i] = 1
				}
			}
		}
		if _, err := st.ExecContext(ctx, row...); err != nil {
			return fmt.Errorf("row %d: %w", n, err)
		}
	}
}

func tableColumns(ctx context.Context, tx *sql.Tx, table string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// sameSet reports whether a and b hold the same names.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
