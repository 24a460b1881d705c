package http

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/sqlite"
)

func TestScreenSingle(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	res, body := do(t, s.Handler(), "POST", "/v1/screen", `{"name":"Qasem Soleimani","kind":"individual"}`)
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	got := decode[ScreenResponse](t, body)
	if got.Query.Kind != vigil.KindPerson {
		t.Errorf("kind not normalised: %q", got.Query.Kind)
	}
	if len(got.Matches) != 1 || got.Matches[0].EntityID != "un:IRi.039" || got.Matches[0].Score != 1 {
		t.Fatalf("matches = %+v", got.Matches)
	}
	if len(got.Lists) != 1 || got.Lists[0] != "un@2" {
		t.Errorf("lists = %v", got.Lists)
	}
}

// TestScreenEchoesWhatWasUsed: the query a response echoes is the one
// screened, each value as the matcher used it ("Iran" as IR, "m" as male);
// a value stating no gender ("unknown") is not echoed as if used.
func TestScreenEchoesWhatWasUsed(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	res, body := do(t, s.Handler(), "POST", "/v1/screen", `{"name":"Qasem Soleimani","dob":"1957-03-11","nationality":"Iran","gender":"m"}`)
	if got := decode[ScreenResponse](t, body); res.StatusCode != 200 || got.Query.Nationality != "IR" || got.Query.Gender != "male" || got.Query.DOB != "1957-03-11" {
		t.Errorf("%d %s", res.StatusCode, body)
	}
	res, body = do(t, s.Handler(), "POST", "/v1/screen", `{"queries":[{"name":"Ivan Petrov","nationality":"uk","gender":"unknown"}]}`)
	if got := decode[BatchResponse](t, body); res.StatusCode != 200 || got.Results[0].Query.Nationality != "GB" || got.Results[0].Query.Gender != "" {
		t.Errorf("%d %s", res.StatusCode, body)
	}
}

func TestScreenBatch(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	var qs []string
	for i := range 20 {
		name := "Nobody Known"
		if i%2 == 0 {
			name = "Ivan Petrov"
		}
		qs = append(qs, fmt.Sprintf(`{"name":%q}`, name))
	}
	res, body := do(t, s.Handler(), "POST", "/v1/screen", `{"queries":[`+strings.Join(qs, ",")+`]}`)
	if res.StatusCode != 200 {
		t.Fatalf("status %d: %s", res.StatusCode, body)
	}
	got := decode[BatchResponse](t, body)
	if len(got.Results) != 20 {
		t.Fatalf("%d results", len(got.Results))
	}
	for i, r := range got.Results {
		want := 0
		if i%2 == 0 {
			want = 1
		}
		if len(r.Matches) != want || r.Matches == nil {
			t.Errorf("result %d (%s): %d matches, want %d", i, r.Query.Name, len(r.Matches), want)
		}
	}
}

