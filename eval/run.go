package eval

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vigil-screening/vigil/match"
)

// CurveFrom is the lowest threshold of the curve: the negatives, variants
// and script cases are screened once at it, and the figures at each higher
// threshold read from the scores. A pass at a lower threshold widens the
// matcher's retrieval cut (and lets more names compete for its candidate
// places), so a figure read from it may differ a little from a pass at the
// threshold itself: the table's negatives figures at the default threshold
// come from passes at it.
const CurveFrom = 0.70

// CurveThresholds are the thresholds of the curve.
var CurveThresholds = []float64{0.70, 0.75, 0.78, 0.80, 0.82, 0.85, 0.90, 0.95}

// NegFiles are the negatives files evaluated, in the order reported: the
// 1,000-row set and the two 30,000-row development sets (see
// ../shared/data/eval/PROVENANCE.md). A file absent from the folder is
// left out.
var NegFiles = []string{
	"negatives_dev_global.csv",
	"negatives_dev_global_rows20001-50000.csv",
	"negatives_dev_us_rows20001-50000.csv",
}

// NegSet is one negatives file's outcome.
type NegSet struct {
	File string
	NegResult
	// NameScores and EvScores hold each row's best score at CurveFrom (0:
	// no match), by name alone and with the row's own fields.
	NameScores, EvScores []float64
}

// Summary holds every evaluation's outcome at the default threshold.
type Summary struct {
	Threshold float64
	Bench     BenchResult
	// Pairs are the name_bench pairs, for the curve; BestThreshold and
	// BestF1 name_bench's best F1 over thresholds 0.50 to 0.99.
	Pairs                 []Pair
	BestThreshold, BestF1 float64
	Negs                  []NegSet
	Variants              VariantResult
	Scripts               ScriptResult
}

// Evaluate runs every evaluation: name_bench (evalDir's
// name_bench_cases.csv), the negatives files (NegFiles), the variants of
// 1,000 listed names and the script cases, over ix built from entries.
func Evaluate(evalDir string, ix *match.Index, entries []match.Entry) (*Summary, error) {
	s := &Summary{Threshold: match.DefaultThreshold}
	pairs, err := ReadPairsFile(filepath.Join(evalDir, "name_bench_cases.csv"))
	if err != nil {
		return nil, err
	}
	s.Pairs = pairs
	s.Bench = NameBench(pairs, s.Threshold)
	s.BestThreshold, s.BestF1 = bestF1(pairs)
	for _, f := range NegFiles {
		path := filepath.Join(evalDir, f)
		if _, err := os.Stat(path); err != nil {
			continue
		}
		people, err := ReadPeopleFile(path)
		if err != nil {
			return nil, err
		}
		ns := NegSet{File: f, NegResult: Negatives(ix, people)}
		ns.NameScores, ns.EvScores = NegScores(ix, people)
		s.Negs = append(s.Negs, ns)
	}
	s.Variants = RunVariants(ix, Variants(entries, 1000, 1))
	s.Scripts = RunScripts(ix, ScriptCases(entries), s.Threshold)
	return s, nil
}

// bestF1 returns the threshold (0.50 to 0.99) with the best F1 on pairs.
func bestF1(pairs []Pair) (float64, float64) {
	scores := make([]float64, len(pairs))
	for i, p := range pairs {
		scores[i] = match.Compare(p.Name1, p.Name2, SchemaKind(p.Schema))
	}
	bt, bf := 0.0, -1.0
	for k := 50; k <= 99; k++ {
		t := float64(k) / 100
		var c Counts
		for i, p := range pairs {
			c.Add(scores[i] >= t, p.Match)
		}
		if f := c.F1(); f > bf {
			bt, bf = t, f
		}
	}
	return bt, bf
}

