package http

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/sqlite"
	"github.com/vigil-screening/vigil/webhook"
)

// webhookAuditor records webhook changes in the store's audit log.
type webhookAuditor struct{ st *sqlite.Store }

func (a webhookAuditor) Audit(ctx context.Context, who, action string, details any) error {
	return vigil.Audit(ctx, a.st, who, action, details, nil)
}

func TestWebhooksAPI(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := sqlite.Open(filepath.Join(dir, "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	keyFile := &webhook.KeyFile{Path: filepath.Join(dir, "v.db.webhook-key")}
	admin := &webhook.Admin{Store: st, Keys: keyFile, Audit: webhookAuditor{st}}
	s, _ := newTestServer(t, Options{Keys: st, Webhooks: admin, KeyCacheTTL: -1})
	h := s.Handler()

	// Without any API key the service is open, but webhook changes are
	// refused: they are audited under a key.
	if res, body := do(t, h, "POST", "/v1/webhooks", `{"url":"https://hooks.example.com/x","events":["alert.opened"]}`); res.StatusCode != 403 || !strings.Contains(body, "vigil keys create --role admin") {
		t.Fatalf("without keys: %d %s", res.StatusCode, body)
	}
	adminK, adminKey, err := st.CreateKey(ctx, "ops", "admin")
	if err != nil {
		t.Fatal(err)
	}
	adminID := adminK.ID
	_, screenKey, _ := st.CreateKey(ctx, "app", "screen")
	as := func(key string) []string { return []string{"Authorization", "Bearer " + key} }
	if res, _ := do(t, h, "GET", "/v1/webhooks", "", as(screenKey)...); res.StatusCode != 403 {
		t.Errorf("a screen key listed webhooks: %d", res.StatusCode)
	}
	if res, _ := do(t, h, "GET", "/v1/webhooks", ""); res.StatusCode != 401 {
		t.Errorf("no key: %d", res.StatusCode)
	}

	for _, c := range []struct{ body, want string }{
		{`{"url":"http://hooks.example.com/x","events":["alert.opened"]}`, "https://"},
		{`{"url":"https://hooks.example.com/x","events":["alert.lost"]}`, "unknown event type"},
		{`{"url":"https://hooks.example.com/x","events":["alert.opened"],"secret":"short"}`, "at least 32"},
		{`{"url":"https://hooks.example.com/x","events":["alert.opened"],"colour":"red"}`, "unknown field"},
	} {
		if res, body := do(t, h, "POST", "/v1/webhooks", c.body, as(adminKey)...); res.StatusCode != 400 || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d %s", c.body, res.StatusCode, body)
		}
	}
	res, body := do(t, h, "POST", "/v1/webhooks", `{"url":"http://127.0.0.1:1/hook","events":["alert.opened","alert.decided"]}`, as(adminKey)...)
	if res.StatusCode != 201 {
		t.Fatalf("add: %d %s", res.StatusCode, body)
	}
	added := decode[WebhookResponse](t, body)
	if !strings.HasPrefix(added.Secret, webhook.SecretPrefix) || added.Webhook.Secrets != 1 || len(added.Webhook.Events) != 2 {
		t.Fatalf("add: %s", body)
	}
	id := added.Webhook.ID

	res, body = do(t, h, "GET", "/v1/webhooks", "", as(adminKey)...)
	if ws := decode[WebhooksResponse](t, body); res.StatusCode != 200 || len(ws.Webhooks) != 1 || strings.Contains(body, added.Secret) {
		t.Errorf("list: %d %s", res.StatusCode, body)
	}

	res, body = do(t, h, "POST", "/v1/webhooks/"+id+"/rotate", `{"overlap":"2h"}`, as(adminKey)...)
	rot := decode[WebhookResponse](t, body)
	if res.StatusCode != 200 || rot.Secret == "" || rot.Secret == added.Secret || rot.Webhook.Secrets != 2 || rot.OldSecretsUntil.IsZero() {
		t.Fatalf("rotate: %d %s", res.StatusCode, body)
	}
	for _, c := range []struct {
		path, body string
		status     int
	}{
		{"/v1/webhooks/" + id + "/rotate", `{"overlap":"soon"}`, 400},
		{"/v1/webhooks/" + id + "/rotate", `{"finish":true,"overlap":"1h"}`, 400},
		{"/v1/webhooks/wh_nope/rotate", `{}`, 404},
	} {
		if res, body := do(t, h, "POST", c.path, c.body, as(adminKey)...); res.StatusCode != c.status {
			t.Errorf("%s %s: %d %s", c.path, c.body, res.StatusCode, body)
		}
	}
	res, body = do(t, h, "POST", "/v1/webhooks/"+id+"/rotate", `{"finish":true}`, as(adminKey)...)
	if fin := decode[WebhookResponse](t, body); res.StatusCode != 200 || fin.Webhook.Secrets != 1 || fin.Secret != "" {
		t.Errorf("finish: %d %s", res.StatusCode, body)
	}

	// A dead delivery (to a closed loopback port), listed and retried.
	st.AppendEvent(ctx, vigil.Event{Type: vigil.EventAlertDecided, Data: json.RawMessage(`{}`)})
	d := webhook.New(st, keyFile, webhook.Options{MaxTries: 1})
	d.Enqueue(ctx)
	d.SendDue(ctx)
	res, body = do(t, h, "GET", "/v1/webhooks/deliveries?state=dead&webhook="+id, "", as(adminKey)...)
	dl := decode[DeliveriesResponse](t, body)
	if res.StatusCode != 200 || len(dl.Deliveries) != 1 || len(dl.Deliveries[0].Attempts) != 1 {
		t.Fatalf("deliveries: %d %s", res.StatusCode, body)
	}
	if res, body := do(t, h, "GET", "/v1/webhooks/deliveries?state=lost", "", as(adminKey)...); res.StatusCode != 400 {
		t.Errorf("bad state: %d %s", res.StatusCode, body)
	}
	retry := fmt.Sprintf("/v1/webhooks/deliveries/%d/retry", dl.Deliveries[0].ID)
	if res, body := do(t, h, "POST", retry, "", as(adminKey)...); res.StatusCode != 200 {
		t.Fatalf("retry: %d %s", res.StatusCode, body)
	}
	if res, _ := do(t, h, "POST", retry, "", as(adminKey)...); res.StatusCode != 404 {
		t.Errorf("retrying a pending delivery: %d", res.StatusCode)
	}
	if res, _ := do(t, h, "POST", "/v1/webhooks/deliveries/x/retry", "", as(adminKey)...); res.StatusCode != 400 {
		t.Errorf("retrying delivery x: %d", res.StatusCode)
	}

	if res, body := do(t, h, "DELETE", "/v1/webhooks/"+id, "", as(adminKey)...); res.StatusCode != 200 {
		t.Fatalf("remove: %d %s", res.StatusCode, body)
	}
	if res, _ := do(t, h, "DELETE", "/v1/webhooks/"+id, "", as(adminKey)...); res.StatusCode != 404 {
		t.Errorf("removing twice: %d", res.StatusCode)
	}

	recs, _ := st.AuditLog(ctx, vigil.AuditFilter{})
	var got []string
	for i := len(recs) - 1; i >= 0; i-- {
		if !strings.HasPrefix(recs[i].Action, "webhook.") {
			continue // the keys made for the test are audited too
		}
		got = append(got, strings.TrimPrefix(recs[i].Who, "key:")+" "+recs[i].Action)
		if js, _ := json.Marshal(recs[i]); strings.Contains(string(js), added.Secret) || strings.Contains(string(js), rot.Secret) {
			t.Errorf("audit record with a secret: %s", js)
		}
	}
	want := strings.Join([]string{adminID + " webhook.add", adminID + " webhook.rotate", adminID + " webhook.rotate.finish",
		adminID + " webhook.delivery.retry", adminID + " webhook.remove"}, ",")
	if strings.Join(got, ",") != want {
		t.Errorf("audit %q, want %q", got, want)
	}
}