func TestBadInput(t *testing.T) {
	s, _ := newTestServer(t, Options{MaxBodyBytes: 4096})
	big := `{"name":"` + strings.Repeat("a", 5000) + `"}`
	many := `{"queries":[` + strings.TrimSuffix(strings.Repeat(`{"name":"x"},`, 1001), ",") + `]}`
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		msg                      string
	}{
		{"malformed", "POST", "/v1/screen", `{"name": "x"`, 400, "malformed JSON"},
		{"syntax", "POST", "/v1/screen", `{"name" "x"}`, 400, "malformed JSON at byte"},
		{"unknown field", "POST", "/v1/screen", `{"name":"x","nmae":"y"}`, 400, `unknown field "nmae"`},
		{"empty body", "POST", "/v1/screen", ``, 400, "body is empty"},
		{"wrong type", "POST", "/v1/screen", `{"name":42}`, 400, `field "name" must be a string`},
		{"array body", "POST", "/v1/screen", `[1,2]`, 400, "must be a JSON object"},
		{"trailing", "POST", "/v1/screen", `{"name":"x"} {"name":"y"}`, 400, "more than one JSON value"},
		{"no name", "POST", "/v1/screen", `{"dob":"1957"}`, 400, `"name" is required`},
		{"bad dob", "POST", "/v1/screen", `{"name":"x","dob":"11/03/1957"}`, 400, `"dob" must be`},
		{"bad kind", "POST", "/v1/screen", `{"name":"x","kind":"robot"}`, 400, `"kind" must be`},
		// Values the matcher could not use are refused, not ignored.
		{"impossible dob", "POST", "/v1/screen", `{"name":"x","dob":"1957-02-30"}`, 400, `field "dob": "1957-02-30" is not a date (February 1957 has 28 days)`},
		{"future dob", "POST", "/v1/screen", `{"name":"x","dob":"2099-01"}`, 400, `field "dob": "2099-01" is in the future`},
		{"bad nationality", "POST", "/v1/screen", `{"name":"x","nationality":"Narnia"}`, 400, `field "nationality": "Narnia" is not a country`},
		{"bad code", "POST", "/v1/screen", `{"name":"x","nationality":"ZZ"}`, 400, `field "nationality": "ZZ"`},
		{"bad gender", "POST", "/v1/screen", `{"name":"x","gender":"q"}`, 400, `field "gender": "q" is not male or female`},
		{"all named", "POST", "/v1/screen", `{"name":"x","gender":"q","nationality":"Narnia"}`, 400, `field "nationality": "Narnia" is not a country (want an ISO code such as IR or IRN, a country name or a nationality); field "gender"`},
		{"nothing to screen", "POST", "/v1/screen", `{"name":"-- ."}`, 400, `field "name": "-- ." has no letter or digit`},
		{"bad value in batch", "POST", "/v1/screen", `{"queries":[{"name":"a"},{"name":"b","dob":"1957-13-01"}]}`, 400, `queries[1]: field "dob": "1957-13-01" is not a date`},
		{"bad threshold", "POST", "/v1/screen", `{"name":"x","threshold":2}`, 400, `"threshold"`},
		{"both", "POST", "/v1/screen", `{"name":"x","queries":[{"name":"y"}]}`, 400, "not both"},
		{"empty batch", "POST", "/v1/screen", `{"queries":[]}`, 400, "empty"},
		{"bad in batch", "POST", "/v1/screen", `{"queries":[{"name":"a"},{"name":""}]}`, 400, "queries[1]"},
		{"too large", "POST", "/v1/screen", big, 413, "larger than the limit"},
		{"too many", "POST", "/v1/screen", many, 413, "larger than the limit"},
		{"not json", "POST", "/v1/screen", `name=x`, 415, "Content-Type"}, // sent as a form below
		{"method", "GET", "/v1/screen", ``, 405, "not allowed"},
		{"no route", "GET", "/v2/nothing", ``, 404, "no such route"},
		{"no entity", "GET", "/v1/entities/un:NOPE", ``, 404, "no listed entity"},
		{"no list", "GET", "/v1/lists/xx/versions", ``, 404, `no list "xx"`},
		{"bad diff", "GET", "/v1/lists/un/diff?from=abc", ``, 400, `"from" must be a version number`},
		{"missing version", "GET", "/v1/lists/un/diff?from=7", ``, 404, "no version 7"},
		{"mrz unconfigured", "POST", "/v1/mrz", `{"mrz":"P<X"}`, 501, "not available"},
		{"yente no queries", "POST", "/match/default", `{"queries":{}}`, 400, "at least one"},
		{"yente bad schema", "POST", "/match/default", `{"queries":{"a":{"schema":"Cat","properties":{"name":["x"]}}}}`, 400, `schema "Cat"`},
		{"yente no name", "POST", "/match/default", `{"queries":{"a":{"schema":"Person","properties":{}}}}`, 400, "no name"},
		{"yente dataset", "POST", "/match/nope", `{"queries":{"a":{"schema":"Person","properties":{"name":"x"}}}}`, 404, `dataset "nope"`},
		{"yente limit", "POST", "/match/default?limit=x", `{"queries":{"a":{"schema":"Person","properties":{"name":"x"}}}}`, 400, `"limit"`},
		{"yente prop type", "POST", "/match/default", `{"queries":{"a":{"schema":"Person","properties":{"name":{"x":1}}}}}`, 400, "properties"},
		// Properties the matcher could not use are refused, naming the
		// query and property, not dropped.
		{"yente dob form", "POST", "/match/default", `{"queries":{"a":{"schema":"Person","properties":{"name":"x","birthDate":"11.03.1957"}}}}`, 400, `query "a": property "birthDate": "11.03.1957" is not a date`},
		{"yente dob day", "POST", "/match/default", `{"queries":{"a":{"schema":"Person","properties":{"name":"x","birthDate":["1957","1957-02-30T00:00:00"]}}}}`, 400, `property "birthDate": "1957-02-30T00:00:00" is not a date (February 1957 has 28 days)`},
		{"yente country", "POST", "/match/default", `{"queries":{"a":{"schema":"Person","properties":{"name":"x","nationality":"IR","citizenship":"Narnia"}}}}`, 400, `property "citizenship": "Narnia" is not a country`},
		{"yente gender", "POST", "/match/default", `{"queries":{"a":{"schema":"Person","properties":{"name":"x","gender":"q"}}}}`, 400, `property "gender": "q" is not male or female`},
		{"yente name", "POST", "/match/default", `{"queries":{"a":{"schema":"Person","properties":{"name":["x","--"]}}}}`, 400, `property "name": "--" has no letter or digit`},
		{"yente combinations", "POST", "/match/default", `{"queries":{"a":{"schema":"Person","properties":{"name":"x","birthDate":["1957","1958"],"nationality":["IR","IQ"],"passportNumber":["1","2","3"]}}}}`, 400, "12 combinations"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if tc.name == "too many" {
				s2, _ := newTestServer(t, Options{})
				res, got := do(t, s2.Handler(), tc.method, tc.path, body)
				if res.StatusCode != 413 || !strings.Contains(got, "at most 1000") {
					t.Fatalf("status %d: %s", res.StatusCode, got)
				}
				return
			}
			var hdr []string
			if tc.name == "not json" {
				hdr = []string{"Content-Type", "application/x-www-form-urlencoded"}
			}
			res, got := do(t, s.Handler(), tc.method, tc.path, body, hdr...)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, got)
			}
			e := decode[ErrorResponse](t, got)
			if e.Status != tc.status || !strings.Contains(e.Error, tc.msg) {
				t.Errorf("error = %+v, want it to mention %q", e, tc.msg)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestNotReady(t *testing.T) {
	s := New(Options{Store: tempStore(t), NoAuth: true})
	if res, _ := do(t, s.Handler(), "GET", "/readyz", ""); res.StatusCode != 503 {
		t.Errorf("readyz before load: %d", res.StatusCode)
	}
	if res, _ := do(t, s.Handler(), "GET", "/healthz", ""); res.StatusCode != 200 {
		t.Errorf("healthz: %d", res.StatusCode)
	}
	res, body := do(t, s.Handler(), "POST", "/v1/screen", `{"name":"x"}`)
	if res.StatusCode != 503 || !strings.Contains(body, "loading") {
		t.Errorf("screen before load: %d %s", res.StatusCode, body)
	}
}

func TestEntityRoute(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	res, body := do(t, s.Handler(), "GET", "/v1/entities/un:IRi.039", "")
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	got := decode[EntityResponse](t, body)
	if got.Entity.ID != "un:IRi.039" || len(got.Entity.Names) != 3 || got.ListVersion != "un@2" {
		t.Fatalf("entity = %+v", got)
	}
	// Version 1 listed it; version 2 changed the programmes, old and new
	// values given.
	if len(got.History) != 1 || got.History[0].List != "un" || !got.History[0].Listed {
		t.Fatalf("history = %+v", got.History)
	}
	ev := got.History[0].Events
	if len(ev) != 2 || ev[0].Version != "un@1" || ev[0].Change != "listed" || ev[1].Change != "changed" ||
		len(ev[1].Changes) != 1 || ev[1].Changes[0].Field != "programs" || ev[1].Changes[0].Old != nil || string(ev[1].Changes[0].New) != `["IRAN"]` {
		t.Errorf("events = %+v", ev)
	}
	_, body = do(t, s.Handler(), "GET", "/v1/entities/un:TEST.9", "")
	if h := decode[EntityResponse](t, body).History; len(h) != 1 || len(h[0].Events) != 1 || h[0].Events[0].Version != "un@2" || h[0].Events[0].Change != "listed" {
		t.Errorf("history of an entity added in v2 = %+v", h)
	}
	// The history route answers for the id, and 404 for one never listed.
	res, body = do(t, s.Handler(), "GET", "/v1/entities/un:TEST.9/history", "")
	if h := decode[vigil.EntityHistory](t, body); res.StatusCode != 200 || h.ID != "un:TEST.9" || len(h.Lists) != 1 || h.Entity == nil {
		t.Errorf("history route: %d %s", res.StatusCode, body)
	}
	if res, _ := do(t, s.Handler(), "GET", "/v1/entities/un:NOBODY/history", ""); res.StatusCode != 404 {
		t.Errorf("history of an unknown id: %d", res.StatusCode)
	}
}

func TestListRoutes(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	_, body := do(t, s.Handler(), "GET", "/v1/lists", "")
	ls := decode[ListsResponse](t, body)
	if len(ls.Lists) != 1 || ls.Lists[0].List != "un" || ls.Lists[0].Version != 2 || ls.Lists[0].Entities != 3 {
		t.Fatalf("lists = %+v", ls)
	}
	if a := ls.Lists[0].AgeSeconds; a < 35*3600 || a > 37*3600 {
		t.Errorf("age = %v s, want about 36 h", a)
	}
	_, body = do(t, s.Handler(), "GET", "/v1/lists/un/versions", "")
	vs := decode[VersionsResponse](t, body)
	if len(vs.Versions) != 2 || vs.Versions[0].Version != 1 || vs.Versions[1].Added != 1 {
		t.Errorf("versions = %+v", vs)
	}
	_, body = do(t, s.Handler(), "GET", "/v1/lists/un/diff", "")
	d := decode[vigil.Diff](t, body)
	if d.From != 1 || d.To != 2 || len(d.Added) != 1 || d.Added[0] != "un:TEST.9" || len(d.Changed) != 1 {
		t.Errorf("default diff = %+v", d)
	}
	_, body = do(t, s.Handler(), "GET", "/v1/lists/un/diff?from=2&to=1", "")
	if d := decode[vigil.Diff](t, body); len(d.Removed) != 1 || d.Removed[0] != "un:TEST.9" {
		t.Errorf("reverse diff = %+v", d)
	}
}

func TestYenteMatch(t *testing.T) {
	s, _ := newTestServer(t, Options{MatchThreshold: 0.9})
	body := `{"weights":{"name_literal":0.5},"queries":{
		"q1":{"schema":"Person","properties":{"name":["Soleimani"],"birthDate":["1957-03-11"]}},
		"q2":{"schema":"Person","properties":{"firstName":"Ivan","lastName":"Petrov"}},
		"q3":{"schema":"Company","properties":{"name":"Nothing Such Ltd"}}}}`
	res, out := do(t, s.Handler(), "POST", "/match/default?limit=3", body)
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, out)
	}
	got := decode[YenteMatchResponse](t, out)
	if got.Limit != 3 || len(got.Responses) != 3 {
		t.Fatalf("response = %+v", got)
	}
	r1 := got.Responses["q1"]
	if r1.Status != 200 || len(r1.Results) != 1 || r1.Total.Value != 1 || r1.Query.Schema != "Person" {
		t.Fatalf("q1 = %+v", r1)
	}
	x := r1.Results[0]
	if x.ID != "un:IRi.039" || x.Caption != "Qasem Soleimani" || x.Schema != "Person" || x.Score != 0.8 || x.Match {
		t.Errorf("q1 result = %+v (0.8 is under the 0.9 threshold: match must be false)", x)
	}
	if !strings.Contains(strings.Join(x.Properties["alias"], "|"), "قاسم سلیمانی") || x.Properties["birthDate"][0] != "1957-03-11" ||
		x.Datasets[0] != "un" || x.Features["name"] != 0.8 || x.Explanations["name"].Detail == "" {
		t.Errorf("q1 properties/features = %+v", x)
	}
	if r2 := got.Responses["q2"]; len(r2.Results) != 1 || !r2.Results[0].Match || r2.Results[0].Score != 1 {
		t.Errorf("q2 = %+v", r2)
	}
	if r3 := got.Responses["q3"]; len(r3.Results) != 0 || r3.Results == nil {
		t.Errorf("q3 = %+v", r3)
	}
	// A dataset that is not served is refused; exclude_dataset drops results.
	_, out = do(t, s.Handler(), "POST", "/match/default?exclude_dataset=un", body)
	if r := decode[YenteMatchResponse](t, out).Responses["q1"]; len(r.Results) != 0 {
		t.Errorf("exclude_dataset=un kept %+v", r.Results)
	}
	if res, _ := do(t, s.Handler(), "POST", "/match/un", body); res.StatusCode != 200 {
		t.Errorf("/match/un: %d", res.StatusCode)
	}
}

