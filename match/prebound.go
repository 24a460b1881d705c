package match

import (
	"cmp"
	"math"
	"slices"
	"sort"

	"github.com/vigil-screening/vigil/names"
)

// The pre-bound. Retrieval estimates are loose (they ignore compare's
// conflict rule), so that most forms retrieval keeps for a common name are
// bounded and turned away one by one, each bound reading the form's parts.
// When every part of a query has its near data (the parts of batch files,
// which repeat), a sound bound of every retrieved form's name score is
// found instead from what the data says the parts cover of the form,
// without reading the form, and forms that cannot reach their evidence bar
// are dropped before formBonus and nameBound. A form some alignment the
// data does not follow may reach (a split merge, an acronym of query
// parts, an identity document match) escapes the pre-bound and is
// weighed as before.

// nearTok is a listed part and its similarity to a query part.
type nearTok struct {
	id  uint32
	sim float64
}

// nearData is what is known of a hot query part.
type nearData struct {
	// list holds every listed part whose similarity to the query part
	// (simCache.row's value) reaches minPairSim, with that similarity.
	list []nearTok
	// cov[f] codes (covCode) the weight of form f's substantive parts
	// the query part may be aligned with: those of list, and the runs of
	// parts whose initials it spells (an acronym); 0 when none, at
	// least 1 when any part of f, substantive or not, may be aligned.
	cov []uint8
	// truncForms and truncCov are cov for the parts the query part
	// begins (compare's truncated last part), for the forms holding
	// such a part, in form order.
	truncForms []int32
	truncCov   []uint8
	// merges lists the forms holding a merge run (mergeCands) that
	// spells the query part as mergeSplits asks: split merging may apply.
	merges []int32
}

// covScale is how finely cov codes weights: code k stands for at most
// k/covScale.
const covScale = 32

// covCode codes weight w up, at least 1.
func covCode(w float64) uint8 {
	return uint8(min(255, max(1, math.Ceil(w*covScale))))
}

// covAdd adds the code of weight w to code c, saturating.
func covAdd(c uint8, w float64) uint8 {
	return uint8(min(255, int(c)+int(covCode(w))))
}

// makeNear makes the near data of query part x: scans of every listed
// part and of every form.
func (ix *Index) makeNear(x *names.Part) *nearData {
	var qi tokInfo
	qi.set(x)
	nd := &nearData{list: []nearTok{}}
	near := make([]bool, len(ix.toks))
	for id := 1; id < len(ix.toks); id++ {
		c := &ix.toks[id]
		if _, below := quickSim(&qi, c, minPairSim, false); below {
			continue
		}
		ha, hb := histPair(&qi, c)
		if v := partSimHist(x, &ix.tokPart[id], minPairSim, ha, hb, false); v >= minPairSim {
			nd.list = append(nd.list, nearTok{uint32(id), v})
			near[id] = true
		}
	}
	nd.cov = ix.coverage(near)
	// An acronym: x spelling the initials of a run of a form's parts.
	if n := len(x.Key); n >= 2 && n <= 6 && (x.Tag == names.TagName || x.Tag == names.TagOrgWord) {
		for f := range ix.forms {
			parts := ix.fParts[ix.fOff[f]:ix.fOff[f+1]]
			for j := 0; j+n <= len(parts); j++ {
				var w float64
				ok := true
				for k := 0; k < n && ok; k++ {
					t := &parts[j+k]
					ok = t.textLen > 0 && byte(t.text8) == x.Key[k] && t.tag != names.TagInitial && t.tag != names.TagLegal
					if substantiveTag(t.tag) {
						w += t.w
					}
				}
				if ok {
					nd.cov[f] = covAdd(nd.cov[f], w)
				}
			}
		}
	}
	// A truncated last part: the listed parts x begins.
	if len(x.Text) >= 2 && x.Tag != names.TagLegal {
		clear(near)
		any := false
		for id := 1; id < len(ix.toks); id++ {
			if t := &ix.toks[id]; longerPrefix(t.text8, t.textLen, x.Text, ix.tokPart[id].Text) {
				near[id], any = true, true
			}
		}
		if any {
			cov := ix.coverage(near)
			for f, c := range cov {
				if c != 0 {
					nd.truncForms = append(nd.truncForms, int32(f))
					nd.truncCov = append(nd.truncCov, c)
				}
			}
		}
	}
	nd.merges = ix.runsSpelling(x)
	return nd
}

// coverage codes, for every form, the weight of its substantive parts
// marked in near (at least 1 when it holds any marked part).
func (ix *Index) coverage(near []bool) []uint8 {
	cov := make([]uint8, len(ix.forms))
	for id, ok := range near {
		if !ok {
			continue
		}
		for _, f := range ix.tokForms(uint32(id)) {
			if cov[f] != 0 {
				continue
			}
			var w float64
			for _, p := range ix.fParts[ix.fOff[f]:ix.fOff[f+1]] {
				if near[p.id] && substantiveTag(p.tag) {
					w += p.w
				}
			}
			cov[f] = covCode(w)
		}
	}
	return cov
}

