package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	vigil "github.com/vigil-screening/vigil"
)

// queryer is what *sql.DB and *sql.Tx share for reading.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// versionCols are the versions columns scanVersion reads, in order.
const versionCols = "list, version, source, format, hash, published, imported, files, entities, by_kind, partial, base, added, removed, changed"

// scanVersion reads one versions row; base is the version its stored diff
// starts from.
func scanVersion(sc interface{ Scan(...any) error }) (v vigil.ListVersion, base int, err error) {
	var published, imported, files, byKind string
	err = sc.Scan(&v.List, &v.Version, &v.Source, &v.Format, &v.Hash, &published, &imported,
		&files, &v.Entities, &byKind, &v.Partial, &base, &v.Added, &v.Removed, &v.Changed)
	if err != nil {
		return v, 0, err
	}
	if published != "" {
		if v.Published, err = time.Parse(time.RFC3339Nano, published); err != nil {
			return v, 0, fmt.Errorf("version %s: published: %w", v.Label(), err)
		}
	}
	if v.Imported, err = time.Parse(time.RFC3339Nano, imported); err != nil {
		return v, 0, fmt.Errorf("version %s: imported: %w", v.Label(), err)
	}
	if err = json.Unmarshal([]byte(files), &v.Files); err != nil {
		return v, 0, fmt.Errorf("version %s: files: %w", v.Label(), err)
	}
	if err = json.Unmarshal([]byte(byKind), &v.ByKind); err != nil {
		return v, 0, fmt.Errorf("version %s: by_kind: %w", v.Label(), err)
	}
	return v, base, nil
}

// version reads one version of a list.
func version(ctx context.Context, q queryer, list string, n int) (vigil.ListVersion, int, error) {
	v, base, err := scanVersion(q.QueryRowContext(ctx,
		"SELECT "+versionCols+" FROM versions WHERE list = ? AND version = ?", list, n))
	if isNoRows(err) {
		return v, 0, notFound("version %s@%d", list, n)
	}
	return v, base, err
}

// Versions returns every version of a list, oldest first, or ErrNotFound
// when the list has none.
func (s *Store) Versions(ctx context.Context, list string) ([]vigil.ListVersion, error) {
	out, err := scanVersions(s.db.QueryContext(ctx, "SELECT "+versionCols+" FROM versions WHERE list = ? ORDER BY version", list))
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, notFound("list %q", list)
	}
	return out, nil
}

// currentQuery selects the current version of every list: the newest
// complete one, or the newest partial one where none is complete.
const currentQuery = "SELECT " + versionCols + ` FROM versions v
WHERE version = (SELECT version FROM versions w WHERE w.list = v.list ORDER BY partial, version DESC LIMIT 1)
ORDER BY list`

// Current returns the current version of every list, ordered by list.
func (s *Store) Current(ctx context.Context) ([]vigil.ListVersion, error) {
	return current(ctx, s.db)
}

func current(ctx context.Context, q queryer) ([]vigil.ListVersion, error) {
	return scanVersions(q.QueryContext(ctx, currentQuery))
}

