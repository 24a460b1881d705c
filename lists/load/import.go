package load

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/download"
)

// MaxDrop is the share of entities a new complete version may lose against the
// list's current version before it is refused as suspicious.
const MaxDrop = 0.20

// Options control Import.
type Options struct {
	// Force imports a version even when it shrank by more than MaxDrop.
	Force bool
	// Now stamps the version's import time; time.Now when nil.
	Now func() time.Time
}

// Import stores a dataset as a new version of its list. A complete version that
// holds far fewer entities than the current one is refused unless forced, so
// that a truncated or broken download never replaces the last good version.
// Importing a file already imported returns the earlier version and
// vigil.ErrDuplicate.
func Import(ctx context.Context, st vigil.Store, ds *Dataset, opt Options) (vigil.ListVersion, error) {
	v := ds.Version()
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	v.Imported = now().UTC()
	if !opt.Force && !v.Partial {
		cur, err := st.Current(ctx)
		if err != nil {
			return vigil.ListVersion{}, err
		}
		for _, c := range cur {
			if c.List != v.List || c.Partial || c.Hash == v.Hash {
				continue
			}
			if err := download.CheckShrink(c.Entities, v.Entities, MaxDrop); err != nil {
				return vigil.ListVersion{}, fmt.Errorf("%s: %w (current %s has %d entities; use --force to import anyway)", ds.Files[0], err, c.Label(), c.Entities)
			}
		}
	}
	got, err := st.Import(ctx, v, ds.Entities)
	if err != nil && !errors.Is(err, vigil.ErrDuplicate) {
		return got, fmt.Errorf("%s: %w", ds.Files[0], err)
	}
	return got, err
}
