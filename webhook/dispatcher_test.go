package webhook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/webhook"
)

const secretA = "a-receiver-secret-of-at-least-32-bytes"

// TestDeliveriesRetryUntilDelivered: each delivery fails with a 500, then a
// timeout, then is answered 200; every subscribed event arrives, signed,
// with one idempotency key across its tries, and the log tells each try.
func TestDeliveriesRetryUntilDelivered(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	rc.setSecrets(secretA)
	const timeout = 300 * time.Millisecond
	rc.respond = func(w http.ResponseWriter, r *http.Request, n int) {
		switch n {
		case 1:
			http.Error(w, "the receiver is down for maintenance", http.StatusInternalServerError)
		case 2:
			select { // outlast the dispatcher's timeout
			case <-time.After(3 * timeout):
			case <-r.Context().Done():
			}
			w.WriteHeader(http.StatusOK)
		default:
			w.WriteHeader(http.StatusNoContent)
		}
	}
	e.add(t, rc.url(), secretA, vigil.EventAlertOpened, vigil.EventAlertReopened)
	evs := e.events(t, vigil.EventAlertOpened, vigil.EventAlertDecided, vigil.EventAlertReopened, vigil.EventAlertClosed, vigil.EventAlertOpened)
	subscribed := []vigil.Event{evs[0], evs[2], evs[4]}

	run(t, e.dispatcher(webhook.Options{Timeout: timeout, MaxTries: 5}))
	waitFor(t, "3 deliveries delivered", e.allIn(t, vigil.DeliveryDelivered, 3))

	got := rc.requests()
	if len(got) != 9 {
		t.Fatalf("%d requests, want 3 tries of 3 events", len(got))
	}
	byKey := map[string][]received{}
	for _, g := range got {
		if !slices.Equal(g.Verified, []int{0}) {
			t.Errorf("request %s try %s: signature %q does not verify", g.Key, g.Attempt, g.Signature)
		}
		byKey[g.Key] = append(byKey[g.Key], g)
	}
	hook := e.deliveries(t, vigil.DeliveryFilter{})[0].WebhookID
	for _, ev := range subscribed {
		key := vigil.IdempotencyKey(hook, ev.ID)
		tries := byKey[key]
		if len(tries) != 3 {
			t.Errorf("event %d: %d requests with key %s, want 3", ev.ID, len(tries), key)
			continue
		}
		want, _ := json.Marshal(ev)
		for i, g := range tries {
			if g.Attempt != strconv.Itoa(i+1) || g.EventType != ev.Type {
				t.Errorf("event %d try %d: attempt header %q, type %q", ev.ID, i+1, g.Attempt, g.EventType)
			}
			if string(g.Body) != string(want) {
				t.Errorf("event %d: body %s, want %s", ev.ID, g.Body, want)
			}
			if len(g.Event) != 4 || g.Event["id"] == nil || g.Event["type"] == nil || g.Event["time"] == nil || g.Event["data"] == nil {
				t.Errorf("body %s: want exactly id, type, time and data", g.Body)
			}
		}
	}
	for _, d := range e.deliveries(t, vigil.DeliveryFilter{}) {
		if len(d.Attempts) != 3 || d.Tries != 3 {
			t.Errorf("delivery %d: %d tries, attempts %+v", d.ID, d.Tries, d.Attempts)
			continue
		}
		a := d.Attempts
		if a[0].Status != 500 || !strings.Contains(a[0].Error, "HTTP 500: the receiver is down for maintenance") ||
			a[1].Status != 0 || !strings.Contains(a[1].Error, "no answer within 300ms") ||
			a[2].Status != 204 || a[2].Error != "" {
			t.Errorf("delivery %d attempts %+v", d.ID, a)
		}
		if a[1].At.Sub(a[0].At) < 5*time.Millisecond {
			t.Errorf("delivery %d: retried after %s, before any backoff", d.ID, a[1].At.Sub(a[0].At))
		}
	}
}

