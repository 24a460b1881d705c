package un

import (
	"bytes"
	"errors"
	"github.com/vigil-screening/vigil/internal/listtest"
	"os"
	"path/filepath"
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

func readFile(t *testing.T, name string) ([]*vigil.Entity, *lists.Meta) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	es, meta, err := readAll(t, data)
	if err != nil {
		t.Fatalf("Read(%s): %v", name, err)
	}
	return es, meta
}

func byID(es []*vigil.Entity) map[string]*vigil.Entity {
	m := map[string]*vigil.Entity{}
	for _, e := range es {
		m[e.ID] = e
	}
	return m
}

func names(e *vigil.Entity) map[string]vigil.Name {
	m := map[string]vigil.Name{}
	for _, n := range e.Names {
		m[n.Full] = n
	}
	return m
}

func TestSniff(t *testing.T) {
	sample, _ := os.ReadFile("testdata/sample.xml")
	cases := map[string]bool{
		string(sample[:200]):                                  true,
		`<CONSOLIDATED_LIST dateGenerated="x">`:               true,
		`<?xml version="1.0"?><sdnList xmlns="x">`:            false,
		`<export xmlns="http://eu.europa.ec/fpi/fsd/export">`: false,
		"ent_num,SDN_Name\n":                                  false,
		"":                                                    false,
	}
	for in, want := range cases {
		if got := Sniff([]byte(in)); got != want {
			t.Errorf("Sniff(%.40q) = %v, want %v", in, got, want)
		}
	}
}

func TestReadSample(t *testing.T) {
	es, meta := readFile(t, "sample.xml")
	if meta.List != vigil.ListUN || meta.Source != vigil.SourceUN || meta.Format != "un_xml" {
		t.Errorf("meta = %+v", meta)
	}
	if want := time.Date(2030, 1, 2, 3, 4, 5, 678e6, time.UTC); !meta.Published.Equal(want) {
		t.Errorf("Published = %v, want %v", meta.Published, want)
	}
	if len(es) != 4 {
		t.Fatalf("got %d entities, want 4", len(es))
	}
	if es[0].ID != "un:QDi.999" || es[3].ID != "un:QDe.999" {
		t.Errorf("order/ids: %s .. %s", es[0].ID, es[3].ID)
	}
	if w := strings.Join(meta.Warnings(), "\n"); !strings.Contains(w, "FAVOURITE_COLOUR") || !strings.Contains(w, `"Utopia"`) {
		t.Errorf("warnings %q lack the unknown element or country", w)
	}

	m := byID(es)
	p := m["un:QDi.999"]
	if p.Kind != vigil.KindPerson || p.Ref != "QDi.999" || p.Source != "un" {
		t.Errorf("person header %+v", p)
	}
	if p.Names[0].Full != "ABDUL EXAMPLE TESTER" || p.Names[0].Quality != vigil.QualityPrimary || p.Names[0].Title != "Dr; Haji" {
		t.Errorf("primary = %+v", p.Names[0])
	}
	ns := names(p)
	if n := ns["عبد المثال"]; n.Script != "Arab" || n.Quality != vigil.QualityStrong {
		t.Errorf("original script name = %+v", n)
	}
	for _, full := range []string{"Abu Example", "Abd Ekzampl"} {
		if n, ok := ns[full]; !ok || n.Quality != vigil.QualityStrong {
			t.Errorf("split alias %q = %+v, %v", full, n, ok)
		}
	}
	if ns["The Tester"].Quality != vigil.QualityWeak {
		t.Errorf("low alias = %+v", ns["The Tester"])
	}
	if n := ns["Abu Falsepass"]; !strings.Contains(n.Note, "1971-05-06") || !strings.Contains(n.Note, "Sampletown") || !strings.Contains(n.Note, "false passport") {
		t.Errorf("alias note = %q", n.Note)
	}
	if len(p.Names) != 6 {
		t.Errorf("names = %d (%v), want 6 (duplicate of primary and empty alias dropped)", len(p.Names), p.Names)
	}
	var dates []string
	for _, d := range p.BirthDates {
		dates = append(dates, d.String())
	}
	wantDates := []string{"1970-02-03", "1969", "~1968", "1965..1967", "1966-11", "24/06/1390 (Hijri Calendar)", "1971-05-06"}
	if !slices.Equal(dates, wantDates) {
		t.Errorf("birth dates = %q, want %q", dates, wantDates)
	}
	if len(p.BirthPlaces) != 2 || p.BirthPlaces[0] != (vigil.Place{Text: "Qom, Iran (Islamic Republic of)", Country: "IR"}) || p.BirthPlaces[1].Country != "LY" {
		t.Errorf("birth places = %+v", p.BirthPlaces)
	}
	if !slices.Equal(p.Nationalities, []string{"IR"}) || p.Gender != "male" || p.ListedOn != "2030-01-01" {
		t.Errorf("nationalities %v gender %q listed %q", p.Nationalities, p.Gender, p.ListedOn)
	}
	if !slices.Equal(p.Positions, []string{"Chief of Examples"}) || !slices.Equal(p.Programs, []string{"Al-Qaida"}) {
		t.Errorf("positions %q programs %q", p.Positions, p.Programs)
	}
	if !slices.Equal(p.Measures, []vigil.Measure{vigil.MeasureAssetFreeze, vigil.MeasureTravelBan, vigil.MeasureArmsEmbargo}) {
		t.Errorf("measures %v", p.Measures)
	}
	if p.Remarks != "Fictional record for tests. Notice web link:https://example.org/notice/1." || !slices.Equal(p.Links, []string{"https://example.org/notice/1"}) {
		t.Errorf("remarks %q links %q", p.Remarks, p.Links)
	}
	if len(p.Addresses) != 1 || p.Addresses[0] != (vigil.Address{Street: "1 Example Road", City: "Tehran", Country: "IR", Full: "1 Example Road, Tehran, Iran (Islamic Republic of) (as at 2029)"}) {
		t.Errorf("addresses %+v", p.Addresses)
	}
	wantDocs := []vigil.Document{
		{Type: vigil.DocPassport, TypeText: "Passport", Number: "X0000001", Country: "IR", Issued: "2020-01-01", Expires: "2030-12-11", Note: "issued in Tehran; Expiration date: 2030-12-11."},
		{Type: vigil.DocNationalID, TypeText: "National Identification Number; Afghan national identification card (tazkira) number", Number: "57388", Country: "AF"},
	}
	if !slices.Equal(p.Documents, wantDocs) {
		t.Errorf("documents\n got %+v\nwant %+v", p.Documents, wantDocs)
	}

	ly := m["un:LYi.999"]
	if n := names(ly)["Иван Примеров"]; n.Script != "Cyrl" {
		t.Errorf("cyrillic name %+v", n)
	}
	if !slices.Equal(ly.Measures, []vigil.Measure{vigil.MeasureTravelBan, vigil.MeasureAssetFreeze}) || ly.Gender != "female" {
		t.Errorf("libya measures %v gender %q", ly.Measures, ly.Gender)
	}
	if len(ly.Names) != 2 || ly.BirthPlaces != nil || ly.Documents != nil {
		t.Errorf("placeholders kept: %+v", ly)
	}

	o := m["un:IQe.999"]
	on := names(o)
	if o.Kind != vigil.KindOrganization || on["ETC"].Quality != vigil.QualityStrong || on["Old Example Trading"].Quality != vigil.QualityFormerly || on["Old Example Trading"].Note != "until 2001" {
		t.Errorf("entity %+v", o)
	}
	if !slices.Equal(o.Measures, []vigil.Measure{vigil.MeasureAssetFreeze}) || o.Addresses[0].Country != "IQ" {
		t.Errorf("entity measures %v addresses %+v", o.Measures, o.Addresses)
	}
	if q := m["un:QDe.999"]; slices.Contains(q.Measures, vigil.MeasureTravelBan) || len(q.Names) != 1 || q.Addresses != nil {
		t.Errorf("Al-Qaida entity: %+v", q)
	}
}

