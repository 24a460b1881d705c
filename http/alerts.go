package http

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
)

// handleAlerts answers GET /v1/alerts: a page of the queue. Query
// parameters: state (repeatable or comma-separated), set, list, measure,
// subject, entity, since and until (dates or RFC 3339 times the alert
// opened), sort (opened, -opened, score, -score), after (the previous
// page's next) and limit (1-1000, default 50).
func (s *Server) handleAlerts(w http.ResponseWriter, r *http.Request) {
	wt := s.watcher(w)
	if wt == nil {
		return
	}
	f, err := alertFilter(r)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	page, err := wt.Store().Alerts(r.Context(), f)
	if err != nil {
		if strings.Contains(err.Error(), "cursor") || strings.Contains(err.Error(), "sort") {
			s.writeErr(w, r, badRequest("%v", err))
			return
		}
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, page)
}

// alertFilter reads the queue's query parameters.
func alertFilter(r *http.Request) (vigil.AlertFilter, error) {
	q := r.URL.Query()
	f := vigil.AlertFilter{Set: q.Get("set"), List: q.Get("list"), Measure: vigil.Measure(q.Get("measure")), SubjectID: q.Get("subject"),
		EntityID: q.Get("entity"), Sort: q.Get("sort"), After: q.Get("after")}
	switch f.Sort {
	case "", "opened", "-opened", "score", "-score":
	default:
		return f, badRequest("sort must be opened, -opened, score or -score, not %q", f.Sort)
	}
	for _, v := range q["state"] {
		for _, x := range strings.Split(v, ",") {
			st, ok := vigil.ParseAlertState(strings.TrimSpace(x))
			if !ok {
				return f, badRequest("unknown state %q (open, reopened, escalated, pending_approval, true_match, false_positive, closed)", x)
			}
			f.States = append(f.States, st)
		}
	}
	var err error
	if f.Since, err = timeParam(q.Get("since"), "since"); err != nil {
		return f, err
	}
	if f.Until, err = timeParam(q.Get("until"), "until"); err != nil {
		return f, err
	}
	f.Limit, err = intParam(q.Get("limit"), "limit", 50, 1, 1000)
	return f, err
}

func timeParam(v, name string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, v); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, badRequest("%s must be a date (YYYY-MM-DD) or an RFC 3339 time, not %q", name, v)
	}
	return t, nil
}

// AlertResponse answers GET /v1/alerts/{id} and the decisions on it: the
// alert, its decisions and its history, oldest first.
type AlertResponse struct {
	Alert     vigil.Alert        `json:"alert"`
	Decisions []vigil.Decision   `json:"decisions"`
	History   []vigil.AlertEvent `json:"history"`
}

func (s *Server) alertResponse(w http.ResponseWriter, r *http.Request, wt Watcher, a vigil.Alert) {
	ds, hist, err := wt.Store().AlertHistory(r.Context(), a.ID)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, AlertResponse{a, orEmpty(ds), orEmpty(hist)})
}

func alertIDParam(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, badRequest("alert id %q is not a number", r.PathValue("id"))
	}
	return id, nil
}

func (s *Server) handleAlert(w http.ResponseWriter, r *http.Request) {
	wt := s.watcher(w)
	if wt == nil {
		return
	}
	id, err := alertIDParam(r)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	a, err := wt.Store().Alert(r.Context(), id)
	if err != nil {
		s.writeWatchErr(w, r, err)
		return
	}
	s.alertResponse(w, r, wt, a)
}

// reviewerOf is who a decision comes from: the request's API key. Without
// keys nobody is known, and nothing is decided.
func reviewerOf(r *http.Request) (vigil.Reviewer, bool) {
	k := keyFrom(r.Context())
	if k == nil {
		return vigil.Reviewer{}, false
	}
	return vigil.Reviewer{ID: k.ID, Name: k.Name}, true
}

// DecideRequest is the body of POST /v1/alerts/{id}/decide.
type DecideRequest struct {
	As     vigil.AlertState `json:"as"`
	Reason string           `json:"reason"`
	// Version, when set, refuses the decision (409) unless the alert is
	// still at that version: what the reviewer saw is what they decide.
	Version int `json:"version,omitempty"`
}

func (s *Server) handleDecide(w http.ResponseWriter, r *http.Request) {
	wt := s.watcher(w)
	if wt == nil {
		return
	}
	id, err := alertIDParam(r)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	who, ok := reviewerOf(r)
	if !ok {
		writeError(w, http.StatusForbidden, "a decision records who took it: create API keys (vigil keys create --role review) and send one")
		return
	}
	var req DecideRequest
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	a, err := wt.Decide(r.Context(), id, req.As, req.Reason, who, req.Version)
	if err != nil {
		s.writeWatchErr(w, r, err)
		return
	}
	s.alertResponse(w, r, wt, a)
}

func (s *Server) handleApprove(w http.ResponseWriter, r *http.Request) {
	wt := s.watcher(w)
	if wt == nil {
		return
	}
	id, err := alertIDParam(r)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	who, ok := reviewerOf(r)
	if !ok {
		writeError(w, http.StatusForbidden, "an approval records who gave it: create API keys (vigil keys create --role review) and send one")
		return
	}
	if r.ContentLength != 0 {
		var none struct{}
		if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &none); err != nil {
			s.writeErr(w, r, err)
			return
		}
	}
	a, err := wt.Approve(r.Context(), id, who)
	if err != nil {
		s.writeWatchErr(w, r, err)
		return
	}
	s.alertResponse(w, r, wt, a)
}
