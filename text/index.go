package text

import (
	"fmt"
	"runtime"
	"strings"
	"sync"

	"github.com/coregx/ahocorasick"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/names"
)

// DefaultThreshold is the score a span's match must reach in running text
// when Options set none. It is above the matcher's default for screening a
// single name: an article offers no date of birth or nationality to confirm
// a name, and it names many people who are on no list.
const DefaultThreshold = 0.9

// DefaultCacheSize is the number of screened span texts a Scanner remembers
// across scans when Options set none.
const DefaultCacheSize = 1 << 16

// maxPostings is the most listed names a phonetic key may occur in and still
// count as selective: a name is only screened where the span holds at least
// one of its selective words.
const maxPostings = 1500

// Options tune a Scanner.
type Options struct {
	// Threshold is the least score a match needs (DefaultThreshold when 0).
	Threshold float64
	// RareDF is the most entities a name word may appear in and still count
	// as distinctive; 0 picks max(20, entities/1000).
	RareDF int
	// CacheSize is how many screened span texts the Scanner remembers across
	// scans (DefaultCacheSize when 0; none when negative).
	CacheSize int
}

// Scanner finds listed entities in text. It is safe for concurrent use.
type Scanner struct {
	sc        vigil.Screener
	threshold float64
	rareDF    int

	ac       *ahocorasick.Automaton
	postings [][]int32          // by pattern id: names the key nominates
	pairs    map[uint64][]int32 // by pairID: names whose two rarest keys these are

	names    []nameRec
	entities []*vigil.Entity
	byID     map[string]int32
	skelID   map[string]int32 // phonetic key → word key id
	foldID   map[string]int32 // folded spelling → spelling id
	folds    []string         // spelling id → folded spelling

	// screened remembers the matcher's answers by kind and span text across
	// scans (nil when disabled); its values are shared and never modified.
	screened *lru.Cache[string, []vigil.Match]

	// batch overrides batchTokens in tests (0: batchTokens).
	batch int
}

// nameRec is one listed name reduced to its distinctive words.
type nameRec struct {
	entity int32
	kind   vigil.Kind
	words  []nameWord
}

// nameWord is one distinctive word of a listed name, as interned ids so that
// span checks compare integers: its phonetic key and folded spelling, the
// first byte of the spelling, whether the key is long (three consonants or
// more), whether the word is rare and whether its key is selective.
type nameWord struct {
	skel, fold      int32
	first           byte
	foldLen         int
	long, rare, sel bool
}

// parsedName is a listed name's words before interning.
type parsedName struct {
	entity int32
	kind   vigil.Kind
	words  []wordForm
}

// wordForm is a word's phonetic key and folded spelling.
type wordForm struct{ skel, fold string }

// Key kinds in the automaton. Each key is written " " + kind + key + " " so
// that keys only meet whole words of the haystack.
const (
	keyFirst  = 'b' // a rare word's long key and first letter
	keySpelt  = 'c' // a rare word's short key and spelling
	keyFieldS = '\x1f'
)

