package main

import (
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/eval"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/match"
)

func init() { subcommands = append(subcommands, benchCmd) }

func benchCmd() *cobra.Command {
	var listsDir string
	var n int
	cmd := &cobra.Command{
		Use:   "bench [--lists DIR]",
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
			entries, err := eval.LoadLists(listsDir)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			runtime.GC()
			var m0 runtime.MemStats
			runtime.ReadMemStats(&m0)
			t0 := time.Now()
			ix := match.NewIndex(entries)
			build := time.Since(t0)
			runtime.GC()
			var m1 runtime.MemStats
			runtime.ReadMemStats(&m1)
			fmt.Fprintf(out, "entities %d, index build %s, heap %d MB (with entities), index %d MB\n",
				ix.Len(), build.Round(time.Millisecond), m1.HeapAlloc>>20, (m1.HeapAlloc-min(m0.HeapAlloc, m1.HeapAlloc))>>20)

			// Queries: listed names with a typo, plus unlisted names.
			var qs []string
			for _, v := range eval.Variants(entries, n/2, 7) {
				qs = append(qs, v.Query)
			}
			if len(qs) == 0 {
				return fmt.Errorf("no queries")
			}
			lat := make([]time.Duration, len(qs))
			for i, q := range qs {
				t := time.Now()
				ix.Screen(vigil.Query{Name: q})
				lat[i] = time.Since(t)
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			fmt.Fprintf(out, "single query (%d): p50 %s p99 %s max %s\n", len(lat),
				lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)*99/100].Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))
			workers := runtime.GOMAXPROCS(0)
			var next atomic.Int64
			var wg sync.WaitGroup
			t1 := time.Now()
			total := len(qs) * 3
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := int(next.Add(1)) - 1
						if i >= total {
							return
						}
						ix.Screen(vigil.Query{Name: qs[i%len(qs)]})
					}
				}()
			}
			wg.Wait()
			el := time.Since(t1)
			fmt.Fprintf(out, "batch: %d names on %d cores in %s: %.0f names/s\n", total, workers, el.Round(time.Millisecond), float64(total)/el.Seconds())
			return nil
		},
	}
	cmd.Flags().StringVar(&listsDir, "lists", "", "lists folder (default ../shared/data/lists)")
	cmd.Flags().IntVar(&n, "n", 4000, "about how many queries")
	return cmd
}
