package match

import (
	"cmp"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/names"
)

// scratch holds per-query accumulators, reused through the index free list.
type scratch struct {
	acc []formAcc // retrieval accumulator per form
	// pending holds the forms candidates bounds once it knows them all;
	// sink sums what it reads of them ahead, so that the reads stay.
	pending []pendForm
	sink    uint32
	touched []int32
	// tbits has bit f set for each form f of touched.
	tbits []uint64
	keys  []uint64
	// tokGen[id] is gen when part id was met for the current query part.
	tokGen []uint32
	gen    uint32
	met    []metTok
	runs   []partRun
	// tokCred[id] is the credit of part id for the current query part
	// when tokGen[id] is gen (see creditTouched).
	tokCred []float32
	// The query's evidence, for the per-form bars: minEstBase is the
	// retrieval cut before evidence.
	ev         packedEvidence
	hasEv      bool
	minEstBase float32
	partW      []float32 // weight of each (pseudo-)part of the query
	wTab       []float32 // summed partW of each mask (see candidates)
	sims       *simCache
	keep       []candWeight
	hood       []*hoodEntry // the query parts' hood cache entries (prepareQuery)
	// best is each scored entity's best name; entSlot[e] is 1 + the
	// index in best of entity e (0: none yet).
	best    []entBest
	entSlot []int32
	pre     preState
	// merges is the buffer of the query's merge runs (prepared.merges),
	// which live as long as the query holds the scratch.
	merges []mergeCand
	// heavy holds the parts candidates defers, in the order credited
	// (see heavyPost).
	heavy []heavyState
	// all is set while screening for every match (see ScreenAll).
	all bool
}

// pendForm is a form candidates bounds later (see bound).
type pendForm struct {
	f   int32
	est float32
	ub  float64
}

// formAcc accumulates a form's retrieval evidence: c, the summed evidence
// of the query parts near its parts, and the set of those parts (bit p-1
// for part p), together so that crediting touches one place; beside them
// lies what the estimate reads of the form (formHead), in the cache line
// crediting brought in.
type formAcc struct {
	c    float32
	mask uint32
	formHead
}

// formHead is what the estimate reads of a form besides its evidence:
// its Index.nameW, the envelope of its entities' facts (evEnv), and for
// the pre-bound the weight of its substantive parts (to float32's
// precision) and of its other parts (rounded up), and the length of its
// longest Key (fLong, at most 255).
type formHead struct {
	nameW         float32
	env           evEnv
	subst, others float32
	long          uint8
}

// metTok is a listed part a query part retrieved, and its (upper)
// similarity to the query part.
type metTok struct {
	id  uint32
	sim float32
}

// entBest is the best-scoring name of an entity so far.
type entBest struct {
	entity int32
	name   int32
	score  float64
	res    result
}

func newScratch(heads []formHead, toks []tokInfo, tokPart []names.Part, entities int) *scratch {
	acc := make([]formAcc, len(heads))
	for f := range heads {
		acc[f].formHead = heads[f]
	}
	return &scratch{acc: acc, tbits: make([]uint64, (len(heads)+63)/64), sims: newSimCache(toks, tokPart), entSlot: make([]int32, entities), tokGen: make([]uint32, len(toks)), tokCred: make([]float32, len(toks))}
}

func (s *scratch) resetBest() {
	for i := range s.best {
		s.entSlot[s.best[i].entity] = 0
		s.best[i] = entBest{}
	}
	s.best = s.best[:0]
}

// offer records name ni of entity e scoring r if it beats the entity's best
// so far; of equal scores the name listed first wins, so that the name
// reported does not depend on the order candidates are scored in.
func (s *scratch) offer(e, ni int32, r *result) {
	if k := s.entSlot[e]; k > 0 {
		if b := &s.best[k-1]; r.score > b.score || (r.score == b.score && ni < b.name) {
			b.name, b.score, b.res = ni, r.score, *r
		}
		return
	}
	s.best = append(s.best, entBest{entity: e, name: ni, score: r.score, res: *r})
	s.entSlot[e] = int32(len(s.best))
}

// getScratch takes a scratch from the free list, or makes one. A plain
// list rather than a sync.Pool: scratches are large, and a pool drops them
// at every collection.
func (ix *Index) getScratch() *scratch {
	ix.freeMu.Lock()
	defer ix.freeMu.Unlock()
	if n := len(ix.free); n > 0 {
		s := ix.free[n-1]
		ix.free = ix.free[:n-1]
		return s
	}
	return newScratch(ix.heads, ix.toks, ix.tokPart, len(ix.entries))
}

func (ix *Index) putScratch(s *scratch) {
	s.all = false
	ix.freeMu.Lock()
	ix.free = append(ix.free, s)
	ix.freeMu.Unlock()
}

