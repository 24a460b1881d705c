package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/batch"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists/load"
	"github.com/vigil-screening/vigil/screen"
	"github.com/vigil-screening/vigil/sqlite"
	"github.com/vigil-screening/vigil/watch"
)

func init() { watchSubcommands = append(watchSubcommands, watchBenchCmd) }

// watchBench holds one benchmark's store and files.
type watchBench struct {
	out      io.Writer
	dir      string
	st       vigil.Backend
	subjects string // the generated subjects file
	workers  int
	lastCPU  time.Duration
}

func watchBenchCmd() *cobra.Command {
	var listsDir, dir, cpuProfile string
	var n, changed, runs, workers int
	var kind string
	cmd := &cobra.Command{
		Use:   "bench [--lists DIR] [--subjects N] [--changed N] [--runs R]",
		Short: "Measure keeping watch: importing and re-screening N subjects, deltas of changed listings, peak memory",
		Long: `Imports every list below --lists into a fresh store in a temporary folder,
generates N subjects with distinct names (batch.GenerateDistinct), and per run:
screens the file through the batch pipeline alone (the baseline, to
io.Discard), imports it under watch (screening every subject), re-screens
every subject in full, imports a version of ofac_sdn with --changed listings'
dates of birth changed and one with as many listings given an alias (both
re-screened by delta, unless the aliases drift the lists from the weight
epoch: then in full). Prints each step's time and rate, medians over the
runs, the alerts held and the process's peak resident memory.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			if listsDir == "" {
				root := shared.Root()
				if root == "" {
					return fmt.Errorf("no shared data folder found: pass --lists")
				}
				listsDir = filepath.Join(root, "data", "lists")
			}
			out := cmd.OutOrStdout()
			if dir == "" {
				d, err := os.MkdirTemp("", "vigil-watch-bench-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(d)
				dir = d
			}
			fmt.Fprintf(out, "load average before: %s; %d subjects, %d changed listings, %d runs\n", loadAvg(), n, changed, runs)
			if cpuProfile != "" {
				pf, err := os.Create(cpuProfile)
				if err != nil {
					return err
				}
				defer pf.Close()
				if err := pprof.StartCPUProfile(pf); err != nil {
					return err
				}
				defer pprof.StopCPUProfile()
			}
			subjects := filepath.Join(dir, "subjects.csv")
			f, err := os.Create(subjects)
			if err != nil {
				return err
			}
			if err := batch.GenerateDistinct(f, n, 1); err != nil {
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
			steps, cpus := map[string][]time.Duration{}, map[string][]time.Duration{}
			order := []string{"batch pipeline (baseline)", "watch import", "full re-screen", "delta re-screen", "aliases added: re-screen"}
			for r := range max(runs, 1) {
				b := &watchBench{out: out, dir: filepath.Join(dir, fmt.Sprint(r)), subjects: subjects, workers: workers}
				res, err := b.run(ctx, listsDir, changed, vigil.Kind(kind))
				if err != nil {
					return err
				}
				for k, d := range res.times {
					steps[k] = append(steps[k], d)
					cpus[k] = append(cpus[k], res.cpu[k])
				}
				fmt.Fprintf(out, "run %d: ", r+1)
				for _, k := range order {
					fmt.Fprintf(out, "%s %s (%.0f/s); ", k, res.times[k].Round(time.Millisecond), float64(n)/res.times[k].Seconds())
				}
				fmt.Fprintf(out, "the dates-of-birth step was a %s re-screen, the aliases step a %s one; %d alerts\n", res.mode, res.aliasMode, res.alerts)
			}
			fmt.Fprintln(out, "medians:")
			for _, k := range order {
				m, c := median(steps[k]), median(cpus[k])
				fmt.Fprintf(out, "  %-30s %10s  %8.0f subjects/s; CPU %s, %.1f µs/subject (runs %s)\n", k, m.Round(time.Millisecond),
					float64(n)/m.Seconds(), c.Round(time.Millisecond), float64(c.Microseconds())/float64(n), durations(steps[k]))
			}
			var ru syscall.Rusage
			if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
				fmt.Fprintf(out, "peak resident memory: %d MB\n", ru.Maxrss>>10)
			}
			fmt.Fprintf(out, "load average after: %s\n", loadAvg())
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&listsDir, "lists", "", "folder of list files (default: the shared data folder's lists)")
	f.StringVar(&dir, "dir", "", "work folder (default: a temporary one, removed after)")
	f.IntVar(&n, "subjects", 1000000, "subjects to watch")
	f.IntVar(&changed, "changed", 1000, "listings changed in the delta step")
	f.StringVar(&kind, "kind", "person", "kind of the listings changed in the delta step (person, organization, vessel, aircraft)")
	f.IntVar(&runs, "runs", 1, "runs (medians are printed)")
	f.IntVar(&workers, "workers", 0, "screening goroutines (default GOMAXPROCS)")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the runs to this file")
	return cmd
}

// step records a step's wall time and the process's CPU time since the
// last step (less sensitive to other work on a shared machine), and says
// them at once (a run of a million subjects takes minutes).
func (b *watchBench) step(res *benchResult, name string, d time.Duration) {
	cpu := cpuTime()
	res.times[name], res.cpu[name] = d, cpu-b.lastCPU
	b.lastCPU = cpu
	fmt.Fprintf(b.out, "  %s: %s, CPU %s (load %s)\n", name, d.Round(time.Millisecond), res.cpu[name].Round(time.Millisecond), loadAvg())
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type benchResult struct {
	times map[string]time.Duration
	cpu   map[string]time.Duration
	mode  string // the delta step's run mode
	// aliasMode is the aliases step's: delta, or full when they began a
	// weight epoch.
	aliasMode string
	alerts    int
}

// run measures one run on a fresh store.
func (b *watchBench) run(ctx context.Context, listsDir string, changed int, kind vigil.Kind) (benchResult, error) {
	res := benchResult{times: map[string]time.Duration{}, cpu: map[string]time.Duration{}}
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		return res, err
	}
	st, err := sqlite.Open(filepath.Join(b.dir, "vigil.db"))
	if err != nil {
		return res, err
	}
	defer st.Close()
	b.st = st
	results, failed := load.ImportPaths(ctx, st, []string{listsDir}, load.Options{Force: true}), 0
	for _, r := range results {
		if r.Failed() {
			failed++
		}
	}
	if failed == len(results) {
		return res, fmt.Errorf("no list imported from %s", listsDir)
	}
	c, err := loadCorpus(ctx, st)
	if err != nil {
		return res, err
	}
	e := newEngine(st, io.Discard)
	e.Workers = b.workers

	// The baseline: the batch pipeline alone, output discarded.
	b.lastCPU = cpuTime()
	t0 := time.Now()
	rd, closeFile, err := b.open()
	if err != nil {
		return res, err
	}
	if _, err := screen.Batch(ctx, c.Index, rd, io.Discard, screen.BatchOptions{Workers: b.workers}); err != nil {
		return res, err
	}
	closeFile()
	b.step(&res, "batch pipeline (baseline)", time.Since(t0))

	t0 = time.Now()
	rd, closeFile, err = b.open()
	if err != nil {
		return res, err
	}
	if _, err := e.Import(ctx, c, rd, watch.ImportOptions{Set: "customers", By: "bench"}); err != nil {
		return res, err
	}
	closeFile()
	b.step(&res, "watch import", time.Since(t0))

	t0 = time.Now()
	if _, err := e.Sync(ctx, c, watch.SyncOptions{Full: true, Reason: "bench"}); err != nil {
		return res, err
	}
	b.step(&res, "full re-screen", time.Since(t0))

	// A version of ofac_sdn with changed listings' dates of birth (or
	// documents): the names stay, so the re-screen is a delta. Building the index for
	// the new version is not counted: the service has built it to serve.
	es, lv, err := b.current(ctx, "ofac_sdn")
	if err != nil {
		return res, err
	}
	n := 0
	for i := range es {
		if n < changed && es[i].Kind == kind {
			// A person's date of birth, anything else's document.
			if kind == vigil.KindPerson {
				es[i].BirthDates = []vigil.Date{{Year: 1900 + n%100, Month: 1 + n%12, Day: 1 + n%28}}
			} else {
				es[i].Documents = append(es[i].Documents, vigil.Document{Type: vigil.DocRegistration, Number: fmt.Sprintf("BENCH%07d", n)})
			}
			n++
		}
	}
	if c, err = b.importVersion(ctx, lv, es); err != nil {
		return res, err
	}
	b.lastCPU = cpuTime()
	t0 = time.Now()
	run, err := e.Sync(ctx, c, watch.SyncOptions{Reason: "bench: dates of birth changed"})
	if err != nil {
		return res, err
	}
	b.step(&res, "delta re-screen", time.Since(t0))
	if run == nil {
		return res, fmt.Errorf("the dates-of-birth version was not re-screened")
	}
	res.mode = run.Mode

	// The same number of listings given an alias: the names change, a
	// delta too unless the weights drift past weights.MaxDrift (an alias
	// adding a new part to 1,000 listings, " Junior", would: that part's
	// factor falls from 1 to about 0.6, so a new epoch begins and the
	// re-screen is full).
	n = 0
	for i := range es {
		if n < changed && len(es[i].Names) > 0 {
			// Its words in another order, as lists print aliases
			// ("KIM Jong Un" for "Jong Un KIM"): no new part, so the
			// weights stay.
			w := strings.Fields(es[i].Names[0].Full)
			alias := strings.Join(append(w[len(w)-1:], w[:len(w)-1]...), " ")
			es[i].Names = append(es[i].Names, vigil.Name{Full: alias, Quality: vigil.QualityWeak})
			n++
		}
	}
	if c, err = b.importVersion(ctx, lv, es); err != nil {
		return res, err
	}
	b.lastCPU = cpuTime()
	t0 = time.Now()
	if run, err = e.Sync(ctx, c, watch.SyncOptions{Reason: "bench: aliases added"}); err != nil {
		return res, err
	}
	b.step(&res, "aliases added: re-screen", time.Since(t0))
	if run != nil {
		res.aliasMode = run.Mode
	}
	page, err := st.Alerts(ctx, vigil.AlertFilter{Limit: 1})
	if err != nil {
		return res, err
	}
	for _, k := range page.Counts {
		res.alerts += k
	}
	return res, nil
}

func (b *watchBench) open() (batch.Reader, func(), error) {
	f, err := os.Open(b.subjects)
	if err != nil {
		return nil, nil, err
	}
	rd, err := batch.Open(f, b.subjects, batch.Options{})
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return rd, func() { f.Close() }, nil
}

// current returns a list's current entities and version.
func (b *watchBench) current(ctx context.Context, list string) ([]vigil.Entity, vigil.ListVersion, error) {
	cur, err := b.st.Current(ctx)
	if err != nil {
		return nil, vigil.ListVersion{}, err
	}
	for _, v := range cur {
		if v.List == list {
			es, err := b.st.Entities(ctx, list, v.Version)
			return es, v, err
		}
	}
	return nil, vigil.ListVersion{}, fmt.Errorf("no list %s in %s", list, b.dir)
}

// importVersion stores es as a new version of lv's list and returns the
// new corpus.
func (b *watchBench) importVersion(ctx context.Context, lv vigil.ListVersion, es []vigil.Entity) (*watch.Corpus, error) {
	js, err := json.Marshal(es)
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(js)
	lv.Hash, lv.Version, lv.Files, lv.Published = hex.EncodeToString(h[:]), 0, []string{"bench"}, time.Time{}
	if _, err := b.st.Import(ctx, lv, es); err != nil {
		return nil, err
	}
	return loadCorpus(ctx, b.st)
}
