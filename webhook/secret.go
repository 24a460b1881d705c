package webhook

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// SecretPrefix starts every secret Vigil generates.
const SecretPrefix = "whsec_"

// MinSecretLen is the least length of a secret given by the user.
const MinSecretLen = 32

// GenerateSecret returns a new random secret: "whsec_" and 32 random bytes
// in unpadded base64url. The whole string is the HMAC key.
func GenerateSecret() string {
	var b [32]byte
	rand.Read(b[:]) // crypto/rand.Read never returns an error
	return SecretPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// CheckSecret checks a secret given by the user (its bytes are the HMAC
// key): at least MinSecretLen bytes, on one line. Errors never quote it.
func CheckSecret(s []byte) error {
	if len(s) < MinSecretLen {
		return fmt.Errorf("the secret is %d bytes long; at least %d are needed", len(s), MinSecretLen)
	}
	if bytes.ContainsAny(s, "\r\n") {
		return errors.New("the secret spans several lines; give it on one line")
	}
	return nil
}

// ReadSecretFile reads a secret from a file (at most 4 KiB; surrounding
// white space trimmed) and checks it.
func ReadSecretFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4097))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > 4096 {
		return nil, fmt.Errorf("%s: larger than 4 KiB; a secret file holds only the secret", path)
	}
	b = bytes.TrimSpace(b)
	if err := CheckSecret(b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// KeyFile seals and opens webhook secrets with AES-256-GCM under a key kept
// in a file outside the store (64 hex digits, mode 0600), so that a copy of
// the store alone (a backup, an export) does not reveal them. Seal creates
// the file when it is absent; Open never does. Every process signing or
// adding webhooks for one store needs the same file.
//
// A sealed secret is a version byte (1), a 12-byte nonce and the
// ciphertext with its tag; the webhook's ID is bound in as additional data,
// so a sealed secret copied to another webhook does not open.
type KeyFile struct {
	Path string

	mu   sync.Mutex
	aead cipher.AEAD
}

const sealVersion = 1

// Seal encrypts a webhook's secret.
func (k *KeyFile) Seal(webhookID string, secret []byte) ([]byte, error) {
	aead, err := k.load(true)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 1+aead.NonceSize(), 1+aead.NonceSize()+len(secret)+aead.Overhead())
	out[0] = sealVersion
	rand.Read(out[1:])
	return aead.Seal(out, out[1:], secret, additional(webhookID)), nil
}

// Open decrypts a secret sealed for a webhook.
func (k *KeyFile) Open(webhookID string, sealed []byte) ([]byte, error) {
	aead, err := k.load(false)
	if err != nil {
		return nil, err
	}
	n := aead.NonceSize()
	if len(sealed) < 1+n+aead.Overhead() || sealed[0] != sealVersion {
		return nil, fmt.Errorf("the sealed secret of %s is malformed", webhookID)
	}
	secret, err := aead.Open(nil, sealed[1:1+n], sealed[1+n:], additional(webhookID))
	if err != nil {
		return nil, fmt.Errorf("the secret of %s does not open with the key in %s (sealed under another key, or altered)", webhookID, k.Path)
	}
	return secret, nil
}

func additional(webhookID string) []byte { return []byte("vigil webhook secret " + webhookID) }

// load reads the key, creating the file first when create is true and it
// does not exist.
func (k *KeyFile) load(create bool) (cipher.AEAD, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.aead != nil {
		return k.aead, nil
	}
	if k.Path == "" {
		return nil, errors.New("no webhook key file is configured")
	}
	b, err := os.ReadFile(k.Path)
	if errors.Is(err, fs.ErrNotExist) && create {
		b, err = k.create()
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("the webhook key file %s does not exist; it is created when a webhook is added, and every process using the store needs a copy", k.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("webhook key file: %w", err)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(k.Path)
		if err != nil {
			return nil, fmt.Errorf("webhook key file: %w", err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("the webhook key file %s can be read by others (mode %04o); make it private: chmod 600 %s", k.Path, fi.Mode().Perm(), k.Path)
		}
	}
	key, err := hex.DecodeString(string(bytes.TrimSpace(b)))
	if err != nil || len(key) != 32 {
		return nil, fmt.Errorf("the webhook key file %s does not hold 64 hex digits", k.Path)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if k.aead, err = cipher.NewGCM(block); err != nil {
		return nil, err
	}
	return k.aead, nil
}

// create writes a new random key to the file, unless another process just
// did; it returns the file's content. The key is written to a temporary
// file and linked into place, so no process ever reads a half-written key.
func (k *KeyFile) create() ([]byte, error) {
	var key [32]byte
	rand.Read(key[:])
	content := []byte(hex.EncodeToString(key[:]) + "\n")
	tmp, err := os.CreateTemp(filepath.Dir(k.Path), ".webhook-key-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, err
	}
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), k.Path); errors.Is(err, fs.ErrExist) {
		return os.ReadFile(k.Path)
	} else if err != nil {
		return nil, err
	}
	return content, nil
}
