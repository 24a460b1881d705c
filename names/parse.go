package names

import (
	"slices"
	"strings"
)

// Class says what a name names, which decides how its words are tagged.
type Class int

// Name classes.
const (
	AnyClass    Class = iota // unknown: titles and legal forms both recognised
	PersonClass              // a person: titles dropped, legal forms only at the end
	OrgClass                 // an organisation, vessel or aircraft: legal forms recognised
)

// Tag is the role of a word in a name.
type Tag uint8

// Word tags.
const (
	TagName     Tag = iota // an ordinary name part
	TagTitle               // title or honorific (Dr, General, Haji…)
	TagParticle            // particle (al, bin, van, de…)
	TagStop                // function word (the, of, and…)
	TagLegal               // legal form; Text is its canonical class ("llc")
	TagOrgWord             // common organisation word (group, bank…)
	TagInitial             // a single letter
	TagNumber              // digits
)

// String names the tag.
func (t Tag) String() string {
	return [...]string{"name", "title", "particle", "stop", "legal", "orgword", "initial", "number"}[t]
}

// Part is one tagged word of a parsed name.
type Part struct {
	Word
	// Key is the canonical spelling used for comparison (Canonical of the
	// text, or the legal-form class).
	Key string
	// Fold and Skel are Fold(Key) and Skeleton(Key).
	Fold, Skel string
	Tag        Tag
}

// Parse splits a name into tagged parts. Leading titles of persons are
// tagged TagTitle; runs of words spelling a legal form ("joint stock
// company", "o.o.o.") become one TagLegal part carrying the form's class.
func Parse(s string, c Class) []Part {
	ws := numberWords(Words(s))
	parts := make([]Part, 0, len(ws))
	fixed := correctLegalWords(ws) // nil unless a legal-form word is misspelt
	leading := true
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		if c != PersonClass || i == len(ws)-1 {
			n, cls := legalFormAt(ws, i, c)
			if fixed != nil {
				// A longer form through a typo wins ("limited liabiity
				// company" over "limited").
				if fn, fcls := fuzzyLegalFormAt(ws, fixed, i, c); fn > n {
					n, cls = fn, fcls
				}
			}
			if n > 0 {
				txt := joinText(ws[i : i+n])
				parts = append(parts, Part{Word: Word{Text: txt, Orig: txt, Script: w.Script}, Key: cls, Fold: cls, Skel: cls, Tag: TagLegal})
				i += n - 1
				leading = false
				continue
			}
		}
		if cls := fuzzyLegalForm(w.Text); cls != "" && c != PersonClass {
			parts = append(parts, Part{Word: w, Key: cls, Fold: cls, Skel: cls, Tag: TagLegal})
			leading = false
			continue
		}
		p := Part{Word: w, Key: CanonicalFor(w.Text, c)}
		switch {
		case c != OrgClass && leading && titles[w.Text] && i < len(ws)-1:
			p.Tag = TagTitle
		case isDigits(w.Text) || (c != PersonClass && romanNumerals[w.Text] && i > 0):
			p.Tag = TagNumber
		case hasDigit(w.Text) && !isDigits(w.Text):
			// Digits standing in for letters ("Ig0r Sech1n").
			p.Key = CanonicalFor(deLeet(w.Text), c)
		case len(w.Text) == 1 && w.Script == "Latn":
			p.Tag = TagInitial
		case cjk(w.Script):
			// A romanised Chinese or Korean syllable is never a
			// particle or stopword (빈 "bin", 인 "in").
		case particles[w.Text]:
			p.Tag = TagParticle
		case stopwords[w.Text] && c != PersonClass:
			// Stopwords join the words of organisation names; in a
			// person's name "In" is a given name (In Su PAK).
			p.Tag = TagStop
		case c != PersonClass && orgWords[w.Text]:
			p.Tag = TagOrgWord
		}
		if p.Tag != TagTitle {
			leading = false
		}
		p.Fold = Fold(p.Key)
		p.Skel = skeletonOfFold(p.Fold)
		parts = append(parts, p)
	}
	return parts
}

// cjk reports whether script is Han or Hangul.
func cjk(script string) bool { return script == "Hani" || script == "Hang" }

// legalFormAt returns the length in words and the class of the longest legal
// form starting at ws[i], or 0.
func legalFormAt(ws []Word, i int, c Class) (int, string) {
	for n := min(maxLegalFormWords, len(ws)-i); n >= 1; n-- {
		cls, ok := legalForms[joinText(ws[i:i+n])]
		if !ok {
			continue
		}
		// Short one-word forms that are also common words or particles
		// ("as", "ab", "co", "sa", "pt") count only at the edges of a name.
		if n == 1 && len(ws) > 1 && i != 0 && i+n != len(ws) && len(ws[i].Text) <= 3 {
			continue
		}
		if c == PersonClass && i+n != len(ws) {
			continue
		}
		return n, cls
	}
	return 0, ""
}

