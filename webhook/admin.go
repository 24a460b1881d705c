package webhook

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	vigil "github.com/vigil-screening/vigil"
)

// Auditor appends a record to the audit log: who did what, with details
// (marshalled to JSON; never a secret).
type Auditor interface {
	Audit(ctx context.Context, who, action string, details any) error
}

// Sealer seals secrets; *KeyFile is one.
type Sealer interface {
	Seal(webhookID string, secret []byte) ([]byte, error)
}

// Admin adds, removes and rotates webhooks and retries dead deliveries, as
// the CLI and the admin API do: it checks the input, makes and seals the
// secrets, and audits every change.
type Admin struct {
	Store vigil.WebhookStore
	Keys  Sealer
	Audit Auditor
}

// InputError is a refusal of bad input (HTTP 400).
type InputError struct{ Msg string }

func (e *InputError) Error() string { return e.Msg }

func inputError(format string, args ...any) error {
	return &InputError{fmt.Sprintf(format, args...)}
}

// AddRequest describes a webhook to add.
type AddRequest struct {
	URL    string   `json:"url"`
	Events []string `json:"events"`
	// Secret, when given, signs the deliveries; otherwise one is made.
	Secret   string `json:"secret,omitempty"`
	Insecure bool   `json:"insecure,omitempty"`
}

// DefaultOverlap is how long the older secrets keep signing after a
// rotation, unless the rotation is finished earlier.
const DefaultOverlap = 24 * time.Hour

// MaxOverlap bounds a rotation's overlap.
const MaxOverlap = 30 * 24 * time.Hour

// ParseEvents checks event types against vigil.WebhookEventTypes. Each
// element may itself hold several types separated by commas.
func ParseEvents(list []string) ([]string, error) {
	var out []string
	for _, item := range list {
		for _, typ := range strings.Split(item, ",") {
			typ = strings.TrimSpace(typ)
			if typ == "" {
				continue
			}
			if !slices.Contains(vigil.WebhookEventTypes, typ) {
				return nil, inputError("unknown event type %q; the types are %s", typ, strings.Join(vigil.WebhookEventTypes, ", "))
			}
			if !slices.Contains(out, typ) {
				out = append(out, typ)
			}
		}
	}
	if len(out) == 0 {
		return nil, inputError("no event types; choose from %s", strings.Join(vigil.WebhookEventTypes, ", "))
	}
	slices.Sort(out)
	return out, nil
}

// newID returns a new webhook ID: "wh_" and 16 hex digits.
func newID() string {
	var b [8]byte
	rand.Read(b[:])
	return "wh_" + hex.EncodeToString(b[:])
}

// Add checks and stores a webhook. It returns the webhook and, when the
// request brought no secret, the secret it made: shown this once, never
// stored in the clear.
func (a *Admin) Add(ctx context.Context, who string, r AddRequest) (vigil.Webhook, string, error) {
	if err := a.ready(who); err != nil {
		return vigil.Webhook{}, "", err
	}
	if _, err := CheckURL(r.URL, r.Insecure); err != nil {
		return vigil.Webhook{}, "", &InputError{err.Error()}
	}
	events, err := ParseEvents(r.Events)
	if err != nil {
		return vigil.Webhook{}, "", err
	}
	secret, made := r.Secret, ""
	if secret == "" {
		secret = GenerateSecret()
		made = secret
	} else if err := CheckSecret([]byte(secret)); err != nil {
		return vigil.Webhook{}, "", &InputError{err.Error()}
	}
	w := vigil.Webhook{ID: newID(), URL: r.URL, Events: events, Insecure: r.Insecure, Created: time.Now()}
	sealed, err := a.Keys.Seal(w.ID, []byte(secret))
	if err != nil {
		return vigil.Webhook{}, "", err
	}
	if w, err = a.Store.CreateWebhook(ctx, w, vigil.WebhookSecret{Sealed: sealed}); err != nil {
		return vigil.Webhook{}, "", err
	}
	details := map[string]any{"id": w.ID, "origin": Origin(w.URL), "url_sha256": urlHash(w.URL), "events": w.Events, "insecure": w.Insecure}
	if err := a.audit(ctx, who, "webhook.add", details); err != nil {
		return w, made, err
	}
	return w, made, nil
}

// urlHash lets an auditor check which URL was configured without the
// audit log holding a token the URL may carry.
func urlHash(u string) string {
	h := sha256.Sum256([]byte(u))
	return hex.EncodeToString(h[:])
}

