// Package watch keeps watch over subjects: customers, counterparties,
// employees or travellers, kept in sets. It screens a subject when it is
// imported or changed, re-screens the watched population whenever the
// current list versions change, and carries the alerts found through
// decisions, four-eyes approvals, suppressions that reopen when the data
// they rest on changes, and closures.
//
// Screening goes through the batch pipeline (screen.BatchEach, with the
// match.Memo): subjects are read in blocks, screened side by side by name,
// and each block's outcome is stored in one transaction together with the
// run's progress, so that a re-screen killed half-way resumes where it
// stopped and ends with the alerts an uninterrupted run gives.
//
// Subjects are screened for every match at or above the threshold
// (match.Index.ScreenAll), with the name-part weights of a weight epoch
// (package weights), so that whether a (subject, listing) pair matches, and
// how, depends on the subject, the listing and the epoch alone. A
// re-screen after a list change is therefore a delta, and exact: every
// subject is screened against an index of the listings added or changed
// alone, and only the alerts on those listings and on the removed ones
// change (see runDelta). A new epoch, another matcher version or another
// threshold re-screen every subject against every listing.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/batch"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/screen"
)

// Engine keeps watch over the subjects of a store.
type Engine struct {
	Store vigil.WatchStore
	Lists vigil.Store
	// Audit, when set, records imports, re-screens, decisions and
	// approvals.
	Audit func(ctx context.Context, r AuditRecord) error
	// Epochs, when set, is where the weight epochs are kept: a run
	// refuses a corpus built with an epoch that is no longer the current
	// one (another process began one), which would re-screen in full
	// twice.
	Epochs vigil.EpochStore
	// Workers screen in parallel; <= 0 means GOMAXPROCS.
	Workers int
	// Window is the batch pipeline's window (screen.BatchOptions): each
	// block of Window/2 subjects is stored in one transaction; <= 0
	// means the pipeline's default.
	Window int
	// Progress, when set, is called as a run or an import goes: subjects
	// screened so far of total (total is 0 when unknown).
	Progress func(done, total int64)
	// Now returns the time (time.Now when nil).
	Now func() time.Time
	// blockHook, when set by tests, runs after each block is stored.
	blockHook func(run *vigil.WatchRun)

	// Owner, when set on an engine over a vigil.WatchJobStore (a store
	// that several processes share), names this process: runs are split
	// into jobs that every process takes (see jobs.go). JobSize is the
	// subjects per job (<= 0: 8192); JobLease how long a claim lasts
	// unrenewed (<= 0: 30 s), after which another process takes over a
	// job whose process died.
	Owner    string
	JobSize  int
	JobLease time.Duration

	// busy serialises runs, imports and subject writes (a channel, so
	// that a request can stop waiting when its context ends).
	busyOnce sync.Once
	busy     chan struct{}
	// status is what a run or import is doing, for metrics.
	statusMu sync.Mutex
	status   Status
	// delta is the last delta's changes and index, kept for the jobs of
	// one run (see deltaOf).
	deltaMu sync.Mutex
	delta   *deltaIndex
}

// AuditRecord is what the engine asks to be audited.
type AuditRecord struct {
	Action string
	By     string
	Query  any
	Result any
}

// Status is what the engine is doing.
type Status struct {
	Running bool   `json:"running"`
	Mode    string `json:"mode,omitempty"`
	Done    int64  `json:"done"`
	Total   int64  `json:"total"`
	Runs    int64  `json:"runs"` // runs finished since start
}

// lock waits for the engine to be free, or for ctx to end.
func (e *Engine) lock(ctx context.Context) error {
	e.busyOnce.Do(func() { e.busy = make(chan struct{}, 1) })
	select {
	case e.busy <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for a re-screen or import to finish: %w", ctx.Err())
	}
}

func (e *Engine) unlock() { <-e.busy }

// Status returns what the engine is doing.
func (e *Engine) Status() Status {
	e.statusMu.Lock()
	defer e.statusMu.Unlock()
	return e.status
}

