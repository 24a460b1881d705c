package match

import (
	"hash/maphash"
	"sync"

	"github.com/vigil-screening/vigil/names"
)

// hoodCache remembers, across queries, the listed parts each query part
// meets through the retrieval keys and its (upper) similarity to each: a
// pure function of the part, and the costliest step of retrieval. Names
// repeat their parts far more than whole names (given names, surnames),
// so that in a batch most parts are met once. It is sharded, each shard
// under its own lock, and bounded: a full shard is emptied.
type hoodCache struct {
	seed   maphash.Seed
	shards [hoodShards]hoodShard
}

const (
	hoodShards   = 64
	hoodPerShard = 2048 // 131,072 parts in all, about 20 MB at most
)

type hoodShard struct {
	mu sync.RWMutex
	m  map[names.Part][]metTok
}

func newHoodCache() *hoodCache {
	return &hoodCache{seed: maphash.MakeSeed()}
}

func (c *hoodCache) shard(x *names.Part) *hoodShard {
	return &c.shards[maphash.String(c.seed, x.Text)%hoodShards]
}

// get returns the met parts of x (best first) and whether they were known
// (never, from a nil cache).
func (c *hoodCache) get(x *names.Part) ([]metTok, bool) {
	if c == nil {
		return nil, false
	}
	sh := c.shard(x)
	sh.mu.RLock()
	met, ok := sh.m[*x]
	sh.mu.RUnlock()
	return met, ok
}

// put records the met parts of x; met must not change afterwards. A nil
// cache records nothing.
func (c *hoodCache) put(x *names.Part, met []metTok) {
	if c == nil {
		return
	}
	sh := c.shard(x)
	sh.mu.Lock()
	if sh.m == nil || len(sh.m) >= hoodPerShard {
		sh.m = make(map[names.Part][]metTok, 64)
	}
	sh.m[*x] = met
	sh.mu.Unlock()
}

// ForgetParts drops the query parts remembered across queries, so that a
// benchmark replaying the same queries measures them as met afresh.
func (ix *Index) ForgetParts() {
	if ix.hoods == nil {
		return
	}
	for i := range ix.hoods.shards {
		sh := &ix.hoods.shards[i]
		sh.mu.Lock()
		sh.m = nil
		sh.mu.Unlock()
	}
}
