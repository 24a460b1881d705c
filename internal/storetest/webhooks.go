package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
)

var _ = add("WebhookFanOutExactlyOnce", testWebhookFanOutExactlyOnce)
var _ = add("WebhookClaimLeaseAndFinish", testWebhookClaimLeaseAndFinish)
var _ = add("WebhookRemoveAndRotate", testWebhookRemoveAndRotate)
var _ = add("WebhookClaimsAreExclusive", testWebhookClaimsAreExclusive)

func appendEvents(t *testing.T, st vigil.EventLog, types ...string) []vigil.Event {
	t.Helper()
	var out []vigil.Event
	for _, typ := range types {
		e, err := st.AppendEvent(context.Background(), vigil.Event{Type: typ, Data: json.RawMessage(`{"alert":1}`)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func addHook(t *testing.T, st vigil.WebhookStore, id string, events ...string) vigil.Webhook {
	t.Helper()
	w, err := st.CreateWebhook(context.Background(), vigil.Webhook{ID: id, URL: "https://example.test/" + id, Events: events},
		vigil.WebhookSecret{Sealed: []byte("sealed-" + id)})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func testWebhookFanOutExactlyOnce(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	before := appendEvents(t, st, vigil.EventAlertOpened)
	a := addHook(t, st, "wh_a", vigil.EventAlertOpened, vigil.EventAlertReopened)
	if a.AfterEvent != before[0].ID {
		t.Errorf("AfterEvent = %d, want the newest event %d", a.AfterEvent, before[0].ID)
	}
	b := addHook(t, st, "wh_b", vigil.EventAlertDecided)
	if len(b.Events) != 1 || b.Events[0] != vigil.EventAlertDecided || b.Secrets != 1 {
		t.Errorf("webhook b = %+v", b)
	}
	evs := appendEvents(t, st, vigil.EventAlertOpened, vigil.EventAlertDecided, vigil.EventAlertClosed, vigil.EventAlertReopened)

	now := time.Now()
	// A batch smaller than the log: the event from before the webhooks
	// and the first opened.
	n, d, err := st.EnqueueDeliveries(ctx, 2, now)
	if err != nil || n != 2 || d != 1 {
		t.Fatalf("first batch: %d events, %d deliveries, %v; want 2, 1", n, d, err)
	}
	n, d, err = st.EnqueueDeliveries(ctx, 10, now)
	if err != nil || n != 3 || d != 2 {
		t.Fatalf("second batch: %d events, %d deliveries, %v; want 3, 2", n, d, err)
	}
	if n, d, err = st.EnqueueDeliveries(ctx, 10, now); err != nil || n != 0 || d != 0 {
		t.Fatalf("nothing new: %d events, %d deliveries, %v", n, d, err)
	}
	// A lost cursor (or a second store writing the same log) creates no
	// duplicate.
	st.Exec(t, "UPDATE webhook_cursor SET last_event = 0")
	if n, d, err = st.EnqueueDeliveries(ctx, 10, now); err != nil || n != 5 || d != 0 {
		t.Fatalf("after rewinding the cursor: %d events, %d deliveries, %v; want 5, 0", n, d, err)
	}

	ds, err := st.Deliveries(ctx, vigil.DeliveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, d := range ds {
		got[d.IdempotencyKey()] = true
		if d.State != vigil.DeliveryPending || d.Tries != 0 || len(d.Attempts) != 0 {
			t.Errorf("new delivery %+v", d)
		}
	}
	want := map[string]bool{
		vigil.IdempotencyKey("wh_a", evs[0].ID): true,
		vigil.IdempotencyKey("wh_b", evs[1].ID): true,
		vigil.IdempotencyKey("wh_a", evs[3].ID): true,
	}
	if len(got) != len(want) || len(ds) != len(want) {
		t.Fatalf("deliveries %v, want %v", got, want)
	}
	for k := range want {
		if !got[k] {
			t.Errorf("missing delivery %s", k)
		}
	}
	if only, _ := st.Deliveries(ctx, vigil.DeliveryFilter{WebhookID: "wh_b"}); len(only) != 1 || only[0].EventType != vigil.EventAlertDecided {
		t.Errorf("deliveries of wh_b: %+v", only)
	}
}

func testWebhookClaimLeaseAndFinish(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	addHook(t, st, "wh_a", vigil.EventAlertOpened)
	appendEvents(t, st, vigil.EventAlertOpened, vigil.EventAlertOpened)
	t0 := time.Now().Truncate(time.Millisecond)
	if _, _, err := st.EnqueueDeliveries(ctx, 0, t0); err != nil {
		t.Fatal(err)
	}
	lease := t0.Add(time.Minute)
	cs, err := st.ClaimDeliveries(ctx, t0, lease, 10)
	if err != nil || len(cs) != 2 {
		t.Fatalf("claim: %d, %v", len(cs), err)
	}
	c := cs[0]
	if c.Tries != 1 || c.Interrupted || c.URL != "https://example.test/wh_a" || len(c.Secrets) != 1 ||
		string(c.Secrets[0].Sealed) != "sealed-wh_a" || c.Event.ID != c.EventID || c.Event.Type != vigil.EventAlertOpened ||
		string(c.Event.Data) != `{"alert":1}` {
		t.Fatalf("claim %+v", c)
	}
	// Leased: nobody else gets them until the lease ends.
	if again, _ := st.ClaimDeliveries(ctx, t0.Add(59*time.Second), lease, 10); len(again) != 0 {
		t.Fatalf("claimed again within the lease: %+v", again)
	}
	// The first is delivered; the second's sender "dies".
	res := vigil.DeliveryResult{DeliveryID: c.ID, Lease: c.Lease, State: vigil.DeliveryDelivered, Tries: 1,
		Attempt: vigil.DeliveryAttempt{At: t0, Millis: 12, Status: 204}}
	if err := st.FinishDelivery(ctx, res); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishDelivery(ctx, res); !errors.Is(err, vigil.ErrStaleLease) {
		t.Errorf("finishing twice: %v, want ErrStaleLease", err)
	}
	re, err := st.ClaimDeliveries(ctx, lease, lease.Add(time.Minute), 10)
	if err != nil || len(re) != 1 || re[0].ID != cs[1].ID || !re[0].Interrupted || re[0].Tries != 2 || re[0].Lease <= cs[1].Lease {
		t.Fatalf("claim after the lease: %+v, %v", re, err)
	}
	// The first sender's late result is logged but does not apply; the new
	// one's does.
	late := vigil.DeliveryResult{DeliveryID: cs[1].ID, Lease: cs[1].Lease, State: vigil.DeliveryDelivered, Tries: 1,
		Attempt: vigil.DeliveryAttempt{At: t0, Status: 200}}
	if err := st.FinishDelivery(ctx, late); !errors.Is(err, vigil.ErrStaleLease) {
		t.Errorf("late result: %v, want ErrStaleLease", err)
	}
	retry := t0.Add(time.Hour)
	if err := st.FinishDelivery(ctx, vigil.DeliveryResult{DeliveryID: re[0].ID, Lease: re[0].Lease, State: vigil.DeliveryPending,
		Tries: 2, NextAt: retry, Attempt: vigil.DeliveryAttempt{At: lease, Status: 500, Error: "HTTP 500"}}); err != nil {
		t.Fatal(err)
	}
	ds, err := st.Deliveries(ctx, vigil.DeliveryFilter{State: vigil.DeliveryPending})
	if err != nil || len(ds) != 1 {
		t.Fatalf("pending: %+v, %v", ds, err)
	}
	d := ds[0]
	if d.Tries != 2 || !d.NextAt.Equal(retry) || len(d.Attempts) != 3 ||
		!strings.HasPrefix(d.Attempts[0].Error, "interrupted") || d.Attempts[1].Status != 200 || d.Attempts[2].Status != 500 {
		t.Fatalf("delivery log %+v", d)
	}
	if cs, _ := st.ClaimDeliveries(ctx, retry.Add(-time.Millisecond), retry, 10); len(cs) != 0 {
		t.Error("claimed before it was due")
	}
	// Dead, then retried by hand.
	cs, _ = st.ClaimDeliveries(ctx, retry, retry.Add(time.Minute), 10)
	if len(cs) != 1 || cs[0].Interrupted {
		t.Fatalf("due retry: %+v", cs)
	}
	if err := st.RetryDelivery(ctx, cs[0].ID, retry); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("retrying a pending delivery: %v", err)
	}
	if err := st.FinishDelivery(ctx, vigil.DeliveryResult{DeliveryID: cs[0].ID, Lease: cs[0].Lease, State: vigil.DeliveryDead,
		Tries: 3, Attempt: vigil.DeliveryAttempt{At: retry, Error: "connection refused"}}); err != nil {
		t.Fatal(err)
	}
	if cs, _ := st.ClaimDeliveries(ctx, retry.Add(time.Hour), retry.Add(2*time.Hour), 10); len(cs) != 0 {
		t.Fatalf("a dead delivery was claimed: %+v", cs)
	}
	if err := st.RetryDelivery(ctx, d.ID, retry.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	cs, _ = st.ClaimDeliveries(ctx, retry.Add(time.Hour), retry.Add(2*time.Hour), 10)
	if len(cs) != 1 || cs[0].Tries != 1 {
		t.Fatalf("after a retry by hand: %+v", cs)
	}
}

func testWebhookRemoveAndRotate(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	addHook(t, st, "wh_a", vigil.EventAlertOpened)
	addHook(t, st, "wh_b", vigil.EventAlertOpened)
	appendEvents(t, st, vigil.EventAlertOpened)
	now := time.Now()
	st.EnqueueDeliveries(ctx, 0, now)

	// Rotation: two secrets sign, newest first, until the old one expires.
	until := now.Add(time.Hour)
	if err := st.RotateWebhookSecret(ctx, "wh_b", vigil.WebhookSecret{Sealed: []byte("new")}, until); err != nil {
		t.Fatal(err)
	}
	w, _ := st.Webhook(ctx, "wh_b")
	if w.Secrets != 2 || w.RotationEnds.UnixMilli() != until.UnixMilli() {
		t.Errorf("during the rotation: %+v", w)
	}
	if err := st.RemoveWebhook(ctx, "wh_a", now); err != nil {
		t.Fatal(err)
	}
	cs, err := st.ClaimDeliveries(ctx, now, now.Add(time.Minute), 10)
	if err != nil || len(cs) != 1 || cs[0].WebhookID != "wh_b" {
		t.Fatalf("claims: %+v, %v", cs, err)
	}
	if len(cs[0].Secrets) != 2 || string(cs[0].Secrets[0].Sealed) != "new" || string(cs[0].Secrets[1].Sealed) != "sealed-wh_b" {
		t.Errorf("secrets during the rotation: %q", cs[0].Secrets)
	}
	st.FinishDelivery(ctx, vigil.DeliveryResult{DeliveryID: cs[0].ID, Lease: cs[0].Lease, State: vigil.DeliveryPending, Tries: 1, NextAt: until})
	cs, _ = st.ClaimDeliveries(ctx, until, until.Add(time.Minute), 10)
	if len(cs) != 1 || len(cs[0].Secrets) != 1 || string(cs[0].Secrets[0].Sealed) != "new" {
		t.Fatalf("after the overlap: %+v", cs)
	}
	// A second rotation finished at once leaves only the newest.
	if err := st.RotateWebhookSecret(ctx, "wh_b", vigil.WebhookSecret{Sealed: []byte("newer")}, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := st.FinishWebhookRotation(ctx, "wh_b"); err != nil {
		t.Fatal(err)
	}
	if w, _ := st.Webhook(ctx, "wh_b"); w.Secrets != 1 || !w.RotationEnds.IsZero() {
		t.Errorf("after finishing: %+v", w)
	}

	// The removed webhook: listed only on request, its pending delivery
	// cancelled, its secrets gone, no new deliveries.
	if ws, _ := st.Webhooks(ctx, false); len(ws) != 1 || ws[0].ID != "wh_b" {
		t.Errorf("active webhooks: %+v", ws)
	}
	if ws, _ := st.Webhooks(ctx, true); len(ws) != 2 || ws[0].Removed.IsZero() || ws[0].Secrets != 0 {
		t.Errorf("all webhooks: %+v", ws)
	}
	if ds, _ := st.Deliveries(ctx, vigil.DeliveryFilter{WebhookID: "wh_a"}); len(ds) != 1 || ds[0].State != vigil.DeliveryCancelled {
		t.Errorf("deliveries of the removed webhook: %+v", ds)
	}
	appendEvents(t, st, vigil.EventAlertOpened)
	if _, d, _ := st.EnqueueDeliveries(ctx, 0, now); d != 1 {
		t.Errorf("%d deliveries for a new event; want 1 (the removed webhook gets none)", d)
	}
	for _, err := range []error{
		st.RemoveWebhook(ctx, "wh_a", now),
		st.RotateWebhookSecret(ctx, "wh_a", vigil.WebhookSecret{Sealed: []byte("x")}, now),
		st.FinishWebhookRotation(ctx, "wh_nope"),
	} {
		if !errors.Is(err, vigil.ErrNotFound) {
			t.Errorf("change to a removed or unknown webhook: %v", err)
		}
	}
	if _, err := st.Webhook(ctx, "wh_nope"); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("unknown webhook: %v", err)
	}
}

// TestWebhookClaimsAreExclusive claims from several store handles on one
// file at once (as several processes would): no delivery is handed out
// twice within its lease.
func testWebhookClaimsAreExclusive(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	addHook(t, st, "wh_a", vigil.EventAlertOpened)
	for range 60 {
		appendEvents(t, st, vigil.EventAlertOpened)
	}
	now := time.Now()
	if _, d, err := st.EnqueueDeliveries(ctx, 0, now); err != nil || d != 60 {
		t.Fatalf("%d deliveries, %v", d, err)
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range 4 {
		other := st.Reopen(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 { // 20 claims of 3 take them all
				cs, err := other.ClaimDeliveries(ctx, now, now.Add(time.Hour), 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(cs) == 0 {
					return
				}
				mu.Lock()
				for _, c := range cs {
					seen[c.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 60 {
		t.Errorf("%d deliveries claimed, want 60", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("delivery %d claimed %d times", id, n)
		}
	}
}
