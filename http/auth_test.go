package http

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"golang.org/x/time/rate"
)

// testKeys holds keys by secret, as a store would hold them by hash.
type testKeys struct {
	mu   sync.Mutex
	keys map[string]KeyInfo
}

func (k *testKeys) HasKeys(context.Context) (bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.keys) > 0, nil
}

func (k *testKeys) Lookup(_ context.Context, secret string) (KeyInfo, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if info, ok := k.keys[secret]; ok {
		return info, nil
	}
	return KeyInfo{}, ErrUnknownKey
}

func TestAuth(t *testing.T) {
	keys := &testKeys{keys: map[string]KeyInfo{
		"vgl_screen": {ID: "k1", Name: "screener", Role: RoleScreen},
		"vgl_review": {ID: "k2", Name: "reviewer", Role: RoleReview},
		"vgl_admin":  {ID: "k3", Name: "admin", Role: RoleAdmin},
	}}
	audit := auditStore(t)
	s, _ := newTestServer(t, Options{Keys: keys, Audit: audit, KeyCacheTTL: -1})
	h := s.Handler()
	bearer := func(k string) []string { return []string{"Authorization", "Bearer " + k} }
	for _, tc := range []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
	}{
		{"healthz open", "GET", "/healthz", "", nil, 200},
		{"readyz open", "GET", "/readyz", "", nil, 200},
		{"no key", "POST", "/v1/screen", `{"name":"x"}`, nil, 401},
		{"bad key", "POST", "/v1/screen", `{"name":"x"}`, bearer("vgl_nope"), 401},
		{"malformed header", "POST", "/v1/screen", `{"name":"x"}`, []string{"Authorization", "Basic dXNlcg=="}, 401},
		{"screen key", "POST", "/v1/screen", `{"name":"Ivan Petrov"}`, bearer("vgl_screen"), 200},
		{"x-api-key", "POST", "/v1/screen", `{"name":"x"}`, []string{"X-API-Key", "vgl_screen"}, 200},
		{"metrics need key", "GET", "/metrics", "", nil, 401},
		{"openapi need key", "GET", "/openapi.json", "", nil, 401},
		{"screen may not refresh", "POST", "/v1/lists/refresh?wait=true", "", bearer("vgl_screen"), 403},
		{"review may not refresh", "POST", "/v1/lists/refresh?wait=true", "", bearer("vgl_review"), 403},
		{"admin may refresh", "POST", "/v1/lists/refresh?wait=true", "", bearer("vgl_admin"), 200},
		{"screen may not audit", "GET", "/v1/audit", "", bearer("vgl_screen"), 403},
		{"review may audit", "GET", "/v1/audit", "", bearer("vgl_review"), 200},
		{"admin may audit", "GET", "/v1/audit", "", bearer("vgl_admin"), 200},
		{"console redirects", "GET", "/lists", "", nil, 303},
		{"login page open", "GET", "/login", "", nil, 200},
		{"static open", "GET", "/static/style.css", "", nil, 200},
		{"cookie works", "GET", "/lists", "", []string{"Cookie", sessionCookie + "=vgl_screen"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := do(t, h, tc.method, tc.path, tc.body, tc.hdr...)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			if tc.status == 401 && !strings.Contains(body, "API key") {
				t.Errorf("401 without a clear message: %s", body)
			}
			if tc.status == 303 && !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
				t.Errorf("redirect to %q", res.Header.Get("Location"))
			}
		})
	}
	// The audit log names the key id of the screening, never its secret.
	_, body := do(t, h, "GET", "/v1/audit", "", bearer("vgl_review")...)
	recs := decode[AuditResponse](t, body).Records
	if len(recs) != 2 || recs[1].Who != "key:k1" || recs[1].Action != "screen" || string(recs[1].Query) != `{"queries":[{"name":"Ivan Petrov"}]}` ||
		string(recs[1].Result) != `{"lists":["un@2"],"hits":[[{"entity_id":"un:TEST.9","score":1}]]}` {
		t.Errorf("audit = %+v", recs)
	}
	if strings.Contains(body, "vgl_screen") {
		t.Error("the audit log holds a key secret")
	}
	// Login sets the session cookie only for a valid key.
	res, _ := do(t, h, "POST", "/login", "key=vgl_nope&next=/lists", "Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != 401 || len(res.Cookies()) != 0 {
		t.Errorf("login with a bad key: %d %v", res.StatusCode, res.Cookies())
	}
	res, _ = do(t, h, "POST", "/login", "key=vgl_screen&next=//evil.example/", "Content-Type", "application/x-www-form-urlencoded")
	if res.StatusCode != 303 || res.Header.Get("Location") != "/" || len(res.Cookies()) != 1 || !res.Cookies()[0].HttpOnly {
		t.Errorf("login: %d %q %v", res.StatusCode, res.Header.Get("Location"), res.Cookies())
	}
	// Revoking a key takes effect (the cache is off here).
	keys.mu.Lock()
	delete(keys.keys, "vgl_screen")
	keys.mu.Unlock()
	if res, _ := do(t, h, "POST", "/v1/screen", `{"name":"x"}`, bearer("vgl_screen")...); res.StatusCode != 401 {
		t.Errorf("revoked key: %d", res.StatusCode)
	}
}

