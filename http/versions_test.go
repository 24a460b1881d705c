package http

import (
	"context"
	"errors"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists/load"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/sqlite"
)

// TestRollbackRoute (issue 18, item 2): POST /v1/lists/{list}/rollback
// withdraws the current version with who and why, serves the earlier
// content at once, and needs the admin role.
func TestRollbackRoute(t *testing.T) {
	var st *sqlite.Store
	var s *Server
	s, st = newTestServer(t, Options{Rebuild: func(context.Context) (*Snapshot, error) { return snapshotOf(t, st), nil }})
	h := s.Handler()
	ctx := context.Background()
	_, admin, err := st.CreateKey(ctx, "ops-alice", "admin")
	if err != nil {
		t.Fatal(err)
	}
	_, screener, _ := st.CreateKey(ctx, "screening-app", "screen")
	auth := func(k string) []string { return []string{"Authorization", "Bearer " + k} }

	if res, _ := do(t, h, "POST", "/v1/lists/un/rollback", `{"reason":"bad file"}`, auth(screener)...); res.StatusCode != 403 {
		t.Errorf("screen role: %d", res.StatusCode)
	}
	if res, body := do(t, h, "POST", "/v1/lists/un/rollback", `{}`, auth(admin)...); res.StatusCode != 400 || !strings.Contains(body, "reason") {
		t.Errorf("no reason: %d %s", res.StatusCode, body)
	}
	if res, _ := do(t, h, "POST", "/v1/lists/nolist/rollback", `{"reason":"x"}`, auth(admin)...); res.StatusCode != 404 {
		t.Errorf("unknown list: %d", res.StatusCode)
	}
	// Ivan Petrov came with version 2; rolled back, he is not served.
	if _, body := do(t, h, "POST", "/v1/screen", `{"name":"Ivan Petrov"}`, auth(screener)...); !strings.Contains(body, "un:TEST.9") {
		t.Fatalf("before the rollback: %s", body)
	}
	res, body := do(t, h, "POST", "/v1/lists/un/rollback", `{"reason":"bad file"}`, auth(admin)...)
	if res.StatusCode != 200 {
		t.Fatalf("rollback: %d %s", res.StatusCode, body)
	}
	rb := decode[RollbackResponse](t, body)
	if rb.Outcome != vigil.OutcomeRolledBack || rb.Version.Version != 3 || rb.Version.Restores != 1 || rb.Withdrawn == nil ||
		rb.Withdrawn.Version != 2 || !strings.HasPrefix(rb.Withdrawn.Withdrawn.By, "ops-alice (key ") ||
		rb.Withdrawn.Withdrawn.Reason != "bad file" || rb.Refresh == nil || rb.Refresh.Error != "" {
		t.Fatalf("rollback = %s", body)
	}
	if vs := s.Snapshot().Versions; len(vs) != 1 || vs[0].Version != 3 {
		t.Errorf("served after the rollback: %+v", vs)
	}
	if _, body := do(t, h, "POST", "/v1/screen", `{"name":"Ivan Petrov"}`, auth(screener)...); strings.Contains(body, "un:TEST.9") {
		t.Errorf("after the rollback: %s", body)
	}
	// Back to the withdrawn version: refused unless forced.
	if res, body := do(t, h, "POST", "/v1/lists/un/rollback", `{"reason":"x","version":2}`, auth(admin)...); res.StatusCode != 409 || !strings.Contains(body, "withdrawn") {
		t.Errorf("to a withdrawn version: %d %s", res.StatusCode, body)
	}
	if res, body := do(t, h, "POST", "/v1/lists/un/rollback", `{"reason":"x","version":2,"force":true}`, auth(admin)...); res.StatusCode != 200 {
		t.Errorf("forced: %d %s", res.StatusCode, body)
	}
}

