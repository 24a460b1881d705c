package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
)

var _ = add("APIKeys", testAPIKeys)
var _ = add("KeyChangeAuditedOrUndone", testKeyChangeAuditedOrUndone)
var _ = add("HadKeys", testHadKeys)
var _ = add("Sessions", testSessions)

func testAPIKeys(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	k, secret, err := s.CreateKey(ctx, " ops laptop ", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "vgl_") || len(secret) != 4+43 || !strings.HasPrefix(k.ID, "key_") || k.Name != "ops laptop" || k.Created.IsZero() {
		t.Errorf("key %+v secret %q", k, secret)
	}
	k2, secret2, _ := s.CreateKey(ctx, "airline", "screen")
	if secret2 == secret || k2.ID == k.ID {
		t.Error("keys not unique")
	}
	for _, bad := range []struct{ name, role string }{{"x", ""}, {"", "admin"}, {"  ", "admin"}} {
		if _, _, err := s.CreateKey(ctx, bad.name, bad.role); err == nil {
			t.Errorf("key %q with role %q accepted", bad.name, bad.role)
		}
	}

	// Only the hash is stored.
	h := sha256.Sum256([]byte(secret))
	if n := s.Int(t, fmt.Sprintf("SELECT COUNT(*) FROM api_keys WHERE id = '%s' AND %s = '%x'", k.ID, s.Hex("hash"), h)); n != 1 {
		t.Error("stored hash is not SHA-256 of the secret")
	}
	if n := s.Int(t, fmt.Sprintf("SELECT COUNT(*) FROM api_keys WHERE name = '%[1]s' OR role = '%[1]s' OR id = '%[1]s'", secret)); n != 0 {
		t.Error("secret stored in clear")
	}

	got, err := s.LookupKey(ctx, secret)
	if err != nil || got.ID != k.ID || got.Name != "ops laptop" || got.Role != "admin" || got.Created.IsZero() || !got.Revoked.IsZero() {
		t.Errorf("LookupKey = %+v, %v", got, err)
	}
	for _, bad := range []string{"", "vgl_", secret + "x", strings.TrimPrefix(secret, "vgl_")} {
		if _, err := s.LookupKey(ctx, bad); !errors.Is(err, vigil.ErrNotFound) {
			t.Errorf("LookupKey(%q) err = %v", bad, err)
		}
	}
	rk, err := s.RevokeKey(ctx, k.ID)
	if err != nil || rk.ID != k.ID || rk.Revoked.IsZero() {
		t.Fatalf("RevokeKey = %+v, %v", rk, err)
	}
	if again, err := s.RevokeKey(ctx, k.ID); !errors.Is(err, vigil.ErrRevoked) || again.ID != k.ID || !strings.Contains(err.Error(), "revoked on") {
		t.Errorf("second revoke: %+v, %v; want ErrRevoked with the key", again, err)
	}
	if _, err := s.RevokeKey(ctx, "key_nope"); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("revoking an unknown key: %v", err)
	}
	if _, err := s.LookupKey(ctx, secret); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("revoked key still valid: %v", err)
	}
	keys, err := s.ListKeys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("ListKeys = %+v, %v", keys, err)
	}
	for _, x := range keys {
		if (x.ID == k.ID) == x.Revoked.IsZero() {
			t.Errorf("key %s revoked = %v", x.ID, x.Revoked)
		}
	}

	// Creating and revoking keys is audited, for the actor the context
	// names, without the secret; a creation refused or a revocation that
	// found no active key is not.
	recs, err := s.AuditLog(ctx, vigil.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var records []string
	for _, r := range recs {
		records = append(records, r.Action+" "+string(r.Query)+" "+string(r.Result))
		if strings.Contains(string(r.Query)+string(r.Result), strings.TrimPrefix(secret, "vgl_")) ||
			strings.Contains(string(r.Query)+string(r.Result), strings.TrimPrefix(secret2, "vgl_")) {
			t.Errorf("audit record %d holds a secret", r.Seq)
		}
	}
	want := []string{
		`key.revoke {"id":"` + k.ID + `"} null`,
		`key.create {"name":"airline","role":"screen"} {"id":"` + k2.ID + `"}`,
		`key.create {"name":"ops laptop","role":"admin"} {"id":"` + k.ID + `"}`,
	}
	if strings.Join(records, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit records:\n%s\nwant:\n%s", strings.Join(records, "\n"), strings.Join(want, "\n"))
	}
	if recs[0].Who != "unknown" {
		t.Errorf("who = %q without an actor in the context", recs[0].Who)
	}
	alice := vigil.WithActor(ctx, "cli:alice")
	k3, _, err := s.CreateKey(alice, "x", "review")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.RevokeKey(alice, k3.ID); err != nil {
		t.Fatal(err)
	}
	recs, _ = s.AuditLog(ctx, vigil.AuditFilter{Limit: 2})
	if len(recs) != 2 || recs[0].Who != "cli:alice" || recs[0].Action != vigil.AuditKeyRevoke || recs[1].Who != "cli:alice" || recs[1].Action != vigil.AuditKeyCreate {
		t.Errorf("records %+v, want key.revoke and key.create by cli:alice", recs)
	}
}

