package watch

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// MatcherVersion identifies the matcher's scoring, recorded with every
// alert and run: a run screened with another version re-screens in full.
// (The match package has no version of its own yet.)
const MatcherVersion = "match-2026.1"

// Corpus is what subjects are screened against: the current list versions
// and an index over their entities.
type Corpus struct {
	Versions []vigil.ListVersion
	Index    *match.Index
	// Stats signs what the index weighs name parts by (see stats).
	Stats string
}

// NewCorpus returns the corpus of the current versions and their entries,
// building the index over entries when ix is nil. Every entry must come
// from one of versions (read versions and entries so that they agree): a
// corpus whose versions and entities disagree would re-screen against the
// wrong difference, so it is refused.
func NewCorpus(versions []vigil.ListVersion, entries []match.Entry, ix *match.Index) (*Corpus, error) {
	labels := make(map[string]bool, len(versions))
	for _, v := range versions {
		labels[v.Label()] = true
	}
	for _, en := range entries {
		if !labels[en.Version] {
			return nil, fmt.Errorf("the entities (%s) are not of the current versions: a list was imported while they were read", en.Version)
		}
	}
	if ix == nil {
		ix = match.NewIndex(entries)
	}
	return &Corpus{Versions: versions, Index: ix, Stats: stats(entries)}, nil
}

// versions maps each list of the corpus to its version.
func (c *Corpus) versions() map[string]int {
	m := make(map[string]int, len(c.Versions))
	for _, v := range c.Versions {
		m[v.List] = v.Version
	}
	return m
}

// stats signs the names of the entries with their kinds. The index weighs
// each name part by how many indexed names hold it (match.NewIndex: a part
// held by more than 0.2% of the names weighs less, the more so the more
// common), so that adding or removing any name moves the weight of every
// common part, and with it the score of pairs that did not change: a
// subject that scored 0.781 against an unchanged listing may score 0.779
// once other listings arrive. A delta re-screen is exact only while the
// weights stay; they stay while the names and kinds stay, which this
// signature tells. The weights are a function of exactly that (the names,
// parsed by the class of their entity's kind), so an equal signature
// proves equal weights; a different one forces a full re-screen.
func stats(entries []match.Entry) string {
	var keys []string
	for _, en := range entries {
		for _, n := range en.Entity.Names {
			keys = append(keys, string(en.Entity.Kind)+"\x00"+n.Full)
		}
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// listOf returns the list key of a version label ("ofac_sdn@3").
func listOf(label string) string {
	l, _, _ := strings.Cut(label, "@")
	return l
}