// listedRun is a merge run of a form's representative name.
type listedRun struct {
	form int32
	p    *names.Part
}

// mergeIndex finds the merge runs of the forms that may spell a query
// part, as mergeSplits asks of them before comparing: a Key at most 3
// letters longer or shorter, beginning with the same letter or with the
// same consonant skeleton. It also holds the listed parts an acronym of
// query parts may spell, and the form of every name.
type mergeIndex struct {
	runs     []listedRun // by first letter, then length of Key
	runSkel  map[string][]int32
	acronyms keyTable // acronymKey(Key) → parts an acronym of query parts may spell
	nameForm []int32  // the form of each indexed name
}

func keyOrder(a, b *names.Part) int {
	if c := cmp.Compare(a.Key[0], b.Key[0]); c != 0 {
		return c
	}
	return cmp.Compare(len(a.Key), len(b.Key))
}

func (ix *Index) buildMergeIndex() {
	mi := &mergeIndex{runSkel: map[string][]int32{}}
	for f, ni := range ix.forms {
		ms := ix.names[ni].p.merges
		for k := range ms {
			if ms[k].p.Key != "" {
				mi.runs = append(mi.runs, listedRun{int32(f), &ms[k].p})
			}
		}
	}
	slices.SortStableFunc(mi.runs, func(a, b listedRun) int { return keyOrder(a.p, b.p) })
	for k, r := range mi.runs {
		mi.runSkel[r.p.Skel] = append(mi.runSkel[r.p.Skel], int32(k))
	}
	var acr []keyID
	for id := 1; id < len(ix.tokPart); id++ {
		x := &ix.tokPart[id]
		if n := len(x.Key); n >= 2 && n <= 6 && (x.Tag == names.TagName || x.Tag == names.TagOrgWord) {
			acr = append(acr, keyID{acronymKey(x.Key), uint32(id)})
		}
	}
	mi.acronyms = newKeyTable(acr)
	mi.nameForm = make([]int32, len(ix.names))
	for f := range ix.forms {
		for _, ni := range ix.formNames[ix.formStart[f]:ix.formStart[f+1]] {
			mi.nameForm[ni] = int32(f)
		}
	}
	ix.merge = mi
}

// acronymKey is the key of the acronyms table for a Key k of 2 to 6 bytes:
// its bytes and length packed (one key per Key, no hashing to collide),
// multiplied by an odd constant (a bijection) so that keys spread over
// the table.
func acronymKey[T string | []byte](k T) uint64 {
	v := uint64(len(k))
	for i := 0; i < len(k); i++ {
		v |= uint64(k[i]) << (8 * (i + 1))
	}
	return v * 0x9e3779b97f4a7c15
}

// mergeClose is mergeSplits' test of a merged run p against a part bp.
func mergeClose(p, bp *names.Part) bool {
	if len(p.Key) == 0 || len(bp.Key) == 0 || abs(len(bp.Key)-len(p.Key)) > 3 || (bp.Key[0] != p.Key[0] && bp.Skel != p.Skel) {
		return false
	}
	return partSimFloor(p, bp, 0.85) >= 0.85
}