// TestYenteMatchWeighsEveryValue: each date of birth and nationality of a
// /match query is weighed (a dual national is screened with each
// nationality), with the real matcher: the score is the one the agreeing
// value gives alone, whatever the order of the values.
func TestYenteMatchWeighsEveryValue(t *testing.T) {
	s, _ := newTestServer(t, Options{MatchThreshold: 0.7})
	es := testEntities()
	entries := make([]match.Entry, len(es))
	for i := range es {
		entries[i] = match.Entry{Entity: &es[i], Version: "un@2"}
	}
	s.Swap(&Snapshot{Index: match.NewIndex(entries), Versions: []vigil.ListVersion{{List: "un", Source: "un", Version: 2}}})
	score := func(props string) float64 {
		t.Helper()
		res, out := do(t, s.Handler(), "POST", "/match/default", `{"queries":{"q":{"schema":"Person","properties":{"name":["Qasem Soleimani"],`+props+`}}}}`)
		r := decode[YenteMatchResponse](t, out).Responses["q"]
		if res.StatusCode != 200 || len(r.Results) == 0 || r.Results[0].ID != "un:IRi.039" {
			t.Fatalf("%s: %d %s", props, res.StatusCode, out)
		}
		return r.Results[0].Score
	}
	alone := score(`"birthDate":"1957-03-11","nationality":"IR"`)
	for _, props := range []string{
		`"birthDate":["1961-01-01","1957-03-11"],"nationality":["IQ","IR"]`,
		`"birthDate":["1957-03-11","1961-01-01"],"citizenship":["IR"],"nationality":"IQ"`,
	} {
		if got := score(props); got != alone {
			t.Errorf("%s: score %v, want %v as with the agreeing values alone", props, got, alone)
		}
	}
	if wrong := score(`"birthDate":"1961-01-01","nationality":"IQ"`); wrong >= alone {
		t.Errorf("the disagreeing values alone score %v, not below %v: the test shows nothing", wrong, alone)
	}
}

