package http

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/time/rate"

	"github.com/vigil-screening/vigil"
)

// Role orders what an API key may do: screen < review < admin.
type Role int

// Roles. RolePublic marks routes that need no key (health checks, login).
const (
	RolePublic Role = iota
	RoleScreen      // screen names, read lists and entities
	RoleReview      // and read the audit log
	RoleAdmin       // and refresh the lists and manage keys
)

// ParseRole parses "screen", "review" or "admin".
func ParseRole(s string) (Role, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "screen":
		return RoleScreen, true
	case "review":
		return RoleReview, true
	case "admin":
		return RoleAdmin, true
	}
	return RolePublic, false
}

// String returns the role's name.
func (r Role) String() string {
	switch r {
	case RoleScreen:
		return "screen"
	case RoleReview:
		return "review"
	case RoleAdmin:
		return "admin"
	}
	return "public"
}

// KeyInfo is what the server knows of the API key a request came with:
// never its secret.
type KeyInfo struct {
	ID   string
	Name string
	Role Role
}

func keyInfo(k vigil.Key) (KeyInfo, error) {
	r, ok := ParseRole(k.Role)
	if !ok {
		return KeyInfo{}, errors.New("key " + k.ID + " has an unknown role " + k.Role)
	}
	return KeyInfo{ID: k.ID, Name: k.Name, Role: r}, nil
}

// keyCache remembers recent key lookups by the SHA-256 of the secret (never
// the secret itself) for Options.KeyCacheTTL, so that an API request does
// not cost a store query; and whether the store has had keys, which once
// true stays true.
type keyCache struct {
	mu      sync.Mutex
	entries map[[32]byte]keyEntry
	had     bool
	hadAt   time.Time
}

type keyEntry struct {
	info KeyInfo
	err  error
	at   time.Time
}

// ForgetKeys drops cached key lookups, so that a key created or revoked in
// this process takes effect at once.
func (s *Server) ForgetKeys() {
	s.keys.mu.Lock()
	s.keys.entries = nil
	s.keys.mu.Unlock()
}

// Cookie names. The session cookie holds a session secret, never an API
// key; under TLS it takes the __Host- prefix, which browsers accept only
// from a secure origin, for this host only. The CSRF cookie holds a random
// nonce for the forms of a browser that has no session yet (sign-in, and
// the console of a store that never had keys).
const (
	sessionCookie    = "vigil_session"
	tlsSessionCookie = "__Host-vigil_session"
	csrfCookie       = "vigil_csrf"
	tlsCSRFCookie    = "__Host-vigil_csrf"
)

func sessionCookieName(r *http.Request) string {
	if r.TLS != nil {
		return tlsSessionCookie
	}
	return sessionCookie
}

func csrfCookieName(r *http.Request) string {
	if r.TLS != nil {
		return tlsCSRFCookie
	}
	return csrfCookie
}

// headerKey returns the secret from "Authorization: Bearer" or "X-API-Key".
// The API takes keys from headers only: a browser never adds those to a
// request another site makes it send, as it adds cookies.
func headerKey(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	return strings.TrimSpace(r.Header.Get("X-API-Key"))
}

// authError is why a request is refused: its status and message.
type authError struct {
	status int
	msg    string
}

var (
	errNoKey       = &authError{http.StatusUnauthorized, "an API key is required: send \"Authorization: Bearer <key>\" or \"X-API-Key: <key>\""}
	errBadKey      = &authError{http.StatusUnauthorized, "the API key is unknown or revoked"}
	errNoSession   = &authError{http.StatusUnauthorized, "sign in first"}
	errStoreDown   = &authError{http.StatusServiceUnavailable, "cannot check API keys right now"}
	errNoKeyStore  = &authError{http.StatusServiceUnavailable, "this server has no key store; it serves without keys only when started with --no-auth"}
	errTooManyFail = &authError{http.StatusTooManyRequests, "too many failed sign-ins from this address; wait a minute"}
)

// authenticate returns the key a request comes with (nil when keys are not
// required), or why it is refused. API routes take a key from the headers;
// console pages take the session cookie, and then also return the
// session's secret.
func (s *Server) authenticate(r *http.Request, html bool) (*KeyInfo, string, *authError) {
	if s.opts.NoAuth {
		return nil, "", nil
	}
	if s.opts.Keys == nil {
		return nil, "", errNoKeyStore
	}
	ctx := r.Context()
	need, err := s.keysRequired(ctx)
	if err != nil {
		s.log.Error("checking for API keys", "err", err)
		return nil, "", errStoreDown
	}
	if !need {
		return nil, "", nil
	}
	if html {
		c, err := r.Cookie(sessionCookieName(r))
		if err != nil || c.Value == "" {
			return nil, "", errNoSession
		}
		// Session secrets are not guessed (256 random bits): an unknown
		// one is an ended session, not counted as a failed sign-in.
		sess, err := s.opts.Keys.LookupSession(ctx, c.Value)
		if errors.Is(err, vigil.ErrNotFound) {
			return nil, "", errNoSession
		}
		if err != nil {
			s.log.Error("looking up a console session", "err", err)
			return nil, "", errStoreDown
		}
		info, err := keyInfo(sess.Key)
		if err != nil {
			s.log.Error("a console session's key", "err", err)
			return nil, "", errStoreDown
		}
		return &info, c.Value, nil
	}
	secret := headerKey(r)
	if secret == "" {
		return nil, "", errNoKey
	}
	info, aerr := s.lookupKey(r, secret)
	return info, "", aerr
}

