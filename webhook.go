package vigil

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// WebhookEventTypes are the event types a webhook may subscribe to.
var WebhookEventTypes = []string{
	EventAlertOpened, EventAlertReopened, EventAlertDecided, EventAlertApproved, EventAlertClosed,
}

// Webhook is a receiver of events: every event of a type it subscribes to,
// appended to the event log after the webhook was created, is delivered to
// its URL once (a Delivery), signed with its secrets.
type Webhook struct {
	// ID is chosen by the caller ("wh_" and 16 hex digits); it is bound
	// into the sealed secrets, so it never changes.
	ID     string   `json:"id"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	// Insecure allows a plain http:// URL to a host that is not loopback.
	Insecure bool      `json:"insecure,omitempty"`
	Created  time.Time `json:"created"`
	// AfterEvent is the newest event ID when the webhook was created: events
	// after it are delivered to it. Set by the store.
	AfterEvent int64 `json:"after_event"`
	// Secrets is how many secrets sign its deliveries now (more than one
	// during a rotation); RotationEnds is when the older ones stop signing
	// (zero when no rotation is under way). Set by the store.
	Secrets      int       `json:"secrets"`
	RotationEnds time.Time `json:"rotation_ends,omitzero"`
	// Removed is when the webhook was removed; zero while it is active.
	Removed time.Time `json:"removed,omitzero"`
}

// WebhookSecret is a signing secret as stores keep it: sealed (encrypted)
// by the caller, so a store never holds a secret it could show.
type WebhookSecret struct {
	Sealed  []byte
	Created time.Time
}

// DeliveryState is where a delivery stands.
type DeliveryState string

// Delivery states.
const (
	// DeliveryPending: due at NextAt (a first try, or a retry).
	DeliveryPending DeliveryState = "pending"
	// DeliveryDelivered: the receiver answered 2xx.
	DeliveryDelivered DeliveryState = "delivered"
	// DeliveryDead: the last try failed (the dead-letter state); only a
	// retry by hand sends it again.
	DeliveryDead DeliveryState = "dead"
	// DeliveryCancelled: its webhook was removed before it was delivered.
	DeliveryCancelled DeliveryState = "cancelled"
)

// ParseDeliveryState checks a state name.
func ParseDeliveryState(s string) (DeliveryState, bool) {
	switch st := DeliveryState(s); st {
	case DeliveryPending, DeliveryDelivered, DeliveryDead, DeliveryCancelled:
		return st, true
	}
	return "", false
}

// Delivery is one event sent (or to be sent) to one webhook: its entry in
// the delivery log. There is at most one per event and webhook.
type Delivery struct {
	ID        int64         `json:"id"`
	WebhookID string        `json:"webhook_id"`
	EventID   int64         `json:"event_id"`
	EventType string        `json:"event_type"`
	State     DeliveryState `json:"state"`
	// Tries counts the tries since the delivery was created or last retried
	// by hand.
	Tries int `json:"tries"`
	// NextAt is when a pending delivery is next due.
	NextAt  time.Time `json:"next_at,omitzero"`
	Created time.Time `json:"created"`
	// Attempts is the history of tries, oldest first (retries by hand
	// included).
	Attempts []DeliveryAttempt `json:"attempts"`
}

// IdempotencyKey is the delivery's Idempotency-Key header: the same for
// every try of the delivery, and different for every other delivery.
func (d Delivery) IdempotencyKey() string { return IdempotencyKey(d.WebhookID, d.EventID) }

// IdempotencyKey is the Idempotency-Key of the delivery of an event to a
// webhook.
func IdempotencyKey(webhookID string, eventID int64) string {
	return webhookID + "-" + strconv.FormatInt(eventID, 10)
}

// DeliveryAttempt is one try of a delivery.
type DeliveryAttempt struct {
	At time.Time `json:"at"`
	// Millis is how long the try took.
	Millis int64 `json:"ms"`
	// Status is the HTTP status answered; 0 when none was.
	Status int `json:"status,omitempty"`
	// Error says why the try failed; empty for a 2xx answer.
	Error string `json:"error,omitempty"`
}

// DeliveryClaim is a due delivery a sender has claimed: no other sender
// takes it until the claim's lease ends (a sender that dies mid-flight
// leaves it to be claimed again then).
type DeliveryClaim struct {
	Delivery
	// Lease identifies this claim: a result recorded under an older lease
	// is refused (ErrStaleLease).
	Lease int64
	// Interrupted is true when an earlier claim ended without a result (its
	// sender stopped): that try's outcome is unknown.
	Interrupted bool
	URL         string
	Insecure    bool
	// Secrets are the webhook's signing secrets in force, newest first.
	Secrets []WebhookSecret
	Event   Event
}

// DeliveryResult is what a sender records after a claim.
type DeliveryResult struct {
	DeliveryID int64
	Lease      int64
	State      DeliveryState // pending (to retry), delivered or dead
	Tries      int
	NextAt     time.Time // when pending
	// Attempt, unless its At is zero, is added to the delivery's history.
	Attempt DeliveryAttempt
}

// DeliveryFilter selects deliveries from the log, newest first.
type DeliveryFilter struct {
	WebhookID string
	State     DeliveryState
	// Limit caps the count (100 when 0).
	Limit int
}

// ErrStaleLease is returned when a result is recorded for a claim that has
// since been superseded.
var ErrStaleLease = errors.New("the delivery was claimed again since")

// WebhookStore keeps webhooks, their secrets and their deliveries. Every
// method is safe for concurrent use, also from several processes sharing
// one store: ClaimDeliveries hands each due delivery to one claimant (with
// PostgreSQL, SELECT … FOR UPDATE SKIP LOCKED).
type WebhookStore interface {
	// CreateWebhook stores w (its ID chosen by the caller, unique) with its
	// first secret, setting AfterEvent to the newest event ID.
	CreateWebhook(ctx context.Context, w Webhook, s WebhookSecret) (Webhook, error)
	// Webhook returns one webhook, removed or not; ErrNotFound when none
	// has the ID.
	Webhook(ctx context.Context, id string) (Webhook, error)
	// Webhooks returns the active webhooks (and the removed ones too when
	// removed is true), oldest first.
	Webhooks(ctx context.Context, removed bool) ([]Webhook, error)
	// RemoveWebhook marks an active webhook removed, deletes its secrets
	// and cancels its pending deliveries; ErrNotFound when no active
	// webhook has the ID.
	RemoveWebhook(ctx context.Context, id string, at time.Time) error
	// RotateWebhookSecret adds a secret that signs from now on; the secrets
	// in force before keep signing until oldUntil (at most: an earlier end
	// of an earlier rotation stands). Expired secrets are deleted.
	RotateWebhookSecret(ctx context.Context, id string, s WebhookSecret, oldUntil time.Time) error
	// FinishWebhookRotation deletes every secret but the newest.
	FinishWebhookRotation(ctx context.Context, id string) error

	// EnqueueDeliveries reads up to limit events past the dispatch cursor,
	// creates one pending delivery per event and active webhook that
	// subscribes to its type (and was created before it), due at now, and
	// moves the cursor past them, all in one transaction. It returns the
	// count of events read and of deliveries created. A delivery is never
	// created twice for one event and webhook.
	EnqueueDeliveries(ctx context.Context, limit int, now time.Time) (events, deliveries int, err error)
	// ClaimDeliveries claims up to limit pending deliveries due at now
	// (oldest due first) of active webhooks, counting a try for each and
	// leasing them until leaseEnd. A delivery whose previous claim ended
	// without a result is marked Interrupted, and that try is logged as
	// such.
	ClaimDeliveries(ctx context.Context, now, leaseEnd time.Time, limit int) ([]DeliveryClaim, error)
	// FinishDelivery records a claim's outcome; ErrStaleLease when the
	// delivery has been claimed again since (the attempt is still logged).
	FinishDelivery(ctx context.Context, r DeliveryResult) error
	// Deliveries returns deliveries from the log, newest first, with their
	// attempts.
	Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error)
	// RetryDelivery makes a dead delivery of an active webhook pending
	// again, due at now, with its tries reset; ErrNotFound when there is no
	// such dead delivery.
	RetryDelivery(ctx context.Context, id int64, now time.Time) error
}
