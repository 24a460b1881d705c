package match

import (
	"cmp"
	"math/bits"
	"slices"
	"unsafe"
)

// Heavy postings. A common query part (Mohammed, Kim, Rahman) retrieves
// thousands of forms, nearly all of which hold no other part of the query
// and fall short of the estimate: crediting and estimating them one by one,
// each in its own place in memory, was most of the cost of screening a name
// met afresh. Once such a part is hot, its heavy posting lists its forms
// once each, with the credit each gets, in a form-ordered table (to look
// one up) and a bitmap (to test one), and again grouped by credit, best
// first, each group in order of the form's unshared weight (to estimate
// them). candidates then defers the part: it credits it to the forms other
// parts touch, and of the forms it alone reaches weighs only those whose
// estimate can reach the bar: in each group a prefix, since the estimate
// of a form reached by one part falls as its weight grows, and no group
// past the first whose credit is below the cut; past the point where a
// contradicting birth year rules a form out, it passes over the forms
// whose birth years all contradict the query's without weighing them.

// heavyPost is a hot query part's heavy posting.
type heavyPost struct {
	// forms are the part's forms in order, cus their credit per unit of
	// the part's weight: creditUpper of the similarity of the best of
	// the form's parts the query part met (credit gives a form the
	// first, and met parts come best first).
	forms []int32
	cus   []float32
	// bits has bit f set for each form f of forms; rank[w] counts the
	// bits set in bits[:w], so that form f is forms[rank[f/64] + the bits
	// set below it in bits[f/64]].
	bits []uint64
	rank []int32
	// byCredit holds the forms again, grouped by credit (best first),
	// each group in order of nameW; groups are the bounds of each group.
	byCredit []postEnt
	groups   []postGroup
}

// postEnt is a form of a heavy posting with what the estimate reads of it
// (its head's nameW and envelope).
type postEnt struct {
	f     int32
	nameW float32
	env   evEnv
}

// postGroup is a run of a heavy posting's byCredit holding the forms
// credited cu per unit of weight.
type postGroup struct {
	cu     float32
	lo, hi int32
	// minW is the least nameW of the forms of this group and the later
	// ones.
	minW float32
}

// makeHeavy makes the heavy posting of a query part that met the listed
// parts met (best first). It sorts only within each credit's group: met
// parts come best first, so credit falls along them.
func (ix *Index) makeHeavy(met []metTok) *heavyPost {
	type ent struct {
		pe postEnt
		cu float32
	}
	n := 0
	for _, m := range met {
		n += len(ix.tokForms(m.id))
	}
	h := &heavyPost{bits: make([]uint64, (len(ix.forms)+63)/64)}
	// The forms in the order credit reaches them, each the first time
	// only: a form met through several listed parts keeps the credit of
	// the first, as credit gives it.
	all := make([]ent, 0, n)
	for _, m := range met {
		cu := float32(creditUpper(float64(m.sim)))
		for _, f := range ix.tokForms(m.id) {
			if h.has(int32(f)) {
				continue
			}
			h.bits[f>>6] |= 1 << (f & 63)
			hd := &ix.heads[f]
			all = append(all, ent{postEnt{int32(f), hd.nameW, hd.env}, cu})
		}
	}
	h.rank = make([]int32, len(h.bits))
	k := int32(0)
	for w, b := range h.bits {
		h.rank[w] = k
		k += int32(bits.OnesCount64(b))
	}
	h.forms, h.cus = make([]int32, len(all)), make([]float32, len(all))
	for _, x := range all {
		r := h.at(x.pe.f)
		h.forms[r], h.cus[r] = x.pe.f, x.cu
	}
	byCredit := func(a, b ent) int {
		return cmp.Or(cmp.Compare(b.cu, a.cu), cmp.Compare(a.pe.nameW, b.pe.nameW), cmp.Compare(a.pe.f, b.pe.f))
	}
	if !slices.IsSortedFunc(all, func(a, b ent) int { return cmp.Compare(b.cu, a.cu) }) {
		slices.SortFunc(all, byCredit) // met out of order: never so far
	}
	h.byCredit = make([]postEnt, len(all))
	for i, x := range all {
		if i == 0 || x.cu != all[i-1].cu {
			h.groups = append(h.groups, postGroup{cu: x.cu, lo: int32(i)})
		}
		h.groups[len(h.groups)-1].hi = int32(i + 1)
	}
	for _, g := range h.groups {
		grp := all[g.lo:g.hi]
		slices.SortFunc(grp, byCredit)
		for i, x := range grp {
			h.byCredit[int(g.lo)+i] = x.pe
		}
	}
	for i := len(h.groups) - 1; i >= 0; i-- {
		g := &h.groups[i]
		g.minW = h.byCredit[g.lo].nameW
		if i+1 < len(h.groups) {
			g.minW = min(g.minW, h.groups[i+1].minW)
		}
	}
	return h
}