func TestMeasuresFor(t *testing.T) {
	cases := []struct {
		regime, comments string
		kind             vigil.Kind
		want             []vigil.Measure
		ok               bool
	}{
		{"GB", "", vigil.KindPerson, []vigil.Measure{vigil.MeasureTravelBan}, true},
		{"Libya", "paragraph 17 of resolution 1970 ( Asset Freeze).", vigil.KindPerson, []vigil.Measure{vigil.MeasureAssetFreeze}, true},
		{"Libya", "paragraph 15 of resolution 1970 (Travel Ban).", vigil.KindPerson, []vigil.Measure{vigil.MeasureTravelBan}, true},
		{"Libya", "Listed pursuant to paragraph 17 of resolution 1973.", vigil.KindOrganization, []vigil.Measure{vigil.MeasureAssetFreeze}, true},
		{"Libya", "no tag", vigil.KindPerson, nil, false},
		{"DPRK", "", vigil.KindOrganization, []vigil.Measure{vigil.MeasureAssetFreeze}, true},
		{"Atlantis", "", vigil.KindPerson, nil, false},
	}
	for _, c := range cases {
		got, ok := measuresFor(c.regime, c.kind, c.comments)
		if ok != c.ok || !slices.Equal(got, c.want) {
			t.Errorf("measuresFor(%q, %q, %q) = %v, %v; want %v, %v", c.regime, c.kind, c.comments, got, ok, c.want, c.ok)
		}
	}
}

func TestReadErrors(t *testing.T) {
	listtest.WantErrors(t, Read, []listtest.ErrorCase{
		{File: "malformed.xml", Element: "CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL", Line: 8},
		{File: "truncated.xml", Element: "CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL", Line: 25},
		{File: "noref.xml", Element: "CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL", Line: 4},
	})
}

// TestReadEveryTruncation cuts the sample at every byte: no prefix may read
// without error.
func TestReadEveryTruncation(t *testing.T) {
	listtest.EveryTruncationFails(t, Read, "testdata/sample.xml")
}

func TestReadNotUN(t *testing.T) {
	_, _, err := readAll(t, []byte(`<export xmlns="http://eu.europa.ec/fpi/fsd/export"></export>`))
	var pe *lists.ParseError
	if !errors.As(err, &pe) || pe.Element != "export" {
		t.Errorf("err = %v", err)
	}
}

