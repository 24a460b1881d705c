package match

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/vigil-screening/vigil/names"
)

// Scoring parameters. They were tuned on the development sets (see package
// eval) as a whole, never per row.
const (
	minPairSim     = 0.62 // below this two parts are not aligned
	extraQueryPers = 0.35 // weight of a query part the listed name lacks (persons)
	extraQueryOrg  = 0.8  // … (organisations: an added word often names another body)
	extraCandPers  = 0.15 // weight of a listed part the query lacks (persons)
	extraCandOrg   = 0.2  // … (organisations)
	legalMismatch  = 0.88 // factor when both names state different legal forms
	conflictWeight = 1.0  // weight of unaligned parts when both sides have some
	hanNear        = 0.8  // factor of near (not equal) spellings of a Chinese syllable
	initialSim     = 0.8  // similarity of an initial to a word it begins
)

// creditExp shapes how fast evidence falls with part similarity.
var creditExp = 1.5

// tagWeight is the base weight of a part by its tag.
var tagWeight = [...]float64{
	names.TagName:     1,
	names.TagTitle:    0,
	names.TagParticle: 0.2,
	names.TagStop:     0.05,
	names.TagLegal:    0.15,
	names.TagOrgWord:  0.45,
	names.TagInitial:  0.4,
	names.TagNumber:   0.4,
}

// commonNameParts are name parts so frequent that a shared one is weak
// evidence (canonical spellings). The index refines this with the real
// frequencies of its names.
var commonNameParts = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`mohammed ali ahmad ahmed abdullah abdallah hassan hussein khan
		ibrahim omar umar mahmoud mustafa yusuf youssef salem saleh khalid rahman abdul haji
		kim ri pak choe jong li wang zhang chen liu yang huang zhao wu zhou
		john james robert michael william david richard joseph thomas charles maria anna
		ivan sergei aleksandr vladimir nikolai andrei dmitry igor oleg
		jose juan carlos luis jorge antonio manuel francisco
		smith jones brown lee garcia martinez rodriguez lopez gonzalez hernandez ivanov petrov`) {
		m[w] = true
	}
	return m
}()

// prepared is a parsed name ready for scoring: its parts without titles, and
// each part's weight.
type prepared struct {
	full    string
	parts   []names.Part
	weights []float64
	// ids are the interned token ids of the parts of an indexed name (see
	// Index), so that a query can cache part similarities; nil elsewhere.
	ids    []uint32
	script string
	// merges are the runs of parts split merging may join (set for the
	// names of an Index and its queries, for nameBound).
	merges    []mergeCand
	longest   int  // the length of the longest Key (set by mergeCands)
	mergesSet bool // merges was set (queries set it when first needed)
}

// weigher gives a part's rarity factor (1 for rare, lower for common).
type weigher func(key string) float64

func builtinRarity(key string) float64 {
	if commonNameParts[key] {
		return 0.5
	}
	return 1
}

// prepare parses a name for scoring.
func prepare(full string, c names.Class, rarity weigher) prepared {
	ps := names.Parse(full, c)
	// Parse's slice is the query's own: the parts kept are moved down in
	// it rather than copied out.
	p := prepared{full: full, parts: ps[:0], weights: make([]float64, 0, len(ps))}
	allTitles := true
	for _, x := range ps {
		if x.Tag != names.TagTitle {
			allTitles = false
		}
	}
	for _, x := range ps {
		if x.Tag == names.TagTitle && !allTitles {
			continue
		}
		w := tagWeight[x.Tag]
		if x.Tag == names.TagTitle {
			w = 0.5
		}
		if x.Tag == names.TagName && rarity != nil {
			w *= rarity(x.Key)
		}
		p.parts = append(p.parts, x)
		p.weights = append(p.weights, w)
		if p.script == "" || p.script == "Latn" {
			p.script = x.Script
		}
	}
	return p
}

// pairing is one aligned pair of parts.
type pairing struct {
	q, c int // indexes into the (merged) parts
	sim  float64
	w    float64
}

