-- Keeping watch: subjects under watch, their alerts, decisions and history,
-- the sets' configuration and the re-screening runs.

CREATE TABLE subjects (
	sid         INTEGER PRIMARY KEY, -- the row re-screening runs order by
	set_name    TEXT NOT NULL,
	id          TEXT NOT NULL,
	name        TEXT NOT NULL,
	dob         TEXT NOT NULL,
	nationality TEXT NOT NULL,
	gender      TEXT NOT NULL,
	id_number   TEXT NOT NULL,
	kind        TEXT NOT NULL,
	labels      TEXT NOT NULL, -- JSON object
	fingerprint TEXT NOT NULL, -- of the screening fields
	labels_hash TEXT NOT NULL,
	created     TEXT NOT NULL, -- RFC 3339
	updated     TEXT NOT NULL
);
CREATE UNIQUE INDEX subjects_id ON subjects (set_name, id);

-- One alert per (subject, listed entity) pair; kept when the subject goes
-- (sid becomes NULL), for history.
CREATE TABLE alerts (
	id            INTEGER PRIMARY KEY,
	sid           INTEGER,
	set_name      TEXT    NOT NULL,
	subject_id    TEXT    NOT NULL,
	entity_id     TEXT    NOT NULL,
	list          TEXT    NOT NULL,
	state         TEXT    NOT NULL,
	cause         TEXT    NOT NULL,
	score         REAL    NOT NULL,
	list_version  TEXT    NOT NULL, -- found in
	last_version  TEXT    NOT NULL, -- last screened against
	matcher       TEXT    NOT NULL,
	travel_ban    INTEGER NOT NULL, -- the listing carries a travel ban
	measures      TEXT    NOT NULL, -- JSON array
	match         TEXT    NOT NULL, -- JSON vigil.Match
	subject_fp    TEXT    NOT NULL,
	listing_fp    TEXT    NOT NULL,
	subject_facts TEXT    NOT NULL, -- JSON
	listing_facts TEXT    NOT NULL, -- JSON
	changes       TEXT    NOT NULL, -- JSON array
	opened        TEXT    NOT NULL, -- RFC 3339, UTC: sorts as text
	updated       TEXT    NOT NULL,
	version       INTEGER NOT NULL,
	decision      INTEGER           -- the latest decision
);
CREATE UNIQUE INDEX alerts_pair ON alerts (set_name, subject_id, entity_id);
CREATE INDEX alerts_sid ON alerts (sid);
CREATE INDEX alerts_entity ON alerts (entity_id, state);
-- The queue: by state, oldest first, and the same within a set, a list or
-- for travel bans.
CREATE INDEX alerts_queue ON alerts (state, opened, id);
CREATE INDEX alerts_set_queue ON alerts (set_name, state, opened, id);
CREATE INDEX alerts_list_queue ON alerts (list, state, opened, id);
CREATE INDEX alerts_ban_queue ON alerts (travel_ban, state, opened, id);
CREATE INDEX alerts_set_ban_queue ON alerts (set_name, travel_ban, state, opened, id);
CREATE INDEX alerts_opened ON alerts (opened, id);
CREATE INDEX alerts_score ON alerts (state, score, id);

CREATE TABLE decisions (
	id             INTEGER PRIMARY KEY,
	alert          INTEGER NOT NULL REFERENCES alerts (id),
	decision       TEXT    NOT NULL,
	reason         TEXT    NOT NULL,
	by_id          TEXT    NOT NULL,
	by_name        TEXT    NOT NULL,
	at             TEXT    NOT NULL,
	subject_fp     TEXT    NOT NULL,
	listing_fp     TEXT    NOT NULL,
	subject_facts  TEXT    NOT NULL,
	listing_facts  TEXT    NOT NULL,
	needs_approval INTEGER NOT NULL,
	approved_by    TEXT    NOT NULL,
	approved_name  TEXT    NOT NULL,
	approved_at    TEXT    NOT NULL
);
CREATE INDEX decisions_alert ON decisions (alert, id);

CREATE TABLE alert_history (
	id    INTEGER PRIMARY KEY,
	alert INTEGER NOT NULL REFERENCES alerts (id),
	at    TEXT    NOT NULL,
	state TEXT    NOT NULL,
	cause TEXT    NOT NULL,
	by_id TEXT    NOT NULL,
	note  TEXT    NOT NULL
);
CREATE INDEX alert_history_alert ON alert_history (alert, id);

CREATE TABLE watch_sets (
	set_name       TEXT PRIMARY KEY,
	four_eyes      TEXT    NOT NULL,
	recertify_secs INTEGER NOT NULL
);

CREATE TABLE watch_runs (
	id        INTEGER PRIMARY KEY,
	mode      TEXT    NOT NULL,
	reason    TEXT    NOT NULL,
	from_v    TEXT    NOT NULL, -- JSON {list: version}
	to_v      TEXT    NOT NULL,
	stats     TEXT    NOT NULL,
	matcher   TEXT    NOT NULL,
	threshold REAL    NOT NULL,
	started   TEXT    NOT NULL,
	finished  TEXT    NOT NULL, -- '' while running
	cursor    INTEGER NOT NULL,
	total     INTEGER NOT NULL,
	done      INTEGER NOT NULL,
	opened    INTEGER NOT NULL,
	reopened  INTEGER NOT NULL,
	closed    INTEGER NOT NULL
);
