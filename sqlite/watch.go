package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	vigil "github.com/vigil-screening/vigil"
)

var _ vigil.WatchStore = (*Store)(nil)

// Update runs fn in one write transaction (see vigil.WatchStore).
func (s *Store) Update(ctx context.Context, fn func(tx vigil.WatchTx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	w := &watchTx{ctx: ctx, tx: tx}
	defer w.closeStmts()
	if err := fn(w); err != nil {
		return err
	}
	return tx.Commit()
}

// watchTx is a vigil.WatchTx over a SQL transaction. It prepares each
// statement once per transaction: a block of 65,536 subjects writes as
// many rows with the same statement, and preparing it for each took most
// of the write's time (SQLite parsing the SQL again).
type watchTx struct {
	ctx   context.Context
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

// maxStmts bounds the statements a transaction keeps prepared (queries
// with lists of placeholders vary in length).
const maxStmts = 64

// stmt returns the prepared statement of q, or nil when too many are kept.
func (w *watchTx) stmt(q string) (*sql.Stmt, error) {
	if st, ok := w.stmts[q]; ok {
		return st, nil
	}
	if len(w.stmts) >= maxStmts {
		return nil, nil
	}
	st, err := w.tx.PrepareContext(w.ctx, q)
	if err != nil {
		return nil, err
	}
	if w.stmts == nil {
		w.stmts = map[string]*sql.Stmt{}
	}
	w.stmts[q] = st
	return st, nil
}

func (w *watchTx) closeStmts() {
	for _, st := range w.stmts {
		st.Close()
	}
}

// ExecContext, QueryContext and QueryRowContext run q through its
// prepared statement.
func (w *watchTx) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	st, err := w.stmt(q)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return w.tx.ExecContext(ctx, q, args...)
	}
	return st.ExecContext(ctx, args...)
}

func (w *watchTx) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	st, err := w.stmt(q)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return w.tx.QueryContext(ctx, q, args...)
	}
	return st.QueryContext(ctx, args...)
}

func (w *watchTx) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	st, err := w.stmt(q)
	if err != nil || st == nil {
		return w.tx.QueryRowContext(ctx, q, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

// timeText formats a time as stored: RFC 3339 in UTC with fixed
// nanoseconds, so that stored times sort as text.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil { // the watch types always encode
		panic(err)
	}
	return string(b)
}

// subjectCols are the subjects columns scanSubject reads, in order.
const subjectCols = "sid, set_name, id, name, dob, nationality, gender, id_number, kind, labels, fingerprint, labels_hash, created, updated"

func scanSubject(sc interface{ Scan(...any) error }) (vigil.StoredSubject, error) {
	var s vigil.StoredSubject
	var labels, created, updated string
	err := sc.Scan(&s.Row, &s.Set, &s.ID, &s.Name, &s.DOB, &s.Nationality, &s.Gender, &s.IDNumber, &s.Kind,
		&labels, &s.Fingerprint, &s.LabelsHash, &created, &updated)
	if err != nil {
		return s, err
	}
	if labels != "{}" && labels != "null" {
		if err := json.Unmarshal([]byte(labels), &s.Labels); err != nil {
			return s, fmt.Errorf("subject %s/%s: labels: %w", s.Set, s.ID, err)
		}
	}
	if s.Created, err = parseTime(created); err != nil {
		return s, err
	}
	s.Updated, err = parseTime(updated)
	return s, err
}