func TestRefreshKeepsLastGood(t *testing.T) {
	var fail atomic.Bool
	var st *sqlite.Store
	var s *Server
	s, st = newTestServer(t, Options{Reload: func(ctx context.Context) (*Snapshot, error) {
		if fail.Load() {
			return nil, errors.New("download of un failed: connection refused")
		}
		snap := snapshotOf(t, st)
		snap.Problems = []Problem{{List: "eu", Path: "eu/new.xml", Kind: ProblemError, Message: "the new file holds 12 entities, 98% fewer than the last: kept version 3"}}
		return snap, nil
	}})
	before := s.Snapshot()
	fail.Store(true)
	if err := s.Refresh(context.Background()); err == nil {
		t.Fatal("refresh should fail")
	}
	if s.Snapshot() != before {
		t.Fatal("a failed refresh replaced the snapshot")
	}
	_, body := do(t, s.Handler(), "GET", "/v1/lists", "")
	ls := decode[ListsResponse](t, body)
	if ls.Refresh == nil || !strings.Contains(ls.Refresh.Error, "connection refused") || len(ls.Lists) != 1 {
		t.Errorf("lists after a failed refresh = %+v", ls)
	}
	fail.Store(false)
	res, body := do(t, s.Handler(), "POST", "/v1/lists/refresh?wait=true", "")
	if res.StatusCode != 200 || s.Snapshot() == before {
		t.Fatalf("refresh: %d %s", res.StatusCode, body)
	}
	_, body = do(t, s.Handler(), "GET", "/v1/lists", "")
	ls = decode[ListsResponse](t, body)
	if len(ls.Lists) != 2 || ls.Lists[0].List != "eu" || len(ls.Lists[0].Problems) != 1 ||
		!strings.Contains(ls.Lists[0].Problems[0].Message, "kept version 3") || ls.Refresh.Error != "" {
		t.Errorf("lists after a refresh with a problem = %+v", ls)
	}
}

