package match

import (
	"hash/maphash"
	"math"
	"sync/atomic"

	"github.com/vigil-screening/vigil/names"
)

// Credits of the fixed similarities compare gives a truncated part and an
// acronym.
var (
	creditTruncated = credit(0.8)
	creditAcronym   = credit(0.85)
)

// maxBoundParts is the most parts a name may have for nameBound to bound it
// (longer names are always compared in full).
const maxBoundParts = 32

// nameBound returns an upper bound of compare(q, c, org, sc).score, c the
// representative name of form f, for either org, or 2 when it cannot bound the pair cheaply (a split merge may
// apply, or a name is too long). q must be the query sc was reset for.
//
// Why it is a bound: compare's score is num/(den+pen), a sum over aligned
// pairs of w·credit(sim) over a sum of their w plus penalties for unaligned
// parts, then only lowered (legal-form mismatch, weak-evidence cap). Split
// every pair's w = (wq+wc)/2 into a query half and a listed half: each part
// then contributes, paired, (w/2·credit, w/2) where credit is at most the
// best credit any partner offers it; unpaired, (0, α·w) with α the smallest
// penalty factor (persons'); a pair whose weight is cut to the smaller side
// (initials, truncation) scales both halves down, covered by the option
// (0, 0). The best ratio over every part's independent choice, which
// relaxes the one-to-one alignment, is at least the score; it is found
// exactly by Dinkelbach's iteration. compare's conflict rule splits the
// alignments into three cases (see boundCase), each relaxed alone: the
// largest of the three bounds is the bound.
//
// It tries first with upper bounds of the part similarities that need no
// edit distance, and only when that bound reaches cut with the exact ones.
// It reads form f from the index's compact per-form arrays (see formData).
func (ix *Index) nameBound(q *prepared, f int32, sc *simCache, cut float64) float64 {
	lo, hi := ix.fOff[f], ix.fOff[f+1]
	parts := ix.fParts[lo:hi]
	nq, nc := len(q.parts), len(parts)
	if nq > maxBoundParts || nc > maxBoundParts || sc.q != q {
		return 2
	}
	// Split merging, in either direction, is not bounded here.
	if cl := int(ix.fLong[f]); cl > q.longest+1 && sc.mergeInto(parts) {
		return 2
	} else if q.longest > cl+1 && q.keyLenIn(ix.fMerge[f]) && mayMerge(&ix.names[ix.forms[f]].p, q) {
		return 2
	}
	var bqa, bca [maxBoundParts]float64
	var zqa, zca [maxBoundParts]bool
	bq0, bc0, zq, zc := bqa[:nq], bca[:nc], zqa[:nq], zca[:nc]
	// truncated: the query's last part beginning a listed part.
	if i := nq - 1; i >= 1 && q.parts[i].Tag != names.TagLegal && len(q.parts[i].Text) >= 2 {
		k := q.parts[i].Text
		for j := range parts {
			p := &parts[j]
			if longerPrefix(p.text8, p.textLen, k, ix.tokPart[p.id].Text) {
				bq0[i], bc0[j] = max(bq0[i], creditTruncated), max(bc0[j], creditTruncated)
				zq[i], zc[j] = true, true
			}
		}
	}
	acronymsIntoForm(q, parts, bq0, bc0)
	acronymsFromForm(q, parts, bq0, bc0)
	// From near lists the exact rows cost no more than upper ones.
	if !sc.nearOn {
		b := creditBound(q, parts, sc, true, bq0, bc0, zq, zc, cut)
		if b < cut {
			return b
		}
	}
	return creditBound(q, parts, sc, false, bq0, bc0, zq, zc, cut)
}

