-- The audit log becomes a hash chain (docs/audit.md). The records written
-- before it move to audit_unchained, which the store empties into the chain
-- when it opens the database, oldest first.
ALTER TABLE audit RENAME TO audit_unchained;

CREATE TABLE audit (
	seq    INTEGER PRIMARY KEY, -- position in the chain from 1: the head's seq + 1, assigned by the store
	time   TEXT NOT NULL,       -- vigil.AuditTimeFormat, UTC: YYYY-MM-DDTHH:MM:SS.ffffffZ
	who    TEXT NOT NULL,
	action TEXT NOT NULL,
	query  TEXT NOT NULL,       -- compact JSON, byte-exact (it is hashed)
	result TEXT NOT NULL,       -- compact JSON, byte-exact (it is hashed)
	prev   TEXT NOT NULL,       -- hex SHA-256 of the record before
	hash   TEXT NOT NULL        -- hex SHA-256 of this record
);
CREATE INDEX audit_action ON audit (action, seq);

-- The chain's head: the seq and hash of the last record, updated in the
-- transaction that appends, so that removing the newest records shows.
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
