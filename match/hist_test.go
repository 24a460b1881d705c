package match

import (
	"math/rand"
	"slices"
	"testing"

	"github.com/vigil-screening/vigil/names"
)

// TestHistBoundMatchesLetterBound checks the packed histogram bound against
// letterBound on random words, long ones with few letters included.
func TestHistBoundMatchesLetterBound(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	word := func() string {
		n, alpha := r.Intn(20), "abcdeiouyxz0139"
		if r.Intn(10) == 0 {
			n, alpha = 100+r.Intn(28), "ae"
		}
		b := make([]byte, n)
		for i := range b {
			b[i] = alpha[r.Intn(len(alpha))]
		}
		return string(b)
	}
	for i := 0; i < 20000; i++ {
		a, b := word(), word()
		pa := names.Part{Key: a, Fold: a}
		pb := names.Part{Key: b, Fold: b}
		var ha, hb partHist
		ha.set(&pa)
		hb.set(&pb)
		if got, want := histBound(&ha.key, &hb.key, len(a), len(b)), letterBound(a, b, false); got != want {
			t.Fatalf("%q %q: key %v want %v", a, b, got, want)
		}
		if got, want := histBound(&ha.fold, &hb.fold, len(a), len(b)), letterBound(a, b, true); got != want {
			t.Fatalf("%q %q: fold %v want %v", a, b, got, want)
		}
	}
}

// TestSelectBest checks the quickselect against a full sort.
func TestSelectBest(t *testing.T) {
	r := rand.New(rand.NewSource(2))
	for n := 1; n < 300; n += 7 {
		c := make([]candWeight, n)
		for i := range c {
			c[i] = candWeight{int32(r.Intn(50)), float32(r.Intn(20)) / 20, 0}
		}
		want := slices.Clone(c)
		slices.SortFunc(want, candBefore)
		for _, k := range []int{1, n / 3, n - 1, n} {
			if k < 1 {
				continue
			}
			got := slices.Clone(c)
			selectBest(got, k)
			got = got[:k]
			slices.SortFunc(got, candBefore)
			if !slices.Equal(got, want[:k]) {
				t.Fatalf("n %d k %d: got %v want %v", n, k, got, want[:k])
			}
		}
	}
}