// DevNegs returns the rows of the 30,000-row development negatives sets
// together: {n, name-only hits, hits with evidence} and the scores.
func (s *Summary) DevNegs() (n, nameOnly, withEv int, nameScores, evScores []float64) {
	for _, ns := range s.Negs {
		if !strings.Contains(ns.File, "rows") {
			continue
		}
		n += ns.N
		nameOnly += ns.NameOnly
		withEv += ns.WithEvidence
		nameScores = append(nameScores, ns.NameScores...)
		evScores = append(evScores, ns.EvScores...)
	}
	return
}

// ScriptRecall is the share of the script cases of the given scripts found
// at threshold t (read from the scores at CurveFrom when t is above it).
func (s *Summary) ScriptRecall(t float64, scripts ...string) (found, n int) {
	for _, sc := range scripts {
		for _, x := range s.Scripts.Scores[sc] {
			n++
			if x >= t {
				found++
			}
		}
	}
	return found, n
}

// Report runs every evaluation and writes the table to w (see Evaluate).
// With verbose, every misjudged pair, negative hit, variant miss and
// script miss is listed too.
func Report(w io.Writer, evalDir string, ix *match.Index, entries []match.Entry, verbose bool) error {
	s, err := Evaluate(evalDir, ix, entries)
	if err != nil {
		return err
	}
	s.Write(w, verbose)
	return nil
}

