package ofac

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

func readEnhancedEntities(b []byte) ([]vigil.Entity, error) {
	var out []vigil.Entity
	_, err := ReadEnhanced(bytes.NewReader(b), func(e *vigil.Entity) error { out = append(out, *e); return nil })
	return out, err
}

func clearError(err error) bool {
	var pe *lists.ParseError
	return errors.As(err, &pe) && (pe.Line > 0 || pe.Element != "")
}

// TestEnhancedZipBitFlips flips bits in a zip of the Enhanced XML fixture:
// every flip is refused or reads the same entities.
func TestEnhancedZipBitFlips(t *testing.T) {
	xml, err := os.ReadFile("testdata/enhanced.xml")
	if err != nil {
		t.Fatal(err)
	}
	b := zipOf(t, map[string][]byte{"SDN_ENHANCED.XML": xml})
	res := listtest.CheckFlips(t, b, listtest.Flips(b, 1500, 300), readEnhancedEntities, clearError)
	if res.Refused == 0 || res.Same == 0 {
		t.Errorf("flips = %+v: want both refusals and harmless flips", res)
	}
}

// TestRealEnhancedZipBitFlips does the same on OFAC's CONS_ENHANCED.ZIP.
func TestRealEnhancedZipBitFlips(t *testing.T) {
	b, err := os.ReadFile(shared.Lists(t, "ofac/consolidated_non_sdn/CONS_ENHANCED.ZIP"))
	if err != nil {
		t.Fatal(err)
	}
	n := 4 * listtest.RealFlips(t) // a read takes ~50 ms
	listtest.CheckFlips(t, b, listtest.Flips(b, n, n), readEnhancedEntities, clearError)
}
