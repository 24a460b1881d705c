package watch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/batch"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/screen"
)

// Limits on what a subject may hold.
const (
	maxIDLen    = 256
	maxNameLen  = 1024
	maxLabels   = 64
	maxLabelLen = 4096
)

// setName is what a set may be called.
var setName = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// CheckSet reports whether set is a valid set name.
func CheckSet(set string) error {
	if !setName.MatchString(set) {
		return fmt.Errorf("%w: set %q: want 1-64 lower-case letters, digits, '_', '.' or '-'", vigil.ErrInvalid, set)
	}
	return nil
}

// checkSubject validates a subject's id, name and labels.
func checkSubject(s *vigil.Subject) error {
	switch {
	case strings.TrimSpace(s.ID) == "":
		return errors.New("missing id")
	case len(s.ID) > maxIDLen:
		return fmt.Errorf("id longer than %d bytes", maxIDLen)
	case !utf8.ValidString(s.ID) || strings.ContainsFunc(s.ID, func(r rune) bool { return r < 0x20 || r == 0x7f }):
		return fmt.Errorf("id %q holds control characters or invalid UTF-8", s.ID)
	case strings.TrimSpace(s.Name) == "":
		return errors.New("missing name")
	case len(s.Name) > maxNameLen:
		return fmt.Errorf("name longer than %d bytes", maxNameLen)
	case len(s.Labels) > maxLabels:
		return fmt.Errorf("%d labels (at most %d)", len(s.Labels), maxLabels)
	}
	for k, v := range s.Labels {
		if len(k)+len(v) > maxLabelLen {
			return fmt.Errorf("label %.40q longer than %d bytes", k, maxLabelLen)
		}
	}
	return nil
}

// subjectOf builds the subject of a good record of set: its query's
// fields, and as labels its columns that are not screening fields (a
// "labels" column holding a JSON object is merged in).
func subjectOf(set string, rec *batch.Record, isField func(string) bool) vigil.Subject {
	q := rec.Query
	s := vigil.Subject{Set: set, ID: strings.TrimSpace(rec.ID), Name: q.Name, DOB: q.DOB, Nationality: q.Nationality,
		Gender: q.Gender, IDNumber: q.ID, Kind: q.Kind}
	for k, v := range rec.Input {
		if isField(k) {
			continue
		}
		if k == "labels" {
			var m map[string]any
			if json.Unmarshal([]byte(v), &m) == nil {
				for lk, lv := range m {
					if s.Labels == nil {
						s.Labels = map[string]string{}
					}
					if str, ok := lv.(string); ok {
						s.Labels[lk] = str
					} else if b, err := json.Marshal(lv); err == nil {
						s.Labels[lk] = string(b)
					}
				}
				continue
			}
		}
		if s.Labels == nil {
			s.Labels = map[string]string{}
		}
		s.Labels[k] = v
	}
	return s
}

// ImportOptions adjust Import.
type ImportOptions struct {
	Set string
	// Columns maps file columns as for vigil batch.
	Columns batch.Options
	// Sync removes the set's subjects the file lacks (once the whole file
	// was read); their open alerts close as subject_removed.
	Sync bool
	// MaxRows, when > 0, stops the import with ErrTooMany after that many
	// rows (the rows before it stay imported).
	MaxRows int
	// OnRowError is called, in input order, for each bad row.
	OnRowError func(row int, err error)
	// OnRowProblems is called, in input order, for each row stored and
	// screened without some of its values, naming them.
	OnRowProblems func(row int, problems []string)
	// Progress is called with the rows read so far.
	Progress func(rows int64)
	By       string
}

// ErrTooMany is returned by Import when a file holds more rows than
// ImportOptions.MaxRows.
var ErrTooMany = errors.New("too many rows")

