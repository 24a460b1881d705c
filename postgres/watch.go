package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	vigil "github.com/vigil-screening/vigil"
)

var _ vigil.WatchStore = (*Store)(nil)

// Update runs fn in one write transaction (see vigil.WatchStore), under the
// watch lock: watch transactions run one at a time across every replica,
// as they do on a SQLite file, so that the engine's reads within a
// transaction stay true until it commits.
func (s *Store) Update(ctx context.Context, fn func(tx vigil.WatchTx) error) error {
	return s.write(ctx, lockWatch, func(tx pgx.Tx) error {
		return fn(&watchTx{ctx: ctx, tx: tx})
	})
}

// watchTx is a vigil.WatchTx over a transaction.
type watchTx struct {
	ctx context.Context
	tx  pgx.Tx
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

// args numbers query parameters: each call of add returns the next
// placeholder ($1, $2, …) for its value.
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
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

func scanSubjects(rows pgx.Rows, err error) ([]vigil.StoredSubject, error) {
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
	sub, err := scanSubject(s.pool.QueryRow(ctx, "SELECT "+subjectCols+" FROM subjects WHERE set_name = $1 AND id = $2", set, id))
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
	var a args
	if f.Set != "" {
		where = append(where, "set_name = "+a.add(f.Set))
	}
	if f.After != "" {
		set, id, ok := strings.Cut(f.After, "\x1f")
		if !ok {
			return nil, "", fmt.Errorf("bad subject cursor %q", f.After)
		}
		where = append(where, "(set_name, id) > ("+a.add(set)+", "+a.add(id)+")")
	}
	q := "SELECT " + subjectCols + " FROM subjects"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY set_name, id LIMIT " + a.add(limit+1)
	out, err := scanSubjects(s.pool.Query(ctx, q, a...))
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

func scanLean(rows pgx.Rows, err error) ([]vigil.StoredSubject, error) {
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
// order, with what screening reads only.
func (s *Store) SubjectsAfter(ctx context.Context, after int64, limit int) ([]vigil.StoredSubject, error) {
	return scanLean(s.pool.Query(ctx, "SELECT "+leanCols+" FROM subjects WHERE sid > $1 ORDER BY sid LIMIT $2", after, limit))
}

// SubjectsByRow returns the subjects of rows that exist, in row order.
func (s *Store) SubjectsByRow(ctx context.Context, rows []int64) ([]vigil.StoredSubject, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	return scanLean(s.pool.Query(ctx, "SELECT "+leanCols+" FROM subjects WHERE sid = ANY($1) ORDER BY sid", rows))
}

// SubjectKeys returns each subject of a set's fingerprint and labels hash.
func (s *Store) SubjectKeys(ctx context.Context, set string) (map[string][2]string, error) {
	rows, err := s.pool.Query(ctx, "SELECT id, fingerprint, labels_hash FROM subjects WHERE set_name = $1", set)
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
	rows, err := s.pool.Query(ctx, "SELECT sid FROM subjects WHERE set_name = $1 ORDER BY sid", set)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// EachSubjectName calls fn with every subject's row, name, kind and
// identity document number, in row order.
func (s *Store) EachSubjectName(ctx context.Context, fn func(row int64, name string, kind vigil.Kind, idNumber string) error) error {
	rows, err := s.pool.Query(ctx, "SELECT sid, name, kind, id_number FROM subjects ORDER BY sid")
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
		err = s.pool.QueryRow(ctx, "SELECT COUNT(*) FROM subjects").Scan(&n)
	} else {
		err = s.pool.QueryRow(ctx, "SELECT COUNT(*) FROM subjects WHERE set_name = $1", set).Scan(&n)
	}
	return n, err
}

const upsertSubject = `
ON CONFLICT (set_name, id) DO UPDATE SET name = excluded.name, dob = excluded.dob, nationality = excluded.nationality,
	gender = excluded.gender, id_number = excluded.id_number, kind = excluded.kind, labels = excluded.labels,
	fingerprint = excluded.fingerprint, labels_hash = excluded.labels_hash, updated = excluded.updated`

func labelsJSON(l map[string]string) string {
	if len(l) == 0 {
		return "{}"
	}
	return mustJSON(l)
}

// PutSubject inserts or replaces a subject (see vigil.WatchTx).
func (w *watchTx) PutSubject(sub *vigil.Subject, fp, labelsHash string) (int64, error) {
	var row int64
	err := w.tx.QueryRow(w.ctx, `INSERT INTO subjects (set_name, id, name, dob, nationality, gender, id_number, kind, labels, fingerprint, labels_hash, created, updated)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`+upsertSubject+` RETURNING sid`,
		sub.Set, sub.ID, sub.Name, sub.DOB, sub.Nationality, sub.Gender, sub.IDNumber, string(sub.Kind), labelsJSON(sub.Labels), fp, labelsHash,
		timeText(sub.Created), timeText(sub.Updated)).Scan(&row)
	if err != nil {
		return 0, fmt.Errorf("postgres: subject %s/%s: %w", sub.Set, sub.ID, err)
	}
	return row, nil
}

// PutSubjects inserts or replaces subjects in one statement (arrays of
// every column), setting each one's Row.
func (w *watchTx) PutSubjects(subs []*vigil.StoredSubject) error {
	if len(subs) == 0 {
		return nil
	}
	n := len(subs)
	cols := make([][]string, 13)
	for i := range cols {
		cols[i] = make([]string, n)
	}
	byKey := make(map[[2]string]*vigil.StoredSubject, n)
	for i, sub := range subs {
		for c, v := range []string{sub.Set, sub.ID, sub.Name, sub.DOB, sub.Nationality, sub.Gender, sub.IDNumber, string(sub.Kind),
			labelsJSON(sub.Labels), sub.Fingerprint, sub.LabelsHash, timeText(sub.Created), timeText(sub.Updated)} {
			cols[c][i] = v
		}
		byKey[[2]string{sub.Set, sub.ID}] = sub
	}
	params := make([]any, len(cols))
	for i, c := range cols {
		params[i] = c
	}
	rows, err := w.tx.Query(w.ctx, `INSERT INTO subjects (set_name, id, name, dob, nationality, gender, id_number, kind, labels, fingerprint, labels_hash, created, updated)
SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[])`+
		upsertSubject+` RETURNING set_name, id, sid`, params...)
	if err != nil {
		return fmt.Errorf("postgres: subjects: %w", err)
	}
	defer rows.Close()
	stored := 0
	for rows.Next() {
		var set, id string
		var row int64
		if err := rows.Scan(&set, &id, &row); err != nil {
			return err
		}
		if sub := byKey[[2]string{set, id}]; sub != nil {
			sub.Row = row
			stored++
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: subjects: %w", err)
	}
	if stored != n {
		return fmt.Errorf("postgres: subjects: %d of %d stored (an id twice?)", stored, n)
	}
	return nil
}

// DeleteSubject removes a subject and returns its row.
func (w *watchTx) DeleteSubject(set, id string) (int64, error) {
	var row int64
	err := w.tx.QueryRow(w.ctx, "DELETE FROM subjects WHERE set_name = $1 AND id = $2 RETURNING sid", set, id).Scan(&row)
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
	alertFrom     = " FROM alerts a LEFT JOIN decisions d ON d.id = a.decision"
	decisionColsD = `d.id, d.alert, d.decision, d.reason, d.by_id, d.by_name, d.at, d.subject_fp, d.listing_fp, d.subject_facts,
d.listing_facts, d.needs_approval, d.approved_by, d.approved_name, d.approved_at`
)

// nullDecision holds a decision's columns from a LEFT JOIN.
type nullDecision struct {
	id, alert                            *int64
	as, reason, by, byName, at           *string
	sfp, lfp, sfacts, lfacts             *string
	needs                                *bool
	approvedBy, approvedName, approvedAt *string
}

func (n *nullDecision) dest() []any {
	return []any{&n.id, &n.alert, &n.as, &n.reason, &n.by, &n.byName, &n.at, &n.sfp, &n.lfp, &n.sfacts, &n.lfacts,
		&n.needs, &n.approvedBy, &n.approvedName, &n.approvedAt}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (n *nullDecision) decision() (*vigil.Decision, error) {
	if n.id == nil {
		return nil, nil
	}
	d := &vigil.Decision{ID: *n.id, AlertID: *n.alert, As: vigil.AlertState(str(n.as)), Reason: str(n.reason),
		By: str(n.by), ByName: str(n.byName), SubjectFingerprint: str(n.sfp), ListingFingerprint: str(n.lfp),
		NeedsApproval: n.needs != nil && *n.needs, ApprovedBy: str(n.approvedBy), ApprovedName: str(n.approvedName)}
	var err error
	if d.At, err = parseTime(str(n.at)); err != nil {
		return nil, err
	}
	if d.ApprovedAt, err = parseTime(str(n.approvedAt)); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(str(n.sfacts)), &d.SubjectFacts); err != nil {
		return nil, fmt.Errorf("decision %d: subject facts: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(str(n.lfacts)), &d.ListingFacts); err != nil {
		return nil, fmt.Errorf("decision %d: listing facts: %w", d.ID, err)
	}
	return d, nil
}

func scanAlert(sc interface{ Scan(...any) error }) (vigil.Alert, error) {
	var a vigil.Alert
	var sid *int64
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
	if sid != nil {
		a.Row = *sid
	}
	a.Decision, err = d.decision()
	return a, err
}

func scanAlerts(rows pgx.Rows, err error) ([]vigil.Alert, error) {
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
	return alertByID(ctx, s.pool, id)
}

func alertByID(ctx context.Context, q querier, id int64) (vigil.Alert, error) {
	a, err := scanAlert(q.QueryRow(ctx, "SELECT "+alertCols+alertFrom+" WHERE a.id = $1", id))
	if isNoRows(err) {
		return a, notFound("alert %d", id)
	}
	return a, err
}

// Alert reads one alert within the transaction.
func (w *watchTx) Alert(id int64) (vigil.Alert, error) { return alertByID(w.ctx, w.tx, id) }

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
	var res pgx.Rows
	var err error
	// A dense run of rows (a full re-screen's block) is read as a range;
	// scattered rows (a delta's) by list.
	lo, hi := rows[0], rows[len(rows)-1]
	if hi-lo < int64(4*len(rows)) {
		res, err = w.tx.Query(w.ctx, "SELECT "+alertCols+alertFrom+" WHERE a.sid BETWEEN $1 AND $2", lo, hi)
	} else {
		res, err = w.tx.Query(w.ctx, "SELECT "+alertCols+alertFrom+" WHERE a.sid = ANY($1)", rows)
	}
	as, err := scanAlerts(res, err)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		if want[a.Row] {
			out[a.Row] = append(out[a.Row], a)
		}
	}
	return out, nil
}

// AlertsOfSubject returns the alerts of one subject by set and id.
func (w *watchTx) AlertsOfSubject(set, id string) ([]vigil.Alert, error) {
	return scanAlerts(w.tx.Query(w.ctx, "SELECT "+alertCols+alertFrom+" WHERE a.set_name = $1 AND a.subject_id = $2 ORDER BY a.id", set, id))
}

// AlertsOfEntities returns the alerts not closed on these entities.
func (w *watchTx) AlertsOfEntities(ids []string) ([]vigil.Alert, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	return scanAlerts(w.tx.Query(w.ctx, "SELECT "+alertCols+alertFrom+" WHERE a.entity_id = ANY($1) AND a.state != 'closed' ORDER BY a.id", ids))
}

// alertSetCols are the stored columns of an alert but its id, sid and
// decision, in the order of alertValues.
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

// placeholders returns "$from, …, $(from+n-1)".
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

// InsertAlert stores a new alert for the subject row.
func (w *watchTx) InsertAlert(row int64, a *vigil.Alert) error {
	a.Version = 1
	vals := append([]any{row}, alertValues(a)...)
	err := w.tx.QueryRow(w.ctx, "INSERT INTO alerts (sid, "+alertSetCols+") VALUES ("+placeholders(1, len(vals))+") RETURNING id", vals...).Scan(&a.ID)
	if err != nil {
		return fmt.Errorf("postgres: alert %s/%s %s: %w", a.Set, a.SubjectID, a.EntityID, err)
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
		sets[i] += " = $" + strconv.Itoa(i+1)
	}
	vals := append(alertValues(&next), a.ID, a.Version, string(from))
	k := len(sets)
	tag, err := w.tx.Exec(w.ctx, "UPDATE alerts SET "+strings.Join(sets, ", ")+
		fmt.Sprintf(" WHERE id = $%d AND version = $%d AND state = $%d", k+1, k+2, k+3), vals...)
	if err != nil {
		return fmt.Errorf("postgres: alert %d: %w", a.ID, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("alert %d: %w", a.ID, vigil.ErrConflict)
	}
	a.Version = next.Version
	return nil
}

// DetachAlerts unsets the subject row of a removed subject's alerts.
func (w *watchTx) DetachAlerts(row int64) error {
	_, err := w.tx.Exec(w.ctx, "UPDATE alerts SET sid = NULL WHERE sid = $1", row)
	return err
}

// AddDecision stores a decision and makes it the alert's latest.
func (w *watchTx) AddDecision(d *vigil.Decision) error {
	err := w.tx.QueryRow(w.ctx, `INSERT INTO decisions (alert, decision, reason, by_id, by_name, at, subject_fp, listing_fp,
subject_facts, listing_facts, needs_approval, approved_by, approved_name, approved_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		d.AlertID, string(d.As), d.Reason, d.By, d.ByName, timeText(d.At), d.SubjectFingerprint, d.ListingFingerprint,
		mustJSON(d.SubjectFacts), mustJSON(d.ListingFacts), d.NeedsApproval, d.ApprovedBy, d.ApprovedName, timeText(d.ApprovedAt)).Scan(&d.ID)
	if err != nil {
		return fmt.Errorf("postgres: decision on alert %d: %w", d.AlertID, err)
	}
	_, err = w.tx.Exec(w.ctx, "UPDATE alerts SET decision = $1 WHERE id = $2", d.ID, d.AlertID)
	return err
}

// ApproveDecision records an approval.
func (w *watchTx) ApproveDecision(id int64, by, name string, at time.Time) error {
	tag, err := w.tx.Exec(w.ctx, "UPDATE decisions SET approved_by = $1, approved_name = $2, approved_at = $3 WHERE id = $4 AND approved_by = ''",
		by, name, timeText(at), id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("decision %d: %w", id, vigil.ErrConflict)
	}
	return nil
}

// AddHistory appends to an alert's history.
func (w *watchTx) AddHistory(alert int64, e vigil.AlertEvent) error {
	_, err := w.tx.Exec(w.ctx, "INSERT INTO alert_history (alert, at, state, cause, by_id, note) VALUES ($1, $2, $3, $4, $5, $6)",
		alert, timeText(e.At), string(e.State), e.Cause, e.By, e.Note)
	return err
}

// SuppressedBefore returns the false-positive alerts of set whose decision
// in force was taken (approved, where approval was needed) before t.
func (w *watchTx) SuppressedBefore(set string, t time.Time) ([]int64, error) {
	rows, err := w.tx.Query(w.ctx, `SELECT a.id FROM alerts a JOIN decisions d ON d.id = a.decision
WHERE a.state = 'false_positive' AND a.set_name = $1 AND (CASE WHEN d.approved_at != '' THEN d.approved_at ELSE d.at END) < $2 ORDER BY a.id`,
		set, timeText(t))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int64])
}

// AppendEvent appends to the event log within the transaction.
func (w *watchTx) AppendEvent(e vigil.Event) error {
	_, err := appendEvent(w.ctx, w.tx, e)
	return err
}

// SetConfig returns a set's configuration (the default when none is
// stored).
func (w *watchTx) SetConfig(set string) (vigil.SetConfig, error) { return setConfig(w.ctx, w.tx, set) }

// SetConfig returns a set's configuration (the default when none is
// stored).
func (s *Store) SetConfig(ctx context.Context, set string) (vigil.SetConfig, error) {
	return setConfig(ctx, s.pool, set)
}

func setConfig(ctx context.Context, q querier, set string) (vigil.SetConfig, error) {
	c := vigil.SetConfig{Set: set, FourEyes: vigil.FourEyesDefault}
	var secs int64
	err := q.QueryRow(ctx, "SELECT four_eyes, recertify_secs FROM watch_sets WHERE set_name = $1", set).Scan(&c.FourEyes, &secs)
	if isNoRows(err) {
		return c, nil
	}
	c.Recertify = time.Duration(secs) * time.Second
	return c, err
}

// SetConfigs returns every stored set configuration.
func (w *watchTx) SetConfigs() ([]vigil.SetConfig, error) {
	rows, err := w.tx.Query(w.ctx, "SELECT set_name, four_eyes, recertify_secs FROM watch_sets ORDER BY set_name")
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
	_, err := w.tx.Exec(w.ctx, `INSERT INTO watch_sets (set_name, four_eyes, recertify_secs) VALUES ($1, $2, $3)
ON CONFLICT (set_name) DO UPDATE SET four_eyes = excluded.four_eyes, recertify_secs = excluded.recertify_secs`,
		c.Set, string(c.FourEyes), int64(c.Recertify/time.Second))
	return err
}

// Sets returns every set with subjects, alerts or a configuration, with its
// counts.
func (s *Store) Sets(ctx context.Context) ([]vigil.SetSummary, error) {
	rows, err := s.pool.Query(ctx, `SELECT set_name, SUM(n)::bigint, SUM(k)::bigint, state FROM (
	SELECT set_name, COUNT(*) AS n, 0 AS k, '' COLLATE "C" AS state FROM subjects GROUP BY set_name
	UNION ALL SELECT set_name, 0, COUNT(*), state FROM alerts GROUP BY set_name, state
	UNION ALL SELECT set_name, 0, 0, '' FROM watch_sets) AS x
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
	var ds []vigil.Decision
	var es []vigil.AlertEvent
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, "SELECT "+decisionColsD+" FROM decisions d WHERE d.alert = $1 ORDER BY d.id", id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var n nullDecision
			if err := rows.Scan(n.dest()...); err != nil {
				rows.Close()
				return err
			}
			d, err := n.decision()
			if err != nil {
				rows.Close()
				return err
			}
			ds = append(ds, *d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, "SELECT at, state, cause, by_id, note FROM alert_history WHERE alert = $1 ORDER BY id", id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e vigil.AlertEvent
			var at string
			if err := rows.Scan(&at, &e.State, &e.Cause, &e.By, &e.Note); err != nil {
				return err
			}
			if e.At, err = parseTime(at); err != nil {
				return err
			}
			es = append(es, e)
		}
		return rows.Err()
	})
	return ds, es, err
}

// Alerts returns a page of alerts (see vigil.AlertFilter). Each state is
// read through its own index range, in the page's order, and the ranges
// merged.
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
	// The filter but its states, as conditions over numbered arguments
	// (rebuilt for each query, whose arguments differ).
	filter := func(a *args) []string {
		var where []string
		if f.Set != "" {
			where = append(where, "a.set_name = "+a.add(f.Set))
		}
		if f.SubjectID != "" {
			where = append(where, "a.subject_id = "+a.add(f.SubjectID))
		}
		if f.EntityID != "" {
			where = append(where, "a.entity_id = "+a.add(f.EntityID))
		}
		if f.List != "" {
			where = append(where, "a.list = "+a.add(f.List))
		}
		switch f.Measure {
		case "":
		case vigil.MeasureTravelBan:
			where = append(where, "a.travel_ban")
		default:
			where = append(where, "jsonb_exists(a.measures::jsonb, "+a.add(string(f.Measure))+")")
		}
		if !f.Since.IsZero() {
			where = append(where, "a.opened >= "+a.add(timeText(f.Since)))
		}
		if !f.Until.IsZero() {
			where = append(where, "a.opened < "+a.add(timeText(f.Until)))
		}
		return where
	}
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		var ca args
		cq := "SELECT a.state, COUNT(*) FROM alerts a"
		if where := filter(&ca); len(where) > 0 {
			cq += " WHERE " + strings.Join(where, " AND ")
		}
		rows, err := tx.Query(ctx, cq+" GROUP BY a.state", ca...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var st string
			var n int
			if err := rows.Scan(&st, &n); err != nil {
				rows.Close()
				return err
			}
			page.Counts[vigil.AlertState(st)] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		states := f.States
		if len(states) == 0 {
			states = vigil.AlertStates
		}
		op, dir := ">", "ASC"
		if desc {
			op, dir = "<", "DESC"
		}
		var after []any
		if f.After != "" {
			v, id, ok := strings.Cut(f.After, "~")
			n, err := strconv.ParseInt(id, 10, 64)
			if !ok || err != nil {
				return fmt.Errorf("bad alert cursor %q", f.After)
			}
			if col == "score" {
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return fmt.Errorf("bad alert cursor %q", f.After)
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
			var a args
			w := append(filter(&a), "a.state = "+a.add(string(st)))
			if after != nil {
				w = append(w, "(a."+col+", a.id) "+op+" ("+a.add(after[0])+", "+a.add(after[1])+")")
			}
			q := "SELECT " + alertCols + alertFrom + " WHERE " + strings.Join(w, " AND ") +
				" ORDER BY a." + col + " " + dir + ", a.id " + dir + " LIMIT " + a.add(limit+1)
			got, err := scanAlerts(tx.Query(ctx, q, a...))
			if err != nil {
				return err
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
		return nil
	})
	return page, err
}

// LastRun returns the newest run.
func (s *Store) LastRun(ctx context.Context) (vigil.WatchRun, error) {
	return scanRun(s.pool.QueryRow(ctx, "SELECT "+runCols+" FROM watch_runs ORDER BY id DESC LIMIT 1"))
}

// LastFinishedRun returns the newest finished run.
func (s *Store) LastFinishedRun(ctx context.Context) (vigil.WatchRun, error) {
	return scanRun(s.pool.QueryRow(ctx, "SELECT "+runCols+" FROM watch_runs WHERE finished != '' ORDER BY id DESC LIMIT 1"))
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
	return w.tx.QueryRow(w.ctx, "INSERT INTO watch_runs ("+strings.TrimPrefix(runCols, "id, ")+") VALUES ("+placeholders(1, 15)+") RETURNING id",
		r.Mode, r.Reason, mustJSON(nonNilMap(r.From)), mustJSON(nonNilMap(r.To)), r.Epoch, r.Matcher, r.Threshold,
		timeText(r.Started), timeText(r.Finished), r.Cursor, r.Total, r.Done, r.Opened, r.Reopened, r.Closed).Scan(&r.ID)
}

// SaveRun stores a run's progress.
func (w *watchTx) SaveRun(r *vigil.WatchRun) error {
	_, err := w.tx.Exec(w.ctx, `UPDATE watch_runs SET mode = $1, reason = $2, finished = $3, cursor = $4, total = $5, done = $6, opened = $7, reopened = $8, closed = $9 WHERE id = $10`,
		r.Mode, r.Reason, timeText(r.Finished), r.Cursor, r.Total, r.Done, r.Opened, r.Reopened, r.Closed, r.ID)
	return err
}

func nonNilMap(m map[string]int) map[string]int {
	if m == nil {
		return map[string]int{}
	}
	return m
}
