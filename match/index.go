package match

import (
	"hash/maphash"
	"math"
	"runtime"
	"strings"
	"sync"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/names"
)

// DefaultThreshold is the score at or above which a match is reported when a
// query sets none. It was calibrated on the development sets: the best F1 on
// name_bench (0.898, every STRONG pair right); at it, 0.1% of the synthetic
// negatives screened with their date of birth, nationality and gender give
// an alert (about 1.5% on the name alone).
const DefaultThreshold = 0.78

// DefaultLimit caps the matches of a query that sets no limit.
const DefaultLimit = 10

// candidatesScored is how many candidate names, best retrieval estimate
// first, are bounded (and, when the bound allows, scored in full) for a
// query. Measured against no limit over the query mix (5,138 queries, name
// only and with date of birth, nationality and gender) and 10,000
// generated batch rows: at 96, 14 queries and 6 rows lost a listed entity
// (a typo beside a very common name: "Viktor KAAKOV"); at 256, 4 and 1-3,
// for 15-25% more time; at 1,024 none, for about 1.4× the time and a p99
// above 1 ms. 256 is the balance chosen.
const candidatesScored = 256

// estMargin is how far below the threshold a candidate's retrieval estimate
// may fall and still be scored. The estimate is not a strict bound (a part
// may align without sharing a retrieval key); the margin was set so that
// the matches returned at the default threshold over the evaluation queries
// are exactly those returned with no cut (see TestEstimateCutLosesNothing;
// with 1,024 candidates it needs 0.45: "ALEXSEYEV Vladimir Seepanovich"
// then finds ALEKSEEV, Vladimir Stepanovich, two of whose three parts
// share no key with the query, only without the cut).
var estMargin = 0.35

// Entry is one entity to index with the label of the list version it came
// from ("un@3").
type Entry struct {
	Entity  *vigil.Entity
	Version string
}

// nameRec is one indexed name: which entity, which of its names, parsed.
type nameRec struct {
	entity int32
	alias  int16
	// class is the name class of the entity's kind; unknown is set when the
	// kind is unknown (the query's kind then decides).
	class   names.Class
	unknown bool
	// weak is set for a weak alias (see weakAliasMax).
	weak bool
	p    prepared
}

// weakAliasMax is the most a weak alias (a nickname, a partial name: the
// lists' low-quality a.k.a.s) may score on its name alone: below the
// default threshold, so that it matches only with corroborating evidence
// (a date of birth, a nationality). OpenSanctions advises the same: weak
// aliases are not to be matched on alone.
const weakAliasMax = 0.75

// nameScore is the score name nr gets for a comparison scoring s.
func (nr *nameRec) nameScore(s float64) float64 {
	if nr.weak {
		return min(s, weakAliasMax)
	}
	return s
}

// Index is an in-memory index over every name of every entity. It is safe for
// concurrent use once built.
type Index struct {
	entries []Entry
	byID    map[string]int32
	names   []nameRec
	// tokKeys maps each retrieval key to the parts (token ids) it
	// retrieves; the forms holding part id are tfForms[tfOff[id]:tfOff[id+1]];
	// joins maps the hash of a form's parts joined without spaces to the
	// forms.
	tokKeys keyTable
	tfOff   []uint32
	tfForms []uint32
	joins   keyTable
	docs    map[string][]int32
	df      map[string]int32
	seed    maphash.Seed
	freeMu  sync.Mutex
	free    []*scratch
	// tokID interns every distinct part of the indexed names (ids from 1).
	tokID map[names.Part]uint32
	// toks summarises each interned part, by id; tokPart is the part.
	toks    []tokInfo
	tokPart []names.Part
	// Compact per-form arrays: the token ids of form f are
	// fTok[fOff[f]:fOff[f+1]]; fLong[f] is the length of its longest Key.
	fOff  []uint32
	fTok  []uint32
	fLong []int32
	// fParts[k] is what nameBound and the pre-bound read of the part
	// fTok[k] (see formPart), its weight among it: one run of memory per
	// form.
	fParts []formPart
	// fMerge[f] is the mergeSpan of form f.
	fMerge []uint32
	// forms are the distinct parsed names (the same name listed by several
	// lists, or spelt with other case and punctuation, is one form): each
	// is scored once per query. forms holds a representative name of each;
	// the names of form f are formNames[formStart[f]:formStart[f+1]].
	forms     []int32
	formStart []int32
	formNames []int32
	// entStart: the names of entity e are names[entStart[e]:entStart[e+1]].
	entStart []int32
	// nameW is the summed weight of each form's retrievable parts.
	nameW []float32
	// facts are each entity's facts for secondary evidence; nameEnt is
	// the entity of each name (names[i].entity, compact).
	facts   []facts
	nameEnt []int32
	// The facts of form f's entities, packed, each distinct summary
	// once: evSums[evOff[f]:evOff[f+1]].
	evOff  []uint32
	evSums []evSum
	// heads[f] is what the retrieval estimate reads of form f.
	heads []formHead
	hoods *hoodCache
	// merge serves the pre-bound (see preSetup); runs remembers the
	// queries' merge runs.
	merge *mergeIndex
	runs  *runCache
	// bonusNow makes retrieval weigh every dead form's bonus at once
	// (see settleDead): for tests.
	bonusNow bool
	// rar is the rarity table the index weighs name parts by (nil: by
	// its own counts, df).
	rar RarityTable
}

