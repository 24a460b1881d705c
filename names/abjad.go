package names

import (
	"hash/maphash"
	"strings"
	"sync/atomic"
)

// The Arabic script writes consonants and long vowels and leaves short
// vowels out; a Latin spelling of the same name writes every vowel, and
// spells each letter one of a few ways (ق as q, k, g or gh; و as w, v, u, o
// or ou). A consonant skeleton compares the two by dropping every vowel and
// merging letters, which lets different names meet: حسنا (Hosna) and Hussein
// share "hsn", کریمی (Karimi) and Karim "krm", پرهام (Parham) and Ibrahim
// "brm". AbjadSimilarity aligns the written letters with the Latin spelling
// instead: each letter must be spelt by one of its readings, the Latin may
// add short vowels (unwritten) and double a consonant (the unwritten
// shadda), and a long vowel the script writes (ا و ی) needs a vowel in the
// Latin. Written by hand: no maintained Go library compares a Latin
// spelling with Arabic or Persian letters.

// abjadReading is one Latin spelling of an Arabic-script letter and what
// choosing it costs (0: a usual reading).
type abjadReading struct {
	latin string
	cost  float64
}

// abjadLetter is what AbjadSimilarity knows of a letter: its readings, what
// leaving it out of the Latin costs, and whether it is a long vowel.
type abjadLetter struct {
	readings []abjadReading
	drop     float64
	vowel    bool
	// first is the bit set of the first Latin letters of the readings,
	// miss the least the letter costs when none of them is in the Latin:
	// left out, read as nothing, or misread (1); for AbjadUpper.
	first uint32
	miss  float64
}

func (l *abjadLetter) setMasks() {
	l.miss = min(l.drop, 1)
	for _, r := range l.readings {
		if r.latin == "" {
			l.miss = min(l.miss, r.cost)
		} else {
			l.first |= 1 << (r.latin[0] - 'a')
		}
	}
}

func rd(spec string) []abjadReading {
	var out []abjadReading
	for _, f := range strings.Fields(spec) {
		r := abjadReading{latin: f}
		if i := strings.IndexByte(f, ':'); i >= 0 {
			r.latin = f[:i]
			switch f[i+1:] {
			case "1":
				r.cost = 0.1
			case "2":
				r.cost = 0.2
			case "3":
				r.cost = 0.3
			case "5":
				r.cost = 0.5
			default:
				r.cost = 0.7
			}
		}
		out = append(out, r)
	}
	return out
}

