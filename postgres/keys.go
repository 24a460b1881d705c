package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	vigil "github.com/vigil-screening/vigil"
)

var _ vigil.KeyStore = (*Store)(nil)

// SecretPrefix starts every API key secret, so that leaked keys are easy to
// recognise (and to scan for); SessionPrefix starts every console session
// secret.
const (
	SecretPrefix  = "vgl_"
	SessionPrefix = "vgs_"
)

// newSecret returns prefix + 32 random bytes in unpadded base64url.
func newSecret(prefix string) string {
	var raw [32]byte
	rand.Read(raw[:]) // crypto/rand.Read never returns an error
	return prefix + base64.RawURLEncoding.EncodeToString(raw[:])
}

// CreateKey creates an API key and returns it with its secret ("vgl_" + 32
// random bytes in unpadded base64url), shown once: only its hash is kept.
// It records that this store has had keys, in the same transaction.
func (s *Store) CreateKey(ctx context.Context, name, role string) (vigil.Key, string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return vigil.Key{}, "", fmt.Errorf("postgres: create key: no name")
	case role == "":
		return vigil.Key{}, "", fmt.Errorf("postgres: create key: no role")
	}
	secret := newSecret(SecretPrefix)
	var idb [8]byte
	rand.Read(idb[:])
	k := vigil.Key{ID: "key_" + hex.EncodeToString(idb[:]), Name: name, Role: role, Created: time.Now().UTC()}
	h := sha256.Sum256([]byte(secret))
	err := s.write(ctx, 0, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "INSERT INTO api_keys (id, name, role, hash, created) VALUES ($1, $2, $3, $4, $5)",
			k.ID, k.Name, k.Role, h[:], k.Created.Format(time.RFC3339Nano)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "UPDATE auth_state SET had_keys = true"); err != nil {
			return err
		}
		// The record names the key, never its secret.
		if err := auditTx(ctx, tx, vigil.AuditKeyCreate, map[string]string{"name": k.Name, "role": k.Role}, map[string]string{"id": k.ID}); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		return notify(ctx, tx, vigil.TopicKeys)
	})
	if err != nil {
		return vigil.Key{}, "", fmt.Errorf("postgres: create key: %w", err)
	}
	return k, secret, nil
}

// LookupKey returns the active key whose secret this is, or ErrNotFound
// (also for a revoked key). The lookup is by the secret's SHA-256, so the
// secret is never compared byte by byte.
func (s *Store) LookupKey(ctx context.Context, secret string) (vigil.Key, error) {
	if !strings.HasPrefix(secret, SecretPrefix) {
		return vigil.Key{}, notFound("api key")
	}
	h := sha256.Sum256([]byte(secret))
	k, err := scanKey(s.pool.QueryRow(ctx,
		"SELECT id, name, role, created, revoked FROM api_keys WHERE hash = $1 AND revoked = ''", h[:]))
	if isNoRows(err) {
		return vigil.Key{}, notFound("api key")
	}
	return k, err
}

