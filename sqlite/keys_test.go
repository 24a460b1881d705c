package sqlite

import (
	"context"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	vigil "github.com/vigil-screening/vigil"
)

func TestAPIKeys(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	if has, err := s.HasKeys(ctx); err != nil || has {
		t.Fatalf("HasKeys on empty = %v, %v", has, err)
	}
	id, secret, err := s.CreateKey(ctx, "ops laptop", "admin")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "vgl_") || len(secret) != 4+43 || !strings.HasPrefix(id, "key_") {
		t.Errorf("id %q secret %q", id, secret)
	}
	id2, secret2, _ := s.CreateKey(ctx, "airline", "screen")
	if secret2 == secret || id2 == id {
		t.Error("keys not unique")
	}
	if _, _, err := s.CreateKey(ctx, "x", ""); err == nil {
		t.Error("key without role accepted")
	}

	// Only the hash is stored.
	var stored []byte
	if err := s.db.QueryRow("SELECT hash FROM api_keys WHERE id = ?", id).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if h := sha256.Sum256([]byte(secret)); string(stored) != string(h[:]) {
		t.Error("stored hash is not SHA-256 of the secret")
	}
	var n int
	s.db.QueryRow("SELECT COUNT(*) FROM api_keys WHERE name = ? OR role = ? OR id = ?", secret, secret, secret).Scan(&n)
	if n != 0 {
		t.Error("secret stored in clear")
	}

	k, err := s.LookupKey(ctx, secret)
	if err != nil || k.ID != id || k.Name != "ops laptop" || k.Role != "admin" || k.Created.IsZero() || !k.Revoked.IsZero() {
		t.Errorf("LookupKey = %+v, %v", k, err)
	}
	for _, bad := range []string{"", "vgl_", secret + "x", strings.TrimPrefix(secret, "vgl_")} {
		if _, err := s.LookupKey(ctx, bad); !errors.Is(err, vigil.ErrNotFound) {
			t.Errorf("LookupKey(%q) err = %v", bad, err)
		}
	}
	if err := s.RevokeKey(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeKey(ctx, id); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("second revoke: %v", err)
	}
	if _, err := s.LookupKey(ctx, secret); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("revoked key still valid: %v", err)
	}
	keys, err := s.ListKeys(ctx)
	if err != nil || len(keys) != 2 {
		t.Fatalf("ListKeys = %+v, %v", keys, err)
	}
	for _, k := range keys {
		if (k.ID == id) == k.Revoked.IsZero() {
			t.Errorf("key %s revoked = %v", k.ID, k.Revoked)
		}
	}
	if has, _ := s.HasKeys(ctx); !has {
		t.Error("HasKeys false with one active key")
	}
	s.RevokeKey(ctx, id2)
	if has, _ := s.HasKeys(ctx); has {
		t.Error("HasKeys true with only revoked keys")
	}

	// Creating and revoking keys is audited, for the actor the context
	// names, without the secret; a revocation that found no key is not.
	recs, err := s.AuditLog(ctx, vigil.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Action+" "+string(r.Query)+" "+string(r.Result))
		if strings.Contains(string(r.Query)+string(r.Result), strings.TrimPrefix(secret, SecretPrefix)) ||
			strings.Contains(string(r.Query)+string(r.Result), strings.TrimPrefix(secret2, SecretPrefix)) {
			t.Errorf("audit record %d holds a secret", r.Seq)
		}
	}
	want := []string{
		`key.revoke {"id":"` + id2 + `"} null`,
		`key.revoke {"id":"` + id + `"} null`,
		`key.create {"name":"airline","role":"screen"} {"id":"` + id2 + `"}`,
		`key.create {"name":"ops laptop","role":"admin"} {"id":"` + id + `"}`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit records:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if recs[0].Who != "unknown" {
		t.Errorf("who = %q without an actor in the context", recs[0].Who)
	}
	if _, _, err := s.CreateKey(vigil.WithActor(ctx, "cli:alice"), "x", "review"); err != nil {
		t.Fatal(err)
	}
	if recs, _ := s.AuditLog(ctx, vigil.AuditFilter{Limit: 1}); recs[0].Who != "cli:alice" {
		t.Errorf("who = %q, want cli:alice", recs[0].Who)
	}
}
