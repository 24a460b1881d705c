package uk

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/listtest"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists"
)

// readXLSXEntities reads a ConList workbook to the entities it emits.
func readXLSXEntities(b []byte) ([]vigil.Entity, error) {
	var out []vigil.Entity
	_, err := ReadConListXLSX(bytes.NewReader(b), func(e *vigil.Entity) error { out = append(out, *e); return nil })
	return out, err
}

// clearError accepts a ParseError that says where (line or element).
func clearError(err error) bool {
	var pe *lists.ParseError
	return errors.As(err, &pe) && (pe.Line > 0 || pe.Element != "")
}

// TestConListXLSXBitFlips flips bits in a small workbook built from the 2022
// fixture: every flip is refused or reads the same entities.
func TestConListXLSXBitFlips(t *testing.T) {
	b := conListXLSX(t, csvRows(t, "conlist_2022.csv"))
	res := listtest.CheckFlips(t, b, listtest.Flips(b, 1500, 300), readXLSXEntities, clearError)
	if res.Refused == 0 || res.Same == 0 {
		t.Errorf("flips = %+v: want both refusals and harmless flips", res)
	}
}

// TestRealConListXLSXBitFlips does the same on the real UK ConList.xlsx.
func TestRealConListXLSXBitFlips(t *testing.T) {
	b, err := os.ReadFile(shared.Lists(t, "uk/ConList.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	n := listtest.RealFlips(t)
	listtest.CheckFlips(t, b, listtest.Flips(b, n, n), readXLSXEntities, clearError)
}
