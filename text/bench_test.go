package text

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil/internal/shared"
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

// BenchmarkScan1MB scans about 1 MB of news-like text against every shared
// list (go test -run XXX -bench Scan1MB ./text/).
func BenchmarkScan1MB(b *testing.B) {
	s := realLists(b)
	raw, err := os.ReadFile(shared.Path(b, "seed/000_abbe799f5147f5ba.txt"))
	if err != nil {
		b.Fatal(err)
	}
	text := newsText(string(raw), 1<<20)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for b.Loop() {
		s.Scan(text)
	}
}

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
