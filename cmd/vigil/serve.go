package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/time/rate"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/download"
	vhttp "github.com/vigil-screening/vigil/http"
	"github.com/vigil-screening/vigil/lists/load"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/mrz"
	"github.com/vigil-screening/vigil/paxlst"
	"github.com/vigil-screening/vigil/screen"
	"github.com/vigil-screening/vigil/sqlite"
	"github.com/vigil-screening/vigil/text"
	"github.com/vigil-screening/vigil/watch"
)

func init() {
	subcommands = append(subcommands, serveCmd, loadtestCmd)
}

// serveConfig holds the flags of vigil serve.
type serveConfig struct {
	db, addr, listsDir, archive, logFormat string
	refresh                                time.Duration
	rate                                   float64
	allowRemote                            bool
}

func serveCmd() *cobra.Command {
	var c serveConfig
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the screening service: JSON API, yente-compatible /match and the web console",
		Long: `Serve the API and web console from an in-memory index of the current lists.

On an empty store the lists are imported from --lists, or downloaded from the
official sites. Every --refresh the lists are re-read (or re-downloaded),
imported, and the index is swapped atomically; a failed or suspicious update
keeps the last good version and is reported in /v1/lists and the log.

The server binds to loopback unless --addr names another address. With any
API key created (vigil keys create), every route but /healthz and /readyz
needs one.`,
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
	f.BoolVar(&c.allowRemote, "allow-remote", false, "allow --addr to bind a non-loopback address")
	return cmd
}

func runServe(ctx context.Context, c serveConfig, stderr io.Writer) error {
	var h slog.Handler = slog.NewTextHandler(stderr, nil)
	if c.logFormat == "json" {
		h = slog.NewJSONHandler(stderr, nil)
	}
	log := slog.New(h)
	if err := checkLoopback(c.addr, c.allowRemote); err != nil {
		return err
	}
	st, err := openStore(c.db)
	if err != nil {
		return err
	}
	defer st.Close()

	if c.archive == "" {
		c.archive = archiveDir(c.db)
	}
	ld := &listLoader{st: st, dir: c.listsDir, archive: c.archive, log: log, watch: newServeWatch(st, log)}
	var srv *vhttp.Server
	ld.current = func() *vhttp.Snapshot { return srv.Snapshot() }
	srv = vhttp.New(vhttp.Options{
		Store:          st,
		Keys:           storeKeys{st},
		Audit:          storeAudit{st},
		Watch:          ld.watch,
		Reload:         ld.reload,
		ScanText:       ld.scanText,
		ParseManifest:  parseManifest,
		ParseMRZ:       parseMRZ,
		Assess:         assess,
		Logger:         log,
		RateLimit:      rate.Limit(c.rate),
		MatchThreshold: match.DefaultThreshold,
		Version:        "dev",
	})

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", c.addr, err)
	}
	log.Info("listening", "addr", "http://"+ln.Addr().String(), "db", c.db)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		if err := ld.initial(ctx); err != nil {
			cancel(err)
			return
		}
		if err := srv.Refresh(ctx); err != nil {
			cancel(fmt.Errorf("building the index: %w", err))
			return
		}
		srv.RunRefresher(ctx, c.refresh)
	}()
	go ld.watch.serve(ctx)
	err = srv.Serve(ctx, ln)
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return err
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

// listLoader imports lists into the store and builds index snapshots.
type listLoader struct {
	st      *sqlite.Store
	dir     string // --lists folder; "" downloads
	archive string
	log     *slog.Logger
	current func() *vhttp.Snapshot
	scanner atomic.Pointer[scannerFor]
	// built is the set of current versions the served index was built from.
	built string
	// watch re-screens the watched subjects when the index changes.
	watch *serveWatch
}

