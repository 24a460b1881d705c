package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/jackc/pgx/v5"

	vigil "github.com/vigil-screening/vigil"
)

var _ vigil.TableCopier = (*Store)(nil)

// singleRow are the tables a new store starts with one row in, which a
// load replaces.
var singleRow = []string{"audit_head", "auth_state", "webhook_cursor", "subject_state"}

// DumpTables reads every table of vigil.CopyTables in one snapshot (see
// vigil.TableCopier).
func (s *Store) DumpTables(ctx context.Context, fn vigil.TableFunc) error {
	return s.snapshot(ctx, func(tx pgx.Tx) error {
		for _, table := range vigil.CopyTables {
			if err := dumpTable(ctx, tx, table, fn); err != nil {
				return fmt.Errorf("postgres: dump %s: %w", table, err)
			}
		}
		return nil
	})
}

func dumpTable(ctx context.Context, tx pgx.Tx, table string, fn vigil.TableFunc) error {
	rows, err := tx.Query(ctx, "SELECT * FROM "+pgx.Identifier{table}.Sanitize())
	if err != nil {
		return err
	}
	defer rows.Close()
	var cols []string
	for _, f := range rows.FieldDescriptions() {
		cols = append(cols, f.Name)
	}
	next := func() ([]any, error) {
		if !rows.Next() {
			if err := rows.Err(); err != nil {
				return nil, err
			}
			return nil, io.EOF
		}
		return rows.Values()
	}
	if err := fn(table, cols, next); err != nil {
		return err
	}
	return rows.Err()
}

// LoadTables fills an empty store in one transaction (see
// vigil.TableCopier), holding every writer's lock meanwhile, and moves the
// identity sequences past the ids copied.
func (s *Store) LoadTables(ctx context.Context, feed func(load vigil.TableFunc) error) error {
	return s.write(ctx, lockLists, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1), pg_advisory_xact_lock($2), pg_advisory_xact_lock($3)", lockWatch, lockEvents, lockLinks); err != nil {
			return err
		}
		for _, t := range []string{"versions", "audit", "api_keys", "events", "subjects", "alerts", "webhooks", "listed_subjects", "link_judgements"} {
			var n int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM "+t).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("postgres: the store is not empty (%d rows in %s): copy only into a new database", n, t)
			}
		}
		loaded := map[string]bool{}
		load := func(table string, cols []string, next func() ([]any, error)) error {
			if !slices.Contains(vigil.CopyTables, table) || loaded[table] {
				return fmt.Errorf("postgres: load: unexpected table %q", table)
			}
			loaded[table] = true
			if err := loadTable(ctx, tx, table, cols, next); err != nil {
				return fmt.Errorf("postgres: load %s: %w", table, err)
			}
			return nil
		}
		if err := feed(load); err != nil {
			return err
		}
		for _, t := range vigil.CopyTables {
			if !loaded[t] {
				return fmt.Errorf("postgres: load: table %s was not given", t)
			}
		}
		// Identity columns go on from the largest id copied.
		rows, err := tx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
WHERE table_schema = current_schema() AND is_identity = 'YES'`)
		if err != nil {
			return err
		}
		idents, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
			var tc [2]string
			err := r.Scan(&tc[0], &tc[1])
			return tc, err
		})
		if err != nil {
			return err
		}
		for _, tc := range idents {
			t, c := pgx.Identifier{tc[0]}.Sanitize(), pgx.Identifier{tc[1]}.Sanitize()
			if _, err := tx.Exec(ctx, "SELECT setval(pg_get_serial_sequence($1, $2), COALESCE((SELECT MAX("+c+") FROM "+t+"), 0) + 1, false)",
				tc[0], tc[1]); err != nil {
				return fmt.Errorf("postgres: load %s: moving the id sequence: %w", tc[0], err)
			}
		}
		if err := notify(ctx, tx, vigil.TopicLists); err != nil {
			return err
		}
		return notify(ctx, tx, vigil.TopicKeys)
	})
}

// loadTable writes one table's rows with COPY, converting the values
// another store gives to the column's type (SQLite keeps booleans as
// integers).
func loadTable(ctx context.Context, tx pgx.Tx, table string, cols []string, next func() ([]any, error)) error {
	rows, err := tx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = $1`, table)
	if err != nil {
		return err
	}
	types := map[string]string{}
	var have []string
	for rows.Next() {
		var c, t string
		if err := rows.Scan(&c, &t); err != nil {
			rows.Close()
			return err
		}
		types[c] = t
		have = append(have, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if !sameSet(have, cols) {
		return fmt.Errorf("columns %v, this store has %v", cols, have)
	}
	if slices.Contains(singleRow, table) {
		if _, err := tx.Exec(ctx, "DELETE FROM "+pgx.Identifier{table}.Sanitize()); err != nil {
			return err
		}
	}
	src := &convertingSource{next: next, types: make([]string, len(cols))}
	for i, c := range cols {
		src.types[i] = types[c]
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, src); err != nil {
		return fmt.Errorf("row %d: %w", src.n, err)
	}
	return nil
}

// convertingSource is a pgx.CopyFromSource over a TableFunc's rows.
type convertingSource struct {
	next  func() ([]any, error)
	types []string
	row   []any
	err   error
	n     int
}

func (c *convertingSource) Next() bool {
	row, err := c.next()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			c.err = err
		}
		return false
	}
	c.n++
	for i, v := range row {
		row[i], err = convert(v, c.types[i])
		if err != nil {
			c.err = fmt.Errorf("row %d: %w", c.n, err)
			return false
		}
	}
	c.row = row
	return true
}

func (c *convertingSource) Values() ([]any, error) { return c.row, nil }
func (c *convertingSource) Err() error             { return c.err }

// convert makes v (as another store gives it) a value of the PostgreSQL
// type typ.
func convert(v any, typ string) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case int64:
		switch typ {
		case "boolean":
			return x != 0, nil
		case "double precision":
			return float64(x), nil
		}
	case string:
		if typ == "bytea" {
			return []byte(x), nil
		}
	case []byte:
		if typ == "text" {
			return string(x), nil
		}
	}
	return v, nil
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
