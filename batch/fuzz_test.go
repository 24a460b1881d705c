package batch

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/xuri/excelize/v2"
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

// FuzzXLSX fuzzes the XLSX reader with mutations of a small workbook.
func FuzzXLSX(f *testing.F) {
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"name", "dob"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"Qasem Soleimani", 20890})
	var buf bytes.Buffer
	x.WriteTo(&buf)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) { fuzzRead(t, data, "in.xlsx") })
}