// abjadLetters holds the readings of each letter in the Latin spellings
// the lists and registers use for Arabic, Persian, Urdu and Pashto names
// ("q:3" is the reading q at cost 0.3). Persian reads ض ذ ظ as z and ث as s,
// Arabic as d, dh, z and th: both are readings.
var abjadLetters = func() map[rune]abjadLetter {
	vowel := func(spec string, drop float64) abjadLetter {
		return abjadLetter{readings: rd(spec), drop: drop, vowel: true}
	}
	cons := func(spec string, drop float64) abjadLetter {
		return abjadLetter{readings: rd(spec), drop: drop}
	}
	alef := vowel("a aa e:2 o:3 i:3 u:5 ah:3", 0.7)
	// Persian writes a final alef maqsura as ی (مرتضی Morteza): a:3.
	yeh := vowel("i y ee e:2 ey:2 ei:2 ai:3 ay:3 ie:2 iy:2 ii:2 j:5 a:3", 0.7)
	heh := cons("h e:3 a:3 eh:3 ah:3", 1)
	m := map[rune]abjadLetter{
		'ا': alef, 'أ': vowel("a e o u i aa", 0.3), 'إ': vowel("i e a:3", 0.3), 'آ': vowel("a aa", 0.3), 'ٱ': alef,
		'و': vowel("w v u o ou oo ow:2 aw:3 uo:3 wa:5", 0.7),
		'ي': yeh, 'ی': yeh, 'ې': yeh, 'ۍ': yeh, 'ے': yeh,
		'ى': vowel("a i y e ah:3 aa:3", 0.3),
		'ة': vowel("a ah at:2 e eh et:3 h:3", 0.3), 'ۃ': vowel("a ah at:2 e eh", 0.3),
		'ء': vowel("a:2 e:2 i:2 u:2", 0.1), 'ئ': vowel("i y e:2 a:3", 0.1), 'ؤ': vowel("u o w:2", 0.1),
		'ع': vowel("a e i o u aa:2", 0.2),
		'ب': cons("b p:5 v:7", 1), 'پ': cons("p", 1), 'ت': cons("t th:3 d:7", 1), 'ٹ': cons("t", 1),
		'ث': cons("th s t:3 ts:5", 1), 'ج': cons("j dj g:3 dzh zh:5 y:7", 1), 'چ': cons("ch tch c:3 tsh:3 j:7", 1),
		'ح': cons("h kh:5 ch:7", 0.5), 'خ': cons("kh h:3 x:3 ch:3 k:5 q:7", 1),
		'د': cons("d dh:5 t:7", 1), 'ڈ': cons("d", 1), 'ذ': cons("dh z d:3 th:3", 1),
		'ر': cons("r", 1), 'ڑ': cons("r d:5", 1), 'ز': cons("z s:5 dh:7", 1), 'ژ': cons("zh j z:3 g:5", 1),
		'س': cons("s c:5 ss", 1), 'ش': cons("sh ch:3 sch:3 s:7 x:7", 1), 'ص': cons("s ss c:5", 1),
		'ض': cons("d dh z th:5", 1), 'ط': cons("t th:5", 1), 'ظ': cons("z dh th:3 d:3", 1),
		'غ': cons("gh g q:3 r:7", 1), 'ف': cons("f ph v:5", 1),
		'ق': cons("q k g gh c:3 ck:3 kh:5", 1), 'ك': cons("k c ck q:3 kh:5 g:5", 1), 'ک': cons("k c ck q:3 kh:5 g:5", 1),
		'گ': cons("g gu gh:3 k:5", 1), 'ل': cons("l :5", 1), 'م': cons("m", 1), 'ن': cons("n m:5", 1), 'ں': cons("n", 1),
		'ه': heh, 'ہ': heh, 'ھ': cons("h", 0.5), 'ۀ': heh, 'ڤ': cons("v f:3", 1),
		'ځ': cons("dz z j:5", 1), 'څ': cons("ts s ch:5", 1), 'ښ': cons("kh sh x", 1), 'ږ': cons("zh g j:5", 1),
		'ټ': cons("t", 1), 'ډ': cons("d", 1), 'ړ': cons("r", 1), 'ڼ': cons("n", 1),
		// Hebrew: א and ע carry any vowel, ו and י are vowel letters or
		// consonants, ה a consonant or a final vowel; a final form
		// reads as its letter.
		'א': vowel("a e i o u", 0.3), 'ע': vowel("a e i o u", 0.2), 'ב': cons("b v", 1), 'ג': cons("g j:3", 1),
		'ד': cons("d", 1), 'ה': cons("h a:3 e:3 ah:3", 0.5), 'ו': vowel("v w o u ou oo", 0.7), 'ז': cons("z", 1),
		'ח': cons("ch kh h", 1), 'ט': cons("t", 1), 'י': vowel("y i e j ee ei ai:3", 0.7), 'כ': cons("k ch kh c", 1),
		'ך': cons("k ch kh c", 1), 'ל': cons("l", 1), 'מ': cons("m", 1), 'ם': cons("m", 1), 'נ': cons("n", 1),
		'ן': cons("n", 1), 'ס': cons("s c:3", 1), 'פ': cons("p f ph", 1), 'ף': cons("p f ph", 1),
		'צ': cons("ts tz z c:3", 1), 'ץ': cons("ts tz z c:3", 1), 'ק': cons("k q c ck", 1), 'ר': cons("r", 1),
		'ש': cons("sh s", 1), 'ת': cons("t th s:3", 1),
	}
	return m
}()

// abjadTab holds abjadLetters by rune - 0x590: the Hebrew and Arabic
// blocks, for lookups without hashing; kanaTab the katakana block (hiragana
// are read as the katakana 0x60 above them).
var abjadTab = func() (t [0x700 - 0x590]*abjadLetter) {
	for r, l := range abjadLetters {
		l := l
		l.setMasks()
		t[r-0x590] = &l
	}
	return t
}()

