package match

import (
	"hash/maphash"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/vigil-screening/vigil"
)

// Memo screens as its Index does, doing the work that depends on the name
// alone once per name: files of customers, payments or passengers repeat
// names (a customer on several accounts, a counterparty paid every month,
// a family, a common name), while each row's date of birth, nationality and
// gender differ. What a name retrieves, the estimate of each form and its
// name score are kept from its second query on (its fourth while some of
// its parts lack their near data; its third while the work kept so far
// has seldom served again, see need); each later query weighs only its own
// evidence against the few forms that may reach the threshold, and only
// the names of the matches it returns are compared again, for their
// explanations. A query carrying a listed identity document is screened
// in full by the Index. A Memo's answers are the Index's, explanations
// and all. It is safe for concurrent use and bounded in memory; it serves
// one index (one batch run), and is dropped with it.
type Memo struct {
	ix     *Index
	seed   maphash.Seed
	shards [memoShards]memoShard
	// seen holds the hashes of names met but not kept, with how often
	// they were met in the low 3 bits (so that 0 is none), each in the
	// slot its hash picks, the last met winning: a lossy filter of fixed
	// size, so that files of distinct names cost no map entry per row.
	seen []atomic.Uint64
	// cold is memoCold (tests lower it); fixed makes the memo keep a
	// name's work from its second query on whatever (see need), for tests.
	cold  uint64
	fixed bool
}

const (
	memoShards = 64
	// A shard holding more names, or more bytes of name work, than this
	// is emptied: about 64 MB at most in all.
	memoPerShard   = 2048
	memoShardBytes = 1 << 20
	// memoSeen is the size of Memo.seen: names met once are remembered
	// among about that many.
	memoSeen = 1 << 18
	// memoCold is how often a name must have been met before its work is
	// kept while some of its parts lack their near data: without the
	// pre-bound the work costs several queries (a file's first rows).
	memoCold = 4
	// memoLearn is how many names' work the memo keeps before it asks
	// whether keeping pays (see need).
	memoLearn = 256
)

type memoShard struct {
	mu    sync.RWMutex
	m     map[memoKey]*nameWork
	bytes int
	// made counts the works kept in this shard, used the queries they
	// served, for need.
	made, used atomic.Int64
}

// memoKey is what the name-level work depends on.
type memoKey struct {
	name      string
	kind      vigil.Kind
	threshold float64
	all       bool // ScreenAll's work
}

// nameWork is the work of screening a name that does not depend on the
// query's evidence: of the forms candidates returns for it with every kind
// of evidence present (the lowest estimate bar) and no pre-bound cut above
// the lowest evidence bar, those whose name score reaches that bar and,
// when there are more than candidatesScored forms in all (all), those that
// may take their places in Screen's cap: the forms ranked before the last
// of them. In candBefore order.
type nameWork struct {
	all   bool
	cands []workCand
}

// workCand is a form of a nameWork: its estimate and compare's score of
// its representative name in each name class its names ask for (0 for
// the others); may is whether one reaches the lowest evidence bar (else
// the form is kept for its place in the cap only).
type workCand struct {
	f     int32
	est   float32
	may   bool
	score [2]float64
	// common is each class's result.commonK.
	common [2]float64
}

// Memo returns a new, empty Memo of ix.
func (ix *Index) Memo() *Memo {
	return &Memo{ix: ix, seed: maphash.MakeSeed(), seen: make([]atomic.Uint64, memoSeen), cold: memoCold}
}

// Entity is the index's Entity.
func (m *Memo) Entity(id string) (*vigil.Entity, string, bool) { return m.ix.Entity(id) }

// Screen returns what the index's Screen returns for q.
func (m *Memo) Screen(q vigil.Query) []vigil.Match {
	threshold, limit := settings(q)
	return m.screen(q, threshold, limit, false)
}

// ScreenAll returns what the index's ScreenAll returns for q.
func (m *Memo) ScreenAll(q vigil.Query) []vigil.Match {
	threshold, _ := settings(q)
	return m.screen(q, threshold, math.MaxInt, true)
}

func (m *Memo) screen(q vigil.Query, threshold float64, limit int, all bool) []vigil.Match {
	ix := m.ix
	ev := parseEvidence(q)
	if ev.doc != "" && len(ix.docs[ev.doc]) > 0 {
		return ix.screen(q, ev, threshold, limit, all)
	}
	w := m.work(q.Name, q.Kind, threshold, all)
	if w == nil {
		return ix.screen(q, ev, threshold, limit, all)
	}
	return ix.screenWork(w, q, ev, threshold, limit)
}

