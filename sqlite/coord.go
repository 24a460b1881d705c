package sqlite

import (
	"context"

	vigil "github.com/vigil-screening/vigil"
)

var _ vigil.Backend = (*Store)(nil)

// Lead always leads: a SQLite file serves one machine, and each process
// refreshing its lists on its own is how it has always worked (imports
// serialise on SQLite's write lock; a file imported twice adds nothing).
func (s *Store) Lead(ctx context.Context, name string) (bool, error) { return true, ctx.Err() }

// Listen announces nothing: SQLite has no way to tell other processes of a
// change, so their users poll. It returns when ctx ends.
func (s *Store) Listen(ctx context.Context, fn func(topic string)) error {
	<-ctx.Done()
	return nil
}
