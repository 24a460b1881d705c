package names

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-unidecode"
)

// Hangul syllables to Latin, one word per syllable, in a Revised
// Romanisation close to what the lists print for Korean names (Kim, Jong, Un).
// unidecode joins syllables without boundaries and spells the surname 김 as
// "gim", so this small table is kept here instead.
var (
	hangulInitials = []string{"g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p", "h"}
	hangulMedials  = []string{"a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi", "yu", "eu", "ui", "i"}
	hangulFinals   = []string{"", "k", "k", "k", "n", "n", "n", "t", "l", "l", "l", "l", "l", "l", "l", "l", "m", "p", "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t"}
)

// hangulToLatin romanises a Hangul word syllable by syllable. A first syllable
// starting with ㄱ is spelled with k, as surnames are (김 → kim).
func hangulToLatin(w string) []Word {
	var out []Word
	for _, r := range w {
		if r < 0xAC00 || r > 0xD7A3 {
			continue
		}
		i := int(r - 0xAC00)
		ini, med, fin := i/(21*28), (i/28)%21, i%28
		s := hangulInitials[ini] + hangulMedials[med] + hangulFinals[fin]
		if len(out) == 0 && ini == 0 {
			s = "k" + s[1:]
		}
		out = append(out, Word{Text: s, Orig: string(r), Script: "Hang"})
	}
	return out
}

// hanToLatin spells a Han word in toneless pinyin (github.com/mozillazg/go-pinyin).
// A word of two to four characters is read as a Chinese name: the first
// character (the surname) apart, the rest joined ("习近平" → "xi jinping").
func hanToLatin(w string) []Word {
	var han []rune
	for _, r := range w {
		if unicode.Is(unicode.Han, r) {
			han = append(han, r)
		}
	}
	syl := pinyinOf(string(han))
	if len(syl) == 0 || len(syl) != len(han) {
		t := latinASCII(unidecode.Unidecode(w))
		if t == "" {
			return nil
		}
		return []Word{{Text: strings.ReplaceAll(t, " ", ""), Orig: w, Script: "Hani"}}
	}
	if len(syl) >= 2 && len(syl) <= 4 {
		return []Word{
			{Text: syl[0], Orig: string(han[0]), Script: "Hani"},
			{Text: strings.Join(syl[1:], ""), Orig: string(han[1:]), Script: "Hani"},
		}
	}
	return []Word{{Text: strings.Join(syl, ""), Orig: string(han), Script: "Hani"}}
}
