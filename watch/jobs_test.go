package watch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/pgtest"
	"github.com/vigil-screening/vigil/postgres"
)

// openShared opens n handles on one new PostgreSQL database, each with an
// engine of its own (a replica each), splitting runs into jobs of size
// subjects.
func openShared(t *testing.T, n, size int, lease time.Duration) []*env {
	t.Helper()
	dsn := pgtest.DB(t)
	var out []*env
	for i := range n {
		st, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		v := &env{t: t, st: st}
		v.e = &Engine{Store: st, Lists: st, Epochs: st, Workers: 2, Owner: fmt.Sprintf("replica-%d", i), JobSize: size, JobLease: lease}
		out = append(out, v)
	}
	return out
}

// syncAll re-screens through every engine at once, each waiting for the
// run to finish, and returns the run.
func syncAll(t *testing.T, vs []*env, opt SyncOptions) *vigil.WatchRun {
	t.Helper()
	opt.Wait = true
	runs := make([]*vigil.WatchRun, len(vs))
	errs := make([]error, len(vs))
	var wg sync.WaitGroup
	for i, v := range vs {
		c := v.corpus()
		wg.Go(func() { runs[i], errs[i] = v.e.Sync(context.Background(), c, opt) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// An engine that came late found the run finished and nothing to do.
	var run *vigil.WatchRun
	for _, r := range runs {
		switch {
		case r == nil:
		case run == nil:
			run = r
		case r.ID != run.ID:
			t.Fatalf("the engines finished different runs: %d and %d", r.ID, run.ID)
		}
	}
	if run != nil && run.Finished.IsZero() {
		t.Fatalf("an unfinished run returned: %+v", run)
	}
	return run
}

// TestJobsAcrossReplicas re-screens a population through three engines
// sharing a PostgreSQL store, each run split into jobs they take: the
// alerts are those one engine on a SQLite file gives, every subject is
// screened once per run, and the jobs were spread over the engines.
func TestJobsAcrossReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("screens 6,000 subjects several times")
	}
	ref := newEnv(t)
	shared := openShared(t, 3, 500, 10*time.Second)
	pop := killPopulation()
	steps := []struct {
		name string
		do   func(v *env, all []*env) *vigil.WatchRun
	}{
		{"first list", func(v *env, _ []*env) *vigil.WatchRun { v.importList("kl", killList(1)); return nil }},
		{"subjects", func(v *env, _ []*env) *vigil.WatchRun { v.importCSV("customers", pop, false); return nil }},
		{"first screening", func(v *env, all []*env) *vigil.WatchRun { return syncWith(t, v, all) }},
		{"names changed", func(v *env, all []*env) *vigil.WatchRun {
			v.importList("kl", killList(2))
			return syncWith(t, v, all)
		}},
		{"dates changed: delta", func(v *env, all []*env) *vigil.WatchRun {
			es := killList(2)
			for i := range es {
				if i%50 == 0 {
					es[i].BirthDates = []vigil.Date{{Year: 1901}}
				}
			}
			v.importList("kl", es)
			return syncWith(t, v, all)
		}},
	}
	for _, s := range steps {
		want := s.do(ref, nil)
		got := s.do(shared[0], shared)
		if !slices.Equal(outcome(shared[0].alerts()), outcome(ref.alerts())) {
			t.Fatalf("%s: the replicas' alerts differ from one engine's", s.name)
		}
		if want == nil || got == nil {
			if want != got {
				t.Errorf("%s: run %+v, one engine's %+v", s.name, got, want)
			}
			continue
		}
		if got.Mode != want.Mode || got.Done != want.Done || got.Opened != want.Opened || got.Reopened != want.Reopened || got.Closed != want.Closed {
			t.Errorf("%s: run %s done %d opened %d reopened %d closed %d; one engine: %s %d %d %d %d", s.name,
				got.Mode, got.Done, got.Opened, got.Reopened, got.Closed, want.Mode, want.Done, want.Opened, want.Reopened, want.Closed)
		}
		jobs, err := shared[0].st.(vigil.WatchJobStore).Jobs(context.Background(), got.ID)
		if err != nil {
			t.Fatal(err)
		}
		owners := map[string]int{}
		done := 0
		for _, j := range jobs {
			if !j.Finished {
				t.Errorf("%s: job %d not finished", s.name, j.Part)
			}
			owners[j.Owner]++
			done += j.Done
		}
		if done != got.Done {
			t.Errorf("%s: jobs screened %d subjects, the run says %d", s.name, done, got.Done)
		}
		if len(jobs) >= 6 && len(owners) < 2 {
			t.Errorf("%s: %d jobs, all taken by %v", s.name, len(jobs), owners)
		}
		t.Logf("%s: %s run (%s), %d jobs, taken %v", s.name, got.Mode, got.Reason, len(jobs), owners)
	}
}

// syncWith syncs v alone (the reference) or every engine at once.
func syncWith(t *testing.T, v *env, all []*env) *vigil.WatchRun {
	if all == nil {
		return v.sync(SyncOptions{})
	}
	return syncAll(t, all, SyncOptions{})
}

// TestJobTakenOverAfterCrash stops an engine in the middle of a job, as a
// replica that dies does (its lease is not renewed): another engine takes
// the job over when the lease ends, from the job's cursor, and the run
// ends as one never interrupted, each subject screened once.
func TestJobTakenOverAfterCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("screens 6,000 subjects twice")
	}
	ref := newEnv(t)
	shared := openShared(t, 2, 2000, 2*time.Second)
	pop := killPopulation()
	for _, v := range []*env{ref, shared[0]} {
		v.importList("kl", killList(1))
		v.importCSV("customers", pop, false)
		v.sync(SyncOptions{Wait: true})
		v.importList("kl", killList(2))
	}
	want := ref.sync(SyncOptions{})

	// The first engine dies after storing one block of its first job.
	dying, survivor := shared[0], shared[1]
	dying.e.Window = 400
	ctx, die := context.WithCancel(context.Background())
	blocks := 0
	dying.e.blockHook = func(*vigil.WatchRun) {
		if blocks++; blocks == 1 {
			die()
		}
	}
	if _, err := dying.e.Sync(ctx, dying.corpus(), SyncOptions{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("the dying engine's sync: %v", err)
	}
	js := dying.st.(vigil.WatchJobStore)
	run, err := dying.st.LastRun(context.Background())
	if err != nil || !run.Finished.IsZero() {
		t.Fatalf("run after the crash: %+v, %v", run, err)
	}
	jobs, _ := js.Jobs(context.Background(), run.ID)
	var held vigil.WatchJob
	for _, j := range jobs {
		if j.Owner == dying.e.Owner && !j.Finished {
			held = j
		}
	}
	if held.Cursor <= held.After || held.Done == 0 {
		t.Fatalf("the dead engine's job made no progress: %+v", held)
	}
	got, err := survivor.e.Sync(context.Background(), survivor.corpus(), SyncOptions{Wait: true})
	if err != nil || got == nil {
		t.Fatalf("the survivor's sync: %+v, %v", got, err)
	}
	if !slices.Equal(outcome(survivor.alerts()), outcome(ref.alerts())) {
		t.Fatal("after the take-over the alerts differ from an uninterrupted run's")
	}
	if got.Done != want.Done || got.Opened != want.Opened || got.Closed != want.Closed || got.Reopened != want.Reopened {
		t.Errorf("run done %d opened %d reopened %d closed %d; uninterrupted %d %d %d %d", got.Done, got.Opened, got.Reopened, got.Closed,
			want.Done, want.Opened, want.Reopened, want.Closed)
	}
	jobs, _ = js.Jobs(context.Background(), run.ID)
	for _, j := range jobs {
		if j.Part == held.Part && (j.Owner != survivor.e.Owner || j.Lease <= held.Lease || !j.Finished) {
			t.Errorf("taken-over job: %+v (held %+v)", j, held)
		}
	}
	// The dead engine's lease no longer writes.
	err = dying.st.Update(context.Background(), func(tx vigil.WatchTx) error { return tx.(vigil.WatchJobTx).SaveJob(held) })
	if !errors.Is(err, vigil.ErrStaleLease) {
		t.Errorf("a write under the lost lease: %v, want ErrStaleLease", err)
	}
}
