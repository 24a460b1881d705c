package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/codec"
)

// queryer is what *sql.DB and *sql.Tx share for reading.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// versionCols are the versions columns scanRow reads, in order.
const versionCols = `list, version, source, format, hash, published, published_given, imported, in_force, files,
entities, by_kind, partial, explicit, historical, restores, warnings, withdrawn, withdrawn_by, withdrawn_why,
base, added, removed, changed`

// row is one versions row: the version, and whether its membership is
// explicit (the members table: partial and historical versions) rather than
// in spans.
type row struct {
	vigil.ListVersion
	explicit bool
}

// scanRow reads one versions row.
func scanRow(sc interface{ Scan(...any) error }) (r row, err error) {
	v := &r.ListVersion
	var published, imported, inForce, files, byKind, warnings, withdrawn, by, why string
	err = sc.Scan(&v.List, &v.Version, &v.Source, &v.Format, &v.Hash, &published, &v.PublishedGiven, &imported, &inForce,
		&files, &v.Entities, &byKind, &v.Partial, &r.explicit, &v.Historical, &v.Restores, &warnings, &withdrawn, &by, &why,
		&v.Base, &v.Added, &v.Removed, &v.Changed)
	if err != nil {
		return r, err
	}
	bad := func(field string, err error) (row, error) {
		return r, fmt.Errorf("version %s: %s: %w", v.Label(), field, err)
	}
	if published != "" {
		if v.Published, err = time.Parse(time.RFC3339Nano, published); err != nil {
			return bad("published", err)
		}
	}
	if v.Imported, err = time.Parse(time.RFC3339Nano, imported); err != nil {
		return bad("imported", err)
	}
	if v.InForceFrom, err = time.Parse(time.RFC3339Nano, inForce); err != nil {
		return bad("in_force", err)
	}
	if err = json.Unmarshal([]byte(files), &v.Files); err != nil {
		return bad("files", err)
	}
	if err = json.Unmarshal([]byte(byKind), &v.ByKind); err != nil {
		return bad("by_kind", err)
	}
	if err = json.Unmarshal([]byte(warnings), &v.Warnings); err != nil {
		return bad("warnings", err)
	}
	if withdrawn != "" {
		w := &vigil.Withdrawal{By: by, Reason: why}
		if w.At, err = time.Parse(time.RFC3339Nano, withdrawn); err != nil {
			return bad("withdrawn", err)
		}
		v.Withdrawn = w
	}
	return r, nil
}

// scanRows reads every row of a query over versionCols.
func scanRows(rows *sql.Rows, err error) ([]row, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []row
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// listRows reads every version of one list, oldest first.
func listRows(ctx context.Context, q queryer, list string) ([]row, error) {
	return scanRows(q.QueryContext(ctx, "SELECT "+versionCols+" FROM versions WHERE list = ? ORDER BY version", list))
}

// allRows reads every version of every list, by list and version.
func allRows(ctx context.Context, q queryer) ([]row, error) {
	return scanRows(q.QueryContext(ctx, "SELECT "+versionCols+" FROM versions ORDER BY list, version"))
}

// byList splits rows ordered by list into one slice per list.
func byList(rows []row) [][]row {
	var out [][]row
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].List == rows[i].List {
			j++
		}
		out = append(out, rows[i:j])
		i = j
	}
	return out
}

func versionsOf(rows []row) []vigil.ListVersion {
	out := make([]vigil.ListVersion, len(rows))
	for i, r := range rows {
		out[i] = r.ListVersion
	}
	return out
}

// find returns the row of version n, if any.
func find(rows []row, n int) (row, bool) {
	for _, r := range rows {
		if r.Version == n {
			return r, true
		}
	}
	return row{}, false
}

// pick returns the row of the version that a timeline rule (CurrentVersion,
// VersionAt) chose among rows.
func pick(rows []row, v vigil.ListVersion, ok bool) (row, bool) {
	if !ok {
		return row{}, false
	}
	return find(rows, v.Version)
}

// currentRow returns a list's current version (vigil.CurrentVersion).
func currentRow(rows []row) (row, bool) {
	v, ok := vigil.CurrentVersion(versionsOf(rows))
	return pick(rows, v, ok)
}

// spanHead returns the newest version stored in spans: the version whose
// membership the open spans hold. Every version stored in spans became
// current when it was imported, and only a rollback (which adds a newer
// one) withdraws one, so the span head is the current complete version.
func spanHead(rows []row) int {
	head := 0
	for _, r := range rows {
		if !r.explicit && r.Version > head {
			head = r.Version
		}
	}
	return head
}

// version reads one version of a list.
func version(ctx context.Context, q queryer, list string, n int) (row, error) {
	r, err := scanRow(q.QueryRowContext(ctx, "SELECT "+versionCols+" FROM versions WHERE list = ? AND version = ?", list, n))
	if isNoRows(err) {
		return r, notFound("version %s@%d", list, n)
	}
	return r, err
}

