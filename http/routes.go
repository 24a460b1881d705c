package http

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
)

// route is one registered endpoint.
type route struct {
	Method  string
	Pattern string // net/http ServeMux pattern path, e.g. "/v1/entities/{id}"
	Role    Role   // the least role needed when keys exist; RolePublic for none
	HTML    bool   // console page: auth failures redirect to /login
	Doc     bool   // described in the OpenAPI document
	h       http.HandlerFunc
}

// Route describes one registered endpoint for documentation and tests.
type Route struct {
	Method, Pattern string
	Role            Role
	// Documented is true for the routes /openapi.json must describe (the
	// API; not the console pages and static files).
	Documented bool
}

// Routes lists the server's routes.
func (s *Server) Routes() []Route {
	out := make([]Route, len(s.routes))
	for i, r := range s.routes {
		out[i] = Route{Method: r.Method, Pattern: r.Pattern, Role: r.Role, Documented: r.Doc}
	}
	return out
}

func (s *Server) routeTable() []route {
	api := func(method, pattern string, role Role, h http.HandlerFunc) route {
		return route{Method: method, Pattern: pattern, Role: role, Doc: true, h: h}
	}
	page := func(method, pattern string, role Role, h http.HandlerFunc) route {
		return route{Method: method, Pattern: pattern, Role: role, HTML: true, h: h}
	}
	c := s.console
	return []route{
		api("GET", "/healthz", RolePublic, s.handleHealthz),
		api("GET", "/readyz", RolePublic, s.handleReadyz),
		api("GET", "/metrics", RoleScreen, s.metrics.handler().ServeHTTP),
		api("GET", "/openapi.json", RoleScreen, s.handleOpenAPI),
		api("POST", "/v1/screen", RoleScreen, s.handleScreen),
		api("POST", "/v1/text", RoleScreen, s.handleText),
		api("POST", "/v1/manifest", RoleScreen, s.handleManifest),
		api("POST", "/v1/mrz", RoleScreen, s.handleMRZ),
		api("GET", "/v1/entities/{id}", RoleScreen, s.handleEntity),
		api("GET", "/v1/entities/{id}/history", RoleScreen, s.handleEntityHistory),
		api("GET", "/v1/entities/{id}/subject", RoleScreen, s.handleEntitySubject),
		api("GET", "/v1/listed-subjects/{id}", RoleScreen, s.handleListedSubject),
		api("POST", "/v1/listed-subjects/judgements", RoleReview, s.handleJudge),
		api("GET", "/v1/lists", RoleScreen, s.handleLists),
		api("GET", "/v1/lists/{list}/versions", RoleScreen, s.handleVersions),
		api("GET", "/v1/lists/{list}/diff", RoleScreen, s.handleDiff),
		api("POST", "/v1/lists/refresh", RoleAdmin, s.handleRefresh),
		api("POST", "/v1/lists/{list}/rollback", RoleAdmin, s.handleRollback),
		api("GET", "/v1/audit", RoleReview, s.handleAudit),
		api("POST", "/match/{dataset}", RoleScreen, s.handleYenteMatch),
		api("GET", "/v1/webhooks", RoleAdmin, s.handleWebhooks),
		api("POST", "/v1/webhooks", RoleAdmin, s.handleAddWebhook),
		api("DELETE", "/v1/webhooks/{id}", RoleAdmin, s.handleRemoveWebhook),
		api("POST", "/v1/webhooks/{id}/rotate", RoleAdmin, s.handleRotateWebhook),
		api("GET", "/v1/webhooks/deliveries", RoleAdmin, s.handleDeliveries),
		api("POST", "/v1/webhooks/deliveries/{id}/retry", RoleAdmin, s.handleRetryDelivery),

		page("GET", "/{$}", RoleScreen, c.search),
		page("GET", "/entities/{id}", RoleScreen, c.entity),
		page("POST", "/entities/{id}/judge", RoleReview, c.judge),
		page("GET", "/lists", RoleScreen, c.lists),
		page("GET", "/lists/{list}/diff", RoleScreen, c.diff),
		page("GET", "/text", RoleScreen, c.textForm),
		page("POST", "/text", RoleScreen, c.textResult),
		page("GET", "/manifest", RoleScreen, c.manifestForm),
		page("POST", "/manifest", RoleScreen, c.manifestResult),
		page("GET", "/login", RolePublic, c.loginForm),
		page("POST", "/login", RolePublic, c.login),
		page("POST", "/logout", RolePublic, c.logout),
		page("GET", "/static/", RolePublic, c.static),
	}
}

