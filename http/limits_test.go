package http

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/sqlite"
)

// TestTextBounds checks the bounds of /v1/text and the article page: the
// text's size (413 beyond it, naming the limit), the mentions returned
// (flagged truncated, with where the screened part ends), and an audit
// record of what was screened (the names and the text's hash, never the
// text) that says the scan stopped.
func TestTextBounds(t *testing.T) {
	audit := auditStore(t)
	s, _ := newTestServer(t, Options{ScanText: testScanText, Audit: audit, MaxTextBytes: 1000,
		TextLimits: TextLimits{MaxMentions: 3, MaxQueries: 100}})
	h := s.Handler()
	pad := func(n int) string {
		return "Ivan Petrov met envoys." + strings.Repeat(" x", (n-23)/2) + strings.Repeat(" ", (n-23)%2)
	}
	jsonText := func(s string) string { b, _ := json.Marshal(map[string]string{"text": s}); return string(b) }
	for _, tc := range []struct {
		name, body string
		hdr        []string
		status     int
		want       string
	}{
		{"JSON at the limit", jsonText(pad(1000)), nil, 200, `"truncated":false`},
		{"JSON over the limit", jsonText(pad(1001)), nil, 413, "limit of 1000 bytes"},
		{"JSON escapes within the limit", jsonText(strings.Repeat("\u00e9", 500)), nil, 200, `"mentions":[]`},
		{"plain at the limit", pad(1000), []string{"Content-Type", "text/plain"}, 200, `"screened_to":1000`},
		{"plain over the limit", pad(1001), []string{"Content-Type", "text/plain"}, 413, "limit of 1000 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := do(t, h, "POST", "/v1/text", tc.body, tc.hdr...)
			if res.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%d %.300s; want %d with %q", res.StatusCode, body, tc.status, tc.want)
			}
		})
	}
	b := newClient(t, s)
	if res, body := b.post("/text", map[string]string{"text": pad(1001)}); res.StatusCode != 413 || !strings.Contains(body, "the limit is 1000 bytes") {
		t.Errorf("article page over the limit: %d", res.StatusCode)
	}

	// Five mentions, three returned.
	text := "Ivan Petrov met Qasem Soleimani. Ivan Petrov left; Qasem Soleimani stayed. Later Ivan Petrov spoke."
	res, body := do(t, h, "POST", "/v1/text", jsonText(text))
	tr := decode[TextResponse](t, body)
	if res.StatusCode != 200 || !tr.Truncated || len(tr.Mentions) != 3 || tr.ScreenedTo >= len(text) ||
		tr.ScreenedTo < tr.Mentions[2].End || !strings.Contains(tr.Message, "screen the rest") {
		t.Errorf("truncated text: %d %s", res.StatusCode, body)
	}
	if res, body := b.post("/text", map[string]string{"text": text}); res.StatusCode != 200 || !strings.Contains(body, "Only the first") {
		t.Errorf("article page, truncated: %d %.500s", res.StatusCode, body)
	}

	// The audit records, the API's before the page's: every name screened
	// with its matches, the text's size and hash, never the text, and how
	// much of it was screened.
	recs, err := audit.AuditLog(context.Background(), vigil.AuditFilter{Limit: 2})
	if err != nil || len(recs) != 2 {
		t.Fatalf("audit log: %v %v", recs, err)
	}
	for i, action := range []string{"console.text", "text"} {
		rec := recs[i]
		var q vigil.ScreeningQuery
		var r vigil.ScreeningResult
		json.Unmarshal(rec.Query, &q)
		json.Unmarshal(rec.Result, &r)
		var names, hits []string
		for j, x := range q.Queries {
			names = append(names, x.Name)
			for _, h := range r.Hits[j] {
				hits = append(hits, h.EntityID)
			}
		}
		want := fmt.Sprintf("only the first %d of %d bytes were screened", tr.ScreenedTo, len(text))
		if rec.Action != action || strings.Join(names, "|") != "Ivan Petrov|Qasem Soleimani|Ivan Petrov" ||
			strings.Join(hits, "|") != "un:TEST.9|un:IRi.039|un:TEST.9" || q.Input == nil || q.Input.Bytes != int64(len(text)) ||
			!strings.HasPrefix(r.Error, want) || strings.Contains(string(rec.Query)+string(rec.Result), "met") {
			t.Errorf("audit record %s %s %s; want %s truncated at %d", rec.Action, rec.Query, rec.Result, action, tr.ScreenedTo)
		}
	}
}

