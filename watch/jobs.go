package watch

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// Shared stores (vigil.WatchJobStore, e.g. PostgreSQL behind several vigil
// serve replicas) split each re-screening run into jobs:
//
//   - Planning: the process whose corpus is the store's current lists,
//     and finds the watch behind them, starts a run and stores its jobs
//     (ranges of subject rows, or a delta's rows in pieces) in one
//     transaction that one process at a time runs (Plan); the others then
//     find the run started.
//   - Working: every process claims pending jobs of that run (SELECT …
//     FOR UPDATE SKIP LOCKED) and screens them under a lease it renews
//     while it works. Each block is stored with the job's cursor in one
//     transaction that holds only under the job's lease: a process that
//     lost its lease (stalled, or taken for dead) can no longer write, and
//     one that died leaves its job to be taken over from its cursor when
//     the lease ends. A block stored twice changes nothing (the alerts'
//     unique pairs and optimistic versions), so every job is done exactly
//     once in effect.
//   - Finishing: the transaction that finishes the last job of the run
//     finishes the run (recertification, counts, Finished), as the
//     single-process path does at its end.

const (
	defaultJobSize  = 8192
	defaultJobLease = 30 * time.Second
)

// shared returns the engine's store as a job store when runs are split
// into jobs.
func (e *Engine) shared() (vigil.WatchJobStore, bool) {
	js, ok := e.Store.(vigil.WatchJobStore)
	return js, ok && e.Owner != ""
}

func (e *Engine) jobSize() int {
	if e.JobSize > 0 {
		return e.JobSize
	}
	return defaultJobSize
}

func (e *Engine) jobLease() time.Duration {
	if e.JobLease > 0 {
		return e.JobLease
	}
	return defaultJobLease
}

// syncShared is sync for a shared store: plan a run when one is due, then
// work its jobs (with whoever else does) until the run is finished or a
// newer run replaces it. It returns the run once finished, or nil when
// nothing needed doing here.
func (e *Engine) syncShared(ctx context.Context, js vigil.WatchJobStore, c *Corpus, opt SyncOptions) (*vigil.WatchRun, error) {
	// Only a process serving the store's current lists plans or screens:
	// one behind is told again once it serves them.
	cur, err := e.Lists.Current(ctx)
	if err != nil {
		return nil, err
	}
	now := map[string]int{}
	for _, v := range cur {
		now[v.List] = v.Version
	}
	if !maps.Equal(now, c.versions()) {
		return nil, nil
	}
	var run *vigil.WatchRun
	err = js.Plan(ctx, func(tx vigil.WatchTx) error {
		r, fresh, err := e.plan(ctx, c, opt, func(id int64) (bool, error) {
			jobs, err := js.Jobs(ctx, id)
			return len(jobs) > 0, err
		})
		if err != nil || r == nil {
			return err
		}
		if fresh {
			if err := e.startShared(ctx, tx, r); err != nil {
				return err
			}
		}
		run = r
		return nil
	})
	if err != nil || run == nil {
		return nil, err
	}
	return e.work(ctx, js, c, run, opt.By, opt.Wait)
}

