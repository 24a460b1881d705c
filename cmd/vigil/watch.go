package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/batch"
	vhttp "github.com/vigil-screening/vigil/http"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/watch"
	"github.com/vigil-screening/vigil/weights"
)

func init() { subcommands = append(subcommands, watchCmd) }

// loadCorpus builds the corpus of the store's current list versions: the
// versions and an index over their entities, read so that they agree,
// built with the current weight epoch (weights.For: beginning one when
// there is none or the lists drifted from it).
func loadCorpus(ctx context.Context, st vigil.Backend) (*watch.Corpus, error) {
	return buildCorpus(ctx, st, "")
}

// buildCorpus is loadCorpus, or, when reweigh is not empty, begins a new
// weight epoch for that reason first (weights.Reweigh).
func buildCorpus(ctx context.Context, st vigil.Backend, reweigh string) (*watch.Corpus, error) {
	var mismatch error
	for range 3 {
		rows, err := st.CurrentEntities(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading current entities: %w", err)
		}
		cur, err := st.Current(ctx)
		if err != nil {
			return nil, err
		}
		entries := make([]match.Entry, len(rows))
		for i := range rows {
			entries[i] = match.Entry{Entity: &rows[i].Entity, Version: rows[i].Version.Label()}
		}
		if err := checkAgree(cur, entries); err != nil {
			mismatch = err // a list was imported between the two reads: read again
			continue
		}
		var ix *match.Index
		var ep vigil.WeightEpoch
		if reweigh != "" {
			ix, ep, err = weights.Reweigh(ctx, st, entries, cur, reweigh, weights.Options{})
		} else {
			ix, ep, err = weights.For(ctx, st, entries, cur, weights.Options{})
		}
		if err != nil {
			return nil, err
		}
		return watch.NewCorpus(cur, entries, ix, ep)
	}
	return nil, fmt.Errorf("the lists keep changing while being read: %w", mismatch)
}

// checkAgree reports an error when an entry is not of one of the versions
// (watch.NewCorpus's check, made before the index is built).
func checkAgree(vs []vigil.ListVersion, entries []match.Entry) error {
	labels := make(map[string]bool, len(vs))
	for _, v := range vs {
		labels[v.Label()] = true
	}
	for _, en := range entries {
		if !labels[en.Version] {
			return fmt.Errorf("the entities (%s) are not of the current versions", en.Version)
		}
	}
	return nil
}

// auditWho is how the audit log names who acted in the watch engine: an
// API key's id as "key:ID", anyone else as given by the command line
// ("cli:NAME"), kept as is when it already says which.
func auditWho(by string) string {
	switch {
	case strings.Contains(by, ":"):
		return by
	case strings.HasPrefix(by, "key_"):
		return "key:" + by
	}
	return "cli:" + by
}

// newEngine returns a watch engine over the store, auditing into it and
// showing its progress on w when w is a terminal.
func newEngine(st vigil.Backend, w io.Writer) *watch.Engine {
	e := &watch.Engine{Store: st, Lists: st, Epochs: st, Audit: func(ctx context.Context, r watch.AuditRecord) error {
		return vigil.Audit(ctx, st, auditWho(r.By), r.Action, r.Query, r.Result)
	}, Owner: "cli:" + defaultReplica()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		var bar *progressbar.ProgressBar
		var total int64
		e.Progress = func(done, n int64) {
			if n <= 0 {
				return
			}
			if bar == nil || n != total {
				total = n
				bar = progressbar.NewOptions64(n, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("re-screening"),
					progressbar.OptionShowCount(), progressbar.OptionSetPredictTime(true), progressbar.OptionThrottle(200*time.Millisecond),
					progressbar.OptionClearOnFinish(), progressbar.OptionSetWidth(30))
			}
			_ = bar.Set64(done)
			if done >= n {
				_ = bar.Finish()
				bar = nil
			}
		}
	}
	return e
}

