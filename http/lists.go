package http

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
)

// ListStatus is one list as served: its current version, how old it is,
// and the problems with its newest files or downloads.
type ListStatus struct {
	vigil.ListVersion
	// Name is the list's name for people (vigil.ListName).
	Name string `json:"name"`
	// AgeSeconds is the time since the version came into force
	// (InForceFrom); PublishedAgeSeconds since its publication date, when
	// known; ImportedAgeSeconds since it was imported.
	AgeSeconds          float64   `json:"age_seconds"`
	PublishedAgeSeconds *float64  `json:"published_age_seconds,omitempty"`
	ImportedAgeSeconds  float64   `json:"imported_age_seconds"`
	Problems            []Problem `json:"problems,omitempty"`
	// Missing marks a configured list with no complete version.
	Missing bool `json:"missing,omitempty"`
	// Stale marks a version published longer ago than the server's
	// StaleAfter: screening answers from it may miss recent listings. A
	// version whose file states no publication date is never marked
	// (its age is unknown: PublishedAgeSeconds is absent).
	Stale bool `json:"stale,omitempty"`
}

// ListsResponse answers GET /v1/lists.
type ListsResponse struct {
	Lists []ListStatus `json:"lists"`
	// Problems are those of files whose list is not known (a file in no
	// format Vigil reads).
	Problems []Problem `json:"problems,omitempty"`
	// Missing names the configured lists with no complete version (then
	// /readyz answers 503).
	Missing []string `json:"missing,omitempty"`
	// Built is when the served index was built; Refresh the outcome of the
	// last refresh, if any.
	Built   time.Time      `json:"built"`
	Refresh *RefreshStatus `json:"refresh,omitempty"`
	// StaleAfterSeconds is the age of publication beyond which a list is
	// marked stale.
	StaleAfterSeconds float64 `json:"stale_after_seconds"`
	// Replica says which replica answers (when several share a store).
	Replica *ReplicaInfo `json:"replica,omitempty"`
}

// listAge is the age of a list version at now: since it came into force.
func listAge(v vigil.ListVersion, now time.Time) time.Duration {
	t := v.InForceFrom
	if t.IsZero() {
		t = cmp.Or(v.Published, v.Imported)
	}
	if t.IsZero() {
		return 0
	}
	return now.Sub(t)
}