// Import reads subjects from rd into a set: new subjects are added and
// screened, changed ones updated and screened again, unchanged ones left
// alone; with Sync, subjects the file lacks are removed. A bad row
// (missing id or name, a bad date, a duplicate id) is reported with its
// row number and the rest is imported. Each block of rows is stored with
// its screening in one transaction: an import that stops half-way leaves
// whole rows imported, and running it again completes it.
func (e *Engine) Import(ctx context.Context, c *Corpus, rd batch.Reader, opt ImportOptions) (vigil.SubjectImport, error) {
	start := time.Now()
	sum := vigil.SubjectImport{Set: opt.Set}
	if err := CheckSet(opt.Set); err != nil {
		return sum, err
	}
	if err := e.lock(ctx); err != nil {
		return sum, err
	}
	defer e.unlock()
	if _, err := e.sync(ctx, c, SyncOptions{By: opt.By, Reason: "before importing subjects"}); err != nil {
		return sum, fmt.Errorf("re-screening for the current lists first: %w", err)
	}
	thr, err := e.threshold(ctx)
	if err != nil {
		return sum, err
	}
	keys, err := e.Store.SubjectKeys(ctx, opt.Set)
	if err != nil {
		return sum, err
	}
	f := &importFilter{rd: rd, set: opt.Set, keys: keys, max: opt.MaxRows, firstRow: map[string]int{},
		subs: map[int]*vigil.StoredSubject{}, fields: map[string]bool{}, opts: opt.Columns}
	e.setStatus(func(s *Status) { *s = Status{Running: true, Mode: "import", Runs: s.Runs} })
	defer e.setStatus(func(s *Status) { s.Running = false })
	bopt := screen.BatchOptions{Threshold: thr, Workers: e.Workers, Window: e.Window, All: true, OnRowError: opt.OnRowError, Progress: opt.Progress,
		OnRowProblems: func(row int, ps []string) {
			sum.Problems++
			if opt.OnRowProblems != nil {
				opt.OnRowProblems(row, ps)
			}
		}}
	_, err = screen.BatchEach(ctx, c.Index, f, bopt, func(block []screen.BatchRow) error {
		return e.Store.Update(ctx, func(tx vigil.WatchTx) error {
			ap := e.newApplier(tx, c)
			ap.by = opt.By
			subs := make([]*vigil.StoredSubject, len(block))
			put := make([]*vigil.StoredSubject, 0, len(block))
			added, updated := 0, 0
			for i, r := range block {
				if r.Record.Err != nil {
					continue
				}
				s := f.take(r.Record.Row)
				if _, ok := keys[s.ID]; ok {
					updated++
				} else {
					added++
					s.Created = ap.now
				}
				s.Updated = ap.now
				subs[i] = s
				put = append(put, s)
			}
			if err := tx.PutSubjects(put); err != nil {
				return err
			}
			if err := ap.applyBlock(subs, block); err != nil {
				return err
			}
			sum.Added += added
			sum.Updated += updated
			sum.Opened += ap.opened
			sum.Reopened += ap.reopened
			sum.Closed += ap.closed
			return nil
		})
	})
	sum.Rows, sum.Bad, sum.Unchanged = f.rows, f.bad, f.unchanged
	if err == nil && opt.Sync {
		err = e.syncRemove(ctx, opt.Set, f, keys, opt.By, &sum)
	}
	sum.Seconds = time.Since(start).Seconds()
	if err != nil {
		if errors.Is(err, ErrTooMany) {
			err = fmt.Errorf("%w: more than %d rows; the first %d were imported", ErrTooMany, opt.MaxRows, opt.MaxRows)
		}
		return sum, err
	}
	return sum, e.audit(ctx, AuditRecord{Action: "watch.import", By: opt.By,
		Query:  map[string]any{"set": opt.Set, "format": rd.Format(), "sync": opt.Sync},
		Result: sum})
}

