// Package http is Vigil's HTTP service: the JSON API under /v1, a yente-
// compatible /match endpoint, health checks, Prometheus metrics, the OpenAPI
// document and the web console, all served from one in-memory index that a
// background refresh swaps atomically.
//
// The package depends on small interfaces (Index, vigil.KeyStore, Auditor,
// and the optional parsers in Options) so that cmd/vigil wires the real
// matcher, store and parsers.
//
// It fails closed: once the key store has had a key, every route but the
// health checks, the sign-in page and the OpenAPI document needs one, even
// after every key has been revoked, unless Options.NoAuth says otherwise;
// without a key store it refuses. Work is bounded per request (body sizes,
// the text scanner's limits, a timeout that stops the work), per client
// (rate limits, failed sign-ins) and per server (connections, requests in
// flight), and the health checks answer whatever the load.
package http

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/vigil-screening/vigil"
)

// Index is the in-memory screening index a Snapshot serves from; *match.Index
// implements it. Entity returns an entity and the label of the list version
// it came from. CheckQuery returns a query as the index screens it and the
// values it cannot use (see match.CheckQuery), which the API refuses.
type Index interface {
	vigil.Screener
	Entity(id string) (*vigil.Entity, string, bool)
	CheckQuery(q vigil.Query) (vigil.Query, []vigil.QueryProblem)
}

// Snapshot is one consistent state of the lists: the index built from them
// and the versions it holds. A Snapshot is never modified once served.
type Snapshot struct {
	Index    Index
	Versions []vigil.ListVersion
	Built    time.Time
	// Problems are the files and downloads whose lists were not updated
	// from them, keyed by list and path (the last good version is served
	// instead), and the files Vigil refuses by design.
	Problems []Problem
	// Missing names the configured lists (found in the lists folder, or
	// download sources) that have no complete version: /readyz answers 503
	// until they do.
	Missing []string
	// Subjects groups matches by listed subject (nil: each match is its
	// own subject).
	Subjects vigil.SubjectLookup
}

// Problem kinds.
const (
	// ProblemError: a file or download that could not be used; the list's
	// last good version stays in force.
	ProblemError = "error"
	// ProblemRefused: a file Vigil refuses by design (an OFAC CSV set
	// without its sdn.csv), not a failure of the service.
	ProblemRefused = "refused"
)

// Problem is one file or download whose list was not updated from it.
type Problem struct {
	// List is the list the file holds or would hold ("" when its format
	// was not recognised); Path the file, folder or download.
	List    string `json:"list,omitempty"`
	Path    string `json:"path,omitempty"`
	Kind    string `json:"kind"`
	Message string `json:"message"`
}

// Reloader builds a fresh Snapshot, typically by downloading or re-reading
// the lists, importing them into the store and indexing the current versions.
// It returns an error only when nothing usable could be built.
type Reloader func(ctx context.Context) (*Snapshot, error)