// rescreenAfterImport re-screens the watched subjects when the lists the
// store holds changed; it does nothing for a store that watches nobody.
func rescreenAfterImport(ctx context.Context, st vigil.Backend, out, errOut io.Writer) error {
	n, err := st.CountSubjects(ctx, "")
	if err != nil || n == 0 {
		return err
	}
	c, err := loadCorpus(ctx, st)
	if err != nil {
		return err
	}
	run, err := newEngine(st, errOut).Sync(ctx, c, watch.SyncOptions{Reason: "lists imported", By: vigil.ActorFrom(ctx), Wait: true})
	if err != nil {
		return fmt.Errorf("re-screening the watched subjects (run it again to resume: vigil watch rescreen): %w", err)
	}
	if run != nil {
		printRun(out, run)
	}
	return nil
}

// summaryOut is where a command writes a re-screen's summary line: stdout,
// or stderr when stdout carries JSON.
func summaryOut(cmd *cobra.Command, asJSON bool) io.Writer {
	if asJSON {
		return cmd.ErrOrStderr()
	}
	return cmd.OutOrStdout()
}

func printRun(w io.Writer, r *vigil.WatchRun) {
	fmt.Fprintf(w, "re-screened %d subjects (%s: %s): %d alerts opened, %d reopened, %d closed\n",
		r.Done, r.Mode, r.Reason, r.Opened, r.Reopened, r.Closed)
}

func watchCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Keep watch over subjects: import, list, remove, re-screen",
		Long: `Subjects under watch are kept in sets (customers, vendors, travellers, …) and
screened when imported or changed; whenever a list version changes (vigil lists
import, vigil lists update, a serve refresh) they are re-screened and alerts
open, reopen or close. Work the alerts with vigil alerts.`,
	}
	cmd.PersistentFlags().StringVar(&db, "db", defaultDB(), "the store: a SQLite file or a postgres:// URL (default $VIGIL_DB, else vigil.db)")
	cmd.PersistentFlags().StringVar(&watchBy, "by", "", "who runs this, for the audit log (default: the OS user)")
	cmd.AddCommand(watchImportCmd(&db), watchListCmd(&db), watchRmCmd(&db), watchRescreenCmd(&db), watchSetsCmd(&db), watchConfigCmd(&db))
	for _, f := range watchSubcommands {
		cmd.AddCommand(f())
	}
	return cmd
}

// watchBy is vigil watch's --by.
var watchBy string

// watchWho is who runs a vigil watch command, for the audit log.
func watchWho() (string, error) { return actor(watchBy) }

// watchSubcommands are further "vigil watch" subcommands defined in other
// files.
var watchSubcommands []func() *cobra.Command

