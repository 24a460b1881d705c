package text

import (
	"context"
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

		// Within limits: the mentions lie in the screened part, in order,
		// no more than allowed, and a scan stops early only when truncated.
		r, err := s.ScanContext(context.Background(), text, Limits{MaxQueries: 2, MaxMentions: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Mentions) > 2 || r.ScreenedTo > len(text) || r.Truncated != (r.ScreenedTo < len(text)) {
			t.Fatalf("limited scan of %q: %d mentions, screened to %d, truncated %v", text, len(r.Mentions), r.ScreenedTo, r.Truncated)
		}
		for i, m := range r.Mentions {
			if m.End > r.ScreenedTo || i > 0 && m.Start < r.Mentions[i-1].End {
				t.Fatalf("limited scan of %q: mention %+v past %d or out of order", text, m, r.ScreenedTo)
			}
		}
	})
}
