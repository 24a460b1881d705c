package eval

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"sort"

	"github.com/vigil-screening/vigil/match"
)

// Report runs the three evaluations and writes a table to w. evalDir holds
// name_bench_cases.csv and negatives_dev_global.csv; ix is the index over
// all lists (entries are what it was built from, for the variant set).
// With verbose, every misjudged pair, negative hit and variant miss is
// listed too.
func Report(w io.Writer, evalDir string, ix *match.Index, entries []match.Entry, verbose bool) error {
	pairs, err := ReadPairsFile(filepath.Join(evalDir, "name_bench_cases.csv"))
	if err != nil {
		return err
	}
	nb := NameBench(pairs, match.DefaultThreshold)
	fmt.Fprintf(w, "name_bench (%d pairs) at threshold %.2f\n", nb.All.N(), nb.Threshold)
	fmt.Fprintf(w, "  %-16s %5s %6s %6s %6s\n", "slice", "n", "prec", "recall", "F1")
	row := func(name string, c Counts) {
		fmt.Fprintf(w, "  %-16s %5d %6s %6s %6.3f\n", name, c.N(), f3(c.Precision()), f3(c.Recall()), c.F1())
	}
	row("all", nb.All)
	for _, m := range []map[string]*Counts{nb.ByQuality, nb.ByGroup} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			row(k, *m[k])
		}
	}
	strongWrong := 0
	for _, x := range nb.Wrong {
		if x.Quality == "STRONG" {
			strongWrong++
			fmt.Fprintf(w, "  STRONG wrong: %q vs %q (match=%v) score %.3f\n", x.Name1, x.Name2, x.Match, x.Score)
		}
	}
	fmt.Fprintf(w, "  STRONG pairs wrong: %d\n", strongWrong)
	if verbose {
		for _, x := range nb.Wrong {
			kind := "FN"
			if !x.Match {
				kind = "FP"
			}
			fmt.Fprintf(w, "  %s %-16s %-6s %.3f %q vs %q (%s)\n", kind, x.Group, x.Quality, x.Score, x.Name1, x.Name2, x.Category)
		}
	}
	fmt.Fprintln(w)

	if ix != nil {
		people, err := ReadPeopleFile(filepath.Join(evalDir, "negatives_dev_global.csv"))
		if err != nil {
			return err
		}
		neg := Negatives(ix, people)
		fmt.Fprintf(w, "negatives (%d synthetic people on no list) at threshold %.2f\n", neg.N, match.DefaultThreshold)
		fmt.Fprintf(w, "  any match, name only:                         %d (%.1f%%)\n", neg.NameOnly, 100*float64(neg.NameOnly)/float64(neg.N))
		fmt.Fprintf(w, "  any match, with dob+nationality+gender given: %d (%.1f%%)\n", neg.WithEvidence, 100*float64(neg.WithEvidence)/float64(neg.N))
		if verbose {
			for _, h := range neg.Hits {
				fmt.Fprintf(w, "  hit: %s\n", h)
			}
		}
		fmt.Fprintln(w)

		vs := Variants(entries, 1000, 1)
		vr := RunVariants(ix, vs)
		un := vr.N - vr.Ambiguous
		fmt.Fprintf(w, "variants (%d queries from 1000 sampled listed names; %d ambiguous left out): top-1 %d/%d (%.1f%%)\n", vr.N, vr.Ambiguous, vr.Top1, un, pct(vr.Top1, un))
		fmt.Fprintf(w, "  all %d, ambiguous counted as misses unless their own entity ranks first: %d (%.1f%%)\n", vr.N, vr.AllTop1, pct(vr.AllTop1, vr.N))
		keys := make([]string, 0, len(vr.ByKind))
		for k := range vr.ByKind {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			c := vr.ByKind[k]
			fmt.Fprintf(w, "  %-14s %4d/%-4d %5.1f%%  (%d ambiguous left out)\n", k, c[0], c[1], pct(c[0], c[1]), c[2])
		}
		if verbose {
			for _, m := range vr.Misses {
				fmt.Fprintf(w, "  miss %s\n", m)
			}
		}
	}
	return nil
}

func pct(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }

func f3(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmt.Sprintf("%.3f", x)
}