// Options configure a Server. Only Store is required; each nil optional
// part makes its routes answer 501 Not Implemented with a clear message.
type Options struct {
	Store vigil.Store
	// Keys are the API keys and console sessions. Until the store has had
	// a key every route is open (a new installation, on loopback); from
	// then on a key is required. nil refuses every route that needs a key,
	// unless NoAuth.
	Keys vigil.KeyStore
	// NoAuth serves every route without a key, whatever the store holds
	// (vigil serve --no-auth, which refuses to bind beyond loopback).
	NoAuth bool
	// MetricsToken, when set, is a bearer token that opens /metrics only,
	// for a Prometheus scraper that should hold no API key.
	MetricsToken string
	Audit        Auditor // nil: screening is not audited and /v1/audit answers 501
	Reload       Reloader
	// Links, when set, serves the listed subjects (/v1/listed-subjects,
	// /v1/entities/{id}/subject) and takes judgements.
	Links Links
	// Webhooks, when set, serves /v1/webhooks (admin keys only).
	Webhooks Webhooks
	// Rebuild builds a Snapshot from what the store holds, without reading
	// or downloading lists (after a rollback); nil leaves the served index
	// until the next refresh.
	Rebuild Reloader
	// BuildIndex builds an index over the given list versions, for
	// screening as of a date (as_of); nil makes as_of answer 501.
	BuildIndex func(ctx context.Context, vs []vigil.ListVersion) (Index, error)
	// AsOfIndexes is how many as-of indexes are kept (default 2; each
	// holds its lists in memory, ~160 MB for 25,000 entities).
	AsOfIndexes int

	// Watch, when set, keeps watch over subjects (/v1/subjects, /v1/alerts).
	Watch Watcher

	ScanText      TextScanner
	ParseManifest ManifestParser
	ParseMRZ      MRZParser
	// Assess, when set, screens each manifest traveller and MRZ holder and
	// recommends deny, refer or clear, as the CLI does.
	Assess Assessor

	Logger *slog.Logger

	// MaxBodyBytes limits JSON bodies (default 1 MiB); MaxUploadBytes
	// manifest uploads (default 8 MiB); MaxTextBytes the text of
	// /v1/text and the console's article page (default DefaultMaxTextBytes).
	MaxBodyBytes   int64
	MaxUploadBytes int64
	MaxTextBytes   int64
	// TextLimits bound the work of scanning one text (defaults
	// DefaultTextLimits).
	TextLimits TextLimits
	// MaxInFlight is the most requests served at once (default 128); more
	// are refused at once with 503 and Retry-After. The health checks are
	// not counted and always answer.
	MaxInFlight int
	// MaxConns is the most connections Serve holds open (default 1024). At
	// the cap, a new connection closes the one idle longest; when none is
	// idle, the new one is closed.
	MaxConns int
	// TLS, when set, makes Serve speak HTTPS with this configuration.
	TLS *tls.Config
	// RequestTimeout bounds the work of one request (default 30 s).
	RequestTimeout time.Duration
	// RateLimit and RateBurst limit each API key (or, without keys, each
	// client address); default 1,000 requests/s with a burst of 2,000.
	// A negative RateLimit disables limiting.
	RateLimit rate.Limit
	RateBurst int
	// MatchThreshold is the score from which /match results are flagged
	// "match": true; set it to the matcher's default threshold.
	MatchThreshold float64
	// KeyCacheTTL is how long a looked-up key is trusted before it is
	// looked up again (default 500 ms, so that a key revoked by the CLI or
	// another replica is refused within a second; negative disables the
	// cache). A key revoked through this server is refused at once.
	KeyCacheTTL time.Duration
	// SessionTTL is how long a console sign-in lasts (default 12 h).
	SessionTTL time.Duration
	// Version is shown in the console footer and OpenAPI info.
	Version string
	// StaleAfter is the age of publication beyond which a list is marked
	// stale in /v1/lists and on the console's Lists page (default
	// DefaultStaleAfter).
	StaleAfter time.Duration
	// Replica, when set, says which replica of the service answers (one
	// of several sharing a store); /readyz and /v1/lists show it.
	Replica func() ReplicaInfo
}

// ReplicaInfo says which of the replicas sharing a store answers, and
// whether it leads the list refreshes (downloads and imports them).
type ReplicaInfo struct {
	Name string `json:"name"`
	Lead bool   `json:"lead"`
}

// DefaultStaleAfter is the default Options.StaleAfter: official lists
// change every few days, and a month without a new publication means the
// lists are not being kept current.
const DefaultStaleAfter = 30 * 24 * time.Hour

