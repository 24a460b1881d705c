package watch

import (
	"context"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"sort"
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

// deltaIndex is a run's changes and the index of the changed listings
// (nil when only listings were removed).
type deltaIndex struct {
	run    int64
	corpus *Corpus
	ch     *listChanges
	ix     *match.Index
}

// deltaOf returns the run's changes and their index, built once per run
// and corpus (the jobs of a shared run are screened one after another).
func (e *Engine) deltaOf(ctx context.Context, c *Corpus, run *vigil.WatchRun) (*deltaIndex, error) {
	e.deltaMu.Lock()
	defer e.deltaMu.Unlock()
	if d := e.delta; d != nil && d.run == run.ID && d.corpus == c {
		return d, nil
	}
	ch, err := e.changesOf(ctx, c, run)
	if err != nil {
		return nil, err
	}
	d := &deltaIndex{run: run.ID, corpus: c, ch: ch}
	if len(ch.entries) > 0 {
		d.ix = match.NewIndexWith(ch.entries, match.Options{Rarity: weights.Table(c.Epoch)})
	}
	e.delta = d
	return d, nil
}

// runDelta re-screens the subjects after the run's cursor, up to row upto
// (<= 0: the last), against the listings that changed (see above), saving
// the run's progress through save with each block.
func (e *Engine) runDelta(ctx context.Context, c *Corpus, run *vigil.WatchRun, upto int64, save func(vigil.WatchTx, *vigil.WatchRun) error) error {
	if upto <= 0 {
		upto = math.MaxInt64
	}
	d, err := e.deltaOf(ctx, c, run)
	if err != nil {
		return fmt.Errorf("re-screen %d: %w", run.ID, err)
	}
	e.setStatus(func(s *Status) {
		*s = Status{Running: true, Mode: run.Mode, Done: int64(run.Done), Total: int64(run.Total), Runs: s.Runs}
	})
	defer e.setStatus(func(s *Status) { s.Running = false })
	hits, seen, err := e.screenAll(ctx, d.ix, run.Threshold, run.Cursor, upto, run.Done)
	if err != nil {
		return fmt.Errorf("re-screen %d: %w", run.ID, err)
	}
	// The subjects whose alerts may change: those that match a listing of
	// A, and those with an alert on one.
	ids := slices.Sorted(maps.Keys(d.ch.ids))
	rows := slices.Collect(maps.Keys(hits))
	if len(ids) > 0 {
		err = e.Store.Update(ctx, func(tx vigil.WatchTx) error {
			as, err := tx.AlertsOfEntities(ids)
			for _, a := range as {
				if a.Row > run.Cursor && a.Row <= upto && hits[a.Row] == nil {
					rows = append(rows, a.Row)
				}
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("re-screen %d: %w", run.ID, err)
		}
	}
	slices.Sort(rows)
	rows = slices.Compact(rows)
	block := deltaBlock
	if e.Window > 0 {
		block = max(1, e.Window/2)
	}
	for part := range slices.Chunk(rows, block) {
		if err := e.applyDelta(ctx, c, run, d.ch, part, hits, seen, save); err != nil {
			return fmt.Errorf("re-screen %d: %w", run.ID, err)
		}
	}
	// The subjects screened after the last block.
	i, _ := slices.BinarySearch(seen, run.Cursor+1)
	if rest := seen[i:]; len(rest) > 0 {
		next := *run
		next.Done += len(rest)
		next.Cursor = rest[len(rest)-1]
		if err := e.Store.Update(ctx, func(tx vigil.WatchTx) error { return save(tx, &next) }); err != nil {
			return fmt.Errorf("re-screen %d: %w", run.ID, err)
		}
		*run = next
	}
	return nil
}

// deltaHit is a subject that matched a changed listing, and its matches.
type deltaHit struct {
	sub     vigil.StoredSubject
	matches []vigil.Match
}

// screenAll screens the subjects with rows in (after, upto], in pages read
// in row order, against ix (nil: none is screened) on the engine's
// workers. It returns those with a match and the rows read, ascending;
// done is the run's count before, for the status.
func (e *Engine) screenAll(ctx context.Context, ix *match.Index, threshold float64, after, upto int64, done int) (map[int64]*deltaHit, []int64, error) {
	workers := e.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	pages := make(chan []vigil.StoredSubject, workers)
	var mu sync.Mutex
	hits := map[int64]*deltaHit{}
	var wg sync.WaitGroup
	n := int64(done)
	for range workers {
		wg.Go(func() {
			for page := range pages {
				var mine []*deltaHit
				for i := range page {
					if ix == nil {
						break
					}
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
				n += int64(len(page))
				now := n
				mu.Unlock()
				e.setStatus(func(s *Status) { s.Done = now })
			}
		})
	}
	var seen []int64
	var err error
	for ctx.Err() == nil {
		var page []vigil.StoredSubject
		if page, err = e.Store.SubjectsAfter(ctx, after, sourcePage); err != nil || len(page) == 0 {
			break
		}
		if k := sort.Search(len(page), func(i int) bool { return page[i].Row > upto }); k < len(page) {
			page = page[:k]
		}
		if len(page) == 0 {
			break
		}
		for i := range page {
			seen = append(seen, page[i].Row)
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
		return nil, nil, fmt.Errorf("reading subjects: %w", err)
	}
	return hits, seen, nil
}

// applyDelta brings the alerts on the changed listings of the subjects of
// rows (ascending) in line with their matches, in one transaction with the
// run's progress.
func (e *Engine) applyDelta(ctx context.Context, c *Corpus, run *vigil.WatchRun, ch *listChanges, rows []int64, hits map[int64]*deltaHit, seen []int64, save func(vigil.WatchTx, *vigil.WatchRun) error) error {
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
		// The subjects screened up to the block's last, since the cursor.
		lo, _ := slices.BinarySearch(seen, run.Cursor+1)
		hi, _ := slices.BinarySearch(seen, next.Cursor+1)
		next.Done += hi - lo
		next.Opened += ap.opened
		next.Reopened += ap.reopened
		next.Closed += ap.closed
		if err := save(tx, &next); err != nil {
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
