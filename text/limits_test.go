package text

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
)

const limitsText = "Qasem Soleimani met Kim Jong Un. Soleimani left. Yevgeny Prigozhin's fighters withdrew. " +
	"Hezbollah and Northern Lights Shipping were named. Prigozhin spoke."

// TestScanLimits checks that a limit on mentions or on queries to the
// matching core stops a scan with the mentions of a prefix of the text,
// flagged as truncated, and that no limit changes nothing.
func TestScanLimits(t *testing.T) {
	base := fixture(t)
	full := base.Scan(limitsText)
	if len(full) != 7 {
		t.Fatalf("the text has %d mentions, want 7: %q", len(full), found(limitsText, full))
	}
	// The queries a full scan asks the matching core, without a cache.
	cnt := &countingScreener{sc: base.sc}
	counted, err := New(base.entities, cnt, Options{CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	counted.Scan(limitsText)
	queries := int(cnt.n.Load())
	if queries < 5 {
		t.Fatalf("a full scan asked %d queries", queries)
	}

	type tc struct {
		name      string
		lim       Limits
		truncated bool
		mentions  int // -1: some, fewer than the full scan's
	}
	cases := []tc{
		{"no limits", Limits{}, false, 7},
		{"limits above the work", Limits{MaxMentions: 7, MaxQueries: queries}, false, 7},
		{"one query short", Limits{MaxQueries: queries - 1}, true, -1},
		{"one query", Limits{MaxQueries: 1}, true, 1},
	}
	for m := 1; m < 7; m++ {
		cases = append(cases, tc{fmt.Sprintf("%d mentions", m), Limits{MaxMentions: m}, true, m})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := New(base.entities, base.sc, Options{CacheSize: -1})
			if err != nil {
				t.Fatal(err)
			}
			r, err := s.ScanContext(context.Background(), limitsText, c.lim)
			if err != nil {
				t.Fatal(err)
			}
			if r.Truncated != c.truncated || r.Truncated != (r.ScreenedTo < len(limitsText)) {
				t.Errorf("truncated %v, screened to %d of %d; want truncated %v", r.Truncated, r.ScreenedTo, len(limitsText), c.truncated)
			}
			n := len(r.Mentions)
			if c.mentions >= 0 && n != c.mentions || c.mentions < 0 && (n == 0 || n >= len(full)) {
				t.Errorf("%d mentions (%q), want %d", n, found(limitsText, r.Mentions), c.mentions)
			}
			// What a truncated scan returns is the full scan's start.
			if !reflect.DeepEqual(found(limitsText, r.Mentions), found(limitsText, full[:min(n, len(full))])) {
				t.Errorf("mentions %q, want a prefix of %q", found(limitsText, r.Mentions), found(limitsText, full))
			}
			for _, m := range r.Mentions {
				if m.End > r.ScreenedTo {
					t.Errorf("mention %q ends at %d, past the screened %d bytes", m.Text, m.End, r.ScreenedTo)
				}
			}
			if r.Truncated && n < len(full) && full[n].End <= r.ScreenedTo {
				t.Errorf("mention %q lies in the screened %d bytes but is missing", full[n].Text, r.ScreenedTo)
			}
		})
	}
}

// cancellingScreener cancels a context when the scan asks its first query.
type cancellingScreener struct {
	sc     vigil.Screener
	cancel context.CancelFunc
}

func (c *cancellingScreener) Screen(q vigil.Query) []vigil.Match {
	c.cancel()
	return c.sc.Screen(q)
}

