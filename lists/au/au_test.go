package au

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/listtest"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists"
)

var header = []string{"Reference", "Name of Individual or Entity", "Type", "Name Type", "Date of Birth", "Place of Birth",
	"Citizenship", "Address", "Additional Information", "Listing Information", "Committees", "Control Date"}

// fixtureRows is invented data exercising each branch.
var fixtureRows = [][]any{
	{1, "Ivan Petrovich TESTOV", "Individual ", "Primary Name", 19274, "Testograd, Russia", "Russian", "NA", "Invented person", "Instrument 2022", "Autonomous (Russia)", 44620},
	{"1a", "Иван Петрович ТЕСТОВ", "individual", "Original script", 19274, "Testograd, Russia", "Russian", "NA", "Invented person", "Instrument 2022", "Autonomous (Russia)", 44620},
	{"1b", "Vanya TESTOV", "Individual", "Aka", 19274, "Testograd, Russia", "Russian", "NA", "Invented person", "Instrument 2022", "Autonomous (Russia)", 44620},
	{2, "EXAMPLE TRADING CO", "Entity", "Primary Name", nil, nil, nil, "1 Fake Street, Tehran, Iran", nil, "Listed 2012", "Autonomous (Iran)", 41000},
	{"2a", "OLD EXAMPLE CO", "Entity", "Formerly known as", nil, nil, nil, "1 Fake Street, Tehran, Iran", nil, "Listed 2012", "Autonomous (Iran)", 41000},
	{3, "Abu TEST", "Individual", "primary name", "a) Approximately 1961 b) 1 Jan. 1964; 1965", "a) Kabul, Afghanistan b) Herat, Afghanistan", "Afghan and Pakistani", nil, nil, nil, "1988 (Taliban)", 41000},
	{"3a", "Abu TESTI", "Individual", "aka", 1958, nil, nil, nil, nil, nil, "1988 (Taliban)", 41000},
}

func writeXLSX(t testing.TB, hdr []string, rows [][]any) []byte {
	t.Helper()
	h := make([]any, len(hdr))
	for i, v := range hdr {
		h[i] = v
	}
	return listtest.XLSX(t, append([][]any{h}, rows...))
}

func readBytes(t testing.TB, b []byte) (*lists.Meta, []*vigil.Entity, error) {
	var out []*vigil.Entity
	meta, err := Read(bytes.NewReader(b), func(e *vigil.Entity) error { out = append(out, e); return nil })
	return meta, out, err
}

