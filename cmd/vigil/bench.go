package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/batch"
	"github.com/vigil-screening/vigil/eval"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/screen"
)

func init() { subcommands = append(subcommands, benchCmd) }

func benchCmd() *cobra.Command {
	var listsDir string
	var n, runs, rows int
	cmd := &cobra.Command{
		Use:   "bench [--lists DIR] [--n N] [--runs R] [--rows N]",
		Short: "Measure index build time, heap, single-query latency and batch throughput over all lists",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if listsDir == "" {
				root := shared.Root()
				if root == "" {
					return fmt.Errorf("no shared data folder found: pass --lists")
				}
				listsDir = filepath.Join(root, "data", "lists")
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "load average before: %s\n", loadAvg())
			entries, err := eval.LoadLists(listsDir)
			if err != nil {
				return err
			}
			runs = max(runs, 1)
			// Build: median of runs, heap measured after the last.
			var builds []time.Duration
			var ix *match.Index
			runtime.GC()
			var m0 runtime.MemStats
			runtime.ReadMemStats(&m0)
			for r := 0; r < runs; r++ {
				ix = nil
				runtime.GC()
				t0 := time.Now()
				ix = match.NewIndex(entries)
				builds = append(builds, time.Since(t0))
			}
			runtime.GC()
			var m1 runtime.MemStats
			runtime.ReadMemStats(&m1)
			fmt.Fprintf(out, "entities %d; index build median %s (runs %s); heap %d MB with entities, index %d MB\n",
				ix.Len(), median(builds).Round(time.Millisecond), durations(builds), m1.HeapAlloc>>20, (m1.HeapAlloc-min(m0.HeapAlloc, m1.HeapAlloc))>>20)

			qs, err := benchQueries(entries, n)
			if err != nil {
				return err
			}
			// One untimed pass first: the runs measure the steady state,
			// not the first touch of the index's pages and scratch space.
			for _, q := range qs {
				ix.Screen(vigil.Query{Name: q})
			}
			// Single queries: p50 and p99 per run, medians over runs.
			var p50s, p99s []time.Duration
			lat := make([]time.Duration, len(qs))
			for r := 0; r < runs; r++ {
				// Each run meets the mix's name parts afresh.
				ix.ForgetParts()
				for i, q := range qs {
					t := time.Now()
					ix.Screen(vigil.Query{Name: q})
					lat[i] = time.Since(t)
				}
				slices.Sort(lat)
				p50s = append(p50s, lat[len(lat)/2])
				p99s = append(p99s, lat[len(lat)*99/100])
			}
			fmt.Fprintf(out, "single query (%d queries x %d runs): p50 %s, p99 %s (medians; p99 runs %s)\n",
				len(qs), runs, median(p50s).Round(time.Microsecond), median(p99s).Round(time.Microsecond), durations(p99s))

			// Batch: GOMAXPROCS goroutines over the mix.
			workers := runtime.GOMAXPROCS(0)
			var rates []float64
			for r := 0; r < runs; r++ {
				ix.ForgetParts()
				var next atomic.Int64
				var wg sync.WaitGroup
				t1 := time.Now()
				for w := 0; w < workers; w++ {
					wg.Add(1)
					go func() {
						defer wg.Done()
						for {
							i := int(next.Add(1)) - 1
							if i >= len(qs) {
								return
							}
							ix.Screen(vigil.Query{Name: qs[i]})
						}
					}()
				}
				wg.Wait()
				rates = append(rates, float64(len(qs))/time.Since(t1).Seconds())
			}
			slices.Sort(rates)
			fmt.Fprintf(out, "batch: %d goroutines, median %.0f names/s (runs %.0f)\n", workers, rates[len(rates)/2], rates)

			// Batch files, as vigil batch screens them: generated
			// customer rows, whose names repeat, and rows whose names
			// are all distinct, each run meeting the parts afresh.
			if rows > 0 {
				for _, distinct := range []bool{false, true} {
					var buf bytes.Buffer
					listed := []string{"Qasem Soleimani", "Vladimir Putin", "Sergei Shoigu", "Bashar al-Assad", "Kim Jong Un"}
					err := batch.Generate(&buf, rows, 1, listed)
					what := "generated customer rows (names repeat)"
					if distinct {
						buf.Reset()
						err = batch.GenerateDistinct(&buf, rows, 1)
						what = "rows with distinct names"
					}
					if err != nil {
						return err
					}
					var rates []float64
					for r := 0; r < min(runs, 3); r++ {
						ix.ForgetParts()
						rd, err := batch.Open(bytes.NewReader(buf.Bytes()), "gen.csv", batch.Options{})
						if err != nil {
							return err
						}
						sum, err := screen.Batch(cmd.Context(), ix, rd, io.Discard, screen.BatchOptions{})
						if err != nil {
							return err
						}
						rates = append(rates, sum.Rate)
					}
					slices.Sort(rates)
					fmt.Fprintf(out, "batch file: %d %s, %d workers: median %.0f rows/s (runs %.0f)\n", rows, what, workers, rates[len(rates)/2], rates)
				}
			}
			fmt.Fprintf(out, "load average after: %s\n", loadAvg())
			return nil
		},
	}
	cmd.Flags().StringVar(&listsDir, "lists", "", "lists folder (default ../shared/data/lists)")
	cmd.Flags().IntVar(&n, "n", 4000, "about how many queries in the mix")
	cmd.Flags().IntVar(&runs, "runs", 5, "runs to take medians over")
	cmd.Flags().IntVar(&rows, "rows", 200_000, "rows of each generated batch file (at most 3 runs each; 0: none)")
	return cmd
}

// benchQueries is a realistic query mix: listed names as written, variants
// of listed names (typos, order, dropped middle names, titles, legal forms,
// other scripts) and names of people on no list, about a third each.
func benchQueries(entries []match.Entry, n int) ([]string, error) {
	var qs []string
	for _, v := range eval.Variants(entries, n/8, 7) {
		qs = append(qs, v.Query)
	}
	third := len(qs) / 2
	for i := 0; i < len(entries) && third > 0; i += max(1, len(entries)/third) {
		qs = append(qs, entries[i].Entity.PrimaryName())
	}
	if root := shared.Root(); root != "" {
		people, err := eval.ReadPeopleFile(filepath.Join(root, "data", "eval", "negatives_dev_global.csv"))
		if err != nil {
			return nil, err
		}
		for i := 0; i < len(people) && i < third; i++ {
			qs = append(qs, people[i].Name)
		}
	}
	if len(qs) == 0 {
		return nil, fmt.Errorf("no queries")
	}
	return qs, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func durations(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.Round(time.Microsecond).String()
	}
	return strings.Join(parts, " ")
}

// loadAvg returns the machine's load averages, or "unknown".
func loadAvg() string {
	f, err := os.Open("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	b, _ := io.ReadAll(io.LimitReader(f, 64))
	if fs := strings.Fields(string(b)); len(fs) >= 3 {
		return strings.Join(fs[:3], " ")
	}
	return "unknown"
}
