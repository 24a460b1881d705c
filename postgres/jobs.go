package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	vigil "github.com/vigil-screening/vigil"
)

var (
	_ vigil.WatchJobStore = (*Store)(nil)
	_ vigil.WatchJobTx    = (*watchTx)(nil)
)

// Plan runs fn in a transaction under the jobs lock: one process at a
// time decides whether a re-screen is due and starts it, so that replicas
// finding the same new lists start one run, not one each.
func (s *Store) Plan(ctx context.Context, fn func(tx vigil.WatchTx) error) error {
	return s.write(ctx, lockJobs, func(tx pgx.Tx) error {
		return fn(&watchTx{ctx: ctx, tx: tx})
	})
}

const jobCols = "run, part, after, upto, delta, rows, cursor, done, opened, reopened, closed, finished, lease, owner, lease_until"

func scanJob(sc interface{ Scan(...any) error }) (vigil.WatchJob, error) {
	var j vigil.WatchJob
	var delta bool
	var until int64
	err := sc.Scan(&j.Run, &j.Part, &j.After, &j.Upto, &delta, &j.Rows, &j.Cursor, &j.Done, &j.Opened, &j.Reopened, &j.Closed,
		&j.Finished, &j.Lease, &j.Owner, &until)
	if err != nil {
		return j, err
	}
	if delta && j.Rows == nil {
		j.Rows = []int64{}
	}
	if !delta {
		j.Rows = nil
	}
	j.LeaseEnd = fromMS(until)
	return j, nil
}

// ClaimJob claims the first pending job of run whose lease has ended,
// with FOR UPDATE SKIP LOCKED: replicas claiming at once take different
// jobs without waiting for one another.
func (s *Store) ClaimJob(ctx context.Context, run int64, owner string, now, leaseEnd time.Time) (vigil.WatchJob, bool, error) {
	j, err := scanJob(s.pool.QueryRow(ctx, `UPDATE watch_jobs SET lease = lease + 1, owner = $3, lease_until = $4
WHERE (run, part) = (SELECT run, part FROM watch_jobs WHERE run = $1 AND NOT finished AND lease_until <= $2
	ORDER BY part LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING `+jobCols, run, ms(now), owner, ms(leaseEnd)))
	if isNoRows(err) {
		return j, false, nil
	}
	if err != nil {
		return j, false, fmt.Errorf("postgres: claim job of run %d: %w", run, err)
	}
	return j, true, nil
}

// RenewJob extends a job's lease while it is held under j.Lease.
func (s *Store) RenewJob(ctx context.Context, j vigil.WatchJob, leaseEnd time.Time) error {
	tag, err := s.pool.Exec(ctx, "UPDATE watch_jobs SET lease_until = $1 WHERE run = $2 AND part = $3 AND lease = $4 AND NOT finished",
		ms(leaseEnd), j.Run, j.Part, j.Lease)
	if err != nil {
		return fmt.Errorf("postgres: renew job %d/%d: %w", j.Run, j.Part, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("job %d/%d, lease %d: %w", j.Run, j.Part, j.Lease, vigil.ErrStaleLease)
	}
	return nil
}

// Jobs returns a run's jobs in part order.
func (s *Store) Jobs(ctx context.Context, run int64) ([]vigil.WatchJob, error) {
	rows, err := s.pool.Query(ctx, "SELECT "+jobCols+" FROM watch_jobs WHERE run = $1 ORDER BY part", run)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (vigil.WatchJob, error) { return scanJob(r) })
}

// AddJobs stores a new run's jobs and announces them to every replica.
func (w *watchTx) AddJobs(jobs []vigil.WatchJob) error {
	for _, j := range jobs {
		if _, err := w.tx.Exec(w.ctx, `INSERT INTO watch_jobs (run, part, after, upto, delta, rows, cursor)
VALUES ($1, $2, $3, $4, $5, $6, $7)`, j.Run, j.Part, j.After, j.Upto, j.Rows != nil, j.Rows, j.Cursor); err != nil {
			return fmt.Errorf("postgres: job %d/%d: %w", j.Run, j.Part, err)
		}
	}
	return notify(w.ctx, w.tx, vigil.TopicJobs)
}

// SaveJob stores a job's progress while it is held under j.Lease.
func (w *watchTx) SaveJob(j vigil.WatchJob) error {
	tag, err := w.tx.Exec(w.ctx, `UPDATE watch_jobs SET cursor = $1, done = $2, opened = $3, reopened = $4, closed = $5, finished = $6
WHERE run = $7 AND part = $8 AND lease = $9 AND NOT finished`, j.Cursor, j.Done, j.Opened, j.Reopened, j.Closed, j.Finished, j.Run, j.Part, j.Lease)
	if err != nil {
		return fmt.Errorf("postgres: job %d/%d: %w", j.Run, j.Part, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("job %d/%d, lease %d: %w", j.Run, j.Part, j.Lease, vigil.ErrStaleLease)
	}
	return nil
}

// JobsLeft counts a run's unfinished jobs.
func (w *watchTx) JobsLeft(run int64) (int, error) {
	var n int
	err := w.tx.QueryRow(w.ctx, "SELECT COUNT(*) FROM watch_jobs WHERE run = $1 AND NOT finished", run).Scan(&n)
	return n, err
}
