-- Listed subjects (package link): the listings of different lists that are
-- one person, organisation, vessel or aircraft, under ids that last while
-- their listings continue; why (links); and the analysts' judgements.
-- Times are Unix milliseconds.
CREATE TABLE listed_subjects (
	id          TEXT PRIMARY KEY, -- "S17"
	created     INTEGER NOT NULL,
	ended       INTEGER NOT NULL DEFAULT 0, -- 0 while it holds a current listing
	merged_into TEXT NOT NULL DEFAULT ''
);

-- The subject of each listing ever linked. current is 1 while the listing
-- is in a current list version; a listing that left keeps its last subject,
-- so that a match on an older version still names one. part is the list
-- that lists a subject once (the list; within the US CSL, its own list).
CREATE TABLE subject_members (
	entity  TEXT PRIMARY KEY,
	subject TEXT NOT NULL REFERENCES listed_subjects (id),
	current INTEGER NOT NULL,
	part    TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX subject_members_subject ON subject_members (subject, current);

-- Why listings are one subject: every link the last linking found between
-- current listings (refused = '' when applied), and notes (note = 1: what
-- a list seems to say and is no link). A judgement clusters these again.
CREATE TABLE subject_links (
	a       TEXT NOT NULL,
	b       TEXT NOT NULL,
	rule    TEXT NOT NULL,
	score   REAL NOT NULL,
	detail  TEXT NOT NULL,
	refused TEXT NOT NULL,
	note    INTEGER NOT NULL
);
CREATE INDEX subject_links_a ON subject_links (a);
CREATE INDEX subject_links_b ON subject_links (b);

-- Every judgement made; the newest on a pair (a < b) is in force.
CREATE TABLE link_judgements (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	a       TEXT NOT NULL,
	b       TEXT NOT NULL,
	verdict TEXT NOT NULL,
	by      TEXT NOT NULL,
	at      INTEGER NOT NULL,
	reason  TEXT NOT NULL
);
CREATE INDEX link_judgements_pair ON link_judgements (a, b, id);
CREATE INDEX link_judgements_b ON link_judgements (b);

-- The next subject number, and what the subjects in force were linked
-- from: the list versions (a JSON array of labels) and their basis.
CREATE TABLE subject_state (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	next     INTEGER NOT NULL,
	basis    TEXT NOT NULL,
	versions TEXT NOT NULL,
	linked   INTEGER NOT NULL
);
INSERT INTO subject_state (id, next, basis, versions, linked) VALUES (1, 1, '', '[]', 0);
