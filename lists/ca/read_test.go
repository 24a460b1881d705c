package ca

import (
	"bytes"
	"github.com/vigil-screening/vigil/internal/listtest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists"
)

func readAll(t testing.TB, data []byte) ([]*vigil.Entity, *lists.Meta, error) {
	t.Helper()
	return listtest.ReadAll(Read, data)
}

func nameList(e *vigil.Entity) []string {
	var out []string
	for _, n := range e.Names {
		out = append(out, n.Full+"|"+string(n.Quality)+"|"+n.Lang+"|"+n.Script)
	}
	return out
}

func TestSniff(t *testing.T) {
	sample, _ := os.ReadFile("testdata/sample.xml")
	cases := map[string]bool{
		string(sample[:300]):                     true,
		`<data-set><record><Country>X</Country>`: true,
		`<data-set><record><Foo>X</Foo>`:         false, // another data-set export
		`<data-set><row><Country>X</Country>`:    false,
		`<CONSOLIDATED_LIST dateGenerated="x">`:  false,
		"":                                       false,
	}
	for in, want := range cases {
		if got := Sniff([]byte(in)); got != want {
			t.Errorf("Sniff(%.50q) = %v, want %v", in, got, want)
		}
	}
}

func TestReadSample(t *testing.T) {
	data, err := os.ReadFile("testdata/sample.xml")
	if err != nil {
		t.Fatal(err)
	}
	es, meta, err := readAll(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if meta.List != vigil.ListCA || meta.Source != vigil.SourceCA || meta.Format != "ca_sema_xml" || !meta.Published.IsZero() {
		t.Errorf("meta %+v", meta)
	}
	if w := strings.Join(meta.Warnings(), "\n"); !strings.Contains(w, "record/Nickname") {
		t.Errorf("warnings %q", w)
	}
	var ids []string
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	wantIDs := []string{"ca:Ruritania/1-2/7", "ca:Ruritania/p1/8", "ca:Ruritania/1-1.1/9", "ca:Russia/1.1/1", "ca:Russia/3/2", "ca:JVCFOR/3", "ca:SouthSudan/1"}
	if !slices.Equal(ids, wantIDs) {
		t.Fatalf("ids\n got %q\nwant %q", ids, wantIDs)
	}
	freezeTravel := []vigil.Measure{vigil.MeasureAssetFreeze, vigil.MeasureTravelBan}
	freeze := []vigil.Measure{vigil.MeasureAssetFreeze}

	p := es[0]
	if p.Kind != vigil.KindPerson || p.Names[0] != (vigil.Name{Full: "EXAMPLOV, Ivan Ivanovich", Given: "Ivan Ivanovich", Family: "EXAMPLOV", Title: "Colonel", Script: "Latn", Quality: vigil.QualityPrimary}) {
		t.Errorf("person primary %+v", p.Names[0])
	}
	wantNames := []string{"EXAMPLOV, Ivan Ivanovich|primary||Latn", "Ivan Ekzamplau|strong||Latn", "Vanya Examplov|strong||Latn",
		"Іван Экзамплаў|strong|be|Cyrl", "Иван Иванович Экзамплов|strong|ru|Cyrl", "Ivan I. EXAMPLOFF|strong||Latn"}
	if got := nameList(p); !slices.Equal(got, wantNames) {
		t.Errorf("names\n got %q\nwant %q", got, wantNames)
	}
	if len(p.BirthDates) != 2 || p.BirthDates[0].String() != "1960-01-02" || p.BirthDates[1].String() != "1961" {
		t.Errorf("birth dates %+v", p.BirthDates)
	}
	if !slices.Equal(p.Measures, freezeTravel) || !slices.Equal(p.Programs, []string{"Ruritania"}) || p.ListedOn != "2022-02-28" {
		t.Errorf("measures %v programs %v listed %q", p.Measures, p.Programs, p.ListedOn)
	}

	a := es[1]
	if got := nameList(a); !slices.Equal(got, []string{"Testova, Anna|primary||Latn", "Anna, Anya TESTOVA|strong||Latn"}) {
		t.Errorf("single-word comma alias split: %q", got)
	}
	if len(a.BirthDates) != 1 || a.BirthDates[0] != (vigil.Date{Text: "born in the early 1970s"}) {
		t.Errorf("prose birth date %+v", a.BirthDates)
	}

	o := es[2]
	wantOrg := []string{"Example Research and Production JSC (also known as NPO “Example and Sons” and Examplex)|primary||Latn",
		"Example Research and Production JSC|strong||Latn", "NPO “Example and Sons”|strong||Latn", "Examplex|strong||Latn",
		"Акционерное общество «Пример, Инк»|strong||Cyrl"}
	if got := nameList(o); o.Kind != vigil.KindOrganization || !slices.Equal(got, wantOrg) {
		t.Errorf("organization %s names\n got %q\nwant %q", o.Kind, got, wantOrg)
	}
	if !slices.Equal(o.Measures, freeze) || o.BirthDates != nil {
		t.Errorf("organization measures %v", o.Measures)
	}

	v := es[3]
	if v.Kind != vigil.KindVessel || v.IMO != "1234567" || v.VesselType != "General Cargo" || v.Remarks != "Build date: 1980" || v.BirthDates != nil || !slices.Equal(v.Measures, freeze) {
		t.Errorf("vessel %+v", v)
	}
	if s3 := es[4]; s3.Measures != nil || s3.Kind != vigil.KindOrganization {
		t.Errorf("Russia schedule 3 %+v", s3)
	}
	j := es[5]
	if !slices.Equal(j.Programs, []string{"Justice for Victims of Corrupt Foreign Officials Regulations (JVCFOR)"}) || !slices.Equal(j.Measures, freezeTravel) {
		t.Errorf("JVCFOR %+v", j)
	}
}

func TestScheduleKey(t *testing.T) {
	cases := map[string]string{"1, Part 2": "1-2", "1,Part 3": "1-3", "1, Part 1.1": "1-1.1", "Part 2": "p2", "1.1": "1.1", "3": "3", "": ""}
	for in, want := range cases {
		if got, ok := scheduleKey(in); !ok || got != want {
			t.Errorf("scheduleKey(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := scheduleKey("Annex B"); ok {
		t.Error("scheduleKey accepted Annex B")
	}
}

func TestReadErrors(t *testing.T) {
	listtest.WantErrors(t, Read, []listtest.ErrorCase{
		{File: "malformed.xml", Element: "data-set/record", Line: 7},
		{File: "truncated.xml", Element: "data-set/record", Line: 20},
		{File: "noitem.xml", Element: "data-set/record", Line: 3},
	})
}

func TestReadEveryTruncation(t *testing.T) {
	listtest.EveryTruncationFails(t, Read, "testdata/sample.xml")
}

// TestRealFile reads sema-lsem.xml (2025). Expected counts were taken
// independently of this reader, with grep on the file:
//
//	grep -c '<record>'        sema-lsem.xml  → 4759 records
//	grep -c '<LastName>'      sema-lsem.xml  → 3334 (every person has one)
//	grep -c '<ShipIMONumber>' sema-lsem.xml  → 109 ships
//	grep -c '<EntityOrShip>'  sema-lsem.xml  → 1425 entities and ships, so 1316 entities
func TestRealFile(t *testing.T) {
	data, err := os.ReadFile(shared.Lists(t, "ca_sema/sema-lsem.xml"))
	if err != nil {
		t.Fatal(err)
	}
	es, meta, err := readAll(t, data)
	if err != nil {
		t.Fatal(err)
	}
	if w := meta.Warnings(); len(w) != 0 {
		t.Errorf("warnings %q", w)
	}
	kinds := map[vigil.Kind]int{}
	m := map[string]*vigil.Entity{}
	for _, e := range es {
		kinds[e.Kind]++
		if m[e.ID] != nil {
			t.Errorf("duplicate id %s", e.ID)
		}
		m[e.ID] = e
	}
	if len(es) != 4759 || kinds[vigil.KindPerson] != 3334 || kinds[vigil.KindVessel] != 109 || kinds[vigil.KindOrganization] != 1316 {
		t.Errorf("%d records by kind %v; want 4759 = 3334 persons + 1316 organizations + 109 vessels", len(es), kinds)
	}
	s := m["ca:Iran/1-2/89"]
	if s == nil || s.PrimaryName() != "Soleimani, Qasem" || len(s.BirthDates) != 1 || s.BirthDates[0].Year != 1957 || s.ListedOn != "2023-10-18" {
		t.Fatalf("Iran item 89 = %+v", s)
	}
	checks := map[string]struct{ primary, other string }{
		"ca:Russia/1-1/503": {"PUTIN, Vladimir Vladimirovich", "Владимир Владимирович Путин"},
		"ca:Russia/1-1/504": {"SHOIGU, Sergei Kuzhugetovich", "Sergey Shoygu"},
		"ca:Russia/1-1/505": {"LAVROV, Sergei Viktorovich", "Сергей Викторович Лавров"},
		"ca:Syria/p2/1":     {"al-Assad, Bashar", ""},
		"ca:Iran/1-2/49":    {"Soleimani, Gholamreza", "غلامرضا سلیمانی"},
	}
	for id, c := range checks {
		e := m[id]
		if e == nil || e.PrimaryName() != c.primary || e.Kind != vigil.KindPerson || !e.HasMeasure(vigil.MeasureTravelBan) || !e.HasMeasure(vigil.MeasureAssetFreeze) {
			t.Errorf("%s = %+v, want %q", id, e, c.primary)
			continue
		}
		if c.other == "" {
			continue
		}
		found := false
		for _, n := range e.Names {
			if n.Full == c.other {
				found = n.Script == lists.DetectScript(c.other)
			}
		}
		if !found {
			t.Errorf("%s lacks name %q: %q", id, c.other, nameList(e))
		}
	}
}

func BenchmarkRead(b *testing.B) {
	data, err := os.ReadFile(shared.Lists(b, "ca_sema/sema-lsem.xml"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data), func(*vigil.Entity) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}
