package http

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/sqlite"
	"github.com/vigil-screening/vigil/webhook"
)

// webClient is an HTTP client with a cookie jar that does not follow
// redirects, talking to a server over loopback as a browser would.
type webClient struct {
	t    testing.TB
	base string
	c    *http.Client
}

func newClient(t testing.TB, s *Server) *webClient {
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return newClientAt(t, ts.URL, ts.Client())
}

func newClientAt(t testing.TB, base string, c *http.Client) *webClient {
	jar, _ := cookiejar.New(nil)
	cc := *c
	cc.Jar = jar
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &webClient{t: t, base: base, c: &cc}
}

func (b *webClient) send(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func (b *webClient) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.send(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// csrf returns the token of the browser's forms: from the article page
// when it may see it, else from the sign-in page.
func (b *webClient) csrf() string {
	b.t.Helper()
	for _, p := range []string{"/text", "/login"} {
		if tok := b.csrfOf(p); tok != "" {
			return tok
		}
	}
	b.t.Fatal("no page gives a CSRF token")
	return ""
}

// csrfOf returns the CSRF token of the form on the page at path, or "".
func (b *webClient) csrfOf(path string) string {
	b.t.Helper()
	if res, body := b.get(path); res.StatusCode == 200 {
		if m := csrfRE.FindStringSubmatch(body); m != nil {
			return m[1]
		}
	}
	return ""
}

// formPage is the page each console form is on.
var formPage = map[string]string{"/login": "/login", "/text": "/text", "/manifest": "/manifest", "/logout": "/text"}

// post posts a form, with the browser's CSRF token unless fields name one,
// and header pairs.
func (b *webClient) post(path string, fields map[string]string, hdr ...string) (*http.Response, string) {
	b.t.Helper()
	v := url.Values{}
	if _, ok := fields["csrf"]; !ok {
		tok := b.csrfOf(formPage[path])
		if tok == "" {
			tok = b.csrf()
		}
		v.Set("csrf", tok)
	}
	for k, x := range fields {
		v.Set(k, x)
	}
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return b.send(req)
}

// signIn signs the browser in with key and returns the session cookie.
func (b *webClient) signIn(key string) *http.Cookie {
	b.t.Helper()
	res, body := b.post("/login", map[string]string{"key": key, "next": "/lists"})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/lists" {
		b.t.Fatalf("sign-in: %d %q %s", res.StatusCode, res.Header.Get("Location"), body)
	}
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie || c.Name == tlsSessionCookie {
			return c
		}
	}
	b.t.Fatalf("sign-in set no session cookie: %v", res.Cookies())
	return nil
}

// TestConsoleSession checks the console's sign-in: the cookie holds a
// random session id, not the API key, with HttpOnly and SameSite=Strict;
// the session is kept hashed in the store and ends at sign-out and when its
// key is revoked.
func TestConsoleSession(t *testing.T) {
	ctx := context.Background()
	ks := newKeyStore(t)
	k, key := createKey(t, ks, "analyst", "screen")
	createKey(t, ks, "admin", "admin")
	s, _ := newTestServer(t, Options{Keys: ks})
	b := newClient(t, s)

	if res, _ := b.get("/lists"); res.StatusCode != 303 || res.Header.Get("Location") != "/login?next=%2Flists" {
		t.Fatalf("before signing in: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	c := b.signIn(key)
	if c.Value == key || strings.Contains(c.Value, key) || !strings.HasPrefix(c.Value, "vgs_") ||
		!c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Secure || c.Path != "/" {
		t.Errorf("session cookie %+v", c)
	}
	sess, err := ks.LookupSession(ctx, c.Value)
	if err != nil || sess.Key.ID != k.ID {
		t.Fatalf("stored session: %+v, %v", sess, err)
	}
	res, body := b.get("/lists")
	if res.StatusCode != 200 || !strings.Contains(body, `action="/logout"`) || res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("signed in: %d %v", res.StatusCode, res.Header)
	}

	// Signing out ends the session in the store, not only in the browser.
	if res, _ := b.post("/logout", nil); res.StatusCode != 303 || res.Header.Get("Location") != "/login" {
		t.Errorf("sign-out: %d %q", res.StatusCode, res.Header.Get("Location"))
	}
	if _, err := ks.LookupSession(ctx, c.Value); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("session after sign-out: %v", err)
	}
	replay := newClient(t, s)
	u, _ := url.Parse(replay.base)
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: c.Value}})
	if res, _ := replay.get("/lists"); res.StatusCode != 303 {
		t.Errorf("the cookie of an ended session: %d", res.StatusCode)
	}

	// Revoking the key ends its sessions.
	c = b.signIn(key)
	if _, err := ks.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if res, _ := b.get("/lists"); res.StatusCode != 303 {
		t.Errorf("session of a revoked key: %d", res.StatusCode)
	}
	if _, err := ks.LookupSession(ctx, c.Value); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("the store keeps the session of a revoked key: %v", err)
	}
}

