package batch

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/vigil-screening/vigil/internal/listtest"
)

// fuzzRead reads everything Open accepts and checks the reader's promises:
// it ends with io.EOF, rows increase, and good records have a name.
func fuzzRead(t *testing.T, data []byte, name string) {
	rd, err := Open(bytes.NewReader(data), name, Options{})
	if err != nil {
		return
	}
	last := 0
	for i := 0; ; i++ {
		rec, err := rd.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if rec.Row <= last {
			t.Fatalf("row %d after row %d", rec.Row, last)
		}
		last = rec.Row
		if rec.Err == nil && rec.Query.Name == "" {
			t.Fatalf("row %d: good record without a name", rec.Row)
		}
		if i > len(data)+1 {
			t.Fatalf("more records than bytes")
		}
	}
}

func addFile(f *testing.F, name string) {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
}

// FuzzCSV fuzzes the CSV reader, quoting recovery included.
func FuzzCSV(f *testing.F) {
	addFile(f, "customers.csv")
	f.Add([]byte("name,dob\n\"a\"\"b\",1970\n\"open\nx,1\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, "in.csv") })
}

// FuzzJSONL fuzzes the JSON Lines reader.
func FuzzJSONL(f *testing.F) {
	addFile(f, "customers.jsonl")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, "in.jsonl") })
}

// FuzzXLSX fuzzes the XLSX reader on raw bytes, seeded with a small
// workbook: most mutations exercise the archive checks (see FuzzXLSXSheet).
func FuzzXLSX(f *testing.F) {
	f.Add(listtest.Workbook(listtest.SheetXML([][]string{{"name", "dob"}, {"Qasem Soleimani", "20890"}}), nil))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, "in.xlsx") })
}

// FuzzXLSXSheet fuzzes the worksheet and shared-string XML of a workbook
// that is otherwise sound, so that mutations reach excelize's row reader and
// the column mapping rather than failing the archive's checksums.
func FuzzXLSXSheet(f *testing.F) {
	f.Add(listtest.SheetXML([][]string{{"id", "name", "dob"}, {"R1", "Qasem Soleimani", "20890"}}), []byte(nil))
	f.Add([]byte(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c t="s"><v>0</v></c></row><row r="3"><c t="s"><v>1</v></c></row></sheetData></worksheet>`),
		[]byte(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>name</t></si><si><t>Qasem Soleimani</t></si></sst>`))
	f.Fuzz(func(t *testing.T, sheet, sst []byte) { fuzzRead(t, listtest.Workbook(sheet, sst), "in.xlsx") })
}
