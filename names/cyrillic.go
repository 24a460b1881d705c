package names

import "strings"

// Cyrillic is read letter by letter by unidecode with Russian values, which
// misreads the other languages that write it: Ukrainian г is h and и is y
// (Григорій is Hryhorii, not Grigorii), Serbian ћ and ђ are ć and đ
// (Ћирић is Ćirić, not Tshiritsh), Belarusian ў is w. A name holding a
// letter only one of them uses is read with that language's national
// romanisation (Ukraine's of 2010, Serbia's Latin alphabet, Belarus's of
// 2000), as the lists spell such names. A name without such a letter
// cannot be told from Russian and keeps the Russian reading; Fold meets
// most of the difference (y and i).

// cyrillicVariant returns the language a name's Cyrillic letters show:
// "uk", "sr", "be", or "" (Russian, or cannot tell).
func cyrillicVariant(s string) string {
	switch {
	case strings.ContainsAny(s, "ђћџљњјЂЋЏЉЊЈ"):
		return "sr"
	case strings.ContainsAny(s, "ўЎ"), strings.ContainsAny(s, "іІ") && strings.ContainsAny(s, "ыэЫЭ"):
		return "be"
	case strings.ContainsAny(s, "іїєґІЇЄҐ"):
		return "uk"
	}
	return ""
}

// cyrillicTables are the national romanisations, lower case.
var cyrillicTables = map[string]map[rune]string{
	"uk": {
		'а': "a", 'б': "b", 'в': "v", 'г': "h", 'ґ': "g", 'д': "d", 'е': "e", 'є': "ie", 'ж': "zh", 'з': "z",
		'и': "y", 'і': "i", 'ї': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p",
		'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
		'ь': "", 'ю': "iu", 'я': "ia", 'ъ': "", 'ё': "e", 'ы': "y", 'э': "e",
	},
	"sr": {
		'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'ђ': "dj", 'е': "e", 'ж': "z", 'з': "z", 'и': "i",
		'ј': "j", 'к': "k", 'л': "l", 'љ': "lj", 'м': "m", 'н': "n", 'њ': "nj", 'о': "o", 'п': "p", 'р': "r",
		'с': "s", 'т': "t", 'ћ': "c", 'у': "u", 'ф': "f", 'х': "h", 'ц': "c", 'ч': "c", 'џ': "dz", 'ш': "s",
		'ѓ': "gj", 'ќ': "kj", 'ѕ': "dz",
	},
	"be": {
		'а': "a", 'б': "b", 'в': "v", 'г': "h", 'д': "d", 'е': "e", 'ё': "io", 'ж': "zh", 'з': "z", 'і': "i",
		'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
		'у': "u", 'ў': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'ы': "y", 'ь': "", 'э': "e",
		'ю': "iu", 'я': "ia", 'и': "i", '\'': "",
	},
}

// cyrillicToLatin romanises a lower-case Cyrillic word with the table of
// variant; letters the table lacks go through unidecode.
func cyrillicToLatin(w, variant string) string {
	t := cyrillicTables[variant]
	var b strings.Builder
	for _, r := range w {
		if s, ok := t[r]; ok {
			b.WriteString(s)
		} else {
			b.WriteString(latinASCII(string(r)))
		}
	}
	return b.String()
}