// creditBound is nameBound's bound from the part similarities of the cache
// (their upper bounds, with upper), given the best credits and zero options
// the special alignments allow (bq0, bc0, zq, zc, read only). When cut > 0
// and the bound is below cut it may return any value from the bound up to
// (not including) cut: one pass at λ = cut decides that, where the exact
// bound takes several.
func creditBound(q *prepared, cparts []formPart, sc *simCache, upper bool, bq0, bc0 []float64, zq0, zc0 []bool, cut float64) float64 {
	nq, nc := len(q.parts), len(cparts)
	var bqa, bca [maxBoundParts]float64
	var zqa, zca [maxBoundParts]bool
	bq, bc, zq, zc := bqa[:nq], bca[:nc], zqa[:nq], zca[:nc]
	copy(bq, bq0)
	copy(bc, bc0)
	copy(zq, zq0)
	copy(zc, zc0)
	// The best similarity of each part first, credited once at the end
	// (credit is monotone).
	var sqa, sca [maxBoundParts]float64
	sq, sc2 := sqa[:nq], sca[:nc]
	for j := range cparts {
		id := cparts[j].id
		var row []float64
		var urow []float32
		if upper {
			urow = sc.urow(id)
		} else {
			row = sc.row(id)
		}
		if row == nil && urow == nil {
			return 2
		}
		cInit := cparts[j].tag == names.TagInitial
		for i := 0; i < nq; i++ {
			var s float64
			if upper {
				s = float64(urow[i])
			} else {
				s = row[i]
			}
			if s < minPairSim {
				continue
			}
			sq[i], sc2[j] = max(sq[i], s), max(sc2[j], s)
			if cInit || q.parts[i].Tag == names.TagInitial {
				zq[i], zc[j] = true, true
			}
		}
	}
	for i := 0; i < nq; i++ {
		if sq[i] > 0 {
			bq[i] = max(bq[i], creditUpper(sq[i]))
		}
	}
	for j := 0; j < nc; j++ {
		if sc2[j] > 0 {
			bc[j] = max(bc[j], creditUpper(sc2[j]))
		}
	}
	var psa [16]boundPart
	parts := psa[:0]
	if nq+nc > len(psa) {
		parts = make([]boundPart, 0, nq+nc)
	}
	for i := 0; i < nq; i++ {
		parts = append(parts, boundPart{w: q.weights[i], b: bq[i], z: zq[i], subst: substantiveTag(q.parts[i].Tag), query: true})
	}
	for j := range cparts {
		parts = append(parts, boundPart{w: cparts[j].w, b: bc[j], z: zc[j], subst: substantiveTag(cparts[j].tag)})
	}
	if cut > 0 {
		// max Σ(a − cut·b) < 0 exactly when the best ratio is below cut
		// (Dinkelbach): one pass per case decides it.
		pass := false
		for c := boundCase(0); c < numCases && !pass; c++ {
			num, den, ok := c.choose(parts, cut)
			pass = ok && num-cut*den >= 0
		}
		if !pass {
			// The bound is below cut; cut's predecessor is above it.
			return math.Nextafter(cut, 0)
		}
	}
	best := -1.0
	for c := boundCase(0); c < numCases; c++ {
		lam, feasible := 0.0, true
		for iter := 0; ; iter++ {
			if iter == 50 {
				return 2
			}
			num, den, ok := c.choose(parts, lam)
			if !ok {
				feasible = false
				break
			}
			if den == 0 {
				break
			}
			r := num / den
			if r <= lam {
				break
			}
			lam = r
		}
		if feasible {
			best = max(best, lam)
		}
	}
	return max(best, 0)
}

// boundPart is one part as creditBound weighs it: its weight, best credit
// (0: no partner), whether it may align at no weight (z), whether it is
// substantive (compare's conflict rule) and which side it is on (which
// sets its penalty factor when unaligned).
type boundPart struct {
	w, b            float64
	z, subst, query bool
}

// boundCase is one of the cases compare's penalty splits alignments into:
// no substantive query part unaligned (the query's penalty factor applies
// to the rest), no substantive listed part unaligned, or both sides
// keeping some, when every unaligned part counts in full (conflictWeight).
// Every alignment falls in one, so the largest of the cases' bounds bounds
// the score; each is tighter than one relaxation over all.
type boundCase int

const (
	caseQueryAligned boundCase = iota
	caseListedAligned
	caseConflict
	numCases
)

