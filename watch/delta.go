package watch

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/weights"
)

// A delta re-screen after a list change, with the weight epoch, matcher
// and threshold of the last run. Screening for alerts (ScreenAll) gives,
// for each (subject, listing) pair, a result that depends on the subject,
// the listing and the epoch's factors alone, so a list change can change
// only the pairs of the listings it adds, changes or removes (A). runDelta
// therefore:
//
//  1. builds an index of A's listings as they are now (every current entry
//     holding an id of A, with the epoch's factors), a few thousand names
//     at most, and screens every subject against it: a subject costs
//     about the parsing of its name;
//  2. brings, subject by subject in row order, the alerts on A's listings
//     in line with what that found: new pairs open, alerted pairs are
//     updated (reopening a suppression whose data changed), and alerts on
//     A's listings that no longer match close, as delisted when the
//     listing left the lists. Alerts on other listings are not touched:
//     a full re-screen would find them as they are.
//
// Step 1 writes nothing; step 2 stores blocks of subjects with the run's
// cursor, so that a killed run resumes after its last stored block
// (screening again, which gives the same matches).

// deltaBlock is how many subjects' alerts a delta stores per transaction
// when Engine.Window is not set (else half of it, as a full run does).
const deltaBlock = 4096

// listChanges is what a list change touched: the ids of the listings added,
// changed or removed, and the current entries holding an id of them.
type listChanges struct {
	ids     map[string]bool
	entries []match.Entry
}

// changesOf returns what changed between the run's versions (run.From to
// run.To, which are c's), reading the diffs of the lists that moved.
func (e *Engine) changesOf(ctx context.Context, c *Corpus, run *vigil.WatchRun) (*listChanges, error) {
	lists := slices.Sorted(maps.Keys(run.To))
	for l := range run.From {
		if _, ok := run.To[l]; !ok {
			lists = append(lists, l)
		}
	}
	ch := &listChanges{ids: map[string]bool{}}
	for _, l := range lists {
		from, to := run.From[l], run.To[l]
		if from == to {
			continue
		}
		d, err := e.Lists.Diff(ctx, l, from, to)
		if err != nil {
			return nil, fmt.Errorf("the changes of %s from version %d to %d: %w", l, from, to, err)
		}
		for _, id := range d.Added {
			ch.ids[id] = true
		}
		for _, id := range d.Removed {
			ch.ids[id] = true
		}
		for _, c := range d.Changed {
			ch.ids[c.ID] = true
		}
	}
	// Every current entry holding such an id, from whatever list, as the
	// full index holds it: an id listed twice is matched as a whole.
	for _, en := range c.entries {
		if ch.ids[en.Entity.ID] {
			ch.entries = append(ch.entries, en)
		}
	}
	return ch, nil
}

// checkedQuery returns a subject's query as the batch pipeline screens it
// (match.CheckQuery leaving out values the matcher cannot use), and false
// when its name has nothing to screen: the pipeline does not screen such
// a row, and its alerts stay as they are.
func checkedQuery(s *vigil.Subject, threshold float64) (vigil.Query, bool) {
	q, ps := match.CheckQuery(watchQuery(s))
	for _, p := range ps {
		if p.Field == "name" {
			return q, false
		}
	}
	q.Threshold = threshold
	return q, true
}