// Options adjust an index built by NewIndexWith.
type Options struct {
	// Rarity, when not nil, gives the rarity factors of name parts: a
	// part's factor is the table's when it holds the part, else the
	// built-in one, whatever the index holds. Two indexes built with one
	// table then score every (query, entity) pair alike, whatever other
	// entities each holds. Nil derives the factors from the indexed
	// names (see RarityTable).
	Rarity RarityTable
}

// RarityTable maps the key of a name part (names.Part.Key) to its rarity
// factor, the weight a part gets for how common it is among the listed
// names. Parts it does not hold get their built-in factor (how common they
// are in the world). It must not change once given to an index.
type RarityTable map[string]float64

// NewIndex builds the index over entries, weighing name parts by how
// common they are among the entries' names.
func NewIndex(entries []Entry) *Index { return NewIndexWith(entries, Options{}) }

// NewIndexWith builds the index over entries with options.
func NewIndexWith(entries []Entry, opt Options) *Index {
	ix := &Index{
		rar:     opt.Rarity,
		entries: entries,
		byID:    make(map[string]int32, len(entries)),
		docs:    map[string][]int32{},
		seed:    maphash.MakeSeed(),
		hoods:   newHoodCache(),
		runs:    &runCache{seed: maphash.MakeSeed()},
	}
	type job struct {
		entity int32
		alias  int16
		full   string
		class  names.Class
	}
	var jobs []job
	for i, e := range entries {
		ix.byID[e.Entity.ID] = int32(i)
		kind, _ := kindOf(e.Entity)
		c := classOf(kind)
		for a, n := range e.Entity.Names {
			for _, alt := range alternatives(n.Full) {
				jobs = append(jobs, job{int32(i), int16(a), alt, c})
			}
		}
		for _, d := range e.Entity.Documents {
			if k := DocKey(d.Number); k != "" {
				ix.docs[k] = append(ix.docs[k], int32(i))
			}
		}
		for _, k := range []string{DocKey(e.Entity.IMO), DocKey(e.Entity.TailNumber)} {
			if k != "" {
				ix.docs[k] = append(ix.docs[k], int32(i))
			}
		}
	}
	// Parse in parallel: transliteration is the costly part.
	ix.names = make([]nameRec, len(jobs))
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < len(jobs); i += workers {
				j := jobs[i]
				k, _ := kindOf(entries[j.entity].Entity)
				weak := entries[j.entity].Entity.Names[j.alias].Quality == vigil.QualityWeak
				ix.names[i] = nameRec{entity: j.entity, alias: j.alias, class: j.class, unknown: k == vigil.KindUnknown, weak: weak, p: prepare(j.full, j.class, nil)}
			}
		}(w)
	}
	wg.Wait()
	// Document frequencies of name parts give rarity weights.
	ix.df = map[string]int32{}
	for i := range ix.names {
		for _, x := range ix.names[i].p.parts {
			if x.Tag == names.TagName {
				ix.df[x.Key]++
			}
		}
	}
	ix.tokID = map[names.Part]uint32{}
	ix.toks = make([]tokInfo, 1) // ids start at 1
	ix.tokPart = make([]names.Part, 1)
	for i := range ix.names {
		p := &ix.names[i].p
		p.ids = make([]uint32, len(p.parts))
		for k, x := range p.parts {
			if x.Tag == names.TagName {
				p.weights[k] *= ix.rarity(x.Key)
			}
			id, ok := ix.tokID[x]
			if !ok {
				id = uint32(len(ix.tokID) + 1)
				ix.tokID[x] = id
				var t tokInfo
				t.set(&x)
				ix.toks = append(ix.toks, t)
				ix.tokPart = append(ix.tokPart, x)
			}
			p.ids[k] = id
		}
	}
	ix.groupForms()
	ix.facts = make([]facts, len(entries))
	for i, e := range entries {
		ix.facts[i] = factsOf(e.Entity)
	}
	ix.nameEnt = make([]int32, len(ix.names))
	for i := range ix.names {
		ix.nameEnt[i] = ix.names[i].entity
	}
	ix.evOff, ix.evSums = ix.formSums()
	ix.fOff = make([]uint32, 1, len(ix.forms)+1)
	for _, ni := range ix.forms {
		p := &ix.names[ni].p
		// Only a form's representative is ever compared: its merge runs
		// serve nameBound.
		p.merges, p.mergesSet = mergeCands(p), true
		ix.fTok = append(ix.fTok, p.ids...)
		for k, id := range p.ids {
			ix.fParts = append(ix.fParts, newFormPart(&ix.toks[id], id, p.weights[k]))
		}
		ix.fLong = append(ix.fLong, int32(p.longest))
		ix.fMerge = append(ix.fMerge, mergeSpan(p.merges))
		ix.fOff = append(ix.fOff, uint32(len(ix.fTok)))
	}
	ix.heads = make([]formHead, len(ix.forms))
	for f, ni := range ix.forms {
		h := formHead{nameW: ix.nameW[f], env: envelope(ix.evSums[ix.evOff[f]:ix.evOff[f+1]])}
		var subst, other float64
		p := &ix.names[ni].p
		for k := range p.parts {
			if substantiveTag(p.parts[k].Tag) {
				subst += p.weights[k]
			} else {
				other += p.weights[k]
			}
		}
		h.subst, h.others, h.long = float32(subst), roundUp32(other), uint8(min(255, p.longest))
		ix.heads[f] = h
	}
	ix.buildPostings()
	ix.buildMergeIndex()
	return ix
}