// Write prints the summary: one table of every figure at the default
// threshold with its goal, the curve over thresholds, then the details.
func (s *Summary) Write(w io.Writer, verbose bool) {
	fmt.Fprintf(w, "Matching quality at the default threshold %.2f\n\n", s.Threshold)
	fmt.Fprintf(w, "| Evaluation | Figure | Goal |\n|---|---|---|\n")
	b := s.Bench
	strongWrong := 0
	for _, x := range b.Wrong {
		if x.Quality == "STRONG" {
			strongWrong++
		}
	}
	fmt.Fprintf(w, "| name_bench, %d pairs | P %s R %s F1 %.3f; STRONG wrong %d | F1 ≥ 0.90, every STRONG right |\n", b.All.N(), f3(b.All.Precision()), f3(b.All.Recall()), b.All.F1(), strongWrong)
	fmt.Fprintf(w, "| name_bench, best threshold | F1 %.3f at %.2f | ≥ 0.92 |\n", s.BestF1, s.BestThreshold)
	for _, ns := range s.Negs {
		fmt.Fprintf(w, "| negatives %s (%d) | name only %d (%.2f%%); with dob, gender, nationality %d (%.2f%%) | |\n", ns.File, ns.N, ns.NameOnly, 100*Rate(ns.NameOnly, ns.N), ns.WithEvidence, 100*Rate(ns.WithEvidence, ns.N))
	}
	if n, no, ev, _, _ := s.DevNegs(); n > 0 {
		fmt.Fprintf(w, "| **negatives, both 30,000-row dev sets (%d)** | **name only %.2f%% (%d); with evidence %.2f%% (%d)** | ≤ 0.2%%; ≤ 0.1%% |\n", n, 100*Rate(no, n), no, 100*Rate(ev, n), ev)
	}
	v := s.Variants
	un := v.N - v.Ambiguous
	fmt.Fprintf(w, "| variants, top-1 (%d unambiguous of %d) | %.2f%% (%d); all %d counting ambiguous as misses %.2f%% | ≥ 99.6%% |\n", un, v.N, pct(v.Top1, un), v.Top1, v.N, pct(v.AllTop1, v.N))
	fmt.Fprintf(w, "| variants, recall at the threshold | name only %.2f%%; with the entity's own facts %.2f%% | |\n", 100*AtLeast(v.Scores, s.Threshold), 100*AtLeast(v.EvScores, s.Threshold))
	for _, sc := range s.scriptNames() {
		c := s.Scripts.ByScript[sc]
		goal := ""
		if sc == "Cyrl" || sc == "Arab" || sc == "Persian" {
			goal = "≥ 97%"
		}
		if strings.HasSuffix(sc, "(longer)") {
			goal = "(names of other lengths)"
		}
		fmt.Fprintf(w, "| script %s → Latin-only OFAC listing (%d) | %.1f%% (%d) | %s |\n", sc, c[1], pct(c[0], c[1]), c[0], goal)
	}
	fmt.Fprintln(w)

	fmt.Fprintf(w, "Curve (false alarms on the %s dev negatives; recall of the variants and script cases; name_bench)\n\n", "60,000")
	fmt.Fprintf(w, "| Threshold | FA name only | FA with evidence | Variants recall | …with evidence | Scripts recall | name_bench P / R / F1 |\n|---|---|---|---|---|---|---|\n")
	_, _, _, nsc, esc := s.DevNegs()
	all := s.scriptNames()
	bench := make([]float64, len(s.Pairs))
	for i, p := range s.Pairs {
		bench[i] = match.Compare(p.Name1, p.Name2, SchemaKind(p.Schema))
	}
	for _, t := range CurveThresholds {
		var c Counts
		for i, p := range s.Pairs {
			c.Add(bench[i] >= t, p.Match)
		}
		sf, sn := s.ScriptRecall(t, all...)
		fmt.Fprintf(w, "| %.2f | %.3f%% | %.3f%% | %.2f%% | %.2f%% | %.1f%% | %s / %s / %.3f |\n", t, 100*AtLeast(nsc, t), 100*AtLeast(esc, t), 100*AtLeast(v.Scores, t), 100*AtLeast(v.EvScores, t), pct(sf, sn), f3(c.Precision()), f3(c.Recall()), c.F1())
	}
	fmt.Fprintln(w)

	fmt.Fprintf(w, "name_bench by slice at %.2f\n", s.Threshold)
	fmt.Fprintf(w, "  %-16s %5s %6s %6s %6s\n", "slice", "n", "prec", "recall", "F1")
	row := func(name string, c Counts) {
		fmt.Fprintf(w, "  %-16s %5d %6s %6s %6.3f\n", name, c.N(), f3(c.Precision()), f3(c.Recall()), c.F1())
	}
	row("all", b.All)
	for _, m := range []map[string]*Counts{b.ByQuality, b.ByGroup} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			row(k, *m[k])
		}
	}
	for _, x := range b.Wrong {
		if x.Quality == "STRONG" {
			fmt.Fprintf(w, "  STRONG wrong: %q vs %q (match=%v) score %.3f\n", x.Name1, x.Name2, x.Match, x.Score)
		}
	}
	fmt.Fprintf(w, "variants by kind (top-1)\n")
	keys := make([]string, 0, len(v.ByKind))
	for k := range v.ByKind {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		c := v.ByKind[k]
		fmt.Fprintf(w, "  %-14s %4d/%-4d %5.1f%%  (%d ambiguous left out)\n", k, c[0], c[1], pct(c[0], c[1]), c[2])
	}
	if !verbose {
		return
	}
	for _, x := range b.Wrong {
		kind := "FN"
		if !x.Match {
			kind = "FP"
		}
		fmt.Fprintf(w, "  %s %-16s %-6s %.3f %q vs %q (%s)\n", kind, x.Group, x.Quality, x.Score, x.Name1, x.Name2, x.Category)
	}
	for _, ns := range s.Negs {
		for _, h := range ns.Hits {
			fmt.Fprintf(w, "  hit %s: %s\n", ns.File, h)
		}
	}
	for _, m := range v.Misses {
		fmt.Fprintf(w, "  miss %s\n", m)
	}
	for _, m := range s.Scripts.Misses {
		fmt.Fprintf(w, "  script miss %s\n", m)
	}
}

// scriptNames lists the scripts evaluated, in a fixed order.
func (s *Summary) scriptNames() []string {
	var out []string
	for k := range s.Scripts.ByScript {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func pct(a, b int) float64 { return 100 * float64(a) / float64(max(b, 1)) }

func f3(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmt.Sprintf("%.3f", x)
}