// Versions returns every version of a list, oldest first, or ErrNotFound
// when the list has none.
func (s *Store) Versions(ctx context.Context, list string) ([]vigil.ListVersion, error) {
	rows, err := listRows(ctx, s.db, list)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, notFound("list %q", list)
	}
	return versionsOf(rows), nil
}

// Current returns the current version of every list, ordered by list.
func (s *Store) Current(ctx context.Context) ([]vigil.ListVersion, error) {
	cur, err := current(ctx, s.db)
	if err != nil {
		return nil, err
	}
	return versionsOf(cur), nil
}

// current returns the current version row of every list, ordered by list,
// with whether it is the list's span head (its membership is the open
// spans).
func current(ctx context.Context, q queryer) ([]row, error) {
	rows, err := allRows(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []row
	for _, rs := range byList(rows) {
		if r, ok := currentRow(rs); ok {
			out = append(out, r)
		}
	}
	return out, nil
}

// AsOf returns, for every list, the version in force at t
// (vigil.VersionAt), ordered by list; lists with no version in force then
// are left out.
func (s *Store) AsOf(ctx context.Context, t time.Time) ([]vigil.ListVersion, error) {
	rows, err := allRows(ctx, s.db)
	if err != nil {
		return nil, err
	}
	var out []vigil.ListVersion
	for _, rs := range byList(rows) {
		if v, ok := vigil.VersionAt(versionsOf(rs), t); ok {
			out = append(out, v)
		}
	}
	return out, nil
}

// member is one entity of a version: its blob row and content hash.
type member struct {
	blob int64
	hash [32]byte
}

// membershipQuery returns the query and arguments selecting (id, blob,
// data-or-hash) for a version: explicit rows, or the spans covering it.
func membershipQuery(r row, cols string) (string, []any) {
	if r.explicit {
		return "SELECT " + cols + " FROM members m JOIN blobs b ON b.id = m.blob WHERE m.list = ? AND m.version = ? ORDER BY m.id",
			[]any{r.List, r.Version}
	}
	return "SELECT " + strings.ReplaceAll(cols, "m.", "s.") + " FROM spans s JOIN blobs b ON b.id = s.blob WHERE s.list = ? AND s.last >= ? AND s.first <= ? ORDER BY s.id",
		[]any{r.List, r.Version, r.Version}
}

// members returns the membership of a version of a list (nothing for
// version 0, the empty version before the first).
func members(ctx context.Context, q queryer, r row) (map[string]member, error) {
	out := make(map[string]member, r.Entities)
	if r.Version == 0 {
		return out, nil
	}
	query, args := membershipQuery(r, "m.id, m.blob, b.hash")
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return out, scanMembers(rows, out)
}

// openMembers returns the open spans of a list: its span head's membership.
func openMembers(ctx context.Context, q queryer, list string) (map[string]member, error) {
	rows, err := q.QueryContext(ctx, "SELECT s.id, s.blob, b.hash FROM spans s JOIN blobs b ON b.id = s.blob WHERE s.list = ? AND s.last = ?", list, openSpan)
	if err != nil {
		return nil, err
	}
	out := map[string]member{}
	return out, scanMembers(rows, out)
}

func scanMembers(rows *sql.Rows, out map[string]member) error {
	defer rows.Close()
	for rows.Next() {
		var id string
		var m member
		var h []byte
		if err := rows.Scan(&id, &m.blob, &h); err != nil {
			return err
		}
		copy(m.hash[:], h)
		out[id] = m
	}
	return rows.Err()
}

// loadBlobs decodes the entities stored in the given blob rows.
func loadBlobs(ctx context.Context, q queryer, ids []int64) (map[int64]vigil.Entity, error) {
	out := make(map[int64]vigil.Entity, len(ids))
	const batch = 500
	for len(ids) > 0 {
		n := min(batch, len(ids))
		part := ids[:n]
		ids = ids[n:]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := q.QueryContext(ctx, "SELECT id, data FROM blobs WHERE id IN (?"+strings.Repeat(",?", len(part)-1)+")", args...)
		if err != nil {
			return nil, err
		}
		var keys []int64
		var datas [][]byte
		for rows.Next() {
			var id int64
			var data []byte
			if err := rows.Scan(&id, &data); err != nil {
				rows.Close()
				return nil, err
			}
			keys = append(keys, id)
			datas = append(datas, data)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		es := make([]vigil.Entity, len(datas))
		if err := codec.DecodeAll(datas, es); err != nil {
			return nil, err
		}
		for i, k := range keys {
			out[k] = es[i]
		}
	}
	return out, nil
}

// Entities returns the entities of one version of a list, sorted by id.
func (s *Store) Entities(ctx context.Context, list string, n int) ([]vigil.Entity, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r, err := version(ctx, tx, list, n)
	if err != nil {
		return nil, err
	}
	query, args := membershipQuery(r, "b.data")
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	datas, err := scanBlobs(rows, r.Entities)
	if err != nil {
		return nil, err
	}
	out := make([]vigil.Entity, len(datas))
	return out, codec.DecodeAll(datas, out)
}

// scanBlobs reads a one-column result of blob data and closes rows.
func scanBlobs(rows *sql.Rows, hint int) ([][]byte, error) {
	defer rows.Close()
	out := make([][]byte, 0, hint)
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			return nil, err
		}
		out = append(out, data)
	}
	return out, rows.Err()
}