// initial fills an empty store from the folder or the official sites.
func (l *listLoader) initial(ctx context.Context) error {
	cur, err := l.st.Current(ctx)
	if err != nil {
		return err
	}
	if len(cur) > 0 {
		return nil
	}
	l.log.Info("the store is empty; importing lists", "from", cmpOr(l.dir, "the official sites"))
	problems, err := l.update(ctx)
	if err != nil {
		return err
	}
	if cur, err = l.st.Current(ctx); err != nil {
		return err
	}
	if len(cur) == 0 {
		var msgs []string
		for list, p := range problems {
			msgs = append(msgs, list+": "+p)
		}
		if l.dir == "" {
			return fmt.Errorf("no list could be downloaded (offline?); import files with --lists DIR instead:\n  %s", strings.Join(msgs, "\n  "))
		}
		return fmt.Errorf("no list could be imported from %s:\n  %s", l.dir, strings.Join(msgs, "\n  "))
	}
	return nil
}

// update imports new versions from the folder or the download sites and
// returns, per list, why a new version was not used.
func (l *listLoader) update(ctx context.Context) (map[string]string, error) {
	problems := map[string]string{}
	if l.dir == "" {
		d := &download.Downloader{Dir: l.archive, Logf: func(f string, a ...any) { l.log.Info(fmt.Sprintf(f, a...)) }}
		for _, o := range load.Update(ctx, l.st, d, download.DefaultSources(), load.Options{}) {
			switch {
			case o.Err != nil:
				problems[o.List] = o.Error
				l.log.Warn("list not updated; the last good version stays in force", "list", o.List, "err", o.Error)
			case o.Version != nil && !o.Unchanged:
				v := o.Version
				l.log.Info("imported", "list", v.Label(), "entities", v.Entities, "added", v.Added, "removed", v.Removed, "changed", v.Changed)
			}
		}
		return problems, nil
	}
	results, _ := importPaths(ctx, l.st, []string{l.dir}, false)
	for _, r := range results {
		switch {
		case r.Error != "":
			key := "files"
			if len(r.Files) > 0 {
				key = filepath.Base(r.Files[0])
			}
			if r.Version != nil {
				key = r.Version.List
			}
			problems[key] = r.Error
			l.log.Warn("list not imported; the last good version stays in force", "err", r.Error)
		case !r.Duplicate:
			v := r.Version
			l.log.Info("imported", "list", v.Label(), "entities", v.Entities, "added", v.Added, "removed", v.Removed, "changed", v.Changed)
		}
	}
	return problems, nil
}

