-- Weight epochs: the name-part rarity factors every index is built with
-- (vigil.WeightEpoch), so that unchanged (query, listing) pairs keep their
-- scores while lists change; the newest row is the current epoch.
CREATE TABLE weight_epochs (
	id      INTEGER PRIMARY KEY,
	created TEXT NOT NULL, -- RFC 3339, UTC
	matcher TEXT NOT NULL, -- match.Version it was derived by
	reason  TEXT NOT NULL,
	lists   TEXT NOT NULL, -- JSON {list: version} derived from
	rarity  TEXT NOT NULL  -- JSON {part key: factor}
);

-- A re-screening run records the epoch it screened with; the name
-- signature it recorded before is no longer needed.
ALTER TABLE watch_runs ADD COLUMN epoch INTEGER NOT NULL DEFAULT 0;
ALTER TABLE watch_runs DROP COLUMN stats;