// has reports whether form f is in the posting.
func (h *heavyPost) has(f int32) bool { return h.bits[f>>6]&(1<<(f&63)) != 0 }

// cu returns the credit per unit of weight of form f, which the posting
// must hold.
func (h *heavyPost) cu(f int32) float32 { return h.cus[h.at(f)] }

// at is the index in forms of form f, which the posting must hold.
func (h *heavyPost) at(f int32) int32 {
	w := f >> 6
	return h.rank[w] + int32(bits.OnesCount64(h.bits[w]&(1<<(f&63)-1)))
}

// size is about how many bytes the posting holds.
func (h *heavyPost) size() int64 {
	return int64(len(h.forms))*(4+4+int64(unsafe.Sizeof(postEnt{}))) + int64(len(h.bits))*(8+4) + int64(len(h.groups))*int64(unsafe.Sizeof(postGroup{}))
}

// heavySize is at least the size of a heavy posting of n forms (or
// fewer) of an index of forms forms.
func heavySize(n, forms int) int64 {
	return int64(n)*(4+4+int64(unsafe.Sizeof(postEnt{}))+int64(unsafe.Sizeof(postGroup{}))) + int64((forms+63)/64)*(8+4)
}

// heavyState is a part candidates defers: its posting, bit and weight.
type heavyState struct {
	post *heavyPost
	bit  uint32
	w    float32
}

// deferHeavy credits heavy posting h, of (pseudo-)part part weighing w, to
// the forms already touched and to those another deferred part reaches,
// and defers the rest (see heavyPost). It returns the most evidence a form
// has once the part is credited: also the part's best credit alone, which
// a form it alone reaches gets.
func (s *scratch) deferHeavy(h *heavyPost, part int32, w float32) float32 {
	bit := uint32(1) << (part - 1)
	top := float32(w * h.groups[0].cu)
	add := func(a *formAcc, f int32) {
		if a.mask&bit == 0 {
			a.mask |= bit
			a.c += float32(w * h.cu(f))
			top = max(top, a.c)
		}
	}
	for _, f := range s.touched {
		if h.has(f) {
			add(&s.acc[f], f)
		}
	}
	// The forms h shares with a deferred part: walk the smaller posting
	// of the two, testing the other's bitmap.
	for _, d := range s.heavy {
		walk, other := h, d.post
		if len(d.post.forms) < len(h.forms) {
			walk, other = d.post, h
		}
		for _, f := range walk.forms {
			if !other.has(f) {
				continue
			}
			a := &s.acc[f]
			if a.mask == 0 {
				s.touch(a, f)
			}
			add(a, f)
		}
	}
	s.heavy = append(s.heavy, heavyState{h, bit, w})
	return top
}

// deferredHas reports whether a deferred part reaches form f.
func (s *scratch) deferredHas(f int32) bool {
	for i := range s.heavy {
		if s.heavy[i].post.has(f) {
			return true
		}
	}
	return false
}

// touch records form f (accumulator a), untouched until now, as
// touched, with the credit of each deferred part that reaches it, in
// the order they were credited.
func (s *scratch) touch(a *formAcc, f int32) {
	s.touched = append(s.touched, f)
	s.tbits[f>>6] |= 1 << (f & 63)
	for i := range s.heavy {
		if d := &s.heavy[i]; d.post.has(f) {
			a.mask |= d.bit
			a.c += float32(d.w * d.post.cu(f))
		}
	}
}