// TestCSRF checks that every console POST needs the browser's own CSRF
// token and a same-origin request, that the API ignores the console's
// cookie, and that another site cannot sign a browser in with its key.
func TestCSRF(t *testing.T) {
	ks := newKeyStore(t)
	_, victimKey := createKey(t, ks, "victim", "admin")
	_, attackerKey := createKey(t, ks, "attacker", "screen")
	s, _ := newTestServer(t, Options{Keys: ks, ScanText: testScanText, ParseManifest: testManifest})
	victim := newClient(t, s)
	victim.signIn(victimKey)
	attacker := newClient(t, s)
	attacker.signIn(attackerKey)
	attackerToken := attacker.csrf()
	u, _ := url.Parse(victim.base)
	otherPort := "http://" + u.Hostname() + ":1"

	type variant struct {
		name   string
		fields map[string]string
		hdr    []string
		ok     bool
	}
	variants := func(fields map[string]string) []variant {
		with := func(extra map[string]string) map[string]string {
			m := map[string]string{}
			for k, v := range fields {
				m[k] = v
			}
			for k, v := range extra {
				m[k] = v
			}
			return m
		}
		return []variant{
			{"no token", with(map[string]string{"csrf": ""}), nil, false},
			{"another browser's token", with(map[string]string{"csrf": attackerToken}), nil, false},
			{"cross-site", with(nil), []string{"Sec-Fetch-Site", "cross-site"}, false},
			{"another port of this host", with(nil), []string{"Sec-Fetch-Site", "same-site"}, false},
			{"foreign Origin", with(nil), []string{"Origin", otherPort}, false},
			{"own form", with(nil), []string{"Sec-Fetch-Site", "same-origin", "Origin", victim.base}, true},
		}
	}
	for _, route := range []struct {
		path   string
		fields map[string]string
		want   int // status of the own form
	}{
		{"/text", map[string]string{"text": "Ivan Petrov met envoys."}, 200},
		{"/manifest", map[string]string{"manifest": "IVAN PETROV|1970"}, 200},
		{"/login", map[string]string{"key": victimKey}, 303},
		{"/logout", nil, 303}, // last: it ends the session
	} {
		for _, v := range variants(route.fields) {
			t.Run(route.path+"/"+v.name, func(t *testing.T) {
				res, body := victim.post(route.path, v.fields, v.hdr...)
				if v.ok && res.StatusCode != route.want || !v.ok && res.StatusCode != 403 {
					t.Errorf("%d, want %d: %.300s", res.StatusCode, map[bool]int{true: route.want, false: 403}[v.ok], body)
				}
			})
		}
	}

	// The API takes keys from headers only: the admin's console cookie
	// refreshes nothing.
	admin := newClient(t, s)
	admin.signIn(victimKey)
	req, _ := http.NewRequest("POST", admin.base+"/v1/lists/refresh", nil)
	if res, body := admin.send(req); res.StatusCode != 401 {
		t.Errorf("refresh with the console cookie: %d %s", res.StatusCode, body)
	}
	// Login CSRF: a page of another site cannot sign the victim in with
	// the attacker's key, with or without a token of its own.
	fresh := newClient(t, s)
	for _, v := range []struct {
		name   string
		fields map[string]string
		hdr    []string
	}{
		{"no token", map[string]string{"key": attackerKey, "csrf": ""}, nil},
		{"the attacker's token", map[string]string{"key": attackerKey, "csrf": attackerToken}, nil},
		{"cross-site", map[string]string{"key": attackerKey}, []string{"Sec-Fetch-Site", "cross-site"}},
	} {
		if res, _ := fresh.post("/login", v.fields, v.hdr...); res.StatusCode != 403 {
			t.Errorf("login CSRF, %s: %d", v.name, res.StatusCode)
		}
	}
	if res, _ := fresh.get("/lists"); res.StatusCode != 303 {
		t.Errorf("the browser was signed in by another site: %d", res.StatusCode)
	}
}