func (e *Engine) setStatus(fn func(s *Status)) {
	e.statusMu.Lock()
	fn(&e.status)
	s := e.status
	e.statusMu.Unlock()
	if e.Progress != nil && s.Running {
		e.Progress(s.Done, s.Total)
	}
}

func (e *Engine) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

func (e *Engine) audit(ctx context.Context, r AuditRecord) error {
	if e.Audit == nil {
		return nil
	}
	if err := e.Audit(ctx, r); err != nil {
		return fmt.Errorf("audit %s: %w", r.Action, err)
	}
	return nil
}

// SyncOptions adjust a re-screen.
type SyncOptions struct {
	// Full re-screens every subject even when a delta would do.
	Full bool
	// Threshold, when > 0, is the score alerts start at from now on (a
	// change re-screens in full); otherwise the last run's, or the
	// matcher's default.
	Threshold float64
	// Reason is recorded with the run.
	Reason string
	By     string
	// Wait, on a store shared by several processes (see Engine.Owner),
	// waits for the jobs that others hold until the run is finished (the
	// command line's way); otherwise Sync returns once no job is left to
	// claim, and the run only when this process finished it.
	Wait bool
}

// Sync re-screens the watched subjects if the corpus is not what they were
// last screened against (other list versions, names, matcher or
// threshold), resuming a run that did not finish. It returns the run, or
// nil when nothing needed doing.
func (e *Engine) Sync(ctx context.Context, c *Corpus, opt SyncOptions) (*vigil.WatchRun, error) {
	if err := e.lock(ctx); err != nil {
		return nil, err
	}
	defer e.unlock()
	return e.sync(ctx, c, opt)
}

// threshold returns the threshold in force: the last finished run's, or
// the matcher's default.
func (e *Engine) threshold(ctx context.Context) (float64, error) {
	fin, err := e.Store.LastFinishedRun(ctx)
	switch {
	case errors.Is(err, vigil.ErrNotFound):
		return match.DefaultThreshold, nil
	case err != nil:
		return 0, err
	}
	return fin.Threshold, nil
}

// ErrStaleWeights is returned by a re-screen, import or subject write given
// a corpus whose weight epoch is no longer the current one: build the
// corpus again (weights.For).
var ErrStaleWeights = errors.New("the name-part weights changed since the index was built")

func (e *Engine) sync(ctx context.Context, c *Corpus, opt SyncOptions) (*vigil.WatchRun, error) {
	if e.Epochs != nil {
		cur, err := e.Epochs.CurrentEpoch(ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the weight epoch: %w", err)
		}
		if cur.ID != c.Epoch.ID {
			return nil, fmt.Errorf("%w (epoch %d, now %d): the index is built again at the next refresh", ErrStaleWeights, c.Epoch.ID, cur.ID)
		}
	}
	if js, ok := e.shared(); ok {
		return e.syncShared(ctx, js, c, opt)
	}
	// One process screens a run whole: an unfinished run is always
	// resumable.
	run, fresh, err := e.plan(ctx, c, opt, func(int64) (bool, error) { return true, nil })
	if err != nil || run == nil {
		return nil, err
	}
	if fresh {
		if err := e.Store.Update(ctx, func(tx vigil.WatchTx) error { return tx.StartRun(run) }); err != nil {
			return nil, err
		}
	}
	return run, e.run(ctx, c, run, opt.By)
}

