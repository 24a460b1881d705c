package lists

import (
	"strings"
	"testing"
)

func TestParseDate(t *testing.T) {
	cases := []struct {
		in   string
		want string
		ok   bool
	}{
		{"1957-03-11", "1957-03-11", true},
		{"11 Mar 1957", "1957-03-11", true},
		{"11/03/1957", "1957-03-11", true},
		{"00/00/1957", "1957", true},
		{"00/03/1957", "1957-03", true},
		{"circa 1957", "~1957", true},
		{"1973 to 1974", "1973..1974", true},
		{"March 11, 1957", "1957-03-11", true},
		{"Mar 1957", "1957-03", true},
		{"1957", "1957", true},
		{"2010-05-06-04:00", "2010-05-06", true},
		{"unknown", "unknown", false},
		{"31/13/1957", "31/13/1957", false},
		// A range is held to the years a single date is.
		{"0000-0001", "0000-0001", false},
		{"0999-1957", "0999-1957", false},
		{"1957-2300", "1957-2300", false},
		{"1957/1958", "1957..1958", true},
	}
	for _, c := range cases {
		d, ok := ParseDate(c.in)
		if ok != c.ok || d.String() != c.want {
			t.Errorf("ParseDate(%q) = %q, %v; want %q, %v", c.in, d.String(), ok, c.want, c.ok)
		}
	}
}

func TestCountry(t *testing.T) {
	cases := map[string]string{
		"Iran (Islamic Republic of)": "IR", "Iranian": "IR", "Korea, North": "KP",
		"Democratic People's Republic of Korea": "KP", "Russian Federation": "RU", "IRN": "IR",
		"Congo, Democratic Republic of the": "CD", "Syrian Arab Republic": "SY", "Nowhere Land": "",
	}
	for in, want := range cases {
		if got := Country(in); got != want {
			t.Errorf("Country(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"1957-03-11", "11 Mar 1957", "circa 1957", "1973 to 1974", "00/00/1957"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseDate(s)
		if ok && (d.Year < 1000 || d.Month > 12 || d.Day > 31) {
			t.Fatalf("ParseDate(%q) accepted out-of-range date %+v", s, d)
		}
	})
}

func TestDetectScript(t *testing.T) {
	cases := map[string]string{"QASEM SOLEIMANI": "Latn", "قاسم سلیمانی": "Arab", "Сергей Шойгу": "Cyrl", "金正恩": "Hani", "김정은": "Hang", "": "", "123": ""}
	for in, want := range cases {
		if got := DetectScript(in); got != want {
			t.Errorf("DetectScript(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDates(t *testing.T) {
	cases := map[string]string{
		"1965 or 1966":             "1965|1966",
		"c. 1957 or 14 March 1942": "~1957|1942-03-14",
		"alt DOB: 19/11/1956":      "1956-11-19",
		"Between 1963 to 1968":     "1963..1968",
		"1965, 29 March":           "1965-03-29",
		"23-Apr-68":                "1968-04-23",
		"29-Aprl-1967":             "1967-04-29",
		"Approximately 1967, or approximately 1961": "~1967|~1961",
		"March 1968 to March 1969":                  "1968..1969",
		"24 Jan.1973":                               "1973-01-24",
		"01/10/1983,15/10/1983, 01/01/1980":         "1983-10-01|1983-10-15|1980-01-01",
		"03/1965":                                   "1965-03",
		"24/06/1402 (Hijri Calendar)":               "",
		"Approximately (30-35 years old)":           "",
	}
	for in, want := range cases {
		ds, _ := ParseDates(in)
		var got []string
		for _, d := range ds {
			got = append(got, d.String())
		}
		if g := strings.Join(got, "|"); g != want {
			t.Errorf("ParseDates(%q) = %q, want %q", in, g, want)
		}
	}
}

func FuzzParseDates(f *testing.F) {
	f.Add("c. 1957 or 14 March 1942")
	f.Add("01/10/1983,15/10/1983")
	f.Fuzz(func(t *testing.T, s string) {
		ds, ok := ParseDates(s)
		if ok != (len(ds) > 0) {
			t.Fatalf("ok=%v with %d dates", ok, len(ds))
		}
		for _, d := range ds {
			if d.Year < 1850 || d.Month > 12 || d.Day > 31 || !strings.Contains(s, strings.Fields(d.Text)[0]) {
				t.Fatalf("ParseDates(%q) gave %+v", s, d)
			}
		}
	})
}