// slowIndex answers like the test index after a pause, counting queries.
type slowIndex struct {
	*testIndex
	pause time.Duration
	n     atomic.Int64
}

func (x *slowIndex) Screen(q vigil.Query) []vigil.Match {
	x.n.Add(1)
	time.Sleep(x.pause)
	return x.testIndex.Screen(q)
}

// TestTextStopsAtTimeout checks that scanning a text stops when the
// request's time is up, instead of screening on after the answer.
func TestTextStopsAtTimeout(t *testing.T) {
	s, st := newTestServer(t, Options{RequestTimeout: 50 * time.Millisecond})
	base := snapshotOf(t, st)
	slow := &slowIndex{testIndex: base.Index.(*testIndex), pause: 30 * time.Millisecond}
	sc := testScanner(t, slow)
	s.opts.ScanText = scanTextWith(sc)
	s.Swap(&Snapshot{Index: slow, Versions: base.Versions})
	// Forty spellings of one name: forty distinct spans to screen.
	var parts []string
	for i := range 40 {
		w := []byte("Ivan Petrov")
		for j, at := range []int{1, 2, 3, 6, 7, 8} {
			if i&(1<<j) != 0 {
				w[at] -= 'a' - 'A'
			}
		}
		parts = append(parts, string(w)+" came.")
	}
	res, body := do(t, s.Handler(), "POST", "/v1/text", strings.Join(parts, " "), "Content-Type", "text/plain")
	if res.StatusCode != 503 || !strings.Contains(body, "longer than the limit") {
		t.Errorf("%d %s", res.StatusCode, body)
	}
	if n := slow.n.Load(); n > 5 {
		t.Errorf("%d of 40 spans screened after the request's time was up", n)
	}
}

// gateIndex holds every query until the gate opens, counting those held.
type gateIndex struct {
	*testIndex
	gate    chan struct{}
	entered atomic.Int64
}

func (x *gateIndex) Screen(q vigil.Query) []vigil.Match {
	x.entered.Add(1)
	<-x.gate
	return x.testIndex.Screen(q)
}

func gated(t *testing.T, s *Server, st *sqlite.Store) *gateIndex {
	base := snapshotOf(t, st)
	g := &gateIndex{testIndex: base.Index.(*testIndex), gate: make(chan struct{})}
	s.Swap(&Snapshot{Index: g, Versions: base.Versions})
	return g
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
	}
}

// TestInFlightLimit checks that requests beyond the in-flight limit are
// refused at once with 503 and Retry-After, while health checks answer.
func TestInFlightLimit(t *testing.T) {
	s, st := newTestServer(t, Options{MaxInFlight: 2, RateLimit: -1})
	g := gated(t, s, st)
	h := s.Handler()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { do(t, h, "POST", "/v1/screen", `{"name":"Ivan Petrov"}`) })
	}
	waitFor(t, "two requests in flight", func() bool { return g.entered.Load() == 2 })
	for _, tc := range []struct {
		method, path, body string
		want               int
	}{
		{"POST", "/v1/screen", `{"name":"x"}`, 503},
		{"GET", "/v1/lists", "", 503},
		{"GET", "/lists", "", 503},
		{"GET", "/healthz", "", 200},
		{"GET", "/readyz", "", 200},
	} {
		res, body := do(t, h, tc.method, tc.path, tc.body)
		if res.StatusCode != tc.want || tc.want == 503 && (res.Header.Get("Retry-After") == "" || !strings.Contains(body, "busy")) {
			t.Errorf("%s %s with the server full: %d %v %s", tc.method, tc.path, res.StatusCode, res.Header, body)
		}
	}
	close(g.gate)
	wg.Wait()
	if res, _ := do(t, h, "POST", "/v1/screen", `{"name":"x"}`); res.StatusCode != 200 {
		t.Errorf("after the load: %d", res.StatusCode)
	}
}