// RescreenSet screens every subject of one set again against the corpus
// (after bringing the whole watch up to it) and returns what it did, as a
// run that is not stored: a set's re-screen changes nothing the next run
// depends on, and running it again is its own resumption.
func (e *Engine) RescreenSet(ctx context.Context, c *Corpus, set string, by string) (*vigil.WatchRun, error) {
	if err := CheckSet(set); err != nil {
		return nil, err
	}
	if err := e.lock(ctx); err != nil {
		return nil, err
	}
	defer e.unlock()
	if _, err := e.sync(ctx, c, SyncOptions{By: by, Reason: "before re-screening set " + set}); err != nil {
		return nil, err
	}
	thr, err := e.threshold(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := e.Store.SubjectRows(ctx, set)
	if err != nil {
		return nil, err
	}
	run := &vigil.WatchRun{Mode: "set", Reason: "re-screen of set " + set, To: c.versions(), Epoch: c.Epoch.ID, Matcher: match.Version,
		Threshold: thr, Started: e.now(), Total: len(rows)}
	if rows == nil {
		rows = []int64{}
	}
	if err := e.screenRows(ctx, c, run, rows, func(vigil.WatchTx, *vigil.WatchRun) error { return nil }); err != nil {
		return nil, err
	}
	run.Finished = e.now()
	return run, e.audit(ctx, AuditRecord{Action: "watch.rescreen", By: by, Query: map[string]any{"set": set, "mode": "set"},
		Result: map[string]any{"subjects": run.Done, "opened": run.Opened, "reopened": run.Reopened, "closed": run.Closed}})
}

// run screens the run's subjects from its cursor on and finishes it.
func (e *Engine) run(ctx context.Context, c *Corpus, run *vigil.WatchRun, by string) error {
	start := time.Now()
	n, err := e.Store.CountSubjects(ctx, "")
	if err != nil {
		return err
	}
	run.Total = run.Done + n
	if run.Cursor > 0 {
		// Subjects screened already are counted in Done.
		run.Total = run.Done + countAfter(ctx, e.Store, run.Cursor)
	}
	save := func(tx vigil.WatchTx, r *vigil.WatchRun) error { return tx.SaveRun(r) }
	if run.Mode == "delta" {
		err = e.runDelta(ctx, c, run, 0, save)
	} else {
		err = e.screenRows(ctx, c, run, nil, save)
	}
	if err != nil {
		return err
	}
	var recert int
	err = e.Store.Update(ctx, func(tx vigil.WatchTx) error {
		n, err := e.recertifyAll(tx)
		if err != nil {
			return err
		}
		recert = n
		run.Reopened += n
		run.Finished = e.now()
		return tx.SaveRun(run)
	})
	if err != nil {
		return err
	}
	e.setStatus(func(s *Status) { s.Runs++ })
	return e.audit(ctx, AuditRecord{Action: "watch.rescreen", By: by,
		Query: map[string]any{"run": run.ID, "mode": run.Mode, "reason": run.Reason, "from": run.From, "to": run.To, "threshold": run.Threshold, "matcher": run.Matcher},
		Result: map[string]any{"subjects": run.Done, "opened": run.Opened, "reopened": run.Reopened, "closed": run.Closed,
			"recertified": recert, "seconds": time.Since(start).Seconds()}})
}

// screenRows screens the subjects of rows (every subject after the run's
// cursor when rows is nil), storing each block's outcome and, through
// save, the run's progress in one transaction.
func (e *Engine) screenRows(ctx context.Context, c *Corpus, run *vigil.WatchRun, rows []int64, save func(vigil.WatchTx, *vigil.WatchRun) error) error {
	return e.screenRange(ctx, c, run, rows, 0, save)
}

// screenRange is screenRows stopping, when rows is nil, after row upto
// (0: the last subject).
func (e *Engine) screenRange(ctx context.Context, c *Corpus, run *vigil.WatchRun, rows []int64, upto int64, save func(vigil.WatchTx, *vigil.WatchRun) error) error {
	e.setStatus(func(s *Status) {
		*s = Status{Running: true, Mode: run.Mode, Done: int64(run.Done), Total: int64(run.Total), Runs: s.Runs}
	})
	defer e.setStatus(func(s *Status) { s.Running = false })
	src := &subjectSource{ctx: ctx, st: e.Store, rows: rows, after: run.Cursor, upto: upto, full: rows == nil, subs: map[int]*vigil.StoredSubject{}}
	var mu sync.Mutex // guards run against Progress readers
	_, err := screen.BatchEach(ctx, c.Index, src, screen.BatchOptions{Threshold: run.Threshold, Workers: e.Workers, Window: e.Window, All: true}, func(block []screen.BatchRow) error {
		err := e.Store.Update(ctx, func(tx vigil.WatchTx) error {
			ap := e.newApplier(tx, c)
			subs := make([]*vigil.StoredSubject, len(block))
			for i, r := range block {
				subs[i] = src.take(r.Record.Row)
			}
			if err := ap.applyBlock(subs, block); err != nil {
				return err
			}
			mu.Lock()
			defer mu.Unlock()
			next := *run
			next.Cursor = subs[len(subs)-1].Row
			next.Done += len(block)
			next.Opened += ap.opened
			next.Reopened += ap.reopened
			next.Closed += ap.closed
			if err := save(tx, &next); err != nil {
				return err
			}
			*run = next
			return nil
		})
		if err != nil {
			return err
		}
		e.setStatus(func(s *Status) { s.Done = int64(run.Done) })
		if e.blockHook != nil {
			e.blockHook(run)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("re-screen %d: %w", run.ID, err)
	}
	if err := src.err; err != nil {
		return fmt.Errorf("re-screen %d: reading subjects: %w", run.ID, err)
	}
	return nil
}

func countAfter(ctx context.Context, st vigil.WatchStore, after int64) int {
	n := 0
	_ = st.EachSubjectName(ctx, func(row int64, _ string, _ vigil.Kind, _ string) error {
		if row > after {
			n++
		}
		return nil
	})
	return n
}

// subjectSource reads stored subjects for the batch pipeline: every
// subject after a row (a full run), or those of rows (a delta). It keeps
// each subject read until the block holding it is stored (take).
type subjectSource struct {
	ctx   context.Context
	st    vigil.WatchStore
	rows  []int64
	after int64
	// upto, when > 0, is the last row a full read returns.
	upto int64
	full bool
	buf  []vigil.StoredSubject
	err  error
	mu   sync.Mutex
	subs map[int]*vigil.StoredSubject
}

const sourcePage = 4096

// Next returns the next subject as a record whose Row is its store row.
func (s *subjectSource) Next() (batch.Record, error) {
	if len(s.buf) == 0 {
		var err error
		switch {
		case s.full && (s.upto <= 0 || s.after < s.upto):
			s.buf, err = s.st.SubjectsAfter(s.ctx, s.after, sourcePage)
			if s.upto > 0 {
				s.buf = slices.DeleteFunc(s.buf, func(sub vigil.StoredSubject) bool { return sub.Row > s.upto })
				if len(s.buf) == 0 {
					s.after = s.upto
				}
			}
		case len(s.rows) > 0:
			n := min(sourcePage, len(s.rows))
			s.buf, err = s.st.SubjectsByRow(s.ctx, s.rows[:n])
			s.rows = s.rows[n:]
			for len(s.buf) == 0 && err == nil && len(s.rows) > 0 { // all removed meanwhile
				n = min(sourcePage, len(s.rows))
				s.buf, err = s.st.SubjectsByRow(s.ctx, s.rows[:n])
				s.rows = s.rows[n:]
			}
		}
		if err != nil {
			s.err = err
			return batch.Record{}, err
		}
		if len(s.buf) == 0 {
			return batch.Record{}, io.EOF
		}
	}
	sub := s.buf[0]
	s.buf = s.buf[1:]
	s.after = sub.Row
	s.mu.Lock()
	s.subs[int(sub.Row)] = &sub
	s.mu.Unlock()
	return batch.Record{Row: int(sub.Row), ID: sub.ID, Query: watchQuery(&sub.Subject)}, nil
}

func (s *subjectSource) take(row int) *vigil.StoredSubject {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subs[row]
	delete(s.subs, row)
	return sub
}

func (s *subjectSource) Format() string     { return "store" }
func (s *subjectSource) Warnings() []string { return nil }
