package match

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/names"
)

var checkNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// TestCheckQuery: each value the matcher cannot use is a problem naming
// its field and is left out; usable values come back as the matcher uses
// them.
func TestCheckQuery(t *testing.T) {
	for _, tc := range []struct {
		q       vigil.Query
		want    vigil.Query
		reasons map[string]string // field → part of the reason
	}{
		{q: vigil.Query{Name: "Qasem Soleimani", DOB: "1957-03-11", Nationality: "Iran", Gender: "M", Kind: "individual"},
			want: vigil.Query{Name: "Qasem Soleimani", DOB: "1957-03-11", Nationality: "IR", Gender: "male", Kind: vigil.KindPerson}},
		{q: vigil.Query{Name: "A", DOB: " 11 March 1957 ", Nationality: "uk", Gender: "female"},
			want: vigil.Query{Name: "A", DOB: "11 March 1957", Nationality: "GB", Gender: "female"}},
		{q: vigil.Query{Name: "A", DOB: "1957", Nationality: "IRN", Gender: "unknown"},
			want: vigil.Query{Name: "A", DOB: "1957", Nationality: "IR"}},
		{q: vigil.Query{Name: "A", DOB: "1957-13-45", Nationality: "Narnia", Gender: "q", Kind: "widget"},
			want:    vigil.Query{Name: "A"},
			reasons: map[string]string{"dob": "not a date", "nationality": "not a country", "gender": "not male or female", "kind": "not person"}},
		{q: vigil.Query{Name: "A", DOB: "1957-02-29", Nationality: "ZZ"}, want: vigil.Query{Name: "A"},
			reasons: map[string]string{"dob": "February 1957 has 28 days", "nationality": "not a country"}},
		{q: vigil.Query{Name: "A", DOB: "1956-02-29"}, want: vigil.Query{Name: "A", DOB: "1956-02-29"}},
		{q: vigil.Query{Name: "A", DOB: "2026-06"}, want: vigil.Query{Name: "A"}, reasons: map[string]string{"dob": "future"}},
		{q: vigil.Query{Name: "A", DOB: "31/04/1970"}, want: vigil.Query{Name: "A"}, reasons: map[string]string{"dob": "April 1970 has 30 days"}},
		{q: vigil.Query{Name: " -- . ", DOB: "1970"}, want: vigil.Query{Name: " -- . ", DOB: "1970"}, reasons: map[string]string{"name": "no letter or digit"}},
		{q: vigil.Query{Name: "  "}, want: vigil.Query{Name: "  "}, reasons: map[string]string{"name": "empty"}},
	} {
		got, ps := checkQuery(tc.q, checkNow)
		if got != tc.want {
			t.Errorf("%+v: query %+v, want %+v", tc.q, got, tc.want)
		}
		fields := map[string]bool{}
		for _, p := range ps {
			fields[p.Field] = true
			if w, ok := tc.reasons[p.Field]; !ok || !strings.Contains(p.Reason, w) {
				t.Errorf("%+v: unexpected problem %s", tc.q, p)
			}
			if !strings.HasPrefix(p.String(), p.Field+" ") {
				t.Errorf("%s does not name its field", p)
			}
		}
		for f := range tc.reasons {
			if !fields[f] {
				t.Errorf("%+v: no problem for %s (problems %v)", tc.q, f, ps)
			}
		}
	}
}

// TestCheckQueryAgreesWithEvidence: every value CheckQuery keeps is one
// the matcher uses, and as it would have used it as given (so that
// checking a query changes no result but for the values it drops).
func TestCheckQueryAgreesWithEvidence(t *testing.T) {
	for _, q := range []vigil.Query{
		{DOB: "1957-03-11"}, {DOB: "1957"}, {DOB: "March 1957"}, {DOB: "circa 1957"}, {DOB: "1957-1960"}, {DOB: "11.03.1957"},
		{Nationality: "IR"}, {Nationality: "ir"}, {Nationality: "Iranian"}, {Nationality: "Korea, North"}, {Nationality: "RUS"},
		{Gender: "m"}, {Gender: "Female"}, {Gender: "woman"},
		{Kind: "person"}, {Kind: "vessel"},
	} {
		q.Name = "Qasem Soleimani"
		got, ps := checkQuery(q, checkNow)
		if len(ps) > 0 {
			t.Errorf("%+v: problems %v", q, ps)
			continue
		}
		a, b := parseEvidence(q), parseEvidence(got)
		if a != b {
			t.Errorf("%+v: evidence %+v as given, %+v as checked", q, a, b)
		}
		if q.DOB != "" && !b.hasDOB || q.Nationality != "" && b.nat == "" || q.Gender != "" && b.gender == "" {
			t.Errorf("%+v: kept a value the matcher does not use: %+v", q, b)
		}
	}
}

// FuzzCheckQuery: what CheckQuery keeps the matcher uses; a name it
// passes has parts to screen, and one it refuses has none.
func FuzzCheckQuery(f *testing.F) {
	f.Add("Qasem Soleimani", "1957-03-11", "IR", "m", "person")
	f.Add("--", "1957-02-30", "ZZ", "x", "thing")
	f.Add("\u0301", "31/12/1999", "Narnia", "", "")
	f.Fuzz(func(t *testing.T, name, dob, nat, gender, kind string) {
		q := vigil.Query{Name: name, DOB: dob, Nationality: nat, Gender: gender, Kind: vigil.Kind(kind)}
		got, ps := checkQuery(q, checkNow)
		bad := map[string]bool{}
		for _, p := range ps {
			bad[p.Field] = true
		}
		ev := parseEvidence(got)
		if got.DOB != "" && !ev.hasDOB || got.Nationality != "" && ev.nat == "" || got.Gender != "" && ev.gender == "" {
			t.Fatalf("%+v: kept a value the matcher does not use: %+v → %+v", q, got, ev)
		}
		if _, ok := vigil.ParseKind(string(got.Kind)); !ok || (bad["kind"] && got.Kind != "") {
			t.Fatalf("%+v: kind %q", q, got.Kind)
		}
		if (strings.TrimSpace(dob) != "" && got.DOB == "") != bad["dob"] || (strings.TrimSpace(nat) != "" && got.Nationality == "") != bad["nationality"] {
			t.Fatalf("%+v: dropped a value without a problem, or the reverse: %+v, %v", q, got, ps)
		}
		parts := prepare(name, names.AnyClass, nil).parts
		if bad["name"] != (len(parts) == 0) {
			t.Fatalf("%q: name problem %v, but %d parts", name, bad["name"], len(parts))
		}
	})
}

// BenchmarkCheckQuery checks a batch row's query as screen.Batch does for
// every row.
func BenchmarkCheckQuery(b *testing.B) {
	q := vigil.Query{Name: "Maria José Fernández", DOB: "1979-06-01", Nationality: "United Kingdom", Gender: "F", ID: "X1234567"}
	b.ReportAllocs()
	for b.Loop() {
		if _, ps := CheckQuery(q); len(ps) > 0 {
			b.Fatal(ps)
		}
	}
}
