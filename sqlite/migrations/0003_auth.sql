-- Whether this store ever had an API key: set when the first key is created
-- and never cleared, so that revoking every key does not open the service.
CREATE TABLE auth_state (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	had_keys INTEGER NOT NULL
);
INSERT INTO auth_state (id, had_keys) SELECT 1, EXISTS (SELECT 1 FROM api_keys);

-- Console sessions: the SHA-256 of a random secret kept in the browser's
-- cookie, for one key, until expires (Unix seconds).
CREATE TABLE sessions (
	hash    BLOB    PRIMARY KEY,
	key_id  TEXT    NOT NULL REFERENCES api_keys (id),
	created INTEGER NOT NULL,
	expires INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_key ON sessions (key_id);