var kanaTab = func() (t [0x100]*abjadLetter) {
	for r, l := range kanaLetters() {
		l := l
		l.setMasks()
		t[r-0x3000] = &l
	}
	return t
}()

// letterOf returns what AbjadSimilarity knows of r, or nil.
func letterOf(r rune) *abjadLetter {
	switch {
	case r >= 0x590 && r < 0x700:
		return abjadTab[r-0x590]
	case r >= 0x3041 && r <= 0x3096:
		return kanaTab[r+0x60-0x3000]
	case r >= 0x30A0 && r < 0x3100:
		return kanaTab[r-0x3000]
	}
	return nil
}

// LetterScript reports whether AbjadSimilarity reads words of script sc
// letter by letter: Arabic, Hebrew and kana.
func LetterScript(sc string) bool { return sc == "Arab" || sc == "Hebr" || sc == "Kana" }

// isArabicLetter reports whether r is a letter AbjadSimilarity reads.
func isArabicLetter(r rune) bool { return letterOf(r) != nil }

// abjadWord returns the letters of the Arabic-script word w that
// AbjadSimilarity reads (vowel marks, tatweel and other signs dropped).
func abjadWord(w string) []rune {
	var out []rune
	for _, r := range w {
		if isArabicLetter(r) {
			out = append(out, r)
		}
	}
	return out
}

// ArabicLetters returns the letters of the Arabic-script word a part was
// read from, for AbjadSimilarity, or nil when it was not written so. A
// word beginning with the article ال is split into "al" and the rest (see
// arabicToLatin): the article's part reads the whole word, the rest's part
// the word without the article.
func (w Word) ArabicLetters() []rune { return w.appendArabicLetters(nil) }

// appendArabicLetters appends ArabicLetters to dst (nil when there are
// none).
func (w Word) appendArabicLetters(dst []rune) []rune {
	if !LetterScript(w.Script) {
		return nil
	}
	start := len(dst)
	for _, r := range w.Orig {
		if isArabicLetter(r) {
			dst = append(dst, r)
		}
	}
	rs := dst[start:]
	if len(rs) == 0 {
		return nil
	}
	if w.Script == "Arab" && len(rs) > 3 && rs[0] == 'ا' && rs[1] == 'ل' {
		switch {
		case w.Text == "al":
			rs = rs[:2] // the article's own part
		case !strings.HasPrefix(w.Text, "al"):
			rs = rs[2:]
		}
	}
	return rs
}

// AbjadSimilarityOf is AbjadSimilarity of the letters word w was read from
// (see ArabicLetters) and latin; ok is false when w was not read from
// Arabic letters. Results are remembered in a bounded table: a query's
// words meet the same listed words again and again.
func AbjadSimilarityOf(w Word, latin string) (float64, bool) {
	if !LetterScript(w.Script) {
		return 0, false
	}
	var h maphash.Hash
	h.SetSeed(abjadSeed)
	h.WriteString(w.Orig)
	h.WriteByte(0)
	h.WriteString(w.Text)
	h.WriteByte(0)
	h.WriteString(latin)
	slot := &abjadCache[h.Sum64()%uint64(len(abjadCache))]
	if e := slot.Load(); e != nil && e.orig == w.Orig && e.text == w.Text && e.latin == latin {
		return e.sim, e.ok
	}
	var buf [32]rune
	rs := w.appendArabicLetters(buf[:0])
	e := &abjadEntry{orig: w.Orig, text: w.Text, latin: latin, ok: rs != nil}
	if e.ok {
		e.sim = AbjadSimilarity(rs, latin)
	}
	slot.Store(e)
	return e.sim, e.ok
}

// abjadEntry is a remembered AbjadSimilarityOf.
type abjadEntry struct {
	orig, text, latin string
	sim               float64
	ok                bool
}

var (
	abjadSeed = maphash.MakeSeed()
	// abjadCache is direct-mapped: an entry lives in the slot its hash
	// picks until another takes it (bounded, read without a lock).
	abjadCache [1 << 16]atomic.Pointer[abjadEntry]
)