// Diff returns the diff between two versions of a list, with the old and
// new values of changed fields; version 0 is the empty list before the
// first version. Only the entities whose content differs are decoded.
func (s *Store) Diff(ctx context.Context, list string, from, to int) (vigil.Diff, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return vigil.Diff{}, err
	}
	defer tx.Rollback()
	rFrom, rTo := row{ListVersion: vigil.ListVersion{List: list}}, row{ListVersion: vigil.ListVersion{List: list}}
	if from != 0 {
		if rFrom, err = version(ctx, tx, list, from); err != nil {
			return vigil.Diff{}, err
		}
	}
	if to != 0 {
		if rTo, err = version(ctx, tx, list, to); err != nil {
			return vigil.Diff{}, err
		}
	}
	mFrom, err := members(ctx, tx, rFrom)
	if err != nil {
		return vigil.Diff{}, err
	}
	mTo, err := members(ctx, tx, rTo)
	if err != nil {
		return vigil.Diff{}, err
	}
	return diffMembers(ctx, tx, list, from, to, mFrom, mTo)
}

// diffMembers diffs two memberships, decoding only entities whose content
// hash differs; added and removed entities enter DiffEntities as bare ids.
func diffMembers(ctx context.Context, q queryer, list string, from, to int, a, b map[string]member) (vigil.Diff, error) {
	var need []int64
	var changed []string
	var oldSub, newSub []vigil.Entity
	for id, mb := range b {
		ma, ok := a[id]
		switch {
		case !ok:
			newSub = append(newSub, vigil.Entity{ID: id})
		case ma.hash != mb.hash:
			changed = append(changed, id)
			need = append(need, ma.blob, mb.blob)
		}
	}
	for id := range a {
		if _, ok := b[id]; !ok {
			oldSub = append(oldSub, vigil.Entity{ID: id})
		}
	}
	es, err := loadBlobs(ctx, q, need)
	if err != nil {
		return vigil.Diff{}, err
	}
	for _, id := range changed {
		oldSub = append(oldSub, es[a[id].blob])
		newSub = append(newSub, es[b[id].blob])
	}
	return vigil.DiffEntities(list, from, to, oldSub, newSub), nil
}

// prepared is an entity ready for storage.
type prepared struct {
	idx  int
	js   []byte
	hash [32]byte
}

// importHook, when set by tests, runs inside the import transaction after
// all rows are written, so a test can make an import fail late.
var importHook func() error

// Import is ImportWith with no options (see vigil.Store).
func (s *Store) Import(ctx context.Context, v vigil.ListVersion, entities []vigil.Entity) (vigil.ListVersion, error) {
	res, err := s.ImportWith(ctx, v, entities, vigil.ImportOptions{})
	return res.Version, err
}

// ImportWith stores entities as a new version of v.List under the rules of
// the list timeline (see vigil.Store). It assigns Version, Imported (when
// zero), InForceFrom (when zero: Published, else or when Published is in
// the future Imported), Entities,
// ByKind and the diff counts; v.List and v.Hash are required. Entity ids
// must be non-empty and unique within the import.
//
// A version that becomes current is stored in spans; a partial or
// historical one with explicit membership rows; a restoring one as spans
// pointing to the restored version's blobs.
func (s *Store) ImportWith(ctx context.Context, v vigil.ListVersion, entities []vigil.Entity, opt vigil.ImportOptions) (vigil.ImportResult, error) {
	res := vigil.ImportResult{Version: v}
	if v.List == "" {
		return res, errors.New("sqlite: import: list version has no list key")
	}
	if v.Hash == "" {
		return res, fmt.Errorf("sqlite: import %s: no file hash", v.List)
	}
	preps := make([]prepared, len(entities))
	seen := make(map[string]bool, len(entities))
	v.ByKind = map[vigil.Kind]int{}
	for i := range entities {
		e := &entities[i]
		if e.ID == "" {
			return res, fmt.Errorf("sqlite: import %s: entity %d has no id", v.List, i)
		}
		if seen[e.ID] {
			return res, fmt.Errorf("sqlite: import %s: duplicate entity id %q", v.List, e.ID)
		}
		seen[e.ID] = true
		js, h, err := codec.Canonical(e)
		if err != nil {
			return res, fmt.Errorf("sqlite: import %s: %w", v.List, err)
		}
		preps[i] = prepared{idx: i, js: js, hash: h}
		v.ByKind[e.Kind]++
	}
	v.Entities = len(entities)
	if v.Source == "" && len(entities) > 0 {
		v.Source = entities[0].Source
	}
	if v.Imported.IsZero() {
		v.Imported = time.Now()
	}
	v.Imported = v.Imported.UTC().Round(0)
	if v.InForceFrom.IsZero() {
		// The publication date, unless none or in the future.
		v.InForceFrom = v.Published
		if v.InForceFrom.IsZero() || v.InForceFrom.After(v.Imported) {
			v.InForceFrom = v.Imported
		}
	}
	v.InForceFrom = v.InForceFrom.UTC().Round(0)
	v.Withdrawn, v.Restores, v.Historical = nil, 0, false

	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return res, err
	}
	defer tx.Rollback()
	res, err = s.importTx(ctx, tx, v, entities, preps, opt)
	if err != nil {
		return res, err
	}
	if err := tx.Commit(); err != nil {
		return res, fmt.Errorf("sqlite: import %s: commit: %w", v.List, err)
	}
	return res, nil
}