// plan decides whether a run is due: the unfinished run to resume (fresh
// false), a new one to start (fresh true, delta or full with the reason),
// or none. An unfinished run for which hasJobs says false (on a shared
// store, one started by a process that screens runs whole, and copied
// over) is not resumed: a new full run replaces it.
func (e *Engine) plan(ctx context.Context, c *Corpus, opt SyncOptions, hasJobs func(run int64) (bool, error)) (run *vigil.WatchRun, fresh bool, err error) {
	to := c.versions()
	fin, err := e.Store.LastFinishedRun(ctx)
	haveFin := err == nil
	if err != nil && !errors.Is(err, vigil.ErrNotFound) {
		return nil, false, err
	}
	thr := opt.Threshold
	if thr <= 0 {
		thr = match.DefaultThreshold
		if haveFin {
			thr = fin.Threshold
		}
	}
	same := func(r *vigil.WatchRun) bool {
		return maps.Equal(r.To, to) && r.Epoch == c.Epoch.ID && r.Matcher == match.Version && r.Threshold == thr
	}
	last, err := e.Store.LastRun(ctx)
	if err != nil && !errors.Is(err, vigil.ErrNotFound) {
		return nil, false, err
	}
	abandoned := false
	if err == nil && last.Finished.IsZero() {
		ok, err := hasJobs(last.ID)
		if err != nil {
			return nil, false, err
		}
		if ok && same(&last) && (!opt.Full || last.Mode == "full") {
			return &last, false, nil
		}
		abandoned = true
	}
	if haveFin && same(&fin) && !opt.Full {
		return nil, false, nil
	}
	run = &vigil.WatchRun{Mode: "delta", To: to, Epoch: c.Epoch.ID, Matcher: match.Version, Threshold: thr, Started: e.now(), Reason: opt.Reason}
	if haveFin {
		run.From = fin.To
	}
	why := ""
	switch {
	case opt.Full:
		why = "asked for a full re-screen"
	case !haveFin:
		why = "first screening"
	case abandoned:
		why = "an unfinished run was overtaken by newer lists"
	case fin.Matcher != match.Version:
		why = fmt.Sprintf("matcher %s → %s", fin.Matcher, match.Version)
	case fin.Threshold != thr:
		why = fmt.Sprintf("threshold %.3f → %.3f", fin.Threshold, thr)
	case fin.Epoch != c.Epoch.ID:
		why = fmt.Sprintf("new weights: epoch %d → %d, %s", fin.Epoch, c.Epoch.ID, c.Epoch.Reason)
	}
	if why != "" {
		run.Mode = "full"
		if run.Reason == "" {
			run.Reason = why
		} else {
			run.Reason += " (" + why + ")"
		}
	}
	if run.Reason == "" {
		run.Reason = "list versions changed"
	}
	return run, true, nil
}

// startShared stores a new run and its jobs through tx: every subject's
// rows in ranges of JobSize (the last open-ended, for subjects added
// meanwhile), for a delta as for a full run.
func (e *Engine) startShared(ctx context.Context, tx vigil.WatchTx, run *vigil.WatchRun) error {
	jt, ok := tx.(vigil.WatchJobTx)
	if !ok {
		return errors.New("watch: the store's transactions take no jobs")
	}
	// A delta screens every subject too (against the changed listings
	// alone, see runDelta): both split the subjects into ranges.
	if err := tx.StartRun(run); err != nil {
		return err
	}
	var rows []int64
	err := e.Store.EachSubjectName(ctx, func(row int64, _ string, _ vigil.Kind, _ string) error {
		rows = append(rows, row)
		return nil
	})
	if err != nil {
		return err
	}
	var jobs []vigil.WatchJob
	after := int64(0)
	for part := range chunksOf(rows, e.jobSize()) {
		upto := part[len(part)-1]
		jobs = append(jobs, vigil.WatchJob{Run: run.ID, Part: len(jobs), After: after, Upto: upto, Cursor: after})
		after = upto
	}
	if len(jobs) == 0 {
		jobs = append(jobs, vigil.WatchJob{Run: run.ID})
	}
	jobs[len(jobs)-1].Upto = math.MaxInt64
	run.Total = len(rows)
	if err := tx.SaveRun(run); err != nil {
		return err
	}
	return jt.AddJobs(jobs)
}

// chunksOf yields s in pieces of at most n.
func chunksOf(s []int64, n int) func(func([]int64) bool) {
	return func(yield func([]int64) bool) {
		for len(s) > 0 {
			k := min(n, len(s))
			if !yield(s[:k]) {
				return
			}
			s = s[k:]
		}
	}
}

// work claims and screens the run's jobs until none is left to claim. It
// returns the run when this process finished it; with wait, it then waits
// for the jobs others hold (taking over any whose lease ends) until the
// run is finished, or a newer run replaced it (nil).
func (e *Engine) work(ctx context.Context, js vigil.WatchJobStore, c *Corpus, run *vigil.WatchRun, by string, wait bool) (*vigil.WatchRun, error) {
	lease := e.jobLease()
	for {
		now := time.Now()
		j, ok, err := js.ClaimJob(ctx, run.ID, e.Owner, now, now.Add(lease))
		if err != nil {
			return nil, err
		}
		if ok {
			if err := e.runJob(ctx, js, c, run, j, by); err != nil && !errors.Is(err, vigil.ErrStaleLease) {
				return nil, err
			}
			if !run.Finished.IsZero() {
				return run, nil
			}
			continue
		}
		if !wait {
			return nil, nil
		}
		last, err := e.Store.LastRun(ctx)
		if err != nil {
			return nil, err
		}
		if last.ID != run.ID {
			return nil, nil
		}
		if !last.Finished.IsZero() {
			return &last, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(min(time.Second, lease/4)):
		}
	}
}

