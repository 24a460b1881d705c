package webhook_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/sqlite"
	"github.com/vigil-screening/vigil/webhook"
)

// TestHelperDispatcher is the dispatcher process TestKillDispatcherMidFlight
// starts and kills; on its own it skips.
func TestHelperDispatcher(t *testing.T) {
	db := os.Getenv("VIGIL_TEST_DISPATCHER_DB")
	if db == "" {
		t.Skip("a helper process of TestKillDispatcherMidFlight")
	}
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	keys := &webhook.KeyFile{Path: os.Getenv("VIGIL_TEST_DISPATCHER_KEY")}
	d := webhook.New(st, keys, webhook.Options{Workers: 1, Poll: 10 * time.Millisecond, Timeout: 30 * time.Second,
		Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	d.Run(context.Background()) // until killed
}

// TestKillDispatcherMidFlight kills (SIGKILL) a dispatcher process while
// the receiver holds its first request; a dispatcher started afterwards
// sends that delivery again, with the same idempotency key, once its lease
// has ended, and every other event exactly once.
func TestKillDispatcherMidFlight(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	rc.setSecrets(secretA)
	arrived, hold := make(chan struct{}), make(chan struct{})
	var first sync.Once
	rc.respond = func(w http.ResponseWriter, r *http.Request, n int) {
		held := false
		first.Do(func() { held = true })
		if held {
			close(arrived)
			select {
			case <-hold:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(http.StatusOK)
	}
	w := e.add(t, rc.url(), secretA, vigil.EventAlertOpened)
	evs := e.events(t, vigil.EventAlertOpened, vigil.EventAlertOpened, vigil.EventAlertOpened)

	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperDispatcher$", "-test.count=1")
	cmd.Env = append(os.Environ(), "VIGIL_TEST_DISPATCHER_DB="+e.db, "VIGIL_TEST_DISPATCHER_KEY="+e.keys.Path)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-arrived:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the dispatcher process sent nothing:\n%s", out.String())
	}
	cmd.Process.Kill()
	cmd.Wait()
	close(hold)

	// Within the lease nobody sends it again.
	step(t, e.dispatcher(webhook.Options{}))
	if n := len(rc.requests()); n != 3 {
		t.Fatalf("%d requests within the lease; want the killed one and the 2 others", n)
	}
	// Past the lease, a new dispatcher sends it again.
	later := func() time.Time { return time.Now().Add(2 * time.Minute) }
	step(t, e.dispatcher(webhook.Options{Now: later}))

	got := rc.requests()
	count := map[string][]string{}
	for _, g := range got {
		if len(g.Verified) != 1 {
			t.Errorf("%s: signature does not verify", g.Key)
		}
		count[g.Key] = append(count[g.Key], g.Attempt)
	}
	killed := got[0].Key
	if len(count) != len(evs) {
		t.Errorf("received %v; want every event", count)
	}
	for _, ev := range evs {
		key := vigil.IdempotencyKey(w.ID, ev.ID)
		want := 1
		if key == killed {
			want = 2 // at least once: the interrupted try and its resend
		}
		if len(count[key]) != want {
			t.Errorf("%s received %d times (tries %v), want %d", key, len(count[key]), count[key], want)
		}
	}
	if a := count[killed]; len(a) != 2 || a[0] != "1" || a[1] != "2" {
		t.Errorf("the killed delivery's tries: %v", a)
	}
	for _, d := range e.deliveries(t, vigil.DeliveryFilter{}) {
		if d.State != vigil.DeliveryDelivered {
			t.Errorf("delivery %d: %s", d.ID, d.State)
		}
		if d.IdempotencyKey() == killed && (len(d.Attempts) != 2 || d.Attempts[0].Error != sqlite.InterruptedAttempt || d.Attempts[1].Status != 200) {
			t.Errorf("the killed delivery's log: %+v", d.Attempts)
		}
	}
}

// TestDispatchersShareAStore runs two dispatchers on one store file (as two
// replicas would): every event is delivered exactly once.
func TestDispatchersShareAStore(t *testing.T) {
	e := newEnv(t)
	rc := newReceiver(t)
	rc.setSecrets(secretA)
	rc.respond = func(w http.ResponseWriter, r *http.Request, n int) {
		time.Sleep(2 * time.Millisecond)
		w.WriteHeader(http.StatusOK)
	}
	e.add(t, rc.url(), secretA, vigil.EventAlertOpened, vigil.EventAlertClosed)
	const n = 40
	for range n / 2 {
		e.events(t, vigil.EventAlertOpened, vigil.EventAlertClosed)
	}
	st2, err := sqlite.Open(e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	run(t, e.dispatcher(webhook.Options{}))
	run(t, webhook.New(st2, &webhook.KeyFile{Path: e.keys.Path}, webhook.Options{Poll: 10 * time.Millisecond}))
	waitFor(t, "every delivery delivered", e.allIn(t, vigil.DeliveryDelivered, n))
	seen := map[string]int{}
	for _, g := range rc.requests() {
		seen[g.Key]++
	}
	if len(seen) != n {
		t.Errorf("%d keys received, want %d", len(seen), n)
	}
	for k, c := range seen {
		if c != 1 {
			t.Errorf("%s received %d times", k, c)
		}
	}
}
