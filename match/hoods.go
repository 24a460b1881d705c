package match

import (
	"hash/maphash"
	"sync"
	"sync/atomic"

	"github.com/vigil-screening/vigil/names"
)

// hoodCache remembers, across queries, what is known of each query part:
// the listed parts it meets through the retrieval keys with its (upper)
// similarity to each (a pure function of the part, and the costliest step
// of retrieval) and, once the part has been queried often, its near data:
// every listed part it may be aligned with and what that covers of every
// form (see nearData), and from its eighth query, if it retrieves many
// forms, its heavy posting (see heavyPost). Names repeat their parts
// far more than whole names (given names, surnames), so that in a batch
// most parts are met once. It is sharded, each shard under its own lock,
// and bounded: a full shard is emptied.
type hoodCache struct {
	seed   maphash.Seed
	shards [hoodShards]hoodShard
	// A part gets its near data at its nearAfter-th query, when making
	// it (scans of every listed part and form, a few ms) costs less than
	// what it saves; at most maxNears parts have it (about 64 KB each).
	nearAfter, maxNears int32
	// nears counts the near data made.
	nears atomic.Int32
	// A part retrieving at least heavyForms forms gets its heavy posting
	// at its heavyAfter-th query, while the postings' bytes (heavyBytes)
	// stay under maxHeavyBytes.
	heavyAfter    int32
	heavyForms    int
	heavyBytes    atomic.Int64
	maxHeavyBytes int64
	// heavyMade counts the heavy postings made.
	heavyMade atomic.Int64
}

const (
	hoodShards   = 64
	hoodPerShard = 2048 // 131,072 parts in all, about 20 MB at most
)

type hoodShard struct {
	mu sync.RWMutex
	m  map[names.Part]*hoodEntry
}

// hoodEntry is what is known of one query part.
type hoodEntry struct {
	met []metTok // never changed once stored
	// id is the part's interned id (0: the index has not seen it) and
	// rar its rarity factor, so that a query looks its parts up once.
	id  uint32
	rar float64
	// pseudo is what the part retrieves as pseudo-parts (see pseudoOf),
	// for a retrievable part.
	pseudo pseudo
	seen   atomic.Int32
	near   atomic.Pointer[nearData]
	// heavy is the part's heavy posting, once made (see heavyOf); light
	// is set when the part retrieves too few forms to need one.
	heavy atomic.Pointer[heavyPost]
	light atomic.Bool
}

func newHoodCache() *hoodCache {
	return &hoodCache{seed: maphash.MakeSeed(), nearAfter: 256, maxNears: 512, heavyAfter: 8, heavyForms: 64, maxHeavyBytes: 64 << 20}
}

func (c *hoodCache) shard(x *names.Part) *hoodShard {
	return &c.shards[maphash.String(c.seed, x.Text)%hoodShards]
}

// get returns what is known of x, or nil (always, from a nil cache).
func (c *hoodCache) get(x *names.Part) *hoodEntry {
	if c == nil {
		return nil
	}
	sh := c.shard(x)
	sh.mu.RLock()
	e := sh.m[*x]
	sh.mu.RUnlock()
	return e
}

// put records the met parts of x (which must not change afterwards) with
// its id, rarity and pseudo-parts (see hoodEntry). A nil cache records
// nothing.
func (c *hoodCache) put(x *names.Part, met []metTok, id uint32, rar float64, ps pseudo) {
	if c == nil {
		return
	}
	sh := c.shard(x)
	sh.mu.Lock()
	if sh.m == nil || len(sh.m) >= hoodPerShard {
		c.dropHeavy(sh.m)
		sh.m = make(map[names.Part]*hoodEntry, 64)
	}
	sh.m[*x] = &hoodEntry{met: met, id: id, rar: rar, pseudo: ps}
	sh.mu.Unlock()
}

// nearOf returns the near data of query part x (the entry e of the
// cache), once x has been queried nearAfter times (making it then), else
// nil.
func (ix *Index) nearOf(e *hoodEntry, x *names.Part) *nearData {
	if r := e.near.Load(); r != nil {
		return r
	}
	if e.seen.Add(1) < ix.hoods.nearAfter || ix.hoods.nears.Load() >= ix.hoods.maxNears {
		return nil
	}
	// Two goroutines may both make it; either serves.
	r := ix.makeNear(x)
	if e.near.CompareAndSwap(nil, r) {
		ix.hoods.nears.Add(1)
	}
	return e.near.Load()
}

// dropHeavy gives back the bytes of the heavy postings of m, a shard
// being emptied.
func (c *hoodCache) dropHeavy(m map[names.Part]*hoodEntry) {
	var n int64
	for _, e := range m {
		if h := e.heavy.Load(); h != nil {
			n += h.size()
		}
	}
	c.heavyBytes.Add(-n)
}

// heavyOf returns the heavy posting of the hood cache entry e, making it
// at the part's heavyAfter-th query (while the postings' budget allows),
// or nil: before then, for a part retrieving few forms, or past the
// budget.
func (ix *Index) heavyOf(e *hoodEntry) *heavyPost {
	if h := e.heavy.Load(); h != nil || e.light.Load() {
		return h
	}
	c := ix.hoods
	if e.seen.Load() < c.heavyAfter && e.near.Load() == nil {
		return nil
	}
	n := 0
	for _, m := range e.met {
		n += len(ix.tokForms(m.id))
	}
	if n < c.heavyForms {
		e.light.Store(true)
		return nil
	}
	// The budget is taken before the posting is made (at most the size
	// of n forms), so that past it no query makes one in vain.
	most := heavySize(n, len(ix.heads))
	if c.heavyBytes.Add(most) > c.maxHeavyBytes {
		c.heavyBytes.Add(-most)
		return nil
	}
	h := ix.makeHeavy(e.met)
	c.heavyMade.Add(1)
	size := h.size()
	c.heavyBytes.Add(size - most)
	// Two goroutines may both make it; either serves.
	if !e.heavy.CompareAndSwap(nil, h) {
		c.heavyBytes.Add(-size)
	}
	return e.heavy.Load()
}

// entry returns the index's hood cache entry for x, making one without
// met parts for a part retrieval does not look up (an initial, a
// particle): it has a near list all the same.
func (ix *Index) entry(x *names.Part) *hoodEntry {
	c := ix.hoods
	if e := c.get(x); e != nil || c == nil {
		return e
	}
	if indexable(x.Tag) {
		return nil // retrieval meets it first
	}
	id, rar := ix.partFacts(x)
	c.put(x, nil, id, rar, pseudo{})
	return c.get(x)
}

// ForgetParts drops the query parts (and merge runs) remembered across
// queries, so that a benchmark replaying the same queries measures them as
// met afresh.
func (ix *Index) ForgetParts() {
	if ix.hoods == nil {
		return
	}
	for i := range ix.hoods.shards {
		sh := &ix.hoods.shards[i]
		sh.mu.Lock()
		ix.hoods.dropHeavy(sh.m)
		sh.m = nil
		sh.mu.Unlock()
	}
	ix.hoods.nears.Store(0)
	ix.runs.forget()
}