func (s *Server) buildMux() http.Handler {
	mux := http.NewServeMux()
	for _, r := range s.routes {
		mux.Handle(r.Method+" "+r.Pattern, s.wrap(r))
	}
	// Anything else: a JSON 404 or 405 instead of net/http's plain text.
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		for _, r := range s.routes {
			if r.Method != req.Method && matchesPath(r.Pattern, req.URL.Path) {
				writeError(w, http.StatusMethodNotAllowed, "method %s is not allowed on %s", req.Method, req.URL.Path)
				return
			}
		}
		writeError(w, http.StatusNotFound, "no such route: %s %s", req.Method, req.URL.Path)
	})
	return mux
}

// matchesPath reports whether path fits a ServeMux pattern path, treating
// each {wildcard} as one segment (enough to tell 405 from 404).
func matchesPath(pattern, path string) bool {
	if strings.HasSuffix(pattern, "/") && !strings.HasSuffix(pattern, "{$}") {
		return strings.HasPrefix(path, pattern)
	}
	pattern = strings.TrimSuffix(pattern, "{$}")
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i := range ps {
		if !strings.HasPrefix(ps[i], "{") && ps[i] != xs[i] {
			return false
		}
	}
	return true
}

// wrap adds, outside in: panic recovery, metrics and the access log,
// authentication and role checks, the per-key rate limit, and the request
// timeout.
func (s *Server) wrap(r route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := time.Now()
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		var key *KeyInfo
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("panic serving request", "route", r.Pattern, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if !rec.wrote {
					writeError(rec, http.StatusInternalServerError, "internal error")
				}
			}
			d := time.Since(start)
			s.metrics.observe(r.Method, r.Pattern, rec.status, d)
			attrs := []any{"method", req.Method, "route", r.Pattern, "status", rec.status,
				"bytes", rec.bytes, "ms", float64(d.Microseconds()) / 1000}
			if key != nil {
				attrs = append(attrs, "key_id", key.ID)
			}
			s.log.Info("request", attrs...)
		}()

		if r.Role != RolePublic {
			k, status, msg := s.authenticate(req)
			if status != 0 {
				if r.HTML && status == http.StatusUnauthorized {
					http.Redirect(rec, req, "/login?next="+urlQueryEscape(req.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				writeError(rec, status, "%s", msg)
				return
			}
			if k != nil && k.Role < r.Role {
				writeError(rec, http.StatusForbidden, "this route needs the %s role; the key %q has the %s role", r.Role, k.Name, k.Role)
				return
			}
			key = k
		}
		if r.Role != RolePublic && !s.allow(key, req) {
			rec.Header().Set("Retry-After", "1")
			writeError(rec, http.StatusTooManyRequests, "rate limit exceeded; slow down")
			return
		}
		ctx, cancel := context.WithTimeout(req.Context(), s.opts.RequestTimeout)
		defer cancel()
		// Who acts, for the audit log: the key's id (never its secret), or
		// the client's address on a service without keys.
		who := "anon:" + clientAddr(req)
		if key != nil {
			who = "key:" + key.ID
		}
		ctx = vigil.WithActor(ctx, who)
		if key != nil {
			ctx = context.WithValue(ctx, keyCtx{}, key)
		}
		r.h(rec, req.WithContext(ctx))
	})
}

type keyCtx struct{}

// keyFrom returns the API key that authenticated the request, or nil.
func keyFrom(ctx context.Context) *KeyInfo {
	k, _ := ctx.Value(keyCtx{}).(*KeyInfo)
	return k
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (s *Server) handleHealthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) handleReadyz(w http.ResponseWriter, _ *http.Request) {
	snap := s.Snapshot()
	if snap == nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "loading", "error": "the lists are not loaded yet"})
		return
	}
	if len(snap.Missing) > 0 {
		w.Header().Set("Retry-After", "30")
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "incomplete", "missing": snap.Missing,
			"error": "no complete version of the configured lists " + strings.Join(snap.Missing, ", ") + " (see /v1/lists)"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "lists": len(snap.Versions), "built": snap.Built})
}

// ready returns the current snapshot, or writes 503 and returns nil.
func (s *Server) ready(w http.ResponseWriter) *Snapshot {
	snap := s.Snapshot()
	if snap == nil {
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "the lists are still loading; try again shortly")
	}
	return snap
}