func TestReadFixture(t *testing.T) {
	b := writeXLSX(t, header, fixtureRows)
	if !Sniff(b[:min(len(b), 8192)]) {
		t.Error("Sniff(fixture) = false")
	}
	meta, es, err := readBytes(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if meta.List != vigil.ListAU || meta.Format != Format {
		t.Errorf("meta = %+v", meta)
	}
	if len(es) != 3 {
		t.Fatalf("entities = %d, want 3", len(es))
	}
	p := es[0]
	if p.ID != "au:1" || p.Kind != vigil.KindPerson || len(p.Names) != 3 || p.Names[0].Full != "Ivan Petrovich TESTOV" ||
		p.Names[1].Script != "Cyrl" || p.Names[2].Quality != vigil.QualityStrong {
		t.Errorf("person = %+v", p)
	}
	if len(p.BirthDates) != 1 || p.BirthDates[0].String() != "1952-10-07" {
		t.Errorf("birth dates = %+v", p.BirthDates)
	}
	if len(p.Citizenships) != 1 || p.Citizenships[0] != "RU" || len(p.BirthPlaces) != 1 || p.BirthPlaces[0].Country != "RU" {
		t.Errorf("places = %+v %+v", p.Citizenships, p.BirthPlaces)
	}
	if !p.HasMeasure(vigil.MeasureTravelBan) || !p.HasMeasure(vigil.MeasureAssetFreeze) || p.Programs[0] != "Autonomous (Russia)" {
		t.Errorf("measures/programs = %v %v", p.Measures, p.Programs)
	}
	if !strings.Contains(p.Remarks, "Control date: 2022-02-28") || len(p.Addresses) != 0 {
		t.Errorf("remarks %q addresses %+v", p.Remarks, p.Addresses)
	}
	o := es[1]
	if o.Kind != vigil.KindOrganization || o.HasMeasure(vigil.MeasureTravelBan) || o.Names[1].Quality != vigil.QualityFormerly ||
		len(o.Addresses) != 1 || o.Addresses[0].Country != "IR" {
		t.Errorf("org = %+v", o)
	}
	a := es[2]
	var ds []string
	for _, d := range a.BirthDates {
		ds = append(ds, d.String())
	}
	if got := strings.Join(ds, ","); got != "~1961,1964-01-01,1965,1958" {
		t.Errorf("dates = %s", got)
	}
	if strings.Join(a.Citizenships, ",") != "AF,PK" || len(a.BirthPlaces) != 2 || a.Names[0].Quality != vigil.QualityPrimary {
		t.Errorf("abu = %+v", a)
	}
}

func TestReadErrors(t *testing.T) {
	for name, b := range map[string][]byte{
		"missing name": writeXLSX(t, header, [][]any{{5, "", "Individual", "Primary Name"}}),
		"bad ref":      writeXLSX(t, header, [][]any{{"x5", "Name", "Individual", "Primary Name"}}),
		"no header":    writeXLSX(t, []string{"Foo", "Bar"}, nil),
	} {
		_, _, err := readBytes(t, b)
		var pe *lists.ParseError
		if !errors.As(err, &pe) {
			t.Errorf("%s: err = %v, want ParseError", name, err)
			continue
		}
		if name != "no header" && pe.Line != 2 {
			t.Errorf("%s: line = %d, want 2 (%v)", name, pe.Line, err)
		}
	}
	good := writeXLSX(t, header, fixtureRows)
	for _, cut := range []int{len(good) / 2, len(good) - 10, 100} {
		if _, _, err := readBytes(t, good[:cut]); err == nil {
			t.Errorf("truncated at %d: no error", cut)
		}
	}
}

func TestReal(t *testing.T) {
	path := shared.Lists(t, "au_dfat/regulation8_consolidated.xlsx")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !Sniff(raw[:8192]) {
		t.Error("Sniff(real) = false")
	}
	meta, es, err := readBytes(t, raw)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("warnings: %d", len(meta.Warnings()))
	by := map[string]*vigil.Entity{}
	k := map[vigil.Kind]int{}
	for _, e := range es {
		by[e.Ref] = e
		k[e.Kind]++
	}
	// PROVENANCE.md: 3,062 references (individual 2,316, entity 746).
	if len(es) != 3062 || k[vigil.KindPerson] != 2316 || k[vigil.KindOrganization] != 746 {
		t.Errorf("entities = %d %v, want 3062 (person 2316, organization 746)", len(es), k)
	}
	check := func(ref, primary string, aliases ...string) {
		e := by[ref]
		if e == nil {
			t.Errorf("au:%s missing", ref)
			return
		}
		if e.Names[0].Full != primary || e.Names[0].Quality != vigil.QualityPrimary {
			t.Errorf("au:%s primary = %q", ref, e.Names[0].Full)
		}
		for _, a := range aliases {
			found := false
			for _, n := range e.Names[1:] {
				found = found || strings.EqualFold(n.Full, a)
			}
			if !found {
				t.Errorf("au:%s lacks alias %q in %+v", ref, a, e.Names)
			}
		}
	}
	check("6678", "Vladimir Vladimirovich PUTIN")
	check("6682", "Sergei Kuzhugetovich SHOIGU")
	check("6679", "Sergei Viktorovich LAVROV")
	check("2241", "Bashar AL-ASSAD", "Bashar AL-ASAD", "Bashar ASSAD")
	check("277", "Hizballah", "Hezbollah", "Hizbollah", "Hizbullah")
	check("7778", "IRGC QODS FORCE")
	if p := by["6678"]; p != nil && (len(p.BirthDates) == 0 || p.BirthDates[0].String() != "1952-10-07" || !p.HasMeasure(vigil.MeasureTravelBan)) {
		t.Errorf("PUTIN = %+v", p)
	}
}

func BenchmarkRead(b *testing.B) {
	raw, err := os.ReadFile(shared.Lists(b, "au_dfat/regulation8_consolidated.xlsx"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(raw), func(*vigil.Entity) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzRow fuzzes the row mapping with a header and two data rows.
func FuzzRow(f *testing.F) {
	f.Add("1", "Name", "Individual", "Primary Name", "a) 1 Jan. 1964 b) 1965", "Kabul, Afghanistan", "Afghan", "19274")
	f.Add("1a", "Иван", "entity", "aka", "19274", "", "Russian and Ukrainian", "x")
	f.Add("1277b4", "", "", "Original Script", "Between 1975 and 1979", "NA", "", "")
	f.Fuzz(func(t *testing.T, ref, name, typ, nt, dob, pob, cit, ctl string) {
		m := NewMapper(&lists.Meta{})
		if err := m.Row(header, 1); err != nil {
			t.Fatal(err)
		}
		row := []string{ref, name, typ, nt, dob, pob, cit, pob, dob, "", cit, ctl}
		err1 := m.Row(row, 2)
		var n int
		err2 := m.Finish(func(e *vigil.Entity) error {
			n++
			if e.Ref == "" || len(e.Names) == 0 || e.Names[0].Quality != vigil.QualityPrimary {
				t.Fatalf("bad entity %+v", e)
			}
			return nil
		})
		if err1 == nil && err2 == nil && strings.TrimSpace(ref+name+typ+nt+dob+pob+cit+ctl) != "" && n != 1 {
			t.Fatalf("row accepted but %d entities", n)
		}
	})
}

// sheetRows returns the fixture rows as cell text.
func sheetRows(rows [][]any) [][]string {
	out := [][]string{header}
	for _, r := range rows {
		var cells []string
		for _, v := range r {
			if v == nil {
				cells = append(cells, "")
				continue
			}
			cells = append(cells, fmt.Sprint(v))
		}
		out = append(out, cells)
	}
	return out
}

// FuzzRead fuzzes Read on raw bytes, seeded with a small workbook: most
// mutations exercise the archive checks (see FuzzSheet for the sheet layer).
func FuzzRead(f *testing.F) {
	f.Add(listtest.Workbook(listtest.SheetXML(sheetRows(fixtureRows[:2])), nil))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Read(bytes.NewReader(b), func(*vigil.Entity) error { return nil })
	})
}

// FuzzSheet fuzzes the data rows of a worksheet (its XML after the header
// row) and the shared-string table, in a workbook that is otherwise sound,
// so that mutations reach excelize's row reader and the DFAT mapping.
func FuzzSheet(f *testing.F) {
	head := listtest.SheetXML([][]string{header})
	head = head[:bytes.LastIndex(head, []byte("</sheetData>"))]
	// Small seeds: every new input is minimised, at a full read per try.
	f.Add([]byte(`<row r="2"><c r="A2"><v>1</v></c><c r="B2" t="inlineStr"><is><t>Ivan TESTOV</t></is></c><c r="C2" t="inlineStr"><is><t>Individual</t></is></c>`+
		`<c r="D2" t="inlineStr"><is><t>Primary Name</t></is></c><c r="E2"><v>19274</v></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>1a</t></is></c>`+
		`<c r="B3" t="inlineStr"><is><t>Vanya</t></is></c><c r="D3" t="inlineStr"><is><t>aka</t></is></c></row>`), []byte(nil))
	f.Add([]byte(`<row r="2"><c r="A2"><v>7</v></c><c r="B2" t="s"><v>0</v></c><c r="E2"><v>19274</v></c></row>`), []byte(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Abu TEST</t></si></sst>`))
	f.Fuzz(func(t *testing.T, rows, sst []byte) {
		sheet := append(append(bytes.Clone(head), rows...), "</sheetData></worksheet>"...)
		_, _ = Read(bytes.NewReader(listtest.Workbook(sheet, sst)), func(e *vigil.Entity) error {
			if e.Ref == "" || len(e.Names) == 0 || e.Names[0].Quality != vigil.QualityPrimary {
				t.Fatalf("bad entity %+v", e)
			}
			return nil
		})
	})
}

// TestListingBounded: rows merged into one listing are counted as they
// come: endless rows of one reference are refused at lists.MaxMergedBytes.
func TestListingBounded(t *testing.T) {
	m := NewMapper(&lists.Meta{})
	if err := m.Row(header, 1); err != nil {
		t.Fatal(err)
	}
	info := strings.Repeat("Additional information. ", 2500)
	var err error
	n := 0
	for ; err == nil && n < 1000; n++ {
		err = m.Row([]string{fmt.Sprintf("7%c%d", 'a'+n%26, n), fmt.Sprint("Alias ", n), "Individual", "aka", "", "", "", "", info}, n+2)
	}
	if err == nil || !strings.Contains(err.Error(), "the rows of 7 hold more than 16777216 bytes") || n > 300 {
		t.Fatalf("after %d rows: %v", n, err)
	}
}