// result is the outcome of comparing two names.
type result struct {
	score  float64
	pairs  []pairing
	q, c   prepared // after merges
	extraQ []int
	extraC []int
}

// partSimFloor is the similarity of two parts, 0..1, where only values at
// or above floor matter: below it, it may return any value under floor (0),
// skipping the edit distances when a letter count shows they cannot reach it.
func partSimFloor(a, b *names.Part, floor float64) float64 {
	return partSimHist(a, b, floor, nil, nil, false)
}

// partSimHist is partSimFloor with the letter histograms of a and b given
// (both, or neither). With upper set it returns instead an upper bound of
// partSimFloor that needs no edit distance of the words (the letter-count
// bound where those would run).
func partSimHist(a, b *names.Part, floor float64, ha, hb *partHist, upper bool) float64 {
	if a.Tag == names.TagLegal || b.Tag == names.TagLegal {
		if a.Tag == names.TagLegal && b.Tag == names.TagLegal {
			if a.Key == b.Key {
				return 1
			}
			return minPairSim
		}
		return 0
	}
	if a.Tag == names.TagNumber || b.Tag == names.TagNumber {
		if a.Key == b.Key {
			return 1
		}
		if a.Tag == b.Tag {
			// Another number in a series ("Fund IV" / "Fund V") is close.
			return 0.75
		}
		return 0
	}
	// Two words of a logographic or syllabic script compare on what was
	// written: 近平 and 近朋 romanise alike but are different names.
	if a.Script == b.Script && (a.Script == "Hani" || a.Script == "Hang") && a.Orig != b.Orig {
		return runeSim(a.Orig, b.Orig)
	}
	if a.Key == b.Key {
		return 1
	}
	if a.Tag == names.TagInitial || b.Tag == names.TagInitial {
		if a.Key[0] == b.Key[0] {
			return initialSim
		}
		return 0
	}
	// The phonetic-key evidence first: it is cheap.
	var sk float64
	if a.Skel != "" && a.Skel == b.Skel {
		if a.Abjad() != b.Abjad() && len(a.Skel) >= 3 {
			sk = 0.92
		} else if len(a.Skel) >= 3 && len(a.Key) >= 4 && len(b.Key) >= 4 {
			sk = 0.82
		}
	} else if a.Abjad() != b.Abjad() && len(a.Skel) >= 3 && len(b.Skel) >= 3 {
		sk = 0.95 * names.Similarity(a.Skel, b.Skel)
	}
	if a.Fold == b.Fold {
		if upper {
			return 1
		}
		return max(names.Similarity(a.Key, b.Key), 0.95, sk)
	}
	// A Chinese character romanises to one pinyin syllable: a syllable
	// spelt otherwise (cheng/chen, peng/deng) is most often another
	// character, so that near spellings count for less.
	if a.Script == "Hani" || b.Script == "Hani" {
		a2, b2 := *a, *b
		a2.Script, b2.Script = "Latn", "Latn"
		return hanNear * partSimHist(&a2, &b2, floor/hanNear, ha, hb, upper)
	}
	// Upper bounds of the two edit similarities from letter counts: when
	// neither can beat the floor or the phonetic evidence, skip them.
	var ub float64
	if ha != nil && hb != nil {
		ub = max(histBound(&ha.key, &hb.key, len(a.Key), len(b.Key)), histBound(&ha.fold, &hb.fold, len(a.Fold), len(b.Fold)))
	} else {
		ub = max(letterBound(a.Key, b.Key, false), letterBound(a.Fold, b.Fold, true))
	}
	if ub < floor && sk < floor {
		return 0
	}
	if ub <= sk {
		return sk
	}
	if upper {
		return ub
	}
	s := max(names.Similarity(a.Key, b.Key), sk)
	if f := names.VowelSimilarity(a.Fold, b.Fold); f > s {
		s = f
	}
	return s
}

