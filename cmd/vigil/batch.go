package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/batch"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/screen"
)

func init() { subcommands = append(subcommands, batchCmd) }

// maxReportedRows caps the rows (bad, or screened with problems) named one
// by one on stderr.
const maxReportedRows = 1000

func batchCmd() *cobra.Command {
	var db, by, in, out, mapping, format string
	var threshold float64
	var workers int
	var noMemo bool
	cmd := &cobra.Command{
		Use:   "batch --in FILE [--out FILE]",
		Short: "Screen a CSV, TSV, JSONL or XLSX file of names; JSON Lines out, one per row in input order",
		Long: `Screen every row of a bulk file (CSV, TSV, JSON Lines or XLSX; "-" reads
stdin) against the current lists. Columns are mapped by header (id, name or
full_name, first_name/middle_name/last_name, dob, nationality, gender,
id_number/passport, kind); --map overrides, e.g. --map name=Customer,dob=Born.

Each row gives one JSON line, in input order:
  {"row":N,"id":"…","input":{…},"matches":[…]}
Its "input" holds the row's values under the fields they were screened as
(id, name, dob, …, whatever the columns are called or --map names), and
the other columns under their headers.
A value screening cannot use (a date of birth that is no date, a country
that is none, a gender other than male or female, an unknown kind) is left
out and the row screened on the rest, its line naming what was left out:
  {"row":N,"id":"…","input":{…},"problems":["dob \"1957-13-11\" is not a date …"],"matches":[…]}
A bad row (missing name, a name with no letter or digit, broken quoting)
is not screened:
  {"row":N,"error":"…"}
Both are named on stderr. A summary goes to stderr, counting the rows
screened with problems and the bad rows. The exit status is 0 when the
file was read through, whatever it matched: read the lines' "problems"
and "error" as well as their matches.

The work that depends on the name alone is done once per name: a name met
again (the same customer on two accounts, a counterparty paid monthly) is
screened only against its own date of birth, nationality and gender. The
output is the same as with --no-memo, which screens every row in full.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if in == "" {
				return fmt.Errorf("--in FILE is required")
			}
			opts := batch.Options{Format: format, InputByField: true}
			if mapping != "" {
				opts.Map = map[string]string{}
				for _, kv := range strings.Split(mapping, ",") {
					f, c, ok := strings.Cut(kv, "=")
					if !ok || strings.TrimSpace(f) == "" || strings.TrimSpace(c) == "" {
						return fmt.Errorf("--map %q: want field=column,…", kv)
					}
					opts.Map[strings.TrimSpace(f)] = strings.TrimSpace(c)
				}
			}
			var src io.Reader = cmd.InOrStdin()
			var size int64
			if in != "-" {
				f, err := os.Open(in)
				if err != nil {
					return err
				}
				defer f.Close()
				if st, err := f.Stat(); err == nil {
					size = st.Size()
				}
				src = f
			}
			inSum := newDigest()
			counted := &countingReader{r: io.TeeReader(src, inSum)}
			rd, err := batch.Open(counted, in, opts)
			if err != nil {
				return fmt.Errorf("%s: %w", in, err)
			}
			if c, ok := rd.(io.Closer); ok {
				defer c.Close() // an XLSX reader's temporary files
			}
			stderr := cmd.ErrOrStderr()
			for _, w := range rd.Warnings() {
				fmt.Fprintf(stderr, "%s: %s\n", in, w)
			}
			var dst io.Writer = cmd.OutOrStdout()
			var outFile *os.File
			if out != "" && out != "-" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				dst, outFile = f, f
			}
			sc, err := openScreening(cmd.Context(), db, by)
			if err != nil {
				return err
			}
			defer sc.Close()
			ix := sc.index()
			outSum := newDigest()

			var rows atomic.Int64
			bar := newBar(stderr, size, counted, &rows)
			// report names a bad row or one screened with problems on
			// stderr, up to maxReportedRows of them.
			var reported int
			report := func(msg string) {
				reported++
				if reported > maxReportedRows {
					return
				}
				bar.clear()
				if reported == maxReportedRows {
					fmt.Fprintf(stderr, "%s: %s (further rows with problems are in the output only)\n", in, msg)
					return
				}
				fmt.Fprintf(stderr, "%s: %s\n", in, msg)
			}
			opt := screen.BatchOptions{
				Threshold:  threshold,
				Workers:    workers,
				NoMemo:     noMemo,
				Progress:   func(n int64) { rows.Store(n) },
				OnRowError: func(row int, err error) { report(err.Error()) },
				OnRowProblems: func(row int, ps []string) {
					report(fmt.Sprintf("row %d: %s", row, strings.Join(ps, "; ")))
				},
			}
			sum, err := screen.Batch(cmd.Context(), ix, rd, io.MultiWriter(dst, outSum), opt)
			bar.finish()
			if outFile != nil {
				if cerr := outFile.Close(); cerr != nil && err == nil {
					err = cerr
				}
			}
			fmt.Fprintf(stderr, "%s: %s (%d workers)\n", in, sum, workersOr(workers))
			// One record for the run, also for a run that ended early.
			q := vigil.ScreeningQuery{Input: inSum.input(in), Threshold: threshold}
			q.Input.Format, q.Input.Map = rd.Format(), opts.Map
			res := vigil.ScreeningResult{Lists: sc.lists, Rows: sum.Rows, HitRows: sum.Hits, ProblemRows: sum.Problems, BadRows: sum.Errors,
				Output: outSum.input(cmpOr(out, "-"))}
			if err != nil {
				res.Error = err.Error()
			}
			if aerr := sc.audit(cmd.Context(), vigil.AuditBatch, q, res); aerr != nil {
				return errors.Join(err, aerr)
			}
			return err
		},
	}
	dbFlag(cmd, &db)
	byFlag(cmd, &by)
	f := cmd.Flags()
	f.StringVar(&in, "in", "", `input file ("-" for stdin)`)
	f.StringVar(&out, "out", "", "output file (default stdout)")
	f.Float64Var(&threshold, "threshold", 0, fmt.Sprintf("report matches at or above this score (default %.2f)", match.DefaultThreshold))
	f.IntVar(&workers, "workers", 0, "screening goroutines (default GOMAXPROCS)")
	f.BoolVar(&noMemo, "no-memo", false, "screen every row in full, names met before too (same output)")
	f.StringVar(&mapping, "map", "", "column map: field=column,… (fields: "+strings.Join(batch.Fields, ", ")+")")
	f.StringVar(&format, "format", "", "input format: csv, tsv, jsonl or xlsx (default: detected)")
	return cmd
}

func workersOr(n int) int {
	if n > 0 {
		return n
	}
	return runtime.GOMAXPROCS(0)
}

// countingReader counts the bytes read through it, for the progress bar.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progress drives a progress bar over the input's bytes (the row count is
// unknown until the end, so the ETA comes from bytes read of the file size),
// with rows and rows/s in its description. It is inert unless stderr is a
// terminal and the input size is known.
type progress struct {
	bar  *progressbar.ProgressBar
	stop chan struct{}
	done chan struct{}
}

func newBar(w io.Writer, size int64, in *countingReader, rows *atomic.Int64) *progress {
	f, ok := w.(*os.File)
	if !ok || size <= 0 || !term.IsTerminal(int(f.Fd())) {
		return &progress{}
	}
	p := &progress{
		bar: progressbar.NewOptions64(size,
			progressbar.OptionSetWriter(w),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30),
		),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	start := time.Now()
	go func() {
		defer close(p.done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				n := rows.Load()
				p.bar.Describe(fmt.Sprintf("%d rows, %.0f rows/s", n, float64(n)/time.Since(start).Seconds()))
				_ = p.bar.Set64(min(in.n.Load(), size))
			}
		}
	}()
	return p
}

// clear removes the bar before a line is printed; the ticker redraws it.
func (p *progress) clear() {
	if p.bar != nil {
		_ = p.bar.Clear()
	}
}

func (p *progress) finish() {
	if p.bar == nil {
		return
	}
	close(p.stop)
	<-p.done
	_ = p.bar.Finish()
}