// TestKeyChangeAuditedOrUndone checks that a key change and its audit
// record are one transaction: when the record cannot be written (an actor
// the chain refuses), no key is created and none is revoked.
func testKeyChangeAuditedOrUndone(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	k, secret, err := s.CreateKey(ctx, "kept", "admin")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := s.CreateSession(ctx, k.ID, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	bad := vigil.WithActor(ctx, "cli:bad\nactor")
	if _, _, err := s.CreateKey(bad, "lost", "admin"); err == nil {
		t.Error("a key was created without its audit record")
	}
	if _, err := s.RevokeKey(bad, k.ID); err == nil {
		t.Error("a key was revoked without its audit record")
	}
	keys, _ := s.ListKeys(ctx)
	if len(keys) != 1 || !keys[0].Revoked.IsZero() {
		t.Errorf("keys after refused changes: %+v", keys)
	}
	if _, err := s.LookupKey(ctx, secret); err != nil {
		t.Errorf("key whose revocation was refused: %v", err)
	}
	if _, err := s.LookupSession(ctx, sess); err != nil {
		t.Errorf("session of a key whose revocation was refused: %v", err)
	}
	if recs, _ := s.AuditLog(ctx, vigil.AuditFilter{}); len(recs) != 1 {
		t.Errorf("%d audit records, want 1", len(recs))
	}
}

// TestHadKeys checks that "this store has had keys" is recorded when the
// first key is created and survives revoking every key and reopening the
// store, and that the migration records it for a store that had keys
// before it.
func testHadKeys(t *testing.T, open Opener) {
	ctx := context.Background()
	db := open(t)
	var s vigil.Backend = db
	k, _, _ := s.CreateKey(ctx, "only", "admin")
	steps := []struct {
		name string
		do   func() error
		want bool
	}{
		{"new store", func() error { return nil }, true},
		{"every key revoked", func() error { _, err := s.RevokeKey(ctx, k.ID); return err }, true},
		{"reopened", func() error {
			s.Close()
			s = db.Reopen(t)
			return nil
		}, true},
	}
	fresh := open(t)
	if had, err := fresh.HadKeys(ctx); err != nil || had {
		t.Errorf("a store without keys: HadKeys = %v, %v", had, err)
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if had, err := s.HadKeys(ctx); err != nil || had != st.want {
			t.Errorf("%s: HadKeys = %v, %v; want %v", st.name, had, err, st.want)
		}
	}
}

// TestSessions checks console sessions: stored hashed, found while live,
// gone when ended, expired, or when their key is revoked.
func testSessions(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	k, keySecret, _ := s.CreateKey(ctx, "analyst", "screen")
	other, _, _ := s.CreateKey(ctx, "other", "screen")
	later := time.Now().Add(time.Hour)

	live, err := s.CreateSession(ctx, k.ID, later)
	if err != nil || !strings.HasPrefix(live, "vgs_") {
		t.Fatalf("CreateSession = %q, %v", live, err)
	}
	ended, _ := s.CreateSession(ctx, k.ID, later)
	if err := s.EndSession(ctx, ended); err != nil {
		t.Fatal(err)
	}
	expired, _ := s.CreateSession(ctx, k.ID, time.Now().Add(-time.Second))
	otherS, _ := s.CreateSession(ctx, other.ID, later)

	for _, tc := range []struct {
		name, secret string
		key          string // "" when not found
	}{
		{"live", live, k.ID},
		{"other key's", otherS, other.ID},
		{"ended", ended, ""},
		{"expired", expired, ""},
		{"unknown", "vgs_" + "x", ""},
		{"a key's secret", keySecret, ""},
		{"empty", "", ""},
	} {
		got, err := s.LookupSession(ctx, tc.secret)
		if tc.key == "" {
			if !errors.Is(err, vigil.ErrNotFound) {
				t.Errorf("%s: LookupSession = %+v, %v; want ErrNotFound", tc.name, got, err)
			}
			continue
		}
		if err != nil || got.Key.ID != tc.key || got.Key.Role != "screen" || !got.Expires.After(time.Now()) {
			t.Errorf("%s: LookupSession = %+v, %v", tc.name, got, err)
		}
	}

	// Only the hash is stored.
	h := sha256.Sum256([]byte(live))
	if n := s.Int(t, fmt.Sprintf("SELECT COUNT(*) FROM sessions WHERE %s = '%x'", s.Hex("hash"), h)); n != 1 {
		t.Errorf("%d sessions stored under the secret's hash", n)
	}

	// Revoking the key ends its sessions, not the other key's; a revoked
	// key gets no new session.
	if _, err := s.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.LookupSession(ctx, live); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("session of a revoked key: %v", err)
	}
	if n := s.Int(t, "SELECT COUNT(*) FROM sessions WHERE key_id = '"+k.ID+"'"); n != 0 {
		t.Errorf("%d sessions left for the revoked key", n)
	}
	if _, err := s.LookupSession(ctx, otherS); err != nil {
		t.Errorf("another key's session ended too: %v", err)
	}
	if _, err := s.CreateSession(ctx, k.ID, later); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("session for a revoked key: %v", err)
	}
}