// serve runs s on a loopback listener until the test ends and returns its
// address.
func serve(t *testing.T, s *Server) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// TestConnLimit checks the connection cap: idle connections that fill it
// (here, connections that never send a byte) give way to a new client, so
// that health checks answer; when every connection is busy, a new one is
// closed at once rather than kept waiting.
func TestConnLimit(t *testing.T) {
	const max = 4
	s, st := newTestServer(t, Options{MaxConns: max, RateLimit: -1})
	addr := serve(t, s)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	get := func(path string) (int, error) {
		res, err := client.Get("http://" + addr + path)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		return res.StatusCode, nil
	}

	var idle []net.Conn
	for range max {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		idle = append(idle, c)
	}
	for i := range 3 {
		if code, err := get("/healthz"); err != nil || code != 200 {
			t.Fatalf("healthz %d with %d idle connections open: %d %v", i, max, code, err)
		}
	}
	closed := 0
	for _, c := range idle {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Read(make([]byte, 1)); err == io.EOF {
			closed++
		}
	}
	if closed == 0 {
		t.Error("no idle connection was closed to make room")
	}

	// Every connection busy: a new one is closed, not queued.
	g := gated(t, s, st)
	var wg sync.WaitGroup
	for range max {
		wg.Go(func() {
			res, err := client.Post("http://"+addr+"/v1/screen", "application/json", strings.NewReader(`{"name":"Ivan Petrov"}`))
			if err == nil {
				res.Body.Close()
			}
		})
	}
	waitFor(t, "every connection busy", func() bool { return g.entered.Load() == max })
	if code, err := get("/healthz"); err == nil {
		t.Errorf("a connection past the cap with every one busy was served: %d", code)
	}
	close(g.gate)
	wg.Wait()
	waitFor(t, "the cap to free", func() bool { code, err := get("/healthz"); return err == nil && code == 200 })
}

// TestRefreshCoalesced checks that refresh requests made while a refresh
// runs join it instead of each queueing another full reload.
func TestRefreshCoalesced(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int64
	var st *sqlite.Store
	s, st := newTestServer(t, Options{Reload: func(ctx context.Context) (*Snapshot, error) {
		if calls.Add(1) == 1 {
			<-release
		}
		return snapshotOf(t, st), nil
	}})
	h := s.Handler()
	var statuses []string
	for range 5 {
		res, body := do(t, h, "POST", "/v1/lists/refresh", "")
		if res.StatusCode != 202 {
			t.Fatalf("refresh: %d %s", res.StatusCode, body)
		}
		statuses = append(statuses, decode[map[string]string](t, body)["status"])
		waitFor(t, "the reload to start", func() bool { return calls.Load() == 1 })
	}
	if got := strings.Join(statuses, " "); got != "started running running running running" {
		t.Errorf("statuses %q", got)
	}
	waited := make(chan int)
	go func() {
		res, _ := do(t, h, "POST", "/v1/lists/refresh?wait=1", "")
		waited <- res.StatusCode
	}()
	time.Sleep(50 * time.Millisecond) // let the waiting request join
	close(release)
	if code := <-waited; code != 200 {
		t.Errorf("waiting refresh: %d", code)
	}
	waitFor(t, "the reload to end", func() bool { s.refreshMu.Lock(); defer s.refreshMu.Unlock(); return s.refreshing == nil })
	if n := calls.Load(); n > 2 {
		t.Errorf("%d reloads for 6 requests made during one", n)
	}
	before := calls.Load()
	if res, _ := do(t, h, "POST", "/v1/lists/refresh?wait=1", ""); res.StatusCode != 200 || calls.Load() != before+1 {
		t.Errorf("a refresh after it: %d, %d reloads", res.StatusCode, calls.Load())
	}
}

// TestCacheHeaders checks that answers naming people are never cached and
// that nothing is served for content sniffing.
func TestCacheHeaders(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	h := s.Handler()
	for _, tc := range []struct {
		method, path, body string
		cache              string // "" for any
	}{
		{"POST", "/v1/screen", `{"name":"Ivan Petrov"}`, "no-store"},
		{"GET", "/v1/lists", "", "no-store"},
		{"GET", "/v1/entities/un:TEST.9", "", "no-store"},
		{"GET", "/v1/nope", "", "no-store"},
		{"GET", "/?name=Ivan+Petrov", "", "no-store"},
		{"GET", "/entities/un:TEST.9", "", "no-store"},
		{"GET", "/login", "", "no-store"},
		{"GET", "/openapi.json", "", ""},
		{"GET", "/static/style.css", "", ""},
	} {
		res, _ := do(t, h, tc.method, tc.path, tc.body)
		if tc.cache != "" && res.Header.Get("Cache-Control") != tc.cache {
			t.Errorf("%s %s: Cache-Control %q, want %q", tc.method, tc.path, res.Header.Get("Cache-Control"), tc.cache)
		}
		if res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: no X-Content-Type-Options: nosniff", tc.method, tc.path)
		}
	}
}