// TestListsShowDatesWarningsProblems (issue 18/21, items 5-7): /v1/lists
// and the console give in-force, published and imported times apart, the
// warnings of each version, and problems keyed by list, refusals apart.
func TestListsShowDatesWarningsProblems(t *testing.T) {
	var st *sqlite.Store
	var s *Server
	s, st = newTestServer(t, Options{Reload: func(context.Context) (*Snapshot, error) {
		snap := snapshotOf(t, st)
		snap.Problems = []Problem{
			{List: "ofac_sdn", Path: "lists/ofac/sdn_partial", Kind: ProblemRefused, Message: "OFAC CSV set is incomplete: sdn.csv is missing"},
			{Path: "lists/notes.bin", Kind: ProblemError, Message: "lists/notes.bin: not a list format Vigil reads"},
		}
		return snap, nil
	}})
	ctx := context.Background()
	v := vigil.ListVersion{List: "eu", Source: "eu", Format: "eu_fsf_xml", Hash: "eu1", Published: time.Now().Add(-50 * 24 * time.Hour),
		PublishedGiven: true, Warnings: []string{"sdn.csv came without alt.csv: aliases are missing"}}
	if _, err := st.Import(ctx, v, []vigil.Entity{{ID: "eu:1", Source: "eu", Names: []vigil.Name{{Full: "Someone"}}}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	_, body := do(t, s.Handler(), "GET", "/v1/lists", "")
	ls := decode[ListsResponse](t, body)
	var eu, ofac *ListStatus
	for i := range ls.Lists {
		switch ls.Lists[i].List {
		case "eu":
			eu = &ls.Lists[i]
		case "ofac_sdn":
			ofac = &ls.Lists[i]
		}
	}
	if eu == nil || eu.PublishedAgeSeconds == nil || *eu.PublishedAgeSeconds < 49*86400 || eu.ImportedAgeSeconds > 60 ||
		eu.AgeSeconds < 49*86400 || !eu.PublishedGiven || len(eu.Warnings) != 1 || eu.InForceFrom.IsZero() {
		t.Errorf("eu status = %+v", eu)
	}
	if ofac == nil || ofac.Version != 0 || len(ofac.Problems) != 1 || ofac.Problems[0].Kind != "refused" {
		t.Errorf("ofac_sdn status = %+v", ofac)
	}
	if len(ls.Problems) != 1 || ls.Problems[0].Path != "lists/notes.bin" || len(ls.Lists) != 3 {
		t.Errorf("lists %d, unkeyed problems %+v", len(ls.Lists), ls.Problems)
	}
	res, page := do(t, s.Handler(), "GET", "/lists", "")
	for _, want := range []string{"In force from", "(given at import)", "50 days old", "1 warning", "sdn.csv came without alt.csv",
		"refused: OFAC CSV set is incomplete", "Files not read", "not a list format"} {
		if res.StatusCode != 200 || !strings.Contains(page, want) {
			t.Errorf("console lists page lacks %q", want)
		}
	}
	if strings.Contains(page, `class="bad">refused`) || strings.Contains(page, `<th scope="row">files</th>`) {
		t.Error("a refusal shown as an error, or a phantom list")
	}
}

// newAsOfServer serves the store's current versions with the real matcher
// and builds as-of indexes, counting the builds.
func newAsOfServer(t *testing.T, st *sqlite.Store, builds *atomic.Int32) *Server {
	t.Helper()
	s := New(Options{Store: st, Keys: st, MatchThreshold: match.DefaultThreshold,
		Reload: func(context.Context) (*Snapshot, error) { return realSnapshot(t, st), nil },
		BuildIndex: func(ctx context.Context, vs []vigil.ListVersion) (Index, error) {
			builds.Add(1)
			return buildIndex(ctx, st, vs)
		}})
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// buildIndex indexes the entities of the given versions.
func buildIndex(ctx context.Context, st vigil.Store, vs []vigil.ListVersion) (*match.Index, error) {
	var entries []match.Entry
	for _, v := range vs {
		es, err := st.Entities(ctx, v.List, v.Version)
		if err != nil {
			return nil, err
		}
		for i := range es {
			entries = append(entries, match.Entry{Entity: &es[i], Version: v.Label()})
		}
	}
	return match.NewIndex(entries), nil
}

// TestScreenAsOf (issue 21, item 9): as_of screens against the versions in
// force then and names them; the as-of indexes kept change no answer.
func TestScreenAsOf(t *testing.T) {
	ctx := context.Background()
	st := tempStore(t)
	es := testEntities()
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	imp := func(hash, published string, es []vigil.Entity) {
		if _, err := st.Import(ctx, vigil.ListVersion{List: "un", Source: "un", Hash: hash, Published: day(published)}, es); err != nil {
			t.Fatal(err)
		}
	}
	imp("h2", "2024-05-03", es)                    // un@1: all three
	imp("h1", "2021-07-07", []vigil.Entity{es[0]}) // un@2, historical: Soleimani only
	var builds atomic.Int32
	s := newAsOfServer(t, st, &builds)
	h := s.Handler()

	screen := func(body string) ScreenResponse {
		t.Helper()
		res, out := do(t, h, "POST", "/v1/screen", body)
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", body, res.StatusCode, out)
		}
		return decode[ScreenResponse](t, out)
	}
	a := screen(`{"name":"Ivan Petrov","as_of":"2022-01-01"}`)
	if len(a.Matches) != 0 || len(a.ListVersions) != 1 || a.ListVersions[0].Version != "un@2" || a.AsOf != "2022-01-01" || a.Lists[0] != "un@2" {
		t.Errorf("as of 2022: %+v", a)
	}
	b := screen(`{"name":"Ivan Petrov","as_of":"2024-06-01"}`)
	if len(b.Matches) != 1 || b.Matches[0].ListVersion != "un@1" || b.ListVersions[0].Version != "un@1" {
		t.Errorf("as of 2024: %+v", b)
	}
	if n := builds.Load(); n != 1 {
		t.Errorf("%d as-of builds, want 1 (2024-06-01 is the current set, served as is)", n)
	}
	// The kept index answers as a fresh one does, and is built once.
	fresh, err := buildIndex(ctx, st, []vigil.ListVersion{a.versions(t, st)})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		for _, name := range []string{"Qasem Soleimani", "Qasim Soleimany", "Ivan Petrov", "Example Trading"} {
			got := screen(`{"name":"` + name + `","as_of":"2022-01-01"}`).Matches
			want := nonNil(fresh.Screen(vigil.Query{Name: name}))
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s as of 2022: kept index %+v, fresh %+v", name, got, want)
			}
		}
	}
	if n := builds.Load(); n != 1 {
		t.Errorf("%d as-of builds after repeated queries, want 1", n)
	}
	// Batches take as_of too; bad dates are refused.
	res, out := do(t, h, "POST", "/v1/screen", `{"queries":[{"name":"Qasem Soleimani"}],"as_of":"2022-01-01"}`)
	if bb := decode[BatchResponse](t, out); res.StatusCode != 200 || bb.ListVersions[0].Version != "un@2" || len(bb.Results[0].Matches) == 0 {
		t.Errorf("batch as of: %d %s", res.StatusCode, out)
	}
	for body, code := range map[string]int{
		`{"name":"x","as_of":"yesterday"}`:  400,
		`{"name":"x","as_of":"2999-01-01"}`: 400,
		`{"name":"x","as_of":"2001-01-01"}`: 404,
	} {
		if res, out := do(t, h, "POST", "/v1/screen", body); res.StatusCode != code {
			t.Errorf("%s: %d %s, want %d", body, res.StatusCode, out, code)
		}
	}
}

