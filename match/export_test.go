package match

import (
	"cmp"
	"fmt"
	"github.com/vigil-screening/vigil/names"
	"slices"

	"github.com/vigil-screening/vigil"
)

// EstMargin exposes the retrieval cut's margin to the external tests.
var EstMargin = &estMargin

// BoundCheck screens qs' candidate forms (no cut) and compares nameBound,
// with cut 0 (exact similarities) and with the default threshold (upper
// similarities first), against compare's score for both name classes. It
// returns how many forms it checked, how many the bound rejected at the
// default threshold, and the first violations found.
func BoundCheck(ix *Index, qs []string) (forms, rejected int, bad []string) {
	s := ix.getScratch()
	defer ix.putScratch(s)
	for _, q := range qs {
		qp := ix.prepareQuery(q, vigil.KindUnknown, s)
		s.sims.reset(&qp)
		for _, k := range ix.capped(s, ix.candidates(&qp, s, -10)) {
			f := k.ni
			rep := &ix.names[ix.forms[f]]
			score := max(compare(qp, rep.p, false, s.sims).score, compare(qp, rep.p, true, s.sims).score)
			exact := ix.nameBound(&qp, f, s.sims, 0)
			quick := ix.nameBound(&qp, f, s.sims, DefaultThreshold)
			forms++
			if quick < DefaultThreshold {
				rejected++
			}
			if min(exact, quick) < score-1e-9 && len(bad) < 10 {
				bad = append(bad, fmt.Sprintf("%q ~ %q: bound %.4f/%.4f < score %.4f", q, rep.p.full, exact, quick, score))
			}
		}
	}
	return forms, rejected, bad
}

// HotParts makes the index give every query part its near data at its
// first query.
func HotParts(ix *Index) { ix.hoods.nearAfter, ix.hoods.maxNears = 1, 1<<30 }

// HeavyParts gives every part retrieving any form its heavy posting at its
// first query (on), or none at all (off).
func HeavyParts(ix *Index, on bool) {
	if on {
		ix.hoods.heavyAfter, ix.hoods.heavyForms = 0, 1
	} else {
		ix.hoods.heavyForms = 1 << 62
	}
}

// BonusNow makes retrieval weigh every form's evidence before the
// pre-bound (on), as it did before it put that off for the forms the
// pre-bound turns away (see settleDead).
func BonusNow(ix *Index, on bool) { ix.bonusNow = on }

// Candidates returns what Screen's retrieval keeps of q (form, estimate
// and bonus, in form order) and what the pre-bound turns away (forms, in
// order).
func Candidates(ix *Index, q vigil.Query) (keep []string, dead []int32) {
	s := ix.getScratch()
	defer ix.putScratch(s)
	qp := ix.prepareQuery(q.Name, q.Kind, s)
	s.sims.reset(&qp)
	threshold, _ := settings(q)
	ev := parseEvidence(q)
	minEst, cut := bars(threshold, ev.maxBonus())
	s.setEvidence(ev, threshold)
	s.pre.cut, s.pre.threshold = cut, threshold
	ks := slices.Clone(ix.candidates(&qp, s, minEst))
	slices.SortFunc(ks, func(a, b candWeight) int { return cmp.Compare(a.ni, b.ni) })
	for _, k := range ks {
		keep = append(keep, fmt.Sprintf("%d %v %v", k.ni, k.w, k.bonus))
	}
	ix.settleDead(s)
	for _, d := range s.pre.dead {
		dead = append(dead, d.ni)
	}
	slices.Sort(dead)
	return keep, dead
}

// HeavyBudget sets the bytes heavy postings may hold, and returns how
// many they hold and how many postings were made so far.
func HeavyBudget(ix *Index, max int64) (held, made int64) {
	ix.hoods.maxHeavyBytes = max
	return ix.hoods.heavyBytes.Load(), ix.hoods.heavyMade.Load()
}

