package uk

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/listtest"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists"
)

func fixture(t testing.TB, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readWith(read func(io.Reader, lists.Emit) (*lists.Meta, error), b []byte) (*lists.Meta, []*vigil.Entity, error) {
	var out []*vigil.Entity
	meta, err := read(bytes.NewReader(b), func(e *vigil.Entity) error { out = append(out, e); return nil })
	return meta, out, err
}

func TestConListCSV2018Fixture(t *testing.T) {
	b := fixture(t, "conlist_2018.csv")
	if !SniffConListCSV(b) || SniffConListXLSX(b) || SniffFCDOXML(b) {
		t.Error("sniffers disagree on the 2018 CSV")
	}
	meta, es, err := readWith(ReadConListCSV, b)
	if err != nil {
		t.Fatal(err)
	}
	if !meta.Published.Equal(time.Date(2018, 4, 13, 0, 0, 0, 0, time.UTC)) || meta.Format != FormatConListCSV {
		t.Errorf("meta = %+v", meta)
	}
	if w := strings.Join(meta.Warnings(), ";"); !strings.Contains(w, `unknown column "Mystery"`) {
		t.Errorf("warnings = %s", w)
	}
	if len(es) != 2 {
		t.Fatalf("entities = %d, want 2 (groups 900, 901)", len(es))
	}
	p := es[0]
	if p.ID != "uk:900" || p.Kind != vigil.KindPerson || p.Names[0].Full != "Ivan Ivanovich TESTOV" || p.Names[0].Quality != vigil.QualityPrimary ||
		len(p.Names) != 2 || p.Names[1].Full != "Ivan TESTOV" || p.Names[1].Quality != vigil.QualityStrong || p.Names[1].Title != "Mr" {
		t.Errorf("names = %+v", p.Names)
	}
	if len(p.BirthDates) != 2 || p.BirthDates[0].String() != "1960" || strings.Join(p.Nationalities, ",") != "RU,UA" || p.Gender != "male" {
		t.Errorf("person = %+v", p)
	}
	if len(p.Documents) != 1 || p.Documents[0].Number != "12345678" || p.Documents[0].Type != vigil.DocPassport {
		t.Errorf("documents = %+v", p.Documents)
	}
	if !strings.Contains(p.Remarks, "Invented person’s note") {
		t.Errorf("0x92 not decoded to ’: %q", p.Remarks)
	}
	if len(p.Addresses) != 1 || p.Addresses[0].Country != "RU" || p.Addresses[0].PostalCode != "101000" || p.ListedOn != "2016-02-01" ||
		!p.HasMeasure(vigil.MeasureAssetFreeze) || p.HasMeasure(vigil.MeasureTravelBan) {
		t.Errorf("person = %+v", p)
	}
	o := es[1]
	if o.Kind != vigil.KindOrganization || o.Names[0].Full != "STEEL WORKS LTD" || o.Names[1].Quality != vigil.QualityFormerly || o.Programs[0] != "Iran" {
		t.Errorf("org = %+v", o)
	}
	// "UN Ref. CDe.903" names the UN listing; a pre-2014 reference ("UN
	// Ref QI.A.151.03", "UN Ref E.29.I.11") names none.
	if p.Relations != nil {
		t.Errorf("person relations = %+v, want none (an old-style UN reference)", p.Relations)
	}
	if want := []vigil.Relation{{EntityID: "un:CDe.903", Type: vigil.RelationSameAs}}; !slices.Equal(o.Relations, want) {
		t.Errorf("org relations = %+v, want %+v", o.Relations, want)
	}
}

func TestConListCSV2022Fixture(t *testing.T) {
	b := fixture(t, "conlist_2022.csv")
	if !SniffConListCSV(b) {
		t.Error("Sniff = false")
	}
	meta, es, err := readWith(ReadConListCSV, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(meta.Warnings()) != 0 {
		t.Errorf("warnings = %v", meta.Warnings())
	}
	checkConList2022(t, es)
}

func checkConList2022(t *testing.T, es []*vigil.Entity) {
	t.Helper()
	if len(es) != 2 {
		t.Fatalf("entities = %d", len(es))
	}
	p := es[0]
	if len(p.Names) != 3 || p.Names[1].Full != "ТЕСТОВА Анна" || p.Names[1].Script != "Cyrl" || p.Names[1].Lang != "ru" ||
		p.Names[2].Quality != vigil.QualityWeak || p.Gender != "female" || p.Documents[0].Number != "A1234567" ||
		p.Documents[0].Note != "Invented passport" || p.BirthDates[0].String() != "1970-05-21" {
		t.Errorf("person = %+v", p)
	}
	// "(UN Ref):KPi.901" is the same subject; "a member of KPe.902" is not.
	if want := []vigil.Relation{{EntityID: "un:KPi.901", Type: vigil.RelationSameAs}}; !slices.Equal(p.Relations, want) {
		t.Errorf("person relations = %+v, want %+v", p.Relations, want)
	}
	v := es[1]
	if v.Kind != vigil.KindVessel || v.IMO != "1234567" || v.Flag != "PA" || v.VesselType != "Tanker" || v.Tonnage != "5000" {
		t.Errorf("vessel = %+v", v)
	}
}

// conListXLSX writes the 2022 CSV fixture's rows into a workbook.
func conListXLSX(t testing.TB, rows [][]string) []byte {
	vals := make([][]any, len(rows))
	for i, r := range rows {
		vals[i] = make([]any, len(r))
		for j, v := range r {
			vals[i][j] = v
		}
	}
	return listtest.XLSX(t, vals)
}

func csvRows(t testing.TB, name string) [][]string {
	var rows [][]string
	for _, l := range strings.Split(strings.TrimSpace(string(fixture(t, name))), "\n") {
		var row []string
		var cur strings.Builder
		q := false
		for _, r := range l {
			switch {
			case r == '"':
				q = !q
			case r == ',' && !q:
				row = append(row, cur.String())
				cur.Reset()
			default:
				cur.WriteRune(r)
			}
		}
		rows = append(rows, append(row, cur.String()))
	}
	return rows
}

func TestConListXLSXFixture(t *testing.T) {
	b := conListXLSX(t, csvRows(t, "conlist_2022.csv"))
	if !SniffConListXLSX(b[:min(len(b), 8192)]) || SniffConListCSV(b) {
		t.Error("sniffers disagree on the XLSX")
	}
	meta, es, err := readWith(ReadConListXLSX, b)
	if err != nil {
		t.Fatal(err)
	}
	if !meta.Published.Equal(time.Date(2025, 4, 14, 0, 0, 0, 0, time.UTC)) || meta.Format != FormatConListXLSX {
		t.Errorf("meta = %+v", meta)
	}
	checkConList2022(t, es)
	for _, cut := range []int{len(b) / 2, len(b) - 5} {
		if _, _, err := readWith(ReadConListXLSX, b[:cut]); err == nil {
			t.Errorf("truncated at %d: no error", cut)
		}
	}
}

func TestConListErrors(t *testing.T) {
	for name, line := range map[string]int{"malformed.csv": 3, "noname.csv": 4} {
		_, _, err := readWith(ReadConListCSV, fixture(t, name))
		var pe *lists.ParseError
		if !errors.As(err, &pe) || pe.Line != line {
			t.Errorf("%s: err = %v, want ParseError at line %d", name, err, line)
		}
	}
	if _, _, err := readWith(ReadConListCSV, []byte("Last Updated,01/01/2020\nfoo,bar\n")); err == nil {
		t.Error("no header: no error")
	}
	if _, _, err := readWith(ReadConListCSV, []byte("Last Updated,01/01/2020\nName 6,Group ID\nX,\n")); err == nil ||
		!strings.Contains(err.Error(), "Group ID") {
		t.Errorf("missing group id: %v", err)
	}
}

func TestFCDOFixture(t *testing.T) {
	b := fixture(t, "fcdo.xml")
	if !SniffFCDOXML(b) || SniffConListCSV(b) {
		t.Error("sniffers disagree on FCDO XML")
	}
	meta, es, err := readWith(ReadFCDOXML, b)
	if err != nil {
		t.Fatal(err)
	}
	if meta.List != vigil.ListUKFCDO || meta.Partial || !meta.Published.Equal(time.Date(2026, 9, 10, 0, 0, 0, 0, time.UTC)) ||
		!strings.Contains(strings.Join(meta.Warnings(), ";"), "Novelty") {
		t.Errorf("meta = %+v %v", meta, meta.Warnings())
	}
	if len(es) != 2 {
		t.Fatalf("entities = %d", len(es))
	}
	p := es[0]
	if p.ID != "uk:TST0001" || p.Names[0].Full != "Invented PERSON" || p.Names[0].Title != "Mullah" || p.Names[1].Quality != vigil.QualityStrong ||
		p.Names[2].Quality != vigil.QualityWeak || p.Names[3].Script != "Arab" {
		t.Errorf("names = %+v", p.Names)
	}
	if !p.HasMeasure(vigil.MeasureTravelBan) || !p.HasMeasure(vigil.MeasureAssetFreeze) || p.ListedOn != "2020-02-01" ||
		p.BirthDates[0].String() != "1945" || p.BirthDates[0].Text != "dd/mm/1945" || p.BirthDates[1].String() != "1958-05-12" ||
		p.Nationalities[0] != "AF" || p.Gender != "male" || p.Documents[0].Number != "P0000001" || p.BirthPlaces[0].Country != "AF" {
		t.Errorf("person = %+v", p)
	}
	if want := []vigil.Relation{{EntityID: "un:TAi.902", Type: vigil.RelationSameAs}}; !slices.Equal(p.Relations, want) {
		t.Errorf("person relations = %+v, want %+v (UNReferenceNumber)", p.Relations, want)
	}
	v := es[1]
	if v.Kind != vigil.KindVessel || v.IMO != "9000001" || v.Flag != "KM" || len(v.Measures) != 0 {
		t.Errorf("vessel = %+v", v)
	}
}

func TestFCDOErrors(t *testing.T) {
	for name, want := range map[string]string{"fcdo_truncated.xml": "Designation", "fcdo_noid.xml": "UniqueID"} {
		_, _, err := readWith(ReadFCDOXML, fixture(t, name))
		var pe *lists.ParseError
		if !errors.As(err, &pe) || pe.Line == 0 || !strings.Contains(pe.Element, want) {
			t.Errorf("%s: err = %v, want ParseError with line and %q", name, err, want)
		}
	}
}

func TestConListXLSXReal(t *testing.T) {
	raw, err := os.ReadFile(shared.Lists(t, "uk/ConList.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if !SniffConListXLSX(raw[:8192]) {
		t.Error("Sniff(real) = false")
	}
	meta, es, err := readWith(ReadConListXLSX, raw)
	if err != nil {
		t.Fatal(err)
	}
	by := index(es)
	k := kinds(es)
	if len(es) != 4688 || k[vigil.KindPerson] != 3663 || k[vigil.KindOrganization] != 1010 || k[vigil.KindVessel] != 15 {
		t.Errorf("groups = %d %v, want 4688 (person 3663, organization 1010, vessel 15)", len(es), k)
	}
	if !meta.Published.Equal(time.Date(2025, 4, 14, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Published = %v", meta.Published)
	}
	if p := by["uk:14196"]; p == nil || p.Names[0].Family != "PUTIN" || p.Names[0].Given != "Vladimir" {
		t.Errorf("PUTIN = %+v", p)
	}
	s := by["uk:14640"]
	if s == nil || !hasName(s, "ШОЙГУ Сергей Кужугетович", "Cyrl") || s.Gender != "male" || s.BirthDates[0].String() != "1955-05-21" {
		t.Errorf("SHOIGU = %+v", s)
	}
	if a := by["uk:11928"]; a == nil || !hasName(a, "بشار حافظ الأسد", "Arab") || !hasName(a, "Bashar AL ASSAD", "") {
		t.Errorf("AL-ASSAD = %+v", a)
	}
	// 881 listings implement a UN designation and say which ("(UN Ref):").
	if n := sameAsUN(es); n != 881 {
		t.Errorf("%d listings name their UN listing, want 881", n)
	}
	if want := []vigil.Relation{{EntityID: "un:QDi.241", Type: vigil.RelationSameAs}}; by["uk:10661"] == nil || !slices.Equal(by["uk:10661"].Relations, want) {
		t.Errorf("uk:10661 = %+v, want relations %+v", by["uk:10661"], want)
	}
}

// sameAsUN counts the entities with a same_as relation to a UN listing.
func sameAsUN(es []*vigil.Entity) int {
	n := 0
	for _, e := range es {
		for _, r := range e.Relations {
			if r.Type == vigil.RelationSameAs && strings.HasPrefix(r.EntityID, "un:") {
				n++
				break
			}
		}
	}
	return n
}

func TestConListCSVReal(t *testing.T) {
	for _, c := range []struct {
		rel                 string
		groups, person, org int
		year, month, day    int
	}{
		{"uk/conlist_csv_2018-04-13/sanctionsconlist.csv", 2106, 1426, 680, 2018, 4, 13},
		{"uk/conlist_csv_2014-04-02/sanctionsconlist.csv", 2297, 1337, 960, 2014, 4, 2},
	} {
		raw, err := os.ReadFile(shared.Lists(t, c.rel))
		if err != nil {
			t.Fatal(err)
		}
		if !SniffConListCSV(raw[:8192]) {
			t.Errorf("%s: Sniff = false", c.rel)
		}
		meta, es, err := readWith(ReadConListCSV, raw)
		if err != nil {
			t.Fatal(err)
		}
		k := kinds(es)
		if len(es) != c.groups || k[vigil.KindPerson] != c.person || k[vigil.KindOrganization] != c.org {
			t.Errorf("%s: groups = %d %v", c.rel, len(es), k)
		}
		if !meta.Published.Equal(time.Date(c.year, time.Month(c.month), c.day, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: Published = %v", c.rel, meta.Published)
		}
		t.Logf("%s: %d listings name their UN listing", c.rel, sameAsUN(es))
		s := index(es)["uk:9062"]
		if s == nil || s.Names[0].Full != "Qasem SOLEIMANI" || !hasName(s, "Ghasem SOLEYMANI", "") || !hasName(s, "Qasim SOLEIMANY", "") {
			t.Errorf("%s: SOLEIMANI = %+v", c.rel, s)
		}
		curly := false
		for _, e := range es {
			curly = curly || strings.ContainsAny(e.Remarks, "‘’")
		}
		if !curly {
			t.Errorf("%s: no curly quote decoded from 0x91/0x92", c.rel)
		}
	}
}

func TestFCDOReal(t *testing.T) {
	raw, err := os.ReadFile(shared.Lists(t, "uk/uk_sanctions_list_xml_sample_2026-09-10/sample_uk_sanctions.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if !SniffFCDOXML(raw) {
		t.Error("Sniff = false")
	}
	meta, es, err := readWith(ReadFCDOXML, raw)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("warnings %v", meta.Warnings())
	by := index(es)
	k := kinds(es)
	if len(es) != 5 || k[vigil.KindPerson] != 2 || k[vigil.KindOrganization] != 2 || k[vigil.KindVessel] != 1 || meta.Partial {
		t.Errorf("entities = %d %v", len(es), k)
	}
	a := by["uk:AFG0006"]
	if a == nil || a.Names[0].Full != "MOHAMMAD HASSAN AKHUND" || !a.HasMeasure(vigil.MeasureTravelBan) || len(a.BirthDates) != 3 ||
		!hasName(a, "محمد حسن آخوند", "Arab") {
		t.Errorf("AFG0006 = %+v", a)
	}
	if a != nil && !slices.Equal(a.Relations, []vigil.Relation{{EntityID: "un:TAi.002", Type: vigil.RelationSameAs}}) {
		t.Errorf("AFG0006 relations = %+v, want same_as un:TAi.002", a.Relations)
	}
	if n := sameAsUN(es); n != 3 {
		t.Errorf("%d designations name their UN listing, want 3 (not the UK-only BNK, nor the ship, whose KPv.001 names no UN listing)", n)
	}
	if e := by["uk:AFG0001"]; e == nil || e.HasMeasure(vigil.MeasureTravelBan) || !e.HasMeasure(vigil.MeasureAssetFreeze) {
		t.Errorf("AFG0001 = %+v", e)
	}
	if v := by["uk:DPR0075"]; v == nil || v.IMO != "9562233" || v.Kind != vigil.KindVessel {
		t.Errorf("DPR0075 = %+v", v)
	}
}

func index(es []*vigil.Entity) map[string]*vigil.Entity {
	m := map[string]*vigil.Entity{}
	for _, e := range es {
		m[e.ID] = e
	}
	return m
}

func kinds(es []*vigil.Entity) map[vigil.Kind]int {
	m := map[vigil.Kind]int{}
	for _, e := range es {
		m[e.Kind]++
	}
	return m
}

func hasName(e *vigil.Entity, full, script string) bool {
	for _, n := range e.Names {
		if n.Full == full && (script == "" || n.Script == script) {
			return true
		}
	}
	return false
}

func bench(b *testing.B, rel string, read func(io.Reader, lists.Emit) (*lists.Meta, error)) {
	raw, err := os.ReadFile(shared.Lists(b, rel))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := read(bytes.NewReader(raw), func(*vigil.Entity) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkConListXLSX(b *testing.B) { bench(b, "uk/ConList.xlsx", ReadConListXLSX) }
func BenchmarkConListCSV(b *testing.B) {
	bench(b, "uk/conlist_csv_2018-04-13/sanctionsconlist.csv", ReadConListCSV)
}
func BenchmarkFCDOXML(b *testing.B) {
	bench(b, "uk/uk_sanctions_list_xml_sample_2026-09-10/sample_uk_sanctions.xml", ReadFCDOXML)
}

func fuzzRead(f *testing.F, read func(io.Reader, lists.Emit) (*lists.Meta, error), seeds ...string) {
	for _, s := range seeds {
		f.Add(fixture(f, s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = read(bytes.NewReader(b), func(e *vigil.Entity) error {
			if e.Ref == "" || len(e.Names) == 0 || e.Names[0].Quality != vigil.QualityPrimary {
				t.Fatalf("bad entity %+v", e)
			}
			return nil
		})
	})
}

func FuzzReadConListCSV(f *testing.F) {
	fuzzRead(f, ReadConListCSV, "conlist_2018.csv", "conlist_2022.csv", "malformed.csv", "noname.csv")
}

func FuzzReadFCDOXML(f *testing.F) {
	fuzzRead(f, ReadFCDOXML, "fcdo.xml", "fcdo_truncated.xml", "fcdo_noid.xml")
}

// checkEntity is what every fuzz target asks of an emitted entity.
func checkEntity(t *testing.T, e *vigil.Entity) {
	if e.Ref == "" || len(e.Names) == 0 || e.Names[0].Quality != vigil.QualityPrimary {
		t.Fatalf("bad entity %+v", e)
	}
}

// FuzzReadConListXLSX fuzzes the XLSX path on raw bytes, seeded with a
// small workbook (the fixture's first rows): most mutations exercise the
// archive checks (see FuzzConListSheet for the sheet layer).
func FuzzReadConListXLSX(f *testing.F) {
	f.Add(listtest.Workbook(listtest.SheetXML(csvRows(f, "conlist_2022.csv")[:3]), nil))
	f.Add([]byte("PK\x03\x04junk"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = ReadConListXLSX(bytes.NewReader(b), func(e *vigil.Entity) error { checkEntity(t, e); return nil })
	})
}

// FuzzConListSheet fuzzes the data rows of a worksheet (its XML after the
// banner and header rows) and the shared-string table, in a workbook that is
// otherwise sound, so that mutations reach excelize's row reader and the
// ConList mapping rather than failing the archive's checksums.
func FuzzConListSheet(f *testing.F) {
	rows := csvRows(f, "conlist_2022.csv")
	head := listtest.SheetXML(rows[:2])
	head = head[:bytes.LastIndex(head, []byte("</sheetData>"))]
	// Small seeds: every new input is minimised, at a full read per try.
	f.Add([]byte(`<row r="3"><c r="A3" t="inlineStr"><is><t>TESTOVA</t></is></c><c r="K3" t="inlineStr"><is><t>21/05/1970</t></is></c>`+
		`<c r="AC3" t="inlineStr"><is><t>Individual</t></is></c><c r="AD3" t="inlineStr"><is><t>Primary name</t></is></c><c r="AJ3"><v>950</v></c></row>`), []byte(nil))
	f.Add([]byte(`<row r="3"><c r="A3" t="s"><v>0</v></c><c r="AJ3"><v>7</v></c></row>`), []byte(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>TESTOV</t></si></sst>`))
	f.Fuzz(func(t *testing.T, rows, sst []byte) {
		sheet := append(append(bytes.Clone(head), rows...), "</sheetData></worksheet>"...)
		_, _ = ReadConListXLSX(bytes.NewReader(listtest.Workbook(sheet, sst)), func(e *vigil.Entity) error { checkEntity(t, e); return nil })
	})
}

// FuzzConListRows fuzzes the row mapping shared by CSV and XLSX: a 2022
// header and two data rows built from fuzzed cells.
func FuzzConListRows(f *testing.F) {
	f.Add("TESTOV", "Ivan", "ТЕСТОВ", "00/00/1960", "(1) Russia (2) Ukraine", "(Gender):Male. (IMO number):1", "Prime Alias", "Low", "900")
	f.Add("", "", "", "", "", "", "FKA", "", "1")
	f.Fuzz(func(t *testing.T, n6, n1, nonLatin, dob, nat, other, aliasType, quality, group string) {
		rows := csvRows(t, "conlist_2022.csv")
		feed := &conFeed{meta: &lists.Meta{}}
		for i, r := range rows[:2] {
			if err := feed.row(r, i+1); err != nil {
				t.Fatal(err)
			}
		}
		row := make([]string, 36)
		row[0], row[1], row[7], row[10], row[13], row[27], row[29], row[30], row[35] = n6, n1, nonLatin, dob, nat, other, aliasType, quality, group
		err := feed.row(row, 3)
		_ = feed.row(row, 4)
		n := 0
		ferr := feed.finish(func(e *vigil.Entity) error {
			n++
			if e.Ref == "" || len(e.Names) == 0 || e.Names[0].Quality != vigil.QualityPrimary {
				t.Fatalf("bad entity %+v", e)
			}
			return nil
		})
		if err == nil && ferr == nil && strings.TrimSpace(group) != "" && n != 1 {
			t.Fatalf("row accepted, %d entities", n)
		}
	})
}

// TestConListGroupBounded: rows merged into one group are counted as they
// come, so endless rows of one Group ID are refused at lists.MaxMergedBytes
// rather than held until the end of the file.
func TestConListGroupBounded(t *testing.T) {
	rows := csvRows(t, "conlist_2022.csv")
	feed := &conFeed{meta: &lists.Meta{}}
	for i, r := range rows[:2] {
		if err := feed.row(r, i+1); err != nil {
			t.Fatal(err)
		}
	}
	row := make([]string, 36)
	row[0], row[27], row[29], row[35] = "TESTOV", strings.Repeat("Other information. ", 3000), "AKA", "950"
	var err error
	n := 0
	for ; err == nil && n < 1000; n++ {
		row[1] = fmt.Sprint("Alias", n)
		err = feed.row(row, n+3)
	}
	if err == nil || !strings.Contains(err.Error(), "Group ID=950") || !strings.Contains(err.Error(), "more than 16777216 bytes") || n > 300 {
		t.Fatalf("after %d rows: %v", n, err)
	}
}