// ArabicRun returns the Arabic letters of the parts ps read together (a
// run of parts merged into one word, "nur al din" for nooruddin), or ""
// when one of them was not read from Arabic letters.
func ArabicRun(ps []Part) string {
	var b strings.Builder
	for i := range ps {
		rs := ps[i].ArabicLetters()
		if rs == nil {
			return ""
		}
		b.WriteString(string(rs))
	}
	return b.String()
}

// AbjadSimilarity scores how well the Latin spelling latin (lower-case
// ASCII letters) spells the Arabic-script letters abjad, 0..1: 1 when every
// letter is spelt by one of its usual readings and the Latin adds only
// short vowels and doubled consonants; each letter left out, each Latin
// consonant added and each letter misread costs its share. A long vowel
// left out costs as much as a consonant: کریمی is Karimi, not Karim.
func AbjadSimilarity(abjad []rune, latin string) float64 {
	n, m := len(abjad), len(latin)
	if n == 0 || m == 0 {
		return 0
	}
	// The article spelt with the word ("alassad" for الأسد read without
	// it) is tried too.
	best := abjadCost(abjad, latin)
	if len(latin) > 3 && (latin[:2] == "al" || latin[:2] == "el") {
		var buf [34]rune
		art := append(append(buf[:0], 'ا', 'ل'), abjad...)
		best = min(best, abjadCost(art, latin))
	}
	// The Latin's consonants (doubles once) and the letters, whichever
	// are more, share the cost.
	cons := 0
	for i := 0; i < m; i++ {
		if !isLatinVowel(latin[i]) && (i == 0 || latin[i] != latin[i-1]) {
			cons++
		}
	}
	return max(0, 1-abjadSlope*best/float64(max(n, cons)))
}

// abjadSlope scales AbjadSimilarity's cost: the script writes fewer
// letters than a Latin spelling, so one misread letter weighs more than
// one Latin letter does in an edit similarity (صارم Sarim is not Usama).
const abjadSlope = 1.2

// longVowel reports whether the Latin letters a, b spell a long vowel
// (aa, ee, ii, oo, uu, ou).
func longVowel(a, b byte) bool {
	return isLatinVowel(a) && (a == b || a == 'o' && b == 'u')
}

func isLatinVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u':
		return true
	}
	return false
}

// abjadCost is the least cost of spelling the letters abjad as latin (see
// AbjadSimilarity): an edit distance whose free moves are a letter read
// as one of its readings, a Latin short vowel and a doubled Latin letter.
func abjadCost(abjad []rune, latin string) float64 {
	n, m := len(abjad), len(latin)
	const inf = 1e9
	// Each letter's entry, looked up once.
	var lbuf [24]*abjadLetter
	ls := lbuf[:0]
	if n > len(lbuf) {
		ls = make([]*abjadLetter, 0, n)
	}
	for _, r := range abjad {
		ls = append(ls, letterOf(r))
	}
	// d[i][j]: least cost of spelling abjad[:i] as latin[:j].
	var buf [24 * 40]float64
	w := m + 1
	var d []float64
	if (n+1)*w <= len(buf) {
		d = buf[:(n+1)*w]
	} else {
		d = make([]float64, (n+1)*w)
	}
	for k := range d {
		d[k] = inf
	}
	d[0] = 0
	for i := 0; i <= n; i++ {
		for j := 0; j <= m; j++ {
			c := d[i*w+j]
			if c >= inf {
				continue
			}
			if j < m {
				// A Latin letter no written letter accounts for: free for
				// a short vowel or a doubled letter, else an insertion.
				step := 1.0
				switch {
				case j == 0 && isLatinVowel(latin[0]):
					// A word beginning with a vowel begins with a
					// written letter for it (ا, ع): Ibrahim is not پرهام.
					step = 1
				case j > 0 && longVowel(latin[j-1], latin[j]):
					// A second vowel: a long vowel ("oo", "ee") the
					// script would have written (Mahmoudi is not محمدی);
					// French spellings write u as "ou" (Mounir, منير).
					step = 1
					if latin[j-1] == 'o' {
						step = 0.5
					}
				case isLatinVowel(latin[j]), j > 0 && latin[j] == latin[j-1]:
					step = 0
				case latin[j] == 'h' && j > 0 && isLatinVowel(latin[j-1]) && j == m-1:
					step = 0.3 // a final h after a vowel ("Fatimah")
				case latin[j] == 'y':
					step = 0.5
				}
				if v := c + step; v < d[i*w+j+1] {
					d[i*w+j+1] = v
				}
			}
			if i == n {
				continue
			}
			l := ls[i]
			// The letter left out: a long vowel beginning the word costs
			// as much as a consonant, one ending it twice as much.
			drop := l.drop
			switch {
			case l.vowel && i == n-1 && drop >= 0.5 && n > 2:
				// A final long vowel is often a suffix that makes
				// another name (Karimi, Hosna): as two letters.
				drop = 2
			case l.vowel && (i == n-1 || i == 0) && drop >= 0.5:
				drop = 1
			}
			if v := c + drop; v < d[(i+1)*w+j] {
				d[(i+1)*w+j] = v
			}
			for _, r := range l.readings {
				if strings.HasPrefix(latin[j:], r.latin) {
					k := j + len(r.latin)
					if v := c + r.cost; v < d[(i+1)*w+k] {
						d[(i+1)*w+k] = v
					}
				}
			}
			// The letter misread as another Latin letter.
			if j < m {
				sub := 1.0
				if l.vowel != isLatinVowel(latin[j]) {
					sub = 1.2
				}
				if v := c + sub; v < d[(i+1)*w+j+1] {
					d[(i+1)*w+j+1] = v
				}
			}
		}
	}
	return d[n*w+m]
}

