// Package webhook delivers the events of the store's event log (an outbox:
// vigil.EventLog) to the webhooks that subscribe to them, and administers
// those webhooks.
//
// A Dispatcher, run by vigil serve, fans each new event out into one
// delivery per subscribing webhook (vigil.WebhookStore.EnqueueDeliveries:
// a cursor and a unique (webhook, event) pair make that exactly once, also
// across restarts) and sends the due deliveries: a POST of the event as
// JSON ({"id","type","time","data"}) with
//
//	Vigil-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">[,v1=…]
//	Idempotency-Key: <webhook id>-<event id>
//
// one v1 per secret in force (two during a rotation). A try fails on a
// network error, a timeout or any answer but 2xx; the delivery is then
// retried with exponential backoff and jitter (Backoff), and after the last
// try it is dead until retried by hand. Each try is claimed with a lease
// in the store, so several dispatchers can share a store, and a dispatcher
// killed mid-flight leaves its delivery to be sent again when the lease
// ends, with the same idempotency key: delivery is at least once, and
// receivers drop repeats by that key.
//
// Secrets are sealed with AES-GCM under a key kept outside the store
// (KeyFile); Admin makes and seals them, checks URLs (https, or http to a
// loopback host) and audits every change.
package webhook
