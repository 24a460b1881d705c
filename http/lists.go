package http

import (
	"context"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
)

// ListStatus is one list as served: its current version, its age, and any
// problem with its newest download.
type ListStatus struct {
	vigil.ListVersion
	// AgeSeconds is the time since the version was published (or, when the
	// file states no date, imported).
	AgeSeconds float64 `json:"age_seconds"`
	Problem    string  `json:"problem,omitempty"`
}

// ListsResponse answers GET /v1/lists.
type ListsResponse struct {
	Lists []ListStatus `json:"lists"`
	// Built is when the served index was built; Refresh the outcome of the
	// last refresh, if any.
	Built   time.Time      `json:"built"`
	Refresh *RefreshStatus `json:"refresh,omitempty"`
}

// listAge is the age of a list version at now.
func listAge(v vigil.ListVersion, now time.Time) time.Duration {
	t := v.Published
	if t.IsZero() {
		t = v.Imported
	}
	if t.IsZero() {
		return 0
	}
	return now.Sub(t)
}

func (s *Server) listStatus(snap *Snapshot) ListsResponse {
	now := time.Now()
	res := ListsResponse{Lists: []ListStatus{}, Built: snap.Built, Refresh: s.LastRefresh()}
	seen := map[string]bool{}
	for _, v := range snap.Versions {
		seen[v.List] = true
		res.Lists = append(res.Lists, ListStatus{v, listAge(v, now).Seconds(), snap.Problems[v.List]})
	}
	for list, p := range snap.Problems {
		if !seen[list] {
			res.Lists = append(res.Lists, ListStatus{ListVersion: vigil.ListVersion{List: list}, Problem: p})
		}
	}
	slices.SortFunc(res.Lists, func(a, b ListStatus) int { return strings.Compare(a.List, b.List) })
	return res
}

func (s *Server) handleLists(w http.ResponseWriter, _ *http.Request) {
	snap := s.ready(w)
	if snap == nil {
		return
	}
	writeJSON(w, http.StatusOK, s.listStatus(snap))
}

// VersionsResponse answers GET /v1/lists/{list}/versions, oldest first.
type VersionsResponse struct {
	List     string              `json:"list"`
	Versions []vigil.ListVersion `json:"versions"`
}

func (s *Server) versions(ctx context.Context, list string) ([]vigil.ListVersion, error) {
	if s.opts.Store == nil {
		return nil, errors.New("no store configured")
	}
	vs, err := s.opts.Store.Versions(ctx, list)
	if err != nil && !errors.Is(err, vigil.ErrNotFound) {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, &requestError{http.StatusNotFound, "no list " + strconv.Quote(list) + " has been imported"}
	}
	return vs, nil
}

func (s *Server) handleVersions(w http.ResponseWriter, r *http.Request) {
	list := r.PathValue("list")
	vs, err := s.versions(r.Context(), list)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, VersionsResponse{list, vs})
}

// diffFor returns the diff between versions from and to of a list, read from
// query values; to defaults to the newest version and from to the one before.
func (s *Server) diffFor(ctx context.Context, list, fromS, toS string) (vigil.Diff, error) {
	vs, err := s.versions(ctx, list)
	if err != nil {
		return vigil.Diff{}, err
	}
	num := func(name, v string, def int) (int, error) {
		if v == "" {
			return def, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, badRequest("parameter %q must be a version number (1, 2, …), not %q", name, v)
		}
		if !slices.ContainsFunc(vs, func(x vigil.ListVersion) bool { return x.Version == n }) {
			return 0, &requestError{http.StatusNotFound, "list " + strconv.Quote(list) + " has no version " + v}
		}
		return n, nil
	}
	to, err := num("to", toS, vs[len(vs)-1].Version)
	if err != nil {
		return vigil.Diff{}, err
	}
	from, err := num("from", fromS, max(to-1, vs[0].Version))
	if err != nil {
		return vigil.Diff{}, err
	}
	d, err := s.opts.Store.Diff(ctx, list, from, to)
	if errors.Is(err, vigil.ErrNotFound) {
		return d, &requestError{http.StatusNotFound, err.Error()}
	}
	return d, err
}

func (s *Server) handleDiff(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d, err := s.diffFor(r.Context(), r.PathValue("list"), q.Get("from"), q.Get("to"))
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) handleRefresh(w http.ResponseWriter, r *http.Request) {
	if s.opts.Reload == nil {
		writeError(w, http.StatusNotImplemented, "%v", ErrNoReloader)
		return
	}
	wait := r.URL.Query().Get("wait")
	if wait == "true" || wait == "1" {
		// The reload outlives the request timeout: downloads may be slow.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Minute)
		defer cancel()
		if err := s.Refresh(ctx); err != nil {
			writeJSON(w, http.StatusBadGateway, map[string]any{"status": "failed", "error": err.Error(), "refresh": s.LastRefresh()})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"status": "done", "refresh": s.LastRefresh()})
		return
	}
	go func() {
		// Detached from the request, but keeping who asked (for the
		// audit records of what the refresh imports).
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Minute)
		defer cancel()
		_ = s.Refresh(ctx) // logged and recorded by Refresh
	}()
	writeJSON(w, http.StatusAccepted, map[string]string{"status": "started"})
}

