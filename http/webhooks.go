package http

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/webhook"
)

// Webhooks administers webhooks for the /v1/webhooks routes;
// *webhook.Admin implements it. who is the API key's id, for the audit
// log.
type Webhooks interface {
	List(ctx context.Context, removed bool) ([]vigil.Webhook, error)
	Add(ctx context.Context, who string, r webhook.AddRequest) (vigil.Webhook, string, error)
	Remove(ctx context.Context, who, id string) error
	Rotate(ctx context.Context, who, id, secret string, overlap time.Duration) (string, time.Time, error)
	FinishRotation(ctx context.Context, who, id string) error
	Deliveries(ctx context.Context, f vigil.DeliveryFilter) ([]vigil.Delivery, error)
	Retry(ctx context.Context, who string, deliveryID int64) error
}

// WebhooksResponse answers GET /v1/webhooks.
type WebhooksResponse struct {
	Webhooks []vigil.Webhook `json:"webhooks"`
}

// WebhookResponse answers POST /v1/webhooks and the rotation: the webhook,
// and the secret Vigil made (shown this once; absent when the request
// brought its own).
type WebhookResponse struct {
	Webhook vigil.Webhook `json:"webhook"`
	Secret  string        `json:"secret,omitempty"`
	// OldSecretsUntil is, after a rotation, when the older secrets stop
	// signing.
	OldSecretsUntil time.Time `json:"old_secrets_until,omitzero"`
}

// RotateRequest is the body of POST /v1/webhooks/{id}/rotate.
type RotateRequest struct {
	Secret string `json:"secret,omitempty"`
	// Overlap is how long the older secrets keep signing, as a Go duration
	// ("24h", the default).
	Overlap string `json:"overlap,omitempty"`
	// Finish stops the older secrets signing now (no new secret).
	Finish bool `json:"finish,omitempty"`
}

// DeliveriesResponse answers GET /v1/webhooks/deliveries.
type DeliveriesResponse struct {
	Deliveries []vigil.Delivery `json:"deliveries"`
}

// webhookAdmin returns the webhook administration and who asks, or writes
// the refusal: changes are audited under the API key's id, so they need a
// key even on a service that has none.
func (s *Server) webhookAdmin(w http.ResponseWriter, r *http.Request) (Webhooks, string) {
	if s.opts.Webhooks == nil {
		writeError(w, http.StatusNotImplemented, "webhooks are not configured on this server")
		return nil, ""
	}
	k := keyFrom(r.Context())
	if k == nil {
		writeError(w, http.StatusForbidden, "webhook administration needs an admin API key, and this service has none: create one with vigil keys create --role admin")
		return nil, ""
	}
	return s.opts.Webhooks, "key:" + k.ID
}

// webhookErr writes an administration error: 400 for bad input, 404 for
// an unknown webhook or delivery, else as writeErr.
func (s *Server) webhookErr(w http.ResponseWriter, r *http.Request, err error) {
	var ie *webhook.InputError
	switch {
	case errors.As(err, &ie):
		writeError(w, http.StatusBadRequest, "%s", ie.Msg)
	case errors.Is(err, vigil.ErrNotFound):
		writeError(w, http.StatusNotFound, "%s", err.Error())
	default:
		s.writeErr(w, r, err)
	}
}

func (s *Server) handleWebhooks(w http.ResponseWriter, r *http.Request) {
	a, _ := s.webhookAdmin(w, r)
	if a == nil {
		return
	}
	removed := r.URL.Query().Get("removed") == "true"
	ws, err := a.List(r.Context(), removed)
	if err != nil {
		s.webhookErr(w, r, err)
		return
	}
	if ws == nil {
		ws = []vigil.Webhook{}
	}
	writeJSON(w, http.StatusOK, WebhooksResponse{ws})
}

func (s *Server) handleAddWebhook(w http.ResponseWriter, r *http.Request) {
	a, who := s.webhookAdmin(w, r)
	if a == nil {
		return
	}
	var req webhook.AddRequest
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	hook, secret, err := a.Add(r.Context(), who, req)
	if err != nil && hook.ID == "" {
		s.webhookErr(w, r, err)
		return
	}
	if err != nil { // added, but not audited: say so, and still show the secret once
		s.log.Error("webhook added but not audited", "webhook", hook.ID, "err", err)
	}
	writeJSON(w, http.StatusCreated, WebhookResponse{Webhook: hook, Secret: secret})
}

func (s *Server) handleRemoveWebhook(w http.ResponseWriter, r *http.Request) {
	a, who := s.webhookAdmin(w, r)
	if a == nil {
		return
	}
	if err := a.Remove(r.Context(), who, r.PathValue("id")); err != nil {
		s.webhookErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"removed": r.PathValue("id")})
}

func (s *Server) handleRotateWebhook(w http.ResponseWriter, r *http.Request) {
	a, who := s.webhookAdmin(w, r)
	if a == nil {
		return
	}
	var req RotateRequest
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	id := r.PathValue("id")
	if req.Finish {
		if req.Secret != "" || req.Overlap != "" {
			s.writeErr(w, r, badRequest("\"finish\" takes neither \"secret\" nor \"overlap\""))
			return
		}
		if err := a.FinishRotation(r.Context(), who, id); err != nil {
			s.webhookErr(w, r, err)
			return
		}
	}
	var resp WebhookResponse
	if !req.Finish {
		var overlap time.Duration
		if req.Overlap != "" {
			var err error
			if overlap, err = time.ParseDuration(req.Overlap); err != nil || overlap <= 0 {
				s.writeErr(w, r, badRequest("\"overlap\" must be a positive duration such as \"24h\", not %q", req.Overlap))
				return
			}
		}
		secret, until, err := a.Rotate(r.Context(), who, id, req.Secret, overlap)
		if err != nil && until.IsZero() {
			s.webhookErr(w, r, err)
			return
		}
		if err != nil {
			s.log.Error("webhook secret rotated but not audited", "webhook", id, "err", err)
		}
		resp.Secret, resp.OldSecretsUntil = secret, until
	}
	ws, err := a.List(r.Context(), false)
	if err != nil {
		s.webhookErr(w, r, err)
		return
	}
	for _, hook := range ws {
		if hook.ID == id {
			resp.Webhook = hook
		}
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) handleDeliveries(w http.ResponseWriter, r *http.Request) {
	a, _ := s.webhookAdmin(w, r)
	if a == nil {
		return
	}
	q := r.URL.Query()
	f := vigil.DeliveryFilter{WebhookID: q.Get("webhook"), Limit: 100}
	if v := q.Get("state"); v != "" {
		st, ok := vigil.ParseDeliveryState(v)
		if !ok {
			s.writeErr(w, r, badRequest("parameter \"state\" must be pending, delivered, dead or cancelled, not %q", v))
			return
		}
		f.State = st
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			s.writeErr(w, r, badRequest("parameter \"limit\" must be a number from 1 to 10000, not %q", v))
			return
		}
		f.Limit = n
	}
	ds, err := a.Deliveries(r.Context(), f)
	if err != nil {
		s.webhookErr(w, r, err)
		return
	}
	if ds == nil {
		ds = []vigil.Delivery{}
	}
	writeJSON(w, http.StatusOK, DeliveriesResponse{ds})
}

func (s *Server) handleRetryDelivery(w http.ResponseWriter, r *http.Request) {
	a, who := s.webhookAdmin(w, r)
	if a == nil {
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.writeErr(w, r, badRequest("%q is not a delivery id", r.PathValue("id")))
		return
	}
	if err := a.Retry(r.Context(), who, id); err != nil {
		s.webhookErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"retried": id})
}
