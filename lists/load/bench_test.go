package load

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-screening/vigil/internal/shared"
)

// cpuTime returns the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRead reads real list files through File, and every list through
// Paths: the readers, the archive checks and the entity limits together.
// Besides wall time it reports CPU time per read (cpu-ms/op), steadier on a
// shared machine.
func BenchmarkRead(b *testing.B) {
	for _, rel := range []string{"uk/ConList.xlsx", "au_dfat/regulation8_consolidated.xlsx",
		"ofac/consolidated_non_sdn/CONS_ENHANCED.ZIP", "us_csl/consolidated.csv.gz", "un/consolidated.xml", ""} {
		name := filepath.Base(rel)
		if rel == "" {
			name = "Paths"
		}
		b.Run(name, func(b *testing.B) {
			p := shared.Lists(b, rel)
			start := cpuTime()
			for b.Loop() {
				if rel == "" {
					if ds, _ := Paths(p); len(ds) < 10 {
						b.Fatalf("%d datasets", len(ds))
					}
				} else if _, err := File(p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
}
