-- Weight epochs (sqlite migration 0009): the name-part rarity factors
-- every index is built with (vigil.WeightEpoch); the newest row is the
-- current epoch. A re-screening run records the epoch it screened with
-- instead of the names' signature it recorded before.
CREATE TABLE weight_epochs (
	id      bigserial PRIMARY KEY,
	created text NOT NULL, -- RFC 3339, UTC
	matcher text NOT NULL, -- match.Version it was derived by
	reason  text NOT NULL,
	lists   text NOT NULL, -- JSON {list: version} derived from
	rarity  text NOT NULL  -- JSON {part key: factor}
);

ALTER TABLE watch_runs ADD COLUMN epoch bigint NOT NULL DEFAULT 0;
ALTER TABLE watch_runs DROP COLUMN stats;
