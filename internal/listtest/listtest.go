// Package listtest holds the checks every list reader's tests share: reading
// a whole file into memory, malformed inputs that must fail with a
// ParseError at a given line and element, and truncations that must fail.
package listtest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
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