// scanVersions reads every row of a query over versionCols.
func scanVersions(rows *sql.Rows, err error) ([]vigil.ListVersion, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vigil.ListVersion
	for rows.Next() {
		v, _, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// member is one entity of a version: its id, blob row and content hash.
type member struct {
	blob int64
	hash [32]byte
}

// members returns the membership of a version of a list (nothing for
// version 0, the empty version before the first).
func members(ctx context.Context, q queryer, v vigil.ListVersion) (map[string]member, error) {
	out := make(map[string]member, v.Entities)
	if v.Version == 0 {
		return out, nil
	}
	var rows *sql.Rows
	var err error
	if v.Partial {
		rows, err = q.QueryContext(ctx, `SELECT m.id, m.blob, b.hash FROM partial_members m JOIN blobs b ON b.id = m.blob
WHERE m.list = ? AND m.version = ?`, v.List, v.Version)
	} else {
		rows, err = q.QueryContext(ctx, `SELECT s.id, s.blob, b.hash FROM spans s JOIN blobs b ON b.id = s.blob
WHERE s.list = ? AND s.last >= ? AND s.first <= ?`, v.List, v.Version, v.Version)
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var m member
		var h []byte
		if err := rows.Scan(&id, &m.blob, &h); err != nil {
			return nil, err
		}
		copy(m.hash[:], h)
		out[id] = m
	}
	return out, rows.Err()
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
		if err := decodeAll(datas, es); err != nil {
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
	v, _, err := version(ctx, s.db, list, n)
	if err != nil {
		return nil, err
	}
	var rows *sql.Rows
	if v.Partial {
		rows, err = s.db.QueryContext(ctx, `SELECT b.data FROM partial_members m JOIN blobs b ON b.id = m.blob
WHERE m.list = ? AND m.version = ? ORDER BY m.id`, list, n)
	} else {
		rows, err = s.db.QueryContext(ctx, `SELECT b.data FROM spans s JOIN blobs b ON b.id = s.blob
WHERE s.list = ? AND s.last >= ? AND s.first <= ? ORDER BY s.id`, list, n, n)
	}
	if err != nil {
		return nil, err
	}
	datas, err := scanBlobs(rows, v.Entities)
	if err != nil {
		return nil, err
	}
	out := make([]vigil.Entity, len(datas))
	return out, decodeAll(datas, out)
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

// Diff returns the diff between two versions of a list; version 0 is the
// empty list before the first version. The diff of a version against the
// version it was imported on top of is stored; any other is computed,
// decoding only the entities whose content differs.
func (s *Store) Diff(ctx context.Context, list string, from, to int) (vigil.Diff, error) {
	vFrom, vTo := vigil.ListVersion{List: list}, vigil.ListVersion{List: list}
	var base int
	var err error
	if from != 0 {
		if vFrom, _, err = version(ctx, s.db, list, from); err != nil {
			return vigil.Diff{}, err
		}
	}
	if to != 0 {
		if vTo, base, err = version(ctx, s.db, list, to); err != nil {
			return vigil.Diff{}, err
		}
		if base == from {
			var data []byte
			if err := s.db.QueryRowContext(ctx, "SELECT diff FROM versions WHERE list = ? AND version = ?", list, to).Scan(&data); err != nil {
				return vigil.Diff{}, err
			}
			var d vigil.Diff
			js, err := decodeBlob(data)
			if err == nil {
				err = json.Unmarshal(js, &d)
			}
			if err != nil {
				return vigil.Diff{}, fmt.Errorf("stored diff of %s: %w", vTo.Label(), err)
			}
			return d, nil
		}
	}
	mFrom, err := members(ctx, s.db, vFrom)
	if err != nil {
		return vigil.Diff{}, err
	}
	mTo, err := members(ctx, s.db, vTo)
	if err != nil {
		return vigil.Diff{}, err
	}
	return diffMembers(ctx, s.db, list, from, to, mFrom, mTo)
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

// Import stores entities as a new version of v.List (see vigil.Store). It
// assigns Version, Imported (when zero), Entities, ByKind and the diff
// counts; v.List and v.Hash are required. Entity ids must be non-empty and
// unique within the import. The diff is taken against the newest earlier
// complete version (or the newest earlier partial one when the list has no
// complete version) and stored with the version.
func (s *Store) Import(ctx context.Context, v vigil.ListVersion, entities []vigil.Entity) (vigil.ListVersion, error) {
	if v.List == "" {
		return v, errors.New("sqlite: import: list version has no list key")
	}
	if v.Hash == "" {
		return v, fmt.Errorf("sqlite: import %s: no file hash", v.List)
	}
	preps := make([]prepared, len(entities))
	seen := make(map[string]bool, len(entities))
	v.ByKind = map[vigil.Kind]int{}
	for i := range entities {
		e := &entities[i]
		if e.ID == "" {
			return v, fmt.Errorf("sqlite: import %s: entity %d has no id", v.List, i)
		}
		if seen[e.ID] {
			return v, fmt.Errorf("sqlite: import %s: duplicate entity id %q", v.List, e.ID)
		}
		seen[e.ID] = true
		js, h, err := canonical(e)
		if err != nil {
			return v, fmt.Errorf("sqlite: import %s: %w", v.List, err)
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

	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return v, err
	}
	defer tx.Rollback()
	out, err := s.importTx(ctx, tx, v, entities, preps)
	if err != nil {
		return out, err
	}
	if err := tx.Commit(); err != nil {
		return v, fmt.Errorf("sqlite: import %s: commit: %w", v.List, err)
	}
	return out, nil
}

// importTx does Import's work inside tx.
func (s *Store) importTx(ctx context.Context, tx *sql.Tx, v vigil.ListVersion, entities []vigil.Entity, preps []prepared) (vigil.ListVersion, error) {
	existing, _, err := scanVersion(tx.QueryRowContext(ctx,
		"SELECT "+versionCols+" FROM versions WHERE list = ? AND hash = ?", v.List, v.Hash))
	if err == nil {
		return existing, vigil.ErrDuplicate
	}
	if !isNoRows(err) {
		return v, err
	}
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) + 1 FROM versions WHERE list = ?", v.List).Scan(&v.Version); err != nil {
		return v, err
	}
	// The base: newest complete version, else newest partial, else none.
	base := vigil.ListVersion{List: v.List}
	var baseNo int
	err = tx.QueryRowContext(ctx, "SELECT version FROM versions WHERE list = ? ORDER BY partial, version DESC LIMIT 1", v.List).Scan(&baseNo)
	switch {
	case err == nil:
		if base, _, err = version(ctx, tx, v.List, baseNo); err != nil {
			return v, err
		}
	case !isNoRows(err):
		return v, err
	}
	old, err := members(ctx, tx, base)
	if err != nil {
		return v, err
	}
	// Diff: only entities whose content changed are decoded.
	var need []int64
	var oldSub, newSub []vigil.Entity
	for _, p := range preps {
		id := entities[p.idx].ID
		m, ok := old[id]
		if ok && m.hash == p.hash {
			continue
		}
		newSub = append(newSub, entities[p.idx])
		if ok {
			need = append(need, m.blob)
		}
	}
	inNew := make(map[string]bool, len(preps))
	for i := range entities {
		inNew[entities[i].ID] = true
	}
	var removed []string
	for id := range old {
		if !inNew[id] {
			oldSub = append(oldSub, vigil.Entity{ID: id})
			removed = append(removed, id)
		}
	}
	oldEs, err := loadBlobs(ctx, tx, need)
	if err != nil {
		return v, err
	}
	for _, b := range need {
		oldSub = append(oldSub, oldEs[b])
	}
	d := vigil.DiffEntities(v.List, base.Version, v.Version, oldSub, newSub)
	v.Added, v.Removed, v.Changed = len(d.Added), len(d.Removed), len(d.Changed)

	// Blobs for new content.
	blobIDs := make([]int64, len(preps))
	findBlob, err := tx.PrepareContext(ctx, "SELECT id FROM blobs WHERE hash = ?")
	if err != nil {
		return v, err
	}
	defer findBlob.Close()
	addBlob, err := tx.PrepareContext(ctx, "INSERT INTO blobs (hash, data) VALUES (?, ?) RETURNING id")
	if err != nil {
		return v, err
	}
	defer addBlob.Close()
	for i, p := range preps {
		if m, ok := old[entities[p.idx].ID]; ok && m.hash == p.hash {
			blobIDs[i] = m.blob
			continue
		}
		err := findBlob.QueryRowContext(ctx, p.hash[:]).Scan(&blobIDs[i])
		if isNoRows(err) {
			err = addBlob.QueryRowContext(ctx, p.hash[:], encodeBlob(p.js)).Scan(&blobIDs[i])
		}
		if err != nil {
			return v, fmt.Errorf("sqlite: import %s: storing entity %s: %w", v.List, entities[p.idx].ID, err)
		}
	}

	if v.Partial {
		add, err := tx.PrepareContext(ctx, "INSERT INTO partial_members (list, version, id, blob) VALUES (?, ?, ?, ?)")
		if err != nil {
			return v, err
		}
		defer add.Close()
		for i, p := range preps {
			if _, err := add.ExecContext(ctx, v.List, v.Version, entities[p.idx].ID, blobIDs[i]); err != nil {
				return v, err
			}
		}
	} else if err := writeSpans(ctx, tx, v, entities, preps, blobIDs, base, old, removed); err != nil {
		return v, err
	}

	diffJS, err := json.Marshal(d)
	if err != nil {
		return v, err
	}
	files, _ := json.Marshal(nonNil(v.Files)) // []string always encodes
	byKind, _ := json.Marshal(v.ByKind)       // map[Kind]int always encodes
	published := ""
	if !v.Published.IsZero() {
		published = v.Published.Format(time.RFC3339Nano)
	}
	_, err = tx.ExecContext(ctx, "INSERT INTO versions ("+versionCols+`, diff)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.List, v.Version, v.Source, v.Format, v.Hash, published, v.Imported.Format(time.RFC3339Nano),
		string(files), v.Entities, string(byKind), v.Partial, base.Version, v.Added, v.Removed, v.Changed, encodeBlob(diffJS))
	if err != nil {
		return v, fmt.Errorf("sqlite: import %s: %w", v.List, err)
	}
	if err := auditTx(ctx, tx, vigil.AuditImport, importAuditQuery{v.List, v.Format, v.Hash, nonNil(v.Files), v.Published, v.Partial},
		importAuditResult{v.Label(), v.Entities, v.Added, v.Removed, v.Changed}); err != nil {
		return v, fmt.Errorf("sqlite: import %s: audit: %w", v.List, err)
	}
	if importHook != nil {
		if err := importHook(); err != nil {
			return v, err
		}
	}
	return v, nil
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
	Entities int    `json:"entities"`
	Added    int    `json:"added"`
	Removed  int    `json:"removed"`
	Changed  int    `json:"changed"`
}

// writeSpans updates the spans for a new complete version: the open spans
// (the newest complete version's membership) are closed where an entity
// changed or left, and new open spans start where one changed or arrived.
func writeSpans(ctx context.Context, tx *sql.Tx, v vigil.ListVersion, entities []vigil.Entity, preps []prepared,
	blobIDs []int64, base vigil.ListVersion, old map[string]member, removed []string) error {
	// When the base is partial (no complete version yet) there are no open
	// spans: every entity starts one.
	open := old
	if base.Partial || base.Version == 0 {
		open = nil
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
	for _, id := range removed {
		if _, ok := open[id]; !ok {
			continue
		}
		if _, err := closeSpan.ExecContext(ctx, v.Version-1, v.List, id, openSpan); err != nil {
			return err
		}
	}
	for i, p := range preps {
		id := entities[p.idx].ID
		m, ok := open[id]
		if ok && m.hash == p.hash {
			continue
		}
		if ok {
			if _, err := closeSpan.ExecContext(ctx, v.Version-1, v.List, id, openSpan); err != nil {
				return err
			}
		}
		if _, err := addSpan.ExecContext(ctx, v.List, id, blobIDs[i], v.Version, openSpan); err != nil {
			return fmt.Errorf("sqlite: import %s: entity %s: %w", v.List, id, err)
		}
	}
	return nil
}

// nonNil returns s, or an empty slice for nil.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Entry is one current entity with the list version it comes from.
type Entry struct {
	Entity  vigil.Entity
	Version vigil.ListVersion
}

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
	cur, err := current(ctx, tx)
	if err != nil {
		return nil, err
	}
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
				c.err = decodeSerial(c.datas, c.out)
				c.datas = nil // the raw JSON can go as soon as it is decoded
			}
		})
	}
	var chunks []*chunk
	scanErr := func() error {
		defer close(jobs)
		for i, v := range cur {
			var rows *sql.Rows
			if v.Partial {
				rows, err = tx.QueryContext(ctx, `SELECT b.data FROM partial_members m JOIN blobs b ON b.id = m.blob
WHERE m.list = ? AND m.version = ? ORDER BY m.id`, v.List, v.Version)
			} else {
				rows, err = tx.QueryContext(ctx, `SELECT b.data FROM spans s JOIN blobs b ON b.id = s.blob
WHERE s.list = ? AND s.last = ? ORDER BY s.id`, v.List, openSpan)
			}
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
			out = append(out, Entry{Entity: c.out[i], Version: cur[c.list]})
		}
	}
	return out, nil
}

// Entity returns an entity as of the current version of the list holding
// it; when several current lists hold the id, the most recently imported.
func (s *Store) Entity(ctx context.Context, id string) (vigil.Entity, vigil.ListVersion, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return vigil.Entity{}, vigil.ListVersion{}, err
	}
	defer tx.Rollback()
	cur, err := current(ctx, tx)
	if err != nil {
		return vigil.Entity{}, vigil.ListVersion{}, err
	}
	byList := make(map[string]vigil.ListVersion, len(cur))
	for _, v := range cur {
		byList[v.List] = v
	}
	rows, err := tx.QueryContext(ctx, `SELECT s.list, 0, b.data FROM spans s JOIN blobs b ON b.id = s.blob WHERE s.id = ? AND s.last = ?
UNION ALL
SELECT m.list, m.version, b.data FROM partial_members m JOIN blobs b ON b.id = m.blob WHERE m.id = ?`, id, openSpan, id)
	if err != nil {
		return vigil.Entity{}, vigil.ListVersion{}, err
	}
	defer rows.Close()
	var best vigil.ListVersion
	var bestData []byte
	for rows.Next() {
		var list string
		var n int
		var data []byte
		if err := rows.Scan(&list, &n, &data); err != nil {
			return vigil.Entity{}, vigil.ListVersion{}, err
		}
		v, ok := byList[list]
		if !ok || v.Partial != (n != 0) || (n != 0 && v.Version != n) {
			continue // not the list's current version
		}
		if bestData == nil || v.Imported.After(best.Imported) {
			best, bestData = v, data
		}
	}
	if err := rows.Err(); err != nil {
		return vigil.Entity{}, vigil.ListVersion{}, err
	}
	if bestData == nil {
		return vigil.Entity{}, vigil.ListVersion{}, notFound("entity %q", id)
	}
	var e vigil.Entity
	js, err := decodeBlob(bestData)
	if err == nil {
		err = unmarshalEntity(js, &e)
	}
	return e, best, err
}
