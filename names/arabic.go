package names

import "strings"

// Arabic and Persian letters to Latin. Written by hand because unidecode drops
// vowels inconsistently, spells ق/ک/گ/پ/چ/ژ poorly and knows nothing of the
// article or of و/ي doubling as vowels; no maintained Go library does this.
// The output is one romanisation (close to the ones the lists use); Skeleton
// then makes it meet the other spellings (Qasem/Ghasem/Kasem).
var arabicLetters = map[rune]string{
	'ا': "a", 'أ': "a", 'إ': "i", 'آ': "a", 'ٱ': "a", 'ء': "", 'ئ': "i", 'ؤ': "u",
	'ب': "b", 'پ': "p", 'ت': "t", 'ث': "th", 'ج': "j", 'چ': "ch", 'ح': "h", 'خ': "kh",
	'د': "d", 'ذ': "dh", 'ر': "r", 'ز': "z", 'ژ': "zh", 'س': "s", 'ش': "sh", 'ص': "s",
	'ض': "d", 'ط': "t", 'ظ': "z", 'ع': "", 'غ': "gh", 'ف': "f", 'ق': "q", 'ك': "k",
	'ک': "k", 'گ': "g", 'ل': "l", 'م': "m", 'ن': "n", 'ه': "h", 'ة': "a", 'ى': "a",
	'ڤ': "v", 'ٹ': "t", 'ڈ': "d", 'ڑ': "r", 'ں': "n", 'ھ': "h", 'ہ': "h", 'ۃ': "a",
	'ے': "e", 'ۀ': "e",
	// Vowel marks, where a text carries them.
	'\u064E': "a", '\u0650': "i", '\u064F': "u", '\u064B': "an", '\u064D': "in", '\u064C': "un",
	'\u0652': "", '\u0670': "a",
	// Arabic-Indic and Persian digits.
	'٠': "0", '١': "1", '٢': "2", '٣': "3", '٤': "4", '٥': "5", '٦': "6", '٧': "7", '٨': "8", '٩': "9",
	'۰': "0", '۱': "1", '۲': "2", '۳': "3", '۴': "4", '۵': "5", '۶': "6", '۷': "7", '۸': "8", '۹': "9",
}

// persianLetters are letters Persian writes and Arabic does not: a word
// holding one is read with Persian values.
const persianLetters = "پچژگکی"

// persianValues are the letters Persian reads otherwise than Arabic: ض, ذ
// and ظ as z, ث as s.
var persianValues = map[rune]string{'ض': "z", 'ذ': "z", 'ظ': "z", 'ث': "s"}

// arabicToLatin romanises one Arabic-script word. The article "ال" becomes a
// separate "al"; و and ي are read as consonants at the start of a word,
// after a vowel or before a long vowel (سنوار → sinwar, not sinuar), and as
// long vowels elsewhere; shadda doubles a consonant. A word holding a letter
// only Persian uses is read with Persian values (مرتضوی → mortazavi).
func arabicToLatin(w string) string {
	rs := []rune(w)
	var b strings.Builder
	if len(rs) > 3 && rs[0] == 'ا' && rs[1] == 'ل' {
		b.WriteString("al ")
		rs = rs[2:]
	}
	persian := strings.ContainsAny(w, persianLetters)
	prevVowel := true // at the start of a word, و/ي are consonants
	last := ""
	// nextVowel reports whether a long vowel (or, for a final و, a ی)
	// follows rs[k].
	nextVowel := func(k int) bool {
		if k+1 >= len(rs) {
			return false
		}
		switch rs[k+1] {
		case 'ا', 'آ', 'ى':
			return true
		case 'ي', 'ی':
			return rs[k] == 'و' && k+2 == len(rs)
		}
		return false
	}
	for k, r := range rs {
		var s string
		switch r {
		case 'و':
			if prevVowel || nextVowel(k) {
				s = "w"
			} else {
				s = "u"
			}
		case 'ي', 'ی', 'ې':
			if prevVowel || nextVowel(k) {
				s = "y"
			} else {
				s = "i"
			}
		case 'ع':
			// Initial ain is written as a vowel (عمر → Omar, علی → Ali).
			if b.Len() == 0 || strings.HasSuffix(b.String(), " ") {
				s = "a"
			}
		case '\u0651': // shadda
			s = last
		default:
			var ok bool
			if persian {
				s, ok = persianValues[r]
			}
			if !ok {
				s, ok = arabicLetters[r]
			}
			if !ok {
				continue
			}
		}
		if s == "" {
			continue
		}
		b.WriteString(s)
		last = s
		prevVowel = strings.ContainsAny(s[len(s)-1:], "aiu")
	}
	return b.String()
}
