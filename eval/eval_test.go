package eval

import (
	"strings"
	"testing"

	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/match"
)

// TestNameBenchStrong pins the STRONG tier (every pair right) and an F1
// floor on name_bench at the default threshold.
func TestNameBenchStrong(t *testing.T) {
	pairs, err := ReadPairsFile(shared.Path(t, "data/eval/name_bench_cases.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if len(pairs) != 826 {
		t.Errorf("%d pairs, want 826", len(pairs))
	}
	res := NameBench(pairs, match.DefaultThreshold)
	strong := res.ByQuality["STRONG"]
	if strong == nil || strong.N() == 0 {
		t.Fatal("no STRONG pairs")
	}
	for _, w := range res.Wrong {
		if w.Quality == "STRONG" {
			t.Errorf("STRONG pair wrong: %q vs %q (match=%v) scored %.3f", w.Name1, w.Name2, w.Match, w.Score)
		}
	}
	if f := res.All.F1(); f < 0.90 {
		t.Errorf("F1 %.3f below the goal 0.90", f)
	}
	t.Logf("name_bench: P %.3f R %.3f F1 %.3f", res.All.Precision(), res.All.Recall(), res.All.F1())
}

func TestReadPairsErrors(t *testing.T) {
	if _, err := ReadPairs(strings.NewReader("a,b\n1,2\n")); err == nil {
		t.Error("missing columns accepted")
	}
	_, err := ReadPairs(strings.NewReader("name1,name2,is_match\nA,B,maybe\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad is_match: %v", err)
	}
}

func TestCounts(t *testing.T) {
	var c Counts
	c.Add(true, true)
	c.Add(true, false)
	c.Add(false, true)
	c.Add(false, false)
	if c.Precision() != 0.5 || c.Recall() != 0.5 || c.F1() != 0.5 || c.N() != 4 {
		t.Errorf("counts %+v: P %v R %v F1 %v", c, c.Precision(), c.Recall(), c.F1())
	}
}

// TestEvaluationsOnRealLists runs the negatives and variant evaluations over
// every list in ../shared/data/lists and holds them to the goals:
// at most 0.5% of the synthetic negatives match when screened with their own
// date of birth, nationality and gender, and at least 99% of the unambiguous
// variants rank their entity first.
func TestEvaluationsOnRealLists(t *testing.T) {
	entries, err := LoadLists(shared.Lists(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	people, err := ReadPeopleFile(shared.Path(t, "data/eval/negatives_dev_global.csv"))
	if err != nil {
		t.Fatal(err)
	}
	ix := match.NewIndex(entries)
	neg := Negatives(ix, people)
	if neg.N != 1000 {
		t.Errorf("%d negatives, want 1000", neg.N)
	}
	if r := float64(neg.WithEvidence) / float64(neg.N); r > 0.005 {
		t.Errorf("negatives with their own fields: %.1f%% match, goal at most 0.5%%", 100*r)
	}
	// On the name alone (no date of birth or nationality to tell
	// namesakes apart) 0.7% match; this guards against regressions.
	if r := float64(neg.NameOnly) / float64(neg.N); r > 0.01 {
		t.Errorf("negatives on the name alone: %.1f%% match, want at most 1%%", 100*r)
	}
	t.Logf("negatives: %d/%d name only, %d/%d with dob, nationality and gender", neg.NameOnly, neg.N, neg.WithEvidence, neg.N)
	vr := RunVariants(ix, Variants(entries, 1000, 1))
	if vr.N-vr.Ambiguous < 2000 {
		t.Fatalf("only %d unambiguous variants", vr.N-vr.Ambiguous)
	}
	if r := float64(vr.Top1) / float64(vr.N-vr.Ambiguous); r < 0.99 {
		t.Errorf("variants: %.1f%% top-1, goal at least 99%%", 100*r)
	}
	t.Logf("variants: %d/%d unambiguous top-1, %d/%d all", vr.Top1, vr.N-vr.Ambiguous, vr.AllTop1, vr.N)
}
