// Package listtest holds the checks every list reader's tests share: reading
// a whole file into memory, malformed inputs that must fail with a
// ParseError at a given line and element, and truncations that must fail.
package listtest

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
	"github.com/xuri/excelize/v2"
)

// ReadFunc is a list reader's Read function.
type ReadFunc func(io.Reader, lists.Emit) (*lists.Meta, error)

// ReadAll reads data with read and returns every entity emitted.
func ReadAll(read ReadFunc, data []byte) ([]*vigil.Entity, *lists.Meta, error) {
	var es []*vigil.Entity
	meta, err := read(bytes.NewReader(data), func(e *vigil.Entity) error {
		es = append(es, e)
		return nil
	})
	return es, meta, err
}

// ErrorCase is a file in testdata/ that must fail with a ParseError at Line
// and Element.
type ErrorCase struct {
	File, Element string
	Line          int
}

// WantErrors reads each case's file and checks the error it gives.
func WantErrors(t *testing.T, read ReadFunc, cases []ErrorCase) {
	t.Helper()
	for _, c := range cases {
		data, err := os.ReadFile(filepath.Join("testdata", c.File))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = ReadAll(read, data)
		var pe *lists.ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("%s: err = %v, want *lists.ParseError", c.File, err)
		}
		if pe.Line != c.Line || pe.Element != c.Element {
			t.Errorf("%s: error at line %d element %q (%v); want line %d element %q", c.File, pe.Line, pe.Element, err, c.Line, c.Element)
		}
	}
}

// EveryTruncationFails cuts the file at every byte before its trailing white
// space: no prefix may read without error.
func EveryTruncationFails(t *testing.T, read ReadFunc, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	full := len(bytes.TrimRight(data, " \n"))
	for n := 0; n < full; n++ {
		if _, _, err := ReadAll(read, data[:n]); err == nil {
			t.Fatalf("prefix of %d/%d bytes read without error", n, full)
		}
	}
}

// XLSX returns a workbook whose first sheet holds rows from A1, for tests
// of spreadsheet readers.
func XLSX(t testing.TB, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Workbook returns the smallest XLSX that excelize reads: one worksheet
// whose XML is sheet and, when sst is not empty, a shared-string table.
// Fuzz targets wrap fuzzed worksheet XML in it, so that mutations reach the
// sheet and row layers instead of failing the archive's checksums.
func Workbook(sheet, sst []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, data []byte) {
		w, _ := zw.Create(name)
		w.Write(data)
	}
	types := `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
		`<Default Extension="xml" ContentType="application/xml"/>` +
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
		`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`
	rels := `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>`
	if len(sst) > 0 {
		types += `<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`
		rels += `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
	}
	add("xl/worksheets/sheet1.xml", sheet) // first, where sniffers look
	add("[Content_Types].xml", []byte(types+`</Types>`))
	add("_rels/.rels", []byte(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+
		`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`))
	add("xl/workbook.xml", []byte(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" `+
		`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`))
	add("xl/_rels/workbook.xml.rels", []byte(rels+`</Relationships>`))
	if len(sst) > 0 {
		add("xl/sharedStrings.xml", sst)
	}
	zw.Close()
	return buf.Bytes()
}

// SheetXML returns worksheet XML holding rows of cells, for Workbook: a
// cell that reads as a number is written as one, any other as an inline
// string.
func SheetXML(rows [][]string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	for i, r := range rows {
		fmt.Fprintf(&b, `<row r="%d">`, i+1)
		for j, c := range r {
			if c == "" {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if _, err := strconv.ParseFloat(c, 64); err == nil {
				fmt.Fprintf(&b, `<c r="%s"><v>%s</v></c>`, cell, c)
				continue
			}
			b.WriteString(`<c r="` + cell + `" t="inlineStr"><is><t>`)
			xml.EscapeText(&b, []byte(c))
			b.WriteString(`</t></is></c>`)
		}
		b.WriteString(`</row>`)
	}
	b.WriteString(`</sheetData></worksheet>`)
	return b.Bytes()
}
