package match

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/vigil-screening/vigil"
)

// smallIndex builds an index over a few invented entities.
func smallIndex() *Index {
	people := []string{"Qasem Soleimani", "Ivan Petrovich Sidorov", "Kim Jong Un", "Maria Garcia Lopez", "Mohammed Ali Hassan", "Sergei Shoigu", "Anna Karenina", "John Smith"}
	orgs := []string{"Bank Melli Iran", "Acme Trading LLC", "Korea Ryongwang Trading Corporation", "Rosoboronexport JSC"}
	var entries []Entry
	for i, n := range people {
		entries = append(entries, Entry{Entity: &vigil.Entity{ID: fmt.Sprintf("t:p%d", i), Kind: vigil.KindPerson, Names: []vigil.Name{{Full: n}}}, Version: "t@1"})
	}
	for i, n := range orgs {
		entries = append(entries, Entry{Entity: &vigil.Entity{ID: fmt.Sprintf("t:o%d", i), Kind: vigil.KindOrganization, Names: []vigil.Name{{Full: n}}}, Version: "t@1"})
	}
	return NewIndex(entries)
}

// TestScreenConcurrent screens from many goroutines at once (run with -race)
// and checks every answer equals the sequential one.
func TestScreenConcurrent(t *testing.T) {
	ix := smallIndex()
	qs := []string{"Qassem Suleimani", "Sidorov Ivan", "Kim Jong-un", "Muhammad Ali Hasan", "Сергей Шойгу", "Bank Meli", "ACME TRADING", "Jon Smith", "Nobody Known"}
	want := make([][]vigil.Match, len(qs))
	for i, q := range qs {
		want[i] = ix.Screen(vigil.Query{Name: q, Threshold: 0.3})
	}
	if len(want[0]) == 0 || want[0][0].EntityID != "t:p0" {
		t.Fatalf("Qassem Suleimani: got %v", want[0])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for r := 0; r < 50; r++ {
				i := (g + r) % len(qs)
				if got := ix.Screen(vigil.Query{Name: qs[i], Threshold: 0.3}); !reflect.DeepEqual(got, want[i]) {
					select {
					case errs <- fmt.Sprintf("%q: concurrent %v, sequential %v", qs[i], got, want[i]):
					default:
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