func scanSubjects(rows *sql.Rows, err error) ([]vigil.StoredSubject, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vigil.StoredSubject
	for rows.Next() {
		s, err := scanSubject(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Subject returns one subject.
func (s *Store) Subject(ctx context.Context, set, id string) (vigil.StoredSubject, error) {
	sub, err := scanSubject(s.db.QueryRowContext(ctx, "SELECT "+subjectCols+" FROM subjects WHERE set_name = ? AND id = ?", set, id))
	if isNoRows(err) {
		return sub, notFound("subject %s/%s", set, id)
	}
	return sub, err
}

// Subjects returns a page of subjects in (set, id) order and the cursor of
// the next page ("" at the end).
func (s *Store) Subjects(ctx context.Context, f vigil.SubjectFilter) ([]vigil.StoredSubject, string, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, 10000)
	var where []string
	var args []any
	if f.Set != "" {
		where = append(where, "set_name = ?")
		args = append(args, f.Set)
	}
	if f.After != "" {
		set, id, ok := strings.Cut(f.After, "\x1f")
		if !ok {
			return nil, "", fmt.Errorf("bad subject cursor %q", f.After)
		}
		where = append(where, "(set_name, id) > (?, ?)")
		args = append(args, set, id)
	}
	q := "SELECT " + subjectCols + " FROM subjects"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY set_name, id LIMIT ?"
	args = append(args, limit+1)
	out, err := scanSubjects(s.db.QueryContext(ctx, q, args...))
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = last.Set + "\x1f" + last.ID
	}
	return out, next, nil
}

// leanCols are the subject columns screening reads (no labels, no times).
const leanCols = "sid, set_name, id, name, dob, nationality, gender, id_number, kind, fingerprint"

// scanLean reads leanCols.
func scanLean(rows *sql.Rows, err error) ([]vigil.StoredSubject, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vigil.StoredSubject
	for rows.Next() {
		var s vigil.StoredSubject
		if err := rows.Scan(&s.Row, &s.Set, &s.ID, &s.Name, &s.DOB, &s.Nationality, &s.Gender, &s.IDNumber, &s.Kind, &s.Fingerprint); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SubjectsAfter returns up to limit subjects with a row above after, in row
// order, with what screening reads only (no labels or times).
func (s *Store) SubjectsAfter(ctx context.Context, after int64, limit int) ([]vigil.StoredSubject, error) {
	return scanLean(s.db.QueryContext(ctx, "SELECT "+leanCols+" FROM subjects WHERE sid > ? ORDER BY sid LIMIT ?", after, limit))
}

// SubjectsByRow returns the subjects of rows that exist, in row order, with
// what screening reads only.
func (s *Store) SubjectsByRow(ctx context.Context, rows []int64) ([]vigil.StoredSubject, error) {
	var out []vigil.StoredSubject
	for part := range chunks(rows, 500) {
		got, err := scanLean(s.db.QueryContext(ctx, "SELECT "+leanCols+" FROM subjects WHERE sid IN ("+placeholders(len(part))+") ORDER BY sid", int64Args(part)...))
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// SubjectKeys returns each subject of a set's fingerprint and labels hash.
func (s *Store) SubjectKeys(ctx context.Context, set string) (map[string][2]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, fingerprint, labels_hash FROM subjects WHERE set_name = ?", set)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][2]string{}
	for rows.Next() {
		var id, fp, lh string
		if err := rows.Scan(&id, &fp, &lh); err != nil {
			return nil, err
		}
		out[id] = [2]string{fp, lh}
	}
	return out, rows.Err()
}

// SubjectRows returns the rows of a set's subjects, ascending.
func (s *Store) SubjectRows(ctx context.Context, set string) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT sid FROM subjects WHERE set_name = ? ORDER BY sid", set)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var r int64
		if err := rows.Scan(&r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// EachSubjectName calls fn with every subject's row, name, kind and
// identity document number, in row order.
func (s *Store) EachSubjectName(ctx context.Context, fn func(row int64, name string, kind vigil.Kind, idNumber string) error) error {
	rows, err := s.db.QueryContext(ctx, "SELECT sid, name, kind, id_number FROM subjects ORDER BY sid")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var row int64
		var name, kind, doc string
		if err := rows.Scan(&row, &name, &kind, &doc); err != nil {
			return err
		}
		if err := fn(row, name, vigil.Kind(kind), doc); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CountSubjects counts the subjects of a set, or all of them for "".
func (s *Store) CountSubjects(ctx context.Context, set string) (int, error) {
	var n int
	var err error
	if set == "" {
		err = s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM subjects").Scan(&n)
	} else {
		err = s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM subjects WHERE set_name = ?", set).Scan(&n)
	}
	return n, err
}

// chunks yields s in pieces of at most n.
func chunks[T any](s []T, n int) func(func([]T) bool) {
	return func(yield func([]T) bool) {
		for len(s) > 0 {
			k := min(n, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}

func placeholders(n int) string { return "?" + strings.Repeat(",?", n-1) }

func int64Args(xs []int64) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func stringArgs(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// PutSubject inserts or replaces a subject (see vigil.WatchTx).
func (w *watchTx) PutSubject(sub *vigil.Subject, fp, labelsHash string) (int64, error) {
	labels := "{}"
	if len(sub.Labels) > 0 {
		labels = mustJSON(sub.Labels)
	}
	var row int64
	err := w.QueryRowContext(w.ctx, `INSERT INTO subjects (set_name, id, name, dob, nationality, gender, id_number, kind, labels, fingerprint, labels_hash, created, updated)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (set_name, id) DO UPDATE SET name = excluded.name, dob = excluded.dob, nationality = excluded.nationality,
	gender = excluded.gender, id_number = excluded.id_number, kind = excluded.kind, labels = excluded.labels,
	fingerprint = excluded.fingerprint, labels_hash = excluded.labels_hash, updated = excluded.updated
RETURNING sid`,
		sub.Set, sub.ID, sub.Name, sub.DOB, sub.Nationality, sub.Gender, sub.IDNumber, string(sub.Kind), labels, fp, labelsHash,
		timeText(sub.Created), timeText(sub.Updated)).Scan(&row)
	if err != nil {
		return 0, fmt.Errorf("sqlite: subject %s/%s: %w", sub.Set, sub.ID, err)
	}
	return row, nil
}

// putChunk is how many subjects one INSERT of PutSubjects writes: one
// statement per subject spent most of its time in database/sql's and
// SQLite's per-statement work (BenchmarkPutSubjects).
const putChunk = 64

// PutSubjects inserts or replaces subjects, setting each one's Row.
func (w *watchTx) PutSubjects(subs []*vigil.StoredSubject) error {
	const cols = 13
	for part := range chunks(subs, putChunk) {
		q := `INSERT INTO subjects (set_name, id, name, dob, nationality, gender, id_number, kind, labels, fingerprint, labels_hash, created, updated)
VALUES (` + placeholders(cols) + ")" + strings.Repeat(", ("+placeholders(cols)+")", len(part)-1) + `
ON CONFLICT (set_name, id) DO UPDATE SET name = excluded.name, dob = excluded.dob, nationality = excluded.nationality,
	gender = excluded.gender, id_number = excluded.id_number, kind = excluded.kind, labels = excluded.labels,
	fingerprint = excluded.fingerprint, labels_hash = excluded.labels_hash, updated = excluded.updated
RETURNING set_name, id, sid`
		args := make([]any, 0, cols*len(part))
		byKey := make(map[[2]string]*vigil.StoredSubject, len(part))
		for _, sub := range part {
			labels := "{}"
			if len(sub.Labels) > 0 {
				labels = mustJSON(sub.Labels)
			}
			args = append(args, sub.Set, sub.ID, sub.Name, sub.DOB, sub.Nationality, sub.Gender, sub.IDNumber, string(sub.Kind), labels,
				sub.Fingerprint, sub.LabelsHash, timeText(sub.Created), timeText(sub.Updated))
			byKey[[2]string{sub.Set, sub.ID}] = sub
		}
		rows, err := w.QueryContext(w.ctx, q, args...)
		if err != nil {
			return fmt.Errorf("sqlite: subjects: %w", err)
		}
		n := 0
		for rows.Next() {
			var set, id string
			var row int64
			if err := rows.Scan(&set, &id, &row); err != nil {
				rows.Close()
				return err
			}
			if sub := byKey[[2]string{set, id}]; sub != nil {
				sub.Row = row
				n++
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if n != len(part) {
			return fmt.Errorf("sqlite: subjects: %d of %d stored (an id twice?)", n, len(part))
		}
	}
	return nil
}

// DeleteSubject removes a subject and returns its row.
func (w *watchTx) DeleteSubject(set, id string) (int64, error) {
	var row int64
	err := w.QueryRowContext(w.ctx, "DELETE FROM subjects WHERE set_name = ? AND id = ? RETURNING sid", set, id).Scan(&row)
	if isNoRows(err) {
		return 0, notFound("subject %s/%s", set, id)
	}
	return row, err
}

// alertCols are the alert columns (with the latest decision's) scanAlert
// reads, in order; alertFrom is the join they come from.
const (
	alertCols = `a.id, a.sid, a.set_name, a.subject_id, a.entity_id, a.list, a.state, a.cause, a.score, a.list_version,
a.last_version, a.matcher, a.measures, a.match, a.subject_fp, a.listing_fp, a.subject_facts, a.listing_facts, a.changes,
a.opened, a.updated, a.version, ` + decisionColsD
	alertFrom = " FROM alerts a LEFT JOIN decisions d ON d.id = a.decision"
	// decisionColsD are the decision columns under the alias d.
	decisionColsD = `d.id, d.alert, d.decision, d.reason, d.by_id, d.by_name, d.at, d.subject_fp, d.listing_fp, d.subject_facts,
d.listing_facts, d.needs_approval, d.approved_by, d.approved_name, d.approved_at`
)

// nullDecision holds a decision's columns from a LEFT JOIN.
type nullDecision struct {
	id, alert                            sql.NullInt64
	as, reason, by, byName, at           sql.NullString
	sfp, lfp, sfacts, lfacts             sql.NullString
	needs                                sql.NullBool
	approvedBy, approvedName, approvedAt sql.NullString
}

func (n *nullDecision) dest() []any {
	return []any{&n.id, &n.alert, &n.as, &n.reason, &n.by, &n.byName, &n.at, &n.sfp, &n.lfp, &n.sfacts, &n.lfacts,
		&n.needs, &n.approvedBy, &n.approvedName, &n.approvedAt}
}

func (n *nullDecision) decision() (*vigil.Decision, error) {
	if !n.id.Valid {
		return nil, nil
	}
	d := &vigil.Decision{ID: n.id.Int64, AlertID: n.alert.Int64, As: vigil.AlertState(n.as.String), Reason: n.reason.String,
		By: n.by.String, ByName: n.byName.String, SubjectFingerprint: n.sfp.String, ListingFingerprint: n.lfp.String,
		NeedsApproval: n.needs.Bool, ApprovedBy: n.approvedBy.String, ApprovedName: n.approvedName.String}
	var err error
	if d.At, err = parseTime(n.at.String); err != nil {
		return nil, err
	}
	if d.ApprovedAt, err = parseTime(n.approvedAt.String); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(n.sfacts.String), &d.SubjectFacts); err != nil {
		return nil, fmt.Errorf("decision %d: subject facts: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(n.lfacts.String), &d.ListingFacts); err != nil {
		return nil, fmt.Errorf("decision %d: listing facts: %w", d.ID, err)
	}
	return d, nil
}

func scanAlert(sc interface{ Scan(...any) error }) (vigil.Alert, error) {
	var a vigil.Alert
	var sid sql.NullInt64
	var measures, match, sfacts, lfacts, changes, opened, updated string
	var d nullDecision
	dest := append([]any{&a.ID, &sid, &a.Set, &a.SubjectID, &a.EntityID, &a.List, &a.State, &a.Cause, &a.Score, &a.ListVersion,
		&a.LastVersion, &a.Matcher, &measures, &match, &a.SubjectFingerprint, &a.ListingFingerprint, &sfacts, &lfacts, &changes,
		&opened, &updated, &a.Version}, d.dest()...)
	if err := sc.Scan(dest...); err != nil {
		return a, err
	}
	for _, f := range []struct {
		name string
		js   string
		v    any
	}{{"measures", measures, &a.Measures}, {"match", match, &a.Match}, {"subject facts", sfacts, &a.SubjectFacts},
		{"listing facts", lfacts, &a.ListingFacts}, {"changes", changes, &a.Changes}} {
		if err := json.Unmarshal([]byte(f.js), f.v); err != nil {
			return a, fmt.Errorf("alert %d: %s: %w", a.ID, f.name, err)
		}
	}
	var err error
	if a.Opened, err = parseTime(opened); err != nil {
		return a, err
	}
	if a.Updated, err = parseTime(updated); err != nil {
		return a, err
	}
	a.Row = sid.Int64
	a.Decision, err = d.decision()
	return a, err
}

func scanAlerts(rows *sql.Rows, err error) ([]vigil.Alert, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vigil.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Alert returns one alert with its latest decision.
func (s *Store) Alert(ctx context.Context, id int64) (vigil.Alert, error) {
	return alertByID(ctx, s.db, id)
}

func alertByID(ctx context.Context, q queryer, id int64) (vigil.Alert, error) {
	a, err := scanAlert(q.QueryRowContext(ctx, "SELECT "+alertCols+alertFrom+" WHERE a.id = ?", id))
	if isNoRows(err) {
		return a, notFound("alert %d", id)
	}
	return a, err
}

// Alert reads one alert within the transaction.
func (w *watchTx) Alert(id int64) (vigil.Alert, error) { return alertByID(w.ctx, w, id) }

// AlertsOfRows returns the alerts of the subjects in rows (ascending).
func (w *watchTx) AlertsOfRows(rows []int64) (map[int64][]vigil.Alert, error) {
	out := map[int64][]vigil.Alert{}
	if len(rows) == 0 {
		return out, nil
	}
	want := make(map[int64]bool, len(rows))
	for _, r := range rows {
		want[r] = true
	}
	add := func(q string, args ...any) error {
		res, err := w.QueryContext(w.ctx, q, args...)
		if err != nil {
			return err
		}
		defer res.Close()
		for res.Next() {
			a, err := scanAlert(res)
			if err != nil {
				return err
			}
			if want[a.Row] {
				out[a.Row] = append(out[a.Row], a)
			}
		}
		return res.Err()
	}
	// A dense run of rows (a full re-screen's block) is read as a range;
	// scattered rows (a delta's) by list.
	lo, hi := rows[0], rows[len(rows)-1]
	if hi-lo < int64(4*len(rows)) {
		return out, add("SELECT "+alertCols+alertFrom+" WHERE a.sid BETWEEN ? AND ?", lo, hi)
	}
	for part := range chunks(rows, 500) {
		if err := add("SELECT "+alertCols+alertFrom+" WHERE a.sid IN ("+placeholders(len(part))+")", int64Args(part)...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AlertsOfSubject returns the alerts of one subject by set and id.
func (w *watchTx) AlertsOfSubject(set, id string) ([]vigil.Alert, error) {
	return scanAlerts(w.QueryContext(w.ctx, "SELECT "+alertCols+alertFrom+" WHERE a.set_name = ? AND a.subject_id = ? ORDER BY a.id", set, id))
}

// AlertsOfEntities returns the alerts not closed on these entities.
func (w *watchTx) AlertsOfEntities(ids []string) ([]vigil.Alert, error) {
	var out []vigil.Alert
	for part := range chunks(ids, 500) {
		got, err := scanAlerts(w.QueryContext(w.ctx, "SELECT "+alertCols+alertFrom+" WHERE a.entity_id IN ("+placeholders(len(part))+") AND a.state != 'closed' ORDER BY a.id", stringArgs(part)...))
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

// alertValues are the stored columns of an alert but its id, sid and
// decision, in the order of alertSetCols.
const alertSetCols = "set_name, subject_id, entity_id, list, state, cause, score, list_version, last_version, matcher, travel_ban, measures, match, subject_fp, listing_fp, subject_facts, listing_facts, changes, opened, updated, version"

func alertValues(a *vigil.Alert) []any {
	changes := a.Changes
	if changes == nil {
		changes = []string{}
	}
	measures := a.Measures
	if measures == nil {
		measures = []vigil.Measure{}
	}
	return []any{a.Set, a.SubjectID, a.EntityID, a.List, string(a.State), a.Cause, a.Score, a.ListVersion, a.LastVersion, a.Matcher,
		a.HasMeasure(vigil.MeasureTravelBan), mustJSON(measures), mustJSON(a.Match), a.SubjectFingerprint, a.ListingFingerprint,
		mustJSON(a.SubjectFacts), mustJSON(a.ListingFacts), mustJSON(changes), timeText(a.Opened), timeText(a.Updated), a.Version}
}

// InsertAlert stores a new alert for the subject row.
func (w *watchTx) InsertAlert(row int64, a *vigil.Alert) error {
	a.Version = 1
	args := append([]any{row}, alertValues(a)...)
	err := w.QueryRowContext(w.ctx, "INSERT INTO alerts (sid, "+alertSetCols+") VALUES (?, "+placeholders(21)+") RETURNING id", args...).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("sqlite: alert %s/%s %s: %w", a.Set, a.SubjectID, a.EntityID, err)
	}
	return nil
}

// UpdateAlert stores a changed alert if it is still at a.Version in state
// from (an optimistic check: a concurrent change makes it ErrConflict).
func (w *watchTx) UpdateAlert(a *vigil.Alert, from vigil.AlertState) error {
	next := *a
	next.Version++
	sets := strings.Split(alertSetCols, ", ")
	for i := range sets {
		sets[i] += " = ?"
	}
	args := append(alertValues(&next), a.ID, a.Version, string(from))
	res, err := w.ExecContext(w.ctx, "UPDATE alerts SET "+strings.Join(sets, ", ")+" WHERE id = ? AND version = ? AND state = ?", args...)
	if err != nil {
		return fmt.Errorf("sqlite: alert %d: %w", a.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fmt.Errorf("alert %d: %w", a.ID, vigil.ErrConflict)
	}
	a.Version = next.Version
	return nil
}

// DetachAlerts unsets the subject row of a removed subject's alerts.
func (w *watchTx) DetachAlerts(row int64) error {
	_, err := w.ExecContext(w.ctx, "UPDATE alerts SET sid = NULL WHERE sid = ?", row)
	return err
}

// AddDecision stores a decision and makes it the alert's latest.
func (w *watchTx) AddDecision(d *vigil.Decision) error {
	err := w.QueryRowContext(w.ctx, `INSERT INTO decisions (alert, decision, reason, by_id, by_name, at, subject_fp, listing_fp,
subject_facts, listing_facts, needs_approval, approved_by, approved_name, approved_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		d.AlertID, string(d.As), d.Reason, d.By, d.ByName, timeText(d.At), d.SubjectFingerprint, d.ListingFingerprint,
		mustJSON(d.SubjectFacts), mustJSON(d.ListingFacts), d.NeedsApproval, d.ApprovedBy, d.ApprovedName, timeText(d.ApprovedAt)).Scan(&d.ID)
	if err != nil {
		return fmt.Errorf("sqlite: decision on alert %d: %w", d.AlertID, err)
	}
	_, err = w.ExecContext(w.ctx, "UPDATE alerts SET decision = ? WHERE id = ?", d.ID, d.AlertID)
	return err
}

// ApproveDecision records an approval.
func (w *watchTx) ApproveDecision(id int64, by, name string, at time.Time) error {
	res, err := w.ExecContext(w.ctx, "UPDATE decisions SET approved_by = ?, approved_name = ?, approved_at = ? WHERE id = ? AND approved_by = ''",
		by, name, timeText(at), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("decision %d: %w", id, vigil.ErrConflict)
	}
	return nil
}

// AddHistory appends to an alert's history.
func (w *watchTx) AddHistory(alert int64, e vigil.AlertEvent) error {
	_, err := w.ExecContext(w.ctx, "INSERT INTO alert_history (alert, at, state, cause, by_id, note) VALUES (?, ?, ?, ?, ?, ?)",
		alert, timeText(e.At), string(e.State), e.Cause, e.By, e.Note)
	return err
}

// SuppressedBefore returns the false-positive alerts of set whose decision
// in force was taken (approved, where approval was needed) before t.
func (w *watchTx) SuppressedBefore(set string, t time.Time) ([]int64, error) {
	rows, err := w.QueryContext(w.ctx, `SELECT a.id FROM alerts a JOIN decisions d ON d.id = a.decision
WHERE a.state = 'false_positive' AND a.set_name = ? AND (CASE WHEN d.approved_at != '' THEN d.approved_at ELSE d.at END) < ? ORDER BY a.id`,
		set, timeText(t))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// AppendEvent appends to the event log within the transaction.
func (w *watchTx) AppendEvent(e vigil.Event) error {
	_, err := appendEvent(w.ctx, w, e)
	return err
}

// SetConfig returns a set's configuration (the default when none is
// stored).
func (w *watchTx) SetConfig(set string) (vigil.SetConfig, error) { return setConfig(w.ctx, w, set) }

// SetConfig returns a set's configuration (the default when none is
// stored).
func (s *Store) SetConfig(ctx context.Context, set string) (vigil.SetConfig, error) {
	return setConfig(ctx, s.db, set)
}

func setConfig(ctx context.Context, q queryer, set string) (vigil.SetConfig, error) {
	c := vigil.SetConfig{Set: set, FourEyes: vigil.FourEyesDefault}
	var secs int64
	err := q.QueryRowContext(ctx, "SELECT four_eyes, recertify_secs FROM watch_sets WHERE set_name = ?", set).Scan(&c.FourEyes, &secs)
	if isNoRows(err) {
		return c, nil
	}
	c.Recertify = time.Duration(secs) * time.Second
	return c, err
}

// SetConfigs returns every stored set configuration.
func (w *watchTx) SetConfigs() ([]vigil.SetConfig, error) {
	rows, err := w.QueryContext(w.ctx, "SELECT set_name, four_eyes, recertify_secs FROM watch_sets ORDER BY set_name")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vigil.SetConfig
	for rows.Next() {
		var c vigil.SetConfig
		var secs int64
		if err := rows.Scan(&c.Set, &c.FourEyes, &secs); err != nil {
			return nil, err
		}
		c.Recertify = time.Duration(secs) * time.Second
		out = append(out, c)
	}
	return out, rows.Err()
}

// PutSetConfig stores a set's configuration.
func (w *watchTx) PutSetConfig(c vigil.SetConfig) error {
	_, err := w.ExecContext(w.ctx, `INSERT INTO watch_sets (set_name, four_eyes, recertify_secs) VALUES (?, ?, ?)
ON CONFLICT (set_name) DO UPDATE SET four_eyes = excluded.four_eyes, recertify_secs = excluded.recertify_secs`,
		c.Set, string(c.FourEyes), int64(c.Recertify/time.Second))
	return err
}

// Sets returns every set with subjects, alerts or a configuration, with its
// counts.
func (s *Store) Sets(ctx context.Context) ([]vigil.SetSummary, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT set_name, SUM(n), SUM(k), state FROM (
	SELECT set_name, COUNT(*) AS n, 0 AS k, '' AS state FROM subjects GROUP BY set_name
	UNION ALL SELECT set_name, 0, COUNT(*), state FROM alerts GROUP BY set_name, state
	UNION ALL SELECT set_name, 0, 0, '' FROM watch_sets)
GROUP BY set_name, state ORDER BY set_name`)
	if err != nil {
		return nil, err
	}
	byName := map[string]*vigil.SetSummary{}
	var order []string
	for rows.Next() {
		var set, state string
		var n, k int
		if err := rows.Scan(&set, &n, &k, &state); err != nil {
			rows.Close()
			return nil, err
		}
		sum := byName[set]
		if sum == nil {
			sum = &vigil.SetSummary{Alerts: map[vigil.AlertState]int{}}
			byName[set] = sum
			order = append(order, set)
		}
		sum.Subjects += n
		if state != "" {
			sum.Alerts[vigil.AlertState(state)] += k
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]vigil.SetSummary, len(order))
	for i, set := range order {
		c, err := s.SetConfig(ctx, set)
		if err != nil {
			return nil, err
		}
		out[i] = *byName[set]
		out[i].SetConfig = c
	}
	return out, nil
}

// AlertHistory returns an alert's decisions and state changes, oldest
// first.
func (s *Store) AlertHistory(ctx context.Context, id int64) ([]vigil.Decision, []vigil.AlertEvent, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+decisionColsD+" FROM decisions d WHERE d.alert = ? ORDER BY d.id", id)
	if err != nil {
		return nil, nil, err
	}
	var ds []vigil.Decision
	for rows.Next() {
		var n nullDecision
		if err := rows.Scan(n.dest()...); err != nil {
			rows.Close()
			return nil, nil, err
		}
		d, err := n.decision()
		if err != nil {
			rows.Close()
			return nil, nil, err
		}
		ds = append(ds, *d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows, err = s.db.QueryContext(ctx, "SELECT at, state, cause, by_id, note FROM alert_history WHERE alert = ? ORDER BY id", id)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var es []vigil.AlertEvent
	for rows.Next() {
		var e vigil.AlertEvent
		var at string
		if err := rows.Scan(&at, &e.State, &e.Cause, &e.By, &e.Note); err != nil {
			return nil, nil, err
		}
		if e.At, err = parseTime(at); err != nil {
			return nil, nil, err
		}
		es = append(es, e)
	}
	return ds, es, rows.Err()
}

// Alerts returns a page of alerts (see vigil.AlertFilter). Each state is
// read through its own index range, in the page's order, and the ranges
// merged: a page costs a few index lookups whatever the queue's size.
func (s *Store) Alerts(ctx context.Context, f vigil.AlertFilter) (vigil.AlertPage, error) {
	page := vigil.AlertPage{Counts: map[vigil.AlertState]int{}}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	col, desc := "opened", false
	switch f.Sort {
	case "", "opened":
	case "-opened":
		desc = true
	case "score":
		col = "score"
	case "-score":
		col, desc = "score", true
	default:
		return page, fmt.Errorf("unknown sort %q (opened, -opened, score, -score)", f.Sort)
	}
	var where []string
	var args []any
	if f.Set != "" {
		where, args = append(where, "a.set_name = ?"), append(args, f.Set)
	}
	if f.SubjectID != "" {
		where, args = append(where, "a.subject_id = ?"), append(args, f.SubjectID)
	}
	if f.EntityID != "" {
		where, args = append(where, "a.entity_id = ?"), append(args, f.EntityID)
	}
	if f.List != "" {
		where, args = append(where, "a.list = ?"), append(args, f.List)
	}
	switch f.Measure {
	case "":
	case vigil.MeasureTravelBan:
		where = append(where, "a.travel_ban = 1")
	default:
		where, args = append(where, "EXISTS (SELECT 1 FROM json_each(a.measures) WHERE value = ?)"), append(args, string(f.Measure))
	}
	if !f.Since.IsZero() {
		where, args = append(where, "a.opened >= ?"), append(args, timeText(f.Since))
	}
	if !f.Until.IsZero() {
		where, args = append(where, "a.opened < ?"), append(args, timeText(f.Until))
	}
	// Counts per state, over the filter but its states.
	cq := "SELECT a.state, COUNT(*) FROM alerts a"
	if len(where) > 0 {
		cq += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.db.QueryContext(ctx, cq+" GROUP BY a.state", args...)
	if err != nil {
		return page, err
	}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			rows.Close()
			return page, err
		}
		page.Counts[vigil.AlertState(st)] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return page, err
	}
	states := f.States
	if len(states) == 0 {
		states = vigil.AlertStates
	}
	// The cursor: the sort value and id of the last alert shown.
	op, dir := ">", "ASC"
	if desc {
		op, dir = "<", "DESC"
	}
	var after []any
	if f.After != "" {
		v, id, ok := strings.Cut(f.After, "~")
		n, err := strconv.ParseInt(id, 10, 64)
		if !ok || err != nil {
			return page, fmt.Errorf("bad alert cursor %q", f.After)
		}
		if col == "score" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return page, fmt.Errorf("bad alert cursor %q", f.After)
			}
			after = []any{x, n}
		} else {
			after = []any{v, n}
		}
	}
	var all []vigil.Alert
	for _, st := range states {
		if page.Counts[st] == 0 {
			continue
		}
		w := append(append([]string{}, where...), "a.state = ?")
		a := append(append([]any{}, args...), string(st))
		if after != nil {
			w = append(w, "(a."+col+", a.id) "+op+" (?, ?)")
			a = append(a, after...)
		}
		q := "SELECT " + alertCols + alertFrom + " WHERE " + strings.Join(w, " AND ") +
			" ORDER BY a." + col + " " + dir + ", a.id " + dir + " LIMIT ?"
		got, err := scanAlerts(s.db.QueryContext(ctx, q, append(a, limit+1)...))
		if err != nil {
			return page, err
		}
		all = append(all, got...)
	}
	slices.SortFunc(all, func(x, y vigil.Alert) int {
		var c int
		if col == "score" {
			c = cmp.Compare(x.Score, y.Score)
		} else {
			c = x.Opened.Compare(y.Opened)
		}
		if c == 0 {
			c = cmp.Compare(x.ID, y.ID)
		}
		if desc {
			c = -c
		}
		return c
	})
	if len(all) > limit {
		all = all[:limit]
		last := all[limit-1]
		if col == "score" {
			page.Next = strconv.FormatFloat(last.Score, 'g', -1, 64) + "~" + strconv.FormatInt(last.ID, 10)
		} else {
			page.Next = timeText(last.Opened) + "~" + strconv.FormatInt(last.ID, 10)
		}
	}
	if all == nil {
		all = []vigil.Alert{}
	}
	page.Alerts = all
	return page, nil
}

// LastRun returns the newest run.
func (s *Store) LastRun(ctx context.Context) (vigil.WatchRun, error) {
	return scanRun(s.db.QueryRowContext(ctx, "SELECT "+runCols+" FROM watch_runs ORDER BY id DESC LIMIT 1"))
}

// LastFinishedRun returns the newest finished run.
func (s *Store) LastFinishedRun(ctx context.Context) (vigil.WatchRun, error) {
	return scanRun(s.db.QueryRowContext(ctx, "SELECT "+runCols+" FROM watch_runs WHERE finished != '' ORDER BY id DESC LIMIT 1"))
}

const runCols = "id, mode, reason, from_v, to_v, epoch, matcher, threshold, started, finished, cursor, total, done, opened, reopened, closed"

func scanRun(sc interface{ Scan(...any) error }) (vigil.WatchRun, error) {
	var r vigil.WatchRun
	var from, to, started, finished string
	err := sc.Scan(&r.ID, &r.Mode, &r.Reason, &from, &to, &r.Epoch, &r.Matcher, &r.Threshold, &started, &finished,
		&r.Cursor, &r.Total, &r.Done, &r.Opened, &r.Reopened, &r.Closed)
	if isNoRows(err) {
		return r, notFound("watch run")
	}
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(from), &r.From); err != nil {
		return r, fmt.Errorf("watch run %d: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(to), &r.To); err != nil {
		return r, fmt.Errorf("watch run %d: %w", r.ID, err)
	}
	if r.Started, err = parseTime(started); err != nil {
		return r, err
	}
	r.Finished, err = parseTime(finished)
	return r, err
}

// StartRun stores a new run.
func (w *watchTx) StartRun(r *vigil.WatchRun) error {
	return w.QueryRowContext(w.ctx, "INSERT INTO watch_runs ("+strings.TrimPrefix(runCols, "id, ")+") VALUES ("+placeholders(15)+") RETURNING id",
		r.Mode, r.Reason, mustJSON(nonNilMap(r.From)), mustJSON(nonNilMap(r.To)), r.Epoch, r.Matcher, r.Threshold,
		timeText(r.Started), timeText(r.Finished), r.Cursor, r.Total, r.Done, r.Opened, r.Reopened, r.Closed).Scan(&r.ID)
}

// SaveRun stores a run's progress.
func (w *watchTx) SaveRun(r *vigil.WatchRun) error {
	_, err := w.ExecContext(w.ctx, `UPDATE watch_runs SET mode = ?, reason = ?, finished = ?, cursor = ?, total = ?, done = ?, opened = ?, reopened = ?, closed = ? WHERE id = ?`,
		r.Mode, r.Reason, timeText(r.Finished), r.Cursor, r.Total, r.Done, r.Opened, r.Reopened, r.Closed, r.ID)
	return err
}

func nonNilMap(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}
