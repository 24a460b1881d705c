package match

import (
	"testing"

	"github.com/vigil-screening/vigil"
)

// BenchmarkScreen measures one query against the UN and OFAC SDN lists.
func BenchmarkScreen(b *testing.B) {
	ix := realIdx(b)
	qs := []string{"Qasem Soleimani", "Сергей Шойгу", "Kim Jong-un", "John Smith", "Bank Melli Iran", "Mohammed Ali Hassan"}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		ix.Screen(vigil.Query{Name: qs[i%len(qs)]})
	}
}

// BenchmarkCompare measures one direct name comparison.
func BenchmarkCompare(b *testing.B) {
	for b.Loop() {
		Compare("Mohammed bin Salman Al Saud", "MUHAMMAD BIN SALMAN, Al-Saud", vigil.KindPerson)
	}
}
