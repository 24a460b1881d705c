package text

import (
	"fmt"

	"github.com/coregx/ahocorasick"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/names"
)

// DefaultThreshold is the score a span's match must reach in running text
// when Options set none. It is above the matcher's default for screening a
// single name: an article offers no date of birth or nationality to confirm
// a name, and it names many people who are on no list.
const DefaultThreshold = 0.9

// maxPostings is the most listed names a key may occur in and still
// nominate names for screening.
const maxPostings = 1500

// Options tune a Scanner.
type Options struct {
	// Threshold is the least score a match needs (DefaultThreshold when 0).
	Threshold float64
	// RareDF is the most entities a name word may appear in and still count
	// as distinctive; 0 picks max(20, entities/1000).
	RareDF int
}

// Scanner finds listed entities in text. It is safe for concurrent use.
type Scanner struct {
	sc        vigil.Screener
	threshold float64
	rareDF    int

	ac       *ahocorasick.Automaton
	postings [][]int32 // by pattern id: names holding the key

	names    []nameRec
	entities []*vigil.Entity
	byID     map[string]int32
	dfFold   map[string]int
}

// nameRec is one listed name reduced to its distinctive words.
type nameRec struct {
	entity int32
	kind   vigil.Kind
	words  []nameWord
}

// nameWord is one distinctive word of a listed name: its phonetic key (what
// the automaton finds), its folded spelling, and whether it is rare.
type nameWord struct {
	skel, fold string
	rare       bool
}

// New builds a Scanner over the persons and organisations among entities;
// sc (normally a *match.Index over the same entities) decides each candidate.
func New(entities []*vigil.Entity, sc vigil.Screener, opt Options) (*Scanner, error) {
	s := &Scanner{sc: sc, threshold: opt.Threshold, rareDF: opt.RareDF, dfFold: map[string]int{}, byID: map[string]int32{}}
	if s.threshold <= 0 {
		s.threshold = DefaultThreshold
	}
	if s.rareDF <= 0 {
		s.rareDF = max(20, len(entities)/1000)
	}
	type raw struct {
		entity int32
		kind   vigil.Kind
		words  []nameWord
	}
	var raws []raw
	for _, e := range entities {
		if e.Kind != vigil.KindPerson && e.Kind != vigil.KindOrganization && e.Kind != vigil.KindUnknown {
			continue
		}
		ei := int32(len(s.entities))
		s.entities = append(s.entities, e)
		s.byID[e.ID] = ei
		seenFold := map[string]bool{}
		for _, n := range e.Names {
			ws := nameWords(n.Full, e.Kind)
			if len(ws) == 0 {
				continue
			}
			raws = append(raws, raw{ei, e.Kind, ws})
			for _, w := range ws {
				if !seenFold[w.fold] {
					seenFold[w.fold] = true
					s.dfFold[w.fold]++
				}
			}
		}
	}
	// Postings per key, then the automaton over the keys that nominate.
	byKey := map[string][]int32{}
	for _, r := range raws {
		for i := range r.words {
			r.words[i].rare = s.dfFold[r.words[i].fold] <= s.rareDF
		}
		ni := int32(len(s.names))
		s.names = append(s.names, nameRec(r))
		for _, w := range r.words {
			if p := byKey[w.skel]; len(p) == 0 || p[len(p)-1] != ni {
				byKey[w.skel] = append(p, ni)
			}
		}
	}
	var patterns []string
	for k, p := range byKey {
		// A key that half the world's names share (Mohammed, John, Sergei)
		// nominates nobody: a name is only screened through a word that
		// narrows the field, and its common words are then checked against
		// the span directly.
		if len(p) > maxPostings {
			continue
		}
		patterns = append(patterns, " "+k+" ")
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

// nameWords returns the distinctive words of a listed name: its parts less
// titles, particles, function words, legal forms, numbers and initials, each
// once.
func nameWords(full string, k vigil.Kind) []nameWord {
	c := names.AnyClass
	switch k {
	case vigil.KindPerson:
		c = names.PersonClass
	case vigil.KindOrganization:
		c = names.OrgClass
	}
	var out []nameWord
	for _, p := range names.Parse(full, c) {
		switch p.Tag {
		case names.TagTitle, names.TagParticle, names.TagStop, names.TagLegal, names.TagNumber, names.TagInitial:
			continue
		}
		w := nameWord{skel: wordKey(p.Key), fold: p.Fold}
		if w.skel == "" || containsWord(out, w) {
			continue
		}
		out = append(out, w)
		if len(out) == 64 {
			break
		}
	}
	return out
}

func containsWord(ws []nameWord, w nameWord) bool {
	for _, x := range ws {
		if x.fold == w.fold {
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
