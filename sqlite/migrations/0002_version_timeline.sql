-- List versions on a timeline (issues 18 and 21): when each version is in
-- force from, historical versions (older snapshots imported late), versions
-- restoring earlier content, withdrawn versions (rollback), and the
-- reader's warnings.
ALTER TABLE versions ADD COLUMN in_force TEXT NOT NULL DEFAULT ''; -- RFC 3339
UPDATE versions SET in_force = CASE WHEN published != '' THEN published ELSE imported END;
ALTER TABLE versions ADD COLUMN published_given INTEGER NOT NULL DEFAULT 0; -- published was given at import
-- explicit: the version's membership is in the members table (partial and
-- historical versions), not in spans.
ALTER TABLE versions ADD COLUMN explicit INTEGER NOT NULL DEFAULT 0;
UPDATE versions SET explicit = partial;
ALTER TABLE versions ADD COLUMN historical INTEGER NOT NULL DEFAULT 0;
ALTER TABLE versions ADD COLUMN restores INTEGER NOT NULL DEFAULT 0; -- version whose content it restores
ALTER TABLE versions ADD COLUMN warnings TEXT NOT NULL DEFAULT '[]'; -- JSON array
ALTER TABLE versions ADD COLUMN withdrawn TEXT NOT NULL DEFAULT ''; -- RFC 3339, '' when not withdrawn
ALTER TABLE versions ADD COLUMN withdrawn_by TEXT NOT NULL DEFAULT '';
ALTER TABLE versions ADD COLUMN withdrawn_why TEXT NOT NULL DEFAULT '';
-- Diffs are computed from the content-addressed blobs when asked for (with
-- old and new values); the stored copy is not needed.
ALTER TABLE versions DROP COLUMN diff;
-- A version restoring earlier content shares that version's hash.
DROP INDEX versions_hash;
CREATE INDEX versions_hash ON versions (list, hash);
-- Explicit membership: partial and historical versions.
ALTER TABLE partial_members RENAME TO members;