// Screen returns the entities the query may be, best first: only those at or
// above the threshold (q.Threshold, or DefaultThreshold), at most q.Limit
// (or DefaultLimit).
func (ix *Index) Screen(q vigil.Query) []vigil.Match {
	threshold, limit := settings(q)
	return ix.screen(q, parseEvidence(q), threshold, limit, false)
}

// ScreenAll returns every entity the query may be at or above the
// threshold (q.Threshold, or DefaultThreshold), best first, however many:
// q.Limit is ignored, and so are the shortcuts by which Screen compares
// only the most promising candidates (the best candidatesScored by
// estimate, those with a third of the best one's evidence). Whether it
// returns an entity, and with what, depends on the query, that entity and
// the index's rarity factors alone, not on the other entities indexed:
// with one rarity table (see Options), an index over a subset of the
// entities returns exactly the matches of that subset. Keeping watch
// screens with it, so that re-screening only the listings that changed
// gives what re-screening everything gives.
func (ix *Index) ScreenAll(q vigil.Query) []vigil.Match {
	threshold, _ := settings(q)
	return ix.screen(q, parseEvidence(q), threshold, math.MaxInt, true)
}

// screen is Screen of q with its evidence ev, threshold and limit, or
// ScreenAll's when all is set.
func (ix *Index) screen(q vigil.Query, ev evidence, threshold float64, limit int, all bool) []vigil.Match {
	s := ix.getScratch()
	defer ix.putScratch(s)
	s.all = all
	qp := ix.prepareQuery(q.Name, q.Kind, s)
	s.sims.reset(&qp)
	s.resetBest()
	qOrg := queryOrg(q.Kind)
	// An identity document brings the entities holding it in whatever
	// their names score (the document lookup below), so the cut holds
	// for every other entity.
	minEst, cut := bars(threshold, ev.maxBonus())
	hasEv := s.setEvidence(ev, threshold)
	s.pre.cut, s.pre.threshold = cut, threshold
	for _, k := range ix.capped(s, ix.candidates(&qp, s, minEst)) {
		f := k.ni
		// The evidence each entity of the form would get sets how
		// high its name score must be: a contradicting date of birth
		// raises the bar for that entity's names. nameBound decides
		// exactly whether its bound reaches the bar.
		bar := cut
		if hasEv {
			bar = max(cut, max(0.5, threshold-k.bonus)-1e-9)
		}
		if b := ix.nameBound(&qp, f, s.sims, bar); b < bar {
			continue
		}
		// One comparison per form and name class serves all its names.
		rep := &ix.names[ix.forms[f]]
		var res [2]result
		var done [2]bool
		for _, ni := range ix.formNames[ix.formStart[f]:ix.formStart[f+1]] {
			nr := &ix.names[ni]
			org := nr.orgFor(qOrg)
			k := b2i(org)
			if !done[k] {
				res[k], done[k] = compare(qp, rep.p, org, s.sims), true
			}
			r := res[k]
			r.score = nr.nameScore(r.score)
			s.offer(nr.entity, ni, &r)
		}
	}
	// An identity document match brings its entity in whatever the name.
	if ev.doc != "" {
		for _, ei := range ix.docs[ev.doc] {
			if s.entSlot[ei] == 0 {
				var bestRes result
				var bestName int32 = -1
				for ni := ix.entStart[ei]; ni < ix.entStart[ei+1]; ni++ {
					r := compare(qp, ix.names[ni].p, ix.names[ni].class == names.OrgClass, s.sims)
					r.score = ix.names[ni].nameScore(r.score)
					if bestName < 0 || r.score > bestRes.score {
						bestRes, bestName = r, ni
					}
				}
				if bestName >= 0 {
					s.offer(ei, bestName, &bestRes)
				}
			}
		}
	}
	return ix.matches(s, ev, threshold, limit, cut, nil)
}

// listOf returns the list of a version label ("un@3" → "un").
func listOf(label string) string {
	l, _, _ := strings.Cut(label, "@")
	return l
}

// settings returns q's threshold and limit, or the defaults.
func settings(q vigil.Query) (threshold float64, limit int) {
	threshold, limit = q.Threshold, q.Limit
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	return threshold, limit
}

// bars returns a query's bars at threshold when its evidence may add at
// most most: forms whose retrieval estimate falls below minEst are not
// scored, and a form whose name score cannot reach cut cannot bring its
// entity to the threshold, whatever the evidence.
func bars(threshold, most float64) (minEst float32, cut float64) {
	return float32(threshold - most - estMargin), max(0.5, threshold-most) - 1e-9
}

// setEvidence readies s for a query's evidence ev at threshold (for the
// per-form bars of candidates) and reports whether ev can weigh.
func (s *scratch) setEvidence(ev evidence, threshold float64) bool {
	s.ev, s.hasEv, s.minEstBase = packEvidence(ev), ev.any(), float32(threshold-estMargin)
	return s.hasEv
}

