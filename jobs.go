package vigil

import (
	"context"
	"time"
)

// WatchJob is one part of a re-screening run: the subjects whose rows are
// in (After, Upto], or, for a delta, the listed Rows among them. One
// process screens a job at a time, under a lease; a process that dies
// leaves its job to be taken over, from its cursor, when the lease ends.
type WatchJob struct {
	Run  int64 `json:"run"`
	Part int   `json:"part"`
	// After and Upto bound the rows the job screens.
	After int64 `json:"after"`
	Upto  int64 `json:"upto"`
	// Rows, when not nil, are the rows of a delta's subjects to screen
	// (ascending, within the bounds); nil screens every subject within.
	Rows []int64 `json:"rows,omitempty"`
	// Cursor is the last row screened; Done the subjects screened so far,
	// and Opened, Reopened and Closed the alert changes made.
	Cursor   int64 `json:"cursor"`
	Done     int   `json:"done"`
	Opened   int   `json:"opened"`
	Reopened int   `json:"reopened"`
	Closed   int   `json:"closed"`
	Finished bool  `json:"finished"`
	// Lease numbers the claims of the job; Owner names who holds the
	// latest; LeaseEnd is when it ends.
	Lease    int64     `json:"lease"`
	Owner    string    `json:"owner,omitempty"`
	LeaseEnd time.Time `json:"lease_end,omitzero"`
}

// WatchJobStore is a WatchStore shared by several processes, which split
// each re-screening run into jobs that any of them takes. Implementations:
// postgres (SELECT … FOR UPDATE SKIP LOCKED); the sqlite store serves one
// process, which screens a run whole.
type WatchJobStore interface {
	WatchStore
	// Plan runs fn in a write transaction that one process at a time
	// runs (to decide whether a run is due and start it with its jobs).
	Plan(ctx context.Context, fn func(tx WatchTx) error) error
	// ClaimJob claims the first pending job of run whose lease has ended
	// at now, leasing it to owner until leaseEnd; false when there is none.
	ClaimJob(ctx context.Context, run int64, owner string, now, leaseEnd time.Time) (WatchJob, bool, error)
	// RenewJob extends the lease of a job still held under j.Lease;
	// ErrStaleLease when it has been claimed again or finished.
	RenewJob(ctx context.Context, j WatchJob, leaseEnd time.Time) error
	// Jobs returns a run's jobs, in part order.
	Jobs(ctx context.Context, run int64) ([]WatchJob, error)
}

// WatchJobTx is what a transaction of a WatchJobStore adds to WatchTx.
type WatchJobTx interface {
	// AddJobs stores the jobs of a new run and announces them
	// (TopicJobs).
	AddJobs(jobs []WatchJob) error
	// SaveJob stores a job's progress (Cursor, counts, Finished) if it is
	// still held under j.Lease; ErrStaleLease otherwise.
	SaveJob(j WatchJob) error
	// JobsLeft counts a run's jobs not finished.
	JobsLeft(run int64) (int, error)
}