// syncRemove removes the set's subjects the file lacked, unless the file
// held no row at all (an empty or truncated file must not empty a set).
func (e *Engine) syncRemove(ctx context.Context, set string, f *importFilter, keys map[string][2]string, by string, sum *vigil.SubjectImport) error {
	var gone []string
	for id := range keys {
		if _, ok := f.firstRow[id]; !ok {
			gone = append(gone, id)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	if f.rows == 0 {
		return fmt.Errorf("%w: the file holds no rows; --sync would remove all %d subjects of %s", vigil.ErrInvalid, len(gone), set)
	}
	slices.Sort(gone)
	for part := range slices.Chunk(gone, 4096) {
		err := e.Store.Update(ctx, func(tx vigil.WatchTx) error {
			ap := &applier{tx: tx, now: e.now(), by: by}
			for _, id := range part {
				if err := ap.remove(set, id); err != nil {
					return err
				}
			}
			sum.Removed += len(part)
			sum.Closed += ap.closed
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// remove takes a subject off the watch; its alerts not closed close as
// subject_removed and stay, for history.
func (ap *applier) remove(set, id string) error {
	row, err := ap.tx.DeleteSubject(set, id)
	if err != nil {
		return err
	}
	as, err := ap.tx.AlertsOfRows([]int64{row})
	if err != nil {
		return err
	}
	for i := range as[row] {
		a := &as[row][i]
		if a.State != vigil.AlertClosed {
			if err := ap.close(a, vigil.CauseSubjectRemoved); err != nil {
				return err
			}
		}
	}
	return ap.tx.DetachAlerts(row)
}

// Remove takes subjects of a set off the watch (see ImportOptions.Sync for
// what becomes of their alerts). An id not watched is ErrNotFound, and
// nothing is removed.
func (e *Engine) Remove(ctx context.Context, set string, ids []string, by string) (closed int, err error) {
	if err := e.lock(ctx); err != nil {
		return 0, err
	}
	defer e.unlock()
	err = e.Store.Update(ctx, func(tx vigil.WatchTx) error {
		ap := &applier{tx: tx, now: e.now(), by: by}
		for _, id := range ids {
			if err := ap.remove(set, id); err != nil {
				return err
			}
		}
		closed = ap.closed
		return nil
	})
	if err != nil {
		return 0, err
	}
	return closed, e.audit(ctx, AuditRecord{Action: "watch.remove", By: by,
		Query: map[string]any{"set": set, "ids": ids}, Result: map[string]any{"removed": len(ids), "closed": closed}})
}

// Put stores one subject and screens it when its screening fields changed,
// returning it with its alerts.
func (e *Engine) Put(ctx context.Context, c *Corpus, s vigil.Subject, by string) (vigil.StoredSubject, []vigil.Alert, error) {
	if err := CheckSet(s.Set); err != nil {
		return vigil.StoredSubject{}, nil, err
	}
	if err := checkSubject(&s); err != nil {
		return vigil.StoredSubject{}, nil, fmt.Errorf("%w: subject %s/%s: %v", vigil.ErrInvalid, s.Set, s.ID, err)
	}
	if err := e.lock(ctx); err != nil {
		return vigil.StoredSubject{}, nil, err
	}
	defer e.unlock()
	if _, err := e.sync(ctx, c, SyncOptions{By: by, Reason: "before storing a subject"}); err != nil {
		return vigil.StoredSubject{}, nil, err
	}
	thr, err := e.threshold(ctx)
	if err != nil {
		return vigil.StoredSubject{}, nil, err
	}
	st := vigil.StoredSubject{Subject: s, Fingerprint: Fingerprint(SubjectFacts(&s)), LabelsHash: labelsHash(s.Labels)}
	old, err := e.Store.Subject(ctx, s.Set, s.ID)
	exists := err == nil
	if err != nil && !errors.Is(err, vigil.ErrNotFound) {
		return st, nil, err
	}
	var ms []vigil.Match
	rescreen := !exists || old.Fingerprint != st.Fingerprint
	if rescreen {
		q, _ := match.CheckQuery(watchQuery(&s))
		q.Threshold = thr
		ms = c.Index.ScreenAll(q)
	}
	var alerts []vigil.Alert
	err = e.Store.Update(ctx, func(tx vigil.WatchTx) error {
		ap := e.newApplier(tx, c)
		ap.by = by
		st.Updated, st.Created = ap.now, ap.now
		if exists {
			st.Created = old.Created
		}
		row, err := tx.PutSubject(&st.Subject, st.Fingerprint, st.LabelsHash)
		if err != nil {
			return err
		}
		st.Row = row
		if rescreen {
			as, err := tx.AlertsOfRows([]int64{row})
			if err != nil {
				return err
			}
			if err := ap.apply(&st, ms, as[row]); err != nil {
				return err
			}
		}
		alerts, err = tx.AlertsOfSubject(s.Set, s.ID)
		return err
	})
	if err != nil {
		return st, nil, err
	}
	return st, alerts, e.audit(ctx, AuditRecord{Action: "watch.put", By: by,
		Query: map[string]any{"set": s.Set, "id": s.ID, "subject": SubjectFacts(&s)}, Result: map[string]any{"screened": rescreen, "alerts": len(alerts)}})
}

// watchQuery is a subject's query as the watch screens it (ScreenAll:
// every match at or above the threshold is an alert, not the best few).
func watchQuery(s *vigil.Subject) vigil.Query {
	return s.Query()
}

// Configure stores a set's configuration.
func (e *Engine) Configure(ctx context.Context, c vigil.SetConfig, by string) error {
	if err := CheckSet(c.Set); err != nil {
		return err
	}
	if _, ok := vigil.ParseFourEyes(string(c.FourEyes)); !ok {
		return fmt.Errorf("%w: four eyes %q: want default, all or none", vigil.ErrInvalid, c.FourEyes)
	}
	if c.Recertify < 0 {
		return fmt.Errorf("%w: a negative recertification age", vigil.ErrInvalid)
	}
	if err := e.Store.Update(ctx, func(tx vigil.WatchTx) error { return tx.PutSetConfig(c) }); err != nil {
		return err
	}
	return e.audit(ctx, AuditRecord{Action: "watch.configure", By: by, Query: c})
}

// importFilter passes on the records of an import that need screening:
// new and changed subjects, and bad rows (to be reported). It checks each
// subject, notes every id the file holds, and keeps each subject it
// passes on until its block is stored.
type importFilter struct {
	rd        batch.Reader
	set       string
	keys      map[string][2]string
	opts      batch.Options
	fields    map[string]bool // header → is a screening field
	max       int
	firstRow  map[string]int // id → the row it was first read on
	rows      int
	bad       int
	unchanged int
	// subs holds the subjects passed on, by row, until stored: the
	// pipeline's writer takes them while a worker reads on.
	mu   sync.Mutex
	subs map[int]*vigil.StoredSubject
}

func (f *importFilter) isField(h string) bool {
	v, ok := f.fields[h]
	if !ok {
		v = batch.FieldOf(h, f.opts) != ""
		if len(f.fields) < 1000 {
			f.fields[h] = v
		}
	}
	return v
}

// Next returns the next record to screen.
func (f *importFilter) Next() (batch.Record, error) {
	for {
		rec, err := f.rd.Next()
		if err != nil {
			return rec, err
		}
		f.rows++
		if f.max > 0 && f.rows > f.max {
			f.rows--
			return batch.Record{}, ErrTooMany
		}
		id := strings.TrimSpace(rec.ID)
		if rec.Err != nil {
			// A bad row's subject, when it has an id, stays as it is:
			// the row is in the file, only unreadable.
			if _, ok := f.firstRow[id]; id != "" && !ok {
				f.firstRow[id] = rec.Row
			}
			f.bad++
			return rec, nil
		}
		s := subjectOf(f.set, &rec, f.isField)
		if err := checkSubject(&s); err != nil {
			f.bad++
			rec.Err = &batch.RowError{Row: rec.Row, Msg: err.Error()}
			return rec, nil
		}
		if first, ok := f.firstRow[s.ID]; ok {
			f.bad++
			rec.Err = &batch.RowError{Row: rec.Row, Msg: fmt.Sprintf("duplicate id %q (first on row %d)", s.ID, first)}
			return rec, nil
		}
		f.firstRow[s.ID] = rec.Row
		st := &vigil.StoredSubject{Subject: s, Fingerprint: Fingerprint(SubjectFacts(&s)), LabelsHash: labelsHash(s.Labels)}
		if k, ok := f.keys[s.ID]; ok && k == [2]string{st.Fingerprint, st.LabelsHash} {
			f.unchanged++
			continue
		}
		f.mu.Lock()
		f.subs[rec.Row] = st
		f.mu.Unlock()
		return batch.Record{Row: rec.Row, ID: s.ID, Query: watchQuery(&s)}, nil
	}
}

func (f *importFilter) take(row int) *vigil.StoredSubject {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.subs[row]
	delete(f.subs, row)
	return s
}

func (f *importFilter) Format() string     { return f.rd.Format() }
func (f *importFilter) Warnings() []string { return f.rd.Warnings() }

// SubjectFromJSON reads one subject of set from a JSON object with the
// fields of an import row (id, name, dob, …; other fields and a "labels"
// object become labels). id, when set, is the subject's id: an object
// naming another is refused.
func SubjectFromJSON(set, id string, object []byte) (vigil.Subject, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(object, &m); err != nil {
		return vigil.Subject{}, fmt.Errorf("%w: the body must be one JSON object: %v", vigil.ErrInvalid, err)
	}
	if id != "" {
		probe := vigil.Subject{ID: id, Name: "-"}
		if err := checkSubject(&probe); err != nil || strings.TrimSpace(id) != id {
			return vigil.Subject{}, fmt.Errorf("%w: subject id %q: want printable UTF-8 without surrounding spaces", vigil.ErrInvalid, id)
		}
		if raw, ok := m["id"]; ok {
			var in string
			if json.Unmarshal(raw, &in) != nil || in != id {
				return vigil.Subject{}, fmt.Errorf("%w: the body's id %s is not the path's %q", vigil.ErrInvalid, raw, id)
			}
		}
		b, _ := json.Marshal(id) // a string always encodes
		m["id"] = b
	}
	line, err := json.Marshal(m)
	if err != nil {
		return vigil.Subject{}, fmt.Errorf("%w: %v", vigil.ErrInvalid, err)
	}
	rd, err := batch.Open(bytes.NewReader(line), "subject.jsonl", batch.Options{Format: batch.FormatJSONL})
	if err != nil {
		return vigil.Subject{}, fmt.Errorf("%w: %v", vigil.ErrInvalid, err)
	}
	rec, err := rd.Next()
	if err != nil {
		return vigil.Subject{}, fmt.Errorf("%w: %v", vigil.ErrInvalid, err)
	}
	if rec.Err != nil {
		var re *batch.RowError
		msg := rec.Err.Error()
		if errors.As(rec.Err, &re) {
			msg = re.Msg
		}
		return vigil.Subject{}, fmt.Errorf("%w: %s", vigil.ErrInvalid, msg)
	}
	s := subjectOf(set, &rec, func(h string) bool { return batch.FieldOf(h, batch.Options{}) != "" })
	if err := checkSubject(&s); err != nil {
		return s, fmt.Errorf("%w: %v", vigil.ErrInvalid, err)
	}
	return s, nil
}
