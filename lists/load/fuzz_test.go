package load

import (
	"os"
	"testing"

	"github.com/vigil-screening/vigil/internal/listtest"
	"github.com/vigil-screening/vigil/lists/ofac"
)

// FuzzDetect fuzzes every sniffer on a file's head, the hand-written zip
// and gzip header walks (lists.WorksheetHead, the Enhanced zip's first
// entry, the CSL gzip head) included: none may panic, and a head is never
// taken for both a single-file format and an OFAC CSV file.
func FuzzDetect(f *testing.F) {
	for _, p := range []string{"../un/testdata/sample.xml", "../ofac/testdata/enhanced.xml", "../uk/testdata/conlist_2022.csv",
		"../uscsl/testdata/sample.csv", "../ofac/testdata/csv/sdn.csv"} {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), headSize)])
	}
	f.Add(listtest.Workbook(listtest.SheetXML([][]string{{"Last Updated", "x"}, {"Name 6", "Group ID"}}), nil))
	f.Fuzz(func(t *testing.T, head []byte) {
		fm := detect(head)
		if _, ok := ofac.SniffCSV(head); ok && fm != nil {
			t.Fatalf("head is both an OFAC CSV file and %s", fm.name)
		}
	})
}
