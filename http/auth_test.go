package http

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/vigil-screening/vigil"
)

func bearer(k string) []string { return []string{"Authorization", "Bearer " + k} }

func TestAuth(t *testing.T) {
	ks := newKeyStore(t)
	screenKey, screen := createKey(t, ks, "screener", "screen")
	_, review := createKey(t, ks, "reviewer", "review")
	_, admin := createKey(t, ks, "admin", "admin")
	audit := auditStore(t)
	s, _ := newTestServer(t, Options{Keys: ks, Audit: audit, KeyCacheTTL: -1})
	h := s.Handler()
	for _, tc := range []struct {
		name, method, path, body string
		hdr                      []string
		status                   int
	}{
		{"healthz open", "GET", "/healthz", "", nil, 200},
		{"readyz open", "GET", "/readyz", "", nil, 200},
		{"openapi open", "GET", "/openapi.json", "", nil, 200},
		{"no key", "POST", "/v1/screen", `{"name":"x"}`, nil, 401},
		{"bad key", "POST", "/v1/screen", `{"name":"x"}`, bearer("vgl_nope"), 401},
		{"malformed header", "POST", "/v1/screen", `{"name":"x"}`, []string{"Authorization", "Basic dXNlcg=="}, 401},
		{"screen key", "POST", "/v1/screen", `{"name":"Ivan Petrov"}`, bearer(screen), 200},
		{"x-api-key", "POST", "/v1/screen", `{"name":"x"}`, []string{"X-API-Key", screen}, 200},
		{"metrics need key", "GET", "/metrics", "", nil, 401},
		{"metrics with key", "GET", "/metrics", "", bearer(screen), 200},
		{"screen may not refresh", "POST", "/v1/lists/refresh?wait=true", "", bearer(screen), 403},
		{"review may not refresh", "POST", "/v1/lists/refresh?wait=true", "", bearer(review), 403},
		{"admin may refresh", "POST", "/v1/lists/refresh?wait=true", "", bearer(admin), 200},
		{"screen may not audit", "GET", "/v1/audit", "", bearer(screen), 403},
		{"review may audit", "GET", "/v1/audit", "", bearer(review), 200},
		{"admin may audit", "GET", "/v1/audit", "", bearer(admin), 200},
		{"review may not list keys", "GET", "/v1/keys", "", bearer(review), 403},
		{"admin lists keys", "GET", "/v1/keys", "", bearer(admin), 200},
		{"console redirects", "GET", "/lists", "", nil, 303},
		{"login page open", "GET", "/login", "", nil, 200},
		{"static open", "GET", "/static/style.css", "", nil, 200},
		// The console cookie holds a session, never an API key; the API
		// takes keys from headers, never from a cookie.
		{"API key as cookie", "GET", "/lists", "", []string{"Cookie", sessionCookie + "=" + screen}, 303},
		{"cookie on the API", "POST", "/v1/screen", `{"name":"x"}`, []string{"Cookie", sessionCookie + "=" + screen}, 401},
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
	_, body := do(t, h, "GET", "/v1/audit", "", bearer(review)...)
	recs := decode[AuditResponse](t, body).Records
	if len(recs) != 2 || recs[1].Who != "key:"+screenKey.ID || recs[1].Action != "screen" || string(recs[1].Query) != `{"queries":[{"name":"Ivan Petrov"}]}` ||
		string(recs[1].Result) != `{"lists":["un@2"],"hits":[[{"entity_id":"un:TEST.9","score":1}]]}` {
		t.Errorf("audit = %+v", recs)
	}
	if strings.Contains(body, screen) {
		t.Error("the audit log holds a key secret")
	}
}

// TestKeysStayRequired checks that revoking every key does not open the
// service: once the store has had a key, only --no-auth serves without one;
// and that a server without a key store refuses.
func TestKeysStayRequired(t *testing.T) {
	ctx := context.Background()
	never := newKeyStore(t)
	had := newKeyStore(t)
	k, _ := createKey(t, had, "only", "admin")
	if _, err := had.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		opts   Options
		status int
	}{
		{"store that never had a key", Options{Keys: never}, 200},
		{"every key revoked", Options{Keys: had}, 401},
		{"every key revoked, no cache", Options{Keys: had, KeyCacheTTL: -1}, 401},
		{"every key revoked, --no-auth", Options{Keys: had, NoAuth: true}, 200},
		{"no key store, --no-auth", Options{NoAuth: true}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newTestServer(t, tc.opts)
			for _, path := range []string{"/v1/screen", "/v1/lists/refresh?wait=1"} {
				body := `{"name":"Ivan Petrov"}`
				if strings.Contains(path, "refresh") {
					body = ""
				}
				if res, out := do(t, s.Handler(), "POST", path, body); res.StatusCode != tc.status {
					t.Errorf("%s: %d, want %d: %s", path, res.StatusCode, tc.status, out)
				}
			}
			want := 200
			if tc.status == 401 {
				want = 303 // the console asks to sign in
			}
			if res, _ := do(t, s.Handler(), "GET", "/lists", ""); res.StatusCode != want {
				t.Errorf("/lists: %d, want %d", res.StatusCode, want)
			}
		})
	}
	// Without a key store and without NoAuth, nothing that needs a key is
	// served.
	st := tempStore(t)
	s := New(Options{Store: st})
	s.Swap(snapshotOf(t, st))
	if res, body := do(t, s.Handler(), "POST", "/v1/screen", `{"name":"x"}`); res.StatusCode != 503 || !strings.Contains(body, "--no-auth") {
		t.Errorf("no key store: %d %s", res.StatusCode, body)
	}
	if res, _ := do(t, s.Handler(), "GET", "/healthz", ""); res.StatusCode != 200 {
		t.Errorf("no key store, healthz: %d", res.StatusCode)
	}
}

