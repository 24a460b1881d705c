package ofac

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// checkEntity asserts what every emitted entity must satisfy.
func checkEntity(t *testing.T, e *vigil.Entity) {
	if e.Ref == "" || e.ID != vigil.EntityID(vigil.SourceOFAC, e.Ref) {
		t.Fatalf("bad id %q ref %q", e.ID, e.Ref)
	}
	if len(e.Names) == 0 || e.Names[0].Quality != vigil.QualityPrimary || e.Names[0].Full == "" {
		t.Fatalf("%s: bad primary name %+v", e.ID, e.Names)
	}
}

// checkErr asserts a reader's error is a ParseError (or the emit error).
func checkErr(t *testing.T, err error) {
	var pe *lists.ParseError
	if err != nil && !errors.As(err, &pe) {
		t.Fatalf("error is not a ParseError: %v", err)
	}
}

func seed(f *testing.F, files ...string) {
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

func FuzzReadCSV(f *testing.F) {
	seed(f, "testdata/csv/sdn.csv", "testdata/csv/bad_quote.csv", "testdata/csv/truncated.csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ReadCSV(CSVSet{Primary: bytes.NewReader(data)}, func(e *vigil.Entity) error { checkEntity(t, e); return nil })
		checkErr(t, err)
	})
}

func FuzzParseRemarks(f *testing.F) {
	for _, s := range []string{"DOB 05 Mar 1970; alt. DOB circa 1971; POB X, Iran; a.k.a. 'A'; Linked To: B.",
		"a.k.a. 'ABU-'UMAR'; Passport 1 (Iran) issued 1999 expires 01 Jan 2030", "DOB 01 Jan 1957 to 31 Dec 1959; Gender Female",
		"Digital Currency Address - XBT 1abc; Vessel Registration Identification IMO 9123456", "'; '; ;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := ParseRemarks(s)
		if r.Rest != "" && !strings.HasSuffix(r.Rest, ".") {
			t.Fatalf("rest %q has no final period", r.Rest)
		}
		for _, d := range r.Facts.BirthDates {
			if d.ToYear != 0 && d.ToYear < d.Year {
				t.Fatalf("reversed range %+v", d)
			}
		}
	})
}

func FuzzReadXML(f *testing.F) {
	seed(f, "testdata/sdn.xml", "testdata/sdn_truncated.xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ReadXML(bytes.NewReader(data), func(e *vigil.Entity) error { checkEntity(t, e); return nil })
		checkErr(t, err)
	})
}

func FuzzReadEnhanced(f *testing.F) {
	seed(f, "testdata/enhanced.xml", "testdata/enhanced_truncated.xml", "testdata/enhanced_filtered.xml")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ReadEnhanced(bytes.NewReader(data), func(e *vigil.Entity) error { checkEntity(t, e); return nil })
		checkErr(t, err)
	})
}
