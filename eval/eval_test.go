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

// TestEvaluationsOnRealLists runs the negatives, variant and script
// evaluations over every list in ../shared/data/lists and holds them to the
// figures reached (issue 20; the goals in eval/README.md, "Matching
// quality", where the gaps are reported): false alarms on the two
// 30,000-row development sets by name alone and with the rows' own date of
// birth, gender and nationality, the old 1,000-row set, the variants'
// top-1 rate, and the share of Cyrillic, Arabic and Persian renderings that
// find the person's Latin-only OFAC listing.
func TestEvaluationsOnRealLists(t *testing.T) {
	entries, err := LoadLists(shared.Lists(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	ix := match.NewIndex(entries)
	var n, nameOnly, withEv int
	for _, f := range NegFiles {
		people, err := ReadPeopleFile(shared.Path(t, "data/eval/"+f))
		if err != nil {
			t.Fatal(err)
		}
		neg := Negatives(ix, people)
		t.Logf("%s: %d/%d name only, %d/%d with dob, nationality and gender", f, neg.NameOnly, neg.N, neg.WithEvidence, neg.N)
		if !strings.Contains(f, "rows") {
			if neg.N != 1000 || Rate(neg.NameOnly, neg.N) > 0.008 || Rate(neg.WithEvidence, neg.N) > 0.002 {
				t.Errorf("%s: %d rows, %d name only, %d with evidence; want 1000, at most 0.8%% and 0.2%%", f, neg.N, neg.NameOnly, neg.WithEvidence)
			}
			continue
		}
		n += neg.N
		nameOnly += neg.NameOnly
		withEv += neg.WithEvidence
	}
	if n != 60000 {
		t.Errorf("%d development negatives, want 60,000", n)
	}
	// Goals 0.2% and 0.1%; reached 0.24% and 0.07% (see eval/README.md).
	if r := Rate(nameOnly, n); r > 0.0026 {
		t.Errorf("development negatives by name alone: %.3f%% match, want at most 0.26%%", 100*r)
	}
	if r := Rate(withEv, n); r > 0.0012 {
		t.Errorf("development negatives with their own fields: %.3f%% match, want at most 0.12%%", 100*r)
	}
	vr := RunVariants(ix, Variants(entries, 1000, 1))
	if vr.N-vr.Ambiguous < 2000 {
		t.Fatalf("only %d unambiguous variants", vr.N-vr.Ambiguous)
	}
	if r := float64(vr.Top1) / float64(vr.N-vr.Ambiguous); r < 0.993 {
		t.Errorf("variants: %.2f%% top-1, want at least 99.3%% (goal 99.6%%)", 100*r)
	}
	t.Logf("variants: %d/%d unambiguous top-1, %d/%d all", vr.Top1, vr.N-vr.Ambiguous, vr.AllTop1, vr.N)
	// Recall at the threshold must not drop (reached 98.59% and 99.20%;
	// before the first round 99.33% and 99.42%, see eval/README.md).
	if r, re := AtLeast(vr.Scores, match.DefaultThreshold), AtLeast(vr.EvScores, match.DefaultThreshold); r < 0.985 || re < 0.991 {
		t.Errorf("variants recall at the threshold: %.2f%% by name, %.2f%% with facts; want at least 98.5%% and 99.1%%", 100*r, 100*re)
	}
	sr := RunScripts(ix, ScriptCases(entries), match.DefaultThreshold)
	// Official renderings (goal 97%) and generated ones (goal: as well as
	// Cyrillic; reached: see eval/README.md; Hanja is not read yet).
	for sc, want := range map[string]float64{"Cyrl": 0.97, "Arab": 0.94, "Persian": 0.86, "Grek": 0.75, "Hebr": 0.83, "Kana": 0.58, "Hang": 0.95} {
		c := sr.ByScript[sc]
		if c[1] < 50 {
			t.Errorf("script %s: only %d cases", sc, c[1])
			continue
		}
		if r := float64(c[0]) / float64(c[1]); r < want {
			t.Errorf("script %s: %.1f%% of %d renderings find their OFAC listing, want at least %.0f%%", sc, 100*r, c[1], 100*want)
		}
		t.Logf("script %s: %d/%d", sc, c[0], c[1])
	}
}