// runsSpelling returns the forms one of whose merge runs spells part x as
// mergeSplits asks (mergeSplits(c, q), x a part of q), in form order.
func (ix *Index) runsSpelling(x *names.Part) []int32 {
	mi := ix.merge
	if x.Key == "" {
		return nil
	}
	var out []int32
	// The runs beginning with x's letter, at most 3 letters longer or
	// shorter: a span of runs in keyOrder.
	before := func(l int) int {
		return sort.Search(len(mi.runs), func(k int) bool {
			p := mi.runs[k].p
			return p.Key[0] > x.Key[0] || (p.Key[0] == x.Key[0] && len(p.Key) >= l)
		})
	}
	lo, hi := before(len(x.Key)-3), before(len(x.Key)+4)
	for k := lo; k < hi; k++ {
		if mergeClose(mi.runs[k].p, x) {
			out = append(out, mi.runs[k].form)
		}
	}
	for _, k := range mi.runSkel[x.Skel] {
		if r := mi.runs[k]; r.p.Key[0] != x.Key[0] && mergeClose(r.p, x) {
			out = append(out, r.form)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// preState is a query's pre-bound: on when every part has near data.
type preState struct {
	on    bool
	parts [maxBoundParts]*nearData
	// cut and threshold are Screen's.
	cut, threshold float64
	// gen stamps esc and trunc for the current query: esc[f] == gen
	// when form f escapes; trunc[f]>>8 == gen when the truncated last
	// part covers f, trunc[f]&0xff coding what.
	gen   uint32
	esc   []uint32
	trunc []uint32
	// last is the index of the query part that may be truncated, or -1.
	last int
	// wq[i] and subst[i] are query part i's weight and whether it is
	// substantive.
	wq    [maxBoundParts]float64
	subst [maxBoundParts]bool
	dead  []candWeight
	// unweighed counts the forms of dead whose bonus is put off (see
	// settleDead).
	unweighed int
}

// preSetup readies the pre-bound for query qp (its evidence in s.ev,
// Screen's cut and threshold in s.pre) when every part has near data.
func (ix *Index) preSetup(s *scratch, qp *prepared) {
	p := &s.pre
	ev := &s.ev.ev
	p.on, p.dead, p.unweighed = false, p.dead[:0], 0
	if s.sims.q == nil || len(qp.parts) == 0 {
		return
	}
	for i := range qp.parts {
		if p.parts[i] == nil {
			return
		}
	}
	p.on = true
	if p.esc == nil {
		p.esc = make([]uint32, len(ix.forms))
		p.trunc = make([]uint32, len(ix.forms))
	}
	p.gen++
	if p.gen >= 1<<24 {
		clear(p.esc)
		clear(p.trunc)
		p.gen = 1
	}
	escape := func(fs []int32) {
		for _, f := range fs {
			p.esc[f] = p.gen
		}
	}
	nq := len(qp.parts)
	for i := range qp.parts {
		p.wq[i], p.subst[i] = qp.weights[i], substantiveTag(qp.parts[i].Tag)
		// A merge run of a form spelling this part.
		escape(p.parts[i].merges)
	}
	// A listed part spelling the initials of a run of query parts.
	var key [6]byte
	for i := range qp.parts {
		for n := 1; n <= 6 && i+n <= nq; n++ {
			x := &qp.parts[i+n-1]
			if x.Text == "" || x.Tag == names.TagInitial || x.Tag == names.TagLegal {
				break
			}
			key[n-1] = x.Text[0]
			if n < 2 {
				continue
			}
			for _, id := range ix.merge.acronyms.get(acronymKey(key[:n])) {
				for _, f := range ix.tokForms(id) {
					p.esc[f] = p.gen
				}
			}
		}
	}
	// An identity document brings its entities in whatever their names
	// score, with the name that scored: their forms are weighed as before.
	if ev.doc != "" {
		for _, e := range ix.docs[ev.doc] {
			for ni := ix.entStart[e]; ni < ix.entStart[e+1]; ni++ {
				p.esc[ix.merge.nameForm[ni]] = p.gen
			}
		}
	}
	// The last part, truncated.
	p.last = -1
	if i := nq - 1; i >= 1 && qp.parts[i].Tag != names.TagLegal && len(qp.parts[i].Text) >= 2 {
		p.last = i
		nd := p.parts[i]
		for k, f := range nd.truncForms {
			p.trunc[f] = p.gen<<8 | uint32(nd.truncCov[k])
		}
	}
}

// preBelow reports whether an upper bound of compare's score of the query
// against form f, either name class, is below bar; never for a form that
// escapes the pre-bound. Each query part the near data says may be
// aligned in f counts as aligned at full credit with its weight, and so
// does the weight the data says it covers of f's parts; every other part
// is unaligned, penalised as compare penalises it in each of its cases
// (see boundCase), and the best case is the bound. A pair's weight is the
// mean of its two parts' (or less), and its credit at most 1; compare's
// penalties are at least the persons' ones and its later caps only lower
// the score.
func (ix *Index) preBelow(s *scratch, f int32, bar float64) bool {
	p := &s.pre
	if p.esc[f] == p.gen {
		return false
	}
	var wc, uq, uqs float64
	var lh int
	for i, nd := range p.parts[:len(s.sims.q.parts)] {
		code := int(nd.cov[f])
		if i == p.last {
			if t := p.trunc[f]; t>>8 == p.gen {
				code += int(t & 0xff)
			}
		}
		if code != 0 {
			wc += p.wq[i]
			lh += code
		} else {
			uq += p.wq[i]
			if p.subst[i] {
				uqs += p.wq[i]
			}
		}
	}
	// The covered weight of f's substantive parts is at most lhs, the
	// uncovered at least lu (float32 rounds subst by less than 2^-24 of
	// it).
	h := &s.acc[f].formHead
	subst := float64(h.subst)
	covered := float64(lh) / covScale
	lhs := min(subst*(1+1e-6), covered)
	lu := max(0, subst*(1-1e-6)-covered)
	base := wc/2 + lhs/2 + float64(h.others)/2
	// base/(base+pen) < bar, case by case, without dividing.
	if base >= bar*(base+conflictWeight*(uq+lu)) {
		return false
	}
	if uqs == 0 && base >= bar*(base+extraQueryPers*uq+extraCandPers*lu) {
		return false
	}
	if lu == 0 && base >= bar*(base+extraQueryPers*uq) {
		return false
	}
	return true
}

// mayMergeQuery reports whether mergeSplits(q, c) might change the query,
// c the representative of form f (see nameBound).
func (ix *Index) mayMergeQuery(s *scratch, f int32) bool {
	long := int(s.acc[f].long)
	if long == 255 {
		long = int(ix.fLong[f])
	}
	return long > s.sims.q.longest+1 && s.sims.mergeInto(ix.fParts[ix.fOff[f]:ix.fOff[f+1]])
}