// abjadSkeletonReadings are the letters whose readings fall into different
// consonant classes of Skeleton: Persian and Arabic read them apart.
var abjadSkeletonReadings = map[rune][2]string{'ض': {"d", "z"}, 'ذ': {"d", "z"}, 'ظ': {"z", "d"}, 'ث': {"t", "s"}, 'ج': {"j", "g"}, 'و': {"", "v"}}

// AbjadSkeletons returns the consonant skeletons (see Skeleton) of the
// Latin spellings of the Arabic-script letters rs that the lists' spellings
// fall into: one per reading of each letter whose readings fall into
// different consonant classes (ض as d or z), at most eight. Retrieval looks
// them up, so that فضل meets Fazl as well as Fadl.
func AbjadSkeletons(rs []rune) []string {
	outs := []string{""}
	for _, r := range rs {
		l, ok := abjadLetters[r]
		alt, two := abjadSkeletonReadings[r]
		if !ok || l.vowel && !two {
			continue
		}
		first := l.readings[0].latin
		if two {
			first = alt[0]
		}
		n := len(outs)
		for i := 0; i < n; i++ {
			if two && len(outs) < 8 {
				outs = append(outs, outs[i]+alt[1])
			}
			outs[i] += first
		}
	}
	seen := map[string]bool{}
	var sk []string
	for _, o := range outs {
		k := Skeleton(o)
		if k != "" && !seen[k] {
			seen[k] = true
			sk = append(sk, k)
		}
	}
	return sk
}

// letterMask is the bit set of the Latin letters of s (bit c-'a').
func letterMask(s string) uint32 {
	var m uint32
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			m |= 1 << (c - 'a')
		}
	}
	return m
}

// AbjadUpper is an upper bound of AbjadSimilarityOf(w, latin) found from
// letter sets alone: the letters none of whose readings can begin in the
// Latin each cost at least what missing them costs, and the Latin
// consonants no reading of the word's letters holds each cost an
// insertion; either sum bounds the cost from below. It is 1 when it cannot
// tell (a word not read from Arabic letters, a Latin word that may spell
// the article too).
func AbjadUpper(w Word, latin string) float64 {
	if !LetterScript(w.Script) || len(latin) == 0 || len(latin) > 3 && (latin[:2] == "al" || latin[:2] == "el") {
		return 1
	}
	var buf [32]rune
	rs := w.appendArabicLetters(buf[:0])
	if len(rs) == 0 {
		return 1
	}
	lm := letterMask(latin)
	var reach uint32
	var miss float64
	for _, r := range rs {
		l := letterOf(r)
		for _, rd := range l.readings {
			reach |= letterMask(rd.latin)
		}
		if !l.vowel && l.first&lm == 0 {
			miss += l.miss
		}
	}
	var ins float64
	cons := 0
	for i := 0; i < len(latin); i++ {
		c := latin[i]
		if isLatinVowel(c) || i > 0 && c == latin[i-1] {
			continue
		}
		cons++
		if c < 'a' || c > 'z' || reach&(1<<(c-'a')) != 0 {
			continue
		}
		switch {
		case c == 'y':
			ins += 0.5
		case c == 'h' && i == len(latin)-1:
			ins += 0.3
		default:
			ins++
		}
	}
	cost := max(miss, ins)
	return max(0, 1-abjadSlope*cost/float64(max(len(rs), cons)))
}