// queryOrg reports whether a query of kind k is an organisation's name.
func queryOrg(k vigil.Kind) bool { return k != vigil.KindPerson && classOf(k) == names.OrgClass }

// orgFor reports whether name nr is compared as an organisation's name
// for a query that is one (qOrg) or not: by its class, or the query's
// when its entity's kind is unknown.
func (nr *nameRec) orgFor(qOrg bool) bool {
	return nr.class == names.OrgClass || (nr.unknown && qOrg)
}

// b2i is 1 for true, 0 for false: the index of a name class in the
// per-class arrays (1 for organisations).
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// matches returns Screen's matches from the entities' best names in
// s.best (with cut and the query's evidence ev, threshold and limit),
// first calling fill, when not nil, on the best name of each match
// returned, to set its result.
func (ix *Index) matches(s *scratch, ev evidence, threshold float64, limit int, cut float64, fill func(b *entBest)) []vigil.Match {
	// Scores first, explanations only for the matches returned.
	type scored struct {
		i     int
		score float64
		id    string
	}
	var keep []scored
	for i := range s.best {
		b := &s.best[i]
		e := ix.entries[b.entity].Entity
		if ev.filter != nil && !ev.filter.Allows(e, listOf(ix.entries[b.entity].Version)) {
			continue
		}
		// Below cut (or 0.5) no evidence but a listed identity document
		// brings the entity to the threshold.
		docHit := ev.doc != "" && hasDoc(e, ev.doc)
		if !docHit && (b.score < 0.5 || b.score < cut) {
			continue
		}
		score := ev.addTo(b.score, &ix.facts[b.entity]) - ev.unverified(&ix.facts[b.entity], b.res.commonK)
		if docHit {
			score = max(score, 0.97)
		}
		score = min(max(score, 0), 1)
		if score < threshold {
			continue
		}
		keep = append(keep, scored{i, round3(score), e.ID})
	}
	// Entities listed twice under one id in list order: the order of
	// the results does not depend on the order candidates were scored in.
	slices.SortFunc(keep, func(a, b scored) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		if a.id != b.id {
			return strings.Compare(a.id, b.id)
		}
		return cmp.Compare(s.best[a.i].entity, s.best[b.i].entity)
	})
	if len(keep) > limit {
		keep = keep[:limit]
	}
	var out []vigil.Match
	for _, k := range keep {
		b := &s.best[k.i]
		if fill != nil {
			fill(b)
		}
		en := ix.entries[b.entity]
		e := en.Entity
		nr := &ix.names[b.name]
		feats := append([]vigil.Feature{{
			Feature: "name",
			Score:   round3(b.score),
			Detail:  nameDetail(e.Names[nr.alias], nr.p.full, b.res),
		}}, ev.features(e, &ix.facts[b.entity])...)
		if u := ev.unverified(&ix.facts[b.entity], b.res.commonK); u > 0 {
			feats = append(feats, vigil.Feature{Feature: "common_name", Score: -round3(u),
				Detail: "the listing states no date of birth to check the query's against, and the name is common"})
		}
		out = append(out, vigil.Match{
			EntityID:    e.ID,
			Source:      e.Source,
			Ref:         e.Ref,
			Kind:        e.Kind,
			Name:        e.PrimaryName(),
			MatchedName: nr.p.full,
			Score:       k.score,
			Explanation: feats,
			ListVersion: en.Version,
			Measures:    e.Measures,
			Programs:    e.Programs,
		})
	}
	return out
}

// prepareQuery parses a query name with the index's rarity weights. With
// a scratch s, it sets s.hood[i] to the hood cache's entry for part i (or
// nil), whose id and rarity spare the index's maps, for candidates.
func (ix *Index) prepareQuery(name string, k vigil.Kind, s *scratch) prepared {
	qp := prepare(name, classOf(k), nil)
	qp.setLongest()
	qp.ids = make([]uint32, len(qp.parts))
	if s != nil {
		s.hood = slices.Grow(s.hood[:0], len(qp.parts))[:len(qp.parts)]
	}
	for i := range qp.parts {
		x := &qp.parts[i]
		var id uint32
		var rar float64
		var e *hoodEntry
		if s != nil {
			e = ix.hoods.get(x)
			s.hood[i] = e
		}
		if e != nil {
			id, rar = e.id, e.rar
		} else {
			id, rar = ix.partFacts(x)
		}
		if x.Tag == names.TagName {
			qp.weights[i] *= rar
		}
		// Parts the index has not seen get ids of their own, above the
		// index's.
		if id != 0 {
			qp.ids[i] = id
		} else {
			qp.ids[i] = 1<<31 | uint32(i+1)
		}
	}
	return qp
}

// partFacts returns query part x's interned id (0 when the index has not
// seen it) and its rarity factor.
func (ix *Index) partFacts(x *names.Part) (id uint32, rar float64) {
	return ix.tokID[*x], ix.rarity(x.Key)
}

