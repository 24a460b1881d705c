package text

import (
	"unicode"
	"unicode/utf8"
)

// Token is one word of a text, located by byte offsets.
type Token struct {
	// Start and End are byte offsets: Text is text[Start:End].
	Start, End int
	Text       string
	// Cap marks a name-like word: starting with an upper-case letter, or
	// written in a script without case (Arabic, Han…).
	Cap bool
	// Join says how the token attaches to the previous one: JoinNone when
	// a sentence mark, comma, quote, bracket or paragraph break lies between,
	// JoinSpace for spaces or one line break, JoinHyphen for a hyphen
	// ("Jong-un", "al-Assad"), JoinDot after an initial ("George W. Bush").
	Join Join
}

// Join is how a token attaches to the token before it.
type Join uint8

// Joins between tokens.
const (
	JoinNone Join = iota
	JoinSpace
	JoinHyphen
	JoinDot
)

// Tokenize splits text into words with byte offsets. Words are runs of
// letters, digits and combining marks; an apostrophe inside a word is kept
// ("O'Brien", "Qa'ida") except for a possessive "'s" or "’s", which is left
// out of the token ("Prigozhin's" → "Prigozhin"). Invalid UTF-8 bytes
// separate words.
func Tokenize(text string) []Token {
	// News prose runs about six bytes a word: one allocation holds most
	// articles' tokens.
	toks := make([]Token, 0, len(text)/6+1)
	join := JoinNone
	newlines := 0
	i := 0
	for i < len(text) {
		r, n := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRuneInString(text[i:])
		}
		if isWordRune(r) {
			start := i
			end := scanWord(text, i)
			t := Token{Start: start, End: end, Text: text[start:end], Join: join}
			t.Cap = nameLike(t.Text)
			if len(toks) == 0 {
				t.Join = JoinNone
			}
			toks = append(toks, t)
			i = end
			join, newlines = JoinSpace, 0
			// A possessive suffix belongs to no token.
			if end2, ok := possessive(text, i); ok {
				i = end2
				join = JoinNone
			}
			continue
		}
		switch {
		case r == '\n':
			newlines++
			if newlines > 1 {
				join = JoinNone
			}
		case r == ' ' || r == '\t' || r == '\r' || r == 0xA0 || r == 0x202F:
			// Spaces keep the current join.
		case isHyphen(r):
			if join == JoinSpace && len(toks) > 0 && toks[len(toks)-1].End == i {
				join = JoinHyphen
			} else {
				join = JoinNone
			}
		case r == '.':
			if join == JoinSpace && len(toks) > 0 && toks[len(toks)-1].End == i && isInitial(toks[len(toks)-1].Text) {
				join = JoinDot
			} else {
				join = JoinNone
			}
		default:
			join = JoinNone
		}
		i += n
	}
	return toks
}

// scanWord returns the end of the word starting at i, taking in apostrophes
// between letters unless they start a possessive.
func scanWord(text string, i int) int {
	for i < len(text) {
		if c := text[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
				i++
				continue
			}
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if isWordRune(r) {
			i += n
			continue
		}
		if isApostrophe(r) {
			if _, ok := possessive(text, i); ok {
				return i
			}
			if r2, _ := utf8.DecodeRuneInString(text[i+n:]); i+n < len(text) && unicode.IsLetter(r2) {
				i += n
				continue
			}
		}
		return i
	}
	return i
}

// possessive reports whether text[i:] starts with "'s" or "’s" (or a bare
// apostrophe after a word ending in s: "Hezbollahs'") that ends a word, and
// returns the offset after it.
func possessive(text string, i int) (int, bool) {
	r, n := utf8.DecodeRuneInString(text[i:])
	if i >= len(text) || !isApostrophe(r) {
		return 0, false
	}
	j := i + n
	if j < len(text) && (text[j] == 's' || text[j] == 'S') {
		k := j + 1
		if k >= len(text) {
			return k, true
		}
		r2, _ := utf8.DecodeRuneInString(text[k:])
		if !isWordRune(r2) && !isApostrophe(r2) {
			return k, true
		}
	}
	return 0, false
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc) || r == 0x200C || r == 0x200D
}

func isApostrophe(r rune) bool {
	switch r {
	case '\'', '’', 'ʼ', '‘':
		return true
	}
	return false
}

func isHyphen(r rune) bool {
	switch r {
	case '-', '‐', '‑':
		return true
	}
	return false
}

// isInitial reports whether w is one upper-case letter.
func isInitial(w string) bool {
	r, n := utf8.DecodeRuneInString(w)
	return n == len(w) && unicode.IsUpper(r)
}

// nameLike reports whether a word can be part of a name in running text:
// it starts with an upper-case or title-case letter, or its first letter
// belongs to a script without case.
func nameLike(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	if unicode.IsUpper(r) || unicode.IsTitle(r) {
		return true
	}
	// A letter neither upper nor lower case is of a caseless script; a
	// word starting with a digit or mark is no name.
	return unicode.IsLetter(r) && !unicode.IsLower(r)
}