// Remove removes a webhook: its secrets are deleted and its pending
// deliveries cancelled; its delivery log stays.
func (a *Admin) Remove(ctx context.Context, who, id string) error {
	if err := a.ready(who); err != nil {
		return err
	}
	if err := a.Store.RemoveWebhook(ctx, id, time.Now()); err != nil {
		return err
	}
	return a.audit(ctx, who, "webhook.remove", map[string]any{"id": id})
}

// Rotate adds a new signing secret (secret, or a new one when empty, which
// it returns). The secrets in force before keep signing for overlap (0:
// DefaultOverlap); deliveries meanwhile carry one v1 per secret.
func (a *Admin) Rotate(ctx context.Context, who, id, secret string, overlap time.Duration) (made string, until time.Time, err error) {
	if err := a.ready(who); err != nil {
		return "", time.Time{}, err
	}
	if overlap == 0 {
		overlap = DefaultOverlap
	}
	if overlap < 0 || overlap > MaxOverlap {
		return "", time.Time{}, inputError("the overlap must be between 0 and %s, not %s", MaxOverlap, overlap)
	}
	if secret == "" {
		secret = GenerateSecret()
		made = secret
	} else if err := CheckSecret([]byte(secret)); err != nil {
		return "", time.Time{}, &InputError{err.Error()}
	}
	w, err := a.Store.Webhook(ctx, id)
	if err != nil {
		return "", time.Time{}, err
	}
	if !w.Removed.IsZero() {
		return "", time.Time{}, fmt.Errorf("webhook %s was removed: %w", id, vigil.ErrNotFound)
	}
	sealed, err := a.Keys.Seal(id, []byte(secret))
	if err != nil {
		return "", time.Time{}, err
	}
	until = time.Now().Add(overlap)
	if err := a.Store.RotateWebhookSecret(ctx, id, vigil.WebhookSecret{Sealed: sealed}, until); err != nil {
		return "", time.Time{}, err
	}
	if err := a.audit(ctx, who, "webhook.rotate", map[string]any{"id": id, "old_secrets_until": until.UTC()}); err != nil {
		return made, until, err
	}
	return made, until, nil
}

// FinishRotation stops every secret of a webhook but the newest from
// signing.
func (a *Admin) FinishRotation(ctx context.Context, who, id string) error {
	if err := a.ready(who); err != nil {
		return err
	}
	if err := a.Store.FinishWebhookRotation(ctx, id); err != nil {
		return err
	}
	return a.audit(ctx, who, "webhook.rotate.finish", map[string]any{"id": id})
}

// Retry makes a dead delivery pending again, due now, with a fresh set of
// tries.
func (a *Admin) Retry(ctx context.Context, who string, deliveryID int64) error {
	if err := a.ready(who); err != nil {
		return err
	}
	if err := a.Store.RetryDelivery(ctx, deliveryID, time.Now()); err != nil {
		return err
	}
	return a.audit(ctx, who, "webhook.delivery.retry", map[string]any{"delivery": deliveryID})
}

// ready refuses a change that could not be audited: without an audit log,
// or without knowing who asks.
func (a *Admin) ready(who string) error {
	if a.Audit == nil {
		return errors.New("webhook changes are refused: no audit log is configured to record them")
	}
	if strings.TrimSpace(who) == "" {
		return ErrNoIdentity
	}
	return nil
}

// audit records a change that has been made; if that fails the change
// stands, and the error says so.
func (a *Admin) audit(ctx context.Context, who, action string, details map[string]any) error {
	if err := a.Audit.Audit(ctx, who, action, details); err != nil {
		return fmt.Errorf("%s done, but recording it in the audit log failed: %w", action, err)
	}
	return nil
}

// ErrNoIdentity refuses a change whose author is unknown.
var ErrNoIdentity = errors.New("webhook changes are refused: who asks is unknown, and they are audited")

// List returns the active webhooks (and the removed ones when removed is
// true). Secrets are never part of them.
func (a *Admin) List(ctx context.Context, removed bool) ([]vigil.Webhook, error) {
	return a.Store.Webhooks(ctx, removed)
}

// Deliveries returns deliveries from the log, newest first.
func (a *Admin) Deliveries(ctx context.Context, f vigil.DeliveryFilter) ([]vigil.Delivery, error) {
	return a.Store.Deliveries(ctx, f)
}
