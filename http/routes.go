package http

import (
	"context"
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
)

// route is one registered endpoint.
type route struct {
	Method  string
	Pattern string // net/http ServeMux pattern path, e.g. "/v1/entities/{id}"
	Role    Role   // the least role needed when keys exist; RolePublic for none
	HTML    bool   // console page: session cookie; auth failures redirect to /login
	Doc     bool   // described in the OpenAPI document
	Health  bool   // a health check: answers whatever the load
	Metrics bool   // also opens to Options.MetricsToken
	// form is the body limit of a console POST form, which wrap parses
	// and checks for its CSRF token before the handler runs.
	form int64
	h    http.HandlerFunc
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
	post := func(pattern string, role Role, form int64, h http.HandlerFunc) route {
		return route{Method: "POST", Pattern: pattern, Role: role, HTML: true, form: form, h: h}
	}
	health := func(pattern string, h http.HandlerFunc) route {
		return route{Method: "GET", Pattern: pattern, Role: RolePublic, Doc: true, Health: true, h: h}
	}
	metrics := api("GET", "/metrics", RoleScreen, s.metrics.handler().ServeHTTP)
	metrics.Metrics = true
	c := s.console
	const smallForm = 64 << 10
	return []route{
		health("/healthz", s.handleHealthz),
		health("/readyz", s.handleReadyz),
		metrics,
		// The OpenAPI document is public: it holds no data, it is the
		// same for every server of a version, and client generators and
		// gateways fetch it without credentials.
		api("GET", "/openapi.json", RolePublic, s.handleOpenAPI),
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
		api("GET", "/v1/keys", RoleAdmin, s.handleKeys),
		api("POST", "/v1/keys", RoleAdmin, s.handleCreateKey),
		api("DELETE", "/v1/keys/{id}", RoleAdmin, s.handleRevokeKey),
		api("POST", "/match/{dataset}", RoleScreen, s.handleYenteMatch),
		api("GET", "/v1/webhooks", RoleAdmin, s.handleWebhooks),
		api("POST", "/v1/webhooks", RoleAdmin, s.handleAddWebhook),
		api("DELETE", "/v1/webhooks/{id}", RoleAdmin, s.handleRemoveWebhook),
		api("POST", "/v1/webhooks/{id}/rotate", RoleAdmin, s.handleRotateWebhook),
		api("GET", "/v1/webhooks/deliveries", RoleAdmin, s.handleDeliveries),
		api("POST", "/v1/webhooks/deliveries/{id}/retry", RoleAdmin, s.handleRetryDelivery),
		api("GET", "/v1/watch", RoleReview, s.handleWatch),
		api("POST", "/v1/subjects/{set}", RoleScreen, s.handleSubjectsImport),
		api("GET", "/v1/subjects/{set}", RoleReview, s.handleSubjectsList),
		api("PUT", "/v1/subjects/{set}/{id}", RoleScreen, s.handleSubjectPut),
		api("GET", "/v1/subjects/{set}/{id}", RoleReview, s.handleSubjectGet),
		api("DELETE", "/v1/subjects/{set}/{id}", RoleScreen, s.handleSubjectDelete),
		api("GET", "/v1/alerts", RoleReview, s.handleAlerts),
		api("GET", "/v1/alerts/{id}", RoleReview, s.handleAlert),
		api("POST", "/v1/alerts/{id}/decide", RoleReview, s.handleDecide),
		api("POST", "/v1/alerts/{id}/approve", RoleReview, s.handleApprove),

		page("GET", "/{$}", RoleScreen, c.search),
		page("GET", "/help/score", RoleScreen, c.scoreHelp),
		page("GET", "/entities/{id}", RoleScreen, c.entity),
		post("/entities/{id}/judge", RoleReview, smallForm, c.judge),
		page("GET", "/alerts", RoleReview, c.alerts),
		page("GET", "/alerts/{id}", RoleReview, c.alert),
		post("/alerts/{id}/decide", RoleReview, smallForm, c.decide),
		post("/alerts/{id}/approve", RoleReview, smallForm, c.approve),
		page("GET", "/subjects/{set}/{id}", RoleReview, c.subject),
		page("GET", "/lists", RoleScreen, c.lists),
		page("GET", "/lists/{list}/diff", RoleScreen, c.diff),
		page("GET", "/text", RoleScreen, c.textForm),
		// A form encodes a byte as up to three.
		post("/text", RoleScreen, 3*s.opts.MaxTextBytes+smallForm, c.textResult),
		page("GET", "/manifest", RoleScreen, c.manifestForm),
		post("/manifest", RoleScreen, s.opts.MaxUploadBytes, c.manifestResult),
		page("GET", "/login", RolePublic, c.loginForm),
		post("/login", RolePublic, smallForm, c.login),
		post("/logout", RoleScreen, smallForm, c.logout),
		page("GET", "/static/", RolePublic, c.static),
	}
}