// TestDeliveriesSurviveReceiverRestart: the receiver goes away (connection
// refused) and comes back on the same address; every event is delivered
// once it is back.
func TestDeliveriesSurviveReceiverRestart(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	rc.setSecrets(secretA)
	e.add(t, rc.url(), secretA, vigil.EventAlertOpened)
	rc.stop()
	e.events(t, vigil.EventAlertOpened, vigil.EventAlertOpened)

	run(t, e.dispatcher(webhook.Options{MaxTries: 1000, Backoff: webhook.Backoff{Base: 20 * time.Millisecond, Max: 50 * time.Millisecond}}))
	waitFor(t, "refused tries", func() bool {
		ds := e.deliveries(t, vigil.DeliveryFilter{})
		if len(ds) != 2 {
			return false
		}
		for _, d := range ds {
			if len(d.Attempts) < 2 {
				return false
			}
		}
		return true
	})
	rc.start()
	e.events(t, vigil.EventAlertOpened)
	waitFor(t, "3 deliveries delivered", e.allIn(t, vigil.DeliveryDelivered, 3))
	for _, d := range e.deliveries(t, vigil.DeliveryFilter{}) {
		if d.EventID == 3 {
			continue // appended after the restart
		}
		if !strings.Contains(d.Attempts[0].Error, "connection refused") || d.Attempts[len(d.Attempts)-1].Status != 200 {
			t.Errorf("delivery %d attempts %+v", d.ID, d.Attempts)
		}
	}
	seen := map[string]int{}
	for _, g := range rc.requests() {
		seen[g.Key]++
		if len(g.Verified) != 1 {
			t.Errorf("%s: signature does not verify", g.Key)
		}
	}
	if len(seen) != 3 {
		t.Errorf("received %v, want 3 keys once each", seen)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s received %d times", k, n)
		}
	}
}

