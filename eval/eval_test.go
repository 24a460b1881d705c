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
	if f := res.All.F1(); f < 0.88 {
		t.Errorf("F1 %.3f below 0.88", f)
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