// New builds a Scanner over the persons and organisations among entities;
// sc (normally a *match.Index over the same entities) decides each candidate.
func New(entities []*vigil.Entity, sc vigil.Screener, opt Options) (*Scanner, error) {
	s := &Scanner{sc: sc, threshold: opt.Threshold, rareDF: opt.RareDF,
		byID: map[string]int32{}, skelID: map[string]int32{}, foldID: map[string]int32{}}
	if s.threshold <= 0 {
		s.threshold = DefaultThreshold
	}
	if s.rareDF <= 0 {
		s.rareDF = max(20, len(entities)/1000)
	}
	if opt.CacheSize >= 0 {
		size := opt.CacheSize
		if size == 0 {
			size = DefaultCacheSize
		}
		c, err := lru.New[string, []vigil.Match](size)
		if err != nil {
			return nil, fmt.Errorf("text: span cache: %w", err)
		}
		s.screened = c
	}
	for _, e := range entities {
		if e.Kind != vigil.KindPerson && e.Kind != vigil.KindOrganization && e.Kind != vigil.KindUnknown {
			continue
		}
		s.byID[e.ID] = int32(len(s.entities))
		s.entities = append(s.entities, e)
	}
	raws := parseNames(s.entities)

	// Intern keys and spellings; count the entities holding each spelling
	// and the names holding each key.
	var dfFold, nKey []int32
	intern := func(m map[string]int32, counts *[]int32, k string) int32 {
		id, ok := m[k]
		if !ok {
			id = int32(len(m))
			m[k] = id
			*counts = append(*counts, 0)
		}
		return id
	}
	type ids struct{ skel, fold int32 }
	interned := make([][]ids, len(raws))
	lastEntity := map[int32]int32{} // spelling id → last entity counted
	for i, r := range raws {
		ws := make([]ids, len(r.words))
		for j, w := range r.words {
			ws[j] = ids{intern(s.skelID, &nKey, w.skel), intern(s.foldID, &dfFold, w.fold)}
			nKey[ws[j].skel]++ // a name's words are distinct spellings, but may share a key
			for k := 0; k < j; k++ {
				if ws[k].skel == ws[j].skel {
					nKey[ws[j].skel]--
					break
				}
			}
			if last, ok := lastEntity[ws[j].fold]; !ok || last != r.entity {
				lastEntity[ws[j].fold] = r.entity
				dfFold[ws[j].fold]++
			}
		}
		interned[i] = ws
	}

	// Names, and the keys that nominate them: the pair of the name's two
	// least common phonetic keys, as two interned ids in a map (a span
	// holding every word of the name holds both), and in the automaton, for
	// each rare word, the key of a strong hit on it (the phonetic key with
	// the first letter when long, with the spelling when short). Every name
	// a span can pass covers() for is thus nominated, while keys shared by
	// thousands of names (Mohammed, John, Sergei) nominate none.
	s.pairs = map[uint64][]int32{}
	byKey := map[string][]int32{}
	add := func(key string, ni int32) {
		if p := byKey[key]; len(p) == 0 || p[len(p)-1] != ni {
			byKey[key] = append(p, ni)
		}
	}
	var kb strings.Builder
	key := func(kind byte, parts ...string) string {
		kb.Reset()
		kb.WriteByte(' ')
		kb.WriteByte(kind)
		for i, p := range parts {
			if i > 0 {
				kb.WriteByte(keyFieldS)
			}
			kb.WriteString(p)
		}
		kb.WriteByte(' ')
		return kb.String()
	}
	for i, r := range raws {
		if r.kind == vigil.KindPerson && len(r.words) < 2 {
			continue // a lone word never names a person
		}
		ni := int32(len(s.names))
		rec := nameRec{entity: r.entity, kind: r.kind, words: make([]nameWord, len(r.words))}
		anySel := false
		for j, w := range r.words {
			id := interned[i][j]
			nw := nameWord{skel: id.skel, fold: id.fold, first: w.fold[0], foldLen: len(w.fold), long: len(w.skel) >= 3,
				rare: int(dfFold[id.fold]) <= s.rareDF, sel: nKey[id.skel] <= maxPostings}
			rec.words[j] = nw
			anySel = anySel || nw.sel
		}
		if !anySel {
			continue // no word of it narrows the field: never screened
		}
		s.names = append(s.names, rec)
		if len(r.words) >= 2 {
			a, b := rarestPair(interned[i], func(j int) int32 { return nKey[interned[i][j].skel] })
			k := pairID(interned[i][a].skel, interned[i][b].skel)
			if p := s.pairs[k]; len(p) == 0 || p[len(p)-1] != ni {
				s.pairs[k] = append(p, ni)
			}
		}
		for j, w := range r.words {
			if !rec.words[j].rare {
				continue
			}
			if rec.words[j].long {
				add(key(keyFirst, w.skel, w.fold[:1]), ni)
			} else {
				add(key(keySpelt, w.skel, w.fold), ni)
			}
		}
	}
	s.folds = make([]string, len(s.foldID))
	for f, id := range s.foldID {
		s.folds[id] = f
	}
	patterns := make([]string, 0, len(byKey))
	for k, p := range byKey {
		patterns = append(patterns, k)
		s.postings = append(s.postings, p)
	}
	if len(patterns) == 0 {
		return s, nil
	}
	ac, err := ahocorasick.NewBuilder().AddStrings(patterns).Build()
	if err != nil {
		return nil, fmt.Errorf("text: building the name automaton: %w", err)
	}
	s.ac = ac
	return s, nil
}