// TestDeadLetterAndRetryByHand: a receiver that always fails gets MaxTries
// tries; the delivery is then dead and stays so until retried by hand.
func TestDeadLetterAndRetryByHand(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	rc := newReceiver(t)
	rc.setSecrets(secretA)
	failing := true
	rc.respond = func(w http.ResponseWriter, r *http.Request, n int) {
		if failing {
			http.Error(w, strings.Repeat("x", 100_000), http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}
	e.add(t, rc.url(), secretA, vigil.EventAlertDecided)
	e.events(t, vigil.EventAlertDecided)
	d := e.dispatcher(webhook.Options{MaxTries: 3})
	run(t, d)
	waitFor(t, "a dead delivery", e.allIn(t, vigil.DeliveryDead, 1))
	time.Sleep(100 * time.Millisecond) // no more tries come
	dl := e.deliveries(t, vigil.DeliveryFilter{State: vigil.DeliveryDead})[0]
	if n := len(rc.requests()); n != 3 || dl.Tries != 3 || len(dl.Attempts) != 3 {
		t.Fatalf("%d requests, %d tries, %d attempts; want 3", n, dl.Tries, len(dl.Attempts))
	}
	for _, a := range dl.Attempts {
		if a.Status != 503 || len(a.Error) > 250 || !strings.HasPrefix(a.Error, "HTTP 503: xxx") {
			t.Errorf("attempt %+v (the answer's body is cut to an excerpt)", a)
		}
	}

	rc.mu.Lock()
	failing = false
	rc.mu.Unlock()
	if err := e.admin.Retry(ctx, "test", dl.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the retried delivery delivered", e.allIn(t, vigil.DeliveryDelivered, 1))
	got := rc.requests()
	if len(got) != 4 || got[3].Key != got[0].Key || got[3].Attempt != "1" {
		t.Errorf("the retry by hand: %d requests, key %q (first %q), attempt %q", len(got), got[len(got)-1].Key, got[0].Key, got[len(got)-1].Attempt)
	}
	if err := e.admin.Retry(ctx, "test", dl.ID); err == nil {
		t.Error("a delivered delivery was retried")
	}
}

// TestSignaturesDuringRotation: after a rotation both secrets sign (two v1
// values, each verifying under its own secret) until the rotation is
// finished; then only the new one.
func TestSignaturesDuringRotation(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	rc := newReceiver(t)
	const secretB = "the-new-secret-after-the-rotation-0123456789"
	rc.setSecrets(secretA, secretB)
	w := e.add(t, rc.url(), secretA, vigil.EventAlertOpened)
	d := e.dispatcher(webhook.Options{})

	e.events(t, vigil.EventAlertOpened)
	step(t, d)
	made, until, err := e.admin.Rotate(ctx, "test", w.ID, secretB, time.Hour)
	if err != nil || made != "" || time.Until(until) < 59*time.Minute {
		t.Fatalf("rotate: %q %v %v", made, until, err)
	}
	e.events(t, vigil.EventAlertOpened)
	step(t, d)
	if err := e.admin.FinishRotation(ctx, "test", w.ID); err != nil {
		t.Fatal(err)
	}
	e.events(t, vigil.EventAlertOpened)
	step(t, d)

	got := rc.requests()
	if len(got) != 3 {
		t.Fatalf("%d requests, want 3", len(got))
	}
	for i, want := range [][]int{{0}, {0, 1}, {1}} {
		if !slices.Equal(got[i].Verified, want) {
			t.Errorf("delivery %d (%s): verified by secrets %v, want %v", i, got[i].Signature, got[i].Verified, want)
		}
		sig, err := webhook.ParseSignature(got[i].Signature)
		if err != nil || len(sig.V1) != len(want) {
			t.Errorf("delivery %d: %d v1 values, want %d (%v)", i, len(sig.V1), len(want), err)
		}
	}
	// webhook.Verify, as a Go receiver would use it, agrees.
	if err := webhook.Verify(got[1].Signature, got[1].Body, []byte(secretA), time.Now(), 5*time.Minute); err != nil {
		t.Errorf("Verify with the old secret during the rotation: %v", err)
	}
	if err := webhook.Verify(got[2].Signature, got[2].Body, []byte(secretA), time.Now(), 5*time.Minute); err == nil {
		t.Error("the old secret verifies after the rotation was finished")
	}
}

// step enqueues and sends what is due.
func step(t *testing.T, d *webhook.Dispatcher) {
	t.Helper()
	ctx := context.Background()
	if _, err := d.Enqueue(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.SendDue(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestRedirects: a redirect to another host is not followed (the try
// fails); a 307 to the same host is.
func TestRedirects(t *testing.T) {
	e := newEnv(t)
	other := newReceiver(t)
	rc := newReceiver(t)
	rc.setSecrets(secretA)
	rc.respond = func(w http.ResponseWriter, r *http.Request, n int) {
		switch r.URL.Path {
		case "/hook":
			http.Redirect(w, r, other.url(), http.StatusTemporaryRedirect)
		case "/moved":
			http.Redirect(w, r, "/final", http.StatusPermanentRedirect)
		default:
			w.WriteHeader(http.StatusOK)
		}
	}
	e.add(t, rc.url(), secretA, vigil.EventAlertOpened)
	e.add(t, "http://"+rc.addr+"/moved", secretA, vigil.EventAlertDecided)
	e.events(t, vigil.EventAlertOpened, vigil.EventAlertDecided)
	step(t, e.dispatcher(webhook.Options{MaxTries: 1}))

	if n := len(other.requests()); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
	for _, d := range e.deliveries(t, vigil.DeliveryFilter{}) {
		switch d.EventType {
		case vigil.EventAlertOpened:
			if d.State != vigil.DeliveryDead || d.Attempts[0].Status != 307 || !strings.Contains(d.Attempts[0].Error, "redirect") {
				t.Errorf("redirect elsewhere: %+v", d)
			}
		case vigil.EventAlertDecided:
			if d.State != vigil.DeliveryDelivered {
				t.Errorf("redirect to the same host: %+v", d)
			}
		}
	}
	paths := map[string]bool{}
	for _, g := range rc.requests() {
		paths[g.Key] = true
		if len(g.Verified) != 1 {
			t.Errorf("%s: the redirected POST lost its signature or body", g.Key)
		}
	}
}

// TestLogsHoldNoSecretOrToken: neither the delivery log nor the process log
// shows the signing secret or a token in the URL, even when tries fail.
func TestLogsHoldNoSecretOrToken(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	url := "http://" + rc.addr + "/hook?token=TOKEN-IN-THE-QUERY"
	rc.stop() // connection refused: Go's error would name the URL
	w, made, err := e.admin.Add(context.Background(), "test", webhook.AddRequest{URL: url, Events: []string{vigil.EventAlertOpened}})
	if err != nil || !strings.HasPrefix(made, webhook.SecretPrefix) {
		t.Fatalf("add: %q %v", made, err)
	}
	e.events(t, vigil.EventAlertOpened)
	step(t, e.dispatcher(webhook.Options{MaxTries: 2}))
	ds := e.deliveries(t, vigil.DeliveryFilter{WebhookID: w.ID})
	if len(ds) != 1 || len(ds[0].Attempts) != 1 || !strings.Contains(ds[0].Attempts[0].Error, "connection refused") {
		t.Fatalf("deliveries %+v", ds)
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "connection refused") {
		t.Fatalf("the failure is not logged:\n%s", logs)
	}
	js, _ := json.Marshal(ds)
	audit, err := e.st.AuditLog(context.Background(), vigil.AuditFilter{})
	if err != nil || len(audit) != 1 || audit[0].Action != "webhook.add" {
		t.Fatalf("audit %+v %v", audit, err)
	}
	aj, _ := json.Marshal(audit)
	db, _ := os.ReadFile(e.db)
	wal, _ := os.ReadFile(e.db + "-wal")
	for what, s := range map[string]string{"delivery log": string(js), "log": logs, "audit log": string(aj)} {
		if strings.Contains(s, "TOKEN-IN-THE-QUERY") || strings.Contains(s, made) {
			t.Errorf("the %s shows the token or the secret:\n%s", what, s)
		}
	}
	if strings.Contains(string(db)+string(wal), made) {
		t.Error("the store file holds the secret in the clear")
	}
	if !strings.Contains(string(aj), webhook.Origin(url)) {
		t.Errorf("the audit record does not name the receiver's origin: %s", aj)
	}
}

// TestMissingKeyFileSendsNothing: without the key file the secrets cannot
// be opened; nothing is sent unsigned, no try is counted, and the delivery
// goes out once the file is back.
func TestMissingKeyFileSendsNothing(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	rc.setSecrets(secretA)
	e.add(t, rc.url(), secretA, vigil.EventAlertOpened)
	e.events(t, vigil.EventAlertOpened)
	key, err := os.ReadFile(e.keys.Path)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(e.keys.Path)
	now := time.Now()
	clock := func() time.Time { return now }
	o := webhook.Options{Now: func() time.Time { return clock() }}
	e.keys = &webhook.KeyFile{Path: e.keys.Path} // a process started without it
	step(t, e.dispatcher(o))
	ds := e.deliveries(t, vigil.DeliveryFilter{})
	if len(rc.requests()) != 0 || ds[0].State != vigil.DeliveryPending || ds[0].Tries != 0 ||
		len(ds[0].Attempts) != 1 || !strings.Contains(ds[0].Attempts[0].Error, "not sent: the webhook key file") {
		t.Fatalf("requests %d, delivery %+v", len(rc.requests()), ds[0])
	}
	if err := os.WriteFile(e.keys.Path, key, 0o600); err != nil {
		t.Fatal(err)
	}
	clock = func() time.Time { return now.Add(time.Minute) }
	step(t, e.dispatcher(o))
	got := rc.requests()
	if len(got) != 1 || len(got[0].Verified) != 1 || got[0].Attempt != "1" {
		t.Fatalf("after restoring the key file: %+v", got)
	}
}

// TestRetryAfter: a receiver's Retry-After (in seconds) postpones the next
// try beyond the backoff, up to the backoff's maximum.
func TestRetryAfter(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	rc.respond = func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Retry-After", "120")
		http.Error(w, "slow down", http.StatusTooManyRequests)
	}
	e.add(t, rc.url(), secretA, vigil.EventAlertOpened)
	e.add(t, "http://"+rc.addr+"/other", secretA, vigil.EventAlertOpened)
	e.events(t, vigil.EventAlertOpened)
	step(t, e.dispatcher(webhook.Options{Backoff: webhook.Backoff{Base: time.Second, Max: time.Hour}}))
	ds := e.deliveries(t, vigil.DeliveryFilter{})
	if len(ds) != 2 {
		t.Fatalf("%d deliveries", len(ds))
	}
	for _, d := range ds {
		if wait := d.NextAt.Sub(d.Attempts[0].At); d.State != vigil.DeliveryPending || wait < 119*time.Second || wait > 121*time.Second {
			t.Errorf("delivery %d: next try %s after a Retry-After of 120 s", d.ID, wait)
		}
	}
	// Capped at the backoff's maximum.
	e2 := newEnv(t)
	e2.add(t, rc.url(), secretA, vigil.EventAlertOpened)
	e2.events(t, vigil.EventAlertOpened)
	step(t, e2.dispatcher(webhook.Options{Backoff: webhook.Backoff{Base: time.Second, Max: 30 * time.Second}}))
	d := e2.deliveries(t, vigil.DeliveryFilter{})[0]
	if wait := d.NextAt.Sub(d.Attempts[0].At); wait > 31*time.Second {
		t.Errorf("next try %s after a Retry-After of 120 s with a 30 s maximum", wait)
	}
}

func TestBackoff(t *testing.T) {
	b := webhook.Backoff{Base: 30 * time.Second, Max: 6 * time.Hour}
	for _, c := range []struct {
		n      int
		lo, hi time.Duration
	}{{1, 15 * time.Second, 30 * time.Second}, {2, 30 * time.Second, time.Minute}, {5, 4 * time.Minute, 8 * time.Minute},
		{11, 3 * time.Hour, 6 * time.Hour}, {40, 3 * time.Hour, 6 * time.Hour}} {
		if lo, hi := b.Delay(c.n, 0), b.Delay(c.n, 0.999999); lo != c.lo || hi < c.hi-20*time.Millisecond || hi > c.hi {
			t.Errorf("Delay(%d) spans %s..%s, want %s..%s", c.n, lo, hi, c.lo, c.hi)
		}
	}
}

// TestLostKeyFileRecovery follows docs/webhooks.md: with the key file lost,
// a rotation (which makes a new key file) and --finish restore deliveries.
func TestLostKeyFileRecovery(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	rc := newReceiver(t)
	w := e.add(t, rc.url(), secretA, vigil.EventAlertOpened)
	os.Remove(e.keys.Path)
	e.keys = &webhook.KeyFile{Path: e.keys.Path}
	e.admin.Keys = e.keys
	made, _, err := e.admin.Rotate(ctx, "test", w.ID, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.admin.FinishRotation(ctx, "test", w.ID); err != nil {
		t.Fatal(err)
	}
	rc.setSecrets(made)
	e.events(t, vigil.EventAlertOpened)
	step(t, e.dispatcher(webhook.Options{}))
	if got := rc.requests(); len(got) != 1 || !slices.Equal(got[0].Verified, []int{0}) {
		t.Fatalf("after the recovery: %+v", got)
	}
}