// choose picks each part's option maximising a − lam·b among paired
// (w/2·credit, w/2), unpaired (0, α·w; not for a substantive part the case
// has aligned) and, when z, (0, 0), and returns the sums; ok is false when
// some part has no option.
func (c boundCase) choose(parts []boundPart, lam float64) (num, den float64, ok bool) {
	for k := range parts {
		p := &parts[k]
		bestA, bestB, bestV := 0.0, 0.0, math.Inf(-1)
		if !p.subst || (c == caseQueryAligned) != p.query || c == caseConflict {
			alpha := extraCandPers
			if p.query {
				alpha = extraQueryPers
			}
			if c == caseConflict {
				alpha = conflictWeight
			}
			bestB, bestV = alpha*p.w, -lam*alpha*p.w
		}
		if p.z && bestV < 0 {
			bestA, bestB, bestV = 0, 0, 0
		}
		if p.b > 0 && p.w/2*(p.b-lam) > bestV {
			bestA, bestB, bestV = p.w/2*p.b, p.w/2, p.w/2*(p.b-lam)
		}
		if math.IsInf(bestV, -1) {
			return 0, 0, false
		}
		num += bestA
		den += bestB
	}
	return num, den, true
}

// substantiveTag reports whether a part of this tag carries a name's
// identity, as compare's substantive asks.
func substantiveTag(t names.Tag) bool {
	switch t {
	case names.TagName, names.TagNumber, names.TagInitial, names.TagOrgWord:
		return true
	}
	return false
}

// creditUpper is credit(s) or a hair above: s·√s for the usual exponent
// 1.5 is far cheaper than math.Pow and within an ulp or two of it.
func creditUpper(s float64) float64 {
	if s >= 0.999 {
		return 1
	}
	if creditExp == 1.5 {
		return s * math.Sqrt(s) * (1 + 1e-12)
	}
	return credit(s)
}