// buildPostings indexes the retrieval keys of every part (key → parts),
// the forms holding each part, and the parts of each form joined without
// spaces (key → forms).
func (ix *Index) buildPostings() {
	var keys []uint64
	var pairs []keyID
	for id := 1; id < len(ix.tokPart); id++ {
		x := &ix.tokPart[id]
		if !indexable(x.Tag) {
			continue
		}
		keys = ix.partKeys(x, keys[:0], false)
		for _, k := range keys {
			pairs = append(pairs, keyID{k, uint32(id)})
		}
	}
	ix.tokKeys = newKeyTable(pairs)
	// Forms per part, each once, in form order (a counting sort).
	ix.tfOff = make([]uint32, len(ix.tokPart)+1)
	seen := make([]int32, len(ix.tokPart))
	each := func(fn func(f int32, id uint32)) {
		clear(seen)
		for f := range ix.forms {
			for _, id := range ix.fTok[ix.fOff[f]:ix.fOff[f+1]] {
				if seen[id] != int32(f)+1 {
					seen[id] = int32(f) + 1
					fn(int32(f), id)
				}
			}
		}
	}
	each(func(_ int32, id uint32) { ix.tfOff[id+1]++ })
	for id := 1; id < len(ix.tfOff); id++ {
		ix.tfOff[id] += ix.tfOff[id-1]
	}
	ix.tfForms = make([]uint32, ix.tfOff[len(ix.tokPart)])
	next := append([]uint32(nil), ix.tfOff[:len(ix.tokPart)]...)
	each(func(f int32, id uint32) {
		ix.tfForms[next[id]] = uint32(f)
		next[id]++
	})
	pairs = pairs[:0]
	var joined []byte
	for f, ni := range ix.forms {
		p := &ix.names[ni].p
		joined = joined[:0]
		n := 0
		for i := range p.parts {
			if indexable(p.parts[i].Tag) {
				joined = append(joined, p.parts[i].Text...)
				n++
			}
		}
		if n >= 2 {
			pairs = append(pairs, keyID{ix.hashBytes(keyToken, joined), uint32(f)})
		}
	}
	ix.joins = newKeyTable(pairs)
}

