package vigil

import (
	"context"
	"time"
)

// WeightEpoch is a period during which every index screens with the same
// name-part weights: the rarity factors (how much less a part common on the
// lists weighs) derived from the lists once, when the epoch began, and kept
// while the lists change a little. Every process screening against a
// store (the service, the command line, replicas) builds its index with
// the current epoch's factors, so that a (query, listing) pair scores the
// same wherever and whenever it is screened while the epoch lasts, and a
// list change moves only the scores of the listings it changes.
type WeightEpoch struct {
	ID      int64     `json:"id"`
	Created time.Time `json:"created"`
	// Matcher is the matcher version the factors were derived by.
	Matcher string `json:"matcher"`
	// Reason says why the epoch began.
	Reason string `json:"reason"`
	// Lists maps each list key to the version the factors were derived
	// from.
	Lists map[string]int `json:"lists"`
	// Rarity maps a name part's key to its factor, for the parts whose
	// factor is below their built-in one (match.RarityTable); never nil
	// once stored.
	Rarity map[string]float64 `json:"rarity"`
}

// EpochStore keeps the weight epochs.
type EpochStore interface {
	// CurrentEpoch returns the newest epoch, or ErrNotFound when there is
	// none yet.
	CurrentEpoch(ctx context.Context) (WeightEpoch, error)
	// AddEpoch stores e as the new current epoch (setting its ID) if the
	// current one is still prev (0: none), in one transaction; otherwise
	// it stores nothing and returns ErrConflict: another process began
	// an epoch meanwhile.
	AddEpoch(ctx context.Context, e *WeightEpoch, prev int64) error
}