// TestAdminRoutesSessionRules checks that the admin routes beside the key
// routes (webhooks, rollback) keep the service's rules: they take a key
// from the headers only, never the console's cookie; a browser's
// cross-origin request is refused even with a key; a refused request
// changes nothing and leaves no record; key and webhook changes need a key
// to be audited under, even with --no-auth; and a key revoked over the API
// ends its console sessions at once.
func TestAdminRoutesSessionRules(t *testing.T) {
	ctx := context.Background()
	var st *sqlite.Store
	var s *Server
	s, st = newTestServer(t, Options{Rebuild: func(context.Context) (*Snapshot, error) { return snapshotOf(t, st), nil }})
	wh := &webhook.Admin{Store: st, Keys: &webhook.KeyFile{Path: filepath.Join(t.TempDir(), "webhook-key")}, Audit: webhookAuditor{st}}
	s.opts.Webhooks = wh
	adminK, admin := createKey(t, st, "ops", "admin")
	analystK, analyst := createKey(t, st, "analyst", "screen")
	browser := newClient(t, s)
	browser.signIn(admin)

	records := func() int {
		recs, err := st.AuditLog(ctx, vigil.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return len(recs)
	}
	const hook = `{"url":"http://127.0.0.1:1/hook","events":["alert.opened"]}`
	routes := []struct{ method, path, body string }{
		{"GET", "/v1/keys", ""},
		{"POST", "/v1/keys", `{"name":"x","role":"admin"}`},
		{"DELETE", "/v1/keys/" + analystK.ID, ""},
		{"GET", "/v1/webhooks", ""},
		{"POST", "/v1/webhooks", hook},
		{"POST", "/v1/lists/un/rollback", `{"reason":"test"}`},
	}
	before := records()
	for _, r := range routes {
		req, _ := http.NewRequest(r.method, browser.base+r.path, strings.NewReader(r.body))
		req.Header.Set("Content-Type", "application/json")
		if res, body := browser.send(req); res.StatusCode != 401 {
			t.Errorf("%s %s with the admin's console cookie: %d %s", r.method, r.path, res.StatusCode, body)
		}
		if r.method == "GET" {
			continue // safe methods pass the origin check
		}
		hdr := append(bearer(admin), "Sec-Fetch-Site", "cross-site")
		if res, body := do(t, s.Handler(), r.method, r.path, r.body, hdr...); res.StatusCode != 403 || !strings.Contains(body, "cross-origin") {
			t.Errorf("%s %s cross-site with the admin key: %d %s", r.method, r.path, res.StatusCode, body)
		}
	}
	if n := records(); n != before {
		t.Errorf("refused requests left %d audit records", n-before)
	}
	if ws, _ := wh.List(ctx, true); len(ws) != 0 {
		t.Errorf("a refused request added webhooks: %+v", ws)
	}
	if vs, _ := st.Versions(ctx, "un"); len(vs) != 2 {
		t.Errorf("a refused request rolled back: %d versions", len(vs))
	}

	// With the key in the header, from no browser, they work and are
	// audited under the admin's key.
	if res, body := do(t, s.Handler(), "POST", "/v1/webhooks", hook, bearer(admin)...); res.StatusCode != 201 {
		t.Fatalf("add a webhook: %d %s", res.StatusCode, body)
	}
	if res, body := do(t, s.Handler(), "POST", "/v1/lists/un/rollback", `{"reason":"test"}`, bearer(admin)...); res.StatusCode != 200 {
		t.Fatalf("rollback: %d %s", res.StatusCode, body)
	}
	analystBrowser := newClient(t, s)
	analystBrowser.signIn(analyst)
	if res, body := do(t, s.Handler(), "DELETE", "/v1/keys/"+analystK.ID, "", bearer(admin)...); res.StatusCode != 200 {
		t.Fatalf("revoke: %d %s", res.StatusCode, body)
	}
	if res, _ := analystBrowser.get("/lists"); res.StatusCode != 303 {
		t.Errorf("the console session of a key revoked over the API: %d", res.StatusCode)
	}
	recs, _ := st.AuditLog(ctx, vigil.AuditFilter{Limit: 3})
	var got []string
	for _, r := range recs {
		got = append(got, r.Who+" "+r.Action)
	}
	who := "key:" + adminK.ID
	if want := []string{who + " key.revoke", who + " list.rollback", who + " webhook.add"}; strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("audit %q, want %q", got, want)
	}

	// --no-auth serves without a key, but key and webhook changes, audited
	// under a key, are refused.
	open := New(Options{Store: st, Keys: st, NoAuth: true, Webhooks: wh})
	for _, r := range routes[1:5] {
		if r.method == "GET" {
			continue
		}
		if res, body := do(t, open.Handler(), r.method, r.path, r.body); res.StatusCode != 403 {
			t.Errorf("--no-auth %s %s: %d %s", r.method, r.path, res.StatusCode, body)
		}
	}
}