// tokForms returns the forms holding part id.
func (ix *Index) tokForms(id uint32) []uint32 {
	return ix.tfForms[ix.tfOff[id]:ix.tfOff[id+1]]
}

// groupForms finds the distinct forms among the names (the same sequence of
// interned parts), their weights and the names of each entity.
func (ix *Index) groupForms() {
	formOf := make([]int32, len(ix.names))
	byKey := make(map[string]int32, len(ix.names))
	var key []byte
	counts := []int32{}
	ix.entStart = make([]int32, len(ix.entries)+1)
	for i := range ix.names {
		nr := &ix.names[i]
		ix.entStart[nr.entity+1]++
		key = key[:0]
		for _, id := range nr.p.ids {
			key = append(key, byte(id), byte(id>>8), byte(id>>16), byte(id>>24))
		}
		f, ok := byKey[string(key)]
		if !ok {
			f = int32(len(ix.forms))
			byKey[string(key)] = f
			ix.forms = append(ix.forms, int32(i))
			counts = append(counts, 0)
			var w float32
			for k, x := range nr.p.parts {
				if indexable(x.Tag) {
					w += float32(nr.p.weights[k])
				}
			}
			ix.nameW = append(ix.nameW, w)
		}
		formOf[i] = f
		counts[f]++
	}
	for e := range ix.entries {
		ix.entStart[e+1] += ix.entStart[e]
	}
	ix.formStart = make([]int32, len(ix.forms)+1)
	for f, c := range counts {
		ix.formStart[f+1] = ix.formStart[f] + c
	}
	ix.formNames = make([]int32, len(ix.names))
	next := append([]int32(nil), ix.formStart[:len(ix.forms)]...)
	for i, f := range formOf {
		ix.formNames[next[f]] = int32(i)
		next[f]++
	}
}

// rarity is a part's weight factor: the index's rarity table's when it
// has one (see Options), else derived from how many indexed names hold it.
func (ix *Index) rarity(key string) float64 {
	if ix.rar != nil {
		if f, ok := ix.rar[key]; ok {
			return f
		}
		return builtinRarity(key)
	}
	return ix.derived(key)
}

// derived is a part's weight factor from how many indexed names hold it: 1
// for rare parts, down to 0.35 for the most common, and never above the
// built-in factor for well-known common names.
func (ix *Index) derived(key string) float64 {
	r := builtinRarity(key)
	n := float64(len(ix.names))
	df := float64(ix.df[key])
	if n < 1000 || df < n/500 {
		return r
	}
	// From 1 at 0.2% of names down to 0.35 at 5% and above.
	f := 1 - 0.65*math.Log(df/(n/500))/math.Log(25)
	return max(0.35, min(r, f))
}

// RarityTable returns the rarity factors derived from the indexed names
// (whatever table the index was built with): the factor of each part that
// is below its built-in one. An index built with it as its table weighs
// every part as one built without a table does.
func (ix *Index) RarityTable() RarityTable {
	t := make(RarityTable)
	for key := range ix.df {
		if f := ix.derived(key); f < builtinRarity(key) {
			t[key] = f
		}
	}
	return t
}