func watchImportCmd(db *string) *cobra.Command {
	var set, mapping, format string
	var sync, asJSON bool
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import subjects from a CSV, TSV, JSONL or XLSX file and screen the new and changed ones",
		Long: `Reads subjects as vigil batch reads rows (columns id, name or
first_name/middle_name/last_name, dob, nationality, gender, id_number, kind;
--map field=column,… overrides); every other column is kept as a label. The id
is required and unique within the set. New subjects are added and screened,
changed ones updated and screened again, unchanged ones left alone; with --sync
the set's subjects the file lacks are removed and their alerts close as
subject_removed. A bad row is named with its row number and the rest is
imported. Rows are stored in blocks, each with its screening: an import that
stops half-way is completed by running it again.`,
		Args: cobra.ExactArgs(1),
		RunE: withStore(db, func(cmd *cobra.Command, args []string, st vigil.Backend) error {
			in := args[0]
			who, err := watchWho()
			if err != nil {
				return err
			}
			opts, err := columnMap(mapping, format)
			if err != nil {
				return err
			}
			var src io.Reader = cmd.InOrStdin()
			var size int64
			if in != "-" {
				f, err := os.Open(in)
				if err != nil {
					return err
				}
				defer f.Close()
				if fi, err := f.Stat(); err == nil {
					size = fi.Size()
				}
				src = f
			}
			counted := &countingReader{r: src}
			rd, err := batch.Open(counted, in, opts)
			if err != nil {
				return fmt.Errorf("%s: %w", in, err)
			}
			stderr := cmd.ErrOrStderr()
			for _, w := range rd.Warnings() {
				if !strings.Contains(w, "not a screening field") {
					fmt.Fprintf(stderr, "%s: %s\n", in, w)
				}
			}
			c, err := loadCorpus(cmd.Context(), st)
			if err != nil {
				return err
			}
			if len(c.Versions) == 0 {
				fmt.Fprintf(stderr, "%s: no lists in %s yet: the subjects are stored and will be screened when lists are imported\n", in, *db)
			}
			var rows atomic.Int64
			bar := newBar(stderr, size, counted, &rows)
			reported := 0
			e := newEngine(st, io.Discard)
			sum, err := e.Import(cmd.Context(), c, rd, watch.ImportOptions{Set: set, Columns: opts, Sync: sync, By: who,
				Progress: func(n int64) { rows.Store(n) },
				OnRowError: func(row int, err error) {
					if reported++; reported <= maxReportedRows {
						bar.clear()
						fmt.Fprintf(stderr, "%s: %v\n", in, err)
					}
				},
				OnRowProblems: func(row int, ps []string) {
					if reported++; reported <= maxReportedRows {
						bar.clear()
						fmt.Fprintf(stderr, "%s: row %d: screened without %s\n", in, row, strings.Join(ps, "; "))
					}
				}})
			bar.finish()
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), sum)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d rows into set %s: %d added, %d updated, %d unchanged, %d removed, %d bad, %d screened with problems; alerts: %d opened, %d reopened, %d closed (%.1fs)\n",
				in, sum.Rows, sum.Set, sum.Added, sum.Updated, sum.Unchanged, sum.Removed, sum.Bad, sum.Problems, sum.Opened, sum.Reopened, sum.Closed, sum.Seconds)
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&set, "set", "customers", "the set the subjects belong to")
	f.StringVar(&mapping, "map", "", "column map: field=column,… (fields: "+strings.Join(batch.Fields, ", ")+")")
	f.StringVar(&format, "format", "", "input format: csv, tsv, jsonl or xlsx (default: detected)")
	f.BoolVar(&sync, "sync", false, "remove the set's subjects the file lacks")
	f.BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return cmd
}

// columnMap parses --map and --format into batch options.
func columnMap(mapping, format string) (batch.Options, error) {
	opts := batch.Options{Format: format}
	if mapping == "" {
		return opts, nil
	}
	opts.Map = map[string]string{}
	for _, kv := range strings.Split(mapping, ",") {
		f, c, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(f) == "" || strings.TrimSpace(c) == "" {
			return opts, fmt.Errorf("--map %q: want field=column,…", kv)
		}
		opts.Map[strings.TrimSpace(f)] = strings.TrimSpace(c)
	}
	return opts, nil
}