// letterBound is an upper bound of Similarity(a, b) (of VowelSimilarity
// when vowels is set): every edit-free aligned letter pair is a shared
// letter, so the similarity is at most the size of the letters' multiset
// intersection over the longer length. With vowels, all vowels count as one
// letter (a vowel for a vowel costs only half an edit there).
func letterBound(a, b string, vowels bool) float64 {
	n := max(len(a), len(b))
	if n == 0 {
		return 1
	}
	var h [32]int16
	bin := func(c byte) byte { return letterBin(c, vowels) }
	for i := 0; i < len(a); i++ {
		h[bin(a[i])]++
	}
	inter := 0
	for i := 0; i < len(b); i++ {
		if c := bin(b[i]); h[c] > 0 {
			h[c]--
			inter++
		}
	}
	return float64(inter) / float64(n)
}

// letterBin is the histogram bin of a byte in letterBound: a-z (with
// vowels, every vowel in a's bin), then every other byte in a few shared
// bins (sharing a bin can only raise the bound).
func letterBin(c byte, vowels bool) byte {
	if c-'a' < 26 {
		if vowels && isVowelByte(c) {
			return 0
		}
		return c - 'a'
	}
	return 26 + c%6
}

// partHist holds a part's letter histograms: of its Key, and of its Fold
// with vowels binned together, for letterBound without re-counting. Each
// is 32 byte counts packed in four words, so that histBound can take the
// bytewise minimum of two at once.
type partHist struct {
	key, fold [4]uint64
	ok        bool // the counts fit (no word of 128 letters or more)
}

func (h *partHist) set(x *names.Part) {
	*h = partHist{ok: len(x.Key) < 128 && len(x.Fold) < 128}
	if !h.ok {
		return
	}
	for i := 0; i < len(x.Key); i++ {
		b := letterBin(x.Key[i], false)
		h.key[b/8] += 1 << (8 * (b % 8))
	}
	for i := 0; i < len(x.Fold); i++ {
		b := letterBin(x.Fold[i], true)
		h.fold[b/8] += 1 << (8 * (b % 8))
	}
}

// histBound is letterBound from histograms and lengths: the sum of the
// bytewise minimum of the counts (each below 128, so that a byte's top bit
// can hold the comparison) over the longer length.
func histBound(a, b *[4]uint64, la, lb int) float64 {
	n := max(la, lb)
	if n == 0 {
		return 1
	}
	const hi = 0x8080808080808080
	inter := 0
	for k := range a {
		x, y := a[k], b[k]
		ge := ((x | hi) - y) & hi >> 7 // 1 in each byte where x >= y
		m := ge * 0xff
		mn := y&m | x&^m
		// The bytes sum to at most 127: one multiply adds them all.
		inter += int(mn * 0x0101010101010101 >> 56)
	}
	return float64(inter) / float64(n)
}

