package batch

import (
	"bytes"
	"io"
	"testing"
)

// BenchmarkReadCSV1M reads a generated 1,000,000-row CSV and reports rows/s.
func BenchmarkReadCSV1M(b *testing.B) {
	const rows = 1_000_000
	var buf bytes.Buffer
	if err := Generate(&buf, rows, 1, []string{"Qasem Soleimani", "Vladimir Putin", "Sergei Shoigu"}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		rd, err := Open(bytes.NewReader(data), "gen.csv", Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for {
			rec, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil || rec.Err != nil {
				b.Fatalf("row %d: %v %v", rec.Row, err, rec.Err)
			}
			n++
		}
		if n != rows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
