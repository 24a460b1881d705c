CREATE TABLE versions (
	list      TEXT    NOT NULL,
	version   INTEGER NOT NULL,
	source    TEXT    NOT NULL,
	format    TEXT    NOT NULL,
	hash      TEXT    NOT NULL,
	published TEXT    NOT NULL, -- RFC 3339, '' when unknown
	imported  TEXT    NOT NULL, -- RFC 3339
	files     TEXT    NOT NULL, -- JSON array
	entities  INTEGER NOT NULL,
	by_kind   TEXT    NOT NULL, -- JSON object
	partial   INTEGER NOT NULL,
	base      INTEGER NOT NULL, -- version the stored diff is from (0: none)
	added     INTEGER NOT NULL,
	removed   INTEGER NOT NULL,
	changed   INTEGER NOT NULL,
	diff      BLOB    NOT NULL, -- vigil.Diff from base, encoded like blobs
	PRIMARY KEY (list, version)
);
CREATE UNIQUE INDEX versions_hash ON versions (list, hash);

-- Content-addressed entity JSON: one row per distinct entity content.
CREATE TABLE blobs (
	id   INTEGER PRIMARY KEY,
	hash BLOB NOT NULL UNIQUE, -- SHA-256 of the canonical JSON
	data BLOB NOT NULL
);

-- The blob an entity had over the complete versions first..last of a list.
CREATE TABLE spans (
	list  TEXT    NOT NULL,
	id    TEXT    NOT NULL,
	blob  INTEGER NOT NULL REFERENCES blobs (id),
	first INTEGER NOT NULL,
	last  INTEGER NOT NULL,
	PRIMARY KEY (list, id, first)
) WITHOUT ROWID;
CREATE INDEX spans_last ON spans (list, last, first);
CREATE INDEX spans_id ON spans (id, last);

-- Membership of partial versions.
CREATE TABLE partial_members (
	list    TEXT    NOT NULL,
	version INTEGER NOT NULL,
	id      TEXT    NOT NULL,
	blob    INTEGER NOT NULL REFERENCES blobs (id),
	PRIMARY KEY (list, version, id)
) WITHOUT ROWID;
CREATE INDEX partial_members_id ON partial_members (id);

CREATE TABLE audit (
	id     INTEGER PRIMARY KEY AUTOINCREMENT,
	time   TEXT NOT NULL,
	key_id TEXT NOT NULL,
	action TEXT NOT NULL,
	query  TEXT NOT NULL, -- JSON
	result TEXT NOT NULL  -- JSON
);

CREATE TABLE api_keys (
	id      TEXT PRIMARY KEY,
	name    TEXT NOT NULL,
	role    TEXT NOT NULL,
	hash    BLOB NOT NULL UNIQUE, -- SHA-256 of the secret
	created TEXT NOT NULL,
	revoked TEXT NOT NULL DEFAULT ''
);