func watchListCmd(db *string) *cobra.Command {
	var set string
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the subjects under watch",
		Args:  cobra.NoArgs,
		RunE: withStore(db, func(cmd *cobra.Command, _ []string, st vigil.Backend) error {
			var all []vigil.StoredSubject
			f := vigil.SubjectFilter{Set: set, Limit: min(limit, 10000)}
			for limit <= 0 || len(all) < limit {
				page, next, err := st.Subjects(cmd.Context(), f)
				if err != nil {
					return err
				}
				all = append(all, page...)
				if next == "" {
					break
				}
				f.After = next
			}
			if limit > 0 && len(all) > limit {
				all = all[:limit]
			}
			if asJSON {
				if all == nil {
					all = []vigil.StoredSubject{}
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"subjects": all})
			}
			if len(all) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "No subjects under watch in %s. Import some: vigil watch import --set customers FILE\n", *db)
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SET\tID\tNAME\tDOB\tNATIONALITY\tKIND")
			for _, s := range all {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Set, s.ID, s.Name, dash(s.DOB), dash(s.Nationality), dash(string(s.Kind)))
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().StringVar(&set, "set", "", "only this set")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many (default all)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func watchRmCmd(db *string) *cobra.Command {
	var set string
	cmd := &cobra.Command{
		Use:   "rm ID...",
		Short: "Take subjects off the watch (their open alerts close as subject_removed)",
		Args:  cobra.MinimumNArgs(1),
		RunE: withStore(db, func(cmd *cobra.Command, args []string, st vigil.Backend) error {
			who, err := watchWho()
			if err != nil {
				return err
			}
			closed, err := newEngine(st, io.Discard).Remove(cmd.Context(), set, args, who)
			if errors.Is(err, vigil.ErrNotFound) {
				return fmt.Errorf("%w; nothing was removed", err)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %d subjects from %s; %d alerts closed\n", len(args), set, closed)
			return nil
		}),
	}
	cmd.Flags().StringVar(&set, "set", "customers", "the set the subjects belong to")
	return cmd
}

func watchRescreenCmd(db *string) *cobra.Command {
	var set, recertify string
	var threshold float64
	var asJSON, reweigh bool
	cmd := &cobra.Command{
		Use:   "rescreen",
		Short: "Re-screen every subject under watch (e.g. after a threshold or matcher change)",
		Long: `Re-screens every subject in full against the current lists and brings the
alerts in line. --threshold sets the score alerts start at from now on (for
every set). --reweigh begins a new weight epoch first: the name parts are
weighed by how common they are on the current lists (every process screens
with the new weights from its next index build). A run that was interrupted
is resumed. --recertify 365d also reopens, for review, false-positive
suppressions decided more than that ago.`,
		Args: cobra.NoArgs,
		RunE: withStore(db, func(cmd *cobra.Command, _ []string, st vigil.Backend) error {
			ctx := cmd.Context()
			var age time.Duration
			if recertify != "" {
				var err error
				if age, err = watch.ParseAge(recertify); err != nil {
					return fmt.Errorf("--recertify: %w", err)
				}
			}
			if set != "" && (threshold > 0 || reweigh) {
				return errors.New("--threshold and --reweigh apply to every set: leave out --set")
			}
			who, err := watchWho()
			if err != nil {
				return err
			}
			why := ""
			if reweigh {
				why = "vigil watch rescreen --reweigh by " + who
			}
			c, err := buildCorpus(ctx, st, why)
			if err != nil {
				return err
			}
			e := newEngine(st, cmd.ErrOrStderr())
			var run *vigil.WatchRun
			if set != "" {
				run, err = e.RescreenSet(ctx, c, set, who)
			} else {
				run, err = e.Sync(ctx, c, watch.SyncOptions{Full: true, Threshold: threshold, Reason: "vigil watch rescreen", By: who, Wait: true})
			}
			if err != nil {
				return err
			}
			recert := 0
			if age > 0 {
				sets := []string{set}
				if set == "" {
					ss, err := st.Sets(ctx)
					if err != nil {
						return err
					}
					sets = sets[:0]
					for _, s := range ss {
						sets = append(sets, s.Set)
					}
				}
				for _, s := range sets {
					n, err := e.Recertify(ctx, s, age, who)
					if err != nil {
						return err
					}
					recert += n
				}
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"run": run, "recertified": recert})
			}
			printRun(cmd.OutOrStdout(), run)
			if age > 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "recertification: %d suppressions older than %s reopened\n", recert, recertify)
			}
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&set, "set", "", "only this set")
	f.BoolVar(&reweigh, "reweigh", false, "begin a new weight epoch from the current lists first")
	f.Float64Var(&threshold, "threshold", 0, fmt.Sprintf("alert at or above this score from now on (default: as before, first %.2f)", match.DefaultThreshold))
	f.StringVar(&recertify, "recertify", "", "also reopen false-positive suppressions older than this (e.g. 365d)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func watchSetsCmd(db *string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "sets",
		Short: "List the sets with their subjects, alerts and four-eyes policy",
		Args:  cobra.NoArgs,
		RunE: withStore(db, func(cmd *cobra.Command, _ []string, st vigil.Backend) error {
			sets, err := st.Sets(cmd.Context())
			if err != nil {
				return err
			}
			run, runErr := st.LastRun(cmd.Context())
			if asJSON {
				if sets == nil {
					sets = []vigil.SetSummary{}
				}
				out := map[string]any{"sets": sets}
				if runErr == nil {
					out["last_run"] = run
				}
				return writeJSON(cmd.OutOrStdout(), out)
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SET\tSUBJECTS\tOPEN\tREOPENED\tESCALATED\tPENDING\tTRUE MATCH\tFALSE POSITIVE\tCLOSED\tFOUR EYES\tRECERTIFY")
			for _, s := range sets {
				a := s.Alerts
				rc := "-"
				if s.Recertify > 0 {
					rc = fmt.Sprintf("%dd", s.Recertify/(24*time.Hour))
				}
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", s.Set, s.Subjects, a[vigil.AlertOpen], a[vigil.AlertReopened],
					a[vigil.AlertEscalated], a[vigil.AlertPending], a[vigil.AlertTrueMatch], a[vigil.AlertFalsePositive], a[vigil.AlertClosed], s.FourEyes, rc)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if runErr == nil {
				state := "finished " + run.Finished.Local().Format("2006-01-02 15:04")
				if run.Finished.IsZero() {
					state = fmt.Sprintf("UNFINISHED at %d of %d (resumes at the next re-screen)", run.Done, run.Total)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "last re-screen: run %d, %s, %s; %s\n", run.ID, run.Mode, run.Reason, state)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func watchConfigCmd(db *string) *cobra.Command {
	var fourEyes, recertify string
	cmd := &cobra.Command{
		Use:   "config SET",
		Short: "Set a set's four-eyes policy and recertification age",
		Long: `--four-eyes default: a true match, and a false positive on a listing with a
travel ban, need a second reviewer's approval; all: every decision but an
escalation; none: no decision. --recertify 365d reopens false-positive
suppressions decided more than that ago at every re-screen (0: never).`,
		Args: cobra.ExactArgs(1),
		RunE: withStore(db, func(cmd *cobra.Command, args []string, st vigil.Backend) error {
			c, err := st.SetConfig(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("four-eyes") {
				c.FourEyes = vigil.FourEyes(fourEyes)
			}
			if cmd.Flags().Changed("recertify") {
				c.Recertify = 0
				if recertify != "0" {
					if c.Recertify, err = watch.ParseAge(recertify); err != nil {
						return fmt.Errorf("--recertify: %w", err)
					}
				}
			}
			who, err := watchWho()
			if err != nil {
				return err
			}
			if err := newEngine(st, io.Discard).Configure(cmd.Context(), c, who); err != nil {
				return err
			}
			rc := "never"
			if c.Recertify > 0 {
				rc = fmt.Sprintf("after %dd", c.Recertify/(24*time.Hour))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: four eyes %s; suppressions recertified %s\n", c.Set, c.FourEyes, rc)
			return nil
		}),
	}
	cmd.Flags().StringVar(&fourEyes, "four-eyes", "default", "default, all or none")
	cmd.Flags().StringVar(&recertify, "recertify", "0", "reopen suppressions older than this at each re-screen (e.g. 365d; 0: never)")
	return cmd
}

// serveWatch adapts the watch engine to the HTTP service: it screens with
// the corpus of the served index, and re-screens in the background when a
// refresh serves new versions.
type serveWatch struct {
	e   *watch.Engine
	st  vigil.Backend
	log *slog.Logger
	c   atomic.Pointer[watch.Corpus]
	// kick asks the background loop to re-screen (one pending at most).
	kick chan struct{}
}

func newServeWatch(st vigil.Backend, log *slog.Logger, replica string) *serveWatch {
	w := &serveWatch{e: newEngine(st, io.Discard), st: st, log: log, kick: make(chan struct{}, 1)}
	w.e.Owner = replica
	return w
}

// wake asks the background loop to look for re-screening work (another
// replica started a run split into jobs).
func (w *serveWatch) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// serve re-screens whenever kicked, until ctx ends. On a store shared by
// replicas it also looks every few seconds for jobs of a run whose holder
// stopped renewing its lease (it died), to take them over.
func (w *serveWatch) serve(ctx context.Context) {
	var tick <-chan time.Time
	if _, ok := w.st.(vigil.WatchJobStore); ok {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.kick:
		case <-tick:
		}
		c := w.c.Load()
		if c == nil {
			continue
		}
		n, err := w.st.CountSubjects(ctx, "")
		if err != nil || n == 0 {
			continue
		}
		start := time.Now()
		run, err := w.e.Sync(ctx, c, watch.SyncOptions{Reason: "lists refreshed", By: "serve"})
		switch {
		case err != nil:
			w.log.Error("re-screening the watched subjects failed; it resumes at the next refresh", "err", err)
		case run != nil:
			w.log.Info("re-screened the watched subjects", "run", run.ID, "mode", run.Mode, "reason", run.Reason, "subjects", run.Done,
				"opened", run.Opened, "reopened", run.Reopened, "closed", run.Closed, "took", time.Since(start).Round(time.Millisecond).String())
		}
	}
}

// served makes c the corpus subjects are screened against and asks for a
// re-screen.
func (w *serveWatch) served(c *watch.Corpus) {
	if w == nil {
		return
	}
	w.c.Store(c)
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

func (w *serveWatch) corpus() (*watch.Corpus, error) {
	c := w.c.Load()
	if c == nil {
		return nil, vhttp.ErrNotReady
	}
	return c, nil
}

func (w *serveWatch) Store() vigil.WatchStore { return w.st }

func (w *serveWatch) Import(ctx context.Context, set string, jsonl io.Reader, maxRows int, by string, bad func(int, error), problems func(int, []string)) (vigil.SubjectImport, error) {
	c, err := w.corpus()
	if err != nil {
		return vigil.SubjectImport{}, err
	}
	rd, err := batch.Open(jsonl, "subjects.jsonl", batch.Options{Format: batch.FormatJSONL})
	if err != nil {
		return vigil.SubjectImport{}, fmt.Errorf("%w: %v", vigil.ErrInvalid, err)
	}
	sum, err := w.e.Import(ctx, c, rd, watch.ImportOptions{Set: set, MaxRows: maxRows, By: by, OnRowError: bad, OnRowProblems: problems})
	if errors.Is(err, watch.ErrTooMany) {
		err = fmt.Errorf("%w: %v", vhttp.ErrTooManyRows, err)
	}
	return sum, err
}

func (w *serveWatch) Put(ctx context.Context, set, id string, object []byte, by string) (vigil.StoredSubject, []vigil.Alert, error) {
	c, err := w.corpus()
	if err != nil {
		return vigil.StoredSubject{}, nil, err
	}
	s, err := watch.SubjectFromJSON(set, id, object)
	if err != nil {
		return vigil.StoredSubject{}, nil, err
	}
	return w.e.Put(ctx, c, s, by)
}

func (w *serveWatch) Remove(ctx context.Context, set, id, by string) (int, error) {
	return w.e.Remove(ctx, set, []string{id}, by)
}

func (w *serveWatch) Decide(ctx context.Context, id int64, as vigil.AlertState, reason string, who vigil.Reviewer, version int) (vigil.Alert, error) {
	return w.e.Decide(ctx, id, as, reason, who, version)
}

func (w *serveWatch) Approve(ctx context.Context, id int64, who vigil.Reviewer) (vigil.Alert, error) {
	return w.e.Approve(ctx, id, who)
}

// Travellers keeps watch over referred and denied travellers in the set
// "travellers", one subject per traveller and flight: the id joins the
// flight, its date and the traveller's document (or name and birth date).
func (w *serveWatch) Travellers(ctx context.Context, ts []vhttp.Traveller, by string) error {
	c, err := w.corpus()
	if err != nil {
		return err
	}
	for _, t := range ts {
		q := t.Query
		who := "doc:" + q.ID
		if q.ID == "" {
			who = "name:" + q.Name + "/" + q.DOB
		}
		id := strings.Join([]string{cmpOr(t.Fields["flight"], "-"), cmpOr(t.Fields["date"], "-"), who}, "/")
		labels := map[string]string{"label": t.Label}
		for k, v := range t.Fields {
			labels[k] = v
		}
		s := vigil.Subject{Set: "travellers", ID: id, Name: q.Name, DOB: q.DOB, Nationality: q.Nationality, Gender: q.Gender,
			IDNumber: q.ID, Kind: q.Kind, Labels: labels}
		if _, _, err := w.e.Put(ctx, c, s, by); err != nil {
			return fmt.Errorf("traveller %s: %w", t.Label, err)
		}
	}
	return nil
}

func (w *serveWatch) Status() vhttp.WatchStatus {
	s := w.e.Status()
	return vhttp.WatchStatus{Running: s.Running, Done: s.Done, Total: s.Total, Runs: s.Runs}
}