// Server serves the API and the console. Create it with New.
type Server struct {
	opts     Options
	log      *slog.Logger
	snap     atomic.Pointer[Snapshot]
	refresh  atomic.Pointer[RefreshStatus]
	routes   []route
	handler  http.Handler
	metrics  *metrics
	limits   limiters // per key, or per address without keys
	failures limiters // failed sign-ins per address
	keys     keyCache
	console  *console
	inflight chan struct{}
	asOf     *asOfIndexes

	// reloadMu runs one reload or rebuild at a time; refreshing is the
	// refresh running, which further refreshes join.
	reloadMu   sync.Mutex
	refreshMu  sync.Mutex
	refreshing *refreshCall
	judgeMu    sync.Mutex // judgements of listed subjects, one at a time
}

// refreshCall is one reload and its outcome, shared by every caller who
// joined it.
type refreshCall struct {
	done chan struct{}
	err  error
}

// Failed sign-ins (a wrong API key, on the API or the sign-in page) allowed
// per client address: a burst of failedBurst, then one every failedEvery.
const (
	failedBurst = 10
	failedEvery = 6 * time.Second
)

// RefreshStatus is the outcome of the last list refresh.
type RefreshStatus struct {
	At       time.Time `json:"at"`
	Error    string    `json:"error,omitempty"`
	Duration string    `json:"duration"`
}

// New returns a Server for opts. It serves 503 on /readyz and on screening
// routes until a Snapshot is swapped in.
func New(opts Options) *Server {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = 8 << 20
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = 30 * time.Second
	}
	if opts.RateLimit == 0 {
		opts.RateLimit = 1000
	}
	if opts.RateBurst <= 0 {
		opts.RateBurst = 2 * max(1, int(opts.RateLimit))
	}
	if opts.KeyCacheTTL == 0 {
		opts.KeyCacheTTL = 500 * time.Millisecond
	}
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.MaxTextBytes <= 0 {
		opts.MaxTextBytes = DefaultMaxTextBytes
	}
	if opts.TextLimits.MaxQueries <= 0 {
		opts.TextLimits.MaxQueries = DefaultTextLimits.MaxQueries
	}
	if opts.TextLimits.MaxMentions <= 0 {
		opts.TextLimits.MaxMentions = DefaultTextLimits.MaxMentions
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 128
	}
	if opts.MaxConns <= 0 {
		opts.MaxConns = 1024
	}
	if opts.MatchThreshold <= 0 {
		opts.MatchThreshold = 0.7
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.AsOfIndexes <= 0 {
		opts.AsOfIndexes = 2
	}
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = DefaultStaleAfter
	}
	s := &Server{opts: opts, log: opts.Logger, inflight: make(chan struct{}, opts.MaxInFlight), asOf: &asOfIndexes{max: opts.AsOfIndexes}}
	s.limits.limit, s.limits.burst = opts.RateLimit, opts.RateBurst
	s.failures.limit, s.failures.burst = rate.Every(failedEvery), failedBurst
	s.metrics = newMetrics(s)
	s.console = newConsole(s)
	s.routes = s.routeTable()
	s.handler = s.buildMux()
	return s
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Swap makes snap the snapshot every new request uses. Requests already
// running finish on the snapshot they started with.
func (s *Server) Swap(snap *Snapshot) {
	if snap.Built.IsZero() {
		snap.Built = time.Now()
	}
	s.snap.Store(snap)
	s.metrics.swaps.Inc()
}

// Snapshot returns the current snapshot, or nil before the first Swap.
func (s *Server) Snapshot() *Snapshot { return s.snap.Load() }

// LastRefresh returns the outcome of the last Refresh, or nil.
func (s *Server) LastRefresh() *RefreshStatus { return s.refresh.Load() }

// ErrNoReloader is returned by Refresh when Options.Reload is nil.
var ErrNoReloader = errors.New("list refresh is not configured on this server")