// importTx does ImportWith's work inside tx.
func (s *Store) importTx(ctx context.Context, tx *sql.Tx, v vigil.ListVersion, entities []vigil.Entity, preps []prepared, opt vigil.ImportOptions) (vigil.ImportResult, error) {
	res := vigil.ImportResult{Version: v}
	rows, err := listRows(ctx, tx, v.List)
	if err != nil {
		return res, err
	}
	cur, hasCur := currentRow(rows)
	res.Current = cur.ListVersion
	v.Version = 1
	if len(rows) > 0 {
		v.Version = rows[len(rows)-1].Version + 1
	}

	var dups []row
	for _, r := range rows {
		if r.Hash == v.Hash {
			dups = append(dups, r)
		}
	}
	if len(dups) > 0 {
		return s.duplicate(ctx, tx, v, dups, rows, cur, hasCur, opt)
	}

	outcome, baseVersion, err := vigil.PlaceVersion(versionsOf(rows), v, opt)
	if err != nil {
		return res, err
	}
	res.Outcome, v.Historical = outcome, outcome == vigil.OutcomeHistorical
	// Diffed against the current version, or for a historical one the
	// version in force before it.
	base, _ := find(rows, baseVersion)
	if base.List == "" {
		base = row{ListVersion: vigil.ListVersion{List: v.List}}
	}
	old, err := members(ctx, tx, base)
	if err != nil {
		return res, err
	}
	// Diff counts: only entities whose content changed are decoded.
	var need []int64
	var oldSub, newSub []vigil.Entity
	inNew := make(map[string]bool, len(preps))
	for _, p := range preps {
		id := entities[p.idx].ID
		inNew[id] = true
		m, ok := old[id]
		if ok && m.hash == p.hash {
			continue
		}
		newSub = append(newSub, entities[p.idx])
		if ok {
			need = append(need, m.blob)
		}
	}
	for id := range old {
		if !inNew[id] {
			oldSub = append(oldSub, vigil.Entity{ID: id})
		}
	}
	oldEs, err := loadBlobs(ctx, tx, need)
	if err != nil {
		return res, err
	}
	for _, b := range need {
		oldSub = append(oldSub, oldEs[b])
	}
	d := vigil.DiffEntities(v.List, base.Version, v.Version, oldSub, newSub)
	v.Base, v.Added, v.Removed, v.Changed = base.Version, len(d.Added), len(d.Removed), len(d.Changed)

	// Blobs for new content.
	next := make(map[string]member, len(preps))
	findBlob, err := tx.PrepareContext(ctx, "SELECT id FROM blobs WHERE hash = ?")
	if err != nil {
		return res, err
	}
	defer findBlob.Close()
	addBlob, err := tx.PrepareContext(ctx, "INSERT INTO blobs (hash, data) VALUES (?, ?) RETURNING id")
	if err != nil {
		return res, err
	}
	defer addBlob.Close()
	for _, p := range preps {
		id := entities[p.idx].ID
		m := member{hash: p.hash}
		if o, ok := old[id]; ok && o.hash == p.hash {
			m.blob = o.blob
		} else {
			err := findBlob.QueryRowContext(ctx, p.hash[:]).Scan(&m.blob)
			if isNoRows(err) {
				err = addBlob.QueryRowContext(ctx, p.hash[:], codec.Encode(p.js)).Scan(&m.blob)
			}
			if err != nil {
				return res, fmt.Errorf("sqlite: import %s: storing entity %s: %w", v.List, id, err)
			}
		}
		next[id] = m
	}

	explicit := res.Outcome != vigil.OutcomeCurrent
	if explicit {
		err = writeMembers(ctx, tx, v, next)
	} else {
		err = s.advanceSpans(ctx, tx, v, rows, base, old, next)
	}
	if err != nil {
		return res, err
	}
	if err := insertVersion(ctx, tx, v, explicit); err != nil {
		return res, err
	}
	if err := auditTx(ctx, tx, vigil.AuditImport, importAuditQuery{v.List, v.Format, v.Hash, nonNil(v.Files), v.Published, v.Partial},
		importAuditResult{Version: v.Label(), Entities: v.Entities, Added: v.Added, Removed: v.Removed, Changed: v.Changed}); err != nil {
		return res, fmt.Errorf("sqlite: import %s: audit: %w", v.List, err)
	}
	if importHook != nil {
		if err := importHook(); err != nil {
			return res, err
		}
	}
	res.Version = v
	res.Current, _ = vigil.CurrentVersion(append(versionsOf(rows), v))
	return res, nil
}

