package batch

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil/internal/listtest"
)

// readXLSXRecords reads a workbook to its records and warnings.
func readXLSXRecords(b []byte) ([]any, error) {
	rd, err := Open(bytes.NewReader(b), "in.xlsx", Options{})
	if err != nil {
		return nil, err
	}
	var out []any
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			return append(out, rd.Warnings()), nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
}

// TestXLSXBitFlips flips bits in a customer workbook: every flip is refused
// with an error naming the workbook part, or reads the same records.
func TestXLSXBitFlips(t *testing.T) {
	rows := [][]any{
		{"Customer Ref", "Surname", "Given Name", "Birth Date", "Citizenship", "Passport No"},
		{"R1", "Soleimani", "Qasem", 20890, "Iran", 123456789012},
		{"R2", "", "", "1960-01-01", "FR", ""},
		{"R3", "Lavrov", "Sergei", "1950", "RU", "", "extra cell"},
		{"R4", "Shoigu", "Sergei", "21/05/1955", "RU", "X1"},
	}
	b := listtest.XLSX(t, rows)
	clear := func(err error) bool { return strings.HasPrefix(err.Error(), "batch: xlsx: ") }
	res := listtest.CheckFlips(t, b, listtest.Flips(b, 1500, 300), readXLSXRecords, clear)
	if res.Refused == 0 || res.Same == 0 {
		t.Errorf("flips = %+v: want both refusals and harmless flips", res)
	}
}