// keysRequired reports whether the store has had keys. A true answer is
// kept for good: it never becomes false again.
func (s *Server) keysRequired(ctx context.Context) (bool, error) {
	now := time.Now()
	s.keys.mu.Lock()
	had, fresh := s.keys.had, s.keys.had || s.opts.KeyCacheTTL > 0 && now.Sub(s.keys.hadAt) < s.opts.KeyCacheTTL
	s.keys.mu.Unlock()
	if fresh {
		return had, nil
	}
	had, err := s.opts.Keys.HadKeys(ctx)
	if err != nil {
		return false, err
	}
	s.keys.mu.Lock()
	s.keys.had, s.keys.hadAt = s.keys.had || had, now
	s.keys.mu.Unlock()
	return had, nil
}

// lookupKey checks an API key secret, through the cache; failures count
// against the client address, which is refused for a while after too many.
func (s *Server) lookupKey(r *http.Request, secret string) (*KeyInfo, *authError) {
	addr := clientAddr(r)
	if !s.failures.ok(addr) {
		return nil, errTooManyFail
	}
	ttl, now := s.opts.KeyCacheTTL, time.Now()
	sum := sha256.Sum256([]byte(secret))
	s.keys.mu.Lock()
	e, ok := s.keys.entries[sum]
	s.keys.mu.Unlock()
	if !ok || ttl <= 0 || now.Sub(e.at) >= ttl {
		k, err := s.opts.Keys.LookupKey(r.Context(), secret)
		e = keyEntry{at: now, err: err}
		if err == nil {
			e.info, e.err = keyInfo(k)
		}
		if e.err != nil && !errors.Is(e.err, vigil.ErrNotFound) {
			s.log.Error("looking up an API key", "err", e.err)
			return nil, errStoreDown
		}
		s.keys.mu.Lock()
		if s.keys.entries == nil || len(s.keys.entries) > 10000 {
			s.keys.entries = map[[32]byte]keyEntry{}
		}
		s.keys.entries[sum] = e
		s.keys.mu.Unlock()
	}
	if e.err != nil {
		s.failures.fail(addr)
		return nil, errBadKey
	}
	info := e.info
	return &info, nil
}

// metricsToken reports whether r carries the metrics token as a bearer
// token.
func (s *Server) metricsToken(r *http.Request) bool {
	if s.opts.MetricsToken == "" {
		return false
	}
	a, b := sha256.Sum256([]byte(headerKey(r))), sha256.Sum256([]byte(s.opts.MetricsToken))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// csrfToken returns the token the console's forms carry for a browser: an
// HMAC of its session secret, or, without a session, of its CSRF cookie's
// nonce. A page of another site cannot read either.
func csrfToken(secret string) string {
	if secret == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("vigil console form"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// validCSRF reports whether a form's token is the browser's.
func validCSRF(secret, token string) bool {
	want := csrfToken(secret)
	return want != "" && hmac.Equal([]byte(want), []byte(token))
}

// newNonce returns 32 random bytes in base64url.
func newNonce() string {
	var b [32]byte
	rand.Read(b[:]) // crypto/rand.Read never returns an error
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// limiters holds one token bucket per key id or client address.
type limiters struct {
	mu    sync.Mutex
	m     map[string]*rate.Limiter
	limit rate.Limit
	burst int
}

func (l *limiters) get(id string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil || len(l.m) > 100000 {
		l.m = map[string]*rate.Limiter{}
	}
	b, ok := l.m[id]
	if !ok {
		b = rate.NewLimiter(l.limit, l.burst)
		l.m[id] = b
	}
	return b
}

// ok reports whether id has a token left, without taking it.
func (l *limiters) ok(id string) bool { return l.get(id).Tokens() >= 1 }

// fail takes a token from id's bucket.
func (l *limiters) fail(id string) { l.get(id).Allow() }

func (s *Server) allow(key *KeyInfo, r *http.Request) bool {
	if s.opts.RateLimit < 0 {
		return true
	}
	id := "addr:" + clientAddr(r)
	if key != nil {
		id = "key:" + key.ID
	}
	return s.limits.get(id).Allow()
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }

// safeNext returns next when it is a clean path on this site, else "/". It
// refuses anything a browser could read as another site: a scheme or host;
// "//" or "/\\" at the start, also once percent-decoded; and backslashes,
// control characters and white space anywhere (browsers drop tabs and line
// breaks from URLs, so "/\t/evil.example" would become "//evil.example").
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(next, "/") {
		return "/"
	}
	unq, err := url.PathUnescape(next)
	if err != nil {
		return "/"
	}
	for _, p := range []string{next, unq} {
		if strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
			return "/"
		}
	}
	for _, r := range next {
		if r == '\\' || unicode.IsControl(r) || unicode.IsSpace(r) || r == utf8.RuneError {
			return "/"
		}
	}
	return next
}