// rarestPair returns the indexes of the two words of a name (of two words
// or more) whose keys fewest names share.
func rarestPair[T any](ws []T, count func(int) int32) (a, b int) {
	a, b = 0, 1
	if count(b) < count(a) {
		a, b = b, a
	}
	for j := 2; j < len(ws); j++ {
		switch c := count(j); {
		case c < count(a):
			a, b = j, a
		case c < count(b):
			b = j
		}
	}
	return a, b
}

// pairID is the map key of an unordered pair of phonetic key ids.
func pairID(x, y int32) uint64 {
	if y < x {
		x, y = y, x
	}
	return uint64(uint32(x))<<32 | uint64(uint32(y))
}

// parseNames reduces every name of the entities to its distinctive words.
// Parsing is most of the build time: a name several lists share is parsed
// once, and the distinct names are parsed on every core.
func parseNames(ents []*vigil.Entity) []parsedName {
	type nameKey struct {
		full string
		kind vigil.Kind
	}
	at := map[nameKey]int{}
	var distinct []nameKey
	for _, e := range ents {
		for _, n := range e.Names {
			k := nameKey{n.Full, e.Kind}
			if _, ok := at[k]; !ok {
				at[k] = len(distinct)
				distinct = append(distinct, k)
			}
		}
	}
	words := make([][]wordForm, len(distinct))
	workers := max(1, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(distinct); i += workers {
				words[i] = nameWords(distinct[i].full, distinct[i].kind)
			}
		})
	}
	wg.Wait()
	var all []parsedName
	for ei, e := range ents {
		for _, n := range e.Names {
			if ws := words[at[nameKey{n.Full, e.Kind}]]; len(ws) > 0 {
				all = append(all, parsedName{int32(ei), e.Kind, ws})
			}
		}
	}
	return all
}

// nameWords returns the distinctive words of a listed name: its parts less
// titles, particles, function words, legal forms, numbers and initials, each
// once.
func nameWords(full string, k vigil.Kind) []wordForm {
	c := names.AnyClass
	switch k {
	case vigil.KindPerson:
		c = names.PersonClass
	case vigil.KindOrganization:
		c = names.OrgClass
	}
	var out []wordForm
	for _, p := range names.Parse(full, c) {
		switch p.Tag {
		case names.TagTitle, names.TagParticle, names.TagStop, names.TagLegal, names.TagNumber, names.TagInitial:
			continue
		}
		w := wordForm{skel: wordKey(p.Key), fold: p.Fold}
		if w.skel == "" || w.fold == "" || containsFold(out, w.fold) {
			continue
		}
		out = append(out, w)
		if len(out) == 64 {
			break
		}
	}
	return out
}

func containsFold(ws []wordForm, fold string) bool {
	for _, x := range ws {
		if x.fold == fold {
			return true
		}
	}
	return false
}

// wordKey is the automaton's key for a canonical name word: its consonant
// skeleton, so that romanisations meet (Qassem/Qasem/Ghasem → "ksm",
// Soleimani/Suleimani/Soleymani → "slmn"); the folded spelling for words
// without consonants, marked so the two never collide.
func wordKey(canon string) string {
	if k := names.Skeleton(canon); k != "" {
		return k
	}
	if f := names.Fold(canon); f != "" {
		return "_" + f
	}
	return ""
}
