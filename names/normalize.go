package names

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-unidecode"
	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"
)

// Word is one word of a name after normalisation: its Latin form and what it
// was written as.
type Word struct {
	// Text is the normalised Latin form: lower-case ASCII letters and digits.
	Text string
	// Orig is the word as written (NFKC, lower case), in its own script.
	Orig string
	// Script is the ISO 15924 code of the word's script ("Latn", "Arab", …).
	Script string
}

// Abjad reports whether the word was written in a script that usually omits
// vowels (Arabic, Hebrew), so that its Latin form lacks them too.
func (w Word) Abjad() bool { return w.Script == "Arab" || w.Script == "Hebr" }

// Normalize returns s as lower-case ASCII words separated by single spaces:
// NFKC, width folding, transliteration of every script to Latin, diacritics
// removed, apostrophes dropped, other punctuation turned into spaces and
// dotted initialisms joined ("A.B.C." → "abc").
func Normalize(s string) string {
	ws := Words(s)
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.Text
	}
	return strings.Join(parts, " ")
}

// Tokens returns the normalised words of s (Normalize split on spaces).
func Tokens(s string) []string {
	ws := Words(s)
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.Text
	}
	return out
}

// Words splits s into normalised words, keeping each word's original form and
// script. It never returns empty words.
func Words(s string) []Word {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	s = width.Fold.String(norm.NFKC.String(s))
	var out []Word
	for _, raw := range splitRaw(s) {
		out = append(out, convertWord(raw)...)
	}
	return joinInitialisms(out)
}

// splitRaw splits s on spaces and punctuation other than apostrophes and the
// dots of initialisms, which later steps handle.
func splitRaw(s string) []string {
	var out []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, b.String())
			b.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == '&':
			flush()
			out = append(out, "and")
		case isApostrophe(r):
			// Dropped: "Qa'ida" → "qaida", "'Ndrangheta" → "ndrangheta".
		case r == '.':
			// Kept to find initialisms; a word's trailing dot is removed later.
			b.WriteRune('.')
			flush()
		case r == 0x200C || r == 0x200D || r == 0x0640:
			// Zero-width (non-)joiner and Arabic tatweel: part of the word.
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return out
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', '‘', 'ʼ', 'ʻ', '`', '´', 'ʹ', '′':
		return true
	}
	return false
}

// convertWord transliterates one raw word (possibly ending in a dot) to Latin.
// Han and Hangul words may become several words, each keeping the characters
// it was read from as Orig.
func convertWord(raw string) []Word {
	dot := strings.HasSuffix(raw, ".")
	raw = strings.TrimSuffix(raw, ".")
	if raw == "" {
		return nil
	}
	script := detectScript(raw)
	var texts []string
	switch script {
	case "Latn", "":
		texts = []string{latinASCII(raw)}
	case "Arab":
		texts = []string{arabicToLatin(raw)}
	case "Hani":
		return hanToLatin(raw)
	case "Hang":
		return hangulToLatin(raw)
	default:
		texts = []string{latinASCII(unidecode.Unidecode(raw))}
	}
	var out []Word
	for _, t := range texts {
		for _, f := range strings.Fields(t) {
			if dot && len(out) == 0 {
				f += "."
			}
			out = append(out, Word{Text: f, Orig: raw, Script: script})
		}
	}
	return out
}

// latinASCII removes diacritics (NFD and dropping combining marks, via
// golang.org/x/text), then lets unidecode spell the letters that do not
// decompose (ø, ł, ß, æ, đ), keeping only lower-case ASCII letters and digits.
func latinASCII(s string) string {
	d := norm.NFD.String(s)
	var b strings.Builder
	ascii := true
	for _, r := range d {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if r >= utf8.RuneSelf {
			ascii = false
		}
		b.WriteRune(r)
	}
	t := b.String()
	if !ascii {
		t = unidecode.Unidecode(t)
	}
	var o strings.Builder
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'A' && c <= 'Z':
			o.WriteByte(c + 'a' - 'A')
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '.':
			o.WriteByte(c)
		case c == ' ':
			o.WriteByte(' ')
		}
	}
	return o.String()
}

// joinInitialisms merges runs of dotted single letters ("a." "b." "c.") into
// one word ("abc") and strips the remaining dot markers.
func joinInitialisms(ws []Word) []Word {
	out := ws[:0:0]
	for i := 0; i < len(ws); {
		j := i
		for j < len(ws) && len(ws[j].Text) == 2 && ws[j].Text[1] == '.' {
			j++
		}
		// A lone single letter after dotted letters ("S.A" → "sa") joins too.
		if j-i >= 2 && j < len(ws) && len(ws[j].Text) == 1 {
			j++
		}
		if j-i >= 2 {
			var b strings.Builder
			for _, w := range ws[i:j] {
				b.WriteString(strings.TrimSuffix(w.Text, "."))
			}
			out = append(out, Word{Text: b.String(), Orig: b.String(), Script: "Latn"})
			i = j
			continue
		}
		w := ws[i]
		w.Text = strings.Trim(w.Text, ".")
		if strings.Contains(w.Text, ".") {
			for _, f := range strings.FieldsFunc(w.Text, func(r rune) bool { return r == '.' }) {
				out = append(out, Word{Text: f, Orig: w.Orig, Script: w.Script})
			}
		} else if w.Text != "" {
			out = append(out, w)
		}
		i++
	}
	return out
}

// detectScript returns the ISO 15924 code of the first script-specific letter
// of a word.
func detectScript(s string) string {
	for _, r := range s {
		switch {
		case r < 0x80:
			if unicode.IsLetter(r) {
				return "Latn"
			}
		case unicode.Is(unicode.Latin, r):
			return "Latn"
		case unicode.Is(unicode.Arabic, r):
			return "Arab"
		case unicode.Is(unicode.Han, r):
			return "Hani"
		case unicode.Is(unicode.Hangul, r):
			return "Hang"
		case unicode.Is(unicode.Cyrillic, r):
			return "Cyrl"
		case unicode.Is(unicode.Greek, r):
			return "Grek"
		case unicode.Is(unicode.Hebrew, r):
			return "Hebr"
		case unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
			return "Kana"
		case unicode.Is(unicode.Armenian, r):
			return "Armn"
		case unicode.Is(unicode.Georgian, r):
			return "Geor"
		case unicode.IsLetter(r):
			return "Zyyy"
		}
	}
	return ""
}
