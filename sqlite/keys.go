package sqlite

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	vigil "github.com/vigil-screening/vigil"
)

// SecretPrefix starts every API key secret, so that leaked keys are easy to
// recognise (and to scan for).
const SecretPrefix = "vgl_"

// Key is a stored API key. The secret itself is never stored: only its
// SHA-256.
type Key struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Role    string    `json:"role"`
	Created time.Time `json:"created"`
	// Revoked is when the key was revoked; zero for an active key.
	Revoked time.Time `json:"revoked,omitzero"`
}

// CreateKey creates an API key and returns its id and secret. The secret
// ("vgl_" + 32 random bytes in unpadded base64url) is shown once: only its
// hash is kept.
func (s *Store) CreateKey(ctx context.Context, name, role string) (id, secret string, err error) {
	if role == "" {
		return "", "", fmt.Errorf("sqlite: create key: no role")
	}
	var raw [32]byte
	rand.Read(raw[:]) // crypto/rand.Read never returns an error
	secret = SecretPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	var idb [8]byte
	rand.Read(idb[:])
	id = "key_" + hex.EncodeToString(idb[:])
	h := sha256.Sum256([]byte(secret))
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return "", "", fmt.Errorf("sqlite: create key: %w", err)
	}
	defer tx.Rollback()
	_, err = tx.ExecContext(ctx, "INSERT INTO api_keys (id, name, role, hash, created) VALUES (?, ?, ?, ?, ?)",
		id, name, role, h[:], time.Now().UTC().Format(time.RFC3339Nano))
	if err != nil {
		return "", "", fmt.Errorf("sqlite: create key: %w", err)
	}
	// The record names the key, never its secret.
	if err := auditTx(ctx, tx, vigil.AuditKeyCreate, map[string]string{"name": name, "role": role}, map[string]string{"id": id}); err != nil {
		return "", "", fmt.Errorf("sqlite: create key: audit: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return "", "", fmt.Errorf("sqlite: create key: %w", err)
	}
	return id, secret, nil
}

// LookupKey returns the active key whose secret this is, or ErrNotFound
// (also for a revoked key). The lookup is by the secret's SHA-256, so the
// secret is never compared byte by byte.
func (s *Store) LookupKey(ctx context.Context, secret string) (Key, error) {
	if !strings.HasPrefix(secret, SecretPrefix) {
		return Key{}, notFound("api key")
	}
	h := sha256.Sum256([]byte(secret))
	k, err := scanKey(s.db.QueryRowContext(ctx,
		"SELECT id, name, role, created, revoked FROM api_keys WHERE hash = ? AND revoked = ''", h[:]))
	if isNoRows(err) {
		return Key{}, notFound("api key")
	}
	return k, err
}

// ListKeys returns every key, revoked ones included, oldest first.
func (s *Store) ListKeys(ctx context.Context) ([]Key, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, role, created, revoked FROM api_keys ORDER BY created, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeKey revokes a key by id; ErrNotFound when no active key has it.
func (s *Store) RevokeKey(ctx context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: revoke key: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, "UPDATE api_keys SET revoked = ? WHERE id = ? AND revoked = ''",
		time.Now().UTC().Format(time.RFC3339Nano), id)
	if err != nil {
		return fmt.Errorf("sqlite: revoke key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return notFound("active api key %q", id)
	}
	if err := auditTx(ctx, tx, vigil.AuditKeyRevoke, map[string]string{"id": id}, nil); err != nil {
		return fmt.Errorf("sqlite: revoke key: audit: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: revoke key: %w", err)
	}
	return nil
}

// HasKeys reports whether any active key exists (the service may run open
// until the first key is created).
func (s *Store) HasKeys(ctx context.Context) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM api_keys WHERE revoked = '')").Scan(&n)
	return n == 1, err
}

// scanKey reads id, name, role, created, revoked.
func scanKey(sc interface{ Scan(...any) error }) (Key, error) {
	var k Key
	var created, revoked string
	if err := sc.Scan(&k.ID, &k.Name, &k.Role, &created, &revoked); err != nil {
		return k, err
	}
	var err error
	if k.Created, err = time.Parse(time.RFC3339Nano, created); err != nil {
		return k, fmt.Errorf("api key %s: created: %w", k.ID, err)
	}
	if revoked != "" {
		if k.Revoked, err = time.Parse(time.RFC3339Nano, revoked); err != nil {
			return k, fmt.Errorf("api key %s: revoked: %w", k.ID, err)
		}
	}
	return k, nil
}