func isVowelByte(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

func runeSim(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	n := max(len(ra), len(rb))
	if n == 0 {
		return 1
	}
	same := 0
	for i := 0; i < min(len(ra), len(rb)); i++ {
		if ra[i] == rb[i] {
			same++
		}
	}
	return float64(same) / float64(n)
}

// credit turns a part similarity into evidence: near-identical parts count
// fully, weaker ones fall off quickly.
func credit(s float64) float64 {
	if s >= 0.999 {
		return 1
	}
	return math.Pow(s, creditExp)
}

// simCache remembers part similarities within one query: candidate names
// share many parts. Rows for indexed tokens (the similarities of one listed
// part to every query part) are kept in per-query arenas, found through
// one slot per token id; other pairs are kept by the interned ids of both
// parts in a map.
type simCache struct {
	q     *prepared // the query the rows are for; nil: no rows
	epoch uint32
	// slot[id] holds the epoch of token id's rows (high half) and 1 + its
	// exact row's offset in rows (low half, 0: none yet); uslot the same
	// for its upper row in urows.
	slot, uslot []uint64
	rows        []float64
	// urows hold upper bounds of the rows (see urow).
	urows []float32
	m     map[uint64]float64
	qt    []tokInfo // summaries of the query's parts
	toks  []tokInfo // summaries of the index's tokens, by id
	// tokPart holds the index's tokens themselves, by id.
	tokPart []names.Part
	// mstamp and mhit cache mergeHit per token id (valid when the stamp
	// is the epoch).
	mstamp []uint32
	mhit   []bool
	// near[i] is the near list of query part i when the index has one
	// (see nearOf), else nil; nearOn when every part has one, so that
	// rows are read from them.
	near   [maxBoundParts][]nearTok
	nearOn bool
}

func newSimCache(toks []tokInfo, tokPart []names.Part) *simCache {
	n := len(toks)
	return &simCache{toks: toks, tokPart: tokPart,
		slot: make([]uint64, n), uslot: make([]uint64, n),
		m:      map[uint64]float64{},
		mstamp: make([]uint32, n), mhit: make([]bool, n),
	}
}

// reset readies the cache for a new query q.
func (sc *simCache) reset(q *prepared) {
	clear(sc.m)
	clear(sc.near[:])
	sc.nearOn = false
	sc.q = nil
	sc.rows, sc.urows = sc.rows[:0], sc.urows[:0]
	if len(q.parts) <= maxBoundParts {
		sc.q = q
		sc.qt = slices.Grow(sc.qt[:0], len(q.parts))[:len(q.parts)]
		for i := range q.parts {
			sc.qt[i].set(&q.parts[i])
		}
	}
	sc.epoch++
	if sc.epoch == 0 {
		clear(sc.slot)
		clear(sc.uslot)
		clear(sc.mstamp)
		sc.epoch = 1
	}
}

// row returns the similarities of listed part id to each part of the
// query, or nil when the cache holds no rows for it.
func (sc *simCache) row(id uint32) []float64 {
	if sc.q == nil || id == 0 || int(id) >= len(sc.slot) {
		return nil
	}
	n := len(sc.q.parts)
	r, fresh := arenaRow(sc.slot, &sc.rows, id, sc.epoch, n)
	if !fresh {
		return r
	}
	if sc.nearOn {
		// Every similarity from minPairSim up is in the near lists; any
		// other is as good as 0 to every caller.
		for i := range r {
			r[i] = 0
			l := sc.near[i]
			if k, ok := slices.BinarySearchFunc(l, id, func(t nearTok, id uint32) int { return cmp.Compare(t.id, id) }); ok {
				r[i] = l[k].sim
			}
		}
		return r
	}
	for i := range r {
		r[i] = sc.pairSim(i, id, false)
	}
	return r
}

// urow returns upper bounds of row(id) (float32, rounded up), cheaper to
// find (see partSimHist), or nil when the cache holds no rows for id.
func (sc *simCache) urow(id uint32) []float32 {
	if sc.q == nil || id == 0 || int(id) >= len(sc.uslot) {
		return nil
	}
	r, fresh := arenaRow(sc.uslot, &sc.urows, id, sc.epoch, len(sc.q.parts))
	if !fresh {
		return r
	}
	for i := range r {
		r[i] = roundUp32(sc.pairSim(i, id, true))
	}
	return r
}

// offerNear switches the rows to the near lists when every part of the
// query has one (see row).
func (sc *simCache) offerNear() {
	if sc.q == nil {
		return
	}
	for i := range sc.q.parts {
		if sc.near[i] == nil {
			return
		}
	}
	sc.nearOn = true
}

// pairSim is partSimHist(query part i, listed part id, minPairSim, …,
// upper), answered from the summaries when quickSim can.
func (sc *simCache) pairSim(i int, id uint32, upper bool) float64 {
	qi, c := &sc.qt[i], &sc.toks[id]
	if v, ok := quickSim(qi, c, minPairSim, upper); ok {
		return v
	}
	ha, hb := histPair(qi, c)
	return partSimHist(&sc.q.parts[i], &sc.tokPart[id], minPairSim, ha, hb, upper)
}

// arenaRow returns token id's row of n values in arena when slots[id]
// places one there for this epoch, else a fresh row appended to arena
// (fresh set) for the caller to fill.
func arenaRow[T float32 | float64](slots []uint64, arena *[]T, id, epoch uint32, n int) (r []T, fresh bool) {
	if v := slots[id]; uint32(v>>32) == epoch {
		off := int(uint32(v)) - 1
		return (*arena)[off : off+n], false
	}
	off := len(*arena)
	*arena = slices.Grow(*arena, n)[:off+n]
	slots[id] = uint64(epoch)<<32 | uint64(off+1)
	return (*arena)[off : off+n], true
}

// roundUp32 is the least float32 not below v.
func roundUp32(v float64) float32 {
	f := float32(v)
	if float64(f) < v {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// histPair returns the letter histograms of two summarised parts, or nils
// when either could not be counted.
func histPair(a, b *tokInfo) (*partHist, *partHist) {
	if !a.hist.ok || !b.hist.ok {
		return nil, nil
	}
	return &a.hist, &b.hist
}

// sim is partSimFloor(a, b, minPairSim), cached when both parts have ids.
func (sc *simCache) sim(a, b *names.Part, ida, idb uint32) float64 {
	if sc == nil || ida == 0 || idb == 0 {
		return partSimFloor(a, b, minPairSim)
	}
	k := uint64(ida)<<32 | uint64(idb)
	if s, ok := sc.m[k]; ok {
		return s
	}
	s := partSimFloor(a, b, minPairSim)
	sc.m[k] = s
	return s
}

func idAt(ids []uint32, i int) uint32 {
	if ids == nil {
		return 0
	}
	return ids[i]
}

// compare scores query name q against candidate name c, 0..1. sc, when not
// nil, caches part similarities across the candidates of one query.
func compare(q, c prepared, org bool, sc *simCache) result {
	q0 := q
	q, c = mergeSplits(q, c), mergeSplits(c, q)
	// The dense rows serve when q is the cache's query, unmerged.
	dense := sc != nil && sc.q != nil && len(q.parts) == len(sc.q.parts) && len(q.parts) > 0 && &q.parts[0] == &sc.q.parts[0] && &q0.parts[0] == &q.parts[0]
	type cand struct {
		i, j int
		s    float64
	}
	var buf [48]cand
	cands := buf[:0]
	var rbuf [maxBoundParts][]float64
	var rows [][]float64
	if dense && len(c.parts) <= len(rbuf) {
		rows = rbuf[:len(c.parts)]
		for j := range c.parts {
			rows[j] = sc.row(idAt(c.ids, j))
		}
	}
	for i := range q.parts {
		for j := range c.parts {
			var s float64
			if rows != nil && rows[j] != nil {
				s = rows[j][i]
			} else {
				s = sc.sim(&q.parts[i], &c.parts[j], idAt(q.ids, i), idAt(c.ids, j))
			}
			if s >= minPairSim {
				cands = append(cands, cand{i, j, s})
			}
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int {
		if a.s != b.s {
			return cmp.Compare(b.s, a.s)
		}
		// Ties go to the pair whose weights are larger, then whose
		// positions agree.
		wa := q.weights[a.i] + c.weights[a.j]
		wb := q.weights[b.i] + c.weights[b.j]
		if wa != wb {
			return cmp.Compare(wb, wa)
		}
		return cmp.Compare(abs(a.i-a.j), abs(b.i-b.j))
	})
	var ubuf [64]bool
	var usedQ, usedC []bool
	if len(q.parts)+len(c.parts) <= len(ubuf) {
		usedQ, usedC = ubuf[:len(q.parts)], ubuf[len(q.parts):len(q.parts)+len(c.parts)]
	} else {
		usedQ, usedC = make([]bool, len(q.parts)), make([]bool, len(c.parts))
	}
	r := result{q: q, c: c}
	for _, x := range cands {
		if usedQ[x.i] || usedC[x.j] {
			continue
		}
		usedQ[x.i], usedC[x.j] = true, true
		w := (q.weights[x.i] + c.weights[x.j]) / 2
		if q.parts[x.i].Tag == names.TagInitial || c.parts[x.j].Tag == names.TagInitial {
			// An initial is weak evidence however long the name it stands for.
			w = min(q.weights[x.i], c.weights[x.j])
		}
		r.pairs = append(r.pairs, pairing{q: x.i, c: x.j, sim: x.s, w: w})
	}
	truncated(&r, usedQ, usedC)
	acronyms(&r, usedQ, usedC)
	acronyms2(&r, usedC, usedQ)

	var num, den, matchedName float64
	onlyInitials := true
	for _, p := range r.pairs {
		num += p.w * credit(p.sim)
		den += p.w
		qt := q.parts[p.q].Tag
		if qt == names.TagName || qt == names.TagNumber {
			matchedName += p.w
		}
		if qt != names.TagInitial && qt != names.TagParticle && qt != names.TagStop && qt != names.TagLegal {
			onlyInitials = false
		}
	}
	var uq, uc float64
	for i, used := range usedQ {
		if !used {
			r.extraQ = append(r.extraQ, i)
			uq += q.weights[i]
		}
	}
	for j, used := range usedC {
		if !used {
			r.extraC = append(r.extraC, j)
			uc += c.weights[j]
		}
	}
	if den == 0 {
		return r
	}
	aq, ac := extraQueryPers, extraCandPers
	if org {
		aq, ac = extraQueryOrg, extraCandOrg
	}
	var pen float64
	if substantive(q, r.extraQ) && substantive(c, r.extraC) {
		pen = conflictWeight * (uq + uc)
	} else {
		pen = aq*uq + ac*uc
		// A series number only one side has marks another entity
		// ("Fund II").
		pen += (conflictWeight - aq) * tagged(q, r.extraQ, names.TagNumber)
		pen += (conflictWeight - ac) * tagged(c, r.extraC, names.TagNumber)
		// So does a syllable of a name written in Chinese characters or
		// Hangul: no syllable of a Chinese or Korean name is optional
		// (斌莉 is not 斌, 박유진 not 유진).
		pen += (conflictWeight - aq) * cjkParts(q, r.extraQ)
		pen += (conflictWeight - ac) * cjkParts(c, r.extraC)
	}
	r.score = num / (den + pen)
	for _, p := range r.pairs {
		if q.parts[p.q].Tag == names.TagLegal && c.parts[p.c].Tag == names.TagLegal && q.parts[p.q].Key != c.parts[p.c].Key {
			r.score *= legalMismatch
			break
		}
	}
	// Only particles, initials or generic words in common: weak at best.
	if len(r.extraQ)+len(r.extraC) > 0 && (onlyInitials || (matchedName == 0 && !allGeneric(c))) {
		r.score = min(r.score, 0.6)
	}
	return r
}

// substantive reports whether any of the parts idx carries a name's identity
// (not a particle, stopword or legal form).
func substantive(p prepared, idx []int) bool {
	for _, i := range idx {
		switch p.parts[i].Tag {
		case names.TagName, names.TagNumber, names.TagInitial, names.TagOrgWord:
			return true
		}
	}
	return false
}

// tagged sums the weights of the parts idx with tag t.
func tagged(p prepared, idx []int, t names.Tag) float64 {
	var w float64
	for _, i := range idx {
		if p.parts[i].Tag == t {
			w += p.weights[i]
		}
	}
	return w
}

// cjkParts sums the weights of the name parts idx written in Chinese
// characters or Hangul.
func cjkParts(p prepared, idx []int) float64 {
	var w float64
	for _, i := range idx {
		if x := &p.parts[i]; (x.Script == "Hani" || x.Script == "Hang") && x.Tag == names.TagName {
			w += p.weights[i]
		}
	}
	return w
}

// allGeneric reports whether a name consists only of generic words, so that
// matching them is all there is to match ("The World Bank").
func allGeneric(p prepared) bool {
	for _, x := range p.parts {
		if x.Tag == names.TagName {
			return false
		}
	}
	return true
}

// mergeSplits joins adjacent parts of a that together spell one part of b
// better than either does alone ("Patr ushev" → "patrushev").
func mergeSplits(a, b prepared) prepared {
	if len(a.parts) < 2 || len(b.parts) == 0 {
		return a
	}
	best := func(p *names.Part) float64 {
		m := 0.0
		for j := range b.parts {
			bp := &b.parts[j]
			if len(p.Key) == 0 || len(bp.Key) == 0 || abs(len(bp.Key)-len(p.Key)) > 3 || (bp.Key[0] != p.Key[0] && bp.Skel != p.Skel) {
				continue
			}
			m = max(m, partSimFloor(p, bp, minPairSim))
		}
		return m
	}
	// Only worth trying when a part of b is longer than every part of a.
	longest := 0
	for _, p := range a.parts {
		longest = max(longest, len(p.Key))
	}
	worth := false
	for _, p := range b.parts {
		if len(p.Key) > longest+1 {
			worth = true
		}
	}
	if !worth {
		return a
	}
	// The runs' spellings: from a.merges when set (mergeCands builds them
	// as below), else built here.
	runAt := func(i, n int) (*names.Part, byte, bool) {
		if a.mergesSet {
			for k := range a.merges {
				if r := &a.merges[k]; r.i == i && r.n == n {
					return &r.p, r.skel0, true
				}
			}
			return nil, 0, false // a number in the run, or no spelling
		}
		var key []byte
		for _, p := range a.parts[i : i+n] {
			if p.Tag == names.TagNumber {
				return nil, 0, false
			}
			key = append(key, p.Text...)
		}
		r := spellRun(key, a.parts[i].Script)
		if r.key == "" {
			return nil, 0, false
		}
		m := &r.p
		var skel0 byte
		if sk := a.parts[i].Skel; sk != "" {
			skel0 = sk[0]
		}
		return m, skel0, true
	}
	changed := false
	var out prepared
	// Only a run about as long as some part of b can spell it (see
	// nearPart; best asks the same of the merged spelling).
	near := b.nearPart
	for i := 0; i < len(a.parts); {
		merged := false
		for n := min(3, len(a.parts)-i); n >= 2; n-- {
			l := 0
			for _, p := range a.parts[i : i+n] {
				l += len(p.Text)
			}
			// Loosely first: a canonical spelling may change the length.
			if !near(l, 6, 0, 0) {
				continue
			}
			m, skel0, ok := runAt(i, n)
			if !ok || !near(len(m.Key), 3, m.Key[0], skel0) {
				continue
			}
			s := best(m)
			if s < 0.85 {
				continue
			}
			better := true
			for _, p := range a.parts[i : i+n] {
				if best(&p) >= s {
					better = false
				}
			}
			if !better {
				continue
			}
			if !changed {
				// The parts before the first merge, unchanged.
				out = prepared{full: a.full, script: a.script}
				out.parts = append(out.parts, a.parts[:i]...)
				out.weights = append(out.weights, a.weights[:i]...)
				if a.ids != nil {
					out.ids = append(out.ids, a.ids[:i]...)
				}
			}
			w := 0.0
			for _, x := range a.weights[i : i+n] {
				w = max(w, x)
			}
			out.parts = append(out.parts, *m)
			out.weights = append(out.weights, w)
			if a.ids != nil {
				out.ids = append(out.ids, 0)
			}
			i += n
			merged, changed = true, true
			break
		}
		if !merged {
			if changed {
				out.parts = append(out.parts, a.parts[i])
				out.weights = append(out.weights, a.weights[i])
				if a.ids != nil {
					out.ids = append(out.ids, a.ids[i])
				}
			}
			i++
		}
	}
	if !changed {
		return a
	}
	return out
}

// nearPart reports whether some part of p is about l letters long (within
// slack) and, when c is not 0, begins with c or with a letter of the
// consonant class skel: only then can a merged run be close to it.
func (p *prepared) nearPart(l, slack int, c, skel byte) bool {
	for j := range p.parts {
		bp := &p.parts[j]
		if abs(len(bp.Key)-l) > slack || bp.Key == "" {
			continue
		}
		if c == 0 || bp.Key[0] == c || (bp.Skel != "" && bp.Skel[0] == skel) {
			return true
		}
	}
	return false
}

// truncated aligns the query's last part, when unaligned, with an unaligned
// listed part it begins ("… BELKASSEM DR" ~ "… BELKASSEM DRISSI"): input
// cut short by a field limit.
func truncated(r *result, usedQ, usedC []bool) {
	i := len(r.q.parts) - 1
	if i < 1 || usedQ[i] || r.q.parts[i].Tag == names.TagLegal {
		return
	}
	k := r.q.parts[i].Text
	if len(k) < 2 {
		return
	}
	for j, p := range r.c.parts {
		if !usedC[j] && len(p.Text) > len(k) && strings.HasPrefix(p.Text, k) {
			usedQ[i], usedC[j] = true, true
			r.pairs = append(r.pairs, pairing{q: i, c: j, sim: 0.8, w: min(r.q.weights[i], r.c.weights[j])})
			return
		}
	}
}

// acronyms aligns an unaligned part of q that spells the initials of a run of
// unaligned parts of r.c ("PLA" ~ "People's Liberation Army", "JC" ~ "Jean
// Claude").
func acronyms(r *result, usedQ, usedC []bool) {
	for i, p := range r.q.parts {
		if usedQ[i] || len(p.Key) < 2 || len(p.Key) > 6 || (p.Tag != names.TagName && p.Tag != names.TagOrgWord) {
			continue
		}
		for j := 0; j+len(p.Key) <= len(r.c.parts); j++ {
			ok := true
			w := 0.0
			for k := 0; k < len(p.Key); k++ {
				cp := r.c.parts[j+k]
				if usedC[j+k] || cp.Text == "" || cp.Text[0] != p.Key[k] || cp.Tag == names.TagInitial || cp.Tag == names.TagLegal {
					ok = false
					break
				}
				w += r.c.weights[j+k]
			}
			if !ok {
				continue
			}
			usedQ[i] = true
			for k := 0; k < len(p.Key); k++ {
				usedC[j+k] = true
			}
			r.pairs = append(r.pairs, pairing{q: i, c: j, sim: 0.85, w: (r.q.weights[i] + w) / 2})
			break
		}
	}
}

// acronyms2 is acronyms with the roles of query and candidate swapped.
func acronyms2(r *result, usedC, usedQ []bool) {
	sw := result{q: r.c, c: r.q}
	acronyms(&sw, usedC, usedQ)
	for _, p := range sw.pairs {
		r.pairs = append(r.pairs, pairing{q: p.c, c: p.q, sim: p.sim, w: p.w})
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// describe renders the alignment of a result for an explanation.
func (r result) describe() string {
	var b strings.Builder
	sort.Slice(r.pairs, func(i, j int) bool { return r.pairs[i].c < r.pairs[j].c })
	for i, p := range r.pairs {
		if i > 0 {
			b.WriteString(", ")
		}
		qt, ct := r.q.parts[p.q].Text, r.c.parts[p.c].Text
		if qt == ct {
			fmt.Fprintf(&b, "%s=%s", qt, ct)
		} else {
			fmt.Fprintf(&b, "%s~%s %.2f", qt, ct, p.sim)
		}
	}
	if len(r.extraQ) > 0 {
		b.WriteString("; query only: ")
		for i, k := range r.extraQ {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(r.q.parts[k].Text)
		}
	}
	if len(r.extraC) > 0 {
		b.WriteString("; listed only: ")
		for i, k := range r.extraC {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(r.c.parts[k].Text)
		}
	}
	return b.String()
}