// candidates returns the forms sharing retrieval keys with the query (with
// their estimates and evidence bonuses) that pass the estimate's and the
// evidence's bars and the pre-bound, in no particular order (Screen's
// results do not depend on it); those the pre-bound turned away it leaves
// in s.pre.dead, for capped. Each query part finds the listed parts near it through the keys,
// each such part is weighed by its (upper) similarity to the query part,
// and the forms holding it are credited with the query part's weight times
// that similarity's credit. When every query part has its near data, the
// forms the pre-bound shows cannot reach their evidence bar are left out
// (see preBelow). qp must come from prepareQuery with s (or s.hood be
// empty).
func (ix *Index) candidates(qp *prepared, s *scratch, minEst float32) []candWeight {
	// credit adds a query part's evidence c to the forms in list, once
	// per part (a part's lists are credited best first, so a form
	// holding two parts near one query part keeps the better). Parts
	// from the 32nd on share the last bit and are not told apart.
	s.partW = s.partW[:0]
	clear(s.pre.parts[:])
	s.heavy = s.heavy[:0]
	if s.sims.q != nil && !qp.mergesSet {
		qp.merges, qp.mergesSet = mergeCandsVia(qp, ix.runs, s.merges[:0]), true
		s.merges = qp.merges
	}
	var top float32
	credit := func(list []uint32, part int32, c float32) {
		bit := uint32(1) << min(part-1, 31)
		for _, f := range list {
			a := &s.acc[f]
			if a.mask == 0 {
				s.touch(a, int32(f))
			}
			if a.mask&bit == 0 || bit == 1<<31 {
				a.mask |= bit
				a.c += c
				if a.c > top {
					top = a.c
				}
			}
		}
	}
	// setW records the weight of (pseudo-)part part.
	setW := func(part int32, w float32) {
		for int32(len(s.partW)) < part {
			s.partW = append(s.partW, 0)
		}
		s.partW[part-1] = w
	}
	// exact credits the forms holding a part spelt as key h says, or
	// whose parts joined spell it.
	exact := func(h keyHit, part int32, c float32) {
		setW(part, c)
		for _, id := range h.ids {
			credit(ix.tokForms(id), part, c)
		}
		credit(h.joins, part, c)
	}
	// First the listed parts each query part meets (runs), crediting the
	// pseudo-parts (joins and splits) at once.
	var joined strings.Builder
	part := int32(0)
	met := s.met[:0]
	runs := s.runs[:0]
	for i := range qp.parts {
		x := &qp.parts[i]
		var e *hoodEntry
		if s.sims.q != nil {
			if i < len(s.hood) {
				e = s.hood[i]
			}
			if e == nil {
				e = ix.entry(x)
			}
			if e != nil {
				if nd := ix.nearOf(e, x); nd != nil {
					s.sims.near[i], s.pre.parts[i] = nd.list, nd
				}
			}
		}
		if !indexable(x.Tag) && x.Tag != names.TagInitial {
			continue
		}
		part++
		w := float32(qp.weights[i])
		if x.Tag == names.TagInitial {
			continue
		}
		joined.WriteString(x.Text)
		lo := len(met)
		var ps pseudo
		if e != nil {
			met = append(met, e.met...)
			ps = e.pseudo
		} else {
			met = ix.meet(s, x, i, met)
			ps = ix.pseudoOf(x.Text, false)
			if s.sims.q != nil {
				ix.hoods.put(x, slices.Clone(met[lo:]), qp.ids[i], ix.rarity(x.Key), ps)
			}
		}
		if s.all && len(x.Text) >= 6 {
			ps = ix.pseudoOf(x.Text, true)
		}
		run := met[lo:]
		setW(part, w)
		if len(run) > 0 {
			var heavy *heavyPost
			if e != nil {
				heavy = ix.heavyOf(e)
			}
			runs = append(runs, partRun{part: part, w: w, lo: int32(lo), hi: int32(len(met)), pot: w * float32(creditUpper(float64(run[0].sim))), heavy: heavy})
		}
		// A query part that joins two listed parts ("vladimirputin"):
		// forms whose parts joined spell it, and forms holding two parts
		// that together spell it, each crediting half.
		if len(x.Text) >= 6 {
			part++
			setW(part, w)
			credit(ps.joins, part, w)
			for _, h := range ps.splits {
				exact(h[0], part+1, w/2)
				exact(h[1], part+2, w/2)
			}
			part += 2
		}
	}
	s.met, s.runs = met, runs
	s.sims.offerNear()
	ix.preSetup(s, qp)
	if part > 1 {
		part++
		exact(ix.keyHit(ix.hash(keyToken, joined.String())), part, 1)
	}
	// Then the runs, the most each can add first. Once what the runs left
	// can add to a form falls below a third of the best evidence so far
	// (bestEv),
	// a form they alone reach cannot be kept (see below), so they credit
	// only forms already touched (a hair of slack, since float sums in
	// another order may differ in the last bits). Past 31 parts a form may
	// be credited more than once per part, and every run credits in full.
	slices.SortStableFunc(runs, func(a, b partRun) int { return cmp.Compare(b.pot, a.pot) })
	var qTotal float32
	for i := range qp.parts {
		if indexable(qp.parts[i].Tag) {
			qTotal += float32(qp.weights[i])
		}
	}
	// bestEv is the best evidence so far as the third rule reads it. For
	// a query written in another script than Latin, at most the query's
	// whole weight: the pseudo-parts (the query's parts joined) add to a
	// form holding the query's very spelling beyond it, and a bar set
	// from that would turn away the Latin spellings of the name that only
	// some of the query's parts reach. A Latin query keeps the higher
	// bar, which spares retrieval the many forms of a common name's
	// parts.
	capEv := qp.script != "" && qp.script != "Latn"
	bestEv := func() float32 {
		if capEv {
			return min(top, qTotal)
		}
		return top
	}
	var rest float32
	for _, r := range runs {
		rest += r.pot
	}
	for _, r := range runs {
		list := met[r.lo:r.hi]
		if s.all || rest >= bestEv()/3*(1-1e-5) || part >= 32 {
			rest -= r.pot
			// A part with a heavy posting is deferred (see heavyPost);
			// not past 31 parts.
			if r.heavy != nil && part < 32 {
				top = max(top, s.deferHeavy(r.heavy, r.part, r.w))
				continue
			}
			for _, m := range list {
				credit(ix.tokForms(m.id), r.part, r.w*float32(creditUpper(float64(m.sim))))
			}
			continue
		}
		rest -= r.pot
		top = max(top, ix.creditTouched(s, list, r.part, r.w))
	}
	// Keep the forms with at least a third of the best one's evidence
	// (bestEv: see above), then the most promising of those by an
	// estimate of their score: the evidence against the query's whole
	// weight and the listed name's unshared weight, penalised as compare
	// penalises them. top is the best evidence now: crediting kept it.
	// The summed weight of the parts of each mask, added in the order
	// the estimate adds them (lowest part first), when there are few.
	wTab := s.wTab[:0]
	if len(s.partW) <= 10 {
		wTab = slices.Grow(wTab, 1<<len(s.partW))[:1<<len(s.partW)]
		wTab[0] = 0
		for m := 1; m < len(wTab); m++ {
			hb := bits.Len(uint(m)) - 1
			wTab[m] = wTab[m&^(1<<hb)] + s.partW[hb]
		}
	}
	s.wTab = wTab
	keep := s.keep[:0]
	third := bestEv() / 3
	if s.all {
		third = 0 // every form, whatever the others' evidence
	}
	// estimate is the estimate of a form of evidence c from the parts
	// of mask, whose name weighs nameW; false when it is below minEst.
	estimate := func(c float32, mask uint32, nameW float32) (float32, bool) {
		var w float32
		if m := mask &^ (1 << 31); int(m) < len(wTab) {
			w = wTab[m]
		} else {
			for ; m != 0; m &= m - 1 {
				w += s.partW[bits.TrailingZeros32(m)]
			}
		}
		den := w + extraQueryPers*nonNeg(qTotal-w) + extraCandPers*nonNeg(nameW-w)
		// Clearly below minEst: no need to divide.
		if float64(c) < float64(minEst)*float64(den)*(1-1e-6) {
			return 0, false
		}
		est := c / den
		return est, est >= minEst
	}
	// weigh keeps form f, of evidence c from the parts of mask, or drops
	// it.
	weigh := func(f int32, c float32, mask uint32, nameW float32, env evEnv) {
		est, ok := estimate(c, mask, nameW)
		if !ok {
			return
		}
		// With secondary evidence, each form's bar is what its
		// entities would get (a contradicting date of birth raises it),
		// as Screen applies it after the bound. The envelope turns most
		// forms away (the date of birth alone most of those); with the
		// pre-bound on, the rest are bounded once all are known (see
		// bound).
		ub := math.NaN()
		if s.hasEv {
			if s.ev.ev.hasDOB && env.flags&envSlow == 0 && !s.ev.slow && est < s.minEstBase-float32(s.ev.dobUpper(env)) {
				return
			}
			if ub = s.ev.bonusUpper(env); est < s.minEstBase-float32(ub) {
				return
			}
		}
		if s.pre.on {
			s.pending = append(s.pending, pendForm{f, est, ub})
			return
		}
		var fb float64
		if s.hasEv {
			if fb = ix.formBonus(s, f); est < s.minEstBase-float32(fb) {
				return
			}
		}
		keep = append(keep, candWeight{f, est, fb})
	}
	// bound keeps form f, of estimate est and bonus at most ub (NaN
	// without evidence), or drops it, or finds it dead: the pre-bound at
	// the envelope's bar turns most away (their bonus put off), formBonus
	// and the pre-bound at the form's own bar the others.
	bound := func(f int32, est float32, ub float64) {
		// bar is the bar Screen would set a form of bonus fb.
		bar := func(fb float64) float64 {
			if s.hasEv {
				return max(s.pre.cut, max(0.5, s.pre.threshold-fb)-1e-9)
			}
			return s.pre.cut
		}
		var fb float64
		if s.hasEv {
			// A form the pre-bound turns away at the bar of the most
			// its evidence can add (a lower bar) is turned away at its
			// own bar, or dropped for its bonus: which, only capping
			// asks (see settleDead).
			if !ix.bonusNow && ix.preBelow(s, f, bar(ub)) && !ix.mayMergeQuery(s, f) {
				s.pre.dead = append(s.pre.dead, candWeight{f, est, math.NaN()})
				s.pre.unweighed++
				return
			}
			fb = ix.formBonus(s, f)
			if est < s.minEstBase-float32(fb) {
				return
			}
		}
		// The pre-bound, at the bar Screen would set the form.
		if ix.preBelow(s, f, bar(fb)) && !ix.mayMergeQuery(s, f) {
			s.pre.dead = append(s.pre.dead, candWeight{f, est, fb})
			return
		}
		keep = append(keep, candWeight{f, est, fb})
	}
	// The forms only a deferred part reaches, each with that part's
	// evidence alone: best credit first, and in each credit's group, in
	// order of weight, only until the estimate falls below minEst (see
	// heavyPost). From the first whose estimate is below est3 on, a form
	// whose entities' birth years all contradict the query's cannot pass
	// (see weigh): it is passed over without weighing.
	dobSkip := s.hasEv && s.ev.ev.hasDOB && !s.ev.slow
	est3 := s.minEstBase - float32(s.ev.dobUB[3])
	for _, d := range s.heavy {
		for _, g := range d.post.groups {
			c := float32(d.w * g.cu)
			if c < third {
				break
			}
			// Estimates fall as credit falls and as weight grows: when
			// the least weight from this group on cannot pass, no form
			// of it or of a later group can; when its first form
			// cannot, none of it can.
			if _, ok := estimate(c, d.bit, g.minW); !ok {
				break
			}
			ents := d.post.byCredit[g.lo:g.hi]
			if _, ok := estimate(c, d.bit, ents[0].nameW); !ok {
				continue
			}
			// The first below minEst ends the group.
			end := sort.Search(len(ents), func(i int) bool {
				_, ok := estimate(c, d.bit, ents[i].nameW)
				return !ok
			})
			from3 := end
			if dobSkip {
				from3 = sort.Search(end, func(i int) bool {
					est, _ := estimate(c, d.bit, ents[i].nameW)
					return est < est3
				})
			}
			for i, pe := range ents[:end] {
				if s.tbits[pe.f>>6]&(1<<(pe.f&63)) != 0 {
					continue // touched: weighed below
				}
				if i >= from3 && pe.env.flags&envSlow == 0 && dobClass(pe.env, s.ev.year) == 3 {
					continue
				}
				weigh(pe.f, c, d.bit, pe.nameW, pe.env)
			}
		}
	}
	for _, f := range s.touched {
		a := &s.acc[f]
		c, mask := a.c, a.mask
		a.c, a.mask = 0, 0
		s.tbits[f>>6] = 0
		if c >= third {
			weigh(f, c, mask, a.nameW, a.env)
		}
	}
	s.touched = s.touched[:0]
	if len(s.pending) > 0 {
		// What the pre-bound reads of each form, read first in one
		// pass whose reads do not wait on one another, so that their
		// cache misses overlap; then the forms in order.
		var sink uint32
		p := &s.pre
		nq := len(s.sims.q.parts)
		for _, pf := range s.pending {
			f := pf.f
			sink += p.esc[f] + uint32(s.acc[f].long)
			if k := ix.fOff[f]; k < ix.fOff[f+1] {
				sink += uint32(ix.fParts[k].keyLen) // mayMergeQuery's
			}
			for _, nd := range p.parts[:nq] {
				sink += uint32(nd.cov[f])
			}
		}
		s.sink += sink
		for _, pf := range s.pending {
			bound(pf.f, pf.est, pf.ub)
		}
		s.pending = s.pending[:0]
	}
	s.keep = keep
	if !s.all && len(keep)+len(s.pre.dead) > candidatesScored {
		ix.settleDead(s)
	}
	return keep
}

