package download

import (
	"errors"
	"fmt"
)

// DefaultMaxDrop is the largest share of entities a new version may lose
// against the last good one before CheckShrink refuses it.
const DefaultMaxDrop = 0.20

// ErrShrink is wrapped by CheckShrink's refusals.
var ErrShrink = errors.New("list shrank too much")

// CheckShrink refuses a new version with more than maxDrop (a fraction, 0.2
// for 20%) fewer entities than the last good version: a truncated, filtered
// or broken file must not replace the list. prev <= 0 (no previous version)
// always passes. The caller lets an operator override it (--force).
func CheckShrink(prev, next int, maxDrop float64) error {
	if maxDrop < 0 || maxDrop > 1 || maxDrop != maxDrop {
		return fmt.Errorf("shrink check: maximum drop %v is not a fraction between 0 and 1", maxDrop)
	}
	if prev <= 0 || next >= prev {
		return nil
	}
	drop := float64(prev-next) / float64(prev)
	if drop > maxDrop {
		return fmt.Errorf("%w: %d entities against %d in the last good version (%.1f%% fewer, more than the %.0f%% allowed); "+
			"the file may be truncated or filtered: check it, or force the import", ErrShrink, next, prev, 100*drop, 100*maxDrop)
	}
	return nil
}
