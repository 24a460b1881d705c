package text

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode"

	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/match"
)

// newsText builds about n bytes of news-like text: the seed article between
// generated paragraphs that name many people, places and bodies, most of
// them unlisted, so that the scanner sees thousands of distinct names.
func newsText(seed string, n int) string {
	given := strings.Fields("John Sergei Vladimir Mohammed Ali Kim David Maria Anna Ivan Ahmad Hassan Yuri Peter Lidia Andrew Omar Elena Dmitry Olga")
	family := strings.Fields("Kirby Kerry Lyamin Smith Ivanov Petrov Hafezi Osborn Rigby Novak Haddad Karimi Rahimi Orlov Sokolov Becker Moreau Rossi Tanaka Okafor Mensah")
	places := strings.Fields("Moscow Tehran Damascus Beirut Washington London Paris Berlin Ankara Aleppo Kyiv Baghdad")
	bodies := strings.Fields("Ministry Council Agency Bank Institute Committee Union Company")
	r := rand.New(rand.NewPCG(1, 2))
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(seed)
		for p := 0; p < 8; p++ {
			b.WriteString("\n\n")
			for k := 0; k < 5; k++ {
				b.WriteString(pick(given) + " " + pick(family) + " of the " + pick(places) + " " + pick(bodies) +
					" told reporters in " + pick(places) + " that " + pick(family) + "'s plan would be discussed with President " +
					pick(family) + " on Friday, according to a statement. ")
			}
		}
	}
	return b.String()
}

// cpuTime is the process's user+system CPU time: a figure that, unlike wall
// time, holds on a busy shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports CPU milliseconds per operation since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// benchScan scans text b.N times; with cold set, the span cache is emptied
// before each scan, as for an article of all new names.
func benchScan(b *testing.B, s *Scanner, text string, cold bool) {
	b.SetBytes(int64(len(text)))
	s.Scan(text) // warm the matcher's lazy state and, if kept, the cache
	b.ResetTimer()
	cpu := cpuTime()
	defer reportCPU(b, cpu)
	for b.Loop() {
		if cold {
			b.StopTimer()
			s.screened.Purge()
			b.StartTimer()
		}
		s.Scan(text)
	}
}

func seedText(tb testing.TB) string {
	raw, err := os.ReadFile(shared.Path(tb, "seed/000_abbe799f5147f5ba.txt"))
	if err != nil {
		tb.Fatal(err)
	}
	return string(raw)
}

// BenchmarkScan1MB scans about 1 MB of news-like text against every shared
// list, with the cross-scan span cache emptied before each scan (go test
// -run XXX -bench Scan1MB ./text/).
func BenchmarkScan1MB(b *testing.B) {
	benchScan(b, realLists(b), newsText(seedText(b), 1<<20), true)
}

// BenchmarkScan1MBWarm scans the same 1 MB again and again: every span is
// answered from the cross-scan cache.
func BenchmarkScan1MBWarm(b *testing.B) {
	benchScan(b, realLists(b), newsText(seedText(b), 1<<20), false)
}

// BenchmarkScanSeed scans the seed article against every shared list, cold.
func BenchmarkScanSeed(b *testing.B) {
	benchScan(b, realLists(b), seedText(b), true)
}

// BenchmarkNew builds the Scanner over every shared list (newest complete
// version of each), as the server does on each index rebuild; the matcher's
// index is built once outside the timer.
func BenchmarkNew(b *testing.B) {
	ents, entries, err := loadNewest(shared.Path(b, "data/lists"))
	if err != nil {
		b.Fatal(err)
	}
	ix := match.NewIndex(entries)
	b.ReportMetric(float64(len(ents)), "entities")
	b.ResetTimer()
	cpu := cpuTime()
	defer reportCPU(b, cpu)
	for b.Loop() {
		if _, err := New(ents, ix, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenize tokenises about 1 MB of news-like text.
func BenchmarkTokenize(b *testing.B) {
	text := newsText(seedText(b), 1<<20)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Tokenize(text)
	}
}

// listedRun is about n bytes of listed names in capitals, every punctuation
// mark left out, so that the text is one run of name-like words: what a
// pasted list or a hostile request to /v1/text looks like.
func listedRun(s *Scanner, n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		e := s.entities[i*7919%len(s.entities)]
		for _, nm := range e.Names {
			b.WriteString(strings.Map(func(r rune) rune {
				if unicode.IsLetter(r) || unicode.IsSpace(r) {
					return unicode.ToUpper(r)
				}
				return ' '
			}, nm.Full))
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// BenchmarkScanListedRun scans one run of 8 KB and one of 32 KB of listed
// names, warm (every span answered from the cross-scan cache, so that what
// is left is the scanner's own work): cut into windows, a run costs in
// proportion to its length, where as one span it cost the square
// (go test -run XXX -bench ScanListedRun ./text/).
func BenchmarkScanListedRun(b *testing.B) {
	for _, n := range []int{8 << 10, 32 << 10} {
		b.Run(strconv.Itoa(n>>10)+"KB", func(b *testing.B) {
			s := realLists(b)
			benchScan(b, s, listedRun(s, n), false)
		})
	}
}

// BenchmarkScanHostile1MB scans 1 MB of listed names in capitals within
// the server's default limits (1,000 queries, 1,000 mentions), cold: what
// one hostile request to /v1/text costs (go test -run XXX -bench
// ScanHostile ./text/).
func BenchmarkScanHostile1MB(b *testing.B) {
	s := realLists(b)
	text := listedRun(s, 1<<20)
	lim := Limits{MaxQueries: 1000, MaxMentions: 1000}
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	cpu := cpuTime()
	defer reportCPU(b, cpu)
	for b.Loop() {
		b.StopTimer()
		s.screened.Purge()
		b.StartTimer()
		if _, err := s.ScanContext(context.Background(), text, lim); err != nil {
			b.Fatal(err)
		}
	}
}