func TestNoKeysMeansOpen(t *testing.T) {
	s, _ := newTestServer(t, Options{Keys: &testKeys{}})
	if res, body := do(t, s.Handler(), "POST", "/v1/screen", `{"name":"x"}`); res.StatusCode != 200 {
		t.Errorf("no keys configured: %d %s", res.StatusCode, body)
	}
}

func TestRateLimit(t *testing.T) {
	keys := &testKeys{keys: map[string]KeyInfo{"a": {ID: "a", Role: RoleScreen}, "b": {ID: "b", Role: RoleScreen}}}
	s, _ := newTestServer(t, Options{Keys: keys, RateLimit: rate.Limit(0.001), RateBurst: 3})
	h := s.Handler()
	codes := func(key string, n int) []int {
		var out []int
		for range n {
			res, _ := do(t, h, "POST", "/v1/screen", `{"name":"x"}`, "X-API-Key", key)
			out = append(out, res.StatusCode)
		}
		return out
	}
	if got := codes("a", 4); got[2] != 200 || got[3] != http.StatusTooManyRequests {
		t.Errorf("key a: %v, want 3×200 then 429", got)
	}
	// Each key has its own bucket.
	if got := codes("b", 1); got[0] != 200 {
		t.Errorf("key b: %v", got)
	}
	res, body := do(t, h, "POST", "/v1/screen", `{"name":"x"}`, "X-API-Key", "a")
	if res.StatusCode != 429 || res.Header.Get("Retry-After") == "" || !strings.Contains(body, "rate limit") {
		t.Errorf("429 response: %v %s", res.Header, body)
	}
}

// TestLogs checks the access log: structured, with the key id, and never
// the key's secret or anything of the body.
func TestLogs(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	log := slog.New(slog.NewJSONHandler(&lockedWriter{&buf, &mu}, nil))
	keys := &testKeys{keys: map[string]KeyInfo{"vgl_SECRET123": {ID: "key_1", Role: RoleAdmin}}}
	s, _ := newTestServer(t, Options{Keys: keys, Logger: log})
	do(t, s.Handler(), "POST", "/v1/screen", `{"name":"Zebulon Quixote"}`, "Authorization", "Bearer vgl_SECRET123")
	do(t, s.Handler(), "POST", "/v1/screen", `{"name":"Zebulon Malformed`, "X-API-Key", "vgl_SECRET123")
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	if !strings.Contains(out, `"route":"/v1/screen"`) || !strings.Contains(out, `"key_id":"key_1"`) || !strings.Contains(out, `"status":400`) {
		t.Errorf("log lacks route, key id or status:\n%s", out)
	}
	if strings.Contains(out, "SECRET123") || strings.Contains(out, "Zebulon") {
		t.Errorf("log holds a secret or body:\n%s", out)
	}
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