// reload updates the lists and builds a snapshot, reusing the served index
// when no list changed.
func (l *listLoader) reload(ctx context.Context) (*vhttp.Snapshot, error) {
	problems := map[string]string{}
	if l.built != "" {
		// The first build serves what the store holds (initial filled an
		// empty one); later ones look for new versions first.
		var err error
		if problems, err = l.update(ctx); err != nil {
			return nil, err
		}
	}
	cur, err := l.st.Current(ctx)
	if err != nil {
		return nil, err
	}
	key := versionsKey(cur)
	if old := l.current(); old != nil && key == l.built {
		return &vhttp.Snapshot{Index: old.Index, Versions: cur, Built: old.Built, Problems: problems}, nil
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
	ix := match.NewIndex(entries)
	sc, err := text.New(ents, ix, text.Options{})
	if err != nil {
		return nil, fmt.Errorf("building the text scanner: %w", err)
	}
	l.scanner.Store(&scannerFor{ix: ix, sc: sc})
	if c, err := watch.NewCorpus(cur, entries, ix); err == nil {
		l.watch.served(c)
	} else {
		l.log.Warn("the watched subjects are re-screened at the next refresh", "err", err)
	}
	l.built = key
	l.log.Info("index built", "entities", len(entries), "took", time.Since(start).Round(time.Millisecond).String())
	return &vhttp.Snapshot{Index: ix, Versions: cur, Problems: problems}, nil
}

// scannerFor pairs a text scanner with the index it was built over.
type scannerFor struct {
	ix vigil.Screener
	sc *text.Scanner
}

// scanText serves POST /v1/text with the scanner built with the index the
// request is served from.
func (l *listLoader) scanText(ctx context.Context, idx vigil.Screener, s string) ([]vhttp.Mention, error) {
	p := l.scanner.Load()
	if p == nil || p.ix != idx {
		return nil, errors.New("the text scanner is being rebuilt with new lists; try again shortly")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ms := p.sc.Scan(s)
	out := make([]vhttp.Mention, len(ms))
	for i, m := range ms {
		out[i] = vhttp.Mention{Start: m.Start, End: m.End, Text: m.Text, Matches: m.Matches}
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

// storeKeys adapts the store's API keys to the server.
type storeKeys struct{ st *sqlite.Store }

func (k storeKeys) HasKeys(ctx context.Context) (bool, error) { return k.st.HasKeys(ctx) }

func (k storeKeys) Lookup(ctx context.Context, secret string) (vhttp.KeyInfo, error) {
	key, err := k.st.LookupKey(ctx, secret)
	if errors.Is(err, vigil.ErrNotFound) {
		return vhttp.KeyInfo{}, vhttp.ErrUnknownKey
	}
	if err != nil {
		return vhttp.KeyInfo{}, err
	}
	role, ok := vhttp.ParseRole(key.Role)
	if !ok {
		return vhttp.KeyInfo{}, fmt.Errorf("key %s has an unknown role %q", key.ID, key.Role)
	}
	return vhttp.KeyInfo{ID: key.ID, Name: key.Name, Role: role}, nil
}

// storeAudit adapts the store's audit log to the server.
type storeAudit struct{ st *sqlite.Store }

type auditQuery struct {
	Subjects []string `json:"subjects"`
	Queries  int      `json:"queries"`
}

type auditResult struct {
	Matches  int      `json:"matches"`
	MatchIDs []string `json:"match_ids"`
	Lists    []string `json:"lists"`
}

func (a storeAudit) Audit(ctx context.Context, r vhttp.AuditRecord) error {
	q, _ := json.Marshal(auditQuery{r.Subjects, r.Queries})
	res, _ := json.Marshal(auditResult{r.Matches, r.MatchIDs, r.Lists})
	return a.st.Audit(ctx, sqlite.AuditRecord{Time: r.Time, Key: r.KeyID, Action: r.Action, Query: q, Result: res})
}

func (a storeAudit) AuditLog(ctx context.Context, limit int) ([]vhttp.AuditRecord, error) {
	recs, err := a.st.AuditLog(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]vhttp.AuditRecord, len(recs))
	for i, r := range recs {
		var q auditQuery
		var res auditResult
		_ = json.Unmarshal(r.Query, &q) // records written by other tools may differ
		_ = json.Unmarshal(r.Result, &res)
		out[i] = vhttp.AuditRecord{Time: r.Time, KeyID: r.Key, Action: r.Action, Subjects: q.Subjects, Queries: q.Queries,
			Matches: res.Matches, MatchIDs: res.MatchIDs, Lists: res.Lists}
	}
	return out, nil
}

// parseManifest reads a PAXLST message into travellers.
func parseManifest(r io.Reader) ([]vhttp.Traveller, error) {
	m, err := paxlst.Parse(r)
	if err != nil {
		return nil, err
	}
	out := make([]vhttp.Traveller, len(m.Travellers))
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
		out[i] = vhttp.Traveller{Label: label, Fields: fields, Query: t.Query()}
	}
	return out, nil
}

// parseMRZ reads a machine-readable zone.
func parseMRZ(lines ...string) (vigil.Query, any, error) {
	m, err := mrz.Parse(lines...)
	if err != nil {
		return vigil.Query{}, nil, err
	}
	return m.Query(), m, nil
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
func assess(ix vhttp.Index, q vigil.Query) (vhttp.Verdict, []vigil.Match) {
	v := screen.Assess(ix, q, match.DefaultThreshold)
	return vhttp.Verdict{Recommendation: string(v.Recommendation), Reasons: v.Reasons, Deciding: v.Deciding}, v.Matches
}