// HeavyStats returns how many parts of the hood cache have a heavy
// posting, and how many forms those list in all.
func HeavyStats(ix *Index) (parts, forms int) {
	for i := range ix.hoods.shards {
		sh := &ix.hoods.shards[i]
		sh.mu.RLock()
		for _, e := range sh.m {
			if h := e.heavy.Load(); h != nil {
				parts++
				forms += len(h.forms)
			}
		}
		sh.mu.RUnlock()
	}
	return parts, forms
}

// PreBoundCheck gives every part of each query its near data and checks
// the pre-bound against compare's score (both name classes) over every
// form the data says a query part covers, but those that escape it. It
// returns how many forms it checked, how many the pre-bound turns away at
// the default threshold, and the first violations found.
func PreBoundCheck(ix *Index, qs []string) (checked, rejected int, bad []string) {
	s := ix.getScratch()
	defer ix.putScratch(s)
	near := map[names.Part]*nearData{}
	for _, q := range qs {
		qp := ix.prepareQuery(q, vigil.KindUnknown, nil)
		s.sims.reset(&qp)
		if s.sims.q == nil {
			continue
		}
		s.ev = packEvidence(parseEvidence(vigil.Query{Name: q}))
		clear(s.pre.parts[:])
		for i := range qp.parts {
			nd, ok := near[qp.parts[i]]
			if !ok {
				nd = ix.makeNear(&qp.parts[i])
				near[qp.parts[i]] = nd
			}
			s.pre.parts[i], s.sims.near[i] = nd, nd.list
		}
		s.sims.offerNear()
		s.pre.cut, s.pre.threshold = DefaultThreshold, DefaultThreshold
		ix.preSetup(s, &qp)
		if !s.pre.on {
			continue
		}
		for f := range ix.forms {
			covered := false
			for i := range qp.parts {
				covered = covered || s.pre.parts[i].cov[f] != 0
			}
			covered = covered || (s.pre.last >= 0 && s.pre.trunc[f]>>8 == s.pre.gen)
			if !covered {
				continue
			}
			if s.pre.esc[f] == s.pre.gen || ix.mayMergeQuery(s, int32(f)) {
				continue
			}
			// Far below any threshold, a sample is enough.
			if ix.preBelow(s, int32(f), 0.4) && f%8 != 0 {
				continue
			}
			rep := &ix.names[ix.forms[f]]
			score := max(compare(qp, rep.p, false, s.sims).score, compare(qp, rep.p, true, s.sims).score)
			checked++
			if ix.preBelow(s, int32(f), DefaultThreshold) {
				rejected++
			}
			if ix.preBelow(s, int32(f), score-1e-9) && len(bad) < 10 {
				bad = append(bad, fmt.Sprintf("%q ~ %q: pre-bound below score %.4f", q, rep.p.full, score))
			}
		}
	}
	return checked, rejected, bad
}

// MemoStats counts the names whose work m keeps, those of them with
// forms that may reach a bar, and those whose forms Screen's cap may cut.
func MemoStats(m *Memo) (works, some, capped int) {
	for i := range m.shards {
		sh := &m.shards[i]
		sh.mu.RLock()
		for _, w := range sh.m {
			works++
			if len(w.cands) > 0 {
				some++
			}
			if w.all {
				capped++
			}
		}
		sh.mu.RUnlock()
	}
	return works, some, capped
}

// KeepCold makes m keep a name's work from its second query on, whether
// or not its parts have their near data and keeping pays.
func KeepCold(m *Memo) { m.cold, m.fixed = 1, true }

// KeepNearless makes m keep a name's work whether or not its parts have
// their near data.
func KeepNearless(m *Memo) { m.cold = 1 }

// SmallIndex is smallIndex, for the external tests.
func SmallIndex() *Index { return smallIndex() }

// MemoNeed is how often m asks a name to have been met before it keeps
// its work.
func MemoNeed(m *Memo) uint64 { return m.need() }