// Drift returns the most any name part's rarity factor differs between
// tables t and u (a part either lacks has its built-in factor), and that
// part's key ("" when none differs).
func (t RarityTable) Drift(u RarityTable) (most float64, key string) {
	check := func(k string) {
		a, ok := t[k]
		if !ok {
			a = builtinRarity(k)
		}
		b, ok := u[k]
		if !ok {
			b = builtinRarity(k)
		}
		if d := math.Abs(a - b); d > most || (d == most && d > 0 && k < key) {
			most, key = d, k
		}
	}
	for k := range t {
		check(k)
	}
	for k := range u {
		if _, ok := t[k]; !ok {
			check(k)
		}
	}
	return most, key
}

// Len returns the number of indexed entities.
func (ix *Index) Len() int { return len(ix.entries) }

// Entity returns an indexed entity and the label of its list version.
func (ix *Index) Entity(id string) (*vigil.Entity, string, bool) {
	i, ok := ix.byID[id]
	if !ok {
		return nil, "", false
	}
	return ix.entries[i].Entity, ix.entries[i].Version, true
}

// alternatives splits a listed name at slashes that separate alternative
// names ("Al-Qa'ida/Islamic Army"), keeping the whole name first.
func alternatives(full string) []string {
	if !strings.Contains(full, "/") {
		return []string{full}
	}
	out := []string{full}
	for _, p := range strings.Split(full, "/") {
		if p = strings.TrimSpace(p); len(p) > 2 {
			out = append(out, p)
		}
	}
	return out
}

// DocKey normalises a document number as the matcher compares them:
// letters and digits, upper case; "" when too short to identify anything.
func DocKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	if b.Len() < 5 {
		return ""
	}
	return b.String()
}

// Key kinds, mixed into the hash so that they never collide.
const (
	keyToken  = 't'
	keySkel   = 's'
	keyDelete = 'd'
	keySkel2  = '2'
)

func (ix *Index) hash(kind byte, s string) uint64 {
	var h maphash.Hash
	h.SetSeed(ix.seed)
	h.WriteByte(kind)
	h.WriteString(s)
	return h.Sum64()
}

// hashBytes is hash of a byte slice (no string made).
func (ix *Index) hashBytes(kind byte, b []byte) uint64 {
	var h maphash.Hash
	h.SetSeed(ix.seed)
	h.WriteByte(kind)
	h.Write(b)
	return h.Sum64()
}

// indexable reports whether a part is used for candidate retrieval.
func indexable(t names.Tag) bool {
	return t == names.TagName || t == names.TagOrgWord || t == names.TagNumber
}

// partKeys appends the retrieval keys of one part (a query's when query,
// else a listed one's): its canonical spelling, its consonant skeleton, and
// its folded spelling with and without each one letter (a deletion
// neighbourhood, which finds parts within about two edits). A listed Latin
// part of two consonants is also indexed under its skeleton, which only a
// query part written in Arabic script looks up.
func (ix *Index) partKeys(x *names.Part, keys []uint64, query bool) []uint64 {
	keys = append(keys, ix.hash(keyToken, x.Key))
	if len(x.Skel) >= 3 {
		keys = append(keys, ix.hash(keySkel, x.Skel))
	}
	// A query word written in Arabic script: the skeletons of its
	// letters' other readings (فضل as Fadl and Fazl), and short ones too,
	// which a listed Latin part of two consonants is indexed under (ربيع
	// meets Rabi).
	if rs := x.ArabicLetters(); rs != nil && query {
		for _, sk := range names.AbjadSkeletons(rs) {
			switch {
			case len(sk) >= 3 && sk != x.Skel:
				keys = append(keys, ix.hash(keySkel, sk))
			case len(sk) == 2 && query:
				keys = append(keys, ix.hash(keySkel2, sk))
			}
		}
	} else if !query && len(x.Skel) == 2 && x.Script == "Latn" {
		keys = append(keys, ix.hash(keySkel2, x.Skel))
	}
	f := x.Fold
	if len(f) >= 4 && len(f) <= 24 {
		keys = append(keys, ix.hash(keyDelete, f))
	}
	if len(f) >= 5 && len(f) <= 24 {
		var buf [24]byte
		for i := 0; i < len(f); i++ {
			b := append(append(buf[:0], f[:i]...), f[i+1:]...)
			keys = append(keys, ix.hashBytes(keyDelete, b))
		}
	}
	return keys
}
