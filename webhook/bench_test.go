package webhook_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/webhook"
)

// BenchmarkDispatch measures deliveries end to end on one SQLite file: the
// fan-out, claiming, signing, a POST to a loopback receiver (which checks
// the signature) and recording the outcome. One op is one delivery.
func BenchmarkDispatch(b *testing.B) {
	e := newEnv(b)
	rc := newReceiver(b)
	rc.setSecrets(secretA)
	if _, _, err := e.admin.Add(context.Background(), "bench", webhook.AddRequest{URL: rc.url(), Events: []string{vigil.EventAlertOpened}, Secret: secretA}); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	data := json.RawMessage(`{"alert_id":"al_1","subject":{"set":"customers","id":"C-1","name":"Qasem Soleimani"},"entity_id":"un:IRi.039","score":0.97}`)
	for range b.N {
		if _, err := e.st.AppendEvent(ctx, vigil.Event{Type: vigil.EventAlertOpened, Data: data}); err != nil {
			b.Fatal(err)
		}
	}
	d := e.dispatcher(webhook.Options{Workers: 4, Timeout: 10 * time.Second})
	b.ResetTimer()
	if _, err := d.Enqueue(ctx); err != nil {
		b.Fatal(err)
	}
	n, err := d.SendDue(ctx)
	if err != nil || n != b.N {
		b.Fatalf("%d sent, %v", n, err)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
	if got := len(rc.requests()); got != b.N {
		b.Fatalf("%d received", got)
	}
}