func (s *Server) listStatus(snap *Snapshot) ListsResponse {
	now := time.Now()
	res := ListsResponse{Lists: []ListStatus{}, Missing: snap.Missing, Built: snap.Built, Refresh: s.LastRefresh(),
		StaleAfterSeconds: s.opts.StaleAfter.Seconds(), Replica: s.replica()}
	byList := map[string]int{}
	for _, v := range snap.Versions {
		st := ListStatus{ListVersion: v, Name: vigil.ListName(v.List), AgeSeconds: listAge(v, now).Seconds(), ImportedAgeSeconds: now.Sub(v.Imported).Seconds()}
		if !v.Published.IsZero() {
			a := now.Sub(v.Published)
			secs := a.Seconds()
			st.PublishedAgeSeconds = &secs
			st.Stale = a > s.opts.StaleAfter
		}
		byList[v.List] = len(res.Lists)
		res.Lists = append(res.Lists, st)
	}
	entry := func(list string) *ListStatus {
		i, ok := byList[list]
		if !ok {
			i = len(res.Lists)
			byList[list] = i
			res.Lists = append(res.Lists, ListStatus{ListVersion: vigil.ListVersion{List: list}, Name: vigil.ListName(list)})
		}
		return &res.Lists[i]
	}
	for _, p := range snap.Problems {
		if p.List == "" {
			res.Problems = append(res.Problems, p)
			continue
		}
		e := entry(p.List)
		e.Problems = append(e.Problems, p)
	}
	for _, l := range snap.Missing {
		entry(l).Missing = true
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
	// By default a version is compared with the one it was imported on top
	// of (its base; for the first version, the empty list).
	base := 0
	if i := slices.IndexFunc(vs, func(x vigil.ListVersion) bool { return x.Version == to }); i >= 0 {
		base = vs[i].Base
	}
	from := base
	if fromS != "" {
		if from, err = num("from", fromS, base); err != nil {
			return vigil.Diff{}, err
		}
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

// handleRefresh refreshes the lists. A request while a refresh runs joins
// it rather than queueing another reload: with wait, it waits for that
// refresh's outcome; without, it answers 202 with status "running".
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
	c, start := s.beginRefresh()
	if !start {
		writeJSON(w, http.StatusAccepted, map[string]string{"status": "running"})
		return
	}
	go func() {
		// Detached from the request, but keeping who asked (for the
		// audit records of what the refresh imports).
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Minute)
		defer cancel()
		s.runRefresh(ctx, c) // logged and recorded by runRefresh
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

// EntityResponse answers GET /v1/entities/{id}.
type EntityResponse struct {
	Entity      *vigil.Entity `json:"entity"`
	ListVersion string        `json:"list_version"`
	// Related are the entries of other sources that the matcher finds for
	// this entity's primary name and birth date: likely the same person.
	Related []vigil.Match `json:"related"`
	// History is the entity's history on each list that held it (see GET
	// /v1/entities/{id}/history).
	History []vigil.ListHistory `json:"history"`
	// Subject is the listed subject holding the entity: its other
	// listings, and why they are one (see GET /v1/entities/{id}/subject).
	Subject *ListedSubjectResponse `json:"subject,omitempty"`
}

func (s *Server) entityInfo(ctx context.Context, snap *Snapshot, id string) (*EntityResponse, bool) {
	e, label, ok := snap.Index.Entity(id)
	if !ok {
		return nil, false
	}
	res := &EntityResponse{Entity: e, ListVersion: label, Related: []vigil.Match{}, History: []vigil.ListHistory{}}
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
	// History is a courtesy on this page: a store error leaves it empty.
	if h, err := s.entityHistory(ctx, id); err == nil {
		res.History = h.Lists
	}
	// So is the subject; the related matches say which subject each is.
	vigil.GroupBySubject(res.Related, snap.Subjects, snap.Index)
	if s.opts.Links != nil {
		if sub, err := s.opts.Links.SubjectOf(ctx, id); err == nil {
			sr := subjectResponse(snap, sub)
			res.Subject = &sr
		}
	}
	return res, true
}

// entityHistory reads an entity's history from the store.
func (s *Server) entityHistory(ctx context.Context, id string) (vigil.EntityHistory, error) {
	if s.opts.Store == nil {
		return vigil.EntityHistory{}, errors.New("no store configured")
	}
	states, err := s.opts.Store.EntityStates(ctx, id)
	if errors.Is(err, vigil.ErrNotFound) {
		return vigil.EntityHistory{}, &requestError{http.StatusNotFound, "no version of any list holds the id " + strconv.Quote(id)}
	}
	if err != nil {
		return vigil.EntityHistory{}, err
	}
	return vigil.HistoryOf(id, states), nil
}

func (s *Server) handleEntityHistory(w http.ResponseWriter, r *http.Request) {
	h, err := s.entityHistory(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

// RollbackRequest is the body of POST /v1/lists/{list}/rollback.
type RollbackRequest struct {
	// Version is the version whose content becomes current again; 0 (or
	// absent) means the version in force before the current one.
	Version int `json:"version,omitempty"`
	// Reason is required: it is recorded on the withdrawn version.
	Reason string `json:"reason"`
	// Force allows rolling back to a withdrawn version.
	Force bool `json:"force,omitempty"`
}

// RollbackResponse answers POST /v1/lists/{list}/rollback.
type RollbackResponse struct {
	vigil.ImportResult
	// Refresh is the outcome of rebuilding the served index.
	Refresh *RefreshStatus `json:"refresh,omitempty"`
}

func (s *Server) handleRollback(w http.ResponseWriter, r *http.Request) {
	var req RollbackRequest
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if strings.TrimSpace(req.Reason) == "" {
		s.writeErr(w, r, badRequest("field \"reason\" is required: it is recorded on the withdrawn version"))
		return
	}
	if req.Version < 0 {
		s.writeErr(w, r, badRequest("field \"version\" must be a version number (1, 2, …)"))
		return
	}
	if s.opts.Store == nil {
		writeError(w, http.StatusNotImplemented, "no store is configured on this server")
		return
	}
	by := "anonymous (no API key: " + vigil.ActorFrom(r.Context()) + ")"
	if k := keyFrom(r.Context()); k != nil {
		by = fmt.Sprintf("%s (key %s)", k.Name, k.ID)
	}
	list := r.PathValue("list")
	ctx := context.WithoutCancel(r.Context()) // once started, the rollback completes
	res, err := s.opts.Store.Rollback(ctx, vigil.Rollback{List: list, To: req.Version, Force: req.Force,
		Withdrawal: vigil.Withdrawal{By: by, Reason: req.Reason}})
	switch {
	case errors.Is(err, vigil.ErrNotFound):
		s.writeErr(w, r, &requestError{http.StatusNotFound, err.Error()})
		return
	case err != nil:
		s.writeErr(w, r, &requestError{http.StatusConflict, err.Error()})
		return
	}
	s.log.Warn("list rolled back", "list", list, "withdrawn", res.Withdrawn.Label(), "restores", res.Version.Restores,
		"new", res.Version.Label(), "by", by, "reason", req.Reason)
	out := RollbackResponse{ImportResult: res}
	if s.opts.Rebuild != nil {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		_ = s.refreshWith(rctx, s.opts.Rebuild) // recorded in LastRefresh
		out.Refresh = s.LastRefresh()
	}
	writeJSON(w, http.StatusOK, out)
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
