package sqlite

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
)

func cluster(ids ...string) vigil.SubjectCluster {
	c := vigil.SubjectCluster{Entities: ids}
	for i := 1; i < len(ids); i++ {
		c.Links = append(c.Links, vigil.SubjectLink{A: ids[0], B: ids[i], Rule: vigil.RuleSameAs, Score: 1, Detail: ids[i] + " gives " + ids[0]})
	}
	return c
}

func TestSubjectsKeepTheirIDs(t *testing.T) {
	ctx := context.Background()
	st, path := openTemp(t)
	t1 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	res, err := st.SaveLinking(ctx, vigil.Linking{Clusters: []vigil.SubjectCluster{
		cluster("ofac:1", "un:1"),
		cluster("ca:2", "ofac:2", "un:2"),
		cluster("un:3"),
		cluster("ofac:4"),
		cluster("un:5"),
	}, Refused: []vigil.SubjectLink{{A: "un:3", B: "uk:9", Rule: vigil.RuleScored, Score: 0.96, Detail: "names agree", Refused: "refused: two listings of uk"}},
		Notes:    []vigil.SubjectLink{{A: "uk:7", B: "un:5", Rule: vigil.RuleSameAs, Score: 1, Detail: "uk:7 (vessel) gives UN reference 5", Refused: "not linked: the kinds differ"}},
		Parts:    map[string]string{"ofac:1": "ofac_sdn", "un:1": "un", "ca:2": "ca", "ofac:2": "ofac_sdn", "un:2": "un", "un:3": "un", "ofac:4": "ofac_cons", "un:5": "un"},
		Versions: []string{"un@1", "ofac_sdn@1"},
		Basis:    "b1"}, t1)
	if err != nil {
		t.Fatal(err)
	}
	if res != (vigil.LinkingResult{Subjects: 5, Linked: 2, New: 5}) {
		t.Errorf("first result = %+v", res)
	}
	ids, err := st.SubjectIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"ofac:1": "S1", "un:1": "S1", "ca:2": "S2", "ofac:2": "S2", "un:2": "S2", "un:3": "S3", "ofac:4": "S4", "un:5": "S5"}
	if len(ids) != len(want) {
		t.Fatalf("ids = %v", ids)
	}
	for e, s := range want {
		if ids[e] != s {
			t.Errorf("%s: %s, want %s", e, ids[e], s)
		}
	}
	sub, err := st.SubjectOf(ctx, "un:2")
	if err != nil || sub.ID != "S2" || !slices.Equal(sub.Entities, []string{"ca:2", "ofac:2", "un:2"}) || len(sub.Links) != 2 || sub.Links[0].Rule != vigil.RuleSameAs {
		t.Errorf("S2 = %+v, %v", sub, err)
	}
	if sub, err := st.ListedSubject(ctx, "S3"); err != nil || len(sub.Refused) != 1 || sub.Refused[0].B != "uk:9" {
		t.Errorf("S3 = %+v, %v", sub, err)
	}
	if b, _ := st.LinkBasis(ctx); b != "b1" {
		t.Errorf("basis = %q", b)
	}
	// What a judgement clusters again: every link, the notes apart, each
	// current listing's list, the versions linked.
	g, err := st.LinkGraph(ctx)
	if err != nil || len(g.Links) != 4 || g.Links[3].Refused == "" || len(g.Notes) != 1 || g.Notes[0].A != "uk:7" ||
		g.Parts["ofac:4"] != "ofac_cons" || len(g.Parts) != 8 || !slices.Equal(g.Versions, []string{"un@1", "ofac_sdn@1"}) {
		t.Errorf("graph = %+v, %v", g, err)
	}
	if s5, _ := st.ListedSubject(ctx, "S5"); len(s5.Refused) != 1 || s5.Refused[0].A != "uk:7" {
		t.Errorf("S5 notes = %+v", s5.Refused)
	}

	// A new version: S1 gains uk:1; S2 loses ca:2 (a subject of its own
	// now); S3 and S4 merge (S3 keeps its id, lower); un:5 is delisted.
	j, err := st.Judge(ctx, vigil.LinkJudgement{A: "un:3", B: "ofac:4", Verdict: "same", By: "alice", Reason: "same passport in the notice"})
	if err != nil || j.A != "ofac:4" || j.Verdict != vigil.VerdictPositive || j.At.IsZero() {
		t.Fatalf("judge = %+v, %v", j, err)
	}
	t2 := t1.Add(24 * time.Hour)
	res, err = st.SaveLinking(ctx, vigil.Linking{Clusters: []vigil.SubjectCluster{
		cluster("ofac:1", "uk:1", "un:1"),
		cluster("ofac:2", "un:2"),
		cluster("ca:2"),
		cluster("ofac:4", "un:3"),
	}, Basis: "b2"}, t2)
	if err != nil {
		t.Fatal(err)
	}
	if res != (vigil.LinkingResult{Subjects: 4, Linked: 3, New: 1, Ended: 2, Changed: 3}) {
		t.Errorf("second result = %+v", res)
	}
	ids, _ = st.SubjectIDs(ctx)
	for e, s := range map[string]string{"uk:1": "S1", "un:1": "S1", "ofac:2": "S2", "ca:2": "S6", "ofac:4": "S3", "un:3": "S3", "un:5": "S5"} {
		if ids[e] != s {
			t.Errorf("after: %s in %s, want %s", e, ids[e], s)
		}
	}
	s4, err := st.ListedSubject(ctx, "S4")
	if err != nil || !s4.Ended.Equal(t2) || s4.MergedInto != "S3" || !slices.Equal(s4.Entities, []string{}) {
		t.Errorf("S4 = %+v, %v", s4, err)
	}
	// A delisted listing keeps its last subject, which ended with it.
	s5, err := st.SubjectOf(ctx, "un:5")
	if err != nil || s5.ID != "S5" || s5.Ended.IsZero() || s5.MergedInto != "" || !slices.Equal(s5.Entities, []string{"un:5"}) {
		t.Errorf("S5 = %+v, %v", s5, err)
	}
	s3, err := st.ListedSubject(ctx, "S3")
	if err != nil || len(s3.Judgements) != 1 || s3.Judgements[0].By != "alice" || len(s3.Refused) != 0 {
		t.Errorf("S3 = %+v, %v", s3, err)
	}

	// The newest judgement on a pair is in force; all are kept.
	if _, err := st.Judge(ctx, vigil.LinkJudgement{A: "ofac:4", B: "un:3", Verdict: vigil.VerdictNegative, By: "bob"}); err != nil {
		t.Fatal(err)
	}
	js, err := st.Judgements(ctx)
	if err != nil || len(js) != 1 || js[0].Verdict != vigil.VerdictNegative || js[0].By != "bob" {
		t.Errorf("judgements = %+v, %v", js, err)
	}
	// Each judgement is in the audit chain, under who made it.
	recs, err := st.AuditLog(ctx, vigil.AuditFilter{Action: vigil.AuditLinkJudgement})
	if err != nil || len(recs) != 2 || recs[0].Who != "bob" || !strings.Contains(string(recs[0].Query), `"verdict":"negative"`) {
		t.Errorf("audit = %+v, %v", recs, err)
	}
	if _, err := st.Judge(ctx, vigil.LinkJudgement{A: "un:3", B: "un:3", Verdict: vigil.VerdictNegative}); err == nil {
		t.Error("judging a listing against itself: no error")
	}
	if _, err := st.ListedSubject(ctx, "S99"); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("S99: %v", err)
	}
	if _, err := st.SubjectOf(ctx, "au:never"); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("au:never: %v", err)
	}

	// Everything survives reopening the file; the same linking changes
	// nothing and numbers go on from where they were.
	st.Close()
	st, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	res, err = st.SaveLinking(ctx, vigil.Linking{Clusters: []vigil.SubjectCluster{
		cluster("ofac:1", "uk:1", "un:1"), cluster("ofac:2", "un:2"), cluster("ca:2"), cluster("ofac:4", "un:3"), cluster("un:7"),
	}}, t2.Add(time.Hour))
	if err != nil || res != (vigil.LinkingResult{Subjects: 5, Linked: 3, New: 1}) {
		t.Errorf("third = %+v, %v", res, err)
	}
	if ids, _ := st.SubjectIDs(ctx); ids["un:7"] != "S7" || ids["ca:2"] != "S6" {
		t.Errorf("ids = %v", ids)
	}
}
