-- The event log (outbox): changes others are told of, e.g. by webhooks.
CREATE TABLE events (
	id   INTEGER PRIMARY KEY AUTOINCREMENT,
	type TEXT NOT NULL,
	time TEXT NOT NULL, -- RFC 3339
	data TEXT NOT NULL  -- JSON
);
