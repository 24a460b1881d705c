package match_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/eval"
	"github.com/vigil-screening/vigil/match"
)

// TestMemoChangesNothing screens the query mix, each name with several
// dates of birth, nationalities and genders (the same name with other
// evidence, as in a batch file), at two thresholds, generated batch rows
// and listed identity documents, through the index and through a Memo,
// twice over: every answer must be the same, explanations and all.
func TestMemoChangesNothing(t *testing.T) {
	ix, entries := allIndex(t)
	m := ix.Memo()
	match.KeepCold(m) // the queries' parts are seldom hot
	var qs []vigil.Query
	for i, name := range queryMix(t, entries, 600) {
		for j := 0; j < 3; j++ {
			k := i + 7*j
			qs = append(qs, vigil.Query{Name: name, DOB: []string{fmt.Sprintf("19%02d-05-06", 40+k%60), fmt.Sprintf("19%02d", 40+k%60), ""}[k%3],
				Nationality: []string{"IR", "RU", "SY", "", "Germany"}[k%5], Gender: []string{"m", "f", ""}[k%3]})
		}
		if i%5 == 0 {
			qs = append(qs, vigil.Query{Name: name, Threshold: 0.6}, vigil.Query{Name: name, Threshold: 0.6, Kind: vigil.KindPerson})
		}
	}
	// More variants of listed names, where the cap bites most.
	for _, v := range eval.Variants(entries, 1500, 7) {
		qs = append(qs, vigil.Query{Name: v.Query}, vigil.Query{Name: v.Query, Threshold: 0.6})
	}
	// A listed document, with the listed name and with another.
	docs := 0
	for _, en := range entries {
		if e := en.Entity; len(e.Documents) > 0 && docs < 20 {
			docs++
			qs = append(qs, vigil.Query{Name: e.PrimaryName(), ID: e.Documents[0].Number}, vigil.Query{Name: e.PrimaryName(), ID: e.Documents[0].Number},
				vigil.Query{Name: "Anna Maria Eriksson", ID: e.Documents[0].Number}, vigil.Query{Name: "Anna Maria Eriksson", ID: e.Documents[0].Number})
		}
	}
	qs = append(qs, genRows(t, 3000)...)
	matched := 0
	for pass := 0; pass < 2; pass++ {
		for _, q := range qs {
			a, b := ix.Screen(q), m.Screen(q)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("pass %d, %+v:\n%v\nthrough the memo\n%v", pass, q, a, b)
			}
			if len(a) > 0 {
				matched++
			}
		}
	}
	works, some, capped := match.MemoStats(m)
	t.Logf("%d queries, %d matched; the memo keeps %d names, %d with forms that may match, %d capped", 2*len(qs), matched, works, some, capped)
	if matched < len(qs)/10 || works < 1000 || some < 500 || capped == 0 {
		t.Errorf("the test compares too little: %d of %d queries matched; %d names kept, %d with forms, %d capped", matched, 2*len(qs), works, some, capped)
	}
}

// TestMemoNeed runs a memo over names met twice each, then over names met
// twenty times each: past memoLearn names, keeping their work stops paying
// in the first run, and the memo waits for a name's third query; in the
// second it pays again (the counts are over the whole run, so it takes
// some names). The answers stay the index's.
func TestMemoNeed(t *testing.T) {
	ix := match.SmallIndex()
	m := ix.Memo()
	match.KeepNearless(m)
	syl := []string{"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "po"}
	name := func(i int) string {
		return syl[i%10] + syl[i/10%10] + syl[i/100%10] + " " + syl[i/1000%10] + syl[(i+3)%10] + "ter"
	}
	screen := func(q vigil.Query) {
		if a, b := ix.Screen(q), m.Screen(q); !reflect.DeepEqual(a, b) {
			t.Fatalf("%+v: %v, through the memo %v", q, a, b)
		}
	}
	if n := match.MemoNeed(m); n != 1 {
		t.Fatalf("a new memo needs %d queries of a name", n)
	}
	for i := 0; i < 600; i++ {
		for j := 0; j < 2; j++ {
			screen(vigil.Query{Name: name(i), DOB: fmt.Sprintf("19%02d", 40+j)})
		}
	}
	works, _, _ := match.MemoStats(m)
	if n := match.MemoNeed(m); n != 2 || works > 300 {
		t.Errorf("names met twice: the memo needs %d queries of a name and kept %d names' work; want 2, and about 256", n, works)
	}
	for i := 1000; i < 1100; i++ {
		for j := 0; j < 20; j++ {
			screen(vigil.Query{Name: name(i), DOB: fmt.Sprintf("19%02d", 40+j)})
		}
	}
	if n := match.MemoNeed(m); n != 1 {
		t.Errorf("names met twenty times: the memo needs %d queries of a name; want 1", n)
	}
}
