package ofac

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists"
)

func readAll(b *testing.B, path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	return data
}

func benchRead(b *testing.B, size int, read func(emit lists.Emit) error) {
	b.ReportAllocs()
	b.SetBytes(int64(size))
	for b.Loop() {
		if err := read(func(*vigil.Entity) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReadCSV2024 reads the 14,965-row sdn.csv of 2024-05-03 alone.
func BenchmarkReadCSV2024(b *testing.B) {
	data := readAll(b, shared.Lists(b, "ofac/sdn_2024-05-03/sdn.csv"))
	benchRead(b, len(data), func(emit lists.Emit) error {
		_, err := ReadCSV(CSVSet{Primary: bytes.NewReader(data)}, emit)
		return err
	})
}

// BenchmarkReadCSVSet2021 reads the full 2021-07-07 set (sdn, add, alt, comments).
func BenchmarkReadCSVSet2021(b *testing.B) {
	d := shared.Lists(b, "ofac/sdn_2021-07-07")
	var files [4][]byte
	size := 0
	for i, n := range []string{"sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"} {
		files[i] = readAll(b, filepath.Join(d, n))
		size += len(files[i])
	}
	benchRead(b, size, func(emit lists.Emit) error {
		_, err := ReadCSV(CSVSet{Primary: bytes.NewReader(files[0]), Add: bytes.NewReader(files[1]),
			Alt: bytes.NewReader(files[2]), Comments: bytes.NewReader(files[3])}, emit)
		return err
	})
}

func BenchmarkReadXMLConsolidated(b *testing.B) {
	data := readAll(b, shared.Lists(b, "ofac/consolidated_non_sdn/consolidated.xml"))
	benchRead(b, len(data), func(emit lists.Emit) error {
		_, err := ReadXML(bytes.NewReader(data), emit)
		return err
	})
}

func BenchmarkReadEnhancedIRGC(b *testing.B) {
	data := readAll(b, shared.Lists(b, "ofac/enhanced_xml_IRGC_program_2024-08-28/IRGC_sanctions.xml"))
	benchRead(b, len(data), func(emit lists.Emit) error {
		_, err := ReadEnhanced(bytes.NewReader(data), emit)
		return err
	})
}

func BenchmarkReadEnhancedZip(b *testing.B) {
	data := readAll(b, shared.Lists(b, "ofac/consolidated_non_sdn/CONS_ENHANCED.ZIP"))
	benchRead(b, len(data), func(emit lists.Emit) error {
		_, err := ReadEnhanced(bytes.NewReader(data), emit)
		return err
	})
}

func BenchmarkParseRemarks(b *testing.B) {
	const s = "DOB 05 Mar 1970; alt. DOB 1971; POB Sample City, Iran; nationality Iran; Gender Male; " +
		"Passport X0000001 (Iran) expires 01 Jan 2030; a.k.a. 'DOC'; Linked To: EXAMPLE TRADING LLC; Additional Sanctions Information - Subject to Secondary Sanctions."
	b.ReportAllocs()
	for b.Loop() {
		ParseRemarks(s)
	}
}