func joinText(ws []Word) string {
	if len(ws) == 1 {
		return ws[0].Text
	}
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.Text
	}
	return strings.Join(parts, " ")
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// romanNumerals are the series marks of funds and trusts ("Partners IV").
var romanNumerals = set(`ii iii iv v vi vii viii ix x xi xii xiii xiv xv xvi xvii xviii xix xx`)

func hasDigit(s string) bool { return strings.ContainsAny(s, "0123456789") }

// deLeet reads digits that stand for look-alike letters as those letters.
func deLeet(s string) string {
	return strings.NewReplacer("0", "o", "1", "i", "3", "e", "4", "a", "5", "s", "7", "t", "9", "g").Replace(s)
}

// legalWords are the words of length 5 or more that spell legal forms
// ("limited", "liability", "joint", "aktsionernoe"), the ones worth
// recognising through a typo.
var legalWords = func() map[string]bool {
	m := map[string]bool{}
	for k := range legalForms {
		for _, w := range strings.Fields(k) {
			if len(w) >= 5 {
				m[w] = true
			}
		}
	}
	return m
}()

// correctLegalWord returns the legal-form word that tok misspells by one
// edit ("liabiity" → "liability", "joynt" → "joint"), or "". Only tokens of
// five letters or more that are not legal-form words already qualify, and
// the first letter must agree.
func correctLegalWord(tok string) string {
	if len(tok) < 5 || legalWords[tok] {
		return ""
	}
	for _, w := range legalWordsBy[tok[0]] {
		if abs(len(w)-len(tok)) <= 1 && Distance(w, tok) <= 1 {
			return w
		}
	}
	return ""
}

// legalWordsBy holds the legal-form words by first letter, sorted, so that
// correctLegalWord tries few and always in the same order.
var legalWordsBy = func() (by [256][]string) {
	for w := range legalWords {
		if w != "" {
			by[w[0]] = append(by[w[0]], w)
		}
	}
	for i := range by {
		slices.Sort(by[i])
	}
	return by
}()

// correctLegalWords returns ws with every misspelt legal-form word
// corrected, or nil when no word needed it.
func correctLegalWords(ws []Word) []Word {
	var out []Word
	for i, w := range ws {
		if fix := correctLegalWord(w.Text); fix != "" {
			if out == nil {
				out = append([]Word(nil), ws...)
			}
			out[i].Text = fix
		}
	}
	return out
}

// fuzzyLegalFormAt is legalFormAt over the corrected words fixed, for forms
// with exactly one corrected word: a multi-word form needs another word
// spelt right ("joynt stock company"), a one-word form seven letters or more
// ("compny" is not enough, "limitted" is).
func fuzzyLegalFormAt(ws, fixed []Word, i int, c Class) (int, string) {
	n, cls := legalFormAt(fixed, i, c)
	if n == 0 {
		return 0, ""
	}
	changed := 0
	for k := i; k < i+n; k++ {
		if ws[k].Text != fixed[k].Text {
			changed++
		}
	}
	if changed != 1 || (n == 1 && len(ws[i].Text) < 7) {
		return 0, ""
	}
	return n, cls
}

// longLegalForms are the one-word legal forms long enough to recognise
// through a typo ("Aktiengeselschaft").
var longLegalForms = func() []string {
	var out []string
	for k := range legalForms {
		if len(k) >= 9 && !strings.Contains(k, " ") {
			out = append(out, k)
		}
	}
	return out
}()

// fuzzyLegalForm returns the class of the long one-word legal form tok
// misspells, or "".
func fuzzyLegalForm(tok string) string {
	if len(tok) < 9 {
		return ""
	}
	for _, f := range longLegalForms {
		if abs(len(f)-len(tok)) <= 2 && Similarity(f, tok) >= 0.88 {
			return legalForms[f]
		}
	}
	return ""
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

var (
	units = map[string]int{"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
		"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
		"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5}
	tens = map[string]int{"twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
)

// numberWords spells English number words and ordinals as digits ("forty
// four" → "44", "first" and "1st" → "1"), so that either writing compares
// equal.
func numberWords(ws []Word) []Word {
	out := ws[:0:0]
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		t := w.Text
		if n := len(t); n >= 3 && isDigits(t[:n-2]) && (strings.HasSuffix(t, "st") || strings.HasSuffix(t, "nd") || strings.HasSuffix(t, "rd") || strings.HasSuffix(t, "th")) {
			w.Text = t[:n-2]
		} else if v, ok := tens[t]; ok {
			if i+1 < len(ws) {
				if u, ok := units[ws[i+1].Text]; ok && u < 10 {
					v += u
					i++
				} else if isDigits(ws[i+1].Text) && len(ws[i+1].Text) == 1 {
					v += int(ws[i+1].Text[0] - '0')
					i++
				}
			}
			w.Text = itoa(v)
		} else if v, ok := units[t]; ok && len(ws) > 1 {
			w.Text = itoa(v)
		}
		out = append(out, w)
	}
	return out
}

func itoa(v int) string {
	if v < 10 {
		return string(rune('0' + v))
	}
	return itoa(v/10) + string(rune('0'+v%10))
}
