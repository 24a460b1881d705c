package http

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/sqlite"
)

// auditStore opens a fresh SQLite store for the audit log.
func auditStore(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "audit.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// testAssess screens the traveller's query as checked and recommends
// refer on any match or problem, clear otherwise.
func testAssess(ix Index, t Traveller) (Verdict, []vigil.Match) {
	q, ps := ix.CheckQuery(t.Query)
	if t.NotScreened {
		return Verdict{Recommendation: "refer", Reasons: t.Problems}, nil
	}
	ms := ix.Screen(q)
	if len(ms) > 0 {
		return Verdict{Recommendation: "refer", Reasons: []string{"a match"}, Deciding: ms[0].EntityID}, ms
	}
	if len(ps) > 0 || len(t.Problems) > 0 {
		return Verdict{Recommendation: "refer", Reasons: t.Problems}, nil
	}
	return Verdict{Recommendation: "clear"}, nil
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestAuditEveryPath screens through every API and console path and checks
// that each leaves one record in the chain: who (the key id), the action,
// every field of every query, the input's hash, and the matches with the
// list versions.
func TestAuditEveryPath(t *testing.T) {
	st := auditStore(t)
	ks := newKeyStore(t)
	screenKey, screenSecret := createKey(t, ks, "screener", "screen")
	reviewKey, reviewSecret := createKey(t, ks, "reviewer", "review")
	s, _ := newTestServer(t, Options{Keys: ks, Audit: st, KeyCacheTTL: -1,
		ScanText: testScanText, ParseManifest: testManifest, ParseMRZ: testMRZ, Assess: testAssess})
	h := s.Handler()
	key := bearer(screenSecret)
	// The console: a browser signed in with the screening key, whose
	// forms carry its CSRF token.
	b := newClient(t, s)
	b.signIn(screenSecret)
	const article = "Yesterday Ivan Petrov met a friend."
	const manifest = "JANE DOE|1980\nIVAN PETROV|1970"
	mrzLines := "P<UTOPETROV<<IVAN\nL898902C36UTO7001013M"
	type want struct {
		action, query, result string
	}
	for _, tc := range []struct {
		method, path, body string
		hdr                []string // nil: the signed-in browser
		want               want
	}{
		{"POST", "/v1/screen", `{"name":"Ivan Petrov","dob":"1970-01-01","nationality":"RU","gender":"male","id":"X123","kind":"person","threshold":0.6,"limit":3}`, key,
			want{"screen", `{"queries":[{"name":"Ivan Petrov","dob":"1970-01-01","nationality":"RU","gender":"male","id":"X123","kind":"person","threshold":0.6,"limit":3}]}`,
				`{"lists":["un@2"],"hits":[[{"entity_id":"un:TEST.9","score":1}]]}`}},
		{"POST", "/v1/screen", `{"queries":[{"name":"Nobody"},{"name":"Soleimani","dob":"1957"}]}`, key,
			want{"screen", `{"queries":[{"name":"Nobody"},{"name":"Soleimani","dob":"1957"}]}`,
				`{"lists":["un@2"],"hits":[[],[{"entity_id":"un:IRi.039","score":0.8}]]}`}},
		{"POST", "/v1/text", `{"text":"` + article + `"}`, key,
			want{"text", `{"queries":[{"name":"Ivan Petrov"}],"input":{"name":"text","bytes":35,"sha256":"` + sha(article) + `"}}`,
				`{"lists":["un@2"],"hits":[[{"entity_id":"un:TEST.9","score":1}]]}`}},
		{"POST", "/v1/manifest", manifest, append([]string{"Content-Type", "text/plain"}, key...),
			want{"manifest", `{"queries":[{"name":"JANE DOE","dob":"1980"},{"name":"IVAN PETROV","dob":"1970"}],"input":{"name":"manifest","bytes":30,"sha256":"` + sha(manifest) + `"}}`,
				`{"lists":["un@2"],"hits":[[],[{"entity_id":"un:TEST.9","score":1}]],"verdicts":["clear","refer"]}`}},
		{"POST", "/v1/mrz", `{"mrz":"P<UTOPETROV<<IVAN\nL898902C36UTO7001013M"}`, key,
			want{"mrz", `{"queries":[{"name":"Ivan Petrov","dob":"1970-01-01"}],"input":{"name":"mrz","bytes":39,"sha256":"` + sha(mrzLines) + `"}}`,
				`{"lists":["un@2"],"hits":[[{"entity_id":"un:TEST.9","score":1}]],"verdicts":["refer"]}`}},
		{"POST", "/match/default", `{"queries":{"q1":{"schema":"Person","properties":{"name":["Soleimani","Nobody"],"birthDate":["1957-03-11"]}}}}`, key,
			want{"match", `{"queries":[{"name":"Soleimani","dob":"1957-03-11","kind":"person"},{"name":"Nobody","dob":"1957-03-11","kind":"person"}]}`,
				`{"lists":["un@2"],"hits":[[{"entity_id":"un:IRi.039","score":0.8}],[]]}`}},
		{"GET", "/?name=Ivan+Petrov&dob=1970&nationality=RU&kind=person", "", nil,
			want{"console.screen", `{"queries":[{"name":"Ivan Petrov","dob":"1970","nationality":"RU","kind":"person","limit":500}]}`,
				`{"lists":["un@2"],"hits":[[{"entity_id":"un:TEST.9","score":1}]]}`}},
		{"POST", "/text", article, nil,
			want{"console.text", `{"queries":[{"name":"Ivan Petrov"}],"input":{"name":"text","bytes":35,"sha256":"` + sha(article) + `"}}`,
				`{"lists":["un@2"],"hits":[[{"entity_id":"un:TEST.9","score":1}]]}`}},
		{"POST", "/manifest", manifest, nil,
			want{"console.manifest", `{"queries":[{"name":"JANE DOE","dob":"1980"},{"name":"IVAN PETROV","dob":"1970"}],"input":{"name":"manifest","bytes":30,"sha256":"` + sha(manifest) + `"}}`,
				`{"lists":["un@2"],"hits":[[],[{"entity_id":"un:TEST.9","score":1}]],"verdicts":["clear","refer"]}`}},
	} {
		before, _ := st.AuditLog(context.Background(), vigil.AuditFilter{})
		var res *http.Response
		var body string
		switch {
		case tc.hdr != nil:
			res, body = do(t, h, tc.method, tc.path, tc.body, tc.hdr...)
		case tc.method == "GET":
			res, body = b.get(tc.path)
		default:
			res, body = b.post(tc.path, map[string]string{tc.path[1:]: tc.body})
		}
		if res.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", tc.method, tc.path, res.StatusCode, body)
		}
		recs, err := st.AuditLog(context.Background(), vigil.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != len(before)+1 {
			t.Errorf("%s %s: %d records added, want 1", tc.method, tc.path, len(recs)-len(before))
			continue
		}
		r := recs[0]
		if got := (want{r.Action, string(r.Query), string(r.Result)}); got != tc.want || r.Who != "key:"+screenKey.ID {
			t.Errorf("%s %s: record\n  %s %s\n  %s\n  %s\nwant\n  %s\n  %s\n  %s", tc.method, tc.path, r.Who, got.action, got.query, got.result,
				tc.want.action, tc.want.query, tc.want.result)
		}
	}
	// Pages that do not screen leave no record.
	n, _ := st.AuditLog(context.Background(), vigil.AuditFilter{})
	for _, p := range []string{"/", "/entities/un:IRi.039", "/lists", "/text", "/manifest"} {
		if res, _ := b.get(p); res.StatusCode != 200 {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
	}
	for _, p := range []string{"/v1/lists", "/v1/entities/un:IRi.039"} {
		do(t, h, "GET", p, "", key...)
	}
	if m, _ := st.AuditLog(context.Background(), vigil.AuditFilter{}); len(m) != len(n) {
		t.Errorf("reading pages added %d records", len(m)-len(n))
	}

	// The chain holds; GET /v1/audit reads it, filtered.
	if v, err := st.VerifyAudit(context.Background()); err != nil || v.Break != nil || v.Records != 9 {
		t.Errorf("verify: %+v %v", v, err)
	}
	review := bearer(reviewSecret)
	_, body := do(t, h, "GET", "/v1/audit?action=screen", "", review...)
	got := decode[AuditResponse](t, body).Records
	if len(got) != 2 || got[0].Action != "screen" || got[1].Seq != 1 || got[0].Hash == "" || got[0].Prev != got[1].Hash {
		t.Errorf("?action=screen: %s", body)
	}
	_, body = do(t, h, "GET", "/v1/audit?action=console.text&limit=5", "", review...)
	if got := decode[AuditResponse](t, body).Records; len(got) != 1 || got[0].Action != "console.text" {
		t.Errorf("?action=console.text: %s", body)
	}
	_, body = do(t, h, "GET", "/v1/audit?before=3&limit=1", "", review...)
	if got := decode[AuditResponse](t, body).Records; len(got) != 1 || got[0].Seq != 2 {
		t.Errorf("?before=3: %s", body)
	}
	_, body = do(t, h, "GET", "/v1/audit?who=key:"+reviewKey.ID, "", review...)
	if got := decode[AuditResponse](t, body).Records; len(got) != 0 {
		t.Errorf("?who=key:<review key>: %s", body)
	}
	_, body = do(t, h, "GET", "/v1/audit?who=key:"+screenKey.ID, "", review...)
	if got := decode[AuditResponse](t, body).Records; len(got) != 9 {
		t.Errorf("?who=key:<screen key>: %d records", len(got))
	}
	for _, bad := range []string{"?acton=screen", "?limit=0", "?before=x"} {
		if res, body := do(t, h, "GET", "/v1/audit"+bad, "", review...); res.StatusCode != 400 {
			t.Errorf("%s: %d %s", bad, res.StatusCode, body)
		}
	}
}

// TestAuditWithoutKeysNamesTheClient: a service without API keys records
// the client's address as who.
func TestAuditWithoutKeysNamesTheClient(t *testing.T) {
	st := auditStore(t)
	s, _ := newTestServer(t, Options{Audit: st})
	if res, body := do(t, s.Handler(), "POST", "/v1/screen", `{"name":"x"}`); res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	recs, _ := st.AuditLog(context.Background(), vigil.AuditFilter{})
	if len(recs) != 1 || recs[0].Who != "anon:192.0.2.1" {
		t.Errorf("records %+v", recs)
	}
}

// TestAuditFailureWithholdsTheAnswer: when the record cannot be written,
// the screening is not answered (503), on every path.
func TestAuditFailureWithholdsTheAnswer(t *testing.T) {
	st := auditStore(t)
	st.Close()
	s, _ := newTestServer(t, Options{Audit: st, ScanText: testScanText, ParseManifest: testManifest, ParseMRZ: testMRZ})
	h := s.Handler()
	b := newClient(t, s) // the console's forms, with their CSRF token
	for _, tc := range []struct {
		method, path, body string
		hdr                []string
	}{
		{"POST", "/v1/screen", `{"name":"Ivan Petrov"}`, nil},
		{"POST", "/v1/screen", `{"queries":[{"name":"Ivan Petrov"}]}`, nil},
		{"POST", "/v1/text", `{"text":"Ivan Petrov"}`, nil},
		{"POST", "/v1/manifest", "IVAN PETROV|1970", []string{"Content-Type", "text/plain"}},
		{"POST", "/v1/mrz", `{"lines":["a","b"]}`, nil},
		{"POST", "/match/default", `{"queries":{"q":{"schema":"Person","properties":{"name":"Ivan Petrov"}}}}`, nil},
		{"GET", "/?name=Ivan+Petrov", "", nil},
		{"POST", "/text", "Ivan Petrov", []string{}},
		{"POST", "/manifest", "IVAN PETROV|1970", []string{}},
	} {
		var res *http.Response
		var body string
		if tc.hdr != nil && len(tc.hdr) == 0 {
			res, body = b.post(tc.path, map[string]string{tc.path[1:]: tc.body})
		} else {
			res, body = do(t, h, tc.method, tc.path, tc.body, tc.hdr...)
		}
		if res.StatusCode != 503 || !strings.Contains(body, "audit log") || strings.Contains(body, "TEST.9") {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, res.StatusCode, body)
		}
	}
	_, body := do(t, h, "GET", "/metrics", "")
	if !strings.Contains(body, "vigil_audit_errors_total 9") {
		t.Errorf("metrics: %s", grepLines(body, "audit"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestAuditRecordsKeepJSON: the records the API returns hold the query and
// result as JSON objects.
func TestAuditRecordsKeepJSON(t *testing.T) {
	st := auditStore(t)
	s, _ := newTestServer(t, Options{Audit: st})
	do(t, s.Handler(), "POST", "/v1/screen", `{"name":"Ivan Petrov","dob":"1970"}`)
	_, body := do(t, s.Handler(), "GET", "/v1/audit", "")
	var raw struct {
		Records []map[string]json.RawMessage `json:"records"`
	}
	if err := json.Unmarshal([]byte(body), &raw); err != nil || len(raw.Records) != 1 {
		t.Fatalf("%v %s", err, body)
	}
	for _, f := range []string{"seq", "time", "who", "action", "query", "result", "prev", "hash"} {
		if _, ok := raw.Records[0][f]; !ok {
			t.Errorf("record lacks %q: %s", f, body)
		}
	}
	if q := string(raw.Records[0]["query"]); !strings.HasPrefix(q, `{"queries":[{"name":"Ivan Petrov","dob":"1970"}]`) {
		t.Errorf("query %s", q)
	}
}

// TestAuditRecordsTheCheckedQuery: every screening path validates its
// input before screening and records the query as screened (each value as
// the matcher used it, a value it cannot use left out), as of the date
// asked; a request refused for its values builds no as-of index and
// leaves no record.
func TestAuditRecordsTheCheckedQuery(t *testing.T) {
	ctx := context.Background()
	st := tempStore(t)
	es := testEntities()
	for _, v := range []struct {
		hash, published string
		es              []vigil.Entity
	}{{"h2", "2024-05-03", es}, {"h1", "2021-07-07", es[:1]}} {
		d, _ := time.Parse(time.DateOnly, v.published)
		if _, err := st.Import(ctx, vigil.ListVersion{List: "un", Source: "un", Hash: v.hash, Published: d}, v.es); err != nil {
			t.Fatal(err)
		}
	}
	var builds atomic.Int32
	s := New(Options{Store: st, Keys: st, Audit: st, MatchThreshold: match.DefaultThreshold,
		ParseManifest: testManifest, Assess: testAssess,
		// A holder whose values are not in the form the matcher uses.
		ParseMRZ: func(lines ...string) (Traveller, any, error) {
			return Traveller{Label: "Ivan Petrov", Query: vigil.Query{Name: "Ivan Petrov", DOB: "1970-02-30", Nationality: "Russia", Gender: "m"}},
				map[string]string{"type": "P"}, nil
		},
		Reload: func(context.Context) (*Snapshot, error) { return realSnapshot(t, st), nil },
		BuildIndex: func(ctx context.Context, vs []vigil.ListVersion) (Index, error) {
			builds.Add(1)
			return buildIndex(ctx, st, vs)
		}})
	if err := s.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	h := s.Handler()
	count := func() int {
		recs, err := st.AuditLog(ctx, vigil.AuditFilter{Action: vigil.AuditScreen})
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	last := func() vigil.AuditRecord {
		recs, err := st.AuditLog(ctx, vigil.AuditFilter{Limit: 1})
		if err != nil || len(recs) != 1 {
			t.Fatalf("audit log: %v %v", recs, err)
		}
		return recs[0]
	}

	// Refused: 400 naming the field, no index built, no record.
	n := count()
	res, body := do(t, h, "POST", "/v1/screen", `{"name":"Ivan Petrov","dob":"1957-02-30","as_of":"2022-01-01"}`)
	if res.StatusCode != 400 || !strings.Contains(body, `field \"dob\"`) || builds.Load() != 0 || count() != n {
		t.Errorf("bad dob as of 2022: %d %s; %d builds, %d records added", res.StatusCode, body, builds.Load(), count()-n)
	}

	for _, tc := range []struct {
		method, path, body string
		hdr                []string
		action, query      string
		verdicts           string
	}{
		{"POST", "/v1/screen", `{"name":"Qasem Soleimani","nationality":"Iran","gender":"m","as_of":"2022-01-01"}`, nil,
			"screen", `{"queries":[{"name":"Qasem Soleimani","nationality":"IR","gender":"male"}],"as_of":"2022-01-01"}`, ""},
		{"GET", "/?name=Ivan+Petrov&dob=1957-13-45&nationality=Iran&gender=m", "", nil,
			"console.screen", `{"queries":[{"name":"Ivan Petrov","nationality":"IR","gender":"male","limit":500}]}`, ""},
		{"POST", "/v1/manifest", "JANE DOE|1957-13-45\nIVAN PETROV|1970", []string{"Content-Type", "text/plain"},
			"manifest", `{"queries":[{"name":"JANE DOE"},{"name":"IVAN PETROV","dob":"1970"}],"input":`, `"verdicts":["refer",`},
		{"POST", "/v1/mrz", `{"lines":["P<UTOPETROV<<IVAN","L898902C36UTO7001013M"]}`, nil,
			"mrz", `{"queries":[{"name":"Ivan Petrov","nationality":"RU","gender":"male"}],"input":`, `"verdicts":["refer"]`},
		{"POST", "/match/default", `{"queries":{"q1":{"schema":"Person","properties":{"name":["Qasem Soleimani"],"citizenship":["Iran","ru"],"gender":["m"]}}}}`, nil,
			"match", `{"queries":[{"name":"Qasem Soleimani","nationality":"IR","gender":"male","kind":"person"},{"name":"Qasem Soleimani","nationality":"RU","gender":"male","kind":"person"}]}`, ""},
	} {
		res, body := do(t, h, tc.method, tc.path, tc.body, tc.hdr...)
		if res.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", tc.method, tc.path, res.StatusCode, body)
		}
		r := last()
		if r.Action != tc.action || !strings.HasPrefix(string(r.Query), tc.query) || !strings.Contains(string(r.Result), tc.verdicts) {
			t.Errorf("%s %s: record %s\n  %s\n  %s\nwant %s\n  %s…\n  …%s", tc.method, tc.path, r.Action, r.Query, r.Result, tc.action, tc.query, tc.verdicts)
		}
	}
	// The as-of screening was recorded against the versions then in force.
	recs, _ := st.AuditLog(ctx, vigil.AuditFilter{Action: vigil.AuditScreen, Limit: 1})
	if len(recs) != 1 || !strings.Contains(string(recs[0].Result), `"lists":["un@2"]`) || builds.Load() != 1 {
		t.Errorf("as-of record %v, %d builds", recs, builds.Load())
	}
}