// versions returns the store version an answer names (one list).
func (r ScreenResponse) versions(t *testing.T, st *sqlite.Store) vigil.ListVersion {
	t.Helper()
	list, n, _ := strings.Cut(r.ListVersions[0].Version, "@")
	vs, err := st.Versions(context.Background(), list)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(vs, func(v vigil.ListVersion) bool { return v.Label() == list+"@"+n })
	return vs[i]
}

// TestAsOfIndexesLRU: the cache keeps the last few sets, most recently used
// first, builds a set once for concurrent requests, and keeps no failed
// build.
func TestAsOfIndexesLRU(t *testing.T) {
	c := &asOfIndexes{max: 2}
	ctx := context.Background()
	var builds sync.Map
	build := func(key string) func(context.Context) (Index, error) {
		return func(context.Context) (Index, error) {
			n, _ := builds.LoadOrStore(key, new(atomic.Int32))
			n.(*atomic.Int32).Add(1)
			time.Sleep(20 * time.Millisecond)
			if key == "bad" {
				return nil, errors.New("no")
			}
			return &testIndex{label: key}, nil
		}
	}
	count := func(key string) int32 {
		n, ok := builds.Load(key)
		if !ok {
			return 0
		}
		return n.(*atomic.Int32).Load()
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if ix, err := c.get(ctx, "a", build("a")); err != nil || ix.(*testIndex).label != "a" {
				t.Errorf("a: %v %v", ix, err)
			}
		})
	}
	wg.Wait()
	c.get(ctx, "b", build("b"))
	c.get(ctx, "a", build("a")) // a is now the most recent
	c.get(ctx, "c", build("c")) // evicts b
	c.get(ctx, "a", build("a"))
	c.get(ctx, "b", build("b"))
	if count("a") != 1 || count("b") != 2 || count("c") != 1 {
		t.Errorf("builds a=%d b=%d c=%d, want 1, 2, 1", count("a"), count("b"), count("c"))
	}
	if _, err := c.get(ctx, "bad", build("bad")); err == nil {
		t.Error("failed build returned no error")
	}
	c.get(ctx, "bad", build("bad"))
	if count("bad") != 2 || len(c.entries) != 2 {
		t.Errorf("failed builds %d (want 2: not kept), entries %d", count("bad"), len(c.entries))
	}
}

