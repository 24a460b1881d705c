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
	var buf [16]Word
	ws, ok := appendWordsFast(buf[:0], s)
	if !ok {
		ws = wordsSlow(s)
	}
	return parseWords(ws, c)
}

// parseSlow is Parse as first written: the reference that Parse is tested
// against.
func parseSlow(s string, c Class) []Part { return parseWordsSlow(wordsSlow(s), c) }

// parseWordsSlow is the reference Parse of the words ws.
func parseWordsSlow(ws []Word, c Class) []Part {
	ws = numberWords(ws)
	parts := make([]Part, 0, len(ws))
	fixed := correctLegalWords(ws) // nil unless a legal-form word is misspelt
	leading := true
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		if c != PersonClass || i == len(ws)-1 {
			n, cls := legalFormAt(ws, i, c)
			if n, cls = longerFuzzyLegal(ws, fixed, i, c, n, cls); n > 0 {
				parts = append(parts, legalPart(ws[i:i+n], cls))
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
		case c != OrgClass && leading && titles[w.Text] && i < len(ws)-1,
			c != OrgClass && leading && articleBeforeTitle(w.Text, ws, i):
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
		p.Skel = SkeletonOfFold(p.Fold)
		parts = append(parts, p)
	}
	return parts
}

// articleBeforeTitle reports whether word i of ws, spelt t, is the article
// of an Arabic-script word before a title that is not the name's last
// word (الرئيس, الشيخ read "al riys", "al shikh"; آیت الله "ayt al lh"): the
// article goes with the title.
func articleBeforeTitle(t string, ws []Word, i int) bool {
	return t == "al" && ws[i].Script == "Arab" && i+2 < len(ws) && titles[ws[i+1].Text]
}

// cjk reports whether script is Han or Hangul.
func cjk(script string) bool { return script == "Hani" || script == "Hang" }

// legalFormAt returns the length in words and the class of the longest legal
// form starting at ws[i], or 0.
func legalFormAt(ws []Word, i int, c Class) (int, string) {
	for n := min(maxLegalFormWords, len(ws)-i); n >= 1; n-- {
		cls, ok := legalForms[joinText(ws[i:i+n])]
		if ok && legalFormFits(ws, i, n, c) {
			return n, cls
		}
	}
	return 0, ""
}

// legalFormFits reports whether a legal form spelt by the n words of ws
// from i counts there, for a name of class c. Short one-word forms that
// are also common words or particles ("as", "ab", "co", "sa", "pt") count
// only at the edges of a name, and never in a person's name (Mauro Sá); a
// person's name holds a longer one only at its end.
func legalFormFits(ws []Word, i, n int, c Class) bool {
	if n == 1 && len(ws) > 1 && i != 0 && i+n != len(ws) && len(ws[i].Text) <= 3 {
		return false
	}
	// In a person's name such a word is a name: Sá, Da, Ab.
	if c == PersonClass && n == 1 && len(ws[i].Text) <= 3 {
		return false
	}
	return c != PersonClass || i+n == len(ws)
}

// legalPart is the part the legal form of class cls spelt by ws makes.
func legalPart(ws []Word, cls string) Part {
	txt := joinText(ws)
	return Part{Word: Word{Text: txt, Orig: txt, Script: ws[0].Script}, Key: cls, Fold: cls, Skel: cls, Tag: TagLegal}
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
func deLeet(s string) string { return leetReplacer.Replace(s) }

// leetReplacer undoes the digit-for-letter spellings; a Replacer is safe
// for concurrent use, so one serves every call.
var leetReplacer = strings.NewReplacer("0", "o", "1", "i", "3", "e", "4", "a", "5", "s", "7", "t", "9", "g")

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

// longerFuzzyLegal returns the legal form at ws[i] that fuzzyLegalFormAt
// finds through a typo when it is longer than n words (cls's), else n and
// cls: "limited liabiity company" wins over "limited". fixed nil: no typo.
func longerFuzzyLegal(ws, fixed []Word, i int, c Class, n int, cls string) (int, string) {
	if fixed != nil {
		if fn, fcls := fuzzyLegalFormAt(ws, fixed, i, c); fn > n {
			return fn, fcls
		}
	}
	return n, cls
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
// through a typo ("Aktiengeselschaft"), sorted: fuzzyLegalForm takes the
// first that is alike, so the order must not follow the map's.
var longLegalForms = func() []string {
	var out []string
	for k := range legalForms {
		if len(k) >= 9 && !strings.Contains(k, " ") {
			out = append(out, k)
		}
	}
	slices.Sort(out)
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

// Flags of a word in wordFlags: the word tables that Parse consults that
// hold it.
const (
	flagTitle      uint16 = 1 << iota // titles
	flagParticle                      // particles
	flagStop                          // stopwords
	flagOrgWord                       // orgWords
	flagRoman                         // romanNumerals
	flagLegalWord                     // legalWords
	flagNumber                        // units or tens
	flagLegalForm                     // a one-word key of legalForms
	flagLegalFirst                    // the first word of a key of legalForms of several words
	flagVariant                       // a key of personVariantOf or variantOf
)

// wordFlags holds, for every word in one of the tables Parse consults, the
// tables that hold it, so that Parse looks a word up once. A word not in it
// is in none of them.
var wordFlags = func() map[string]uint16 {
	m := map[string]uint16{}
	add := func(f uint16, words ...string) {
		for _, w := range words {
			m[w] |= f
		}
	}
	for _, t := range []struct {
		f uint16
		m map[string]bool
	}{{flagTitle, titles}, {flagParticle, particles}, {flagStop, stopwords}, {flagOrgWord, orgWords}, {flagRoman, romanNumerals}, {flagLegalWord, legalWords}} {
		for w, ok := range t.m {
			if ok {
				add(t.f, w)
			}
		}
	}
	for w := range units {
		add(flagNumber, w)
	}
	for w := range tens {
		add(flagNumber, w)
	}
	for k := range legalForms {
		if f := strings.Fields(k); len(f) == 1 {
			add(flagLegalForm, k)
		} else {
			add(flagLegalFirst, f[0])
		}
	}
	for w := range personVariantOf {
		add(flagVariant, w)
	}
	for w := range variantOf {
		add(flagVariant, w)
	}
	return m
}()

// legalSeq is a legal form of several words.
type legalSeq struct {
	words []string
	cls   string
}

// legalSeqs holds the legal forms of several words by their first word.
var legalSeqs = func() map[string][]legalSeq {
	m := map[string][]legalSeq{}
	for k, cls := range legalForms {
		if f := strings.Fields(k); len(f) > 1 {
			m[f[0]] = append(m[f[0]], legalSeq{f, cls})
		}
	}
	return m
}()

// legalSeqAt returns the class of the legal form spelt by the words ws,
// two or more, each a non-empty text without spaces.
func legalSeqAt(ws []Word) (string, bool) {
next:
	for _, f := range legalSeqs[ws[0].Text] {
		if len(f.words) != len(ws) {
			continue
		}
		for k, w := range f.words {
			if ws[k].Text != w {
				continue next
			}
		}
		return f.cls, true
	}
	return "", false
}

// parseWords is parseWordsSlow made cheaper, with the same result for
// every ws: each word is looked up once in wordFlags instead of in every
// table; numberWords, correctLegalWords and fuzzyLegalForm run only when a
// word could change under them; legal forms are matched word by word
// instead of by joining texts; and the folds and skeletons of all parts
// share one allocation.
func parseWords(ws []Word, c Class) []Part {
	var flArr [16]uint16
	fl, plain, number := wordFlagsOf(flArr[:0], ws)
	if !plain {
		// A text with a space or an empty one could join into a legal
		// form of another split: keep to the reference.
		return parseWordsSlow(ws, c)
	}
	if number {
		// numberWords leaves a word alone unless it is an ordinal or a
		// number word; it returns a copy of ws otherwise.
		ws = numberWords(ws)
		fl, _, _ = wordFlagsOf(fl[:0], ws)
	}
	parts := make([]Part, 0, len(ws))
	var fixed []Word
	for i, w := range ws {
		if fl[i]&flagLegalWord == 0 && mayCorrectLegalWord(w.Text) {
			fixed = correctLegalWords(ws) // nil unless a legal-form word is misspelt
			break
		}
	}
	// spans locate each part's Fold and Skel in fb: fb[fs:fe] and fb[fe:se].
	type span struct{ part, fs, fe, se int32 }
	var (
		fbArr   [128]byte
		spanArr [16]span
	)
	fb, spans := fbArr[:0], spanArr[:0]
	leading := true
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		f := fl[i]
		if c != PersonClass || i == len(ws)-1 {
			n, cls := legalFormAtFlags(ws, fl, i, c)
			if n, cls = longerFuzzyLegal(ws, fixed, i, c, n, cls); n > 0 {
				parts = append(parts, legalPart(ws[i:i+n], cls))
				i += n - 1
				leading = false
				continue
			}
		}
		if c != PersonClass && len(w.Text) >= 9 {
			// fuzzyLegalForm is "" for shorter tokens.
			if cls := fuzzyLegalFormFast(w.Text); cls != "" {
				parts = append(parts, Part{Word: w, Key: cls, Fold: cls, Skel: cls, Tag: TagLegal})
				leading = false
				continue
			}
		}
		parts = append(parts, Part{Word: w, Key: w.Text})
		p := &parts[len(parts)-1]
		if f&flagVariant != 0 {
			p.Key = CanonicalFor(w.Text, c)
		}
		// isDigits and hasDigit in one pass: the digits are ASCII, and an
		// ASCII byte is itself as a rune even in invalid UTF-8.
		digits, all := 0, w.Text != ""
		for k := 0; k < len(w.Text); k++ {
			if b := w.Text[k]; b >= '0' && b <= '9' {
				digits++
			} else {
				all = false
			}
		}
		switch {
		case c != OrgClass && leading && f&flagTitle != 0 && i < len(ws)-1,
			c != OrgClass && leading && articleBeforeTitle(w.Text, ws, i):
			p.Tag = TagTitle
		case all || (c != PersonClass && f&flagRoman != 0 && i > 0):
			p.Tag = TagNumber
		case digits > 0 && !all:
			p.Key = CanonicalFor(deLeet(w.Text), c)
		case len(w.Text) == 1 && w.Script == "Latn":
			p.Tag = TagInitial
		case cjk(w.Script):
		case f&flagParticle != 0:
			p.Tag = TagParticle
		case f&flagStop != 0 && c != PersonClass:
			p.Tag = TagStop
		case c != PersonClass && f&flagOrgWord != 0:
			p.Tag = TagOrgWord
		}
		if p.Tag != TagTitle {
			leading = false
		}
		sp := span{part: int32(len(parts) - 1), fs: int32(len(fb))}
		fb = appendFold(fb, p.Key)
		sp.fe = int32(len(fb))
		fb = appendSkeleton(fb, int(sp.fs), int(sp.fe))
		sp.se = int32(len(fb))
		spans = append(spans, sp)
	}
	if len(spans) > 0 {
		all := string(fb)
		for _, sp := range spans {
			parts[sp.part].Fold, parts[sp.part].Skel = all[sp.fs:sp.fe], all[sp.fe:sp.se]
		}
	}
	return parts
}

// wordFlagsOf appends the wordFlags of each word of ws to fl. plain reports
// whether every text is non-empty and free of spaces, number whether
// numberWords could change a word (an ordinal or a number word).
func wordFlagsOf(fl []uint16, ws []Word) (_ []uint16, plain, number bool) {
	plain = true
	for _, w := range ws {
		f := wordFlags[w.Text]
		fl = append(fl, f)
		if w.Text == "" || strings.IndexByte(w.Text, ' ') >= 0 {
			plain = false
		}
		if f&flagNumber != 0 || isOrdinal(w.Text) {
			number = true
		}
	}
	return fl, plain, number
}

// isOrdinal reports whether t is digits and an ordinal suffix ("1st",
// "22nd"), which numberWords strips.
func isOrdinal(t string) bool {
	n := len(t)
	return n >= 3 && isDigits(t[:n-2]) && (strings.HasSuffix(t, "st") || strings.HasSuffix(t, "nd") || strings.HasSuffix(t, "rd") || strings.HasSuffix(t, "th"))
}

// legalFormAtFlags is legalFormAt for words whose texts are non-empty and
// free of spaces, with fl their wordFlags. The space-joined texts of n such
// words then spell a key of legalForms exactly when the words are the key's
// fields, so a form of several words is found through legalSeqs without
// joining, and only after a word that begins one.
func legalFormAtFlags(ws []Word, fl []uint16, i int, c Class) (int, string) {
	for n := min(maxLegalFormWords, len(ws)-i); n >= 1; n-- {
		var cls string
		var ok bool
		if n == 1 {
			if fl[i]&flagLegalForm != 0 {
				cls, ok = legalForms[ws[i].Text]
			}
		} else if fl[i]&flagLegalFirst != 0 {
			cls, ok = legalSeqAt(ws[i : i+n])
		}
		if ok && legalFormFits(ws, i, n, c) {
			return n, cls
		}
	}
	return 0, ""
}

// mayCorrectLegalWord reports whether correctLegalWord(tok) is not "" for a
// token that is not in legalWords: withinOneEdit stands for Distance ≤ 1.
func mayCorrectLegalWord(tok string) bool {
	if len(tok) < 5 {
		return false
	}
	for _, w := range legalWordsBy[tok[0]] {
		if abs(len(w)-len(tok)) <= 1 && withinOneEdit(w, tok) {
			return true
		}
	}
	return false
}

// withinOneEdit reports whether Distance(a, b) ≤ 1: whether a single
// insertion, deletion, substitution or transposition of adjacent bytes
// turns a into b, or they are equal.
func withinOneEdit(a, b string) bool {
	if a == b {
		return true
	}
	switch len(a) - len(b) {
	case 0:
		i := 0
		for a[i] == b[i] {
			i++
		}
		if a[i+1:] == b[i+1:] {
			return true // one substitution
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	case 1:
		return oneDeletion(a, b)
	case -1:
		return oneDeletion(b, a)
	}
	return false
}

// oneDeletion reports whether deleting one byte of long, one byte longer
// than short, gives short.
func oneDeletion(long, short string) bool {
	i := 0
	for i < len(short) && long[i] == short[i] {
		i++
	}
	return long[i+1:] == short[i:]
}

// fuzzyLegalFormFast is fuzzyLegalForm, trying the same forms in the same
// order, skipping those that cannot reach the similarity (mayBeSimilar).
func fuzzyLegalFormFast(tok string) string {
	if len(tok) < 9 {
		return ""
	}
	for _, f := range longLegalForms {
		if abs(len(f)-len(tok)) <= 2 && mayBeSimilar(f, tok) && Similarity(f, tok) >= 0.88 {
			return legalForms[f]
		}
	}
	return ""
}

// mayBeSimilar reports whether Similarity(a, b) ≥ 0.88 is possible, from a
// lower bound of Distance: an edit changes the counts of byte values by two
// at most in all (a substitution), so Distance(a, b) ≥ L1/2 where L1 is the
// sum of the differences of the counts. Similarity falls as Distance grows,
// so none beyond the largest distance dmax that reaches 0.88 does.
func mayBeSimilar(a, b string) bool {
	m := max(len(a), len(b))
	dmax := 0
	for 1-float64(dmax+1)/float64(m) >= 0.88 {
		dmax++
	}
	var h [256]int32
	for i := 0; i < len(a); i++ {
		h[a[i]]++
	}
	for i := 0; i < len(b); i++ {
		h[b[i]]--
	}
	// Sum each count once: clear it once added.
	l1 := 0
	for _, s := range [2]string{a, b} {
		for i := 0; i < len(s); i++ {
			l1 += abs(int(h[s[i]]))
			h[s[i]] = 0
		}
	}
	return l1 <= 2*dmax
}