// TestRefreshUnderLoad swaps the index over and over while clients screen:
// no request may fail and every answer must come from one whole snapshot.
func TestRefreshUnderLoad(t *testing.T) {
	s, st := newTestServer(t, Options{RateLimit: -1})
	h := s.Handler()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var failures, requests atomic.Int64
	for range 16 {
		wg.Go(func() {
			for ctx.Err() == nil {
				res, body := do(t, h, "POST", "/v1/screen", `{"queries":[{"name":"Qasem Soleimani"},{"name":"Ivan Petrov"}]}`)
				requests.Add(1)
				if res.StatusCode != 200 {
					failures.Add(1)
					continue
				}
				got := decode[BatchResponse](t, body)
				// Both lists must be served at the same version.
				if len(got.Results[0].Matches) != 1 || len(got.Results[1].Matches) != 1 ||
					got.Results[0].Matches[0].ListVersion != got.Lists[0] {
					failures.Add(1)
				}
			}
		})
	}
	// Swap only while clients are running, and let requests complete between
	// swaps, so the swaps really happen under load.
	waitRequests := func(n int64) {
		for deadline := time.Now().Add(10 * time.Second); requests.Load() < n && time.Now().Before(deadline); {
			time.Sleep(100 * time.Microsecond)
		}
	}
	waitRequests(16)
	for i := range 50 {
		waitRequests(requests.Load() + 1)
		es := testEntities()
		es[0].Remarks = fmt.Sprint("revision ", i)
		if _, err := st.Import(ctx, vigil.ListVersion{List: "un", Source: "un", Hash: fmt.Sprint(i)}, es); err != nil {
			t.Fatal(err)
		}
		if err := s.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	wg.Wait()
	if failures.Load() != 0 || requests.Load() == 0 {
		t.Fatalf("%d of %d requests failed during the swaps", failures.Load(), requests.Load())
	}
	if got := s.Snapshot().Versions[0].Version; got != 52 {
		t.Errorf("serving un@%d, want un@52", got)
	}
}

func TestMetrics(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	do(t, s.Handler(), "POST", "/v1/screen", `{"name":"Ivan Petrov"}`)
	res, body := do(t, s.Handler(), "GET", "/metrics", "")
	if res.StatusCode != 200 {
		t.Fatalf("%d", res.StatusCode)
	}
	for _, want := range []string{
		`vigil_http_request_duration_seconds_bucket{code="200",method="POST",route="/v1/screen"`,
		`vigil_screen_queries_total{path="screen"} 1`,
		`vigil_matches_total{path="screen"} 1`,
		`vigil_list_entities{list="un"} 3`,
		`vigil_list_age_seconds{list="un"}`,
		`vigil_list_version{list="un"} 2`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// testManifest reads lines "NAME|DOB" as a stand-in manifest format.
func testManifest(r io.Reader) ([]Traveller, error) {
	b, _ := io.ReadAll(r)
	var out []Traveller
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		name, dob, ok := strings.Cut(line, "|")
		if !ok {
			return nil, fmt.Errorf("line %d: no |", i+1)
		}
		out = append(out, Traveller{Label: name, Query: vigil.Query{Name: name, DOB: dob}})
	}
	return out, nil
}

func testMRZ(lines ...string) (Traveller, any, error) {
	if len(lines) != 2 {
		return Traveller{}, nil, errors.New("a passport MRZ has 2 lines")
	}
	return Traveller{Label: "Ivan Petrov", Query: vigil.Query{Name: "Ivan Petrov", DOB: "1970-01-01"}}, map[string]string{"type": "P"}, nil
}

func TestTextManifestMRZ(t *testing.T) {
	s, _ := newTestServer(t, Options{ScanText: testScanText, ParseManifest: testManifest, ParseMRZ: testMRZ})
	h := s.Handler()
	res, body := do(t, h, "POST", "/v1/text", `{"text":"Yesterday Ivan Petrov met a friend."}`)
	if tr := decode[TextResponse](t, body); res.StatusCode != 200 || len(tr.Mentions) != 1 || tr.Mentions[0].Start != 10 ||
		tr.Mentions[0].Matches[0].EntityID != "un:TEST.9" {
		t.Errorf("text: %d %s", res.StatusCode, body)
	}
	res, body = do(t, h, "POST", "/v1/text", "Ivan Petrov", "Content-Type", "text/plain")
	if res.StatusCode != 200 || len(decode[TextResponse](t, body).Mentions) != 1 {
		t.Errorf("plain text: %d %s", res.StatusCode, body)
	}
	if res, body = do(t, h, "POST", "/v1/text", `{"txt":"x"}`); res.StatusCode != 400 || !strings.Contains(body, `unknown field`) {
		t.Errorf("text unknown field: %d %s", res.StatusCode, body)
	}
	res, body = do(t, h, "POST", "/v1/manifest", "JANE DOE|1980\nIVAN PETROV|1970", "Content-Type", "text/plain")
	mr := decode[ManifestResponse](t, body)
	if res.StatusCode != 200 || len(mr.Travellers) != 2 || mr.Hits != 1 || mr.Travellers[1].Matches[0].EntityID != "un:TEST.9" {
		t.Errorf("manifest: %d %s", res.StatusCode, body)
	}
	if res, body = do(t, h, "POST", "/v1/manifest", "garbage", "Content-Type", "text/plain"); res.StatusCode != 400 || !strings.Contains(body, "line 1") {
		t.Errorf("bad manifest: %d %s", res.StatusCode, body)
	}
	res, body = do(t, h, "POST", "/v1/mrz", `{"mrz":"P<UTOPETROV<<IVAN\nL898902C36UTO7001013M"}`)
	if m := decode[MRZResponse](t, body); res.StatusCode != 200 || len(m.Matches) != 1 || m.Query.DOB != "1970-01-01" {
		t.Errorf("mrz: %d %s", res.StatusCode, body)
	}
	if res, body = do(t, h, "POST", "/v1/mrz", `{"lines":["one"]}`); res.StatusCode != 400 || !strings.Contains(body, "2 lines") {
		t.Errorf("bad mrz: %d %s", res.StatusCode, body)
	}
}
