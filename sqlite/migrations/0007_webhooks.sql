-- Webhooks: receivers of events from the event log, their signing secrets,
-- and the delivery log. Times are Unix milliseconds (integers compare and
-- sort as times; RFC 3339 text with trimmed fractions does not).
CREATE TABLE webhooks (
	id          TEXT PRIMARY KEY,
	url         TEXT NOT NULL,
	insecure    INTEGER NOT NULL DEFAULT 0,
	created     INTEGER NOT NULL,
	after_event INTEGER NOT NULL, -- events with a greater id are delivered to it
	removed     INTEGER NOT NULL DEFAULT 0 -- 0 while active
);

-- The event types each webhook subscribes to.
CREATE TABLE webhook_events (
	webhook_id TEXT NOT NULL REFERENCES webhooks (id),
	type       TEXT NOT NULL,
	PRIMARY KEY (webhook_id, type)
);
CREATE INDEX webhook_events_type ON webhook_events (type);

-- Signing secrets, sealed (AES-GCM) by the program under a key kept outside
-- the database. expires is 0 for the newest; older ones sign until expires.
CREATE TABLE webhook_secrets (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	webhook_id TEXT NOT NULL REFERENCES webhooks (id),
	sealed     BLOB NOT NULL,
	created    INTEGER NOT NULL,
	expires    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_secrets_webhook ON webhook_secrets (webhook_id);

-- How far the event log has been fanned out into deliveries (one row).
CREATE TABLE webhook_cursor (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	last_event INTEGER NOT NULL
);
INSERT INTO webhook_cursor (id, last_event) VALUES (1, 0);

-- One delivery per event and webhook. A sender claims a pending delivery
-- that is due (next_at <= now) by counting a try, taking the next lease
-- number and moving next_at to the lease's end; sending = 1 until it
-- records the outcome, so a claim that finds sending = 1 knows the last
-- sender stopped mid-flight. (PostgreSQL: SELECT … FOR UPDATE SKIP LOCKED.)
CREATE TABLE webhook_deliveries (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	webhook_id TEXT NOT NULL REFERENCES webhooks (id),
	event_id   INTEGER NOT NULL REFERENCES events (id),
	state      TEXT NOT NULL, -- pending, delivered, dead, cancelled
	tries      INTEGER NOT NULL DEFAULT 0,
	lease      INTEGER NOT NULL DEFAULT 0,
	sending    INTEGER NOT NULL DEFAULT 0,
	next_at    INTEGER NOT NULL,
	created    INTEGER NOT NULL,
	UNIQUE (webhook_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_at) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_state ON webhook_deliveries (state, id);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

-- Every try of every delivery.
CREATE TABLE webhook_attempts (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id),
	at          INTEGER NOT NULL,
	ms          INTEGER NOT NULL,
	status      INTEGER NOT NULL, -- 0: no HTTP answer
	error       TEXT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);
