package vigil

import (
	"context"
	"encoding/json"
	"time"
)

// Event types: what webhooks and other consumers are told of.
const (
	EventAlertOpened   = "alert.opened"
	EventAlertReopened = "alert.reopened"
	EventAlertDecided  = "alert.decided"
	EventAlertApproved = "alert.approved"
	EventAlertClosed   = "alert.closed"
)

// Event is one thing that happened, kept in the store's event log (an
// outbox): it is written in the same transaction as the change it reports,
// so that no change is ever reported without having happened, nor happens
// without being reported. Consumers (webhook deliveries) read the log in ID
// order and remember how far they have read.
type Event struct {
	// ID is assigned by the store and increases with every event.
	ID   int64     `json:"id"`
	Type string    `json:"type"`
	Time time.Time `json:"time"`
	// Data is the event's JSON payload (for alert events, the alert).
	Data json.RawMessage `json:"data"`
}

// EventLog is the store's event log.
type EventLog interface {
	// AppendEvent appends an event of its own (outside any other change),
	// assigning its ID and, when zero, its Time.
	AppendEvent(ctx context.Context, e Event) (Event, error)
	// EventsAfter returns up to limit events with ID > after, oldest first.
	EventsAfter(ctx context.Context, after int64, limit int) ([]Event, error)
}
