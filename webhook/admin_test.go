package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/webhook"
)

func TestKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "key")
	k := &webhook.KeyFile{Path: path}
	if _, err := k.Open("wh_1", []byte("x")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("Open without a key file: %v", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Fatal("Open created the key file")
	}
	sealed, err := k.Seal("wh_1", []byte(secretA))
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", fi, err)
	}
	if strings.Contains(string(sealed), secretA) {
		t.Fatal("the sealed secret holds the secret")
	}
	// Another process with the same file opens it; under another webhook's
	// ID, or another key, it does not open.
	other := &webhook.KeyFile{Path: path}
	if got, err := other.Open("wh_1", sealed); err != nil || string(got) != secretA {
		t.Fatalf("Open: %q %v", got, err)
	}
	if _, err := other.Open("wh_2", sealed); err == nil {
		t.Error("a secret opened under another webhook's ID")
	}
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	if _, err := other.Open("wh_1", tampered); err == nil {
		t.Error("an altered sealed secret opened")
	}
	elsewhere := &webhook.KeyFile{Path: filepath.Join(dir, "key2")}
	if _, err := elsewhere.Seal("wh_1", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := elsewhere.Open("wh_1", sealed); err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Errorf("a secret opened under another key: %v", err)
	}
	// A key file others can read is refused.
	os.Chmod(path, 0o644)
	if _, err := (&webhook.KeyFile{Path: path}).Open("wh_1", sealed); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable key file: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "bad"), []byte("not hex\n"), 0o600)
	if _, err := (&webhook.KeyFile{Path: filepath.Join(dir, "bad")}).Seal("wh_1", nil); err == nil || !strings.Contains(err.Error(), "64 hex digits") {
		t.Errorf("a malformed key file: %v", err)
	}
}

// TestKeyFileCreatedOnce: processes creating the key file at once end up
// with one key.
func TestKeyFileCreatedOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	var wg sync.WaitGroup
	sealed := make([][]byte, 8)
	for i := range sealed {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := (&webhook.KeyFile{Path: path}).Seal("wh_1", []byte(secretA))
			if err != nil {
				t.Error(err)
			}
			sealed[i] = s
		}()
	}
	wg.Wait()
	for i, s := range sealed {
		if _, err := (&webhook.KeyFile{Path: path}).Open("wh_1", s); err != nil {
			t.Errorf("secret %d: %v", i, err)
		}
	}
}

func TestCheckURL(t *testing.T) {
	for _, c := range []struct {
		url      string
		insecure bool
		ok       bool
	}{
		{"https://hooks.example.com/vigil", false, true},
		{"http://127.0.0.1:9000/hook", false, true},
		{"http://localhost/hook", false, true},
		{"http://[::1]:8080/", false, true},
		{"http://hooks.example.com/vigil", false, false},
		{"http://hooks.example.com/vigil", true, true},
		{"http://127.0.0.1.example.com/", false, false},
		{"https://user:pass@hooks.example.com/", false, false},
		{"ftp://hooks.example.com/", false, false},
		{"hooks.example.com/vigil", false, false},
		{"https:///path", false, false},
		{"https://hooks.example.com/" + strings.Repeat("a", 2100), false, false},
	} {
		_, err := webhook.CheckURL(c.url, c.insecure)
		if (err == nil) != c.ok {
			t.Errorf("CheckURL(%.60q, insecure=%v) = %v", c.url, c.insecure, err)
		}
	}
	if o := webhook.Origin("https://hooks.example.com:8443/services/T0/B0/XXXX?token=y"); o != "https://hooks.example.com:8443" {
		t.Errorf("Origin = %q", o)
	}
}

func TestReadSecretFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(s), 0o600)
		return p
	}
	if s, err := webhook.ReadSecretFile(write("ok", "  "+secretA+"\n")); err != nil || string(s) != secretA {
		t.Errorf("ok: %q %v", s, err)
	}
	for name, content := range map[string]string{
		"short": "too-short\n",
		"lines": secretA + "\n" + secretA + "\n",
		"big":   strings.Repeat("x", 5000),
	} {
		_, err := webhook.ReadSecretFile(write(name, content))
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, name)) {
			t.Errorf("%s: %v (want an error naming the file)", name, err)
		} else if strings.Contains(err.Error(), "too-short") {
			t.Errorf("%s: the error quotes the secret: %v", name, err)
		}
	}
}