// runDelta re-screens the run's subjects against the listings that
// changed (see above).
func (e *Engine) runDelta(ctx context.Context, c *Corpus, run *vigil.WatchRun) error {
	ch, err := e.changesOf(ctx, c, run)
	if err != nil {
		return err
	}
	total, err := e.Store.CountSubjects(ctx, "")
	if err != nil {
		return err
	}
	run.Total = total
	e.setStatus(func(s *Status) {
		*s = Status{Running: true, Mode: run.Mode, Total: int64(total), Runs: s.Runs}
	})
	defer e.setStatus(func(s *Status) { s.Running = false })
	hits := map[int64]*deltaHit{}
	if len(ch.entries) > 0 {
		ix := match.NewIndexWith(ch.entries, match.Options{Rarity: weights.Table(c.Epoch)})
		if hits, err = e.screenAll(ctx, ix, run.Threshold); err != nil {
			return err
		}
	} else {
		e.setStatus(func(s *Status) { s.Done = int64(total) })
	}
	run.Done = total
	// The subjects whose alerts may change: those that match a listing of
	// A, and those with an alert on one.
	var ids []string
	for id := range ch.ids {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var held []int64
	if len(ids) > 0 {
		err = e.Store.Update(ctx, func(tx vigil.WatchTx) error {
			as, err := tx.AlertsOfEntities(ids)
			for _, a := range as {
				if a.Row != 0 {
					held = append(held, a.Row)
				}
			}
			return err
		})
		if err != nil {
			return err
		}
	}
	rows := slices.Collect(maps.Keys(hits))
	for _, r := range held {
		if _, ok := hits[r]; !ok {
			rows = append(rows, r)
		}
	}
	slices.Sort(rows)
	rows = slices.Compact(rows)
	i, _ := slices.BinarySearch(rows, run.Cursor+1)
	rows = rows[i:]
	block := deltaBlock
	if e.Window > 0 {
		block = max(1, e.Window/2)
	}
	for part := range slices.Chunk(rows, block) {
		if err := e.applyDelta(ctx, c, run, ch, part, hits); err != nil {
			return err
		}
	}
	return e.Store.Update(ctx, func(tx vigil.WatchTx) error { return tx.SaveRun(run) })
}

// deltaHit is a subject that matched a changed listing, and its matches.
type deltaHit struct {
	sub     vigil.StoredSubject
	matches []vigil.Match
}

// screenAll screens every subject, in pages read in row order, against
// ix on the engine's workers, returning those with a match.
func (e *Engine) screenAll(ctx context.Context, ix *match.Index, threshold float64) (map[int64]*deltaHit, error) {
	workers := e.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	pages := make(chan []vigil.StoredSubject, workers)
	var mu sync.Mutex
	hits := map[int64]*deltaHit{}
	var wg sync.WaitGroup
	var done int64
	for range workers {
		wg.Go(func() {
			for page := range pages {
				var mine []*deltaHit
				for i := range page {
					q, ok := checkedQuery(&page[i].Subject, threshold)
					if !ok {
						continue
					}
					if ms := ix.ScreenAll(q); len(ms) > 0 {
						mine = append(mine, &deltaHit{sub: page[i], matches: ms})
					}
				}
				mu.Lock()
				for _, h := range mine {
					hits[h.sub.Row] = h
				}
				done += int64(len(page))
				n := done
				mu.Unlock()
				e.setStatus(func(s *Status) { s.Done = n })
			}
		})
	}
	var after int64
	var err error
	for ctx.Err() == nil {
		var page []vigil.StoredSubject
		if page, err = e.Store.SubjectsAfter(ctx, after, sourcePage); err != nil || len(page) == 0 {
			break
		}
		after = page[len(page)-1].Row
		pages <- page
	}
	close(pages)
	wg.Wait()
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("reading subjects: %w", err)
	}
	return hits, nil
}

// applyDelta brings the alerts on the changed listings of the subjects of
// rows (ascending) in line with their matches, in one transaction with the
// run's progress.
func (e *Engine) applyDelta(ctx context.Context, c *Corpus, run *vigil.WatchRun, ch *listChanges, rows []int64, hits map[int64]*deltaHit) error {
	// The subjects that matched were read while screening; the others
	// (holding an alert on a changed listing) are read now.
	var need []int64
	for _, r := range rows {
		if hits[r] == nil {
			need = append(need, r)
		}
	}
	subs := map[int64]*vigil.StoredSubject{}
	if len(need) > 0 {
		got, err := e.Store.SubjectsByRow(ctx, need)
		if err != nil {
			return err
		}
		for i := range got {
			subs[got[i].Row] = &got[i]
		}
	}
	err := e.Store.Update(ctx, func(tx vigil.WatchTx) error {
		existing, err := tx.AlertsOfRows(rows)
		if err != nil {
			return err
		}
		ap := e.newApplier(tx, c)
		for _, r := range rows {
			var sub *vigil.StoredSubject
			var ms []vigil.Match
			if h := hits[r]; h != nil {
				sub, ms = &h.sub, h.matches
			} else if sub = subs[r]; sub == nil {
				continue // removed meanwhile
			} else if _, ok := checkedQuery(&sub.Subject, run.Threshold); !ok {
				continue // not screened, as the pipeline does not screen it
			}
			var mine []vigil.Alert
			for _, a := range existing[r] {
				if ch.ids[a.EntityID] {
					mine = append(mine, a)
				}
			}
			if err := ap.apply(sub, ms, mine); err != nil {
				return err
			}
		}
		next := *run
		next.Cursor = rows[len(rows)-1]
		next.Opened += ap.opened
		next.Reopened += ap.reopened
		next.Closed += ap.closed
		if err := tx.SaveRun(&next); err != nil {
			return err
		}
		*run = next
		return nil
	})
	if err == nil && e.blockHook != nil {
		e.blockHook(run)
	}
	return err
}
