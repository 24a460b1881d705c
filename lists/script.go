package lists

import "unicode"

// scripts maps Unicode script tables to ISO 15924 codes, in the order they are
// tested.
var scripts = []struct {
	table *unicode.RangeTable
	code  string
}{
	{unicode.Latin, "Latn"}, {unicode.Arabic, "Arab"}, {unicode.Cyrillic, "Cyrl"},
	{unicode.Han, "Hani"}, {unicode.Hangul, "Hang"}, {unicode.Hiragana, "Jpan"},
	{unicode.Katakana, "Jpan"}, {unicode.Greek, "Grek"}, {unicode.Hebrew, "Hebr"},
	{unicode.Armenian, "Armn"}, {unicode.Georgian, "Geor"}, {unicode.Thai, "Thai"},
	{unicode.Devanagari, "Deva"}, {unicode.Ethiopic, "Ethi"}, {unicode.Myanmar, "Mymr"},
	{unicode.Khmer, "Khmr"}, {unicode.Lao, "Laoo"}, {unicode.Tamil, "Taml"}, {unicode.Bengali, "Beng"},
}

// DetectScript returns the ISO 15924 code of the script most letters of s are
// written in ("Latn", "Arab", "Cyrl", "Hani", …), or "" when s has no letters.
func DetectScript(s string) string {
	counts := map[string]int{}
	best, bestN := "", 0
	for _, r := range s {
		if !unicode.IsLetter(r) {
			continue
		}
		for _, sc := range scripts {
			if unicode.Is(sc.table, r) {
				counts[sc.code]++
				if counts[sc.code] > bestN {
					best, bestN = sc.code, counts[sc.code]
				}
				break
			}
		}
	}
	return best
}
