package match

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

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
	// patronymicWeight is the factor of the weight of a patronymic.
	patronymicWeight = 0.3
	// initialBonus is the most an initial aligned to a word may add to
	// the score the name has without it.
	initialBonus = 0.05
	// commonExtra is the weight an unaligned part reaches when the parts
	// both names share are as common as names get (see commonness).
	commonExtra = 0.55
	// commonFloor is the least weight of an unaligned name part when the
	// shared parts are as common as names get (see floorGap).
	commonFloor = 0.7
	// oneWordFactor is the factor of the score of a person's name that
	// agrees with the other in one word only, the other words of either
	// unaccounted for.
	oneWordFactor = 0.8
	// binSwapFactor is the factor of the score of names aligned across
	// their bin (see binCrossed).
	binSwapFactor = 0.7
	// skelSpelling is the least spellingNear of two Latin words whose
	// shared consonant skeleton makes them near (see partSimCore).
	skelSpelling = 0.75
	// genderedSim caps the similarity of two given names of opposite
	// genders (Maria/Mario): below minPairSim, so never aligned.
	genderedSim = 0.55
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
	r := worldRarity(key)
	if commonNameParts[key] {
		r = min(r, 0.5)
	}
	return r
}

// worldRarity is a name part's weight factor from how common it is in the
// world (see names.Commonness): 1 for a share of one in 100,000 or less,
// down to 0.5 for one in a hundred or more, on a log scale.
func worldRarity(key string) float64 {
	g, s := names.Commonness(key)
	share := max(g, s)
	if share <= 1e-5 {
		return 1
	}
	return 1 - 0.5*min(1, math.Log10(share/1e-5)/3)
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
		// A patronymic (Vladimirovich) is a middle name often left out,
		// and weak evidence where given.
		if patronymic(&x) {
			w *= patronymicWeight
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
	// common lists the query parts of the pairs whose names are common
	// in the world (see commonness), for the explanation, when their
	// commonness raised the penalty of the unaligned parts.
	common []int
	// commonK is the commonness of everything the names share (see
	// commonness), which decides how much a date of birth the listing
	// cannot confirm costs (see unverifiedDOB).
	commonK float64
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
	s := partSimCore(a, b, floor, ha, hb, upper)
	// Near spellings of given names of opposite genders are different
	// names (Maria/Mario, Antonia/Antonio, Daniel/Danielle). Upper bounds
	// need not know it.
	if !upper && s >= floor && s < 1 && gendered(a, b) {
		return min(s, genderedSim)
	}
	return s
}

// partSimCore is partSimHist without the gendered-names cap.
func partSimCore(a, b *names.Part, floor float64, ha, hb *partHist, upper bool) float64 {
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
	// A particle (al, de, le) is another word than a longer name that
	// begins with it: آل (the family of) is not Ali, Le not Lee. (A
	// particle read from another script may not be known as one: アル.)
	if particleInName(a, b) || particleInName(b, a) {
		return 0
	}
	// Two words of a logographic or syllabic script compare on what was
	// written: 近平 and 近朋 romanise alike but are different names.
	if a.Script == b.Script && (a.Script == "Hani" || a.Script == "Hang") && a.Orig != b.Orig {
		return runeSim(a.Orig, b.Orig)
	}
	if s, ok := hanSim(a, b, floor, upper); ok {
		return s
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
	// A word written in Arabic script, or a Hangul syllable, against a
	// Latin one: what was written against the Latin spelling, exactly (in
	// upper mode too).
	if s, ok := abjadSim(a, b, floor); ok {
		return s
	}
	if s, ok := hangulSim(a, b); ok {
		return s
	}
	// The phonetic-key evidence first: it is cheap.
	var sk float64
	if a.Skel != "" && a.Skel == b.Skel {
		if a.Abjad() != b.Abjad() && len(a.Skel) >= 3 {
			sk = 0.92
		} else if len(a.Skel) >= 3 && len(a.Key) >= 4 && len(b.Key) >= 4 && (upper || a.Script != b.Script || spellingNear(a, b) >= skelSpelling) {
			// Two spellings in one script sharing a skeleton are one name's
			// romanisations when their letters are near as well
			// (Hossein, Husayn); Garcia and Coric, Moreno and Mariano
			// share one by chance. Upper bounds need not know it.
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
		return hanNear * partSimCore(&a2, &b2, floor/hanNear, ha, hb, upper)
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

// abjadSim compares a part written in Arabic or Hebrew script or in kana
// with a Latin one by
// names.AbjadSimilarity (at most 0.95: another spelling, as a fold is),
// answering from names.AbjadUpper when that is below floor; ok is false
// for any other pair.
func abjadSim(a, b *names.Part, floor float64) (float64, bool) {
	if a.Script == "Latn" {
		a, b = b, a
	}
	if b.Script != "Latn" || !names.LetterScript(a.Script) {
		return 0, false
	}
	// A bound from letter sets first: below floor, any value under floor
	// serves (exact or upper mode alike).
	if ub := names.AbjadUpper(a.Word, b.Key); ub < floor {
		return ub, true // below 1: the word was read from Arabic letters
	}
	sim, ok := names.AbjadSimilarityOf(a.Word, b.Key)
	if !ok {
		return 0, false
	}
	return min(0.95, sim), true
}

// hanSim compares a part written in Chinese characters with a Latin one
// on the pinyin as spelt, not on canonical spellings (which merge the
// Korean surname's Li, Yi and Ri: 李 li is not 易 yi). A single
// character is one syllable: a Latin word of more letters than its pinyin
// and one more is another name (徐 Xu is not Xutong). A near spelling
// counts hanNear of its similarity (see partSimHist). ok is false for any
// other pair; the value is exact in upper mode too.
func hanSim(a, b *names.Part, floor float64, upper bool) (float64, bool) {
	if a.Script == "Latn" {
		a, b = b, a
	}
	if b.Script != "Latn" || a.Script != "Hani" || a.Tag != names.TagName || b.Tag != names.TagName {
		return 0, false
	}
	if a.Text == b.Text {
		return 1, true
	}
	if utf8.RuneCountInString(a.Orig) == 1 && len(b.Text) > len(a.Text)+1 {
		return 0, true
	}
	spelt := func(x *names.Part) names.Part {
		y := *x
		y.Script, y.Key, y.Fold = "Latn", x.Text, names.Fold(x.Text)
		y.Skel = names.SkeletonOfFold(y.Fold)
		return y
	}
	a2, b2 := spelt(a), spelt(b)
	return hanNear * partSimCore(&a2, &b2, floor/hanNear, nil, nil, false), true
}

// hangulSim compares a part read from one Hangul syllable with a Latin one
// by names.HangulSimilarity (at most 0.95, as abjadSim); ok is false for
// any other pair.
func hangulSim(a, b *names.Part) (float64, bool) {
	if a.Script == "Latn" {
		a, b = b, a
	}
	if b.Script != "Latn" || a.Script != "Hang" {
		return 0, false
	}
	r, n := utf8.DecodeRuneInString(a.Orig)
	if n != len(a.Orig) {
		return 0, false
	}
	s, ok := names.HangulSimilarity(r, b.Text)
	return min(0.95, s), ok
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

	r.score = tally(&r, r.pairs, usedQ, usedC, org, true)
	if org || r.score == 0 {
		return r
	}
	r.commonK, _ = commonness(&r, r.pairs)
	// Arabic names chain a person's name to the father's with bin (ibn,
	// ben): "Salman bin Muhammad" is Muhammad's son, "Muhammad bin
	// Salman" Salman's. Names aligned across the bin of both are another
	// person.
	if binCrossed(&r) {
		r.score *= binSwapFactor
	}
	// An initial may corroborate a name that otherwise matches, never
	// stand in for a word that is missing ("Karl Berg" is not "Anna K.
	// Berg"): when, without the initials aligned to words, both names
	// keep a word the other lacks (Karl, Anna), the name is scored again
	// that way and may score at most initialBonus more ("V. Putin" is
	// Vladimir Putin: nothing is left over).
	var keep []pairing
	for _, p := range r.pairs {
		if (q.parts[p.q].Tag == names.TagInitial) != (c.parts[p.c].Tag == names.TagInitial) {
			if keep == nil {
				keep = make([]pairing, 0, len(r.pairs))
				uq2 := make([]bool, len(usedQ)+len(usedC))
				copy(uq2, usedQ)
				copy(uq2[len(usedQ):], usedC)
				usedQ, usedC = uq2[:len(usedQ)], uq2[len(usedQ):]
			}
			// The initial's side keeps it out of the tally (used, no
			// pair); the word's side has it unaligned.
			if q.parts[p.q].Tag == names.TagInitial {
				usedC[p.c] = false
			} else {
				usedQ[p.q] = false
			}
			continue
		}
		keep = append(keep, p)
	}
	if keep != nil && len(keep) < len(r.pairs) && unalignedWord(q, usedQ) && unalignedWord(c, usedC) {
		var r2 result
		r2.q, r2.c = q, c
		if s2 := tally(&r2, keep, usedQ, usedC, org, false); s2+initialBonus < r.score {
			r.score = s2 + initialBonus
		}
	}
	// One word carrying the match: a surname-only or given-name-only
	// agreement, the other words of either name unaccounted for, is not
	// a match ("Mateo Rodriguez" is not the one-word alias "MATEO").
	words := 0
	for _, p := range r.pairs {
		if substantiveTag(q.parts[p.q].Tag) && q.parts[p.q].Tag != names.TagInitial && c.parts[p.c].Tag != names.TagInitial {
			words++
		}
	}
	if words == 1 && (substantive(q, r.extraQ) || substantive(c, r.extraC)) {
		r.score *= oneWordFactor
	}
	return r
}

// unalignedWord reports whether a part of p not marked used is a word
// carrying the name's identity (not an initial).
func unalignedWord(p prepared, used []bool) bool {
	for i, u := range used {
		if t := p.parts[i].Tag; !u && substantiveTag(t) && t != names.TagInitial {
			return true
		}
	}
	return false
}

// binCrossed reports whether r aligns the name before a bin (ibn, ben) of
// one name with the name after a bin of the other.
func binCrossed(r *result) bool {
	bq, bc := binAt(r.q), binAt(r.c)
	if bq < 1 || bc < 1 {
		return false
	}
	for _, p := range r.pairs {
		if p.q == bq-1 && p.c == bc+1 || p.q == bq+1 && p.c == bc-1 {
			return true
		}
	}
	return false
}

// binAt is the index of the first bin (ibn, ben) of p that has a part on
// either side, or -1.
func binAt(p prepared) int {
	for i := 1; i+1 < len(p.parts); i++ {
		if p.parts[i].Key == "bin" && p.parts[i].Tag == names.TagParticle {
			return i
		}
	}
	return -1
}

// tally scores the alignment pairs of names r.q and r.c (usedQ and usedC
// mark the parts aligned, or left out) as compare does: the pairs' credit
// over their weight and the penalties of the parts unaligned. With record
// it sets r.extraQ, r.extraC and r.common for the explanation.
func tally(r *result, pairs []pairing, usedQ, usedC []bool, org, record bool) float64 {
	q, c := r.q, r.c
	var num, den, matchedName float64
	onlyInitials := true
	for _, p := range pairs {
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
	var exq, exc []int
	// Patronymics unaligned on both sides are two fathers' names: they
	// weigh in full (prepare weighs them patronymicWeight).
	patW := 1.0
	if unalignedPatronymic(q, usedQ) && unalignedPatronymic(c, usedC) {
		patW = 1 / patronymicWeight
	}
	// A patronymic only one name holds (Vladimirovich) is a middle name
	// that is often left out: it does not make the match one of a name
	// inside a longer one (see commonness); nor does an initial.
	patQ, patC := true, true
	for i, used := range usedQ {
		if !used {
			exq = append(exq, i)
			w := q.weights[i]
			if patronymic(&q.parts[i]) {
				w *= patW
			} else if t := q.parts[i].Tag; substantiveTag(t) && t != names.TagInitial {
				patQ = false
			}
			uq += w
		}
	}
	for j, used := range usedC {
		if !used {
			exc = append(exc, j)
			w := c.weights[j]
			if patronymic(&c.parts[j]) {
				w *= patW
			} else if t := c.parts[j].Tag; substantiveTag(t) && t != names.TagInitial {
				patC = false
			}
			uc += w
		}
	}
	if record {
		r.extraQ, r.extraC = exq, exc
	}
	if den == 0 {
		return 0
	}
	aq, ac := extraQueryPers, extraCandPers
	if org {
		aq, ac = extraQueryOrg, extraCandOrg
	}
	var pen float64
	subQ, subC := substantive(q, exq), substantive(c, exc)
	if subQ && subC {
		pen = conflictWeight * (uq + uc)
	} else {
		if !org && (subQ && !patQ || subC && !patC) {
			// One name holds the other and more: how much the shared
			// part says depends on how common it is in the world.
			k, common := commonness(r, pairs)
			if record {
				r.common = common
			}
			if k > 0 {
				aq += (commonExtra - aq) * k
				ac += (commonExtra - ac) * k
				// A common middle name left out still tells two
				// bearers of a common name apart: the unaligned names
				// weigh at least commonFloor as much as a rare one.
				uq += floorGap(q, exq) * k
				uc += floorGap(c, exc) * k
			}
		}
		pen = aq*uq + ac*uc
		// A series number only one side has marks another entity
		// ("Fund II").
		pen += (conflictWeight - aq) * tagged(q, exq, names.TagNumber)
		pen += (conflictWeight - ac) * tagged(c, exc, names.TagNumber)
		// So does a syllable of a name written in Chinese characters or
		// Hangul: no syllable of a Chinese or Korean name is optional
		// (斌莉 is not 斌, 박유진 not 유진).
		pen += (conflictWeight - aq) * cjkParts(q, exq)
		pen += (conflictWeight - ac) * cjkParts(c, exc)
		// A name written in Chinese characters or Hangul against a
		// romanised one: a name part only the romanised name has is a
		// syllable the other lacks ("CHEN, Guo Ping" is not 陈平).
		if cjkName(q) {
			pen += (conflictWeight - ac) * (tagged(c, exc, names.TagName) - cjkParts(c, exc))
		}
	}
	score := num / (den + pen)
	for _, p := range pairs {
		if q.parts[p.q].Tag == names.TagLegal && c.parts[p.c].Tag == names.TagLegal && q.parts[p.q].Key != c.parts[p.c].Key {
			score *= legalMismatch
			break
		}
	}
	// Only particles, initials or generic words in common: weak at best.
	if len(exq)+len(exc) > 0 && (onlyInitials || (matchedName == 0 && !allGeneric(c))) {
		score = min(score, 0.6)
	}
	return score
}

// Commonness of what two names share. A match in which one name holds the
// other and more (a middle name or second surname left out: "Maria Lopez"
// in "Maria Teresa Lopez Garcia") says as much as the shared parts are
// rare: the expected number of people in a population of refPopulation
// bearing all of them (each part's share the larger of the two sides',
// see names.Commonness; rareShare for a name the figures do not know) is
// read on a log scale, 0 for one person or fewer, 1 for commonMany or
// more. compare raises the weight of the parts only one name has from its
// usual factor towards commonExtra by that much.
const (
	refPopulation = 1e9
	rareShare     = 1e-6
	commonMany    = 1000
	// commonPart is the share from which a part is called common in the
	// explanation.
	commonPart = 1e-3
)

// commonness returns, for pairs of r's names, the commonness of what they
// share (0..1, see above) and the query parts whose names are common.
func commonness(r *result, pairs []pairing) (float64, []int) {
	logE := math.Log10(refPopulation)
	n := 0
	var common []int
	for _, p := range pairs {
		x, y := &r.q.parts[p.q], &r.c.parts[p.c]
		var share float64
		switch {
		case x.Tag == names.TagName && y.Tag == names.TagName:
			share = max(partShare(x), partShare(y))
		case x.Tag == names.TagInitial || y.Tag == names.TagInitial:
			share = 1.0 / 20 // one name in twenty begins with a given letter
		default:
			continue
		}
		n++
		logE += math.Log10(share)
		if share >= commonPart && x.Tag == names.TagName {
			common = append(common, p.q)
		}
	}
	if n == 0 {
		return 0, nil
	}
	return min(1, max(0, logE/math.Log10(commonMany))), common
}

// unalignedPatronymic reports whether p has a patronymic not marked used.
func unalignedPatronymic(p prepared, used []bool) bool {
	for i, u := range used {
		if !u && patronymic(&p.parts[i]) {
			return true
		}
	}
	return false
}

// floorGap is what raising the weight of each unaligned name part of p
// (idx) to commonFloor adds (patronymics aside).
func floorGap(p prepared, idx []int) float64 {
	var g float64
	for _, i := range idx {
		if p.parts[i].Tag == names.TagName && !patronymic(&p.parts[i]) {
			g += max(0, commonFloor-p.weights[i])
		}
	}
	return g
}

// patronymic reports whether x is an East Slavic patronymic
// (Vladimirovich, Viktorovna, Ilyich), by its ending.
func patronymic(x *names.Part) bool {
	if x.Tag != names.TagName || len(x.Key) < 7 {
		return false
	}
	for _, suf := range [...]string{"ovich", "evich", "ovych", "evych", "ovna", "evna", "ivna", "ichna", "yich", "ilich"} {
		if strings.HasSuffix(x.Key, suf) {
			return true
		}
	}
	return false
}

// partShare is the share of people bearing a part's name, as a given name
// or a surname (the larger), at least rareShare.
func partShare(x *names.Part) float64 {
	g, s := names.Commonness(x.Key)
	return max(g, s, rareShare)
}

// gendered reports whether a and b are given names of opposite genders:
// nine in ten bearers of one are men, nine in ten of the other women.
func gendered(a, b *names.Part) bool {
	if a.Tag != names.TagName || b.Tag != names.TagName || a.Script != "Latn" || b.Script != "Latn" {
		return false
	}
	ma, ok1 := names.GivenMale(a.Key)
	mb, ok2 := names.GivenMale(b.Key)
	return ok1 && ok2 && (ma >= 0.9 && mb <= 0.1 || ma <= 0.1 && mb >= 0.9)
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

// cjkName reports whether some name part of p is written in Chinese
// characters or Hangul.
func cjkName(p prepared) bool {
	for i := range p.parts {
		if x := &p.parts[i]; (x.Script == "Hani" || x.Script == "Hang") && x.Tag == names.TagName {
			return true
		}
	}
	return false
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
		var r mergeCand
		if a.parts[i].Script == "Arab" {
			r = spellArabRun(key, a.parts[i:i+n])
		} else {
			r = spellRun(key, a.parts[i].Script)
		}
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
	// A Chinese or Korean syllable is never cut short: 徐 Xu is not Xutong.
	if sc := r.q.parts[i].Script; sc == "Hani" || sc == "Hang" {
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
	// The common names that weakened the match (see commonness).
	for i, k := range r.common {
		x := &r.q.parts[k]
		role := "surname"
		if g, sn := names.Commonness(x.Key); g > sn {
			role = "given name"
		}
		sep := ", "
		if i == 0 {
			sep = "; "
		}
		fmt.Fprintf(&b, "%scommon %s %s", sep, role, x.Text)
	}
	return b.String()
}

// spellingNear is the better of the edit and vowel similarities of a and
// b, as folded and as written.
func spellingNear(a, b *names.Part) float64 {
	return max(names.Similarity(a.Fold, b.Fold), names.VowelSimilarity(a.Fold, b.Fold),
		names.Similarity(a.Text, b.Text), names.VowelSimilarity(a.Text, b.Text))
}

// particleInName reports whether p is a particle and n a longer name that
// begins with it.
func particleInName(p, n *names.Part) bool {
	return p.Tag == names.TagParticle && n.Tag == names.TagName && len(n.Key) > len(p.Key) && strings.HasPrefix(n.Key, p.Key)
}
