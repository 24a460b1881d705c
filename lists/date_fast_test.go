package lists

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/shared"
)

// benchDates returns realistic date-of-birth inputs in the layouts of the
// batch generator (batch/generate.go): mostly YYYY-MM-DD, some DD/MM/YYYY,
// some a year alone, some empty.
func benchDates() map[string][]string {
	rng := rand.New(rand.NewPCG(1, 2))
	out := map[string][]string{}
	for range 1000 {
		y, m, d := 1940+rng.IntN(66), 1+rng.IntN(12), 1+rng.IntN(28)
		iso, dmy, year := fmt.Sprintf("%04d-%02d-%02d", y, m, d), fmt.Sprintf("%02d/%02d/%04d", d, m, y), fmt.Sprint(y)
		out["iso"] = append(out["iso"], iso)
		out["dmy"] = append(out["dmy"], dmy)
		out["year"] = append(out["year"], year)
		switch rng.IntN(20) {
		case 0:
			out["mix"] = append(out["mix"], "")
		case 1:
			out["mix"] = append(out["mix"], year)
		case 2:
			out["mix"] = append(out["mix"], dmy)
		default:
			out["mix"] = append(out["mix"], iso)
		}
	}
	return out
}

func BenchmarkParseDate(b *testing.B) { benchmarkParseDate(b, ParseDate) }

// BenchmarkParseDateSlow is BenchmarkParseDate over the reference
// parseDateSlow (ParseDate before its fast path).
func BenchmarkParseDateSlow(b *testing.B) { benchmarkParseDate(b, parseDateSlow) }

func benchmarkParseDate(b *testing.B, parse func(string) (vigil.Date, bool)) {
	in := benchDates()
	for _, name := range []string{"iso", "dmy", "year", "mix"} {
		ds := in[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				parse(ds[i%len(ds)])
			}
		})
	}
}

// checkDateFast fails t when ParseDate, or its fast path where it decides,
// disagrees with the reference parseDateSlow on s.
func checkDateFast(t *testing.T, s string) {
	t.Helper()
	want, wantOK := parseDateSlow(s)
	if got, ok := ParseDate(s); got != want || ok != wantOK {
		t.Fatalf("ParseDate(%q) = %#v, %v; want %#v, %v", s, got, ok, want, wantOK)
	}
	if got, ok, done := parseDateFast(s); done && (got != want || ok != wantOK) {
		t.Fatalf("parseDateFast(%q) = %#v, %v; want %#v, %v", s, got, ok, want, wantOK)
	}
}

// dateCorpus returns date strings built from digit groups of every length
// from none to five, with values at the edges of the checks (0, 12, 13,
// 31, 32, 999, 1000, 2200, 2201 …), joined by separators the fast path
// takes and ones it leaves to the slow path, and wrapped in the
// approximation marks.
func dateCorpus() []string {
	groups := []string{"", "0", "1", "9", "00", "01", "12", "13", "28", "31", "32", "99", "000", "123", "0000", "0999", "1000", "1957", "1959", "2200", "2201", "9999", "19570", "12345"}
	seps := []string{"", "-", "/", ".", "..", "--", "-/", "/.", "–", " ", " - ", " to ", "to", "and", "T", ":", "+", ",", "a"}
	var out []string
	for _, a := range groups {
		out = append(out, a)
		for _, s1 := range seps {
			for _, b := range groups {
				out = append(out, a+s1+b)
			}
		}
	}
	// Every three groups joined by the separators of the numeric layouts.
	for _, a := range groups {
		for _, s1 := range seps[1:5] {
			for _, b := range groups {
				for _, s2 := range seps[1:5] {
					for _, c := range groups {
						out = append(out, a+s1+b+s2+c)
					}
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for range 20000 {
		out = append(out, groups[rng.IntN(len(groups))]+seps[rng.IntN(len(seps))]+groups[rng.IntN(len(groups))]+
			seps[rng.IntN(len(seps))]+groups[rng.IntN(len(groups))])
	}
	for _, ds := range benchDates() {
		out = append(out, ds...)
	}
	out = append(out, "1957-03-11T10:00:00Z", "2010-05-06-04:00", "2010-05-06+04:00", "11 Mar 1957", "Mar 1957", "March 11, 1957",
		"circa 1957", "c. 1957", "~1957", "1957 (approx)", "1957 approx.", "Approximately 1957", "1973 to 1974", "1973 and 1974",
		"1973–1974", " 1957", "1957 ", "1957\t", "\t", " ", "\u00a01957", "１９５７", "00/00/1957", "00/03/1957", "31/13/1957",
		"00/05/1957", "-1957", "1957-", ".1957", "1957..", "1957...1959", "+1957", "1957-3-4", "4.3.1957", "04-03-1970", "4/3/1970")
	return out
}

// TestParseDateFastMatchesSlow compares ParseDate with the reference over
// the date corpus and, when the shared folder is present, the dates of
// birth of the development negatives.
func TestParseDateFastMatchesSlow(t *testing.T) {
	ds := dateCorpus()
	if p := sharedDevDates(t); p != nil {
		ds = append(ds, p...)
	}
	fast := 0
	for _, s := range ds {
		if _, _, done := parseDateFast(s); done {
			fast++
		}
		checkDateFast(t, s)
	}
	t.Logf("%d dates compared, %d decided by the fast path", len(ds), fast)
}

// sharedDevDates returns the dates of birth of the development negatives,
// or nil (with a log line) when the shared folder is absent.
func sharedDevDates(t *testing.T) []string {
	if shared.Root() == "" {
		t.Log("the shared data folder is absent: comparing without its dates of birth")
		return nil
	}
	f, err := os.Open(shared.Path(t, "data/eval/negatives_dev_global.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range recs[0] {
		if h == "date_of_birth" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("no date_of_birth column in %q", recs[0])
	}
	var out []string
	for _, r := range recs[1:] {
		out = append(out, r[col])
	}
	return out
}

// TestParseDateFastTaken checks that the common layouts take the fast path.
func TestParseDateFastTaken(t *testing.T) {
	for _, s := range []string{"", "1970", "1970-03-04", "1970-3-4", "1970-03", "04/03/1970", "04.03.1970", "04-03-1970", "00/00/1970", "1970-1975", "1970/1975", "1970..1975"} {
		if _, _, done := parseDateFast(s); !done {
			t.Errorf("%q does not take the fast path", s)
		}
	}
	for _, s := range []string{"circa 1970", "11 Mar 1957", "1957-03-11T10:00:00Z", " 1970", "1973 to 1974", "1970.1975"} {
		if _, _, done := parseDateFast(s); done {
			t.Errorf("%q takes the fast path", s)
		}
	}
}

// FuzzParseDateFast asserts that ParseDate equals the reference for any
// string.
func FuzzParseDateFast(f *testing.F) {
	for _, s := range []string{"", "1970", "1970-03-04", "04/03/1970", "04.03.1970", "1970-1975", "1970..1975", "00/05/1957", "31/13/1957", "circa 1957", "11 Mar 1957", "2010-05-06-04:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkDateFast(t, s)
	})
}
