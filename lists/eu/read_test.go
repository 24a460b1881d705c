package eu

import (
	"bytes"
	"github.com/vigil-screening/vigil/internal/listtest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists"
)

func readAll(t testing.TB, data []byte) ([]*vigil.Entity, *lists.Meta, error) {
	t.Helper()
	return listtest.ReadAll(Read, data)
}

func names(e *vigil.Entity) map[string]vigil.Name {
	m := map[string]vigil.Name{}
	for _, n := range e.Names {
		m[n.Full] = n
	}
	return m
}

func TestSniff(t *testing.T) {
	cases := map[string]bool{
		`<?xml version="1.0"?>` + "\n" + `<export xmlns="http://eu.europa.ec/fpi/fsd/export" generationDate="x">`: true,
		`<export generationDate="x">`:                               false, // no FSF namespace
		`<CONSOLIDATED_LIST dateGenerated="x">`:                     false,
		`<designations xmlns="http://eu.europa.ec/fpi/fsd/export">`: false,
		"": false,
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
	if meta.List != vigil.ListEU || meta.Source != vigil.SourceEU || meta.Format != "eu_fsf_xml" || meta.Partial {
		t.Errorf("meta %+v", meta)
	}
	if want := time.Date(2030, 5, 6, 5, 8, 9, 123e6, time.UTC); !meta.Published.Equal(want) {
		t.Errorf("Published %v, want %v", meta.Published, want)
	}
	w := strings.Join(meta.Warnings(), "\n")
	if !strings.Contains(w, "sanctionEntity/shoeSize") || !strings.Contains(w, "JULIAN") {
		t.Errorf("warnings %q", w)
	}
	if len(es) != 2 {
		t.Fatalf("%d entities, want 2", len(es))
	}
	p := es[0]
	if p.ID != "eu:EU.9.99" || p.Kind != vigil.KindPerson || p.Gender != "female" || p.ListedOn != "2020-01-02" {
		t.Errorf("header %s %s %q %q", p.ID, p.Kind, p.Gender, p.ListedOn)
	}
	wantPrimary := vigil.Name{Full: "Amina Q EXAMPLE", Given: "Amina", Middle: "Q", Family: "EXAMPLE", Title: "Dr", Script: "Latn", Lang: "en", Quality: vigil.QualityPrimary}
	if p.Names[0] != wantPrimary {
		t.Errorf("primary %+v, want %+v", p.Names[0], wantPrimary)
	}
	var got []string
	for _, n := range p.Names {
		got = append(got, n.Full+"|"+string(n.Quality)+"|"+n.Lang+"|"+n.Script)
	}
	want := []string{"Amina Q EXAMPLE|primary|en|Latn", "Amina Alias|strong|fr|Latn", "أمينة مثال|strong|ar|Arab", "Weakling|weak||Latn", "Mina|weak||Latn", "Amina Example|strong||Latn"}
	if !slices.Equal(got, want) {
		t.Errorf("names\n got %q\nwant %q", got, want)
	}
	if n := names(p)["Amina Example"]; n.Note != "" {
		t.Errorf("quality remark kept as note: %q", n.Note)
	}
	var dates []string
	for _, d := range p.BirthDates {
		dates = append(dates, d.String()+"|"+d.Text)
	}
	wantDates := []string{"1970-02-03|1970-02-03", "~1965..1967|1965-1967 (between 1965 and 1967)", "1968-05|1968-5", "~1982-04-19|24/6/1402 (Islamic calendar)", "1900 (JULIAN calendar)|1900 (JULIAN calendar)"}
	if !slices.Equal(dates, wantDates) {
		t.Errorf("dates\n got %q\nwant %q", dates, wantDates)
	}
	if !slices.Equal(p.BirthPlaces, []vigil.Place{{Text: "Kabul, AFGHANISTAN", Country: "AF"}}) {
		t.Errorf("birth places %+v", p.BirthPlaces)
	}
	if !slices.Equal(p.Nationalities, []string{"AF"}) || !slices.Equal(p.Programs, []string{"TERR", "AFG"}) {
		t.Errorf("nationalities %v programs %v", p.Nationalities, p.Programs)
	}
	if !slices.Equal(p.Positions, []string{"Chief of tests", "Fixture keeper"}) {
		t.Errorf("positions %q", p.Positions)
	}
	if !slices.Equal(p.Measures, []vigil.Measure{vigil.MeasureAssetFreeze}) {
		t.Errorf("measures %v", p.Measures)
	}
	if !slices.Equal(p.Relations, []vigil.Relation{{EntityID: "un:QDi.999", Type: "same_as"}}) {
		t.Errorf("relations %+v", p.Relations)
	}
	wantDocs := []vigil.Document{
		{Type: vigil.DocPassport, TypeText: "passport: National passport", Number: "П123", Country: "AF", Issued: "2010-01-01", Expires: "2020-01-01",
			Note: "latin number P123; known false; issued by Ministry; issued in Kabul; forged"},
		{Type: vigil.DocTaxID, TypeText: "fiscalcode: Fiscal code", Number: "T-77"},
	}
	if !slices.Equal(p.Documents, wantDocs) {
		t.Errorf("documents\n got %+v\nwant %+v", p.Documents, wantDocs)
	}
	wantAddr := []vigil.Address{{Street: "1 Test Street", City: "Kabul", PostalCode: "1001", Country: "AF", Full: "1 Test Street, P.O. Box 12, Kabul, 1001, AFGHANISTAN (Home)"}}
	if !slices.Equal(p.Addresses, wantAddr) {
		t.Errorf("addresses %+v", p.Addresses)
	}
	if !slices.Equal(p.Links, []string{"https://eur-lex.example/act1", "http://example.af/"}) {
		t.Errorf("links %q", p.Links)
	}
	if p.Remarks != "Fictional person.\nInvented for tests\nnote: extra info\nEMAIL: amina@example.af" {
		t.Errorf("remarks %q", p.Remarks)
	}
	o := es[1]
	if o.ID != "eu:777" || o.Kind != vigil.KindOrganization || o.IMO != "9999999" || o.Relations != nil || o.PrimaryName() != "Example Shipping Co" {
		t.Errorf("enterprise %+v", o)
	}
}

func TestHijriToGregorian(t *testing.T) {
	cases := [][6]int{
		{1, 1, 1, 622, 7, 19},      // epoch: 16 July 622 Julian
		{1402, 6, 24, 1982, 4, 19}, // the EU file's own Gregorian equivalent
		{1445, 1, 1, 2023, 7, 19},  // 1 Muharram 1445
		{1426, 6, 24, 2005, 7, 31}, // tabular date
	}
	for _, c := range cases {
		y, m, d := hijriToGregorian(c[0], c[1], c[2])
		if y != c[3] || m != c[4] || d != c[5] {
			t.Errorf("hijriToGregorian(%d, %d, %d) = %d-%d-%d, want %d-%d-%d", c[0], c[1], c[2], y, m, d, c[3], c[4], c[5])
		}
	}
}

func TestReadErrors(t *testing.T) {
	listtest.WantErrors(t, Read, []listtest.ErrorCase{
		{File: "malformed.xml", Element: "export/sanctionEntity", Line: 5},
		{File: "truncated.xml", Element: "export/sanctionEntity", Line: 14},
		{File: "noname.xml", Element: "export/sanctionEntity[EU.1.1]", Line: 3},
	})
}

func TestReadEveryTruncation(t *testing.T) {
	listtest.EveryTruncationFails(t, Read, "testdata/sample.xml")
}

// TestRealFile reads the 5-entity excerpt (PROVENANCE.md: person 4,
// enterprise 1, 45 nameAlias).
func TestRealFile(t *testing.T) {
	data, err := os.ReadFile(shared.Lists(t, "eu/sample_eu_fsf_2026-08-05.xml"))
	if err != nil {
		t.Fatal(err)
	}
	es, meta, err := readAll(t, data)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[vigil.Kind]int{}
	nNames := 0
	m := map[string]*vigil.Entity{}
	for _, e := range es {
		kinds[e.Kind]++
		nNames += len(e.Names)
		m[e.ID] = e
	}
	if kinds[vigil.KindPerson] != 4 || kinds[vigil.KindOrganization] != 1 || nNames != 45 {
		t.Errorf("kinds %v, %d names; want 4 persons, 1 organization, 45 names", kinds, nNames)
	}
	if meta.Partial || !meta.Published.Equal(time.Date(2026, 8, 5, 14, 47, 4, 449e6, time.UTC)) {
		t.Errorf("meta %+v", meta)
	}
	if w := meta.Warnings(); len(w) != 0 {
		t.Errorf("warnings %q", w)
	}
	k := m["eu:EU.3579.2"]
	if k == nil || k.PrimaryName() != "Khalid Sheikh MOHAMMED" || k.Names[0].Family != "MOHAMMED" || !slices.Equal(k.Programs, []string{"TERR"}) {
		t.Fatalf("EU.3579.2 = %+v", k)
	}
	pci := m["eu:EU.3953.70"]
	if pci == nil || pci.Kind != vigil.KindOrganization || len(pci.Names) != 16 || pci.PrimaryName() != "Parchin Chemical Industries (PCI)" {
		t.Fatalf("Parchin = %+v", pci)
	}
	if n := names(pci)["صنایع شیمیایی پارچین"]; n.Script != "Arab" || n.Lang != "fa" {
		t.Errorf("Persian name %+v", n)
	}
	if len(pci.Addresses) != 6 {
		t.Errorf("Parchin addresses %d, want 6", len(pci.Addresses))
	}
	d := m["eu:EU.3886.3"]
	if d == nil || !slices.Equal(d.Relations, []vigil.Relation{{EntityID: "un:LYi.006", Type: "same_as"}}) || names(d)["ABÚ ZAJD UMAR DÚRDA"].Lang != "cs" {
		t.Errorf("Dorda = %+v", d)
	}
	a := m["eu:EU.3092.36"]
	if a == nil || a.PrimaryName() != "Ibrahim Hassan Tali Al-Asiri" {
		t.Fatalf("Al-Asiri = %+v", a)
	}
	var islamic *vigil.Date
	for i, bd := range a.BirthDates {
		if strings.Contains(bd.Text, "1402") {
			islamic = &a.BirthDates[i]
		}
		if bd.Year == 1402 {
			t.Errorf("Hijri year taken as Gregorian: %+v", bd)
		}
	}
	if islamic == nil || islamic.Year != 1982 || !islamic.Approx {
		t.Errorf("ISLAMIC birthdate %+v", islamic)
	}
	if names(a)["Abu Saleh"].Quality != vigil.QualityWeak {
		t.Errorf("low quality alias %+v", names(a)["Abu Saleh"])
	}
}

func BenchmarkRead(b *testing.B) {
	data, err := os.ReadFile(shared.Lists(b, "eu/sample_eu_fsf_2026-08-05.xml"))
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
