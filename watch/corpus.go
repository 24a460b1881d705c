package watch

import (
	"fmt"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/weights"
)

// Corpus is what subjects are screened against: the current list versions,
// their entries, and an index over them built with a weight epoch's
// factors.
type Corpus struct {
	Versions []vigil.ListVersion
	Index    *match.Index
	// Epoch is the weight epoch the index weighs name parts by.
	Epoch vigil.WeightEpoch
	// entries are the indexed entries, for a delta's index of the
	// listings that changed.
	entries []match.Entry
}

// NewCorpus returns the corpus of the current versions and their entries,
// indexed with the factors of the weight epoch (building the index when ix
// is nil; one given must have been built with them, see weights.For).
// Every entry must come from one of versions (read versions and entries so
// that they agree): a corpus whose versions and entities disagree would
// re-screen against the wrong difference, so it is refused; so is one
// without an epoch (ID 0), whose weights no later re-screen could match.
func NewCorpus(versions []vigil.ListVersion, entries []match.Entry, ix *match.Index, epoch vigil.WeightEpoch) (*Corpus, error) {
	if epoch.ID == 0 {
		return nil, fmt.Errorf("the index has no weight epoch: build it with weights.For")
	}
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
		ix = match.NewIndexWith(entries, match.Options{Rarity: weights.Table(epoch)})
	}
	return &Corpus{Versions: versions, Index: ix, Epoch: epoch, entries: entries}, nil
}

// versions maps each list of the corpus to its version.
func (c *Corpus) versions() map[string]int {
	m := make(map[string]int, len(c.Versions))
	for _, v := range c.Versions {
		m[v.List] = v.Version
	}
	return m
}

// listOf returns the list key of a version label ("ofac_sdn@3").
func listOf(label string) string {
	l, _, _ := strings.Cut(label, "@")
	return l
}
