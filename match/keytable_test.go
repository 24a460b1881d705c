package match

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestKeyTable checks the table against a map over random keys, repeated
// pairs and the zero key.
func TestKeyTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[uint64][]uint32{}
	var pairs []keyID
	for i := 0; i < 20000; i++ {
		k := rng.Uint64() % 5000 // many ids per key
		if i%97 == 0 {
			k = 0
		}
		id := rng.Uint32() % 300
		pairs = append(pairs, keyID{k, id}, keyID{k, id}) // each twice
		if !slices.Contains(want[k], id) {
			want[k] = append(want[k], id)
		}
	}
	tab := newKeyTable(pairs)
	for k, ids := range want {
		slices.Sort(ids)
		if got := tab.get(k); !slices.Equal(got, ids) {
			t.Fatalf("key %d: got %v, want %v", k, got, ids)
		}
	}
	for k := uint64(5000); k < 6000; k++ {
		if got := tab.get(k); got != nil {
			t.Fatalf("absent key %d: got %v", k, got)
		}
	}
	var empty keyTable
	if empty.get(1) != nil {
		t.Fatal("empty table returned ids")
	}
}