func TestEmitErrorStops(t *testing.T) {
	data, _ := os.ReadFile("testdata/sample.xml")
	stop := errors.New("stop")
	n := 0
	_, err := Read(bytes.NewReader(data), func(*vigil.Entity) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("err %v after %d emits", err, n)
	}
}

// TestRealFile reads the 2026-02-27 consolidated list (PROVENANCE.md: 730
// INDIVIDUAL + 273 ENTITY).
func TestRealFile(t *testing.T) {
	data, err := os.ReadFile(shared.Lists(t, "un/consolidated.xml"))
	if err != nil {
		t.Fatal(err)
	}
	es, meta, err := readAll(t, data)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[vigil.Kind]int{}
	scripts := map[string]int{}
	for _, e := range es {
		kinds[e.Kind]++
		for _, n := range e.Names[1:] {
			if n.Script != "Latn" {
				scripts[n.Script]++
			}
		}
		if len(e.Measures) == 0 && e.Programs[0] != "Libya" {
			t.Errorf("%s has no measures", e.ID)
		}
	}
	if kinds[vigil.KindPerson] != 730 || kinds[vigil.KindOrganization] != 273 || len(es) != 1003 {
		t.Errorf("kinds = %v, want 730 persons + 273 organizations", kinds)
	}
	// FORMATS.md §1.3/1.4: 378 NAME_ORIGINAL_SCRIPT, 327+ Arabic and 9 Cyrillic among individuals.
	if scripts["Arab"] < 327 || scripts["Cyrl"] < 9 {
		t.Errorf("non-Latin names by script = %v", scripts)
	}
	if !meta.Published.Equal(time.Date(2026, 2, 27, 0, 0, 9, 554e6, time.UTC)) {
		t.Errorf("Published = %v", meta.Published)
	}
	if w := meta.Warnings(); len(w) != 0 {
		t.Errorf("warnings: %q", w)
	}
	m := byID(es)
	s := m["un:IRi.039"]
	if s == nil {
		t.Fatal("un:IRi.039 missing")
	}
	if s.PrimaryName() != "QASEM SOLEIMANI" {
		t.Errorf("IRi.039 primary = %q", s.PrimaryName())
	}
	ns := names(s)
	for _, a := range []string{"Qasim Soleimani", "Qasem Sulaimani", "Qasim Sulaymani", "Kasim Sulaymani"} {
		if ns[a].Quality != vigil.QualityStrong {
			t.Errorf("IRi.039 alias %q = %+v", a, ns[a])
		}
	}
	for _, a := range []string{"Haj Qasem", "Haji Qassem", "Sardar Soleimani"} {
		if ns[a].Quality != vigil.QualityWeak {
			t.Errorf("IRi.039 low alias %q = %+v", a, ns[a])
		}
	}
	if len(s.BirthDates) != 1 || s.BirthDates[0].String() != "1957-03-11" {
		t.Errorf("IRi.039 birth dates %+v", s.BirthDates)
	}
	if len(s.Documents) != 1 || s.Documents[0].Type != vigil.DocPassport || s.Documents[0].Number != "008827" || s.Documents[0].Country != "IR" {
		t.Errorf("IRi.039 documents %+v", s.Documents)
	}
	// The Iran regime's travel ban binds him (UNSCR 1929 para 10).
	if !s.HasMeasure(vigil.MeasureTravelBan) || !s.HasMeasure(vigil.MeasureAssetFreeze) {
		t.Errorf("IRi.039 measures %v", s.Measures)
	}
	// The file gives no NATIONALITY for IRi.039: Iran appears as his place
	// of birth and passport issuer, which must not be turned into a nationality.
	if len(s.Nationalities) != 0 || len(s.BirthPlaces) != 1 || s.BirthPlaces[0].Country != "IR" {
		t.Errorf("IRi.039 nationalities %v birth places %+v", s.Nationalities, s.BirthPlaces)
	}
	if g := m["un:IRi.040"]; g == nil || g.PrimaryName() != "GHASEM SOLEYMANI" || names(g)["Qasim Soleimani"].Full != "" {
		t.Errorf("IRi.040 = %+v", g)
	}
	if d := m["un:LYi.006"]; !slices.Equal(d.Measures, []vigil.Measure{vigil.MeasureTravelBan, vigil.MeasureAssetFreeze}) {
		t.Errorf("LYi.006 measures %v", d.Measures)
	}
	var ranges, approx int
	for _, e := range es {
		for _, d := range e.BirthDates {
			if d.ToYear != 0 {
				ranges++
			}
			if d.Approx {
				approx++
			}
		}
	}
	// FORMATS.md §1.6: 31 BETWEEN groups (some may share a year), 116+1 APPROXIMATELY.
	if ranges < 25 || approx < 100 {
		t.Errorf("year ranges %d, approximate dates %d", ranges, approx)
	}
}

func BenchmarkRead(b *testing.B) {
	data, err := os.ReadFile(shared.Lists(b, "un/consolidated.xml"))
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