// settleDead weighs the bonus of the pre-bound's dead forms whose bonus
// weigh put off (NaN), dropping those it would have dropped, so that
// s.pre.dead is what it would have been. Only capping reads the dead, and
// only when with keep they are more than candidatesScored: candidates
// settles them then.
func (ix *Index) settleDead(s *scratch) {
	if s.pre.unweighed == 0 {
		return
	}
	dead := s.pre.dead[:0]
	for _, d := range s.pre.dead {
		if math.IsNaN(d.bonus) {
			if d.bonus = ix.formBonus(s, d.ni); d.w < s.minEstBase-float32(d.bonus) {
				continue
			}
		}
		dead = append(dead, d)
	}
	s.pre.dead, s.pre.unweighed = dead, 0
}

// capped keeps of candidates' forms (keep, with the pre-bound's dead ones
// in s.pre.dead) the best candidatesScored by estimate, in no particular
// order, less the dead: those still take the places among the best they
// would have taken, so that what is scored differs only by forms that
// could not have matched.
func (ix *Index) capped(s *scratch, keep []candWeight) []candWeight {
	if s.all {
		return keep // ScreenAll: no cap
	}
	if dead := s.pre.dead; len(dead) > 0 && len(keep)+len(dead) > candidatesScored {
		// The forms the pre-bound dropped cannot be matches, but they
		// may have taken places among the best candidatesScored: choose
		// as if they were there, then drop them.
		gone := make(map[int32]bool, len(dead))
		for _, d := range dead {
			gone[d.ni] = true
		}
		keep = append(keep, dead...)
		selectBest(keep, candidatesScored)
		keep = slices.DeleteFunc(keep[:candidatesScored], func(k candWeight) bool { return gone[k.ni] })
	}
	if len(keep) > candidatesScored {
		// Partial selection is enough: the best candidatesScored, in any
		// order (Screen ranks what it scores).
		selectBest(keep, candidatesScored)
		keep = keep[:candidatesScored]
	}
	s.keep = keep
	return keep
}

