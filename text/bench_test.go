package text

import (
	"os"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil/internal/shared"
)

// BenchmarkScanSeed scans the seed article against every shared list.
func BenchmarkScanSeed(b *testing.B) {
	s := realLists(b)
	raw, err := os.ReadFile(shared.Path(b, "seed/000_abbe799f5147f5ba.txt"))
	if err != nil {
		b.Fatal(err)
	}
	text := string(raw)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		s.Scan(text)
	}
}

var _ = strings.Repeat
