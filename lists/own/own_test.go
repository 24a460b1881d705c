package own

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/listtest"
)

func TestReadCSV(t *testing.T) {
	f, err := os.Open("testdata/blacklist.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	meta, es, err := Read(f, "blacklist.csv", "blacklist", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if meta.List != "blacklist" || meta.Source != "blacklist" || meta.Format != "own_csv" || len(meta.Warnings()) != 0 {
		t.Errorf("meta = %+v %v", meta, meta.Warnings())
	}
	if len(es) != 3 {
		t.Fatalf("entities = %d", len(es))
	}
	p := es[0]
	if p.ID != "blacklist:C-1041" || p.Kind != vigil.KindPerson || p.PrimaryName() != "Ivan Petrovich SIDOROV" || len(p.Names) != 3 ||
		p.Names[2].Full != "И. П. Сидоров" || p.Names[2].Quality != vigil.QualityStrong {
		t.Errorf("person = %+v", p)
	}
	if p.BirthDates[0].String() != "1971-04-02" || !slices.Equal(p.Nationalities, []string{"RU"}) || !slices.Equal(p.Measures, []vigil.Measure{vigil.MeasureTravelBan}) ||
		!slices.Equal(p.Programs, []string{"Fraud"}) || p.Remarks != "Refused 2024: forged documents" {
		t.Errorf("person facts = %+v", p)
	}
	o := es[1]
	if o.Kind != vigil.KindOrganization || len(o.Names) != 3 || o.Names[1].Full != "Acme Front" || o.Nationalities[0] != "AE" || len(o.Measures) != 0 {
		t.Errorf("org = %+v", o)
	}
	m := es[2]
	if m.BirthDates[0].String() != "1980-03" || len(m.Measures) != 2 || m.Nationalities[0] != "ES" {
		t.Errorf("third = %+v", m)
	}
}

// The whole file is refused, every bad row named: a list that dropped a row
// would stop screening a listed person.
func TestReadRefusesBadRows(t *testing.T) {
	f, err := os.Open("testdata/bad.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	_, es, err := Read(f, "bad.csv", "blacklist", Options{})
	var bad *BadRowsError
	if !errors.As(err, &bad) || es != nil {
		t.Fatalf("err = %v, entities %d", err, len(es))
	}
	want := []string{
		"row 3: no ref",
		"row 4: missing name",
		`row 5: `, // batch or own: `bad date of birth "1970-13-45"`
		`row 6: nationality "Narnia" names no country`,
		`row 7: measure "ban everything"`,
		`row 8: ref "A1" is row 2's too`,
	}
	if len(bad.Rows) != len(want) {
		t.Fatalf("rows = %q", bad.Rows)
	}
	if !strings.Contains(bad.Rows[2], `date of birth "1970-13-45"`) {
		t.Errorf("row 5: %q", bad.Rows[2])
	}
	for i, w := range want {
		if !strings.HasPrefix(bad.Rows[i], w) {
			t.Errorf("row %d: %q, want %q…", i, bad.Rows[i], w)
		}
	}
	if !strings.Contains(err.Error(), "bad.csv: 6 bad rows; nothing imported") {
		t.Errorf("error = %v", err)
	}
}

func TestReadXLSXWithMap(t *testing.T) {
	b := listtest.XLSX(t, [][]any{
		{"Kundennummer", "Name", "Geburtsdatum", "Staat", "Auch bekannt als", "Massnahme", "Bemerkung", "Unused"},
		{"K-1", "Hans MUSTERMANN", "1960-05-05", "DE", "Hans Muster", "asset freeze", "Fraud ring", "x"},
		{"K-2", "Muster GmbH", "", "", "", "", "", ""},
	})
	meta, es, err := Read(bytes.NewReader(b), "kunden.xlsx", "refused-customers", Options{Map: map[string]string{
		"id": "Kundennummer", "dob": "Geburtsdatum", "nationality": "Staat", "aliases": "Auch bekannt als", "measures": "Massnahme", "remarks": "Bemerkung",
	}})
	if err != nil {
		t.Fatal(err)
	}
	if meta.Format != "own_xlsx" || len(es) != 2 {
		t.Fatalf("meta %+v, %d entities", meta, len(es))
	}
	if w := meta.Warnings(); len(w) != 1 || !strings.Contains(w[0], `column "Unused" is not read`) {
		t.Errorf("warnings = %q", w)
	}
	p := es[0]
	if p.ID != "refused-customers:K-1" || p.Names[1].Full != "Hans Muster" || p.BirthDates[0].Year != 1960 || p.Nationalities[0] != "DE" ||
		!p.HasMeasure(vigil.MeasureAssetFreeze) || p.Remarks != "Fraud ring" {
		t.Errorf("K-1 = %+v", p)
	}
	// Without the map the id column is not found: every row lacks a ref.
	_, _, err = Read(bytes.NewReader(b), "kunden.xlsx", "refused-customers", Options{})
	var bad *BadRowsError
	if !errors.As(err, &bad) || !strings.Contains(bad.Rows[0], "no ref") {
		t.Errorf("unmapped: %v", err)
	}
}

func TestReadJSONLAndTSV(t *testing.T) {
	_, es, err := Read(strings.NewReader(`{"ref": "P1", "first_name": "Anna", "last_name": "TESTOVA", "dob": "1970", "aliases": "Ann Testova", "positions": "Minister"}`+"\n"),
		"peps.jsonl", "peps", Options{})
	if err != nil || len(es) != 1 || es[0].PrimaryName() != "Anna TESTOVA" || es[0].Kind != vigil.KindPerson || es[0].Positions[0] != "Minister" {
		t.Errorf("jsonl: %+v %v", es, err)
	}
	_, es, err = Read(strings.NewReader("id\tname\tlisted_on\nX1\tSome Body\t2024-02-03\n"), "x.tsv", "x", Options{})
	if err != nil || len(es) != 1 || es[0].ListedOn != "2024-02-03" {
		t.Errorf("tsv: %+v %v", es, err)
	}
}

func TestReadRefusesNames(t *testing.T) {
	for _, list := range []string{"un", "ofac", "ofac_sdn", "Blacklist", "1list", "", "a b"} {
		if _, _, err := Read(strings.NewReader("id,name\n1,A\n"), "x.csv", list, Options{}); err == nil {
			t.Errorf("list %q: no error", list)
		}
	}
	if _, _, err := Read(strings.NewReader("id,name\n"), "x.csv", "empty", Options{}); err == nil || !strings.Contains(err.Error(), "no rows") {
		t.Errorf("empty file: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	for _, name := range []string{"testdata/blacklist.csv", "testdata/bad.csv"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		meta, es, err := Read(bytes.NewReader(b), "fuzz.csv", "fuzz", Options{Format: "csv"})
		if err != nil {
			if es != nil {
				t.Fatal("entities with an error")
			}
			return
		}
		if meta == nil || len(es) == 0 {
			t.Fatal("no entities and no error")
		}
		seen := map[string]bool{}
		for _, e := range es {
			if e.Ref == "" || e.ID != "fuzz:"+e.Ref || e.PrimaryName() == "" || seen[e.ID] {
				t.Fatalf("bad entity %+v", e)
			}
			seen[e.ID] = true
		}
	})
}