// buildMux routes requests; in front of it, http.CrossOriginProtection
// refuses any unsafe request (POST, DELETE…) a browser says comes from
// another origin (Sec-Fetch-Site, else Origin against Host): another site,
// or another port of this host. Clients that are not browsers send neither
// header and pass.
func (s *Server) buildMux() http.Handler {
	mux := http.NewServeMux()
	for _, r := range s.routes {
		mux.Handle(r.Method+" "+r.Pattern, s.wrap(r))
	}
	// Anything else: a 404 or 405, as a page for a browser (which asks
	// for text/html) and as JSON for the API, instead of net/http's plain
	// text.
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		html := wantsHTML(req)
		for _, r := range s.routes {
			if r.Method != req.Method && matchesPath(r.Pattern, req.URL.Path) {
				if html {
					s.console.render(w, req, http.StatusMethodNotAllowed, "message", page{Title: "Not allowed",
						Error: "This page cannot be opened with " + req.Method + "."})
					return
				}
				writeError(w, http.StatusMethodNotAllowed, "method %s is not allowed on %s", req.Method, req.URL.Path)
				return
			}
		}
		if html {
			s.console.render(w, req, http.StatusNotFound, "notfound", page{Title: "Page not found", Data: req.URL.Path})
			return
		}
		writeError(w, http.StatusNotFound, "no such route: %s %s", req.Method, req.URL.Path)
	})
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		s.log.Warn("cross-origin request refused", "method", req.Method, "path", req.URL.Path,
			"origin", req.Header.Get("Origin"), "sec_fetch_site", req.Header.Get("Sec-Fetch-Site"))
		writeError(w, http.StatusForbidden, "cross-origin request refused: this server accepts forms only from its own pages")
	}))
	return cop.Handler(mux)
}

// wantsHTML reports whether a request comes from a browser: one that
// accepts text/html (API clients ask for JSON or anything).
func wantsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
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

// wrap adds, outside in: panic recovery, metrics and the access log, the
// in-flight limit, authentication and role checks, the per-key rate limit,
// the request timeout, and for console forms the CSRF check.
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

		if !r.Health {
			select {
			case s.inflight <- struct{}{}:
				defer func() { <-s.inflight }()
			default:
				s.metrics.shed.WithLabelValues("in_flight").Inc()
				rec.Header().Set("Retry-After", "1")
				writeError(rec, http.StatusServiceUnavailable, "the server is busy; try again in a moment")
				return
			}
		}
		var session string
		if r.Role != RolePublic && !(r.Metrics && s.metricsToken(req)) {
			k, secret, aerr := s.authenticate(req, r.HTML)
			if aerr != nil {
				if aerr == errTooManyFail {
					s.metrics.shed.WithLabelValues("failed_auth").Inc()
					rec.Header().Set("Retry-After", strconv.Itoa(int(failedEvery.Seconds())))
				}
				if r.HTML && aerr.status == http.StatusUnauthorized {
					if _, err := req.Cookie(sessionCookieName(req)); err == nil {
						clearCookie(rec, req, sessionCookieName(req))
					}
					http.Redirect(rec, req, "/login?next="+urlQueryEscape(req.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				writeError(rec, aerr.status, "%s", aerr.msg)
				return
			}
			if k != nil && k.Role < r.Role {
				if r.HTML {
					// A page, with the layout of the signed-in browser.
					ctx := context.WithValue(context.WithValue(req.Context(), keyCtx{}, k), csrfCtx{}, secret)
					s.console.render(rec, req.WithContext(context.WithValue(ctx, viewerCtx{}, k.Role)), http.StatusForbidden, "message",
						page{Title: "Not allowed", Error: fmt.Sprintf("This page needs the %s role; your key %q has the %s role. Ask an administrator for a key with the %s role.", r.Role, k.Name, k.Role, r.Role)})
					return
				}
				writeError(rec, http.StatusForbidden, "this route needs the %s role; the key %q has the %s role", r.Role, k.Name, k.Role)
				return
			}
			key, session = k, secret
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
		if r.Role != RolePublic {
			// What the viewer may open: their key's role, or every page
			// of a service that needs no key.
			viewer := RoleAdmin
			if key != nil {
				viewer = key.Role
			}
			ctx = context.WithValue(ctx, viewerCtx{}, viewer)
		}
		if key != nil {
			ctx = context.WithValue(ctx, keyCtx{}, key)
		}
		req = req.WithContext(ctx)
		if r.HTML {
			// The console's forms carry a token of the browser's session,
			// or without one, of its CSRF cookie.
			secret := session
			if secret == "" {
				secret = csrfNonce(rec, req)
			}
			req = req.WithContext(context.WithValue(ctx, csrfCtx{}, secret))
			if r.form > 0 && !s.console.checkForm(rec, req, r.form, secret) {
				return
			}
		}
		r.h(rec, req)
	})
}

// csrfCtx carries the secret the console's CSRF tokens derive from.
type csrfCtx struct{}

// csrfNonce returns the browser's CSRF cookie, setting a new one when it
// has none.
func csrfNonce(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(csrfCookieName(r)); err == nil && len(c.Value) >= 32 {
		return c.Value
	}
	n := newNonce()
	http.SetCookie(w, &http.Cookie{Name: csrfCookieName(r), Value: n, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
	return n
}

// clearCookie tells the browser to forget a cookie.
func clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode})
}

type keyCtx struct{}

// viewerCtx carries the Role of what a console page's viewer may open.
type viewerCtx struct{}

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
	versions := make([]string, len(snap.Versions))
	for i, v := range snap.Versions {
		versions[i] = v.Label()
	}
	res := map[string]any{"status": "ready", "lists": len(snap.Versions), "versions": versions, "built": snap.Built}
	if r := s.replica(); r != nil {
		res["replica"] = r
	}
	writeJSON(w, http.StatusOK, res)
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
