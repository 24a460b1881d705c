package paxlst

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/vigil-screening/vigil/lists"
)

// FuzzParse checks that Parse never panics and that what it accepts is
// consistent: travellers have names and point at existing flights, and
// problems name real segments.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.edi")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, lenient := range []bool{false, true} {
			m, err := Options{Lenient: lenient}.Parse(bytes.NewReader(data))
			if err != nil {
				continue
			}
			for _, tr := range m.Travellers {
				if tr.Surname == "" {
					t.Fatalf("traveller without a surname: %+v", tr)
				}
				for _, i := range tr.Flights {
					if i < 0 || i >= len(m.Flights) {
						t.Fatalf("flight index %d out of range", i)
					}
				}
				if tr.Segment < 1 || tr.Segment > m.Segments {
					t.Fatalf("segment %d of %d", tr.Segment, m.Segments)
				}
				if q := tr.Query(); q.Nationality != "" && lists.Country(q.Nationality) != q.Nationality {
					t.Fatalf("query nationality %q names no country", q.Nationality)
				}
				for _, p := range tr.Problems {
					if !slices.ContainsFunc(m.Problems, func(x Problem) bool { return x.Segment == p.Segment && x.Msg == p.Msg }) || p.Dropped {
						t.Fatalf("traveller problem %+v is not among the message's", p)
					}
				}
			}
			for _, p := range m.Problems {
				if p.Segment < 1 || p.Segment > m.Segments {
					t.Fatalf("problem at segment %d of %d", p.Segment, m.Segments)
				}
				for _, i := range p.Flights {
					if i < 0 || i >= len(m.Flights) || !p.Dropped {
						t.Fatalf("problem %+v: flight index %d out of range", p, i)
					}
				}
			}
		}
	})
}