// meet appends to met the listed parts that query part x (the query's
// i-th) meets through its retrieval keys, with their upper similarities
// to it, best first.
func (ix *Index) meet(s *scratch, x *names.Part, i int, met []metTok) []metTok {
	s.keys = ix.partKeys(x, s.keys[:0], true)
	s.gen++
	if s.gen == 0 {
		clear(s.tokGen)
		s.gen = 1
	}
	lo := len(met)
	for _, k := range s.keys {
		for _, id := range ix.tokKeys.get(k) {
			if s.tokGen[id] == s.gen {
				continue
			}
			s.tokGen[id] = s.gen
			sim := float32(1)
			if s.sims.q != nil {
				sim = s.sims.urow(id)[i]
			}
			if sim >= minPairSim {
				met = append(met, metTok{id, sim})
			}
		}
	}
	slices.SortFunc(met[lo:], func(a, b metTok) int { return cmp.Compare(b.sim, a.sim) })
	return met
}

// keyHit is what a retrieval key finds: the listed parts spelt so (token
// ids) and the forms whose parts joined spell it.
type keyHit struct{ ids, joins []uint32 }

func (ix *Index) keyHit(k uint64) keyHit { return keyHit{ix.tokKeys.get(k), ix.joins.get(k)} }

// pseudo is what a query part of at least 6 bytes retrieves as
// pseudo-parts (see pseudoOf).
type pseudo struct {
	joins  []uint32
	splits [][2]keyHit
}

