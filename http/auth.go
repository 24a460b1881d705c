package http

import (
	"context"
	"crypto/sha256"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Role orders what an API key may do: screen < review < admin.
type Role int

// Roles. RolePublic marks routes that need no key (health checks, login).
const (
	RolePublic Role = iota
	RoleScreen      // screen names, read lists and entities
	RoleReview      // and read the audit log
	RoleAdmin       // and trigger list refreshes
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

// KeyInfo is what the server knows of an API key: never its secret.
type KeyInfo struct {
	ID   string
	Name string
	Role Role
}

// ErrUnknownKey is what Keys.Lookup returns for a secret that matches no
// active key.
var ErrUnknownKey = errors.New("unknown or revoked API key")

// Keys looks up API keys; the sqlite store implements it through a small
// adapter in cmd/vigil. Lookup receives the secret as presented and must
// compare it only with stored hashes.
type Keys interface {
	// HasKeys reports whether any active key exists; when none does, every
	// route is open.
	HasKeys(ctx context.Context) (bool, error)
	// Lookup returns the key whose secret this is, or ErrUnknownKey.
	Lookup(ctx context.Context, secret string) (KeyInfo, error)
}

// keyCache remembers recent lookups by the SHA-256 of the secret (never the
// secret itself) so that a request does not cost a store query.
type keyCache struct {
	mu      sync.Mutex
	entries map[[32]byte]keyEntry
	has     bool
	hasAt   time.Time
}

type keyEntry struct {
	info KeyInfo
	err  error
	at   time.Time
}

// ForgetKeys drops cached key lookups, e.g. after a key was created or
// revoked in this process.
func (s *Server) ForgetKeys() {
	s.keys.mu.Lock()
	s.keys.entries, s.keys.hasAt = nil, time.Time{}
	s.keys.mu.Unlock()
}

const sessionCookie = "vigil_key"

// presentedKey returns the secret from "Authorization: Bearer", "X-API-Key"
// or the console's session cookie.
func presentedKey(r *http.Request) string {
	if h := r.Header.Get("Authorization"); h != "" {
		if scheme, tok, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	if h := r.Header.Get("X-API-Key"); h != "" {
		return strings.TrimSpace(h)
	}
	if c, err := r.Cookie(sessionCookie); err == nil {
		return c.Value
	}
	return ""
}

// authenticate returns the key that authenticates r, nil when no keys are
// configured, or a non-zero status and message.
func (s *Server) authenticate(r *http.Request) (*KeyInfo, int, string) {
	if s.opts.Keys == nil {
		return nil, 0, ""
	}
	ctx := r.Context()
	ttl := s.opts.KeyCacheTTL
	now := time.Now()
	s.keys.mu.Lock()
	has, fresh := s.keys.has, ttl > 0 && now.Sub(s.keys.hasAt) < ttl
	s.keys.mu.Unlock()
	if !fresh {
		var err error
		if has, err = s.opts.Keys.HasKeys(ctx); err != nil {
			s.log.Error("checking for API keys", "err", err)
			return nil, http.StatusServiceUnavailable, "cannot check API keys right now"
		}
		s.keys.mu.Lock()
		s.keys.has, s.keys.hasAt = has, now
		s.keys.mu.Unlock()
	}
	if !has {
		return nil, 0, ""
	}
	secret := presentedKey(r)
	if secret == "" {
		return nil, http.StatusUnauthorized, "an API key is required: send \"Authorization: Bearer <key>\" or \"X-API-Key: <key>\""
	}
	sum := sha256.Sum256([]byte(secret))
	s.keys.mu.Lock()
	e, ok := s.keys.entries[sum]
	s.keys.mu.Unlock()
	if !ok || ttl <= 0 || now.Sub(e.at) >= ttl {
		info, err := s.opts.Keys.Lookup(ctx, secret)
		e = keyEntry{info: info, err: err, at: now}
		if err != nil && !errors.Is(err, ErrUnknownKey) {
			s.log.Error("looking up an API key", "err", err)
			return nil, http.StatusServiceUnavailable, "cannot check API keys right now"
		}
		s.keys.mu.Lock()
		if s.keys.entries == nil || len(s.keys.entries) > 10000 {
			s.keys.entries = map[[32]byte]keyEntry{}
		}
		s.keys.entries[sum] = e
		s.keys.mu.Unlock()
	}
	if e.err != nil {
		return nil, http.StatusUnauthorized, "the API key is unknown or revoked"
	}
	info := e.info
	return &info, 0, ""
}

// limiters holds one token bucket per key id or client address.
type limiters struct {
	mu sync.Mutex
	m  map[string]*rate.Limiter
}

func (s *Server) allow(key *KeyInfo, r *http.Request) bool {
	if s.opts.RateLimit < 0 {
		return true
	}
	id := "addr:" + clientAddr(r)
	if key != nil {
		id = "key:" + key.ID
	}
	s.limits.mu.Lock()
	if s.limits.m == nil || len(s.limits.m) > 100000 {
		s.limits.m = map[string]*rate.Limiter{}
	}
	l, ok := s.limits.m[id]
	if !ok {
		l = rate.NewLimiter(s.opts.RateLimit, s.opts.RateBurst)
		s.limits.m[id] = l
	}
	s.limits.mu.Unlock()
	return l.Allow()
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
