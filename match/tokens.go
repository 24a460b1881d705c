package match

import (
	"hash/maphash"

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
	slow                   bool  // too long to summarise: always compare in full
}

var tokSeed = maphash.MakeSeed()

func (t *tokInfo) set(x *names.Part) {
	h := func(s string) uint32 { return uint32(maphash.String(tokSeed, s)) }
	*t = tokInfo{keyH: h(x.Key), foldH: h(x.Fold), skelH: h(x.Skel), tag: x.Tag, abjad: x.Abjad()}
	t.hist.set(x)
	t.slow = !t.hist.ok
	t.keyLen, t.foldLen, t.skLen = uint8(len(x.Key)), uint8(len(x.Fold)), uint8(len(x.Skel))
	switch x.Script {
	case "Hani":
		t.logo = 1
	case "Hang":
		t.logo = 2
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
