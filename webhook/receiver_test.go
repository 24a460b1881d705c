package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/sqlite"
	"github.com/vigil-screening/vigil/webhook"
)

// received is one request a receiver got.
type received struct {
	Key       string // Idempotency-Key
	Attempt   string // Vigil-Delivery-Attempt
	EventType string // Vigil-Event-Type
	Signature string
	Body      []byte
	// Verified lists which of the receiver's secrets verified it.
	Verified []int
	Event    map[string]json.RawMessage
}

// receiver is a webhook receiver on a fixed loopback address, so that it
// can be stopped and started again where the webhook points. It checks
// signatures with its own implementation of the scheme (not
// webhook.Verify), and answers as respond says.
type receiver struct {
	t       testing.TB
	addr    string
	srv     *httptest.Server
	mu      sync.Mutex
	got     []received
	secrets [][]byte
	// respond answers the n-th request (from 1) for an idempotency key;
	// nil answers 200.
	respond func(w http.ResponseWriter, r *http.Request, n int)
}

func newReceiver(t testing.TB) *receiver {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{t: t, addr: ln.Addr().String()}
	rc.startOn(ln)
	t.Cleanup(rc.stop)
	return rc
}

func (rc *receiver) url() string { return "http://" + rc.addr + "/hook" }

func (rc *receiver) startOn(ln net.Listener) {
	rc.srv = httptest.NewUnstartedServer(http.HandlerFunc(rc.serve))
	rc.srv.Listener.Close()
	rc.srv.Listener = ln
	rc.srv.Start()
}

// start listens again on the same address.
func (rc *receiver) start() {
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", rc.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		rc.t.Fatalf("listening again on %s: %v", rc.addr, err)
	}
	rc.startOn(ln)
}

func (rc *receiver) stop() {
	if rc.srv != nil {
		rc.srv.CloseClientConnections()
		rc.srv.Close()
		rc.srv = nil
	}
}

func (rc *receiver) setSecrets(s ...string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.secrets = nil
	for _, x := range s {
		rc.secrets = append(rc.secrets, []byte(x))
	}
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "reading", http.StatusBadRequest)
		return
	}
	g := received{
		Key:       r.Header.Get("Idempotency-Key"),
		Attempt:   r.Header.Get("Vigil-Delivery-Attempt"),
		EventType: r.Header.Get("Vigil-Event-Type"),
		Signature: r.Header.Get("Vigil-Signature"),
		Body:      body,
	}
	_ = json.Unmarshal(body, &g.Event)
	rc.mu.Lock()
	for i, s := range rc.secrets {
		if verifyIndependently(g.Signature, body, s, time.Now()) {
			g.Verified = append(g.Verified, i)
		}
	}
	n := 1
	for _, p := range rc.got {
		if p.Key == g.Key {
			n++
		}
	}
	rc.got = append(rc.got, g)
	respond := rc.respond
	rc.mu.Unlock()
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "want a JSON POST", http.StatusBadRequest)
		return
	}
	if respond != nil {
		respond(w, r, n)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// requests returns a copy of what was received.
func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// verifyIndependently checks a Vigil-Signature header the way a receiver
// in another language would, from the documented scheme: t=<unix>, one or
// more v1=<hex HMAC-SHA256(secret, t + "." + body)>, t within 5 minutes.
func verifyIndependently(header string, body, secret []byte, now time.Time) bool {
	var ts string
	var sigs []string
	for _, kv := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts + "."))
	m.Write(body)
	want := hex.EncodeToString(m.Sum(nil))
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return true
		}
	}
	return false
}

// env is a real store file, a key file and an Admin over them.
type env struct {
	dir   string
	db    string
	st    *sqlite.Store
	keys  *webhook.KeyFile
	admin *webhook.Admin
	logs  *syncBuffer
}

// storeAudit records webhook changes in the store's audit log.
type storeAudit struct{ st *sqlite.Store }

func (a storeAudit) Audit(ctx context.Context, who, action string, details any) error {
	return vigil.Audit(ctx, a.st, who, action, details, nil)
}

func newEnv(t testing.TB) *env {
	dir := t.TempDir()
	e := &env{dir: dir, db: filepath.Join(dir, "vigil.db"), logs: &syncBuffer{}}
	var err error
	if e.st, err = sqlite.Open(e.db); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.Close() })
	e.keys = &webhook.KeyFile{Path: filepath.Join(dir, "vigil.db.webhook-key")}
	e.admin = &webhook.Admin{Store: e.st, Keys: e.keys, Audit: storeAudit{e.st}}
	return e
}

// add adds a webhook with a secret of its own and returns it.
func (e *env) add(t *testing.T, url, secret string, events ...string) vigil.Webhook {
	t.Helper()
	w, made, err := e.admin.Add(context.Background(), "test", webhook.AddRequest{URL: url, Events: events, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	if made != "" {
		t.Fatalf("a secret was made although one was given")
	}
	return w
}

func (e *env) events(t *testing.T, types ...string) []vigil.Event {
	t.Helper()
	var out []vigil.Event
	for i, typ := range types {
		ev, err := e.st.AppendEvent(context.Background(), vigil.Event{Type: typ,
			Data: json.RawMessage(`{"alert_id":"al_` + strconv.Itoa(i) + `","subject":"Qasem Soleimani"}`)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// dispatcher returns a fast dispatcher over the env's store.
func (e *env) dispatcher(o webhook.Options) *webhook.Dispatcher {
	if o.Backoff.Base == 0 {
		o.Backoff = webhook.Backoff{Base: 10 * time.Millisecond, Max: 40 * time.Millisecond}
	}
	if o.Timeout == 0 {
		o.Timeout = 2 * time.Second
	}
	if o.Poll == 0 {
		o.Poll = 10 * time.Millisecond
	}
	o.Logger = slog.New(slog.NewTextHandler(e.logs, nil))
	return webhook.New(e.st, e.keys, o)
}

// run runs d until the test ends.
func run(t *testing.T, d *webhook.Dispatcher) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { d.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// waitFor polls cond until it holds or 20 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// deliveries returns the whole delivery log.
func (e *env) deliveries(t *testing.T, f vigil.DeliveryFilter) []vigil.Delivery {
	t.Helper()
	f.Limit = 10000
	ds, err := e.st.Deliveries(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func (e *env) allIn(t *testing.T, state vigil.DeliveryState, n int) func() bool {
	return func() bool {
		ds := e.deliveries(t, vigil.DeliveryFilter{})
		if len(ds) != n {
			return false
		}
		for _, d := range ds {
			if d.State != state {
				return false
			}
		}
		return true
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