// ListKeys returns every key, revoked ones included, oldest first.
func (s *Store) ListKeys(ctx context.Context) ([]vigil.Key, error) {
	rows, err := s.pool.Query(ctx, "SELECT id, name, role, created, revoked FROM api_keys ORDER BY created, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []vigil.Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeKey revokes a key by id and ends its console sessions, in one
// transaction. It returns ErrNotFound when no key has the id and
// ErrRevoked, with the key, when it was revoked before.
func (s *Store) RevokeKey(ctx context.Context, id string) (vigil.Key, error) {
	var k vigil.Key
	err := s.write(ctx, 0, func(tx pgx.Tx) error {
		var err error
		k, err = scanKey(tx.QueryRow(ctx, "SELECT id, name, role, created, revoked FROM api_keys WHERE id = $1 FOR UPDATE", id))
		switch {
		case isNoRows(err):
			return notFound("api key %q", id)
		case err != nil:
			return fmt.Errorf("postgres: revoke key: %w", err)
		case !k.Revoked.IsZero():
			return fmt.Errorf("api key %s was revoked on %s: %w", id, k.Revoked.Format(time.RFC3339), vigil.ErrRevoked)
		}
		k.Revoked = time.Now().UTC()
		if _, err := tx.Exec(ctx, "UPDATE api_keys SET revoked = $1 WHERE id = $2", k.Revoked.Format(time.RFC3339Nano), id); err != nil {
			return fmt.Errorf("postgres: revoke key: %w", err)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM sessions WHERE key_id = $1", id); err != nil {
			return fmt.Errorf("postgres: revoke key: %w", err)
		}
		if err := auditTx(ctx, tx, vigil.AuditKeyRevoke, map[string]string{"id": id}, nil); err != nil {
			return fmt.Errorf("postgres: revoke key: audit: %w", err)
		}
		return notify(ctx, tx, vigil.TopicKeys)
	})
	switch {
	case errors.Is(err, vigil.ErrRevoked):
		return k, err
	case err != nil:
		return vigil.Key{}, err
	}
	return k, nil
}

// HadKeys reports whether a key was ever created in this store (recorded
// when the first one is, and never cleared).
func (s *Store) HadKeys(ctx context.Context) (bool, error) {
	var had bool
	err := s.pool.QueryRow(ctx, "SELECT had_keys FROM auth_state WHERE id = 1").Scan(&had)
	if isNoRows(err) {
		return false, errors.New("postgres: the auth_state row is missing")
	}
	return had, err
}

// CreateSession starts a console session for an active key until expires
// and returns its secret ("vgs_" + 32 random bytes); only its hash is kept.
// Expired sessions are deleted on the way.
func (s *Store) CreateSession(ctx context.Context, keyID string, expires time.Time) (string, error) {
	secret := newSecret(SessionPrefix)
	h := sha256.Sum256([]byte(secret))
	now := time.Now()
	res, err := s.pool.Exec(ctx, `INSERT INTO sessions (hash, key_id, created, expires)
		SELECT $1, id, $2, $3 FROM api_keys WHERE id = $4 AND revoked = ''`, h[:], now.Unix(), expires.Unix(), keyID)
	if err != nil {
		return "", fmt.Errorf("postgres: create session: %w", err)
	}
	if res.RowsAffected() == 0 {
		return "", notFound("active api key %q", keyID)
	}
	if _, err := s.pool.Exec(ctx, "DELETE FROM sessions WHERE expires <= $1", now.Unix()); err != nil {
		return "", fmt.Errorf("postgres: create session: %w", err)
	}
	return secret, nil
}

// LookupSession returns the live session whose secret this is, with its
// key; ErrNotFound when it is unknown, ended or expired, or its key is
// revoked.
func (s *Store) LookupSession(ctx context.Context, secret string) (vigil.Session, error) {
	if !strings.HasPrefix(secret, SessionPrefix) {
		return vigil.Session{}, notFound("session")
	}
	h := sha256.Sum256([]byte(secret))
	var created, expires int64
	var k vigil.Key
	var kc, kr string
	err := s.pool.QueryRow(ctx, `SELECT k.id, k.name, k.role, k.created, k.revoked, s.created, s.expires
		FROM sessions s JOIN api_keys k ON k.id = s.key_id
		WHERE s.hash = $1 AND s.expires > $2 AND k.revoked = ''`, h[:], time.Now().Unix()).
		Scan(&k.ID, &k.Name, &k.Role, &kc, &kr, &created, &expires)
	if isNoRows(err) {
		return vigil.Session{}, notFound("session")
	}
	if err != nil {
		return vigil.Session{}, err
	}
	if k.Created, err = time.Parse(time.RFC3339Nano, kc); err != nil {
		return vigil.Session{}, fmt.Errorf("api key %s: created: %w", k.ID, err)
	}
	return vigil.Session{Key: k, Created: time.Unix(created, 0).UTC(), Expires: time.Unix(expires, 0).UTC()}, nil
}

// EndSession deletes a session; an unknown one is no error.
func (s *Store) EndSession(ctx context.Context, secret string) error {
	h := sha256.Sum256([]byte(secret))
	if _, err := s.pool.Exec(ctx, "DELETE FROM sessions WHERE hash = $1", h[:]); err != nil {
		return fmt.Errorf("postgres: end session: %w", err)
	}
	return nil
}

// scanKey reads id, name, role, created, revoked.
func scanKey(sc interface{ Scan(...any) error }) (vigil.Key, error) {
	var k vigil.Key
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
