package sqlite

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
)

func TestAuditLog(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	recs := []AuditRecord{
		{Time: t0, Key: "key_a", Action: "screen", Query: json.RawMessage(`{"name":"X"}`), Result: json.RawMessage(`{"matches":0}`)},
		{Time: t0.Add(time.Second), Key: "key_b", Action: "import"},
		{Key: "key_a", Action: "screen", Query: json.RawMessage(`{"name":"Y"}`)},
	}
	for _, r := range recs {
		if err := s.Audit(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Audit(ctx, AuditRecord{Action: "screen", Query: json.RawMessage(`{bad`)}); err == nil {
		t.Error("invalid JSON accepted")
	}
	if err := s.Audit(ctx, AuditRecord{Key: "k"}); err == nil {
		t.Error("record without action accepted")
	}
	log, err := s.AuditLog(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || string(log[0].Query) != `{"name":"Y"}` || log[1].Action != "import" || string(log[1].Query) != "null" {
		t.Fatalf("AuditLog(2) = %+v", log)
	}
	if log[0].Time.IsZero() || log[0].ID <= log[1].ID {
		t.Errorf("newest first with a time: %+v", log)
	}
	all, _ := s.AuditLog(ctx, 0)
	if len(all) != 3 || !all[2].Time.Equal(t0) || string(all[2].Result) != `{"matches":0}` || all[2].Key != "key_a" {
		t.Errorf("AuditLog(0) = %+v", all)
	}
}

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
}

// TestAuditConcurrent audits from many goroutines at once
// and checks every record is stored exactly once, with increasing ids, and
// that audits on a closed store fail rather than hang.
func TestAuditConcurrent(t *testing.T) {
	st, _ := openTemp(t)
	const goroutines, each = 32, 25
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				q := json.RawMessage(fmt.Sprintf(`{"g":%d,"i":%d}`, g, i))
				if err := st.Audit(context.Background(), AuditRecord{Action: "screen", Key: "k", Query: q}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	log, err := st.AuditLog(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != goroutines*each {
		t.Fatalf("%d records stored, want %d", len(log), goroutines*each)
	}
	seen := map[string]bool{}
	for i, rec := range log {
		if seen[string(rec.Query)] {
			t.Fatalf("record %s stored twice", rec.Query)
		}
		seen[string(rec.Query)] = true
		if i > 0 && rec.ID >= log[i-1].ID {
			t.Fatalf("ids not decreasing newest first: %d after %d", rec.ID, log[i-1].ID)
		}
	}
	// A closed store fails every waiting caller instead of hanging.
	st.Close()
	var failed sync.WaitGroup
	for range 8 {
		failed.Go(func() {
			if err := st.Audit(context.Background(), AuditRecord{Action: "screen"}); err == nil {
				t.Error("audit on a closed store succeeded")
			}
		})
	}
	failed.Wait()
}