// work returns the name-level work of a query, or nil while it is not
// kept: at the name's first query (as far as m.seen knows), and until
// m.cold while some of its parts lack their near data.
func (m *Memo) work(name string, k vigil.Kind, threshold float64, all bool) *nameWork {
	key := memoKey{name, k, threshold, all}
	var mh maphash.Hash
	mh.SetSeed(m.seed)
	mh.WriteString(name)
	mh.WriteByte(0)
	mh.WriteString(string(k))
	mh.WriteByte(0)
	maphash.WriteComparable(&mh, threshold)
	maphash.WriteComparable(&mh, all)
	h := mh.Sum64()
	sh := &m.shards[h%memoShards]
	sh.mu.RLock()
	w := sh.m[key]
	sh.mu.RUnlock()
	if w != nil {
		sh.used.Add(1)
		return w
	}
	// How often the name was met before, as far as m.seen knows.
	e := &m.seen[(h>>6)%memoSeen]
	met := uint64(0)
	if v := e.Load(); v&^7 == h&^7 {
		met = v & 7
	}
	if met == 0 || (met == 1 && m.need() > 1) {
		e.Store(h&^7 | (met + 1))
		return nil
	}
	// Two goroutines may both do it; either serves.
	if w = m.ix.nameWork(name, k, threshold, met >= m.cold, all); w == nil {
		e.Store(h&^7 | min(met+1, 7))
		return nil
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.m == nil || len(sh.m) >= memoPerShard || sh.bytes > memoShardBytes {
		sh.m, sh.bytes = make(map[memoKey]*nameWork, 64), 0
	}
	if old := sh.m[key]; old != nil {
		return old
	}
	// A copy of the name, which may lie in a larger buffer of the caller.
	key.name = strings.Clone(name)
	sh.m[key] = w
	sh.made.Add(1)
	sh.bytes += int(unsafe.Sizeof(*w)+unsafe.Sizeof(key)) + len(w.cands)*int(unsafe.Sizeof(workCand{})) + len(name) + 64
	return w
}

// need is how often a name must have been met before its work is kept:
// once, unless the work kept so far has served fewer than twice as many
// queries as names (once memoLearn names are kept), then twice. Keeping a
// name's work costs about two queries of it and saves most of each later
// one: in a file where names are met once or twice (customers mostly
// distinct, some with two accounts) it costs more than it saves, and the
// memo waits for a name's third query.
func (m *Memo) need() uint64 {
	if m.fixed {
		return 1
	}
	var made, used int64
	for i := range m.shards {
		made += m.shards[i].made.Load()
		used += m.shards[i].used.Load()
	}
	if made >= memoLearn && used < 2*made {
		return 2
	}
	return 1
}

// nameWork does the name-level work of screening name, of kind k, at
// threshold (see nameWork): as Screen does (ScreenAll when all is set),
// with the evidence bars at their lowest. Unless cold is set it returns
// nil when some part of the name lacks its near data.
func (ix *Index) nameWork(name string, k vigil.Kind, threshold float64, cold, all bool) *nameWork {
	s := ix.getScratch()
	defer ix.putScratch(s)
	s.all = all
	qp := ix.prepareQuery(name, k, s)
	if !cold {
		for _, e := range s.hood {
			if e == nil || e.near.Load() == nil {
				return nil
			}
		}
	}
	s.sims.reset(&qp)
	qOrg := queryOrg(k)
	// Every kind of evidence present: the most it can add, so the lowest
	// bars of any query.
	minEst, barMin := bars(threshold, evidence{hasDOB: true, nat: "-", gender: "-"}.maxBonus())
	s.setEvidence(evidence{}, threshold)
	s.pre.cut, s.pre.threshold = barMin, threshold
	keep := ix.candidates(&qp, s, minEst)
	w := &nameWork{all: !all && len(keep)+len(s.pre.dead) > candidatesScored}
	var last candWeight // the last form, in candBefore order, that may be offered
	below := make([]bool, len(keep))
	for i, c := range keep {
		below[i] = true
		if ix.nameBound(&qp, c.ni, s.sims, barMin) < barMin {
			continue
		}
		wc := workCand{f: c.ni, est: c.w}
		rep := &ix.names[ix.forms[c.ni]]
		var done [2]bool
		for _, ni := range ix.formNames[ix.formStart[c.ni]:ix.formStart[c.ni+1]] {
			k := b2i(ix.names[ni].orgFor(qOrg))
			if !done[k] {
				r := compare(qp, rep.p, k == 1, s.sims)
				wc.score[k], wc.common[k], done[k] = r.score, r.commonK, true
			}
		}
		// A form scoring below its bar may be left out: its entities'
		// best names and scores are the same without it (see Screen's
		// last test).
		if wc.may = max(wc.score[0], wc.score[1]) >= barMin; !wc.may {
			continue
		}
		below[i] = false
		if len(w.cands) == 0 || candBefore(last, c) < 0 {
			last = c
		}
		w.cands = append(w.cands, wc)
	}
	if w.all && len(w.cands) > 0 {
		// The others, the pre-bound's dead among them, may take places.
		n := len(w.cands)
		for i, c := range keep {
			if below[i] && candBefore(c, last) < 0 {
				w.cands = append(w.cands, workCand{f: c.ni, est: c.w})
			}
		}
		for _, c := range s.pre.dead {
			if candBefore(c, last) < 0 {
				w.cands = append(w.cands, workCand{f: c.ni, est: c.w})
			}
		}
		// Unless there are candidatesScored before the last form that
		// may be offered, none can be capped.
		if len(w.cands) <= candidatesScored {
			w.cands, w.all = w.cands[:n], false
		}
	}
	w.all = w.all && len(w.cands) > 0
	slices.SortFunc(w.cands, func(a, b workCand) int {
		return candBefore(candWeight{ni: a.f, w: a.est}, candWeight{ni: b.f, w: b.est})
	})
	w.cands = slices.Clip(w.cands)
	return w
}

// screenWork is Screen of q (with evidence ev, and no listed identity
// document, at threshold and limit) from w, the work of its name: w's forms pass the
// same bars and cap as in Screen, the entities of those whose score
// reaches their bar get their names' scores, and only the names of the
// matches returned are compared again, for their explanations.
func (ix *Index) screenWork(w *nameWork, q vigil.Query, ev evidence, threshold float64, limit int) []vigil.Match {
	s := ix.getScratch()
	defer ix.putScratch(s)
	s.resetBest()
	minEst, cut := bars(threshold, ev.maxBonus())
	hasEv := s.setEvidence(ev, threshold)
	// Screen's cap keeps the first candidatesScored forms, in candBefore
	// order, that pass the bars: w's forms are in that order.
	sel := s.keep[:0]
	n := 0
	for i := range w.cands {
		c := &w.cands[i]
		if c.est < minEst {
			break
		}
		var fb float64
		if hasEv {
			// candidates' bars, in its order.
			h := &ix.heads[c.f]
			if s.ev.ev.hasDOB && h.env.flags&envSlow == 0 && !s.ev.slow && c.est < s.minEstBase-float32(s.ev.dobUpper(h.env)) {
				continue
			}
			if c.est < s.minEstBase-float32(s.ev.bonusUpper(h.env)) {
				continue
			}
			fb = ix.formBonus(s, c.f)
			if c.est < s.minEstBase-float32(fb) {
				continue
			}
		}
		if c.may {
			sel = append(sel, candWeight{int32(i), c.est, fb})
		}
		if n++; w.all && n == candidatesScored {
			break
		}
	}
	s.keep = sel
	qOrg := queryOrg(q.Kind)
	for _, c := range sel {
		wc := &w.cands[c.ni]
		bar := cut
		if hasEv {
			bar = max(cut, max(0.5, threshold-c.bonus)-1e-9)
		}
		for _, ni := range ix.formNames[ix.formStart[wc.f]:ix.formStart[wc.f+1]] {
			nr := &ix.names[ni]
			k := b2i(nr.orgFor(qOrg))
			if sc := nr.nameScore(wc.score[k]); sc >= bar {
				s.offer(nr.entity, ni, &result{score: sc, commonK: wc.common[k]})
			}
		}
	}
	var qp prepared
	ready := false
	return ix.matches(s, ev, threshold, limit, cut, func(b *entBest) {
		if !ready {
			qp, ready = ix.prepareQuery(q.Name, q.Kind, s), true
			s.sims.reset(&qp)
		}
		nr := &ix.names[b.name]
		rep := &ix.names[ix.forms[ix.merge.nameForm[b.name]]]
		b.res = compare(qp, rep.p, nr.orgFor(qOrg), s.sims)
	})
}
