package xlsx_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil/internal/listtest"
	"github.com/vigil-screening/vigil/unpack"
	"github.com/vigil-screening/vigil/xlsx"
)

var testLimits = xlsx.Limits{Archive: 1 << 20, Total: 4 << 20, Sheet: 2 << 20, SharedStrings: 1 << 20, Part: 1 << 20,
	InMemory: 1 << 20, Ratio: 100, Token: 1 << 20}

func rowsOf(n int) [][]string {
	rows := [][]string{{"name", "dob"}}
	for i := range n {
		rows = append(rows, []string{fmt.Sprintf("Person %d", i), "1957-03-11"})
	}
	return rows
}

// readAll opens b and returns its rows, checking what the temporary folder
// holds while the sheet is open.
func readAll(t *testing.T, b []byte, lim xlsx.Limits) (rows [][]string, tmpWhileOpen []string) {
	t.Helper()
	s, err := xlsx.Open(bytes.NewReader(b), lim)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	left, _ := os.ReadDir(os.TempDir())
	for _, e := range left {
		tmpWhileOpen = append(tmpWhileOpen, e.Name())
	}
	for s.Next() {
		r, err := s.Row(true)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, r)
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return rows, tmpWhileOpen
}

// TestTemporaryFiles: a worksheet larger than InMemory is spilled to a
// folder of the Sheet's own, removed by Close; a small one makes no folder.
// Both read the same rows.
func TestTemporaryFiles(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	want := rowsOf(2000)
	b := listtest.Workbook(listtest.SheetXML(want), nil)

	got, n := readAll(t, b, testLimits)
	if !reflect.DeepEqual(got, want) || len(n) != 0 {
		t.Errorf("in memory: %d rows (want %d), temporary entries while open %v (want none)", len(got), len(want), n)
	}

	small := testLimits
	small.InMemory = 4 << 10
	got, n = readAll(t, b, small)
	if !reflect.DeepEqual(got, want) || len(n) != 1 || !strings.HasPrefix(n[0], "vigil-xlsx-") {
		t.Errorf("spilled: %d rows (want %d), temporary entries while open %v (want one vigil-xlsx- folder)", len(got), len(want), n)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left behind after Close: %v", left)
	}
}

// TestOpenRefusesDamage: a damaged workbook is an *unpack.Error naming the
// member, and leaves no temporary file.
func TestOpenRefusesDamage(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	b := listtest.Workbook(listtest.SheetXML(rowsOf(500)), nil)
	b[100] ^= 0x08 // inside the first member's data: the worksheet
	small := testLimits
	small.InMemory = 1 << 10
	_, err := xlsx.Open(bytes.NewReader(b), small)
	var ue *unpack.Error
	if !errors.As(err, &ue) || ue.Member != "xl/worksheets/sheet1.xml" || !errors.Is(err, unpack.ErrDamaged) {
		t.Fatalf("err = %v, want the worksheet refused as damaged", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestOpenRefusesLimits: a worksheet over Limits.Sheet is refused before
// excelize reads it.
func TestOpenRefusesLimits(t *testing.T) {
	b := listtest.Workbook(listtest.SheetXML(rowsOf(500)), nil)
	lim := testLimits
	lim.Sheet = 1 << 10
	_, err := xlsx.Open(bytes.NewReader(b), lim)
	if !errors.Is(err, unpack.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

// TestCloseEarly: a reader that stops after one row (as a list reader does
// on a bad row) still leaves no temporary file once it closes the sheet.
func TestCloseEarly(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	small := testLimits
	small.InMemory = 4 << 10
	s, err := xlsx.Open(bytes.NewReader(listtest.Workbook(listtest.SheetXML(rowsOf(2000)), nil)), small)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Next() {
		t.Fatal(s.Err())
	}
	if left, _ := os.ReadDir(tmp); len(left) != 1 {
		t.Fatalf("while open: %v, want the sheet's folder", left)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}
