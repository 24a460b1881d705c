package match_test

import (
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// BenchmarkBuild measures building the index over every list in
// ../shared/data/lists.
func BenchmarkBuild(b *testing.B) {
	entries := allLists(b)
	b.ResetTimer()
	for b.Loop() {
		match.NewIndex(entries)
	}
}

// BenchmarkScreen measures one query at a time over every list, cycling
// through the realistic query mix.
func BenchmarkScreen(b *testing.B) {
	entries := allLists(b)
	ix := match.NewIndex(entries)
	qs := queryMix(b, entries, 2000)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%len(qs) == 0 {
			// Each pass meets the mix's name parts afresh.
			ix.ForgetParts()
		}
		ix.Screen(vigil.Query{Name: qs[i%len(qs)]})
	}
}

// BenchmarkScreenParallel measures batch throughput: GOMAXPROCS goroutines
// screening the query mix (queries/s = 1e9 / ns/op).
func BenchmarkScreenParallel(b *testing.B) {
	entries := allLists(b)
	ix := match.NewIndex(entries)
	qs := queryMix(b, entries, 2000)
	var next atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1))
			if i%len(qs) == 0 {
				ix.ForgetParts()
			}
			ix.Screen(vigil.Query{Name: qs[i%len(qs)]})
		}
	})
}

// BenchmarkCompare measures one direct name comparison.
func BenchmarkCompare(b *testing.B) {
	for b.Loop() {
		match.Compare("Mohammed bin Salman Al Saud", "MUHAMMAD BIN SALMAN, Al-Saud", vigil.KindPerson)
	}
}

// BenchmarkScreenRows measures one generated batch row (name, date of
// birth, nationality, gender, document) at a time once the rows' name parts
// are known: 20,000 rows warm the index first, so that their parts have
// their near data. Under callgrind, collect measureRows only (README,
// "Figures").
func BenchmarkScreenRows(b *testing.B) {
	ix, _ := allIndex(b)
	qs := genRows(b, 40000)
	for _, q := range qs[:20000] {
		ix.Screen(q)
	}
	qs = qs[20000:]
	b.ResetTimer()
	for done := 0; done < b.N; done += len(qs) {
		measureRows(ix, qs[:min(len(qs), b.N-done)])
	}
}

// measureRows screens qs, each on its own.
//
//go:noinline
func measureRows(ix *match.Index, qs []vigil.Query) {
	for _, q := range qs {
		ix.Screen(q)
	}
}

// BenchmarkScreenAllRows compares Screen and ScreenAll on distinct
// generated rows through a Memo, as keeping watch screens them (one op
// is one row; the memo and the parts' caches are warmed by 20,000 rows
// first).
func BenchmarkScreenAllRows(b *testing.B) {
	ix, _ := allIndex(b)
	qs := distinctRows(b, 60000)
	for _, mode := range []string{"screen", "all"} {
		b.Run(mode, func(b *testing.B) {
			m := ix.Memo()
			screen := m.Screen
			if mode == "all" {
				screen = m.ScreenAll
			}
			for _, q := range qs[:20000] {
				screen(q)
			}
			rest := qs[20000:]
			b.ResetTimer()
			cpu := cpuNow()
			for i := 0; b.Loop(); i++ {
				screen(rest[i%len(rest)])
			}
			b.ReportMetric(float64(cpuNow()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// cpuNow is the process's user and system CPU time in ns: on a shared
// machine it varies less than the wall time.
func cpuNow() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