// pseudoOf returns, for a query part spelt t of at least 6 bytes, the
// forms whose parts joined spell it and, wherever t splits into two
// spellings the index holds (a listed part's, or a name's parts joined),
// each at least 2 bytes, what the two find: the pseudo-parts candidates
// credits for a query part that joins two listed parts. With either, a cut
// is kept when the index holds either spelling (ScreenAll's: what a form
// holding one piece is credited then does not depend on whether another
// form holds the other).
func (ix *Index) pseudoOf(t string, either bool) pseudo {
	var p pseudo
	if len(t) < 6 {
		return p
	}
	p.joins = ix.joins.get(ix.hash(keyToken, t))
	// Whether a key finds anything, from its parts first: most cuts
	// find nothing on one side, and their other lists are not needed.
	has := func(k uint64) bool { return len(ix.tokKeys.get(k)) > 0 || len(ix.joins.get(k)) > 0 }
	for cut := 2; cut <= len(t)-2; cut++ {
		ka := ix.hash(keyToken, t[:cut])
		a := has(ka)
		if !a && !either {
			continue
		}
		if kb := ix.hash(keyToken, t[cut:]); has(kb) || (a && either) {
			p.splits = append(p.splits, [2]keyHit{ix.keyHit(ka), ix.keyHit(kb)})
		}
	}
	return p
}

// partRun is a query part's run of met listed parts (s.met[lo:hi], best
// first), its (pseudo-)part number and weight, and pot, the most it can
// credit a form.
type partRun struct {
	part   int32
	w      float32
	lo, hi int32
	pot    float32
	heavy  *heavyPost // the part's heavy posting, or nil
}

