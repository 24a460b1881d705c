package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/download"
	vhttp "github.com/vigil-screening/vigil/http"
	"github.com/vigil-screening/vigil/link"
	"github.com/vigil-screening/vigil/lists/load"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/mrz"
	"github.com/vigil-screening/vigil/paxlst"
	"github.com/vigil-screening/vigil/screen"
	"github.com/vigil-screening/vigil/text"
	"github.com/vigil-screening/vigil/watch"
	"github.com/vigil-screening/vigil/weights"
)

func init() {
	subcommands = append(subcommands, serveCmd, loadtestCmd)
}

// serveConfig holds the flags of vigil serve.
type serveConfig struct {
	db, addr, listsDir, archive, logFormat string
	webhookKey                             string
	refresh                                time.Duration
	rate                                   float64
	allowRemote, insecureRemote, noAuth    bool
	tlsCert, tlsKey, metricsTokenFile      string
	maxConns, maxInFlight                  int
	asOfIndexes                            int
	// staleAfter is --stale-after; empty (a config built in code) is
	// defaultStaleAfter.
	staleAfter string
	// replica names this process among the replicas sharing a store;
	// poll is how often it checks the store for list versions another
	// process added, in case a notice was missed.
	replica string
	poll    time.Duration
	// noAudit turns the audit log off, to measure what it costs (hidden).
	noAudit bool
}