func TestAdminRefusesAndAudits(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	refused := []struct {
		name string
		req  webhook.AddRequest
		want string
	}{
		{"plain http", webhook.AddRequest{URL: "http://hooks.example.com/x", Events: []string{"alert.opened"}}, "https://"},
		{"unknown event", webhook.AddRequest{URL: "https://hooks.example.com/x", Events: []string{"alert.opened,alert.exploded"}}, `unknown event type "alert.exploded"`},
		{"no events", webhook.AddRequest{URL: "https://hooks.example.com/x"}, "no event types"},
		{"short secret", webhook.AddRequest{URL: "https://hooks.example.com/x", Events: []string{"alert.opened"}, Secret: "short"}, "at least 32"},
	}
	for _, c := range refused {
		_, _, err := e.admin.Add(ctx, "test", c.req)
		var ie *webhook.InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an InputError saying %q", c.name, err, c.want)
		}
	}
	if _, _, err := e.admin.Add(ctx, "", webhook.AddRequest{URL: "https://hooks.example.com/x", Events: []string{"alert.opened"}}); !errors.Is(err, webhook.ErrNoIdentity) {
		t.Errorf("no identity: %v", err)
	}
	unaudited := &webhook.Admin{Store: e.st, Keys: e.keys}
	if _, _, err := unaudited.Add(ctx, "test", webhook.AddRequest{URL: "https://hooks.example.com/x", Events: []string{"alert.opened"}}); err == nil {
		t.Error("a change was made without an audit log")
	}
	if ws, _ := e.st.Webhooks(ctx, true); len(ws) != 0 {
		t.Fatalf("refused requests stored webhooks: %+v", ws)
	}

	w, made, err := e.admin.Add(ctx, "alice", webhook.AddRequest{URL: "https://hooks.example.com/x?token=abc", Events: []string{"alert.reopened", "alert.opened"}})
	if err != nil || !strings.HasPrefix(made, webhook.SecretPrefix) || len(made) < 40 {
		t.Fatalf("add: %q %v", made, err)
	}
	if strings.Join(w.Events, ",") != "alert.opened,alert.reopened" || w.Secrets != 1 || !strings.HasPrefix(w.ID, "wh_") {
		t.Errorf("webhook %+v", w)
	}
	made2, _, err := e.admin.Rotate(ctx, "bob", w.ID, "", 0)
	if err != nil || made2 == made || !strings.HasPrefix(made2, webhook.SecretPrefix) {
		t.Fatalf("rotate: %q %v", made2, err)
	}
	if _, _, err := e.admin.Rotate(ctx, "bob", w.ID, "", -1); err == nil {
		t.Error("a negative overlap was accepted")
	}
	if err := e.admin.FinishRotation(ctx, "bob", w.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.admin.Remove(ctx, "carol", w.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.admin.Remove(ctx, "carol", w.ID); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("removing twice: %v", err)
	}
	if _, _, err := e.admin.Rotate(ctx, "bob", w.ID, "", 0); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("rotating a removed webhook: %v", err)
	}
	recs, err := e.st.AuditLog(ctx, vigil.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		got = append(got, r.Who+" "+r.Action)
		js, _ := json.Marshal(r)
		if strings.Contains(string(js), made) || strings.Contains(string(js), made2) || strings.Contains(string(js), "token=abc") {
			t.Errorf("audit record %s holds a secret or the URL's token", js)
		}
		if !strings.Contains(string(r.Query), w.ID) {
			t.Errorf("audit record %s does not name the webhook", js)
		}
	}
	want := "alice webhook.add,bob webhook.rotate,bob webhook.rotate.finish,carol webhook.remove"
	if strings.Join(got, ",") != want {
		t.Errorf("audit log %q, want %q", got, want)
	}
}

// FuzzCheckURL: whatever CheckURL accepts without insecure is https, or
// http to a loopback host, and holds no user name or password.
func FuzzCheckURL(f *testing.F) {
	for _, s := range []string{"https://hooks.example.com/vigil?token=x", "http://127.0.0.1:9000/hook", "http://[::1]/", "http://user@localhost/", "HTTP://LOCALHOST/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := webhook.CheckURL(raw, false)
		if err != nil {
			return
		}
		if u.User != nil || u.Hostname() == "" {
			t.Fatalf("%q accepted: %+v", raw, u)
		}
		if u.Scheme != "https" && !(u.Scheme == "http" && webhook.IsLoopback(u.Hostname())) {
			t.Fatalf("%q accepted with scheme %q, host %q", raw, u.Scheme, u.Hostname())
		}
	})
}
