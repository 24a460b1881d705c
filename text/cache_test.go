package text

import (
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/vigil-screening/vigil"
)

// countingScreener counts the queries that reach the matching core.
type countingScreener struct {
	sc vigil.Screener
	n  atomic.Int64
}

func (c *countingScreener) Screen(q vigil.Query) []vigil.Match {
	c.n.Add(1)
	return c.sc.Screen(q)
}

var cacheTexts = []string{
	"Major General Qassem Soleimani arrived. Soleimani left.",
	"Yevgeny Prigozhin's fighters withdrew; Kim Jong-un watched.",
	"Lebanese Hezbollah fighters and Northern Lights Shipping were named.",
	"Sergei Lavrov met John Kirby and Qasem Soleimani in Moscow.",
}

// TestScanCache checks that a span text is screened once per article and
// once across articles, and that cached answers give the same mentions as
// a scanner without a cache.
func TestScanCache(t *testing.T) {
	base := fixture(t)
	cnt := &countingScreener{sc: base.sc}
	s, err := New(base.entities, cnt, Options{CacheSize: 64})
	if err != nil {
		t.Fatal(err)
	}
	uncached, err := New(base.entities, base.sc, Options{CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	if uncached.screened != nil {
		t.Fatal("CacheSize -1 kept a cache")
	}
	text := "Qasem Soleimani flew. Qasem Soleimani landed. Qasem\nSoleimani left."
	s.Scan(text)
	if n := cnt.n.Load(); n != 1 {
		t.Errorf("one span text written three times (once across a line) screened %d times, want 1", n)
	}
	s.Scan(text)
	if n := cnt.n.Load(); n != 1 {
		t.Errorf("second scan screened again: %d queries, want 1", n)
	}
	for _, x := range cacheTexts {
		if got, want := found(x, s.Scan(x)), found(x, uncached.Scan(x)); !reflect.DeepEqual(got, want) {
			t.Errorf("cached scan of %q = %q, uncached %q", x, got, want)
		}
	}
}

// TestScanConcurrent scans from many goroutines at once through one shared
// cache (run with -race) and checks every result against a sequential scan.
func TestScanConcurrent(t *testing.T) {
	base := fixture(t)
	s, err := New(base.entities, base.sc, Options{CacheSize: 8})
	if err != nil {
		t.Fatal(err)
	}
	want := make([][]string, len(cacheTexts))
	for i, x := range cacheTexts {
		want[i] = found(x, s.Scan(x))
		if len(want[i]) == 0 {
			t.Fatalf("no mentions in %q", x)
		}
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for k := range 50 {
				i := (g + k) % len(cacheTexts)
				if got := found(cacheTexts[i], s.Scan(cacheTexts[i])); !reflect.DeepEqual(got, want[i]) {
					t.Errorf("goroutine %d: %q gave %q, want %q", g, cacheTexts[i], got, want[i])
					return
				}
				if k%10 == 0 {
					s.screened.Purge()
				}
			}
		})
	}
	wg.Wait()
}

// TestSpanMemoByPlace checks that spans whose words read alike but sit at
// other token places (after a title, across a particle) each get their own
// token range: a span's checks are remembered by its words and their places.
func TestSpanMemoByPlace(t *testing.T) {
	text := "General Qasem Soleimani spoke. Qasem Soleimani left. Major General Qasem Soleimani returned."
	got := found(text, fixture(t).Scan(text))
	want := []string{"Qasem Soleimani=test:p1", "Qasem Soleimani=test:p1", "Qasem Soleimani=test:p1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Scan = %q, want %q", got, want)
	}
}
