// Package http is Vigil's HTTP service: the JSON API under /v1, a yente-
// compatible /match endpoint, health checks, Prometheus metrics, the OpenAPI
// document and the web console, all served from one in-memory index that a
// background refresh swaps atomically.
//
// The package depends on small interfaces (Index, Keys, Auditor, and the
// optional parsers in Options) so that cmd/vigil wires the real matcher,
// store and parsers while tests use small implementations of their own.
package http

import (
	"context"
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
	Store  vigil.Store
	Keys   Keys    // nil: no API keys, every route is open
	Audit  Auditor // nil: screening is not audited and /v1/audit answers 501
	Reload Reloader
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

	ScanText      TextScanner
	ParseManifest ManifestParser
	ParseMRZ      MRZParser
	// Assess, when set, screens each manifest traveller and MRZ holder and
	// recommends deny, refer or clear, as the CLI does.
	Assess Assessor

	Logger *slog.Logger

	// MaxBodyBytes limits JSON bodies (default 1 MiB); MaxUploadBytes text
	// and manifest uploads (default 8 MiB).
	MaxBodyBytes   int64
	MaxUploadBytes int64
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
	// looked up again (default 5 s; negative disables the cache).
	KeyCacheTTL time.Duration
	// Version is shown in the console footer and OpenAPI info.
	Version string
}

// Server serves the API and the console. Create it with New.
type Server struct {
	opts     Options
	log      *slog.Logger
	snap     atomic.Pointer[Snapshot]
	refresh  atomic.Pointer[RefreshStatus]
	reloadMu sync.Mutex
	judgeMu  sync.Mutex // judgements of listed subjects, one at a time
	routes   []route
	handler  http.Handler
	metrics  *metrics
	limits   limiters
	keys     keyCache
	console  *console
	asOf     *asOfIndexes
}

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
		opts.KeyCacheTTL = 5 * time.Second
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
	s := &Server{opts: opts, log: opts.Logger, asOf: &asOfIndexes{max: opts.AsOfIndexes}}
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
// /v1/lists. Concurrent calls run one reload at a time.
func (s *Server) Refresh(ctx context.Context) error {
	if s.opts.Reload == nil {
		return ErrNoReloader
	}
	return s.refreshWith(ctx, s.opts.Reload)
}

// refreshWith runs Refresh with the given reloader.
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
// running requests finish for up to 15 s.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       s.opts.RequestTimeout + 10*time.Second,
		WriteTimeout:      s.opts.RequestTimeout + 15*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
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
