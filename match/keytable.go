package match

import (
	"cmp"
	"slices"
)

// keyTable maps 64-bit key hashes to runs of ids held in one flat slice,
// by open addressing. Written by hand because a Go map with slice values
// costs an allocation and a pointer per key (hundreds of thousands of keys:
// work for the collector and scattered memory), where here a lookup reads
// one slot and one run.
type keyTable struct {
	slots []keySlot // a power of two of them; n == 0 marks an empty slot
	ids   []uint32
}

type keySlot struct {
	key uint64
	off uint32
	n   uint32
}

// keyID is one (key, id) pair to build a keyTable from.
type keyID struct {
	key uint64
	id  uint32
}

// newKeyTable builds the table from pairs (reordered); each key's ids keep
// ascending order, without repeats.
func newKeyTable(pairs []keyID) keyTable {
	slices.SortFunc(pairs, func(a, b keyID) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	})
	keys := 0
	for i := range pairs {
		if i == 0 || pairs[i].key != pairs[i-1].key {
			keys++
		}
	}
	size := 1
	for size < 2*keys {
		size <<= 1
	}
	t := keyTable{slots: make([]keySlot, size), ids: make([]uint32, 0, len(pairs))}
	for i := 0; i < len(pairs); {
		k := pairs[i].key
		off := len(t.ids)
		for ; i < len(pairs) && pairs[i].key == k; i++ {
			if len(t.ids) == off || t.ids[len(t.ids)-1] != pairs[i].id {
				t.ids = append(t.ids, pairs[i].id)
			}
		}
		s := t.find(k)
		*s = keySlot{key: k, off: uint32(off), n: uint32(len(t.ids) - off)}
	}
	return t
}

// find returns the slot of key k, or the empty slot where it would go.
func (t *keyTable) find(k uint64) *keySlot {
	mask := uint64(len(t.slots) - 1)
	for i := (k ^ k>>29) & mask; ; i = (i + 1) & mask {
		if s := &t.slots[i]; s.n == 0 || s.key == k {
			return s
		}
	}
}

// get returns the ids of key k (nil when it has none).
func (t *keyTable) get(k uint64) []uint32 {
	if len(t.slots) == 0 {
		return nil
	}
	s := t.find(k)
	if s.n == 0 {
		return nil
	}
	return t.ids[s.off : s.off+s.n]
}