// TestRealAsOfPutin screens the real OFAC snapshots through the API.
func TestRealAsOfPutin(t *testing.T) {
	ctx := context.Background()
	st := tempStore(t)
	for _, c := range []struct{ dir, date string }{{"ofac/sdn_2024-05-03", "2024-05-03"}, {"ofac/sdn_2021-07-07", "2021-07-07"}} {
		pub, _ := time.Parse(time.DateOnly, c.date)
		if r := load.ImportPaths(ctx, st, []string{shared.Lists(t, c.dir)}, load.Options{Published: pub}); len(r) != 1 || r[0].Err != nil {
			t.Fatalf("%s: %+v", c.dir, r)
		}
	}
	var builds atomic.Int32
	s := newAsOfServer(t, st, &builds)
	for asOf, want := range map[string]bool{"2022-01-01": false, "2024-06-01": true} {
		_, out := do(t, s.Handler(), "POST", "/v1/screen", `{"name":"Vladimir Putin","as_of":"`+asOf+`"}`)
		r := decode[ScreenResponse](t, out)
		got := slices.ContainsFunc(r.Matches, func(m vigil.Match) bool { return m.EntityID == "ofac:35096" })
		if got != want || len(r.ListVersions) != 1 {
			t.Errorf("as of %s: Putin found %v, want %v (%v)", asOf, got, want, r.ListVersions)
		}
	}
}

// BenchmarkScreenAsOf measures one as_of query against a set of versions
// not kept (the index is built: "build") and kept ("kept"), over the OFAC
// 2021 SDN, the 2022 US CSL and the UK 2018 list in force on 2023-01-01.
func BenchmarkScreenAsOf(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(b.TempDir() + "/v.db")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	for _, c := range []struct{ path, date string }{
		{"ofac/sdn_2021-07-07", "2021-07-07"}, {"ofac/sdn_2024-05-03", "2024-05-03"},
		{"us_csl/consolidated.csv.gz", "2022-05-01"}, {"uk", ""},
	} {
		var pub time.Time
		if c.date != "" {
			pub, _ = time.Parse(time.DateOnly, c.date)
		}
		for _, r := range load.ImportPaths(ctx, st, []string{shared.Lists(b, c.path)}, load.Options{Published: pub}) {
			if r.Failed() {
				b.Fatal(r.Err)
			}
		}
	}
	body := `{"name":"Qasem Soleimani","dob":"1957-03-11","as_of":"2023-01-01"}`
	newServer := func() *Server {
		s := New(Options{Store: st, Keys: st, RateLimit: -1, MatchThreshold: match.DefaultThreshold,
			Reload: func(context.Context) (*Snapshot, error) { return &Snapshot{Index: &testIndex{}}, nil },
			BuildIndex: func(ctx context.Context, vs []vigil.ListVersion) (Index, error) {
				return buildIndex(ctx, st, vs)
			}})
		if err := s.Refresh(ctx); err != nil {
			b.Fatal(err)
		}
		return s
	}
	b.Run("build", func(b *testing.B) {
		var kept uint64
		for b.Loop() {
			b.StopTimer()
			s := newServer()
			var m0, m1 runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&m0)
			b.StartTimer()
			if res, out := do(b, s.Handler(), "POST", "/v1/screen", body); res.StatusCode != 200 || !strings.Contains(out, "ofac:10481") {
				b.Fatalf("%d %s", res.StatusCode, out)
			}
			b.StopTimer()
			runtime.GC()
			runtime.ReadMemStats(&m1)
			kept = m1.HeapAlloc - m0.HeapAlloc // the index the server keeps
			runtime.KeepAlive(s)
			b.StartTimer()
		}
		b.ReportMetric(float64(kept)/(1<<20), "kept-MB")
	})
	b.Run("kept", func(b *testing.B) {
		s := newServer()
		do(b, s.Handler(), "POST", "/v1/screen", body)
		for b.Loop() {
			if res, out := do(b, s.Handler(), "POST", "/v1/screen", body); res.StatusCode != 200 || !strings.Contains(out, "ofac:10481") {
				b.Fatalf("%d %s", res.StatusCode, out)
			}
		}
	})
}