func serveCmd() *cobra.Command {
	var c serveConfig
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the screening service: JSON API, yente-compatible /match and the web console",
		Long: `Serve the API and web console from an in-memory index of the current lists.

At start the lists are imported from --lists (files imported before add
nothing), or, for lists with no complete version, downloaded from the official
sites: an import that a crash cut short is finished before the server says
ready, and /readyz answers 503 while a configured list has no complete
version. Every --refresh the lists are re-read (or re-downloaded), imported,
and the index is swapped atomically; a failed or suspicious update keeps the
last good version and is reported in /v1/lists, /metrics and the log.

The server binds to loopback unless --allow-remote is given; then it also
needs an active API key, and TLS (--tls-cert, --tls-key) unless
--insecure-remote says a proxy in front provides it. Once an API key has been
created (vigil keys create), every route but /healthz, /readyz, /openapi.json
and the sign-in page needs one, even after every key is revoked; --no-auth
serves without keys, on loopback only.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd.Context(), c, cmd.ErrOrStderr()) },
	}
	dbFlag(cmd, &c.db)
	f := cmd.Flags()
	f.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&c.listsDir, "lists", "", "folder of list files to import (instead of downloading)")
	f.StringVar(&c.archive, "archive", "", "folder keeping downloaded list files (default: beside the store, DB-downloads)")
	f.DurationVar(&c.refresh, "refresh", 6*time.Hour, "how often to refresh the lists (0: never)")
	f.Float64Var(&c.rate, "rate", 1000, "requests per second allowed per API key (negative: unlimited)")
	f.StringVar(&c.logFormat, "log", "text", "log format: text or json")
	f.BoolVar(&c.allowRemote, "allow-remote", false, "allow --addr to bind a non-loopback address (needs an active API key, and TLS or --insecure-remote)")
	f.BoolVar(&c.insecureRemote, "insecure-remote", false, "with --allow-remote, serve plain HTTP (TLS is done by a proxy in front)")
	f.BoolVar(&c.noAuth, "no-auth", false, "serve every route without an API key, even when keys exist (loopback only)")
	f.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate (chain) file: serve HTTPS")
	f.StringVar(&c.tlsKey, "tls-key", "", "PEM private key file of --tls-cert")
	f.StringVar(&c.metricsTokenFile, "metrics-token-file", "", "file holding a bearer token that opens /metrics only (for a Prometheus scraper)")
	f.IntVar(&c.maxConns, "max-conns", 1024, "most connections held open; at the cap the idlest is closed")
	f.IntVar(&c.maxInFlight, "max-inflight", 128, "most requests served at once; more get 503 with Retry-After")
	webhookKeyFlag(cmd, &c.webhookKey)
	f.IntVar(&c.asOfIndexes, "as-of-indexes", 2, "how many indexes built to screen as of a date (as_of) to keep; each holds its lists in memory")
	f.StringVar(&c.staleAfter, "stale-after", defaultStaleAfter, "mark a list stale in /v1/lists and the console when it was published longer ago than this (e.g. 30d, 72h)")
	f.StringVar(&c.replica, "replica", defaultReplica(), "this replica's name, shown in /readyz and /v1/lists (several vigil serve may share a PostgreSQL store)")
	f.DurationVar(&c.poll, "poll", 30*time.Second, "how often to check the store for list versions another process added (a PostgreSQL store also announces them at once)")
	f.BoolVar(&c.noAudit, "no-audit", false, "do not audit screenings: only to measure what the audit log costs")
	_ = f.MarkHidden("no-audit")
	return cmd
}

// defaultStaleAfter is the age of publication beyond which a list is
// marked stale unless --stale-after says otherwise.
const defaultStaleAfter = "30d"

func runServe(ctx context.Context, c serveConfig, stderr io.Writer) error {
	progress := newImportProgress(stderr)
	var h slog.Handler = slog.NewTextHandler(progress, nil)
	if c.logFormat == "json" {
		h = slog.NewJSONHandler(progress, nil)
	}
	log := slog.New(h)
	if err := checkLoopback(c.addr, c.allowRemote); err != nil {
		return err
	}
	tlsConf, err := loadTLS(c.tlsCert, c.tlsKey)
	if err != nil {
		return err
	}
	metricsToken, err := readMetricsToken(c.metricsTokenFile)
	if err != nil {
		return err
	}
	staleAfter, err := watch.ParseAge(cmp.Or(c.staleAfter, defaultStaleAfter))
	if err != nil {
		return fmt.Errorf("--stale-after: %w", err)
	}
	st, err := openStore(c.db)
	if err != nil {
		return err
	}
	defer st.Close()
	keys, err := st.ListKeys(ctx)
	if err != nil {
		return err
	}
	had, err := st.HadKeys(ctx)
	if err != nil {
		return err
	}
	if err := checkExposure(c, activeKeys(keys), tlsConf != nil); err != nil {
		return err
	}
	switch {
	case c.noAuth:
		log.Warn("--no-auth: every route is served without an API key")
	case had && activeKeys(keys) == 0:
		log.Warn("every API key is revoked: requests that need a key are refused until one is created (vigil keys create)")
	case !had:
		log.Warn("no API key yet: the service is open to anyone who can reach it on loopback; create one with vigil keys create")
	}

	if c.archive == "" {
		c.archive = archiveDir(c.db)
	}
	ld := &listLoader{st: st, dir: c.listsDir, archive: c.archive, log: log, watch: newServeWatch(st, log, c.replica), progress: progress}
	var srv *vhttp.Server
	ld.current = func() *vhttp.Snapshot { return srv.Snapshot() }
	var audit vhttp.Auditor = st
	if c.noAudit {
		audit = nil
		log.Warn("the audit log is OFF (--no-audit): screenings are answered without a record; use this only to measure")
	}
	srv = vhttp.New(vhttp.Options{
		Store:          st,
		Keys:           st,
		NoAuth:         c.noAuth,
		MetricsToken:   metricsToken,
		TLS:            tlsConf,
		MaxConns:       c.maxConns,
		MaxInFlight:    c.maxInFlight,
		Audit:          audit,
		Watch:          ld.watch,
		Reload:         ld.reload,
		Links:          storeLinks{st},
		Webhooks:       newWebhookAdmin(st, webhookKeyPath(c.webhookKey, c.db)),
		Rebuild:        ld.rebuild,
		BuildIndex:     ld.buildIndex,
		AsOfIndexes:    c.asOfIndexes,
		ScanText:       ld.scanText,
		ParseManifest:  parseManifest,
		ParseMRZ:       parseMRZ,
		Assess:         assess,
		Logger:         log,
		RateLimit:      rate.Limit(c.rate),
		MatchThreshold: match.DefaultThreshold,
		Version:        buildVersion(),
		StaleAfter:     staleAfter,
		Replica:        func() vhttp.ReplicaInfo { return vhttp.ReplicaInfo{Name: c.replica, Lead: ld.leading.Load()} },
	})

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", c.addr, err)
	}
	scheme := "http://"
	if tlsConf != nil {
		scheme = "https://"
	}
	log.Info("listening", "addr", scheme+ln.Addr().String(), "db", storeName(c.db))

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	defer startWebhooks(ctx, st, webhookKeyPath(c.webhookKey, c.db), log)() // stops, recording the tries under way
	// The service's own imports (the first fill, scheduled refreshes) are
	// audited as the service's.
	ctx = vigil.WithActor(ctx, "vigil")
	go func() {
		if err := ld.initial(ctx); err != nil {
			cancel(err)
			return
		}
		if err := srv.Refresh(ctx); err != nil {
			cancel(fmt.Errorf("building the index: %w", err))
			return
		}
		go ld.follow(ctx, srv, c.poll)
		srv.RunRefresher(ctx, c.refresh)
	}()
	go ld.watch.serve(ctx)
	err = srv.Serve(ctx, ln)
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
}

// defaultReplica names this process among the replicas sharing a store:
// the host name and the process id.
func defaultReplica() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "vigil"
	}
	return fmt.Sprintf("%s/%d", host, os.Getpid())
}

// checkLoopback refuses a non-loopback listen address unless allowed.
func checkLoopback(addr string, allow bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", addr, err)
	}
	if allow {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--addr %s is not a loopback address; add --allow-remote to serve the network (and create API keys first: vigil keys create)", addr)
}

// checkExposure refuses to serve the network without keys or without TLS:
// --allow-remote needs an active API key, refuses --no-auth, and needs
// --tls-cert/--tls-key unless --insecure-remote says a proxy does TLS.
func checkExposure(c serveConfig, active int, tls bool) error {
	if !c.allowRemote {
		return nil
	}
	switch {
	case c.noAuth:
		return errors.New("--no-auth refuses --allow-remote: a service open to anyone may only listen on loopback")
	case active == 0:
		return errors.New("--allow-remote needs an active API key first: vigil keys create --role admin --name NAME")
	case !tls && !c.insecureRemote:
		return errors.New("--allow-remote needs TLS: give --tls-cert and --tls-key, or --insecure-remote when a proxy in front does TLS")
	}
	return nil
}

// loadTLS reads the certificate and key files, when given, into a server
// TLS configuration (TLS 1.2 at least).
func loadTLS(certFile, keyFile string) (*tls.Config, error) {
	if certFile == "" && keyFile == "" {
		return nil, nil
	}
	if certFile == "" || keyFile == "" {
		return nil, errors.New("--tls-cert and --tls-key go together")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-cert %s, --tls-key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}

// readMetricsToken reads the metrics token file, when given: one line of at
// least 16 characters.
func readMetricsToken(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--metrics-token-file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	switch {
	case tok == "":
		return "", fmt.Errorf("--metrics-token-file %s is empty", path)
	case len(tok) < 16 || strings.ContainsAny(tok, " \t\r\n"):
		return "", fmt.Errorf("--metrics-token-file %s: the token must be one word of at least 16 characters", path)
	}
	return tok, nil
}

// listLoader imports lists into the store and builds index snapshots.
type listLoader struct {
	st      vigil.Backend
	dir     string // --lists folder; "" downloads
	archive string
	log     *slog.Logger
	current func() *vhttp.Snapshot
	scanner atomic.Pointer[scannerFor]
	// built is the set of current versions the served index was built
	// from (versionsKey); read by follow while rebuild writes it.
	built atomic.Pointer[string]
	// leading says whether this process leads the list refreshes (Lead).
	leading atomic.Bool
	// last is what the last import run learnt: the problems of its files
	// and the configured lists.
	last loadState
	// watch re-screens the watched subjects when the index changes.
	watch *serveWatch
	// progress shows the first import's progress on a terminal.
	progress *importProgress
}

// loadState is what an import run learnt.
type loadState struct {
	problems []vhttp.Problem
	// configured are the lists the folder holds complete files of (or whose
	// files could not be read), or the download sources' lists.
	configured []string
}

// missing returns the configured lists that have no complete current
// version.
func (s loadState) missing(cur []vigil.ListVersion) []string {
	complete := map[string]bool{}
	for _, v := range cur {
		if !v.Partial {
			complete[v.List] = true
		}
	}
	var out []string
	for _, l := range s.configured {
		if !complete[l] {
			out = append(out, l)
		}
	}
	return out
}

// initial makes sure the store holds a complete version of every
// configured list before the first index is built: an empty store is
// filled, and an import that a crash cut short is finished (a folder is
// always imported again at start: files imported before add nothing; the
// download sources whose lists have no complete version are fetched).
func (l *listLoader) initial(ctx context.Context) error {
	waiting := false
	for {
		lead, err := l.lead(ctx)
		if err != nil {
			return err
		}
		if lead {
			break
		}
		cur, err := l.st.Current(ctx)
		if err != nil {
			return err
		}
		if len(cur) > 0 {
			l.log.Info("another replica leads the list refreshes; serving the lists the store holds")
			l.last = followerState(l.dir, cur)
			return nil
		}
		if !waiting {
			l.log.Info("the store holds no lists yet; waiting for the replica that leads to import them")
			waiting = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	cur, err := l.st.Current(ctx)
	if err != nil {
		return err
	}
	var only []string
	if l.dir == "" {
		l.last = loadState{configured: sourceLists(download.DefaultSources())}
		only = l.last.missing(cur)
		if len(only) == 0 {
			return nil
		}
	}
	switch {
	case len(cur) == 0:
		l.log.Info("the store is empty; importing lists", "from", cmpOr(l.dir, "the official sites"))
	case l.dir == "":
		l.log.Warn("lists without a complete version (an earlier import did not finish?); downloading them", "lists", only)
	default:
		l.log.Info("importing the lists folder", "from", l.dir)
	}
	if l.progress != nil {
		l.progress.start()
	}
	l.last, err = l.update(ctx, only)
	if l.progress != nil {
		l.progress.finish()
	}
	if err != nil {
		return err
	}
	if cur, err = l.st.Current(ctx); err != nil {
		return err
	}
	if len(cur) == 0 {
		var msgs []string
		for _, p := range l.last.problems {
			msgs = append(msgs, p.Message)
		}
		if l.dir == "" {
			return fmt.Errorf("no list could be downloaded (offline?); import files with --lists DIR instead:\n  %s", strings.Join(msgs, "\n  "))
		}
		return fmt.Errorf("no list could be imported from %s:\n  %s", l.dir, strings.Join(msgs, "\n  "))
	}
	return nil
}

// followerState is what a replica that does not lead knows of the
// configured lists, so that it is not ready while the lead is (/readyz
// names them): the download sources' lists, or, with a folder the lead
// imports, every list the store holds (one with only a partial version is
// missing).
func followerState(dir string, cur []vigil.ListVersion) loadState {
	if dir == "" {
		return loadState{configured: sourceLists(download.DefaultSources())}
	}
	var st loadState
	for _, v := range cur {
		if !slices.Contains(st.configured, v.List) {
			st.configured = append(st.configured, v.List)
		}
	}
	return st
}

// sourceLists returns the lists of download sources.
func sourceLists(srcs []download.Source) []string {
	out := make([]string, len(srcs))
	for i, s := range srcs {
		out[i] = s.List
	}
	return out
}

// update imports new versions from the folder or the download sites (only
// the given lists' sources, when any are given) and returns what it learnt.
func (l *listLoader) update(ctx context.Context, only []string) (loadState, error) {
	var st loadState
	if l.dir == "" {
		srcs := download.DefaultSources()
		st.configured = sourceLists(srcs)
		if len(only) > 0 {
			srcs = slices.DeleteFunc(srcs, func(s download.Source) bool { return !slices.Contains(only, s.List) })
		}
		d := &download.Downloader{Dir: l.archive, Logf: func(f string, a ...any) { l.log.Info(fmt.Sprintf(f, a...)) }}
		for _, o := range load.Update(ctx, l.st, d, srcs, load.Options{}) {
			switch {
			case o.Err != nil:
				st.problems = append(st.problems, vhttp.Problem{List: o.List, Path: strings.Join(o.Files, ", "), Kind: vhttp.ProblemError, Message: o.Error})
				l.log.Warn("list not updated; the last good version stays in force", "list", o.List, "err", o.Error)
			case o.Version != nil && !o.Unchanged:
				l.logImported(*o.Version, o.Message, o.Warnings, 0)
			case o.Outcome == vigil.OutcomeWithdrawnDuplicate:
				l.log.Warn("download skipped", "list", o.List, "reason", o.Message)
			}
		}
		return st, nil
	}
	report := func(r load.Result) {
		path := ""
		if len(r.Files) > 0 {
			path = r.Files[0]
		}
		complete := r.Err == nil && !r.Version.Partial
		if (complete || (r.Err != nil && !r.Refused)) && r.List != "" && !slices.Contains(st.configured, r.List) {
			st.configured = append(st.configured, r.List)
		}
		switch {
		case r.Refused:
			st.problems = append(st.problems, vhttp.Problem{List: r.List, Path: path, Kind: vhttp.ProblemRefused, Message: r.Error})
			l.log.Info("file refused", "list", r.List, "path", path, "reason", r.Error)
		case r.Err != nil:
			st.problems = append(st.problems, vhttp.Problem{List: r.List, Path: path, Kind: vhttp.ProblemError, Message: r.Error})
			l.log.Warn("list not imported; the last good version stays in force", "list", r.List, "path", path, "err", r.Error)
		case r.Added():
			l.logImported(r.Version, r.Message(), r.Warnings, r.Took)
			if l.progress != nil {
				l.progress.stored(r.Version.Label())
			}
		case r.Outcome == vigil.OutcomeWithdrawnDuplicate:
			l.log.Warn("file skipped", "list", r.List, "path", path, "reason", r.Message())
		}
	}
	// One line per list read, with its entities and the time it took: a
	// first import reads for seconds before it stores anything.
	onRead := func(p load.ReadProgress) {
		if p.Err == nil && p.List != "" {
			l.log.Info("read", "list", p.List, "path", p.Path, "entities", p.Entities, "took", p.Took.Round(time.Millisecond),
				"files_read", fmt.Sprintf("%d/%d", p.Done, p.Total))
		}
		if l.progress != nil {
			l.progress.read(p)
		}
	}
	load.ImportPaths(ctx, l.st, []string{l.dir}, load.Options{Report: report, OnRead: onRead})
	slices.Sort(st.configured)
	return st, nil
}

// logImported logs a new version and its reader warnings.
func (l *listLoader) logImported(v vigil.ListVersion, msg string, warnings []string, took time.Duration) {
	args := []any{"list", v.Label(), "in_force_from", v.InForceFrom, "entities", v.Entities,
		"added", v.Added, "removed", v.Removed, "changed", v.Changed, "note", msg}
	if took > 0 {
		args = append(args, "took", took.Round(time.Millisecond))
	}
	l.log.Info("imported", args...)
	for _, w := range warnings {
		l.log.Warn("list warning", "list", v.Label(), "warning", w)
	}
}

// reload updates the lists and builds a snapshot, reusing the served index
// when no list changed.
func (l *listLoader) reload(ctx context.Context) (*vhttp.Snapshot, error) {
	if l.builtKey() != "" {
		// The first build serves what initial imported; later ones look
		// for new versions first, when this process leads the refreshes
		// (another replica's imports reach it through the store).
		lead, err := l.lead(ctx)
		if err != nil {
			return nil, err
		}
		if lead {
			st, err := l.update(ctx, nil)
			if err != nil {
				return nil, err
			}
			l.last = st
		}
	}
	return l.rebuild(ctx)
}

// lead takes or keeps the lead of list refreshes (vigil.Coordinator):
// with several replicas sharing a PostgreSQL store one downloads and
// imports, and another takes over at its next refresh when it dies. A
// SQLite store always leads.
func (l *listLoader) lead(ctx context.Context) (bool, error) {
	lead, err := l.st.Lead(ctx, "lists")
	if err != nil {
		return false, fmt.Errorf("taking the lead of list refreshes: %w", err)
	}
	if was := l.leading.Swap(lead); was != lead {
		if lead {
			l.log.Info("this replica leads the list refreshes: it downloads or imports the lists")
		} else {
			l.log.Warn("this replica no longer leads the list refreshes")
		}
	}
	return lead, nil
}

// builtKey returns the versions the served index was built from.
func (l *listLoader) builtKey() string {
	if p := l.built.Load(); p != nil {
		return *p
	}
	return ""
}

// follow keeps the served index on the store's current versions when
// another process changes them: it rebuilds when the store announces a
// change to the lists (or may have missed one), and checks every poll
// interval in case no notice came; an announced change to the API keys
// drops the key cache, and an announced linking (a judgement made on
// another replica) serves the subjects anew. It returns when ctx ends.
func (l *listLoader) follow(ctx context.Context, srv *vhttp.Server, poll time.Duration) {
	kick := make(chan struct{}, 1)
	var relinked atomic.Bool // another process linked the subjects again
	wake := func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	go func() {
		err := l.st.Listen(ctx, func(topic string) {
			switch topic {
			case vigil.TopicKeys:
				srv.ForgetKeys()
			case vigil.TopicLists, vigil.TopicResync:
				wake()
			case vigil.TopicSubjects:
				relinked.Store(true)
				wake()
			case vigil.TopicJobs:
				l.watch.wake()
			}
		})
		if err != nil {
			l.log.Warn("not listening for changes by other replicas; polling instead", "every", poll, "err", err)
		}
	}()
	if poll <= 0 {
		poll = 30 * time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
			// Notices come one per list of an import run: let the run's
			// next ones arrive before rebuilding.
			select {
			case <-ctx.Done():
				return
			case <-time.After(200 * time.Millisecond):
			}
		case <-t.C:
		}
		cur, err := l.st.Current(ctx)
		if err != nil {
			l.log.Warn("checking the store for new list versions", "err", err)
			continue
		}
		key, err := l.indexKey(ctx, cur)
		if err != nil {
			l.log.Warn("checking the store's weight epoch", "err", err)
			continue
		}
		if key == l.builtKey() {
			if relinked.Swap(false) {
				// The same index; the subjects it groups by are read again.
				_ = srv.Rebuild(ctx)
			}
			continue
		}
		relinked.Store(false)
		l.log.Info("the store's list versions or weight epoch changed; rebuilding the index", "index", key)
		_ = srv.Rebuild(ctx) // logged and recorded by Rebuild
	}
}

// indexKey names what the served index is built from: the versions and
// the weight epoch.
func (l *listLoader) indexKey(ctx context.Context, cur []vigil.ListVersion) (string, error) {
	ep, err := l.st.CurrentEpoch(ctx)
	if err != nil && !errors.Is(err, vigil.ErrNotFound) {
		return "", err
	}
	return fmt.Sprintf("%s weights %d", versionsKey(cur), ep.ID), nil
}

// rebuild builds a snapshot of the store's current versions without
// importing anything (after a rollback), reusing the served index when no
// list changed.
func (l *listLoader) rebuild(ctx context.Context) (*vhttp.Snapshot, error) {
	cur, err := l.st.Current(ctx)
	if err != nil {
		return nil, err
	}
	problems, missing := l.last.problems, l.last.missing(cur)
	// The index is built again when the versions or the weight epoch
	// (which another process may have begun) changed.
	key, err := l.indexKey(ctx, cur)
	if err != nil {
		return nil, err
	}
	if old := l.current(); old != nil && key == l.builtKey() {
		// The lists are the same; judgements made meanwhile (vigil
		// subjects link) cluster the stored links again.
		subs := l.subjects(ctx, cur, nil, old.Index)
		return &vhttp.Snapshot{Index: old.Index, Versions: cur, Built: old.Built, Problems: problems, Missing: missing, Subjects: subs}, nil
	}
	start := time.Now()
	rows, err := l.st.CurrentEntities(ctx)
	if err != nil {
		return nil, err
	}
	entries := make([]match.Entry, len(rows))
	ents := make([]*vigil.Entity, len(rows))
	for i := range rows {
		entries[i] = match.Entry{Entity: &rows[i].Entity, Version: rows[i].Version.Label()}
		ents[i] = &rows[i].Entity
	}
	ix, ep, err := weights.For(ctx, l.st, entries, cur, weights.Options{})
	if err != nil {
		return nil, err
	}
	sc, err := text.New(ents, ix, text.Options{})
	if err != nil {
		return nil, fmt.Errorf("building the text scanner: %w", err)
	}
	l.scanner.Store(&scannerFor{ix: ix, sc: sc})
	if c, err := watch.NewCorpus(cur, entries, ix, ep); err == nil {
		l.watch.served(c)
	} else {
		l.log.Warn("the watched subjects are re-screened at the next refresh", "err", err)
	}
	key = fmt.Sprintf("%s weights %d", versionsKey(cur), ep.ID)
	l.built.Store(&key)
	l.log.Info("index built", "entities", len(entries), "weight_epoch", ep.ID, "took", time.Since(start).Round(time.Millisecond).String())
	subs := l.subjects(ctx, cur, entries, ix)
	return &vhttp.Snapshot{Index: ix, Versions: cur, Problems: problems, Missing: missing, Subjects: subs}, nil
}

// subjects links the current lists into subjects when they or the
// judgements changed since the last linking (with the index just built;
// entries nil means the lists are those linked before, so only judgements
// can have changed) and returns the subjects to serve. A linking that
// fails is logged and the subjects stored before are served: subjects only
// group matches, and no match is lost for it.
func (l *listLoader) subjects(ctx context.Context, cur []vigil.ListVersion, entries []match.Entry, ix vhttp.Index) vigil.SubjectLookup {
	stale, err := link.Stale(ctx, l.st, labels(cur), link.DefaultOptions)
	switch {
	case err != nil:
	case stale && entries == nil:
		_, err = link.Rejudge(ctx, l.st, link.DefaultOptions, time.Now())
	case stale:
		start := time.Now()
		var res vigil.LinkingResult
		if res, err = link.Run(ctx, l.st, entries, ix, link.DefaultOptions, time.Now()); err == nil {
			l.log.Info("subjects linked", "subjects", res.Subjects, "on_several_listings", res.Linked, "new", res.New, "ended", res.Ended,
				"changed", res.Changed, "took", time.Since(start).Round(time.Millisecond).String())
		}
	}
	if err != nil {
		l.log.Warn("linking subjects failed; serving the subjects linked before", "err", err)
	}
	ids, err := l.st.SubjectIDs(ctx)
	if err != nil {
		l.log.Warn("reading subjects failed; each match is served as its own subject", "err", err)
		return nil
	}
	return link.NewSubjects(ids)
}

// storeLinks serves the listed subjects from the store (vhttp.Links).
type storeLinks struct{ st vigil.Backend }

func (s storeLinks) ListedSubject(ctx context.Context, id string) (vigil.ListedSubject, error) {
	return s.st.ListedSubject(ctx, id)
}

func (s storeLinks) SubjectOf(ctx context.Context, id string) (vigil.ListedSubject, error) {
	return s.st.SubjectOf(ctx, id)
}

// Judge records a judgement, clusters the stored links again and returns
// the subjects to serve.
func (s storeLinks) Judge(ctx context.Context, j vigil.LinkJudgement) (vigil.LinkJudgement, vigil.SubjectLookup, error) {
	j, err := s.st.Judge(ctx, j)
	if err != nil {
		return j, nil, err
	}
	if _, err := link.Rejudge(ctx, s.st, link.DefaultOptions, time.Now()); err != nil {
		return j, nil, fmt.Errorf("clustering the subjects again: %w", err)
	}
	ids, err := s.st.SubjectIDs(ctx)
	if err != nil {
		return j, nil, err
	}
	return j, link.NewSubjects(ids), nil
}

// buildIndex builds an index over the given list versions, for screening
// as of a date.
func (l *listLoader) buildIndex(ctx context.Context, vs []vigil.ListVersion) (vhttp.Index, error) {
	start := time.Now()
	entries, err := versionEntries(ctx, l.st, vs)
	if err != nil {
		return nil, err
	}
	// The current epoch's weights, as the served index has (a date's
	// lists never begin an epoch).
	ix, _, err := weights.With(ctx, l.st, entries)
	if err != nil {
		return nil, err
	}
	l.log.Info("as-of index built", "versions", versionsKey(vs), "entities", len(entries), "took", time.Since(start).Round(time.Millisecond).String())
	return ix, nil
}

// versionEntries reads the entities of the given list versions.
func versionEntries(ctx context.Context, st vigil.Store, vs []vigil.ListVersion) ([]match.Entry, error) {
	var entries []match.Entry
	for _, v := range vs {
		es, err := st.Entities(ctx, v.List, v.Version)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", v.Label(), err)
		}
		label := v.Label()
		for i := range es {
			entries = append(entries, match.Entry{Entity: &es[i], Version: label})
		}
	}
	return entries, nil
}

// scannerFor pairs a text scanner with the index it was built over.
type scannerFor struct {
	ix vigil.Screener
	sc *text.Scanner
}

// scanText serves POST /v1/text with the scanner built with the index the
// request is served from.
func (l *listLoader) scanText(ctx context.Context, idx vigil.Screener, s string, lim vhttp.TextLimits) (vhttp.TextScan, error) {
	p := l.scanner.Load()
	if p == nil || p.ix != idx {
		return vhttp.TextScan{}, errors.New("the text scanner is being rebuilt with new lists; try again shortly")
	}
	r, err := p.sc.ScanContext(ctx, s, text.Limits{MaxQueries: lim.MaxQueries, MaxMentions: lim.MaxMentions})
	if err != nil {
		return vhttp.TextScan{}, err
	}
	out := vhttp.TextScan{Mentions: make([]vhttp.Mention, len(r.Mentions)), Truncated: r.Truncated, ScreenedTo: r.ScreenedTo}
	for i, m := range r.Mentions {
		out.Mentions[i] = vhttp.Mention{Start: m.Start, End: m.End, Text: m.Text, Matches: m.Matches}
	}
	return out, nil
}

func versionsKey(vs []vigil.ListVersion) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(v.Label() + ",")
	}
	return b.String()
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// parseManifest reads a PAXLST message into travellers, as vigil manifest
// screens them (screen.TravellerSubject, against today where the manifest
// states no date of travel), and a not-screened entry for each record it
// could not read.
func parseManifest(r io.Reader) ([]vhttp.Traveller, error) {
	m, err := paxlst.Parse(r)
	if err != nil {
		return nil, err
	}
	today := time.Now()
	flights := make([]*vhttp.Flight, len(m.Flights))
	for i, f := range m.Flights {
		flights[i] = &vhttp.Flight{Ident: f.Ident()}
		for _, l := range f.Legs {
			flights[i].Legs = append(flights[i].Legs, vhttp.FlightLeg{From: l.From, Departure: l.Departure, To: l.To, Arrival: l.Arrival})
		}
	}
	out := make([]vhttp.Traveller, 0, len(m.Travellers))
	for i, t := range m.Travellers {
		label := t.Name()
		if t.Seat != "" {
			label += ", seat " + t.Seat
		}
		fields := map[string]string{"role": t.Role, "segment": fmt.Sprint(t.Segment)}
		if len(t.Flights) > 0 && t.Flights[0] < len(m.Flights) { // for the travellers kept under watch
			f := m.Flights[t.Flights[0]]
			fields["flight"] = f.Ident()
			if len(f.Legs) > 0 {
				fields["route"] = f.Legs[0].From + "-" + f.Legs[len(f.Legs)-1].To
				fields["date"], _, _ = strings.Cut(f.Legs[0].Departure, "T")
			}
		}
		if t.Embark != "" {
			fields["embark"] = t.Embark
		}
		if t.Debark != "" {
			fields["debark"] = t.Debark
		}
		s := screen.TravellerSubject(m, i, today)
		out = append(out, vhttp.Traveller{Label: label, Fields: fields, Query: s.Query, Problems: s.Problems, OtherIDs: s.OtherIDs,
			Flights: flightsOf(flights, t.Flights)})
	}
	for _, p := range m.Dropped() {
		out = append(out, vhttp.Traveller{Label: fmt.Sprintf("record at segment %d (%s), not read", p.Segment, p.Tag),
			Fields:   map[string]string{"segment": fmt.Sprint(p.Segment)},
			Problems: []string{screen.NotScreenedReason(p)}, NotScreened: true, Flights: flightsOf(flights, p.Flights)})
	}
	return out, nil
}

// flightsOf returns the flights of the indexes is (those in range).
func flightsOf(flights []*vhttp.Flight, is []int) []*vhttp.Flight {
	var out []*vhttp.Flight
	for _, i := range is {
		if i >= 0 && i < len(flights) {
			out = append(out, flights[i])
		}
	}
	return out
}

// parseMRZ reads a machine-readable zone: its holder as vigil mrz screens
// them (screen.MRZSubject, against today).
func parseMRZ(lines ...string) (vhttp.Traveller, any, error) {
	m, err := mrz.Parse(lines...)
	if err != nil {
		return vhttp.Traveller{}, nil, err
	}
	s := screen.MRZSubject(m, time.Now())
	return vhttp.Traveller{Label: m.Name(), Query: s.Query, Problems: s.Problems, Misread: s.Misread, OtherIDs: s.OtherIDs}, m, nil
}

func loadtestCmd() *cobra.Command {
	var o vhttp.LoadOptions
	var name, key string
	cmd := &cobra.Command{
		Use:   "loadtest",
		Short: "Load-test a running Vigil server on this machine (loopback only)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Body = []byte(fmt.Sprintf(`{"name":%q}`, name))
			if key != "" {
				o.Key = key
			}
			res, err := vhttp.LoadTest(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), res)
			if res.Errors > 0 {
				return exitError{1}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.URL, "url", "http://127.0.0.1:8080/v1/screen", "endpoint to POST to (loopback only)")
	f.IntVar(&o.Clients, "clients", 64, "concurrent clients")
	f.DurationVar(&o.Duration, "duration", 60*time.Second, "how long to run (at most 10m)")
	f.StringVar(&name, "name", "Qasem Soleimani", "name to screen")
	f.StringVar(&key, "key", os.Getenv("VIGIL_KEY"), "API key (default $VIGIL_KEY)")
	return cmd
}

// assess recommends deny, refer or clear for a traveller or document holder,
// as vigil manifest and vigil mrz do.
func assess(ix vhttp.Index, t vhttp.Traveller) (vhttp.Verdict, []vigil.Match) {
	v := screen.AssessSubject(ix, screen.Subject{Query: t.Query, Problems: t.Problems, Misread: t.Misread, OtherIDs: t.OtherIDs}, match.DefaultThreshold)
	return vhttp.Verdict{Recommendation: string(v.Recommendation), Reasons: v.Reasons, Deciding: v.Deciding}, v.Matches
}
