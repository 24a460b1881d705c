package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/link"
	"github.com/vigil-screening/vigil/lists"
	"github.com/vigil-screening/vigil/match"
)

var _ = add("SubjectsKeepTheirIDs", testSubjectsKeepTheirIDs)
var _ = add("SubjectJudgementsSurviveNewVersions", testSubjectJudgementsSurviveNewVersions)
var _ = add("SubjectLinkingsFromTwoHandles", testSubjectLinkingsFromTwoHandles)

func cluster(ids ...string) vigil.SubjectCluster {
	c := vigil.SubjectCluster{Entities: ids}
	for i := 1; i < len(ids); i++ {
		c.Links = append(c.Links, vigil.SubjectLink{A: ids[0], B: ids[i], Rule: vigil.RuleSameAs, Score: 1, Detail: ids[i] + " gives " + ids[0]})
	}
	return c
}

func testSubjectsKeepTheirIDs(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	var st vigil.Backend = db
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
	if sub, err := st.ListedSubject(ctx, "S3"); err != nil || len(sub.Refused) != 1 || sub.Refused[0].B != "uk:9" || sub.Refused[0].Score != 0.96 {
		t.Errorf("S3 = %+v, %v", sub, err)
	}
	if b, _ := st.LinkBasis(ctx); b != "b1" {
		t.Errorf("basis = %q", b)
	}
	// What a judgement clusters again: every link, the notes apart, each
	// current listing's list, the versions linked.
	g, err := st.LinkGraph(ctx)
	refused := 0
	for _, k := range g.Links {
		if k.Refused != "" {
			refused++
		}
	}
	if err != nil || len(g.Links) != 4 || refused != 1 || len(g.Notes) != 1 || g.Notes[0].A != "uk:7" ||
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
	if n := db.Count(t, "link_judgements"); n != 2 {
		t.Errorf("%d judgements kept, want 2", n)
	}
	// Each judgement is in the audit chain, under who made it.
	recs, err := st.AuditLog(ctx, vigil.AuditFilter{Action: vigil.AuditLinkJudgement})
	if err != nil || len(recs) != 2 || recs[0].Who != "bob" || !strings.Contains(string(recs[0].Query), `"verdict":"negative"`) {
		t.Errorf("audit = %+v, %v", recs, err)
	}
	if v, err := st.VerifyAudit(ctx); err != nil || v.Break != nil {
		t.Errorf("verify: %+v, %v", v, err)
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

	// Everything is seen from another handle (another process); the same
	// linking changes nothing and numbers go on from where they were.
	st = db.Reopen(t)
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

// person is a listed person whose listing may say it is another list's.
func person(id, name, dob string, sameAs ...string) vigil.Entity {
	src, ref, _ := vigil.SplitID(id)
	e := vigil.Entity{ID: id, Source: src, Ref: ref, Kind: vigil.KindPerson,
		Names: []vigil.Name{{Full: name, Quality: vigil.QualityPrimary}}}
	if dob != "" {
		e.BirthDates = []vigil.Date{lists.MustDate(dob)}
	}
	for _, s := range sameAs {
		e.Relations = append(e.Relations, vigil.Relation{EntityID: s, Type: vigil.RelationSameAs})
	}
	return e
}

// linkCurrent links the store's current lists as an import does.
func linkCurrent(t *testing.T, st vigil.Backend, at time.Time) vigil.LinkingResult {
	t.Helper()
	ctx := context.Background()
	cur, err := st.CurrentEntities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entries := make([]match.Entry, len(cur))
	for i := range cur {
		entries[i] = match.Entry{Entity: &cur[i].Entity, Version: cur[i].Version.Label()}
	}
	res, err := link.Run(ctx, st, entries, match.NewIndex(entries), link.DefaultOptions, at)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// A judgement is in force over every later version, and clustering the
// stored links again under it (link.Rejudge) gives subjects whose ids
// last; a new version of a list keeps the ids of the subjects it continues.
func testSubjectJudgementsSurviveNewVersions(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	mustImport(t, st, lv("un", "u1"), []vigil.Entity{person("un:1", "Abu ALPHA", "1970-01-01"), person("un:2", "Omar BETA", "1980-02-02")})
	mustImport(t, st, lv("uk", "k1"), []vigil.Entity{person("uk:1", "ALPHA, Abu", "1970-01-01", "un:1"), person("uk:2", "BETA, Omar", "1980-02-02", "un:2")})
	linkCurrent(t, st, at)
	ids, err := st.SubjectIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s1, s2 := ids["un:1"], ids["un:2"]
	if s1 == "" || ids["uk:1"] != s1 || s2 == "" || ids["uk:2"] != s2 || s1 == s2 {
		t.Fatalf("linked: %v", ids)
	}

	// An analyst says uk:2 is not un:2: clustering the stored links again
	// parts them at once; one of them keeps the subject's id.
	if _, err := st.Judge(ctx, vigil.LinkJudgement{A: "uk:2", B: "un:2", Verdict: vigil.VerdictNegative, By: "alice", Reason: "other father's name"}); err != nil {
		t.Fatal(err)
	}
	if stale, err := link.Stale(ctx, st, []string{"uk@1", "un@1"}, link.DefaultOptions); err != nil || !stale {
		t.Errorf("after a judgement: stale = %v, %v", stale, err)
	}
	res, err := link.Rejudge(ctx, st, link.DefaultOptions, at.Add(time.Hour))
	if err != nil || res.New != 1 || res.Changed != 1 || res.Subjects != 3 {
		t.Errorf("rejudge = %+v, %v", res, err)
	}
	ids, _ = st.SubjectIDs(ctx)
	if ids["un:1"] != s1 || ids["uk:1"] != s1 || ids["uk:2"] == ids["un:2"] || (ids["uk:2"] != s2 && ids["un:2"] != s2) {
		t.Fatalf("after the judgement: %v", ids)
	}
	parted := ids

	// New versions of both lists (uk:3 added, un:1's name spelt anew):
	// the judgement holds, subjects keep their ids, the new listing gets a
	// new one.
	mustImport(t, st, lv("un", "u2"), []vigil.Entity{person("un:1", "Abu ALFA", "1970-01-01"), person("un:2", "Omar BETA", "1980-02-02")})
	mustImport(t, st, lv("uk", "k2"), []vigil.Entity{person("uk:1", "ALPHA, Abu", "1970-01-01", "un:1"), person("uk:2", "BETA, Omar", "1980-02-02", "un:2"),
		person("uk:3", "GAMMA, Jamal", "1955-05-04")})
	var labels []string
	vs, _ := st.Current(ctx)
	for _, v := range vs {
		labels = append(labels, v.Label())
	}
	if stale, _ := link.Stale(ctx, st, labels, link.DefaultOptions); !stale {
		t.Error("new versions: not stale")
	}
	res = linkCurrent(t, st, at.Add(48*time.Hour))
	if res.New != 1 || res.Subjects != 4 || res.Ended != 0 {
		t.Errorf("relink = %+v", res)
	}
	ids, _ = st.SubjectIDs(ctx)
	for _, e := range []string{"un:1", "uk:1", "un:2", "uk:2"} {
		if ids[e] != parted[e] {
			t.Errorf("%s: %s after the new versions, was %s", e, ids[e], parted[e])
		}
	}
	if ids["uk:3"] == "" || slices.Contains([]string{s1, s2, parted["uk:2"], parted["un:2"]}, ids["uk:3"]) {
		t.Errorf("uk:3: %q", ids["uk:3"])
	}
	js, err := st.Judgements(ctx)
	if err != nil || len(js) != 1 || js[0].Verdict != vigil.VerdictNegative || js[0].Reason != "other father's name" {
		t.Errorf("judgements = %+v, %v", js, err)
	}
	sub, err := st.SubjectOf(ctx, "uk:2")
	if err != nil || len(sub.Judgements) != 1 || !slices.Equal(sub.Entities, []string{"uk:2"}) {
		t.Errorf("uk:2's subject = %+v, %v", sub, err)
	}

	// The judgement undone (the newest on the pair is in force): they are
	// one subject again, under the id they had.
	if _, err := st.Judge(ctx, vigil.LinkJudgement{A: "un:2", B: "uk:2", Verdict: vigil.VerdictPositive, By: "bob"}); err != nil {
		t.Fatal(err)
	}
	if _, err := link.Rejudge(ctx, st, link.DefaultOptions, at.Add(72*time.Hour)); err != nil {
		t.Fatal(err)
	}
	ids, _ = st.SubjectIDs(ctx)
	if ids["uk:2"] != s2 || ids["un:2"] != s2 {
		t.Errorf("rejoined: uk:2 %s, un:2 %s, want %s", ids["uk:2"], ids["un:2"], s2)
	}
}

// Two processes linking at once: each linking is saved whole, one after
// the other, and no subject id is given twice.
func testSubjectLinkingsFromTwoHandles(t *testing.T, open Opener) {
	ctx := context.Background()
	s1 := open(t)
	s2 := s1.Reopen(t)
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	for i, st := range []vigil.Backend{s1, s2} {
		wg.Go(func() {
			for k := range 5 {
				l := vigil.Linking{Clusters: []vigil.SubjectCluster{cluster("un:1", "uk:1")}}
				// Each round a new listing of this handle's own.
				for j := range k + 1 {
					l.Clusters = append(l.Clusters, cluster(string(rune('a'+i))+":"+string(rune('0'+j))))
				}
				if _, err := st.SaveLinking(ctx, l, at); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	ids, err := s1.SubjectIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ids["un:1"] != "S1" || ids["uk:1"] != "S1" {
		t.Errorf("the subject both saw: %v", ids)
	}
	seen := map[string]string{}
	for e, s := range ids {
		if e[0] == 'a' || e[0] == 'b' {
			if other, ok := seen[s]; ok && other[0] != e[0] {
				t.Errorf("%s and %s share %s", other, e, s)
			}
			seen[s] = e
		}
	}
	if n := s1.Count(t, "listed_subjects"); n != int(s1.Int(t, "SELECT next FROM subject_state"))-1 {
		t.Errorf("%d subjects, next number %d", n, s1.Int(t, "SELECT next FROM subject_state"))
	}
}
