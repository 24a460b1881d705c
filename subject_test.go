package vigil

import (
	"slices"
	"testing"
)

func TestAssignSubjectIDs(t *testing.T) {
	old := map[string]string{
		"un:1": "S1", "ofac:1": "S1", // S1 continues, gaining uk:1
		"un:2": "S2", "ofac:2": "S2", "ca:2": "S2", // S2 splits: ca:2 leaves
		"un:3": "S3", "ofac:3": "S4", // S3 and S4 merge: S3 wins the tie (lower id)
		"un:5": "S5",                                // S5 is delisted
		"un:9": "S9", "ofac:9": "S9", "eu:9": "S10", // S9 keeps the larger part
	}
	clusters := [][]string{
		{"ofac:1", "uk:1", "un:1"},
		{"ofac:2", "un:2"},
		{"ca:2"},
		{"ofac:3", "un:3"},
		{"eu:9", "ofac:9", "un:9"},
		{"au:7"},
	}
	ids, next := AssignSubjectIDs(clusters, old, 11)
	want := []string{"S1", "S2", "S11", "S3", "S9", "S12"}
	if !slices.Equal(ids, want) || next != 13 {
		t.Errorf("ids = %v next %d, want %v next 13", ids, next, want)
	}
	// Nothing changed: every cluster keeps its id, and none is new.
	again, next2 := AssignSubjectIDs(clusters, map[string]string{
		"ofac:1": "S1", "uk:1": "S1", "un:1": "S1", "ofac:2": "S2", "un:2": "S2", "ca:2": "S11",
		"ofac:3": "S3", "un:3": "S3", "eu:9": "S9", "ofac:9": "S9", "un:9": "S9", "au:7": "S12",
	}, next)
	if !slices.Equal(again, want) || next2 != next {
		t.Errorf("again = %v next %d, want %v next %d", again, next2, want, next)
	}
	// The order of the clusters does not change which keeps an id.
	rev := slices.Clone(clusters)
	slices.Reverse(rev)
	ids3, _ := AssignSubjectIDs(rev, old, 11)
	if ids3[len(ids3)-1] != "S1" || ids3[len(ids3)-2] != "S2" || ids3[len(ids3)-4] != "S3" {
		t.Errorf("reversed = %v", ids3)
	}
}

func TestSubjectNumber(t *testing.T) {
	for id, want := range map[string]int64{"S1": 1, "S17": 17, "S0": 0, "S01": 0, "s1": 0, "S": 0, "S-1": 0, "un:IRi.039": 0, "S99999999999999999999": 0} {
		n, ok := SubjectNumber(id)
		if n != want || ok != (want != 0) {
			t.Errorf("SubjectNumber(%q) = %d, %v; want %d", id, n, ok, want)
		}
		if ok && SubjectID(n) != id {
			t.Errorf("SubjectID(%d) = %q", n, SubjectID(n))
		}
	}
}

func TestCheckJudgement(t *testing.T) {
	j, err := CheckJudgement(LinkJudgement{A: "un:IRi.039 ", B: " ca:Iran/1-2/89", Verdict: "same"})
	if err != nil || j.A != "ca:Iran/1-2/89" || j.B != "un:IRi.039" || j.Verdict != VerdictPositive {
		t.Errorf("j = %+v, %v", j, err)
	}
	for _, bad := range []LinkJudgement{
		{A: "un:1", B: "un:1", Verdict: VerdictNegative},
		{A: "un:1", B: "nocolon", Verdict: VerdictNegative},
		{A: "un:1", B: ":2", Verdict: VerdictNegative},
		{A: "un:1", B: "ofac:2", Verdict: "perhaps"},
	} {
		if _, err := CheckJudgement(bad); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func FuzzSubjectNumber(f *testing.F) {
	for _, s := range []string{"S1", "S17", "S0", "S-1", "S99999999999999999999", "un:IRi.039"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, ok := SubjectNumber(s)
		if ok && (n <= 0 || SubjectID(n) != s) {
			t.Fatalf("SubjectNumber(%q) = %d, which formats as %q", s, n, SubjectID(n))
		}
		if !ok && n != 0 {
			t.Fatalf("SubjectNumber(%q) = %d, false", s, n)
		}
	})
}