// Refresh runs Options.Reload and swaps in the snapshot it builds. On failure
// the current snapshot stays in service and the error is recorded for
// /v1/lists. A call while a reload runs joins it instead of queueing
// another: it waits for that reload (or for ctx) and returns its outcome.
func (s *Server) Refresh(ctx context.Context) error {
	if s.opts.Reload == nil {
		return ErrNoReloader
	}
	c, start := s.beginRefresh()
	if start {
		s.runRefresh(ctx, c)
		return c.err
	}
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// beginRefresh returns the reload running, or a new one that the caller
// must run (start).
func (s *Server) beginRefresh() (c *refreshCall, start bool) {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	if s.refreshing != nil {
		return s.refreshing, false
	}
	s.refreshing = &refreshCall{done: make(chan struct{})}
	return s.refreshing, true
}

// runRefresh runs the reload c stands for and tells those who joined it.
func (s *Server) runRefresh(ctx context.Context, c *refreshCall) {
	defer func() {
		s.refreshMu.Lock()
		s.refreshing = nil
		s.refreshMu.Unlock()
		close(c.done)
	}()
	c.err = s.refreshWith(ctx, s.opts.Reload)
}

// refreshWith runs reload and swaps in the snapshot it builds, one reload
// or rebuild at a time. On failure the current snapshot stays in service
// and the error is recorded for /v1/lists.
func (s *Server) refreshWith(ctx context.Context, reload Reloader) error {
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	start := time.Now()
	snap, err := reload(ctx)
	st := &RefreshStatus{At: start, Duration: time.Since(start).Round(time.Millisecond).String()}
	if err == nil && (snap == nil || snap.Index == nil) {
		err = errors.New("reload built no index")
	}
	if err != nil {
		st.Error = err.Error()
		s.refresh.Store(st)
		s.metrics.refreshes.WithLabelValues("error").Inc()
		s.log.Error("list refresh failed; keeping the current lists", "err", err)
		return err
	}
	s.Swap(snap)
	s.refresh.Store(st)
	s.metrics.refreshes.WithLabelValues("ok").Inc()
	for _, p := range snap.Problems {
		if p.Kind == ProblemRefused {
			s.log.Info("file refused", "list", p.List, "path", p.Path, "reason", p.Message)
			continue
		}
		s.log.Warn("list kept at its last good version", "list", p.List, "path", p.Path, "problem", p.Message)
	}
	if len(snap.Missing) > 0 {
		s.log.Error("configured lists have no complete version: not ready", "missing", snap.Missing)
	}
	s.log.Info("lists refreshed", "lists", len(snap.Versions), "took", st.Duration)
	return nil
}

// Rebuild runs Options.Rebuild and swaps in the snapshot it builds, one
// reload or rebuild at a time: for a change another process made to the
// lists (another replica imported a version).
func (s *Server) Rebuild(ctx context.Context) error {
	if s.opts.Rebuild == nil {
		return ErrNoReloader
	}
	return s.refreshWith(ctx, s.opts.Rebuild)
}

// replica returns the replica's information, or nil when not configured.
func (s *Server) replica() *ReplicaInfo {
	if s.opts.Replica == nil {
		return nil
	}
	r := s.opts.Replica()
	return &r
}

// RunRefresher refreshes the lists every interval until ctx ends.
func (s *Server) RunRefresher(ctx context.Context, every time.Duration) {
	if every <= 0 || s.opts.Reload == nil {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = s.Refresh(ctx) // logged and recorded by Refresh
		}
	}
}

// Serve serves on ln until ctx ends, then shuts down gracefully, letting
// running requests finish for up to 15 s. It holds at most
// Options.MaxConns connections (see connLimit) and speaks HTTPS when
// Options.TLS is set.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	cl := newConnLimit(ln, s.opts.MaxConns, s.metrics)
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       s.opts.RequestTimeout + 10*time.Second,
		WriteTimeout:      s.opts.RequestTimeout + 15*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		ConnState:         cl.track,
		TLSConfig:         s.opts.TLS,
	}
	errc := make(chan error, 1)
	go func() {
		if s.opts.TLS != nil {
			errc <- hs.ServeTLS(cl, "", "") // certificates come from TLSConfig
			return
		}
		errc <- hs.Serve(cl)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
