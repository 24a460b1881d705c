package http

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzRequests sends arbitrary bodies to the JSON routes: the answer is
// always JSON and never a 5xx.
func FuzzRequests(f *testing.F) {
	for _, seed := range []string{`{"name":"Qasem Soleimani"}`, `{"queries":[{"name":"a","dob":"1957"}]}`, `{"name":1}`, `{`, `null`,
		`{"queries":{"a":{"schema":"Person","properties":{"name":["x"],"birthDate":"1957-03"}}}}`, `{"mrz":"P<UTO"}`, `{"text":"Ivan Petrov"}`,
		`{"name":"x","dob":"1957-02-30","nationality":"ZZ","gender":"q"}`,
		`{"queries":{"a":{"schema":"Person","properties":{"name":["x","--"],"birthDate":["1957-03-11T00:00","11.03.1957"],"nationality":["IR","Narnia"],"gender":"m"}}}}`} {
		for _, route := range []string{"/v1/screen", "/match/default", "/v1/mrz", "/v1/text", "/v1/manifest"} {
			f.Add(route, seed)
		}
	}
	s, _ := newTestServer(f, Options{ScanText: testScanText, ParseManifest: testManifest, ParseMRZ: testMRZ, RateLimit: -1})
	h := s.Handler()
	f.Fuzz(func(t *testing.T, route, body string) {
		switch route {
		case "/v1/screen", "/match/default", "/v1/mrz", "/v1/text", "/v1/manifest":
		default:
			return
		}
		res, out := do(t, h, "POST", route, body, "Content-Type", "application/json")
		if res.StatusCode >= 500 {
			t.Fatalf("%s %q: status %d: %s", route, body, res.StatusCode, out)
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s %q: Content-Type %q", route, body, res.Header.Get("Content-Type"))
		}
	})
}

// FuzzSafeNext checks the sign-in redirect: whatever next a page carries,
// the redirect is "/" or next itself, and a browser reading it (dropping
// tabs and line breaks, trimming spaces and control characters, taking
// backslashes for slashes) stays on this site.
func FuzzSafeNext(f *testing.F) {
	for _, seed := range []string{"/lists", "/?name=Qasem+Soleimani", "//evil.example", "/%09/evil.example", "/\t/evil.example",
		"/\\evil.example", "https://evil.example", "/%2F%2Fevil.example", " //evil.example", "/\x00/evil"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got != "/" && got != next {
			t.Fatalf("safeNext(%q) = %q: neither / nor the input", next, got)
		}
		seen := strings.Map(func(r rune) rune {
			switch r {
			case '\t', '\n', '\r':
				return -1
			case '\\':
				return '/'
			}
			return r
		}, got)
		seen = strings.TrimFunc(seen, func(r rune) bool { return r <= ' ' })
		u, err := url.Parse(seen)
		if !strings.HasPrefix(seen, "/") || strings.HasPrefix(seen, "//") || err != nil || u.Host != "" || u.Scheme != "" {
			t.Fatalf("safeNext(%q) = %q, which a browser reads as %q: another site", next, got, seen)
		}
	})
}
