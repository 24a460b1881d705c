package lists

import "testing"

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
