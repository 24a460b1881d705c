package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/sqlite"
	"github.com/vigil-screening/vigil/webhook"
)

func TestWebhooksCommands(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	as := []string{"--db", db, "--by", "tester"}
	wh := func(args ...string) (string, string, error) {
		t.Helper()
		return run(t, append(append([]string{"webhooks"}, args...), as...)...)
	}

	// Refused: plain http elsewhere, unknown events, a short secret file.
	if _, _, err := wh("add", "http://hooks.example.com/x", "--events", "alert.opened"); err == nil || !strings.Contains(err.Error(), "https://") {
		t.Errorf("plain http: %v", err)
	}
	if _, _, err := wh("add", "https://hooks.example.com/x", "--events", "alert.opend"); err == nil || !strings.Contains(err.Error(), `unknown event type "alert.opend"`) {
		t.Errorf("unknown event: %v", err)
	}
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("short\n"), 0o600)
	if _, _, err := wh("add", "https://hooks.example.com/x", "--events", "alert.opened", "--secret-file", short); err == nil || !strings.Contains(err.Error(), short) {
		t.Errorf("short secret file: %v", err)
	}

	// A made secret is printed once, alone on stdout.
	out, errOut, err := wh("add", "https://hooks.example.com/x?token=abc", "--events", "alert.opened,alert.reopened", "--events", "alert.decided")
	if err != nil {
		t.Fatal(err)
	}
	secret := strings.TrimSpace(out)
	if !strings.HasPrefix(secret, webhook.SecretPrefix) || strings.Count(out, "\n") != 1 || !strings.Contains(errOut, "shown only this once") {
		t.Fatalf("add printed %q / %q", out, errOut)
	}
	if fi, err := os.Stat(db + ".webhook-key"); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file beside the store: %v %v", fi, err)
	}
	given := filepath.Join(dir, "secret")
	os.WriteFile(given, []byte("a-secret-of-my-own-of-at-least-32-bytes\n"), 0o600)
	out, _, err = wh("add", "--json", "http://127.0.0.1:1/hook", "--events", "alert.opened", "--secret-file", given)
	if err != nil {
		t.Fatal(err)
	}
	var added struct {
		Webhook vigil.Webhook `json:"webhook"`
		Secret  string        `json:"secret"`
	}
	if err := json.Unmarshal([]byte(out), &added); err != nil || added.Secret != "" || added.Webhook.URL != "http://127.0.0.1:1/hook" {
		t.Fatalf("add --json: %v\n%s", err, out)
	}
	if _, _, err := wh("add", "http://hooks.example.com/x", "--events", "alert.closed", "--insecure"); err != nil {
		t.Errorf("--insecure: %v", err)
	}

	out, _, err = wh("list", "--json")
	var ls struct{ Webhooks []vigil.Webhook }
	if err != nil || json.Unmarshal([]byte(out), &ls) != nil || len(ls.Webhooks) != 3 {
		t.Fatalf("list --json: %v\n%s", err, out)
	}
	first := ls.Webhooks[0]
	if strings.Join(first.Events, ",") != "alert.decided,alert.opened,alert.reopened" || first.Secrets != 1 {
		t.Errorf("first webhook %+v", first)
	}

	// Rotation: a new secret, printed once; both sign until --finish.
	out, errOut, err = wh("rotate", first.ID, "--overlap", "2h")
	if err != nil {
		t.Fatal(err)
	}
	secret2 := strings.TrimSpace(out)
	if !strings.HasPrefix(secret2, webhook.SecretPrefix) || secret2 == secret || !strings.Contains(errOut, "and with the old until") {
		t.Fatalf("rotate printed %q / %q", out, errOut)
	}
	out, _, _ = wh("list")
	if !strings.Contains(out, "rotating until") || !strings.Contains(out, first.ID) {
		t.Errorf("list during the rotation:\n%s", out)
	}
	if _, _, err := wh("rotate", first.ID, "--finish"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := wh("rotate", "wh_nope"); err == nil {
		t.Error("rotating an unknown webhook")
	}

	// A dead delivery, retried by hand.
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.AppendEvent(ctx, vigil.Event{Type: vigil.EventAlertOpened, Data: json.RawMessage(`{"alert":"al_1"}`)}); err != nil {
		t.Fatal(err)
	}
	d := webhook.New(st, &webhook.KeyFile{Path: db + ".webhook-key"}, webhook.Options{MaxTries: 1})
	d.Enqueue(ctx)
	// Only the loopback one is sent (to a closed port); the others would
	// go to the network, which tests never reach: remove them first.
	for _, w := range ls.Webhooks {
		if w.ID != added.Webhook.ID {
			if _, _, err := wh("rm", w.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	d.SendDue(ctx)
	out, _, err = wh("deliveries", "--state", "dead", "--json")
	var dl struct{ Deliveries []vigil.Delivery }
	if err != nil || json.Unmarshal([]byte(out), &dl) != nil || len(dl.Deliveries) != 1 || dl.Deliveries[0].WebhookID != added.Webhook.ID {
		t.Fatalf("deliveries --state dead: %v\n%s", err, out)
	}
	out, _, _ = wh("deliveries", first.ID)
	if !strings.Contains(out, "cancelled") {
		t.Errorf("the removed webhook's delivery is not cancelled:\n%s", out)
	}
	out, _, _ = wh("deliveries")
	if !strings.Contains(out, "dead") || !strings.Contains(out, "connection refused") {
		t.Errorf("deliveries:\n%s", out)
	}
	if _, _, err := wh("deliveries", "--state", "lost"); err == nil {
		t.Error("an unknown state was accepted")
	}
	if out, _, err := wh("retry", "--all-dead"); err != nil || !strings.Contains(out, "1 dead deliveries") {
		t.Fatalf("retry --all-dead: %v %s", err, out)
	}
	if _, _, err := wh("retry", strconv.FormatInt(dl.Deliveries[0].ID, 10)); err == nil {
		t.Error("a pending delivery was retried")
	}

	// Every change is audited as --by, without secrets or the URL's token.
	recs, err := st.AuditLog(ctx, vigil.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		actions = append(actions, r.Action)
		js, _ := json.Marshal(r)
		if r.Who != "cli:tester" || strings.Contains(string(js), secret) || strings.Contains(string(js), secret2) ||
			strings.Contains(string(js), "token=abc") || strings.Contains(string(js), "a-secret-of-my-own") {
			t.Errorf("audit record %s", js)
		}
	}
	want := "webhook.add,webhook.add,webhook.add,webhook.rotate,webhook.rotate.finish,webhook.remove,webhook.remove,webhook.delivery.retry"
	if strings.Join(actions, ",") != want {
		t.Errorf("audited %v, want %s", actions, want)
	}
}

// TestServeDeliversWebhooks runs vigil serve with a webhook and checks that
// an event appended to its store reaches a loopback receiver, signed.
func TestServeDeliversWebhooks(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	lists := filepath.Join(dir, "lists")
	os.Mkdir(lists, 0o755)
	b, err := os.ReadFile("../../lists/un/testdata/sample.xml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(lists, "un.xml"), b, 0o644)

	var mu sync.Mutex
	var got []string
	const secret = "the-receivers-secret-of-32-bytes-or-more"
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := webhook.Verify(r.Header.Get(webhook.SignatureHeader), body, []byte(secret), time.Now(), 5*time.Minute); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		mu.Lock()
		got = append(got, r.Header.Get("Idempotency-Key")+" "+string(body))
		mu.Unlock()
	}))
	defer rc.Close()
	sf := filepath.Join(dir, "secret")
	os.WriteFile(sf, []byte(secret), 0o600)
	if _, _, err := run(t, "webhooks", "add", rc.URL, "--events", "alert.opened", "--secret-file", sf, "--db", db); err != nil {
		t.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, serveConfig{db: db, addr: addr, listsDir: lists, logFormat: "text", rate: -1}, io.Discard)
	}()
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ev, err := st.AppendEvent(context.Background(), vigil.Event{Type: vigil.EventAlertOpened, Data: json.RawMessage(`{"alert":"al_7"}`)})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(got)
		mu.Unlock()
		if n > 0 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 1 || !strings.HasSuffix(got[0], `"data":{"alert":"al_7"}}`) || !strings.HasPrefix(got[0], "wh_") ||
		!strings.Contains(got[0], "-"+strconv.FormatInt(ev.ID, 10)+" ") {
		t.Fatalf("the receiver got %q", got)
	}
}
