// Package weights keeps the weight epochs (vigil.WeightEpoch): the
// name-part rarity factors every index over a store's lists is built with.
//
// The matcher weighs a name part by how common it is among the listed
// names (match.Index derives the factors from its own counts), so that
// adding or removing any listing would move the scores of pairs that did
// not change. Within an epoch the factors stay what they were when it
// began (match.Options.Rarity): a list change then moves only the scores of
// the listings it changes, which is what lets keeping watch re-screen
// only those, and every process (vigil serve, the command line, replicas
// of one store) scores a pair alike.
//
// An epoch begins when there is none, when the matcher's version differs
// from the one that derived it, when the lists have drifted from it (the
// factor derived from the current lists differs from the epoch's by more
// than MaxDrift for some part), and when asked (vigil watch rescreen
// --reweigh). Each new epoch makes keeping watch re-screen every subject.
package weights

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// MaxDrift is how far the rarity factor of any one name part, derived
// from the current lists, may move from the epoch's before a new epoch
// begins. Factors run from 0.35 (the most common parts) to 1, and a part's
// factor scales its share of a name's weight, so a move of 0.05 moves the
// score of a pair sharing that part by a few thousandths: less than the
// rounding of scores shown to reviewers in most names, and rarely across
// the threshold.
const MaxDrift = 0.05

// Options adjust For.
type Options struct {
	// MaxDrift replaces the package's MaxDrift when > 0; < 0 never begins
	// an epoch for drift.
	MaxDrift float64
	// Now returns the time (time.Now when nil).
	Now func() time.Time
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now().UTC()
	}
	return time.Now().UTC()
}

// Table returns an epoch's factors as the matcher takes them.
func Table(e vigil.WeightEpoch) match.RarityTable {
	if e.Rarity == nil {
		return match.RarityTable{}
	}
	return match.RarityTable(e.Rarity)
}

// For returns an index over entries, the entities of the current list
// versions, built with the current
// epoch's factors, and the epoch. It begins a new epoch (and builds with
// its factors) when there is none, when the current one was derived by
// another matcher version, or when the lists drifted from it (see
// Drift); only then does it write to st.
func For(ctx context.Context, st vigil.EpochStore, entries []match.Entry, versions []vigil.ListVersion, opt Options) (*match.Index, vigil.WeightEpoch, error) {
	lists := listsOf(versions)
	cur, err := st.CurrentEpoch(ctx)
	switch {
	case errors.Is(err, vigil.ErrNotFound):
		return begin(ctx, st, entries, lists, 0, "first epoch", opt)
	case err != nil:
		return nil, cur, fmt.Errorf("reading the weight epoch: %w", err)
	case cur.Matcher != match.Version:
		return begin(ctx, st, entries, lists, cur.ID, fmt.Sprintf("matcher %s → %s", cur.Matcher, match.Version), opt)
	}
	ix := match.NewIndexWith(entries, match.Options{Rarity: Table(cur)})
	limit := opt.MaxDrift
	if limit == 0 {
		limit = MaxDrift
	}
	if limit > 0 {
		if d, part := Table(cur).Drift(ix.RarityTable()); d > limit {
			why := fmt.Sprintf("the lists drifted from epoch %d: the factor of %q moved by %.3f (more than %.2f)", cur.ID, part, d, limit)
			return begin(ctx, st, entries, lists, cur.ID, why, opt)
		}
	}
	return ix, cur, nil
}

// Reweigh begins a new epoch with the factors derived from entries (the
// current lists' entities) whatever the current one, and returns an index
// built with them.
func Reweigh(ctx context.Context, st vigil.EpochStore, entries []match.Entry, versions []vigil.ListVersion, reason string, opt Options) (*match.Index, vigil.WeightEpoch, error) {
	lists := listsOf(versions)
	cur, err := st.CurrentEpoch(ctx)
	if err != nil && !errors.Is(err, vigil.ErrNotFound) {
		return nil, cur, fmt.Errorf("reading the weight epoch: %w", err)
	}
	return begin(ctx, st, entries, lists, cur.ID, reason, opt)
}

// With returns an index over entries (of any versions: screening as of a
// date) with the current epoch's factors, and the epoch, never beginning
// one: with no epoch yet, the index weighs by its own counts and the epoch
// returned has ID 0.
func With(ctx context.Context, st vigil.EpochStore, entries []match.Entry) (*match.Index, vigil.WeightEpoch, error) {
	cur, err := st.CurrentEpoch(ctx)
	switch {
	case errors.Is(err, vigil.ErrNotFound):
		return match.NewIndex(entries), vigil.WeightEpoch{}, nil
	case err != nil:
		return nil, cur, fmt.Errorf("reading the weight epoch: %w", err)
	}
	return match.NewIndexWith(entries, match.Options{Rarity: Table(cur)}), cur, nil
}

// begin stores a new epoch derived from entries, unless another process
// began one since prev: then it builds with that one.
func begin(ctx context.Context, st vigil.EpochStore, entries []match.Entry, lists map[string]int, prev int64, reason string, opt Options) (*match.Index, vigil.WeightEpoch, error) {
	// An index weighing by its own counts weighs as one built with the
	// table it derives (match.Index.RarityTable): one build serves.
	ix := match.NewIndex(entries)
	e := vigil.WeightEpoch{Created: opt.now(), Matcher: match.Version, Reason: reason, Lists: lists, Rarity: ix.RarityTable()}
	err := st.AddEpoch(ctx, &e, prev)
	if errors.Is(err, vigil.ErrConflict) {
		cur, err := st.CurrentEpoch(ctx)
		if err != nil {
			return nil, cur, fmt.Errorf("reading the weight epoch another process began: %w", err)
		}
		return match.NewIndexWith(entries, match.Options{Rarity: Table(cur)}), cur, nil
	}
	if err != nil {
		return nil, e, fmt.Errorf("storing a new weight epoch: %w", err)
	}
	return ix, e, nil
}

// listsOf maps each list of vs to its version.
func listsOf(vs []vigil.ListVersion) map[string]int {
	m := make(map[string]int, len(vs))
	for _, v := range vs {
		m[v.List] = v.Version
	}
	return m
}
