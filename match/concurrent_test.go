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
	concurrently(t, 8, 50, func(g, r int) string {
		i := (g + r) % len(qs)
		if got := ix.Screen(vigil.Query{Name: qs[i], Threshold: 0.3}); !reflect.DeepEqual(got, want[i]) {
			return fmt.Sprintf("%q: concurrent %v, sequential %v", qs[i], got, want[i])
		}
		return ""
	})
}

// concurrently runs check(g, r) for each round r < rounds on each of n
// goroutines g at once, and reports what the checks return (up to 100):
// "" when all is well.
func concurrently(t *testing.T, n, rounds int, check func(g, r int) string) {
	var wg sync.WaitGroup
	errs := make(chan string, 100)
	for g := 0; g < n; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				if e := check(g, r); e != "" {
					select {
					case errs <- e:
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

// TestHoodCacheChangesNothing screens the same queries, twice over, on an
// index that remembers each part's neighbourhood across queries, on one
// that gives every part its near data at once (so that the pre-bound and
// the near rows serve every query) and on one that remembers nothing: the
// answers must agree. The queries reuse words in other roles (a given name
// as a surname, a word in a person's and in an organisation's name) and in
// other scripts.
func TestHoodCacheChangesNothing(t *testing.T) {
	var entries []Entry
	for i, n := range []string{"Mohammed Ali", "Muhammad Ali", "Mohamed Ali Hassan", "Mohammad Reza", "Muhammed Hasan", "Hassan Ali Trading", "Qasem Soleimani", "Ghasem Soleymani", "Sergei Shoigu", "Sergey Lavrov", "Kim Jong Un", "Maria Garcia Lopez", "Bank Melli Iran"} {
		entries = append(entries, Entry{Entity: &vigil.Entity{ID: fmt.Sprintf("t:%d", i), Names: []vigil.Name{{Full: n}}}, Version: "t@1"})
	}
	cached, hot, plain := NewIndex(entries), NewIndex(entries), NewIndex(entries)
	plain.hoods = nil
	hot.hoods.nearAfter = 1
	qs := []vigil.Query{
		{Name: "Qassem Suleimani"}, {Name: "Suleimani Qassem", DOB: "1957"}, {Name: "Ali Hassan Trading"},
		{Name: "Hassan Trading LLC", Kind: vigil.KindOrganization}, {Name: "Trading Hassan", Kind: vigil.KindPerson},
		{Name: "Kim Jong-un"}, {Name: "김정은"}, {Name: "Jong Kim"}, {Name: "Сергей Шойгу"}, {Name: "Sergei"},
		{Name: "Maria Lopez Garcia"}, {Name: "Garcia"}, {Name: "Bank Melli"}, {Name: "Melli Bank Iran"},
		{Name: "Mohammed Hassan"}, {Name: "Muhamad Ali", Kind: vigil.KindPerson},
	}
	for pass := 0; pass < 2; pass++ {
		for _, q := range qs {
			q.Threshold = 0.3
			a, b, c := cached.Screen(q), plain.Screen(q), hot.Screen(q)
			if !reflect.DeepEqual(a, b) {
				t.Errorf("pass %d, %+v: with the cache %v, without %v", pass, q, a, b)
			}
			if !reflect.DeepEqual(c, b) {
				t.Errorf("pass %d, %+v: with near data %v, without %v", pass, q, c, b)
			}
			if pass == 1 && len(a) == 0 && q.Name == "Qassem Suleimani" {
				t.Errorf("%q found nothing", q.Name)
			}
		}
	}
	// Each remembered neighbourhood is the one meet finds afresh.
	s := cached.getScratch()
	defer cached.putScratch(s)
	checked, many := 0, 0
	for _, q := range qs {
		qp := cached.prepareQuery(q.Name, q.Kind, nil)
		s.sims.reset(&qp)
		for i := range qp.parts {
			e := cached.hoods.get(&qp.parts[i])
			if e == nil {
				continue
			}
			known := e.met
			checked++
			if len(known) > 1 {
				many++
			}
			if fresh := cached.meet(s, &qp.parts[i], i, nil); !reflect.DeepEqual(known, fresh) {
				t.Errorf("%q part %q: remembered %v, found afresh %v", q.Name, qp.parts[i].Text, known, fresh)
			}
		}
	}
	if checked < len(qs) || many < 3 {
		t.Fatalf("%d parts remembered, %d meeting more than one listed part: the test compares too little", checked, many)
	}
	// The near data was there to serve.
	hotParts := 0
	for _, q := range qs {
		qp := hot.prepareQuery(q.Name, q.Kind, nil)
		for i := range qp.parts {
			if e := hot.hoods.get(&qp.parts[i]); e != nil && e.near.Load() != nil {
				hotParts++
			}
		}
	}
	if hotParts < len(qs) {
		t.Errorf("only %d query parts have near data", hotParts)
	}
	cached.ForgetParts()
	if cached.hoods.get(&cached.prepareQuery("Mohammed Hassan", vigil.KindUnknown, nil).parts[0]) != nil {
		t.Error("ForgetParts kept a part")
	}
}

// TestMemoSmall screens names again and again, each time with other
// evidence (a date of birth agreeing, contradicting or missing, a
// nationality, a gender, a listed or unlisted document, a kind, another
// threshold), through an index and through a Memo of it, from several
// goroutines at once (run with -race): the answers must be the same, and
// the memo must have served.
func TestMemoSmall(t *testing.T) {
	people := []struct {
		name, dob, nat, gender, doc string
	}{
		{"Qasem Soleimani", "1957-03-11", "IR", "male", "T88240217"},
		{"Ghasem Soleymani", "1960", "IR", "male", ""},
		{"Ivan Petrovich Sidorov", "1971-02-03", "RU", "male", "7501234567"},
		{"Maria Garcia Lopez", "1980-12-01", "ES", "female", ""},
		{"Mohammed Ali Hassan", "", "SY", "", ""},
		{"Muhammad Ali Hasan", "1966", "", "male", ""},
		{"Kim Jong Un", "1984-01-08", "KP", "male", ""},
	}
	var entries []Entry
	for i, p := range people {
		e := &vigil.Entity{ID: fmt.Sprintf("t:p%d", i), Kind: vigil.KindPerson, Names: []vigil.Name{{Full: p.name}}, Gender: p.gender}
		if p.dob != "" {
			var d vigil.Date
			fmt.Sscanf(p.dob, "%d-%d-%d", &d.Year, &d.Month, &d.Day)
			e.BirthDates = []vigil.Date{d}
		}
		if p.nat != "" {
			e.Nationalities = []string{p.nat}
		}
		if p.doc != "" {
			e.Documents = []vigil.Document{{Type: vigil.DocPassport, Number: p.doc}}
		}
		entries = append(entries, Entry{Entity: e, Version: "t@1"})
	}
	entries = append(entries, Entry{Entity: &vigil.Entity{ID: "t:o0", Kind: vigil.KindOrganization, Names: []vigil.Name{{Full: "Hassan Ali Trading LLC"}}}, Version: "t@1"})
	ix := NewIndex(entries)
	m := ix.Memo()
	var qs []vigil.Query
	for _, name := range []string{"Qassem Suleimani", "Soleimani, Qasem", "Ivan Sidorov", "Maria Garcia", "Muhamad Ali Hassan", "Kim Jong-un", "Hassan Ali Trading", "Anna Maria Eriksson"} {
		for i, dob := range []string{"", "1957-03-11", "1957", "1990-01-01", "1971-02-03", "1966"} {
			q := vigil.Query{Name: name, DOB: dob, Nationality: []string{"", "IR", "RU", "Germany"}[i%4], Gender: []string{"", "m", "f"}[i%3], Threshold: []float64{0, 0.6}[i%2]}
			qs = append(qs, q)
			if i == 2 {
				q.ID = "T 8824-0217" // listed: the index screens it
				qs = append(qs, q)
				q.ID, q.Kind = "X0000000", vigil.KindPerson
				qs = append(qs, q)
			}
		}
	}
	want := make([][]vigil.Match, len(qs))
	matched := 0
	for i, q := range qs {
		if want[i] = ix.Screen(q); len(want[i]) > 0 {
			matched++
		}
	}
	if matched < len(qs)/2 {
		t.Fatalf("only %d of %d queries matched: the test compares too little", matched, len(qs))
	}
	concurrently(t, 8, 3*len(qs), func(g, r int) string {
		i := (g*7 + r) % len(qs)
		if got := m.Screen(qs[i]); !reflect.DeepEqual(got, want[i]) {
			return fmt.Sprintf("%+v: through the memo %v, the index %v", qs[i], got, want[i])
		}
		return ""
	})
	kept := 0
	for _, q := range qs {
		th := q.Threshold
		if th <= 0 {
			th = DefaultThreshold
		}
		for i := range m.shards {
			if m.shards[i].m[memoKey{q.Name, q.Kind, th, false}] != nil {
				kept++
				break
			}
		}
	}
	if kept < len(qs)*9/10 {
		t.Errorf("the memo kept the work of %d of %d queries' names", kept, len(qs))
	}
}
