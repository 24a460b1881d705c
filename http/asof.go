package http

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/vigil-screening/vigil"
)

// asOfIndexes keeps the last few indexes built to screen as of a date,
// keyed by the set of list versions in force then, most recently used
// first. Building an index over all lists takes seconds and much memory,
// while an auditor asks about the same few dates again and again; so the
// last few are kept (a small LRU), one is built at a time, and concurrent
// requests for the same set wait for one build.
type asOfIndexes struct {
	max     int
	mu      sync.Mutex
	entries []asOfEntry
	pending map[string]chan struct{}
	build   sync.Mutex // one build at a time: each holds a whole index
}

type asOfEntry struct {
	key string
	ix  Index
}

// get returns the index for key, building it with build when it is not
// kept. The build runs to completion even when ctx ends first, so that a
// client that gives up does not waste it.
func (c *asOfIndexes) get(ctx context.Context, key string, build func(context.Context) (Index, error)) (Index, error) {
	for {
		c.mu.Lock()
		for i, e := range c.entries {
			if e.key == key {
				copy(c.entries[1:i+1], c.entries[:i])
				c.entries[0] = e
				c.mu.Unlock()
				return e.ix, nil
			}
		}
		wait, building := c.pending[key]
		if !building {
			if c.pending == nil {
				c.pending = map[string]chan struct{}{}
			}
			done := make(chan struct{})
			c.pending[key] = done
			c.mu.Unlock()
			type result struct {
				ix  Index
				err error
			}
			res := make(chan result, 1)
			go func() {
				c.build.Lock()
				defer c.build.Unlock()
				bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
				defer cancel()
				ix, err := build(bctx)
				c.mu.Lock()
				delete(c.pending, key)
				if err == nil {
					c.entries = append([]asOfEntry{{key, ix}}, c.entries...)
					if len(c.entries) > c.max {
						c.entries[c.max] = asOfEntry{} // let the index go
						c.entries = c.entries[:c.max]
					}
				}
				c.mu.Unlock()
				close(done)
				res <- result{ix, err}
			}()
			select {
			case r := <-res:
				return r.ix, r.err
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		c.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// versionsKey identifies a set of list versions.
func versionsKey(vs []vigil.ListVersion) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(v.Label())
		b.WriteByte(',')
	}
	return b.String()
}

// indexAsOf returns the index to screen against as of asOf ("" for the
// served snapshot's), with the versions it holds.
func (s *Server) indexAsOf(ctx context.Context, snap *Snapshot, asOf string) (Index, []vigil.ListVersion, error) {
	if asOf == "" {
		return snap.Index, snap.Versions, nil
	}
	t, err := vigil.ParseAsOf(asOf, time.Now())
	if err != nil {
		return nil, nil, badRequest("field \"as_of\" %q: %v", asOf, err)
	}
	if s.opts.Store == nil || s.opts.BuildIndex == nil {
		return nil, nil, &requestError{http.StatusNotImplemented, "screening as of a date is not available on this server"}
	}
	vs, err := s.opts.Store.AsOf(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	if len(vs) == 0 {
		return nil, nil, &requestError{http.StatusNotFound, "no list version was in force on " + asOf}
	}
	key := versionsKey(vs)
	if key == versionsKey(snap.Versions) {
		return snap.Index, vs, nil
	}
	ix, err := s.asOf.get(ctx, key, func(ctx context.Context) (Index, error) { return s.opts.BuildIndex(ctx, vs) })
	if err != nil {
		return nil, nil, err
	}
	return ix, vs, nil
}