// acronymsIntoForm raises the best credits of the parts acronyms could
// align: a query part spelling the initials of a run of the form's parts.
func acronymsIntoForm(q *prepared, parts []formPart, bq, bc []float64) {
	for i := range q.parts {
		p := &q.parts[i]
		if len(p.Key) < 2 || len(p.Key) > 6 || (p.Tag != names.TagName && p.Tag != names.TagOrgWord) {
			continue
		}
		for j := 0; j+len(p.Key) <= len(parts); j++ {
			ok := true
			for k := 0; k < len(p.Key); k++ {
				t := &parts[j+k]
				if t.textLen == 0 || byte(t.text8) != p.Key[k] || t.tag == names.TagInitial || t.tag == names.TagLegal {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			bq[i] = max(bq[i], creditAcronym)
			for k := 0; k < len(p.Key); k++ {
				bc[j+k] = max(bc[j+k], creditAcronym)
			}
		}
	}
}

// acronymsFromForm is acronymsIntoForm the other way: a part of the form
// spelling the initials of a run of query parts.
func acronymsFromForm(q *prepared, parts []formPart, bq, bc []float64) {
	for j := range parts {
		t := &parts[j]
		n := int(t.keyLen)
		if n < 2 || n > 6 || (t.tag != names.TagName && t.tag != names.TagOrgWord) {
			continue
		}
		for i := 0; i+n <= len(q.parts); i++ {
			ok := true
			for k := 0; k < n; k++ {
				cp := &q.parts[i+k]
				if cp.Text == "" || cp.Text[0] != byte(t.key8>>(8*k)) || cp.Tag == names.TagInitial || cp.Tag == names.TagLegal {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			bc[j] = max(bc[j], creditAcronym)
			for k := 0; k < n; k++ {
				bq[i+k] = max(bq[i+k], creditAcronym)
			}
		}
	}
}

// mergeCand is a run of two or three adjacent parts that mergeSplits may
// join: their summed letters, the canonical spelling of the joined run and
// the first letter of the first part's consonant skeleton.
type mergeCand struct {
	l     int
	key   string
	skel0 byte
	// p is the part mergeSplits would build of the run; skelH the hash
	// of its Skel, as in tokInfo.
	p     names.Part
	skelH uint32
	// i and n place the run: parts[i:i+n].
	i, n int
	// info summarises p for mergeHit, or is nil until it is first needed
	// (a query's runs share it from the run cache).
	info *tokInfo
}

// setLongest sets p.longest.
func (p *prepared) setLongest() {
	p.longest = 0
	for i := range p.parts {
		p.longest = max(p.longest, len(p.parts[i].Key))
	}
}

// mergeSpan is the range of summed letters of a form's merge runs, packed
// (lo<<16 | hi), 0 when it has none: near in mayMerge first asks for a part
// of b about that long.
func mergeSpan(ms []mergeCand) uint32 {
	if len(ms) == 0 {
		return 0
	}
	lo, hi := ms[0].l, ms[0].l
	for _, m := range ms {
		lo, hi = min(lo, m.l), max(hi, m.l)
	}
	return uint32(min(lo, 0xffff))<<16 | uint32(min(hi, 0xffff))
}

// keyLenIn reports whether some part of q has a Key within 6 letters of the
// merge span (mergeSpan); false for an empty span.
func (q *prepared) keyLenIn(span uint32) bool {
	if span == 0 {
		return false
	}
	lo, hi := int(span>>16)-6, int(span&0xffff)+6
	if span&0xffff == 0xffff {
		hi = 1 << 30
	}
	for i := range q.parts {
		if l := len(q.parts[i].Key); l > 0 && l >= lo && l <= hi {
			return true
		}
	}
	return false
}

// mergeCands lists the runs of p that mergeSplits could join (and sets
// p.longest), in order of their first part, then length.
func mergeCands(p *prepared) []mergeCand { return mergeCandsVia(p, nil, nil) }

// mergeCandsVia is mergeCands taking each run's spelling from runs when
// not nil (the same for the same text and script), appending to out (a
// query's scratch buffer) when not nil. From runs it reads each run's
// slot, then the run the slot holds, then its spelling, in three passes
// over all the runs whose reads do not wait on one another, so that their
// cache misses overlap.
func mergeCandsVia(p *prepared, runs *runCache, out []mergeCand) []mergeCand {
	p.setLongest()
	// At most two runs begin at each part: one allocation.
	if out == nil && len(p.parts) > 1 {
		out = make([]mergeCand, 0, 2*len(p.parts)-3)
	}
	// Each run is parts[i:i+n], spelt text[lo:hi]; from runs, its slot,
	// what the slot held, and whether that may be it.
	type run struct {
		i, n, lo, hi int
		slot         *atomic.Pointer[mergeCand]
		m            *mergeCand
		may          bool
	}
	var rbuf [32]run
	var tbuf [192]byte
	rs, text := rbuf[:0], tbuf[:0]
	for i := range p.parts {
		lo := len(text)
		for n := 1; n <= 3 && i+n <= len(p.parts); n++ {
			x := &p.parts[i+n-1]
			if x.Tag == names.TagNumber {
				break
			}
			text = append(text, x.Text...)
			if n >= 2 {
				rs = append(rs, run{i: i, n: n, lo: lo, hi: len(text)})
			}
		}
	}
	if runs != nil {
		for j := range rs {
			r := &rs[j]
			r.slot = runs.slot(text[r.lo:r.hi])
			r.m = r.slot.Load()
		}
		for j := range rs {
			r := &rs[j]
			r.may = r.m != nil && len(r.m.p.Text) == r.hi-r.lo
		}
		for j := range rs {
			r := &rs[j]
			r.may = r.may && (r.hi == r.lo || r.m.p.Text[0] == text[r.lo])
		}
	}
	for _, r := range rs {
		k, script := text[r.lo:r.hi], p.parts[r.i].Script
		var m mergeCand
		if script == "Arab" {
			// Spelt with its Arabic letters, which the cache (keyed by
			// the Latin text) does not hold.
			m = spellArabRun(k, p.parts[r.i:r.i+r.n])
		} else if runs != nil {
			if !r.may || r.m.p.Text != string(k) || r.m.p.Script != script {
				r.m = runs.spell(r.slot, k, script)
			}
			m = *r.m
		} else {
			m = spellRun(k, script)
		}
		if m.key == "" {
			continue
		}
		m.i, m.n = r.i, r.n
		if sk := p.parts[r.i].Skel; sk != "" {
			m.skel0 = sk[0]
		}
		out = append(out, m)
	}
	return out
}

// spellArabRun is spellRun of a run of parts ps written in Arabic
// script, spelt k, carrying their Arabic letters as its Orig (see
// names.ArabicRun) so that it compares with Latin words by its letters.
func spellArabRun(k []byte, ps []names.Part) mergeCand {
	m := spellRun(k, "Arab")
	if m.key != "" {
		if orig := names.ArabicRun(ps); orig != "" {
			m.p.Orig = orig
		}
		m.info = new(tokInfo)
		m.info.set(&m.p)
	}
	return m
}

// spellRun is the merge run spelt k, first written in script: what
// mergeSplits builds of it (key "" when it spells nothing).
func spellRun(k []byte, script string) mergeCand {
	t := string(k)
	m := mergeCand{l: len(k), key: names.Canonical(t)}
	if m.key == "" {
		return m
	}
	fold := names.Fold(m.key)
	m.p = names.Part{Word: names.Word{Text: t, Orig: t, Script: script}, Key: m.key, Tag: names.TagName, Fold: fold, Skel: names.SkeletonOfFold(fold)}
	m.skelH = uint32(maphash.String(tokSeed, m.p.Skel))
	return m
}

// runCache remembers spellRun across queries: the runs of a batch's
// names (a given name and a surname run together) repeat. It is a
// direct-mapped table: a run lives in the slot its hash picks until
// another run takes the slot, so it is bounded, and read without a lock.
// A hand-written table rather than a map: a query looks up several runs,
// and a map's lookup, under its lock, cost more than spelling the run
// when the runs no longer fit in the processor's caches.
type runCache struct {
	seed  maphash.Seed
	slots [runSlots]atomic.Pointer[mergeCand]
}

// runSlots is the size of runCache, as many runs as the sharded map it
// replaced held: about 50 MB at most.
const runSlots = 1 << 17

// slot returns the slot of the run spelt k.
func (c *runCache) slot(k []byte) *atomic.Pointer[mergeCand] {
	return &c.slots[maphash.Bytes(c.seed, k)%runSlots]
}

// spell is spellRun, with its summary (see mergeCand.info), remembered in
// slot, the slot of k. What it returns must not be changed.
func (c *runCache) spell(slot *atomic.Pointer[mergeCand], k []byte, script string) *mergeCand {
	m := new(mergeCand)
	*m = spellRun(k, script)
	if m.key == "" {
		m.p.Text = string(k) // kept for runs that spell nothing, too
	}
	m.p.Script = script
	if m.key != "" {
		m.info = new(tokInfo)
		m.info.set(&m.p)
	}
	slot.Store(m)
	return m
}

// forget empties the cache.
func (c *runCache) forget() {
	for i := range c.slots {
		c.slots[i].Store(nil)
	}
}

// mayMerge reports whether mergeSplits(a, b) might change a: it checks the
// conditions mergeSplits asks of a run before comparing it (a.merges must
// be set by mergeCands).
func mayMerge(a, b *prepared) bool {
	if len(a.parts) < 2 || len(b.parts) == 0 {
		return false
	}
	if b.longest <= a.longest+1 {
		return false
	}
	near := b.nearPart
	for i := range a.merges {
		m := &a.merges[i]
		if !near(m.l, 6, 0, 0) || !near(len(m.key), 3, m.key[0], m.skel0) {
			continue
		}
		// mergeSplits joins a run only when it spells a part of b at
		// least 0.85 alike.
		for j := range b.parts {
			if mergeClose(&m.p, &b.parts[j]) {
				return true
			}
		}
	}
	return false
}

// mergeInto reports whether mergeSplits(q, c) might change the query q
// the cache was reset for, c the form whose parts are parts: whether a run
// of q's parts spells one of them at least 0.85 alike. A part no run is
// about as long as, beginning or sounding alike, is passed over at once;
// the others are checked once per query (see mergeHit).
func (sc *simCache) mergeInto(parts []formPart) bool {
	q := sc.q
	if len(q.parts) < 2 || len(parts) == 0 {
		return false
	}
	if !q.mergesSet {
		q.merges, q.mergesSet = mergeCands(q), true
	}
	if len(q.merges) == 0 {
		return false
	}
	for j := range parts {
		p := &parts[j]
		if !p.slow && !q.mergeMay(p.keyLen, byte(p.key8), p.skelH) {
			continue
		}
		if sc.mergeHit(p.id) {
			return true
		}
	}
	return false
}

// mergeMay reports whether some merge run of q is about as long as a part
// whose Key is keyLen long and begins with c, and begins with c or sounds
// alike (skelH): mergeHit's first test.
func (q *prepared) mergeMay(keyLen uint8, c byte, skelH uint32) bool {
	for i := range q.merges {
		m := &q.merges[i]
		if keyLen == 0 || abs(int(keyLen)-len(m.p.Key)) > 3 || (c != m.p.Key[0] && skelH != m.skelH) {
			continue
		}
		return true
	}
	return false
}

// mergeHit reports whether a merge run of the query spells listed part id
// at least 0.85 alike, as mergeSplits asks, caching the answer per query.
func (sc *simCache) mergeHit(id uint32) bool {
	if int(id) >= len(sc.mstamp) {
		return true
	}
	if sc.mstamp[id] == sc.epoch {
		return sc.mhit[id]
	}
	t := &sc.toks[id]
	hit := t.slow // too long to summarise: assume so
	for i := 0; i < len(sc.q.merges) && !hit; i++ {
		m := &sc.q.merges[i]
		// As mergeSplits asks, from the summary: a Key about as long,
		// beginning alike or sounding alike.
		if t.keyLen == 0 || abs(int(t.keyLen)-len(m.p.Key)) > 3 || (byte(t.key8) != m.p.Key[0] && t.skelH != m.skelH) {
			continue
		}
		if m.info == nil {
			m.info = new(tokInfo)
			m.info.set(&m.p)
		}
		if mergeBelow(m.info, t) {
			continue
		}
		hit = partSimFloor(&m.p, &sc.tokPart[id], 0.85) >= 0.85
	}
	sc.mstamp[id], sc.mhit[id] = sc.epoch, hit
	return hit
}

// mergeBelow reports, from the summaries alone, that partSimFloor of a
// merged run (summary m, a name part) and a listed part (t) is below 0.85,
// as it is unless their Keys or Folds are equal, they are words of one
// logographic or syllabic script, their consonant skeletons may bring it
// up (one written in an abjad, the other not), or their letter counts
// allow an edit similarity that high (see partSimHist).
func mergeBelow(m, t *tokInfo) bool {
	switch {
	case m.slow || t.slow, m.keyH == t.keyH, m.foldH == t.foldH,
		m.logo != 0 && m.logo == t.logo,
		m.arab && t.latin || m.latin && t.arab,
		m.logo != 0 && t.latin || m.latin && t.logo != 0,
		m.abjad != t.abjad && m.skLen >= 3 && t.skLen >= 3:
		return false
	case t.tag == names.TagLegal || t.tag == names.TagNumber || t.tag == names.TagInitial,
		m.logo == 1 || t.logo == 1:
		// 0, 0.75 or 0.8, or at most hanNear times a similarity.
		return true
	}
	return max(histBound(&m.hist.key, &t.hist.key, int(m.keyLen), int(t.keyLen)), histBound(&m.hist.fold, &t.hist.fold, int(m.foldLen), int(t.foldLen))) < 0.85
}