// importAuditQuery and importAuditResult are an import's audit record.
type importAuditQuery struct {
	List      string    `json:"list"`
	Format    string    `json:"format"`
	Hash      string    `json:"sha256"`
	Files     []string  `json:"files"`
	Published time.Time `json:"published,omitzero"`
	Partial   bool      `json:"partial,omitempty"`
}

type importAuditResult struct {
	Version  string `json:"version"`
	Restores string `json:"restores,omitempty"` // the version whose content became current again
	// Withdrawn is the version a rollback withdrew, with who and why.
	Withdrawn        *vigil.Withdrawal `json:"withdrawn,omitempty"`
	WithdrawnVersion string            `json:"withdrawn_version,omitempty"`
	Entities         int               `json:"entities"`
	Added            int               `json:"added"`
	Removed          int               `json:"removed"`
	Changed          int               `json:"changed"`
}

// duplicate handles an import whose hash is stored already (dups, oldest
// first): nothing is added, unless opt.Restore brings the content back.
func (s *Store) duplicate(ctx context.Context, tx *sql.Tx, v vigil.ListVersion, dups, rows []row, cur row, hasCur bool,
	opt vigil.ImportOptions) (vigil.ImportResult, error) {
	// The newest version with this content speaks for it: when it was
	// withdrawn, so is the content (until an import with Force restores it).
	src := dups[len(dups)-1]
	res := vigil.ImportResult{Outcome: vigil.OutcomeDuplicate, Version: src.ListVersion, Current: cur.ListVersion}
	for _, d := range dups {
		if hasCur && d.Version == cur.Version {
			res.Version = d.ListVersion
			return res, vigil.ErrDuplicate
		}
	}
	if src.Withdrawn != nil {
		res.Outcome = vigil.OutcomeWithdrawnDuplicate
		if !opt.Force {
			return res, vigil.ErrDuplicate
		}
	}
	if !opt.Restore || src.Partial || (hasCur && !cur.Partial && v.InForceFrom.Before(cur.InForceFrom)) {
		return res, vigil.ErrDuplicate
	}
	// Restore: a new version whose membership is src's, in force from v's
	// date.
	nv := v
	nv.Restores = src.Version
	nv.Entities, nv.ByKind, nv.Source = src.Entities, src.ByKind, src.Source
	if opt.Guard != nil {
		var c vigil.ListVersion
		if hasCur && !cur.Partial {
			c = cur.ListVersion
		}
		if err := opt.Guard(c, nv); err != nil {
			return res, err
		}
	}
	if !hasCur {
		cur = row{ListVersion: vigil.ListVersion{List: v.List}}
	}
	nv, err := s.restore(ctx, tx, nv, rows, cur, src)
	if err != nil {
		return res, err
	}
	if err := auditTx(ctx, tx, vigil.AuditImport, importAuditQuery{v.List, v.Format, v.Hash, nonNil(v.Files), v.Published, v.Partial},
		importAuditResult{Version: nv.Label(), Restores: src.Label(), Entities: nv.Entities, Added: nv.Added, Removed: nv.Removed, Changed: nv.Changed}); err != nil {
		return res, fmt.Errorf("sqlite: import %s: audit: %w", v.List, err)
	}
	return vigil.ImportResult{Outcome: vigil.OutcomeRestored, Version: nv, Current: nv}, nil
}

// restore stores nv, a new version of nv.List with the membership of src,
// on top of base (the list's current version): the open spans move to src's
// blobs and nv's diff counts are taken against base.
func (s *Store) restore(ctx context.Context, tx *sql.Tx, nv vigil.ListVersion, rows []row, base, src row) (vigil.ListVersion, error) {
	old, err := members(ctx, tx, base)
	if err != nil {
		return nv, err
	}
	next, err := members(ctx, tx, src)
	if err != nil {
		return nv, err
	}
	d, err := diffMembers(ctx, tx, nv.List, base.Version, nv.Version, old, next)
	if err != nil {
		return nv, err
	}
	nv.Base, nv.Added, nv.Removed, nv.Changed = base.Version, len(d.Added), len(d.Removed), len(d.Changed)
	if err := s.advanceSpans(ctx, tx, nv, rows, base, old, next); err != nil {
		return nv, err
	}
	if err := insertVersion(ctx, tx, nv, false); err != nil {
		return nv, err
	}
	if importHook != nil {
		if err := importHook(); err != nil {
			return nv, err
		}
	}
	return nv, nil
}

