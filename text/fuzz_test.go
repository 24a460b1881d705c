package text

import (
	"testing"
	"unicode/utf8"
)

// FuzzScan checks that tokenising and scanning any input never panics, and
// that every token and mention lies within the text and maps to its text.
func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"Major General Qassem Soleimani's visit; Soleimani’s plane.",
		"Kim Jong-un met al-Assad\n\nHezbollah",
		"O'Brien G. W. Bush “Prigozhin” ‐ x",
		"\xff\xfeQasem\x00Soleimani",
		"'s ’s - . 'S",
	} {
		f.Add(s)
	}
	s := fixture(f)
	f.Fuzz(func(t *testing.T, text string) {
		prev := 0
		for _, tk := range Tokenize(text) {
			if tk.Start < prev || tk.End <= tk.Start || tk.End > len(text) || text[tk.Start:tk.End] != tk.Text {
				t.Fatalf("token %+v out of place in %q", tk, text)
			}
			if utf8.ValidString(text) && !utf8.ValidString(tk.Text) {
				t.Fatalf("token %q splits a character", tk.Text)
			}
			prev = tk.End
		}
		ms := s.Scan(text)
		for i, m := range ms {
			if m.Start < 0 || m.End > len(text) || m.Start >= m.End || text[m.Start:m.End] != m.Text {
				t.Fatalf("mention %+v out of place in %q", m, text)
			}
			if len(m.Matches) == 0 {
				t.Fatalf("mention %q without matches", m.Text)
			}
			if i > 0 && m.Start < ms[i-1].End {
				t.Fatalf("mentions overlap: %q and %q", ms[i-1].Text, m.Text)
			}
		}
		_ = Mark(text, ms)
	})
}
