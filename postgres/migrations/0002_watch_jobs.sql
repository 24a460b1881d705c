-- Re-screening runs split into jobs that any replica takes (watch/jobs.go):
-- the subjects with rows in (after, upto], or a delta's rows among them;
-- screened under a lease (lease numbers the claims, lease_until ends the
-- latest in Unix milliseconds), with the cursor and counts saved with
-- every block.
CREATE TABLE watch_jobs (
	run         bigint  NOT NULL REFERENCES watch_runs (id),
	part        integer NOT NULL,
	after       bigint  NOT NULL,
	upto        bigint  NOT NULL,
	delta       boolean NOT NULL,
	rows        bigint[],           -- a delta's rows; NULL for a range
	cursor      bigint  NOT NULL,
	done        integer NOT NULL DEFAULT 0,
	opened      integer NOT NULL DEFAULT 0,
	reopened    integer NOT NULL DEFAULT 0,
	closed      integer NOT NULL DEFAULT 0,
	finished    boolean NOT NULL DEFAULT false,
	lease       bigint  NOT NULL DEFAULT 0,
	owner       text    NOT NULL DEFAULT '',
	lease_until bigint  NOT NULL DEFAULT 0,
	PRIMARY KEY (run, part)
);
CREATE INDEX watch_jobs_pending ON watch_jobs (run, part) WHERE NOT finished;
