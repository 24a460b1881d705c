package match

import (
	"hash/maphash"
	"strings"

	"github.com/vigil-screening/vigil/names"
)

// tokInfo is a compact summary of a part for the similarity rows: hashes
// and lengths of its spellings and its letter histograms, so that most
// unrelated pairs are told apart without reading the spellings.
type tokInfo struct {
	hist                   partHist
	keyH, foldH, skelH     uint32
	keyLen, foldLen, skLen uint8
	tag                    names.Tag
	abjad                  bool
	logo                   uint8 // 1 Han, 2 Hangul, else 0
	// arab is set for a word read letter by letter (Arabic, Hebrew,
	// kana), latin for a Latin word: such a pair is compared by abjadSim,
	// never from letter counts.
	arab, latin bool
	slow        bool // too long to summarise: always compare in full
	// text8 and key8 hold the first 8 bytes of Text and Key (little
	// endian), textLen the length of Text (saturated at 255), skel0 the
	// first letter of Skel.
	text8, key8 uint64
	textLen     uint8
	skel0       byte
}

func first8(s string) uint64 {
	var v uint64
	for i := 0; i < len(s) && i < 8; i++ {
		v |= uint64(s[i]) << (8 * i)
	}
	return v
}

// longerPrefix reports whether a part's Text is longer than k and begins
// with it, from its length (saturated at 255) and first 8 bytes (text, the
// Text itself, is read only when k is longer than 8 bytes).
func longerPrefix(text8 uint64, textLen uint8, k, text string) bool {
	if len(k) > 8 || textLen == 255 {
		return len(text) > len(k) && strings.HasPrefix(text, k)
	}
	if int(textLen) <= len(k) {
		return false
	}
	mask := uint64(1)<<(8*len(k)) - 1
	if len(k) == 8 {
		mask = ^uint64(0)
	}
	return text8&mask == first8(k)
}

// formPart is what nameBound reads of one part of a form, copied from the
// part's tokInfo so that a form's parts lie together in memory.
type formPart struct {
	w           float64
	text8, key8 uint64
	id, skelH   uint32
	tag         names.Tag
	keyLen      uint8
	textLen     uint8
	slow        bool
}

func newFormPart(t *tokInfo, id uint32, w float64) formPart {
	return formPart{w: w, text8: t.text8, key8: t.key8, id: id, skelH: t.skelH, tag: t.tag, keyLen: t.keyLen, textLen: t.textLen, slow: t.slow}
}

var tokSeed = maphash.MakeSeed()

func (t *tokInfo) set(x *names.Part) {
	h := func(s string) uint32 { return uint32(maphash.String(tokSeed, s)) }
	*t = tokInfo{keyH: h(x.Key), foldH: h(x.Fold), skelH: h(x.Skel), tag: x.Tag, abjad: x.Abjad()}
	t.hist.set(x)
	t.slow = !t.hist.ok
	// Lengths saturate at 255; such words are slow (see hist.ok).
	t.keyLen, t.foldLen, t.skLen = uint8(min(len(x.Key), 255)), uint8(min(len(x.Fold), 255)), uint8(min(len(x.Skel), 255))
	t.text8, t.key8, t.textLen = first8(x.Text), first8(x.Key), uint8(min(len(x.Text), 255))
	if x.Skel != "" {
		t.skel0 = x.Skel[0]
	}
	switch x.Script {
	case "Hani":
		t.logo = 1
	case "Hang":
		t.logo = 2
	case "Arab", "Hebr", "Kana":
		t.arab = x.ArabicLetters() != nil
	case "Latn":
		t.latin = true
	}
}

// quickSim answers partSimHist(a, b, floor, …, upper) from the summaries
// alone when it can: ok is false when the spellings must be read. With
// upper unset it answers only pairs below floor (0).
func quickSim(a, b *tokInfo, floor float64, upper bool) (s float64, ok bool) {
	switch {
	case a.slow || b.slow,
		a.tag == names.TagLegal || b.tag == names.TagLegal || a.tag == names.TagNumber || b.tag == names.TagNumber,
		a.logo != 0 && a.logo == b.logo,
		a.keyH == b.keyH,
		a.tag == names.TagInitial || b.tag == names.TagInitial,
		a.skLen > 0 && a.skelH == b.skelH,
		a.abjad != b.abjad && a.skLen >= 3 && b.skLen >= 3,
		a.arab && b.latin || a.latin && b.arab,
		a.logo != 0 && b.latin || a.latin && b.logo != 0,
		a.foldH == b.foldH:
		return 0, false
	}
	// No phonetic evidence here: only the edit similarities, bounded by
	// letter counts.
	ub := max(histBound(&a.hist.key, &b.hist.key, int(a.keyLen), int(b.keyLen)), histBound(&a.hist.fold, &b.hist.fold, int(a.foldLen), int(b.foldLen)))
	if ub < floor {
		return 0, true
	}
	if upper {
		return ub, true
	}
	return 0, false
}
