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

// Comparing a Hangul syllable with a Latin one. The lists print Korean
// names in McCune-Reischauer without its marks (Chol, Jong, Kwang), in the
// South's Revised Romanisation (Cheol, Jeong, Gwang) or in the spellings
// families chose (Lee, Park, Choi, Sung). A syllable has an initial
// consonant, a vowel and a final consonant; every romanisation keeps them
// apart, so that a Latin syllable is the same syllable only when each of
// the three is one of its spellings. A Latin syllable with another initial
// consonant or another vowel is another syllable (성 Song is not 상 Sang).

// hangulInitialSpellings are the spellings of each initial consonant, in
// the order of the Unicode syllable block.
var hangulInitialSpellings = [19][]string{
	{"g", "k"}, {"kk", "gg", "k"}, {"n"}, {"d", "t"}, {"tt", "dd", "t"}, {"r", "l", "n"}, {"m"},
	{"b", "p"}, {"pp", "bb", "p"}, {"s", "sh"}, {"ss", "s"}, {""}, {"j", "ch", "c"}, {"jj", "tch", "ch", "j"},
	{"ch", "c", "j"}, {"k", "kh"}, {"t", "th"}, {"p", "ph"}, {"h"},
}

// hangulMedialSpellings are the spellings of each vowel.
var hangulMedialSpellings = [21][]string{
	{"a"}, {"ae", "ai", "e"}, {"ya"}, {"yae", "yai"}, {"eo", "o", "u", "eu"}, {"e"}, {"yeo", "yo", "you", "yu"}, {"ye"},
	{"o", "oh"}, {"wa"}, {"wae", "wai"}, {"oe", "oi", "we"}, {"yo"}, {"u", "oo", "woo"}, {"wo", "weo"}, {"we"}, {"wi", "wee"},
	{"yu", "you", "yoo"}, {"eu", "u", "ue"}, {"ui", "eui", "i", "oi"}, {"i", "ee", "yi"},
}

// hangulFinalSpellings are the spellings of each final consonant ("" for
// none).
var hangulFinalSpellings = [28][]string{
	{""}, {"k", "g"}, {"k", "kk"}, {"k"}, {"n"}, {"n"}, {"n"}, {"t", "d"}, {"l", "r"}, {"l", "k"}, {"l", "m"}, {"l", "p"},
	{"l"}, {"l"}, {"l"}, {"l"}, {"m"}, {"p", "b"}, {"p"}, {"t", "s"}, {"t"}, {"ng"}, {"t"}, {"t"}, {"k"}, {"t"}, {"p"}, {"t"},
}

// hangulSurnames are the usual spellings of the surnames whose syllables the
// romanisations above do not reach (이 Lee/Rhee/Ri, 박 Park, 최 Choi…).
var hangulSurnames = map[rune][]string{
	'이': {"lee", "yi", "ri", "rhee", "li", "rhie"}, '리': {"ri", "lee", "li", "yi"}, '김': {"kim", "gim"},
	'박': {"park", "pak", "bak"}, '최': {"choi", "choe", "chey"}, '정': {"jung", "jeong", "chung", "chong", "jong"},
	'노': {"no", "noh", "roh", "ro"}, '로': {"ro", "roh", "no"}, '오': {"oh", "o"}, '우': {"woo", "u", "wu"},
	'유': {"yoo", "yu", "you", "ryu"}, '류': {"ryu", "yoo", "yu", "ryoo"}, '임': {"lim", "im", "rim", "yim"},
	'림': {"rim", "lim", "im"}, '양': {"yang", "ryang"}, '량': {"ryang", "yang"}, '라': {"ra", "la", "na"},
	'나': {"na", "ra"}, '신': {"shin", "sin"}, '심': {"shim", "sim"}, '선': {"sun", "seon", "son"},
	'성': {"sung", "seong", "song"}, '손': {"son", "sohn"}, '문': {"moon", "mun"}, '윤': {"yoon", "yun"},
	'조': {"cho", "jo", "joe"}, '주': {"joo", "ju", "chu"}, '구': {"koo", "ku", "gu"}, '권': {"kwon", "gwon"},
	'곽': {"kwak", "gwak"}, '강': {"kang", "gang"}, '고': {"ko", "go", "koh"}, '한': {"han"}, '황': {"hwang"},
	'홍': {"hong"}, '허': {"heo", "hur", "ho", "huh"}, '안': {"ahn", "an"}, '현': {"hyun", "hyeon", "hyon"},
}

// hangulSpellings returns every spelling of Hangul syllable r the tables
// give, or nil for a rune that is not one.
func hangulSpellings(r rune) []string {
	if r < 0xAC00 || r > 0xD7A3 {
		return nil
	}
	i := int(r - 0xAC00)
	ini, med, fin := i/(21*28), (i/28)%21, i%28
	var out []string
	for _, a := range hangulInitialSpellings[ini] {
		for _, b := range hangulMedialSpellings[med] {
			for _, c := range hangulFinalSpellings[fin] {
				out = append(out, a+b+c)
			}
		}
	}
	// The initial-sound law: 리, 녀… are written 이, 여 at the start of a
	// word in the South, and the North keeps r and n (Ri, Ryu, Ro).
	if ini == 11 {
		for _, b := range hangulMedialSpellings[med] {
			for _, c := range hangulFinalSpellings[fin] {
				if b[0] == 'i' || b[0] == 'y' {
					out = append(out, "r"+b+c, "l"+b+c, "n"+b+c)
				}
			}
		}
	}
	return append(out, hangulSurnames[r]...)
}

// HangulSimilarity scores the Latin syllable latin (lower-case ASCII)
// against Hangul syllable r, 0..1: 1 when it is one of the syllable's
// spellings; else a near spelling (a typo) that keeps a spelling's initial
// consonant counts 0.8 of its similarity to that spelling, and anything
// else 0. It returns false for a rune that is not a Hangul syllable.
func HangulSimilarity(r rune, latin string) (float64, bool) {
	sp := hangulSpellings(r)
	if sp == nil {
		return 0, false
	}
	best := 0.0
	for _, s := range sp {
		if s == latin {
			return 1, true
		}
		if initialOf(s) != initialOf(latin) {
			continue
		}
		best = max(best, 0.8*Similarity(s, latin))
	}
	return best, true
}

// initialOf is the leading consonants of a romanised syllable.
func initialOf(s string) string {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'a', 'e', 'i', 'o', 'u', 'w', 'y':
			return s[:i]
		}
	}
	return s
}