// runJob screens one claimed job, renewing its lease meanwhile, and
// finishes it, and the run with the run's last job.
func (e *Engine) runJob(ctx context.Context, js vigil.WatchJobStore, c *Corpus, run *vigil.WatchRun, j vigil.WatchJob, by string) error {
	lease := e.jobLease()
	jctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		t := time.NewTicker(lease / 3)
		defer t.Stop()
		for {
			select {
			case <-jctx.Done():
				return
			case <-t.C:
				if err := js.RenewJob(jctx, j, time.Now().Add(lease)); err != nil {
					cancel(fmt.Errorf("job %d/%d: %w", j.Run, j.Part, err))
					return
				}
			}
		}
	}()
	jr := &vigil.WatchRun{ID: run.ID, Mode: run.Mode, Reason: run.Reason, To: run.To, Epoch: run.Epoch, Matcher: run.Matcher,
		Threshold: run.Threshold, Started: run.Started, Cursor: j.Cursor, Total: run.Total, Done: j.Done,
		Opened: j.Opened, Reopened: j.Reopened, Closed: j.Closed}
	var rows []int64
	upto := j.Upto
	if j.Rows != nil {
		i, _ := slices.BinarySearch(j.Rows, j.Cursor+1)
		rows, upto = j.Rows[i:], 0
		if len(rows) == 0 {
			rows = []int64{}
		}
	}
	progress := func(r *vigil.WatchRun) vigil.WatchJob {
		next := j
		next.Cursor, next.Done, next.Opened, next.Reopened, next.Closed = r.Cursor, r.Done, r.Opened, r.Reopened, r.Closed
		return next
	}
	saveJob := func(tx vigil.WatchTx, r *vigil.WatchRun) error { return tx.(vigil.WatchJobTx).SaveJob(progress(r)) }
	var err error
	if run.Mode == "delta" && j.Rows == nil {
		err = e.runDelta(jctx, c, jr, j.Upto, saveJob)
	} else {
		err = e.screenRange(jctx, c, jr, rows, upto, saveJob)
	}
	if cause := context.Cause(jctx); err != nil && cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	if err != nil {
		return err
	}
	done := progress(jr)
	done.Finished = true
	var finished *vigil.WatchRun
	var recert int
	err = e.Store.Update(ctx, func(tx vigil.WatchTx) error {
		jt := tx.(vigil.WatchJobTx)
		if err := jt.SaveJob(done); err != nil {
			return err
		}
		left, err := jt.JobsLeft(run.ID)
		if err != nil || left > 0 {
			return err
		}
		// The run's last job: finish the run.
		jobs, err := js.Jobs(ctx, run.ID)
		if err != nil {
			return err
		}
		r := *run
		r.Done, r.Opened, r.Reopened, r.Closed, r.Cursor = 0, 0, 0, 0, 0
		for _, x := range jobs {
			if x.Part == done.Part {
				x = done
			}
			r.Done += x.Done
			r.Opened += x.Opened
			r.Reopened += x.Reopened
			r.Closed += x.Closed
			if x.Cursor > r.Cursor && x.Cursor != math.MaxInt64 {
				r.Cursor = x.Cursor
			}
		}
		if recert, err = e.recertifyAll(tx); err != nil {
			return err
		}
		r.Reopened += recert
		r.Finished = e.now()
		if err := tx.SaveRun(&r); err != nil {
			return err
		}
		finished = &r
		return nil
	})
	if err != nil || finished == nil {
		return err
	}
	*run = *finished
	e.setStatus(func(s *Status) { s.Runs++ })
	return e.audit(ctx, AuditRecord{Action: "watch.rescreen", By: by,
		Query: map[string]any{"run": run.ID, "mode": run.Mode, "reason": run.Reason, "from": run.From, "to": run.To, "threshold": run.Threshold, "matcher": run.Matcher},
		Result: map[string]any{"subjects": run.Done, "opened": run.Opened, "reopened": run.Reopened, "closed": run.Closed,
			"recertified": recert, "seconds": time.Since(run.Started).Seconds()}})
}