// kanaLetters are the katakana, each a syllable with the Latin spellings of
// a foreign name that it writes: its Hepburn spelling, and the consonant
// alone where Japanese adds a vowel to write a consonant that has none
// (ク for k, ト for t, ル for l or r); r stands for l, b for v, and the
// small kana and the long-vowel mark add their vowel or nothing.
func kanaLetters() map[rune]abjadLetter {
	m := map[rune]abjadLetter{}
	vowels := "aiueo"
	rows := []struct {
		kana string
		cons []string // the consonant's Latin spellings, "" for none
	}{
		{"アイウエオ", []string{""}}, {"カキクケコ", []string{"k", "c", "q", "ck"}}, {"ガギグゲゴ", []string{"g"}},
		{"サシスセソ", []string{"s", "c"}}, {"ザジズゼゾ", []string{"z", "s"}}, {"タチツテト", []string{"t"}},
		{"ダヂヅデド", []string{"d"}}, {"ナニヌネノ", []string{"n"}}, {"ハヒフヘホ", []string{"h"}},
		{"バビブベボ", []string{"b", "v"}}, {"パピプペポ", []string{"p"}}, {"マミムメモ", []string{"m"}},
		{"ラリルレロ", []string{"r", "l"}},
	}
	for _, row := range rows {
		for i, k := range []rune(row.kana) {
			v := vowels[i : i+1]
			var spec []string
			for _, c := range row.cons {
				spec = append(spec, c+v)
				// A consonant with no vowel of its own: written with u
				// (o after t and d), or by any syllable at some cost.
				if c != "" {
					switch {
					case v == "u", v == "o" && (c == "t" || c == "d"):
						spec = append(spec, c)
					default:
						spec = append(spec, c+":5")
					}
				}
			}
			l := abjadLetter{readings: rd(strings.Join(spec, " ")), drop: 1, vowel: row.cons[0] == ""}
			if l.vowel {
				l.drop = 0.7
			}
			m[k] = l
		}
	}
	set := func(k rune, spec string, drop float64) { m[k] = abjadLetter{readings: rd(spec), drop: drop} }
	set('シ', "shi sh si s:3 sch", 1)
	set('チ', "chi ch tch ti:3 c:3 t:3", 1)
	set('ツ', "tsu ts tz z:3 t:3", 1)
	set('ジ', "ji j zi:3 gi:3 dj g:3 zh:3 di:3 d:5 dzh", 1)
	set('ウ', "u w:3 v:3 oo:3 ou:3", 0.7)
	set('ヂ', "ji j di d:3 dj", 1)
	set('ヅ', "zu z dz", 1)
	set('フ', "fu f ph hu:3 h:3 v:5", 1)
	set('ヤ', "ya ia y:5", 0.7)
	set('ユ', "yu iu ju y:5 u:3", 0.7)
	set('ヨ', "yo io jo y:5 o:3", 0.7)
	set('ワ', "wa va ua w:5", 0.7)
	set('ヲ', "o wo", 0.7)
	set('ヴ', "vu v", 1)
	set('ン', "n m", 0.3)
	set('ッ', ":1", 0) // doubles the next consonant
	set('ー', ":1", 0) // lengthens the vowel
	set('・', ":1", 0)
	for k, v := range map[rune]string{'ァ': "a", 'ィ': "i", 'ゥ': "u", 'ェ': "e", 'ォ': "o", 'ャ': "a ya", 'ュ': "u yu", 'ョ': "o yo"} {
		set(k, v+" :3", 0.3)
	}
	return m
}