// TestKeyRoutes checks the admin key routes: a key created works at once,
// a key revoked is refused from the very next request on this server (with
// the default cache), and errors are clear.
func TestKeyRoutes(t *testing.T) {
	ks := newKeyStore(t)
	adminKey, admin := createKey(t, ks, "admin", "admin")
	_, screen := createKey(t, ks, "screener", "screen")
	var logs bytes.Buffer
	var mu sync.Mutex
	s, _ := newTestServer(t, Options{Keys: ks, Audit: ks, Logger: slog.New(slog.NewJSONHandler(&lockedWriter{&logs, &mu}, nil))})
	h := s.Handler()

	res, body := do(t, h, "POST", "/v1/keys", `{"name":"airline","role":"screen"}`, bearer(admin)...)
	created := decode[CreatedKeyResponse](t, body)
	if res.StatusCode != 201 || !strings.HasPrefix(created.Secret, "vgl_") || created.Key.Name != "airline" || created.Key.Role != "screen" {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	if res, _ := do(t, h, "POST", "/v1/screen", `{"name":"x"}`, bearer(created.Secret)...); res.StatusCode != 200 {
		t.Errorf("the new key: %d", res.StatusCode)
	}
	res, body = do(t, h, "GET", "/v1/keys", "", bearer(admin)...)
	if list := decode[KeysResponse](t, body).Keys; res.StatusCode != 200 || len(list) != 3 || strings.Contains(body, "vgl_") {
		t.Errorf("list: %d %s", res.StatusCode, body)
	}

	for _, tc := range []struct {
		name, method, path, body string
		key                      string
		status                   int
		want                     string
	}{
		{"revoke", "DELETE", "/v1/keys/" + created.Key.ID, "", admin, 200, `"revoked"`},
		{"revoke again", "DELETE", "/v1/keys/" + created.Key.ID, "", admin, 409, "already revoked"},
		{"revoke unknown", "DELETE", "/v1/keys/key_nope", "", admin, 404, "key_nope"},
		{"screen key may not revoke", "DELETE", "/v1/keys/" + created.Key.ID, "", screen, 403, "admin role"},
		{"no name", "POST", "/v1/keys", `{"name":" ","role":"screen"}`, admin, 400, "is required: say who"},
		{"bad role", "POST", "/v1/keys", `{"name":"x","role":"root"}`, admin, 400, "must be screen, review or admin"},
		{"screen key may not create", "POST", "/v1/keys", `{"name":"x","role":"admin"}`, screen, 403, "admin role"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := do(t, h, tc.method, tc.path, tc.body, bearer(tc.key)...)
			if res.StatusCode != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%d %s; want %d with %q", res.StatusCode, body, tc.status, tc.want)
			}
		})
	}
	// Revoked through this server: refused at once, though the key was
	// looked up (and cached) a moment ago.
	if res, _ := do(t, h, "POST", "/v1/screen", `{"name":"x"}`, bearer(created.Secret)...); res.StatusCode != 401 {
		t.Errorf("revoked key right after DELETE: %d", res.StatusCode)
	}
	// The store audited the creation and the revocation, each in its own
	// transaction, for the admin key that asked; the refused requests left
	// no record, and no record holds a secret.
	recs, err := ks.AuditLog(context.Background(), vigil.AuditFilter{Who: "key:" + adminKey.ID})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Action+" "+string(r.Query)+" "+string(r.Result))
		if strings.Contains(string(r.Query)+string(r.Result), strings.TrimPrefix(created.Secret, "vgl_")) {
			t.Errorf("audit record %d holds the secret", r.Seq)
		}
	}
	want := []string{
		`key.revoke {"id":"` + created.Key.ID + `"} null`,
		`key.create {"name":"airline","role":"screen"} {"id":"` + created.Key.ID + `"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audited by the admin key:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Contains(logs.String(), created.Secret) || strings.Contains(logs.String(), admin) {
		t.Error("a secret was logged")
	}

	// An open server (no key yet) does not let anyone create the first key.
	open, _ := newTestServer(t, Options{})
	if res, body := do(t, open.Handler(), "POST", "/v1/keys", `{"name":"x","role":"admin"}`); res.StatusCode != 403 || !strings.Contains(body, "vigil keys create") {
		t.Errorf("open server creating a key: %d %s", res.StatusCode, body)
	}
}

// TestRevokedElsewhere checks that a key revoked in the store by another
// process (the CLI, another replica) is refused within a second, with the
// default cache.
func TestRevokedElsewhere(t *testing.T) {
	ks := newKeyStore(t)
	k, secret := createKey(t, ks, "laptop", "screen")
	createKey(t, ks, "other", "admin")
	s, _ := newTestServer(t, Options{Keys: ks})
	if res, _ := do(t, s.Handler(), "POST", "/v1/screen", `{"name":"x"}`, bearer(secret)...); res.StatusCode != 200 {
		t.Fatalf("before: %d", res.StatusCode)
	}
	if _, err := ks.RevokeKey(context.Background(), k.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	if res, _ := do(t, s.Handler(), "POST", "/v1/screen", `{"name":"x"}`, bearer(secret)...); res.StatusCode != 401 {
		t.Errorf("a second after revoking elsewhere: %d", res.StatusCode)
	}
}

// TestFailedAuthLimited checks that failed authentications are limited per
// client address, on the API and the sign-in page alike: after the burst,
// even a right key from that address waits, while other addresses do not.
func TestFailedAuthLimited(t *testing.T) {
	ks := newKeyStore(t)
	_, good := createKey(t, ks, "good", "screen")
	s, _ := newTestServer(t, Options{Keys: ks})
	h := s.Handler()
	from := func(addr string, hdr ...string) int {
		req := httptest.NewRequest("POST", "/v1/screen", strings.NewReader(`{"name":"x"}`))
		req.RemoteAddr = addr + ":1234"
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code == 429 && rec.Header().Get("Retry-After") == "" {
			t.Error("429 without Retry-After")
		}
		return rec.Code
	}
	for i := range failedBurst {
		if code := from("192.0.2.1", bearer("vgl_guess")...); code != 401 {
			t.Fatalf("failure %d: %d, want 401", i+1, code)
		}
	}
	for _, tc := range []struct {
		name, addr string
		hdr        []string
		want       int
	}{
		{"another guess", "192.0.2.1", bearer("vgl_guess2"), 429},
		{"the right key, same address", "192.0.2.1", bearer(good), 429},
		{"no key, same address", "192.0.2.1", nil, 401},
		{"the right key, another address", "192.0.2.2", bearer(good), 200},
		{"a guess, another address", "192.0.2.2", bearer("vgl_guess"), 401},
	} {
		if code := from(tc.addr, tc.hdr...); code != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, code, tc.want)
		}
	}

	// The sign-in page counts failures too.
	b := newClient(t, s)
	for i := range failedBurst {
		if res, _ := b.post("/login", map[string]string{"key": "vgl_guess"}); res.StatusCode != 401 {
			t.Fatalf("sign-in failure %d: %d", i+1, res.StatusCode)
		}
	}
	if res, body := b.post("/login", map[string]string{"key": good}); res.StatusCode != 429 || !strings.Contains(body, "Too many failed sign-ins") {
		t.Errorf("sign-in after the burst: %d", res.StatusCode)
	}
}

// TestMetricsToken checks that the metrics token opens /metrics and
// nothing else.
func TestMetricsToken(t *testing.T) {
	ks := newKeyStore(t)
	createKey(t, ks, "admin", "admin")
	const token = "scrape-token-0123456789"
	s, _ := newTestServer(t, Options{Keys: ks, MetricsToken: token})
	for _, tc := range []struct {
		method, path, body string
		hdr                []string
		want               int
	}{
		{"GET", "/metrics", "", bearer(token), 200},
		{"GET", "/metrics", "", bearer(token + "x"), 401},
		{"GET", "/metrics", "", nil, 401},
		{"POST", "/v1/screen", `{"name":"x"}`, bearer(token), 401},
		{"GET", "/v1/lists", "", bearer(token), 401},
	} {
		if res, _ := do(t, s.Handler(), tc.method, tc.path, tc.body, tc.hdr...); res.StatusCode != tc.want {
			t.Errorf("%s %s with %v: %d, want %d", tc.method, tc.path, tc.hdr, res.StatusCode, tc.want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/lists", "/lists"},
		{"/?name=Qasem+Soleimani&dob=1957", "/?name=Qasem+Soleimani&dob=1957"},
		{"/entities/un:IRi.039", "/entities/un:IRi.039"},
		{"/?name=Qasem%20Soleimani", "/?name=Qasem%20Soleimani"},
		{"", "/"},
		{"lists", "/"},
		{"//evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"/ /evil.example", "/"},
		{"/%2F/evil.example", "/"},
		{"/%5Cevil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"/\u2028/evil.example", "/"},
		{"/\xff", "/"},
	} {
		if got := safeNext(tc.in); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// The redirect check as a browser meets it: /login?next=/%09/… must
	// not send the browser to another site after signing in.
	ks := newKeyStore(t)
	_, key := createKey(t, ks, "a", "screen")
	s, _ := newTestServer(t, Options{Keys: ks})
	b := newClient(t, s)
	_, page := b.get("/login?next=/%09/evil.example/")
	if strings.Contains(page, "evil.example") {
		t.Errorf("the sign-in form keeps a foreign next: %s", page)
	}
	res, _ := b.post("/login", map[string]string{"key": key, "next": "/\t/evil.example/"})
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || loc != "/" {
		t.Errorf("sign-in redirects to %q (%d)", loc, res.StatusCode)
	}
}

func TestRateLimit(t *testing.T) {
	ks := newKeyStore(t)
	_, a := createKey(t, ks, "a", "screen")
	_, b := createKey(t, ks, "b", "screen")
	s, _ := newTestServer(t, Options{Keys: ks, RateLimit: rate.Limit(0.001), RateBurst: 3})
	h := s.Handler()
	codes := func(key string, n int) []int {
		var out []int
		for range n {
			res, _ := do(t, h, "POST", "/v1/screen", `{"name":"x"}`, "X-API-Key", key)
			out = append(out, res.StatusCode)
		}
		return out
	}
	if got := codes(a, 4); got[2] != 200 || got[3] != http.StatusTooManyRequests {
		t.Errorf("key a: %v, want 3×200 then 429", got)
	}
	// Each key has its own bucket.
	if got := codes(b, 1); got[0] != 200 {
		t.Errorf("key b: %v", got)
	}
	res, body := do(t, h, "POST", "/v1/screen", `{"name":"x"}`, "X-API-Key", a)
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
	ks := newKeyStore(t)
	k, secret := createKey(t, ks, "a", "admin")
	s, _ := newTestServer(t, Options{Keys: ks, Logger: log})
	do(t, s.Handler(), "POST", "/v1/screen", `{"name":"Zebulon Quixote"}`, "Authorization", "Bearer "+secret)
	do(t, s.Handler(), "POST", "/v1/screen", `{"name":"Zebulon Malformed`, "X-API-Key", secret)
	mu.Lock()
	out := buf.String()
	mu.Unlock()
	if !strings.Contains(out, `"route":"/v1/screen"`) || !strings.Contains(out, `"key_id":"`+k.ID+`"`) || !strings.Contains(out, `"status":400`) {
		t.Errorf("log lacks route, key id or status:\n%s", out)
	}
	if strings.Contains(out, secret) || strings.Contains(out, "Zebulon") {
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