// creditTouched credits the query part's met listed parts (best first) to
// the forms already touched only: by walking the forms holding each part,
// or, when those lists are longer, by looking up the parts of each touched
// form. It returns the most evidence a form it credited now has.
func (ix *Index) creditTouched(s *scratch, list []metTok, part int32, w float32) float32 {
	var top float32
	bit := uint32(1) << (part - 1)
	n := 0
	for _, m := range list {
		n += len(ix.tokForms(m.id))
	}
	// A form only the deferred part reaches is touched, but not in
	// s.touched.
	if n <= 4*len(s.touched) || len(s.heavy) > 0 {
		for _, m := range list {
			c := w * float32(creditUpper(float64(m.sim)))
			for _, f := range ix.tokForms(m.id) {
				// Most of these forms are untouched: the bitmap says
				// so without reading their accumulators (a form is
				// touched when its mask is not 0).
				if s.tbits[f>>6]&(1<<(f&63)) == 0 {
					if !s.deferredHas(int32(f)) {
						continue
					}
					s.touch(&s.acc[f], int32(f))
				}
				if a := &s.acc[f]; a.mask != 0 && a.mask&bit == 0 {
					a.mask |= bit
					a.c += c
					top = max(top, a.c)
				}
			}
		}
		return top
	}
	s.gen++
	if s.gen == 0 {
		clear(s.tokGen)
		s.gen = 1
	}
	for _, m := range list {
		s.tokGen[m.id], s.tokCred[m.id] = s.gen, w*float32(creditUpper(float64(m.sim)))
	}
	for _, f := range s.touched {
		a := &s.acc[f]
		if a.mask&bit != 0 {
			continue
		}
		var best float32
		for _, id := range ix.fTok[ix.fOff[f]:ix.fOff[f+1]] {
			if s.tokGen[id] == s.gen {
				best = max(best, s.tokCred[id])
			}
		}
		if best > 0 {
			a.mask |= bit
			a.c += best
			top = max(top, a.c)
		}
	}
	return top
}

// formBonus is the most the query's evidence adds to (or the least it
// takes from) the score of an entity holding form f.
func (ix *Index) formBonus(s *scratch, f int32) float64 {
	best := math.Inf(-1)
	for k := ix.evOff[f]; k < ix.evOff[f+1]; k++ {
		best = max(best, s.ev.bonus(&ix.evSums[k], ix.facts))
	}
	return best
}

// candBefore orders candidates best estimate first, then by form.
func candBefore(a, b candWeight) int {
	if a.w != b.w {
		return cmp.Compare(b.w, a.w)
	}
	return cmp.Compare(a.ni, b.ni)
}

// selectBest reorders c so that its first k elements are the k first in
// candBefore order (in any order): a quickselect, cheaper than sorting all.
func selectBest(c []candWeight, k int) {
	lo, hi := 0, len(c)-1
	for lo < hi {
		// Median of three as pivot, moved to hi.
		mid := lo + (hi-lo)/2
		if candBefore(c[mid], c[lo]) < 0 {
			c[mid], c[lo] = c[lo], c[mid]
		}
		if candBefore(c[hi], c[lo]) < 0 {
			c[hi], c[lo] = c[lo], c[hi]
		}
		if candBefore(c[mid], c[hi]) < 0 {
			c[mid], c[hi] = c[hi], c[mid]
		}
		p := c[hi]
		i := lo
		for j := lo; j < hi; j++ {
			if candBefore(c[j], p) < 0 {
				c[i], c[j] = c[j], c[i]
				i++
			}
		}
		c[i], c[hi] = c[hi], c[i]
		switch {
		case i == k || i == k-1:
			return
		case i < k:
			lo = i + 1
		default:
			hi = i - 1
		}
	}
}

// nonNeg is max(0, x) for the estimate's sums (which are never NaN): x
// below 0 is 0, and -0 stays -0, which adds as 0 does.
func nonNeg(x float32) float32 {
	if x < 0 {
		return 0
	}
	return x
}

// candWeight is a candidate form, its retrieval estimate and, when the
// query carries secondary evidence, formBonus of the form.
type candWeight struct {
	ni    int32
	w     float32
	bonus float64
}

func round3(x float64) float64 { return float64(int(x*1000+0.5)) / 1000 }

// nameDetail describes which name matched and how.
func nameDetail(n vigil.Name, matched string, r result) string {
	role := "primary name"
	switch n.Quality {
	case vigil.QualityStrong:
		role = "alias"
	case vigil.QualityWeak:
		role = fmt.Sprintf("weak alias (at most %.2f on the name alone)", weakAliasMax)
	case vigil.QualityFormerly:
		role = "former name"
	}
	if n.Quality == vigil.QualityPrimary || n.Quality == "" {
		role = "primary name"
	}
	script := n.Script
	if script == "" {
		script = scriptOf(r.c)
	}
	return fmt.Sprintf("%s %q (%s): %s", role, matched, script, r.describe())
}

func scriptOf(p prepared) string {
	if p.script == "" {
		return "Latn"
	}
	return p.script
}
