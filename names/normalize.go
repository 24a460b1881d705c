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

// HasWords reports whether s has a word to compare: whether Words(s) is
// not empty. A name of punctuation, symbols or marks alone has none, and a
// matcher can find nothing for it. An ASCII letter or digit always makes a
// word, so most names are decided without normalising them.
func HasWords(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c >= 'a' && c <= 'z' || s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return len(Words(s)) > 0
}

// Words splits s into normalised words, keeping each word's original form and
// script. It never returns empty words.
func Words(s string) []Word {
	if ws, ok := appendWordsFast(nil, s); ok {
		return ws
	}
	return wordsSlow(s)
}

// wordsSlow is Words through the general pipeline (NFKC, width folding,
// transliteration by script). It is the reference that the fast path of
// Words is tested against, and what Words falls back to.
func wordsSlow(s string) []Word {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, " ")
	}
	s = width.Fold.String(norm.NFKC.String(s))
	variant := cyrillicVariant(s)
	var out []Word
	for _, raw := range splitRaw(s) {
		out = append(out, convertWord(raw, variant)...)
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

// convertWord transliterates one raw word (possibly ending in a dot) to
// Latin; cyrillic is the name's Cyrillic variant (see cyrillicVariant).
// Han and Hangul words may become several words, each keeping the characters
// it was read from as Orig.
func convertWord(raw, cyrillic string) []Word {
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
	case "Grek":
		texts = []string{latinASCII(greekToLatin(raw))}
	case "Cyrl":
		if cyrillic != "" {
			texts = []string{latinASCII(cyrillicToLatin(raw, cyrillic))}
			break
		}
		texts = []string{latinASCII(unidecode.Unidecode(raw))}
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

// Kinds of the runes that appendWordsFast handles.
const (
	runeOther  = iota // not handled: the slow path decides
	runeLetter        // a Latin letter kept in words
	runeSep           // a separator between words
	runeApos          // an apostrophe, dropped within a word
)

// fastRune is what the slow path makes of one non-ASCII rune of a word.
type fastRune struct {
	kind uint8
	// orig is unicode.ToLower of the rune in UTF-8, as splitRaw keeps it.
	orig string
	// text is latinASCII(orig): lower-case ASCII letters and digits only
	// (possibly none).
	text string
}

// fastRuneLo and fastRuneHi bound the table fastRunes: Latin-1 Supplement,
// Latin Extended-A and -B.
const fastRuneLo, fastRuneHi = 0x80, 0x250

// fastRunes classifies the runes fastRuneLo ≤ r < fastRuneHi; fastRuneExtra
// the few others that Latin names often carry (curly apostrophes, dashes,
// quotes).
var fastRunes, fastRuneExtra = func() (tab [fastRuneHi - fastRuneLo]fastRune, extra map[rune]fastRune) {
	extra = map[rune]fastRune{}
	for r := rune(fastRuneLo); r < fastRuneHi; r++ {
		tab[r-fastRuneLo] = classifyFastRune(r)
	}
	for _, r := range []rune{'’', '‘', 'ʼ', 'ʻ', 'ʹ', '′', '‐', '–', '—', '“', '”', '„'} {
		if k := classifyFastRune(r); k.kind != runeOther {
			extra[r] = k
		}
	}
	return tab, extra
}()

// classifyFastRune works out, with the slow path's own functions, what
// Words does with the non-ASCII rune r wherever it stands, or runeOther when
// that is not the same everywhere. A rune qualifies only when NFKC and width
// folding leave it unchanged (so they leave a string of such runes and ASCII
// unchanged: every such rune is a starter whose NFKC quick check is Yes, and
// TestFastRunesStable checks every pair); a letter also needs splitRaw to
// keep it (as its lower case), detectScript to call that Latin, and
// latinASCII to spell it with ASCII letters and digits alone. latinASCII
// spells a word rune by rune (NFD, dropping marks and unidecode all work
// per rune, and ASCII letters and digits pass unchanged), so a word's text is
// the concatenation of its runes' texts.
func classifyFastRune(r rune) fastRune {
	s := string(r)
	if r < utf8.RuneSelf || !utf8.ValidRune(r) || norm.NFKC.String(s) != s || width.Fold.String(s) != s ||
		norm.NFD.PropertiesString(s).CCC() != 0 {
		return fastRune{}
	}
	switch {
	case r == 0x200C || r == 0x200D || r == 0x0640:
		// Joiners and tatweel, which splitRaw keeps within a word.
		return fastRune{}
	case isApostrophe(r):
		return fastRune{kind: runeApos}
	case unicode.IsLetter(r):
		lo := unicode.ToLower(r)
		los := string(lo)
		if detectScript(los) != "Latn" {
			return fastRune{}
		}
		t := latinASCII(los)
		for i := 0; i < len(t); i++ {
			if c := t[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
				return fastRune{}
			}
		}
		return fastRune{kind: runeLetter, orig: los, text: t}
	case unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
		return fastRune{}
	}
	return fastRune{kind: runeSep}
}

// lookupFastRune returns the class of a non-ASCII rune.
func lookupFastRune(r rune) fastRune {
	if r >= fastRuneLo && r < fastRuneHi {
		return fastRunes[r-fastRuneLo]
	}
	return fastRuneExtra[r]
}

// fastTok is one word found by appendWordsFast: its text and original form
// as byte ranges of the scanner's buffers.
type fastTok struct {
	ts, te int32 // text: text buffer [ts:te]
	os, oe int32 // original form: orig buffer [os:oe] when sep, else the text
	dot    bool  // written with a trailing dot (an initial: "A.")
	sep    bool  // the original form differs from the text
	latn   bool  // has a letter: script "Latn" (digits alone have none)
}

// appendWordsFast appends Words(s) to dst when s is written in ASCII and the
// Latin runes of fastRunes alone, and reports whether it did; otherwise it
// returns dst unchanged and false. It makes what the slow path makes in one
// pass: NFKC and width folding are the identity on such strings, splitRaw
// lower-cases letters, drops apostrophes and splits on everything else
// (keeping a word's trailing dot), convertWord spells each rune through
// fastRunes (latinASCII is the identity on ASCII letters and digits), and
// joinInitialisms is applied to the words in the same way. All the words'
// strings share one allocation.
func appendWordsFast(dst []Word, s string) ([]Word, bool) {
	var (
		textArr [128]byte
		origArr [64]byte
		tokArr  [16]fastTok
	)
	text, orig, toks := textArr[:0], origArr[:0], tokArr[:0]
	inTok := false // a raw word has begun (its text may still be empty)
	var cur fastTok
	end := func(dot bool) {
		if inTok {
			cur.te, cur.oe, cur.dot = int32(len(text)), int32(len(orig)), dot
			// convertWord makes no word of an empty text.
			if cur.te > cur.ts {
				toks = append(toks, cur)
			}
		}
		inTok = false
	}
	begin := func() {
		if !inTok {
			inTok = true
			cur = fastTok{ts: int32(len(text))}
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z':
				begin()
				c |= 0x20
				text = append(text, c)
				if cur.sep {
					orig = append(orig, c)
				}
				cur.latn = true
			case c >= '0' && c <= '9':
				begin()
				text = append(text, c)
				if cur.sep {
					orig = append(orig, c)
				}
			case c == '\'' || c == '`':
				// Dropped within a word; no word begins.
			case c == '.':
				end(true)
			case c == '&':
				end(false)
				begin()
				text = append(text, "and"...)
				cur.latn = true
				end(false)
			default:
				end(false)
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		i += n
		k := lookupFastRune(r)
		switch k.kind {
		case runeLetter:
			begin()
			if !cur.sep {
				// The word's ASCII so far is the same in both forms.
				cur.sep = true
				cur.os = int32(len(orig))
				orig = append(orig, text[cur.ts:]...)
			}
			text = append(text, k.text...)
			orig = append(orig, k.orig...)
			cur.latn = true
		case runeApos:
		case runeSep:
			end(false)
		default:
			return dst, false
		}
	}
	end(false)
	if len(toks) == 0 {
		return dst, true
	}
	// joinInitialisms: a run of two or more one-letter words written with
	// a dot, and a lone letter right after it, become one word.
	out := toks[:0]
	for i := 0; i < len(toks); {
		j := i
		for j < len(toks) && toks[j].te-toks[j].ts == 1 && toks[j].dot {
			j++
		}
		if j-i >= 2 && j < len(toks) && toks[j].te-toks[j].ts == 1 {
			j++
		}
		if j-i >= 2 {
			ts := int32(len(text))
			for _, t := range toks[i:j] {
				text = append(text, text[t.ts])
			}
			out = append(out, fastTok{ts: ts, te: int32(len(text)), latn: true})
			i = j
			continue
		}
		out = append(out, toks[i])
		i++
	}
	base := int32(len(text))
	all := string(append(text, orig...))
	for _, t := range out {
		w := Word{Text: all[t.ts:t.te]}
		w.Orig = w.Text
		if t.sep {
			w.Orig = all[base+t.os : base+t.oe]
		}
		if t.latn {
			w.Script = "Latn"
		}
		dst = append(dst, w)
	}
	return dst, true
}