// TestScanStopsWithContext checks that a scan stops, with the context's
// error, when its request ends: before it starts and while it screens.
func TestScanStopsWithContext(t *testing.T) {
	base := fixture(t)
	text := limitsText
	ctx, cancel := context.WithCancel(context.Background())
	s, err := New(base.entities, &cancellingScreener{sc: base.sc, cancel: cancel}, Options{CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ScanContext(ctx, text, Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled while screening: err = %v, want context.Canceled", err)
	}
	if _, err := base.ScanContext(ctx, text, Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled before: err = %v, want context.Canceled", err)
	}
}

// TestLongRuns checks that a listed name inside a long run of name-like
// words (a pasted list, a text in capitals), which is screened in
// overlapping windows, is found wherever it stands, across window
// boundaries too, just as it is found standing alone.
func TestLongRuns(t *testing.T) {
	s := fixture(t)
	filler := strings.Fields("Alder Birch Cedar Dogwood Elm Fir Ginkgo Hazel Juniper Larch Maple Oak")
	name := "Sergei Borisovich Ivanov"
	alone := found(name, s.Scan(name))
	if len(alone) != 1 {
		t.Fatalf("%q alone: %q", name, alone)
	}
	const run = 3 * maxRun
	for _, at := range []int{0, 1, maxRun/2 - 2, maxRun/2 - 1, maxRun / 2, maxRun - 2, maxRun - 1, maxRun, maxRun + 5, run - 3} {
		var words []string
		for i := 0; len(words) < run-3; i++ {
			if len(words) == at {
				words = append(words, strings.Fields(name)...)
			}
			words = append(words, filler[i%len(filler)])
		}
		if len(words) == at {
			words = append(words, strings.Fields(name)...)
		}
		text := strings.Join(words, " ")
		if got := found(text, s.Scan(text)); !reflect.DeepEqual(got, alone) {
			t.Errorf("name at word %d of a run of %d: %q, want %q", at, len(words), got, alone)
		}
	}
}

// TestWindows checks the windows long runs are cut into: short spans stay
// whole; every stretch of up to maxRun/2+1 tokens of a long one lies in one
// window of at most maxRun tokens.
func TestWindows(t *testing.T) {
	for _, sp := range [][2]int{{0, 0}, {3, 3 + maxRun - 1}, {5, 5 + maxRun}, {0, 3*maxRun + 7}, {10, 10 + 2*maxRun}} {
		ws := windows([][2]int{sp}, maxRun)
		if sp[1]-sp[0] < maxRun && (len(ws) != 1 || ws[0] != sp) {
			t.Errorf("span %v cut into %v", sp, ws)
		}
		for _, w := range ws {
			if w[0] < sp[0] || w[1] > sp[1] || w[1]-w[0] >= maxRun {
				t.Errorf("span %v: window %v", sp, w)
			}
		}
		for a := sp[0]; a <= sp[1]; a++ {
			b := min(a+maxRun/2, sp[1])
			in := false
			for _, w := range ws {
				in = in || w[0] <= a && b <= w[1]
			}
			if !in {
				t.Errorf("span %v: tokens %d-%d lie in no one window of %v", sp, a, b, ws)
			}
		}
	}
}

// TestBatchesChangeNothing checks that working a text through in batches
// of spans finds what one pass over all its spans finds.
func TestBatchesChangeNothing(t *testing.T) {
	check := func(t *testing.T, base *Scanner, texts []string) {
		for _, text := range texts {
			var want []string
			for _, batch := range []int{1 << 30, 1, 3, 64, batchTokens} {
				s := *base
				s.batch = batch
				got := found(text, s.Scan(text))
				if want == nil {
					want = got
					continue
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("batches of %d tokens: %d mentions %.300q, want %d: %.300q", batch, len(got), got, len(want), want)
				}
			}
		}
	}
	long := strings.Repeat("Qasem Soleimani met Kim Jong Un. ", 50) + strings.Repeat("SERGEI BORISOVICH IVANOV NORTHERN LIGHTS SHIPPING ", 40) + "Soleimani left."
	check(t, fixture(t), []string{limitsText, long})
	t.Run("real lists", func(t *testing.T) {
		s := realLists(t)
		check(t, s, []string{newsText(seedText(t), 64<<10), listedRun(s, 16<<10)})
	})
}
