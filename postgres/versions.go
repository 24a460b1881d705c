package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/codec"
)

// The list timeline is stored as the sqlite store stores it (see that
// package's documentation): versions, content-addressed blobs, spans of
// complete versions and explicit membership rows. The rules that pick the
// current version are the root package's; this file reads and writes the
// rows, many at a time (arrays and unnest) where SQLite writes one by one.

// versionCols are the versions columns scanRow reads, in order.
const versionCols = `list, version, source, format, hash, published, published_given, imported, in_force, files,
entities, by_kind, partial, explicit, historical, restores, warnings, withdrawn, withdrawn_by, withdrawn_why,
base, added, removed, changed`

// row is one versions row and whether its membership is explicit.
type row struct {
	vigil.ListVersion
	explicit bool
}

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

func scanRows(rows pgx.Rows, err error) ([]row, error) {
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

func listRows(ctx context.Context, q querier, list string) ([]row, error) {
	return scanRows(q.Query(ctx, "SELECT "+versionCols+" FROM versions WHERE list = $1 ORDER BY version", list))
}

func allRows(ctx context.Context, q querier) ([]row, error) {
	return scanRows(q.Query(ctx, "SELECT "+versionCols+" FROM versions ORDER BY list, version"))
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

func find(rows []row, n int) (row, bool) {
	for _, r := range rows {
		if r.Version == n {
			return r, true
		}
	}
	return row{}, false
}

func currentRow(rows []row) (row, bool) {
	v, ok := vigil.CurrentVersion(versionsOf(rows))
	if !ok {
		return row{}, false
	}
	return find(rows, v.Version)
}

// spanHead returns the newest version stored in spans: the current
// complete version (see the sqlite store).
func spanHead(rows []row) int {
	head := 0
	for _, r := range rows {
		if !r.explicit && r.Version > head {
			head = r.Version
		}
	}
	return head
}

func version(ctx context.Context, q querier, list string, n int) (row, error) {
	r, err := scanRow(q.QueryRow(ctx, "SELECT "+versionCols+" FROM versions WHERE list = $1 AND version = $2", list, n))
	if isNoRows(err) {
		return r, notFound("version %s@%d", list, n)
	}
	return r, err
}

// Versions returns every version of a list, oldest first, or ErrNotFound.
func (s *Store) Versions(ctx context.Context, list string) ([]vigil.ListVersion, error) {
	rows, err := listRows(ctx, s.pool, list)
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
	cur, err := current(ctx, s.pool)
	if err != nil {
		return nil, err
	}
	return versionsOf(cur), nil
}

func current(ctx context.Context, q querier) ([]row, error) {
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

// AsOf returns, for every list, the version in force at t.
func (s *Store) AsOf(ctx context.Context, t time.Time) ([]vigil.ListVersion, error) {
	rows, err := allRows(ctx, s.pool)
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

// membershipQuery returns the query and arguments selecting cols (over
// the alias m for membership and b for blobs) for a version: explicit
// rows, or the spans covering it.
func membershipQuery(r row, cols string) (string, []any) {
	if r.explicit {
		return "SELECT " + cols + " FROM members m JOIN blobs b ON b.id = m.blob WHERE m.list = $1 AND m.version = $2 ORDER BY m.id",
			[]any{r.List, r.Version}
	}
	return "SELECT " + strings.ReplaceAll(cols, "m.", "s.") + " FROM spans s JOIN blobs b ON b.id = s.blob WHERE s.list = $1 AND s.last >= $2 AND s.first <= $2 ORDER BY s.id",
		[]any{r.List, r.Version}
}

func members(ctx context.Context, q querier, r row) (map[string]member, error) {
	out := make(map[string]member, r.Entities)
	if r.Version == 0 {
		return out, nil
	}
	query, args := membershipQuery(r, "m.id, m.blob, b.hash")
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return out, scanMembers(rows, out)
}

func openMembers(ctx context.Context, q querier, list string) (map[string]member, error) {
	rows, err := q.Query(ctx, "SELECT s.id, s.blob, b.hash FROM spans s JOIN blobs b ON b.id = s.blob WHERE s.list = $1 AND s.last = $2", list, openSpan)
	if err != nil {
		return nil, err
	}
	out := map[string]member{}
	return out, scanMembers(rows, out)
}

func scanMembers(rows pgx.Rows, out map[string]member) error {
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
func loadBlobs(ctx context.Context, q querier, ids []int64) (map[int64]vigil.Entity, error) {
	out := make(map[int64]vigil.Entity, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, "SELECT id, data FROM blobs WHERE id = ANY($1)", ids)
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
	return out, nil
}

// Entities returns the entities of one version of a list, sorted by id.
func (s *Store) Entities(ctx context.Context, list string, n int) ([]vigil.Entity, error) {
	var out []vigil.Entity
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		r, err := version(ctx, tx, list, n)
		if err != nil {
			return err
		}
		query, args := membershipQuery(r, "b.data")
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		datas, err := scanBlobs(rows, r.Entities)
		if err != nil {
			return err
		}
		out = make([]vigil.Entity, len(datas))
		return codec.DecodeAll(datas, out)
	})
	return out, err
}

func scanBlobs(rows pgx.Rows, hint int) ([][]byte, error) {
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

// Diff returns the diff between two versions of a list (0: the empty list
// before the first version).
func (s *Store) Diff(ctx context.Context, list string, from, to int) (vigil.Diff, error) {
	var d vigil.Diff
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		rFrom, rTo := row{ListVersion: vigil.ListVersion{List: list}}, row{ListVersion: vigil.ListVersion{List: list}}
		var err error
		if from != 0 {
			if rFrom, err = version(ctx, tx, list, from); err != nil {
				return err
			}
		}
		if to != 0 {
			if rTo, err = version(ctx, tx, list, to); err != nil {
				return err
			}
		}
		mFrom, err := members(ctx, tx, rFrom)
		if err != nil {
			return err
		}
		mTo, err := members(ctx, tx, rTo)
		if err != nil {
			return err
		}
		d, err = diffMembers(ctx, tx, list, from, to, mFrom, mTo)
		return err
	})
	return d, err
}

// diffMembers diffs two memberships, decoding only entities whose content
// differs.
func diffMembers(ctx context.Context, q querier, list string, from, to int, a, b map[string]member) (vigil.Diff, error) {
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

// Import is ImportWith with no options (see vigil.Store).
func (s *Store) Import(ctx context.Context, v vigil.ListVersion, entities []vigil.Entity) (vigil.ListVersion, error) {
	res, err := s.ImportWith(ctx, v, entities, vigil.ImportOptions{})
	return res.Version, err
}

// ImportWith stores entities as a new version of v.List under the rules of
// the list timeline (see vigil.Store and the sqlite store, whose rules
// these are), in one transaction under the lists lock, and announces the
// change (TopicLists) when it commits.
func (s *Store) ImportWith(ctx context.Context, v vigil.ListVersion, entities []vigil.Entity, opt vigil.ImportOptions) (vigil.ImportResult, error) {
	res := vigil.ImportResult{Version: v}
	if v.List == "" {
		return res, errors.New("postgres: import: list version has no list key")
	}
	if v.Hash == "" {
		return res, fmt.Errorf("postgres: import %s: no file hash", v.List)
	}
	preps := make([]prepared, len(entities))
	seen := make(map[string]bool, len(entities))
	v.ByKind = map[vigil.Kind]int{}
	for i := range entities {
		e := &entities[i]
		if e.ID == "" {
			return res, fmt.Errorf("postgres: import %s: entity %d has no id", v.List, i)
		}
		if seen[e.ID] {
			return res, fmt.Errorf("postgres: import %s: duplicate entity id %q", v.List, e.ID)
		}
		seen[e.ID] = true
		js, h, err := codec.Canonical(e)
		if err != nil {
			return res, fmt.Errorf("postgres: import %s: %w", v.List, err)
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
		v.InForceFrom = v.Published
		if v.InForceFrom.IsZero() || v.InForceFrom.After(v.Imported) {
			v.InForceFrom = v.Imported
		}
	}
	v.InForceFrom = v.InForceFrom.UTC().Round(0)
	v.Withdrawn, v.Restores, v.Historical = nil, 0, false

	err := s.write(ctx, lockLists, func(tx pgx.Tx) error {
		var err error
		res, err = s.importTx(ctx, tx, v, entities, preps, opt)
		if err != nil {
			return err
		}
		return notify(ctx, tx, vigil.TopicLists)
	})
	return res, err
}

// importTx does ImportWith's work inside tx.
func (s *Store) importTx(ctx context.Context, tx pgx.Tx, v vigil.ListVersion, entities []vigil.Entity, preps []prepared, opt vigil.ImportOptions) (vigil.ImportResult, error) {
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

	next, err := storeBlobs(ctx, tx, v.List, entities, preps, old)
	if err != nil {
		return res, err
	}
	explicit := res.Outcome != vigil.OutcomeCurrent
	if explicit {
		err = writeMembers(ctx, tx, v, next)
	} else {
		err = advanceSpans(ctx, tx, v, rows, base, old, next)
	}
	if err != nil {
		return res, err
	}
	if err := insertVersion(ctx, tx, v, explicit); err != nil {
		return res, err
	}
	if s.importHook != nil {
		if err := s.importHook(); err != nil {
			return res, err
		}
	}
	// The audit record last: the chain's head stays locked from here to
	// the commit, not for the whole import.
	if err := auditTx(ctx, tx, vigil.AuditImport, importAuditQuery{v.List, v.Format, v.Hash, nonNil(v.Files), v.Published, v.Partial},
		importAuditResult{Version: v.Label(), Entities: v.Entities, Added: v.Added, Removed: v.Removed, Changed: v.Changed}); err != nil {
		return res, fmt.Errorf("postgres: import %s: audit: %w", v.List, err)
	}
	res.Version = v
	res.Current, _ = vigil.CurrentVersion(append(versionsOf(rows), v))
	return res, nil
}

// storeBlobs returns the membership of the new version: the blob of each
// entity, found among the old membership, among stored blobs, or added.
func storeBlobs(ctx context.Context, tx pgx.Tx, list string, entities []vigil.Entity, preps []prepared, old map[string]member) (map[string]member, error) {
	next := make(map[string]member, len(preps))
	var want [][]byte // hashes to find or add
	wantJS := map[[32]byte][]byte{}
	for _, p := range preps {
		id := entities[p.idx].ID
		if o, ok := old[id]; ok && o.hash == p.hash {
			next[id] = o
			continue
		}
		if _, ok := wantJS[p.hash]; !ok {
			wantJS[p.hash] = p.js
			want = append(want, p.hash[:])
		}
	}
	found := make(map[[32]byte]int64, len(want))
	if len(want) > 0 {
		collect := func(rows pgx.Rows, err error) error {
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var id int64
				var h []byte
				if err := rows.Scan(&id, &h); err != nil {
					return err
				}
				found[[32]byte(h)] = id
			}
			return rows.Err()
		}
		if err := collect(tx.Query(ctx, "SELECT id, hash FROM blobs WHERE hash = ANY($1)", want)); err != nil {
			return nil, fmt.Errorf("postgres: import %s: finding stored entities: %w", list, err)
		}
		var hs, datas [][]byte
		for _, h := range want {
			if _, ok := found[[32]byte(h)]; !ok {
				hs = append(hs, h)
				datas = append(datas, codec.Encode(wantJS[[32]byte(h)]))
			}
		}
		if len(hs) > 0 {
			if err := collect(tx.Query(ctx, `INSERT INTO blobs (hash, data) SELECT * FROM unnest($1::bytea[], $2::bytea[])
ON CONFLICT (hash) DO NOTHING RETURNING id, hash`, hs, datas)); err != nil {
				return nil, fmt.Errorf("postgres: import %s: storing entities: %w", list, err)
			}
		}
	}
	for _, p := range preps {
		id := entities[p.idx].ID
		if _, ok := next[id]; ok {
			continue
		}
		b, ok := found[p.hash]
		if !ok {
			return nil, fmt.Errorf("postgres: import %s: entity %s: its content was not stored", list, id)
		}
		next[id] = member{blob: b, hash: p.hash}
	}
	return next, nil
}

// importAuditQuery and importAuditResult are an import's audit record (the
// same JSON as the sqlite store's).
type importAuditQuery struct {
	List      string    `json:"list"`
	Format    string    `json:"format"`
	Hash      string    `json:"sha256"`
	Files     []string  `json:"files"`
	Published time.Time `json:"published,omitzero"`
	Partial   bool      `json:"partial,omitempty"`
}

type importAuditResult struct {
	Version          string            `json:"version"`
	Restores         string            `json:"restores,omitempty"`
	Withdrawn        *vigil.Withdrawal `json:"withdrawn,omitempty"`
	WithdrawnVersion string            `json:"withdrawn_version,omitempty"`
	Entities         int               `json:"entities"`
	Added            int               `json:"added"`
	Removed          int               `json:"removed"`
	Changed          int               `json:"changed"`
}

// duplicate handles an import whose hash is stored already.
func (s *Store) duplicate(ctx context.Context, tx pgx.Tx, v vigil.ListVersion, dups, rows []row, cur row, hasCur bool,
	opt vigil.ImportOptions) (vigil.ImportResult, error) {
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
		return res, fmt.Errorf("postgres: import %s: audit: %w", v.List, err)
	}
	return vigil.ImportResult{Outcome: vigil.OutcomeRestored, Version: nv, Current: nv}, nil
}

// restore stores nv, a new version with the membership of src, on top of
// base (the list's current version).
func (s *Store) restore(ctx context.Context, tx pgx.Tx, nv vigil.ListVersion, rows []row, base, src row) (vigil.ListVersion, error) {
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
	if err := advanceSpans(ctx, tx, nv, rows, base, old, next); err != nil {
		return nv, err
	}
	if err := insertVersion(ctx, tx, nv, false); err != nil {
		return nv, err
	}
	if s.importHook != nil {
		if err := s.importHook(); err != nil {
			return nv, err
		}
	}
	return nv, nil
}

// advanceSpans makes next (the membership of the new current version v)
// the list's open spans: spans of entities that changed or left are
// closed, and new ones start for entities that changed or arrived.
func advanceSpans(ctx context.Context, tx pgx.Tx, v vigil.ListVersion, rows []row, base row, old, next map[string]member) error {
	open := old
	if head := spanHead(rows); head == 0 {
		open = nil
	} else if head != base.Version || base.explicit {
		var err error
		if open, err = openMembers(ctx, tx, v.List); err != nil {
			return err
		}
	}
	var closing []string
	for _, id := range sortedKeys(open) {
		if n, ok := next[id]; ok && n.hash == open[id].hash {
			continue
		}
		closing = append(closing, id)
	}
	var ids []string
	var blobs []int64
	for _, id := range sortedKeys(next) {
		n := next[id]
		if m, ok := open[id]; ok && m.hash == n.hash {
			continue
		}
		ids, blobs = append(ids, id), append(blobs, n.blob)
	}
	if len(closing) > 0 {
		if _, err := tx.Exec(ctx, "UPDATE spans SET last = $1 WHERE list = $2 AND last = $3 AND id = ANY($4)",
			v.Version-1, v.List, openSpan, closing); err != nil {
			return fmt.Errorf("postgres: import %s: closing spans: %w", v.List, err)
		}
	}
	if len(ids) > 0 {
		if _, err := tx.Exec(ctx, `INSERT INTO spans (list, id, blob, first, last)
SELECT $1, u.id, u.blob, $4, $5 FROM unnest($2::text[], $3::bigint[]) AS u (id, blob)`,
			v.List, ids, blobs, v.Version, openSpan); err != nil {
			return fmt.Errorf("postgres: import %s: spans: %w", v.List, err)
		}
	}
	return nil
}

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
func writeMembers(ctx context.Context, tx pgx.Tx, v vigil.ListVersion, next map[string]member) error {
	ids := sortedKeys(next)
	if len(ids) == 0 {
		return nil
	}
	blobs := make([]int64, len(ids))
	for i, id := range ids {
		blobs[i] = next[id].blob
	}
	_, err := tx.Exec(ctx, `INSERT INTO members (list, version, id, blob)
SELECT $1, $2, u.id, u.blob FROM unnest($3::text[], $4::bigint[]) AS u (id, blob)`, v.List, v.Version, ids, blobs)
	if err != nil {
		return fmt.Errorf("postgres: import %s: members: %w", v.List, err)
	}
	return nil
}

func insertVersion(ctx context.Context, tx pgx.Tx, v vigil.ListVersion, explicit bool) error {
	files, _ := json.Marshal(nonNil(v.Files))
	byKind, _ := json.Marshal(v.ByKind)
	warnings, _ := json.Marshal(nonNil(v.Warnings))
	published := ""
	if !v.Published.IsZero() {
		published = v.Published.UTC().Format(time.RFC3339Nano)
	}
	_, err := tx.Exec(ctx, "INSERT INTO versions ("+versionCols+`)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, '', '', '', $18, $19, $20, $21)`,
		v.List, v.Version, v.Source, v.Format, v.Hash, published, v.PublishedGiven, v.Imported.Format(time.RFC3339Nano),
		v.InForceFrom.Format(time.RFC3339Nano), string(files), v.Entities, string(byKind), v.Partial, explicit, v.Historical,
		v.Restores, string(warnings), v.Base, v.Added, v.Removed, v.Changed)
	if err != nil {
		return fmt.Errorf("postgres: import %s: %w", v.List, err)
	}
	return nil
}

// Rollback withdraws the current version of r.List and makes an earlier
// version's content current again (see vigil.Store and the sqlite store).
func (s *Store) Rollback(ctx context.Context, r vigil.Rollback) (vigil.ImportResult, error) {
	w := r.Withdrawal
	if strings.TrimSpace(w.By) == "" || strings.TrimSpace(w.Reason) == "" {
		return vigil.ImportResult{}, errors.New("a rollback needs who rolls back and why (the withdrawal is recorded)")
	}
	if w.At.IsZero() {
		w.At = time.Now()
	}
	w.At = w.At.UTC().Round(0)
	var res vigil.ImportResult
	err := s.write(ctx, lockLists, func(tx pgx.Tx) error {
		var err error
		if res, err = s.rollbackTx(ctx, tx, r, w); err != nil {
			return err
		}
		return notify(ctx, tx, vigil.TopicLists)
	})
	if err != nil {
		return vigil.ImportResult{}, err
	}
	return res, nil
}

func (s *Store) rollbackTx(ctx context.Context, tx pgx.Tx, r vigil.Rollback, w vigil.Withdrawal) (vigil.ImportResult, error) {
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
	if _, err := tx.Exec(ctx, "UPDATE versions SET withdrawn = $1, withdrawn_by = $2, withdrawn_why = $3 WHERE list = $4 AND version = $5",
		w.At.Format(time.RFC3339Nano), w.By, w.Reason, r.List, cur.Version); err != nil {
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
		return vigil.ImportResult{}, fmt.Errorf("postgres: rollback %s: audit: %w", r.List, err)
	}
	return vigil.ImportResult{Outcome: vigil.OutcomeRolledBack, Version: nv, Current: nv, Withdrawn: &withdrawn}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// CurrentEntities loads every entity of every list's current version,
// grouped by list (in list order), sorted by id within a list, in one
// snapshot.
func (s *Store) CurrentEntities(ctx context.Context) ([]vigil.Entry, error) {
	var out []vigil.Entry
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		rows, err := allRows(ctx, tx)
		if err != nil {
			return err
		}
		var cur []row
		var open []bool
		for _, rs := range byList(rows) {
			if r, ok := currentRow(rs); ok {
				cur = append(cur, r)
				open = append(open, !r.explicit && r.Version == spanHead(rs))
			}
		}
		out, err = entriesOf(ctx, tx, cur, open)
		return err
	})
	return out, err
}

// entriesOf loads the entities of the given versions; reading rows and
// decoding them overlap (workers decode chunks while rows are read).
func entriesOf(ctx context.Context, tx pgx.Tx, vs []row, open []bool) ([]vigil.Entry, error) {
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
				c.datas = nil
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
WHERE s.list = $1 AND s.last = $2 ORDER BY s.id`, []any{v.List, openSpan}
			}
			rows, err := tx.Query(ctx, query, args...)
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
	out := make([]vigil.Entry, 0, n)
	for _, c := range chunks {
		for i := range c.out {
			out = append(out, vigil.Entry{Entity: c.out[i], Version: vs[c.list].ListVersion})
		}
	}
	return out, nil
}

// holding is one row of an entity's storage.
type holding struct {
	list        string
	blob        int64
	first, last int64
	explicit    bool
}

func holdings(ctx context.Context, q querier, id string) ([]holding, error) {
	rows, err := q.Query(ctx, `SELECT list, blob, first::bigint, last, false FROM spans WHERE id = $1
UNION ALL SELECT list, blob, version::bigint, version::bigint, true FROM members WHERE id = $1`, id)
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
	var e vigil.Entity
	var v vigil.ListVersion
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		hs, err := holdings(ctx, tx, id)
		if err != nil {
			return err
		}
		if len(hs) == 0 {
			return notFound("entity %q", id)
		}
		cur, err := current(ctx, tx)
		if err != nil {
			return err
		}
		var best row
		var bestBlob int64
		for _, r := range cur {
			if b, ok := blobIn(hs, r); ok && (bestBlob == 0 || r.Imported.After(best.Imported)) {
				best, bestBlob = r, b
			}
		}
		if bestBlob == 0 {
			return notFound("entity %q", id)
		}
		es, err := loadBlobs(ctx, tx, []int64{bestBlob})
		if err != nil {
			return err
		}
		e, v = es[bestBlob], best.ListVersion
		return nil
	})
	return e, v, err
}

// EntityStates returns an entity's state in each version of the timeline
// of every list that ever held it (see vigil.Store), lists in order.
func (s *Store) EntityStates(ctx context.Context, id string) ([]vigil.EntityState, error) {
	var out []vigil.EntityState
	err := s.snapshot(ctx, func(tx pgx.Tx) error {
		hs, err := holdings(ctx, tx, id)
		if err != nil {
			return err
		}
		var lists []string
		for _, h := range hs {
			if !slices.Contains(lists, h.list) {
				lists = append(lists, h.list)
			}
		}
		slices.Sort(lists)
		var blobs []int64
		var blobOf []int64
		for _, list := range lists {
			rows, err := listRows(ctx, tx, list)
			if err != nil {
				return err
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
			return notFound("entity %q in any complete list version", id)
		}
		es, err := loadBlobs(ctx, tx, blobs)
		if err != nil {
			return err
		}
		for i, b := range blobOf {
			if b != 0 {
				e := es[b]
				out[i].Entity = &e
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
