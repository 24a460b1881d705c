package au

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

func readEntities(b []byte) ([]vigil.Entity, error) {
	var out []vigil.Entity
	_, err := Read(bytes.NewReader(b), func(e *vigil.Entity) error { out = append(out, *e); return nil })
	return out, err
}

func clearError(err error) bool {
	var pe *lists.ParseError
	return errors.As(err, &pe) && (pe.Line > 0 || pe.Element != "")
}

// TestBitFlips flips bits in the fixture workbook: every flip is refused or
// reads the same entities.
func TestBitFlips(t *testing.T) {
	b := writeXLSX(t, header, fixtureRows)
	res := listtest.CheckFlips(t, b, listtest.Flips(b, 1500, 300), readEntities, clearError)
	if res.Refused == 0 || res.Same == 0 {
		t.Errorf("flips = %+v: want both refusals and harmless flips", res)
	}
}

// TestRealBitFlips does the same on the real DFAT workbook.
func TestRealBitFlips(t *testing.T) {
	b, err := os.ReadFile(shared.Lists(t, "au_dfat/regulation8_consolidated.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	n := listtest.RealFlips(t)
	listtest.CheckFlips(t, b, listtest.Flips(b, n, n), readEntities, clearError)
}