// Auditor keeps the audit log: the part of vigil.AuditLog the server uses
// (the sqlite store implements it).
type Auditor interface {
	AppendAudit(ctx context.Context, rec vigil.AuditRecord) (vigil.AuditRecord, error)
	AuditLog(ctx context.Context, f vigil.AuditFilter) ([]vigil.AuditRecord, error)
}

// AuditResponse answers GET /v1/audit.
type AuditResponse struct {
	Records []vigil.AuditRecord `json:"records"`
}

func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	if s.opts.Audit == nil {
		writeError(w, http.StatusNotImplemented, "no audit log is configured on this server")
		return
	}
	p := r.URL.Query()
	for k := range p {
		switch k {
		case "limit", "action", "who", "before":
		default:
			s.writeErr(w, r, badRequest("unknown parameter %q; use limit, action, who or before", k))
			return
		}
	}
	limit, err := intParam(p.Get("limit"), "limit", 100, 1, 10000)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	before, err := intParam(p.Get("before"), "before", 0, 1, math.MaxInt)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	f := vigil.AuditFilter{Action: p.Get("action"), Who: p.Get("who"), Before: int64(before), Limit: limit}
	recs, err := s.opts.Audit.AuditLog(r.Context(), f)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	if recs == nil {
		recs = []vigil.AuditRecord{}
	}
	writeJSON(w, http.StatusOK, AuditResponse{recs})
}

// HistoryEntry is one version of a list in which an entity was added,
// changed or removed.
type HistoryEntry struct {
	Label    string    `json:"label"`
	Imported time.Time `json:"imported"`
	Change   string    `json:"change"` // "added", "removed" or "changed"
	Fields   []string  `json:"fields,omitempty"`
}

// EntityResponse answers GET /v1/entities/{id}.
type EntityResponse struct {
	Entity      *vigil.Entity `json:"entity"`
	ListVersion string        `json:"list_version"`
	// Related are the entries of other sources that the matcher finds for
	// this entity's primary name and birth date: likely the same person.
	Related []vigil.Match `json:"related"`
	// History lists the recent versions of the entity's list that changed it.
	History []HistoryEntry `json:"history"`
}

// historyDepth is how many recent versions the entity history looks at.
const historyDepth = 12

func (s *Server) entityInfo(ctx context.Context, snap *Snapshot, id string) (*EntityResponse, bool) {
	e, label, ok := snap.Index.Entity(id)
	if !ok {
		return nil, false
	}
	res := &EntityResponse{Entity: e, ListVersion: label, Related: []vigil.Match{}, History: []HistoryEntry{}}
	q := vigil.Query{Name: e.PrimaryName(), Kind: e.Kind, Limit: 10}
	for _, d := range e.BirthDates {
		if d.Year != 0 && d.ToYear == 0 && !d.Approx {
			q.DOB = d.String()
			break
		}
	}
	if q.Name != "" {
		for _, m := range snap.Index.Screen(q) {
			if m.Source != e.Source {
				res.Related = append(res.Related, m)
			}
		}
	}
	list, _, _ := strings.Cut(label, "@")
	if s.opts.Store != nil && list != "" {
		res.History = s.history(ctx, list, id)
	}
	return res, true
}

// history returns the recent versions of list that added, changed or
// removed id, newest first. Store errors end it early: history is a courtesy.
func (s *Server) history(ctx context.Context, list, id string) []HistoryEntry {
	out := []HistoryEntry{}
	vs, err := s.opts.Store.Versions(ctx, list)
	if err != nil {
		return out
	}
	for i := len(vs) - 1; i >= 0 && i >= len(vs)-historyDepth; i-- {
		v := vs[i]
		if i == 0 {
			// Walking back from a current entity without meeting its
			// addition means the first version already held it.
			if len(out) == 0 || out[len(out)-1].Change != "added" {
				out = append(out, HistoryEntry{Label: v.Label(), Imported: v.Imported, Change: "added"})
			}
			break
		}
		d, err := s.opts.Store.Diff(ctx, list, vs[i-1].Version, v.Version)
		if err != nil {
			break
		}
		h := HistoryEntry{Label: v.Label(), Imported: v.Imported}
		switch {
		case slices.Contains(d.Added, id):
			h.Change = "added"
		case slices.Contains(d.Removed, id):
			h.Change = "removed"
		default:
			if j := slices.IndexFunc(d.Changed, func(c vigil.Change) bool { return c.ID == id }); j >= 0 {
				h.Change, h.Fields = "changed", d.Changed[j].Fields
			}
		}
		if h.Change != "" {
			out = append(out, h)
		}
	}
	return out
}

func (s *Server) handleEntity(w http.ResponseWriter, r *http.Request) {
	snap := s.ready(w)
	if snap == nil {
		return
	}
	id := r.PathValue("id")
	res, ok := s.entityInfo(r.Context(), snap, id)
	if !ok {
		writeError(w, http.StatusNotFound, "no listed entity has the id %q", id)
		return
	}
	writeJSON(w, http.StatusOK, res)
}