// advanceSpans makes next (the membership of the new current version v)
// the list's open spans: the open spans of the span head are closed where
// an entity changed or left, and new ones start where one changed or
// arrived. base and old are the version v was diffed against and its
// membership, reused when base is the span head.
func (s *Store) advanceSpans(ctx context.Context, tx *sql.Tx, v vigil.ListVersion, rows []row, base row, old, next map[string]member) error {
	open := old
	if head := spanHead(rows); head == 0 {
		open = nil
	} else if head != base.Version || base.explicit {
		var err error
		if open, err = openMembers(ctx, tx, v.List); err != nil {
			return err
		}
	}
	closeSpan, err := tx.PrepareContext(ctx, "UPDATE spans SET last = ? WHERE list = ? AND id = ? AND last = ?")
	if err != nil {
		return err
	}
	defer closeSpan.Close()
	addSpan, err := tx.PrepareContext(ctx, "INSERT INTO spans (list, id, blob, first, last) VALUES (?, ?, ?, ?, ?)")
	if err != nil {
		return err
	}
	defer addSpan.Close()
	// Rows are written in key order: B-tree inserts in order are cheaper.
	for _, id := range sortedKeys(open) {
		if n, ok := next[id]; ok && n.hash == open[id].hash {
			continue
		}
		if _, err := closeSpan.ExecContext(ctx, v.Version-1, v.List, id, openSpan); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(next) {
		n := next[id]
		if m, ok := open[id]; ok && m.hash == n.hash {
			continue
		}
		if _, err := addSpan.ExecContext(ctx, v.List, id, n.blob, v.Version, openSpan); err != nil {
			return fmt.Errorf("sqlite: import %s: entity %s: %w", v.List, id, err)
		}
	}
	return nil
}

// sortedKeys returns a membership's ids in order.
func sortedKeys(m map[string]member) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// writeMembers stores the explicit membership of a partial or historical
// version.
func writeMembers(ctx context.Context, tx *sql.Tx, v vigil.ListVersion, next map[string]member) error {
	add, err := tx.PrepareContext(ctx, "INSERT INTO members (list, version, id, blob) VALUES (?, ?, ?, ?)")
	if err != nil {
		return err
	}
	defer add.Close()
	for _, id := range sortedKeys(next) {
		if _, err := add.ExecContext(ctx, v.List, v.Version, id, next[id].blob); err != nil {
			return err
		}
	}
	return nil
}

// insertVersion writes a versions row.
func insertVersion(ctx context.Context, tx *sql.Tx, v vigil.ListVersion, explicit bool) error {
	files, _ := json.Marshal(nonNil(v.Files))       // []string always encodes
	byKind, _ := json.Marshal(v.ByKind)             // map[Kind]int always encodes
	warnings, _ := json.Marshal(nonNil(v.Warnings)) // []string always encodes
	published := ""
	if !v.Published.IsZero() {
		published = v.Published.UTC().Format(time.RFC3339Nano)
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO versions ("+versionCols+`)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', '', ?, ?, ?, ?)`,
		v.List, v.Version, v.Source, v.Format, v.Hash, published, v.PublishedGiven, v.Imported.Format(time.RFC3339Nano),
		v.InForceFrom.Format(time.RFC3339Nano), string(files), v.Entities, string(byKind), v.Partial, explicit, v.Historical,
		v.Restores, string(warnings), v.Base, v.Added, v.Removed, v.Changed)
	if err != nil {
		return fmt.Errorf("sqlite: import %s: %w", v.List, err)
	}
	return nil
}

// Rollback withdraws the current version of r.List, recording r.Withdrawal,
// and makes the content of version r.To (0: the version in force before
// the current one whose content differs) current again as a new version,
// in force from when the withdrawn version was. The target must be complete
// and, unless r.Force, not withdrawn; r.Withdrawal needs who and why.
func (s *Store) Rollback(ctx context.Context, r vigil.Rollback) (vigil.ImportResult, error) {
	w := r.Withdrawal
	if strings.TrimSpace(w.By) == "" || strings.TrimSpace(w.Reason) == "" {
		return vigil.ImportResult{}, errors.New("a rollback needs who rolls back and why (the withdrawal is recorded)")
	}
	if w.At.IsZero() {
		w.At = time.Now()
	}
	w.At = w.At.UTC().Round(0)
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return vigil.ImportResult{}, err
	}
	defer tx.Rollback()
	rows, err := listRows(ctx, tx, r.List)
	if err != nil {
		return vigil.ImportResult{}, err
	}
	if len(rows) == 0 {
		return vigil.ImportResult{}, notFound("list %q", r.List)
	}
	cur, ok := currentRow(rows)
	if !ok || cur.Partial {
		return vigil.ImportResult{}, fmt.Errorf("%s has no complete current version to roll back from", r.List)
	}
	var target row
	if r.To == 0 {
		tl := vigil.Timeline(versionsOf(rows))
		for i := len(tl) - 1; i >= 0; i-- {
			if tl[i].Version != cur.Version && tl[i].Hash != cur.Hash {
				target, _ = find(rows, tl[i].Version)
				break
			}
		}
		if target.List == "" {
			return vigil.ImportResult{}, fmt.Errorf("%s has no earlier version with other content than the current %s to roll back to", r.List, cur.Label())
		}
	} else {
		t, ok := find(rows, r.To)
		switch {
		case !ok:
			return vigil.ImportResult{}, notFound("version %s@%d", r.List, r.To)
		case t.Partial:
			return vigil.ImportResult{}, fmt.Errorf("%s is a partial version: it never replaces a complete one", t.Label())
		case t.Version == cur.Version:
			return vigil.ImportResult{}, fmt.Errorf("%s is the current version already", t.Label())
		case t.Hash == cur.Hash:
			return vigil.ImportResult{}, fmt.Errorf("%s holds the same content as the current %s", t.Label(), cur.Label())
		case t.Withdrawn != nil && !r.Force:
			return vigil.ImportResult{}, fmt.Errorf("%s was withdrawn by %s on %s (%s): roll back to it only with force",
				t.Label(), t.Withdrawn.By, t.Withdrawn.At.Format(time.DateOnly), t.Withdrawn.Reason)
		}
		target = t
	}
	_, err = tx.ExecContext(ctx, "UPDATE versions SET withdrawn = ?, withdrawn_by = ?, withdrawn_why = ? WHERE list = ? AND version = ?",
		w.At.Format(time.RFC3339Nano), w.By, w.Reason, r.List, cur.Version)
	if err != nil {
		return vigil.ImportResult{}, err
	}
	withdrawn := cur.ListVersion
	withdrawn.Withdrawn = &w

	nv := target.ListVersion
	nv.Version = rows[len(rows)-1].Version + 1
	nv.Imported = w.At
	nv.InForceFrom = cur.InForceFrom
	nv.Restores = target.Version
	nv.Withdrawn, nv.Historical = nil, false
	nv, err = s.restore(ctx, tx, nv, rows, cur, target)
	if err != nil {
		return vigil.ImportResult{}, err
	}
	if err := auditTx(ctx, tx, vigil.AuditRollback, struct {
		List  string `json:"list"`
		To    int    `json:"to"`
		Force bool   `json:"force,omitempty"`
	}{r.List, r.To, r.Force}, importAuditResult{Version: nv.Label(), Restores: target.Label(), Entities: nv.Entities,
		Added: nv.Added, Removed: nv.Removed, Changed: nv.Changed, Withdrawn: &w, WithdrawnVersion: cur.Label()}); err != nil {
		return vigil.ImportResult{}, fmt.Errorf("sqlite: rollback %s: audit: %w", r.List, err)
	}
	if err := tx.Commit(); err != nil {
		return vigil.ImportResult{}, fmt.Errorf("sqlite: rollback %s: commit: %w", r.List, err)
	}
	return vigil.ImportResult{Outcome: vigil.OutcomeRolledBack, Version: nv, Current: nv, Withdrawn: &withdrawn}, nil
}

// nonNil returns s, or an empty slice for nil.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Entry is one current entity with the list version it comes from.
type Entry = vigil.Entry

// CurrentEntities loads every entity of every list's current version, for
// building the match index. Entries are grouped by list (in list order) and
// sorted by id within a list.
func (s *Store) CurrentEntities(ctx context.Context) ([]Entry, error) {
	// One read transaction so that the versions and their entities agree
	// even while an import commits.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := allRows(ctx, tx)
	if err != nil {
		return nil, err
	}
	var cur []row
	var open []bool
	for _, rs := range byList(rows) {
		if r, ok := currentRow(rs); ok {
			cur = append(cur, r)
			open = append(open, !r.explicit && r.Version == spanHead(rs))
		}
	}
	return entriesOf(ctx, tx, cur, open)
}

// entriesOf loads the entities of the given versions, reading the open
// spans where open[i] says they hold version i's membership (the fast path
// for current versions).
func entriesOf(ctx context.Context, tx *sql.Tx, vs []row, open []bool) ([]Entry, error) {
	// Rows are read on this goroutine while workers decode earlier chunks:
	// reading and decoding overlap, and raw JSON does not pile up.
	type chunk struct {
		list  int
		datas [][]byte
		out   []vigil.Entity
		err   error
	}
	const chunkSize = 512
	jobs := make(chan *chunk, 2*runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for c := range jobs {
				c.out = make([]vigil.Entity, len(c.datas))
				c.err = codec.DecodeSerial(c.datas, c.out)
				c.datas = nil // the raw JSON can go as soon as it is decoded
			}
		})
	}
	var chunks []*chunk
	scanErr := func() error {
		defer close(jobs)
		for i, v := range vs {
			query, args := membershipQuery(v, "b.data")
			if open != nil && open[i] {
				query, args = `SELECT b.data FROM spans s JOIN blobs b ON b.id = s.blob
WHERE s.list = ? AND s.last = ? ORDER BY s.id`, []any{v.List, openSpan}
			}
			rows, err := tx.QueryContext(ctx, query, args...)
			if err != nil {
				return err
			}
			c := &chunk{list: i}
			for rows.Next() {
				var data []byte
				if err := rows.Scan(&data); err != nil {
					rows.Close()
					return err
				}
				c.datas = append(c.datas, data)
				if len(c.datas) == chunkSize {
					chunks = append(chunks, c)
					jobs <- c
					c = &chunk{list: i}
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(c.datas) > 0 {
				chunks = append(chunks, c)
				jobs <- c
			}
		}
		return nil
	}()
	wg.Wait()
	if scanErr != nil {
		return nil, scanErr
	}
	n := 0
	for _, c := range chunks {
		if c.err != nil {
			return nil, c.err
		}
		n += len(c.out)
	}
	out := make([]Entry, 0, n)
	for _, c := range chunks {
		for i := range c.out {
			out = append(out, Entry{Entity: c.out[i], Version: vs[c.list].ListVersion})
		}
	}
	return out, nil
}

// holding is one row of an entity's storage: a span of versions of a list
// (explicit false: first..last) or one explicit version (first == last).
type holding struct {
	list        string
	blob        int64
	first, last int64
	explicit    bool
}

// holdings returns every span and explicit membership row of an entity.
func holdings(ctx context.Context, q queryer, id string) ([]holding, error) {
	rows, err := q.QueryContext(ctx, `SELECT list, blob, first, last, 0 FROM spans WHERE id = ?
UNION ALL SELECT list, blob, version, version, 1 FROM members WHERE id = ?`, id, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []holding
	for rows.Next() {
		var h holding
		if err := rows.Scan(&h.list, &h.blob, &h.first, &h.last, &h.explicit); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// blobIn returns the blob holding an entity in version r, if any.
func blobIn(hs []holding, r row) (int64, bool) {
	for _, h := range hs {
		if n := int64(r.Version); h.list == r.List && h.explicit == r.explicit && h.first <= n && n <= h.last {
			return h.blob, true
		}
	}
	return 0, false
}

// Entity returns an entity as of the current version of the list holding
// it; when several current lists hold the id, the most recently imported.
func (s *Store) Entity(ctx context.Context, id string) (vigil.Entity, vigil.ListVersion, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return vigil.Entity{}, vigil.ListVersion{}, err
	}
	defer tx.Rollback()
	hs, err := holdings(ctx, tx, id)
	if err != nil || len(hs) == 0 {
		return vigil.Entity{}, vigil.ListVersion{}, cmpOr(err, notFound("entity %q", id))
	}
	cur, err := current(ctx, tx)
	if err != nil {
		return vigil.Entity{}, vigil.ListVersion{}, err
	}
	var best row
	var bestBlob int64
	for _, r := range cur {
		if b, ok := blobIn(hs, r); ok && (bestBlob == 0 || r.Imported.After(best.Imported)) {
			best, bestBlob = r, b
		}
	}
	if bestBlob == 0 {
		return vigil.Entity{}, vigil.ListVersion{}, notFound("entity %q", id)
	}
	es, err := loadBlobs(ctx, tx, []int64{bestBlob})
	if err != nil {
		return vigil.Entity{}, vigil.ListVersion{}, err
	}
	return es[bestBlob], best.ListVersion, nil
}

// EntityStates returns an entity's state in each version of the timeline
// of every list that ever held it (see vigil.Store), lists in order.
func (s *Store) EntityStates(ctx context.Context, id string) ([]vigil.EntityState, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	hs, err := holdings(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	var lists []string
	for _, h := range hs {
		if !slices.Contains(lists, h.list) {
			lists = append(lists, h.list)
		}
	}
	slices.Sort(lists)
	var out []vigil.EntityState
	var blobs []int64
	var blobOf []int64 // per state: its blob, or 0
	for _, list := range lists {
		rows, err := listRows(ctx, tx, list)
		if err != nil {
			return nil, err
		}
		for _, v := range vigil.Timeline(versionsOf(rows)) {
			r, _ := find(rows, v.Version)
			b, _ := blobIn(hs, r)
			out = append(out, vigil.EntityState{Version: v})
			blobOf = append(blobOf, b)
			if b != 0 && !slices.Contains(blobs, b) {
				blobs = append(blobs, b)
			}
		}
	}
	if len(blobs) == 0 {
		return nil, notFound("entity %q in any complete list version", id)
	}
	es, err := loadBlobs(ctx, tx, blobs)
	if err != nil {
		return nil, err
	}
	for i, b := range blobOf {
		if b != 0 {
			e := es[b]
			out[i].Entity = &e
		}
	}
	return out, nil
}

// cmpOr returns err when it is not nil, else alt.
func cmpOr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}
