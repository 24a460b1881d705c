package names

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Greek is romanised by unidecode letter by letter (μπ as mp, ντ as nt,
// ου as ou), while Greek writes a foreign b as μπ, d as ντ, g as γκ, j as
// τζ and u as ου, and its own names by ELOT 743 / ISO 843 (η and υ as i,
// αι as e). This table reads the digraphs first, as those conventions do,
// so that Βλαντιμίρ Πούτιν reads vladimir putin. Written by hand: no Go
// library romanises Greek by these conventions.
var greekDigraphs = []struct{ gr, lat string }{
	{"μπ", "b"}, {"ντ", "d"}, {"γκ", "g"}, {"γγ", "ng"}, {"τζ", "j"}, {"τσ", "ts"},
	{"ου", "u"}, {"αι", "e"}, {"ει", "i"}, {"οι", "i"}, {"υι", "i"},
	{"αυ", "av"}, {"ευ", "ev"}, {"ηυ", "iv"},
}

var greekLetters = map[rune]string{
	'α': "a", 'β': "v", 'γ': "g", 'δ': "d", 'ε': "e", 'ζ': "z", 'η': "i", 'θ': "th", 'ι': "i", 'κ': "k",
	'λ': "l", 'μ': "m", 'ν': "n", 'ξ': "x", 'ο': "o", 'π': "p", 'ρ': "r", 'σ': "s", 'ς': "s", 'τ': "t",
	'υ': "y", 'φ': "f", 'χ': "ch", 'ψ': "ps", 'ω': "o",
}

// greekToLatin romanises a lower-case Greek word.
func greekToLatin(w string) string {
	// Accents and diaeresis off (ά → α, ϊ → ι).
	var base strings.Builder
	for _, r := range norm.NFD.String(w) {
		if r < 0x300 || r > 0x36f {
			base.WriteRune(r)
		}
	}
	s := base.String()
	var b strings.Builder
	for i := 0; i < len(s); {
		matched := false
		for _, d := range greekDigraphs {
			if strings.HasPrefix(s[i:], d.gr) {
				b.WriteString(d.lat)
				i += len(d.gr)
				matched = true
				break
			}
		}
		if matched {
			continue
		}
		r := []rune(s[i:])[0]
		if l, ok := greekLetters[r]; ok {
			b.WriteString(l)
		} else {
			b.WriteString(latinASCII(string(r)))
		}
		i += len(string(r))
	}
	return b.String()
}
