package names

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/width"

	"github.com/vigil-screening/vigil/batch"
	"github.com/vigil-screening/vigil/internal/shared"
)

// commonNames are plain Latin names in the shapes customer files hold.
var commonNames = []string{
	"Mohammed Ali Khan", "KHAN, Mohammed A.", "Maria-José O'Brien", "John Smith", "Dr. Ahmed bin Hassan",
	"Anna-Maria van der Berg", "Thomas A. Lind", "Sergey Viktorovich Lavrov", "Barack Obama", "ACME Trading LLC",
}

// generatedNames returns the name column of n rows written by
// batch.Generate, the batch benchmark's customer file.
func generatedNames(tb testing.TB, n int) []string {
	var buf bytes.Buffer
	if err := batch.Generate(&buf, n, 1, nil); err != nil {
		tb.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]string, 0, n)
	for _, r := range recs[1:] {
		out = append(out, r[1])
	}
	return out
}

// csvColumn returns the named column of a CSV file below the shared data
// folder, skipping the test when the folder is absent.
func csvColumn(tb testing.TB, rel string, cols ...string) []string {
	tb.Helper()
	f, err := os.Open(shared.Path(tb, rel))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, col := range cols {
		k := -1
		for i, h := range recs[0] {
			if h == col {
				k = i
			}
		}
		if k < 0 {
			tb.Fatalf("%s: no column %q in %q", rel, col, recs[0])
		}
		for _, r := range recs[1:] {
			out = append(out, r[k])
		}
	}
	return out
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// BenchmarkParse parses realistic query names: "ascii" the plain ASCII names
// of a generated customer file, "batch" all of its names (some with
// diacritics: Müller, José), "dev" the development negatives (many scripts).
func BenchmarkParse(b *testing.B) { benchmarkParse(b, Parse) }

// BenchmarkParseSlow is BenchmarkParse over the reference parseSlow (Parse
// before its fast paths), to compare the two in the same conditions.
func BenchmarkParseSlow(b *testing.B) { benchmarkParse(b, parseSlow) }

func benchmarkParse(b *testing.B, parse func(string, Class) []Part) {
	gen := generatedNames(b, 2000)
	var ascii []string
	for _, s := range append(commonNames, gen...) {
		if isASCII(s) {
			ascii = append(ascii, s)
		}
	}
	sets := []struct {
		name string
		in   func(b *testing.B) []string
	}{
		{"ascii", func(*testing.B) []string { return ascii }},
		{"batch", func(*testing.B) []string { return gen }},
		{"dev", func(b *testing.B) []string { return csvColumn(b, "data/eval/negatives_dev_global.csv", "full_name") }},
	}
	for _, set := range sets {
		b.Run(set.name, func(b *testing.B) {
			in := set.in(b)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				parse(in[i%len(in)], AnyClass)
			}
		})
	}
}

// trickyNames are hand-written inputs at the edges of the fast path.
var trickyNames = []string{
	"", " ", ".", "..", "...", "'", "''", "&", "& &", "-", "--", ",", ", ,", ".,.", "'.'", "`", "a", "A", "1", "1.",
	"A.B.C.", "A.B.C. Company", "a.b.c", "A. B. C.", "A.B. C", "S.A", "S.A.", "S. A", "J.R.R. Tolkien", "J. R. R. Tolkien",
	"Thomas A. Lind", "A.B", "A..B..", "1.2.3.", "1.2 3", "x.y.z.w", "Jr.", "St. John", "Mc.Donald", "O.O.O. Romashka",
	"o.o.o.", "OOO Romashka", "O O O", "L L C", "l.l.c.", "Sp. z o.o.", "sp z o o", "SP Z OO", "D.O.O. Beograd", "d o o",
	"Limited Liabiity Company Ayaks", "Limited Liability Company", "Joynt Stock Company Polimer", "Joint Stock Company",
	"Tactical Missiles Joint Stock Compan", "Aksionernoe Obshchestvo Pyezo", "Ayaks Limitted", "Joyner Stock", "Joynt Stok Compan",
	"Compny Ayaks", "Aktiengeselschaft Siemens", "Siemens Aktiengesellschaft", "Corporatoin Bank", "Incorporatd", "Petrovich Corporation",
	"Public Joint Stock Company Gazprom", "Closed Joint Stock Company", "Sa De Cv", "Grupo SA de CV", "co ltd", "Acme Co Ltd",
	"Acme Co., Ltd.", "AT&T Inc.", "Procter & Gamble", "Johnson&Johnson", "Pvt Ltd", "As Ab Co", "AB", "SA", "Co", "Ltd",
	"Dr", "Dr.", "Dr Ali", "Dr. Dr. Ali", "General", "General Dr. Ali Bin Hassan", "Mr and Mrs Smith", "Haji", "Sheikh Mohammed",
	"Prince", "King Abdullah II", "Partners IV", "Fund IX", "IV", "II Partners", "Louis XIV", "Henry VIII of England",
	"al", "Al Qaida", "al-Qaida", "Al Qa'ida", "bin Laden", "Osama bin Laden", "Usama BIN LADIN", "Abu Bakr al-Baghdadi",
	"Ibn Saud", "van der Berg", "De La Cruz", "von Braun", "In Su PAK", "The Bank of Nowhere", "Bank of the West",
	"KHAN, Mohammed", "KHAN, Mohammed A.", "Khan,Mohammed", "Mohammed Ali Khan", "Muhammad Ali", "mohammed", "MOHAMMED",
	"Ig0r Sech1n", "Ig0r", "1gor", "123", "0", "007", "Agent 007", "R2D2", "3M", "3M Company", "7-Eleven", "Brigade Forty-Four",
	"Forty Four", "forty 4", "Twenty", "twenty one", "One", "One Two", "First", "1st Battalion", "22nd Street", "3rd", "4th Fleet",
	"1st", "st", "11th", "nd", "zero", "Ninety Nine Ninety", "fifty fifth",
	"Maria-José O'Brien", "Müller", "Hans Müller", "François Hollande", "Recep Tayyip Erdoğan", "Łukasz Øster ß", "Æsir Ðor Þór",
	"Jean-Marie LE PEN", "O’Brien", "O‘Brien", "DʼAngelo", "Hawaiʻi", "Maria–José", "Maria—José", "“Quoted” Name", "„Quoted“",
	"İstanbul", "Ǝlvis", "ǝ.", "Ə.", "ǀ", "a.ǝ.b", "Ĳssel", "ﬁ", "Ｓｉｅｍｅｎｓ", "naïve café", "Niño «Nene» Pérez",
	"tab\tseparated\tname", "new\nline", "cr\r\nlf", "nul\x00byte", "del\x7fchar", "\xff\xfe", "bad\xffutf8", "a\u00a0b", "a\u200bb",
	"e\u0301", "Jose\u0301", "Сергей Шойгу", "قاسم سلیمانی", "习近平", "김정은", "ა", "Ἀθῆναι", "日本", "ﾆｯﾎﾟﾝ",
	"Acme!@#$%^*()_+=[]{}|\\:;\"<>?/~", "a_b", "a-b-c-d", "a/b", "a+b",
	strings.Repeat("A", 300), strings.Repeat("Ab ", 200), strings.Repeat("A.", 100), strings.Repeat("Müller ", 60),
	strings.Repeat("forty four ", 30), strings.Repeat("Limited ", 40),
}

// corpus returns the names the differential tests compare: the hand-written
// ones, a generated customer file's, and those of the shared evaluation
// sets when the shared folder is present.
func corpus(t *testing.T) []string {
	names := append([]string(nil), trickyNames...)
	names = append(names, commonNames...)
	names = append(names, generatedNames(t, 20000)...)
	if shared.Root() != "" {
		names = append(names, csvColumn(t, "data/eval/name_bench_cases.csv", "name1", "name2")...)
		names = append(names, csvColumn(t, "data/eval/negatives_dev_global.csv", "full_name", "first_name", "middle_name", "last_name")...)
	} else {
		t.Log("the shared data folder is absent: comparing without its evaluation names")
	}
	seen := map[string]bool{}
	out := names[:0]
	for _, n := range names {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

var classes = []Class{AnyClass, PersonClass, OrgClass}

// checkFast fails t when Words, Parse or the fast path of Words disagree
// with the reference on s.
func checkFast(t *testing.T, s string) {
	t.Helper()
	want := wordsSlow(s)
	if got := Words(s); !reflect.DeepEqual(got, want) {
		t.Fatalf("Words(%q)\n got %#v\nwant %#v", s, got, want)
	}
	if got, ok := appendWordsFast(nil, s); ok && !reflect.DeepEqual(got, want) {
		t.Fatalf("appendWordsFast(%q)\n got %#v\nwant %#v", s, got, want)
	}
	for _, c := range classes {
		if got, want := Parse(s, c), parseSlow(s, c); !reflect.DeepEqual(got, want) {
			t.Fatalf("Parse(%q, %d)\n got %#v\nwant %#v", s, c, got, want)
		}
	}
}

// TestParseFastMatchesSlow compares Words and Parse with the reference
// (wordsSlow, parseSlow) over every name of the corpus, in every class.
func TestParseFastMatchesSlow(t *testing.T) {
	names := corpus(t)
	fast := 0
	for _, s := range names {
		if _, ok := appendWordsFast(nil, s); ok {
			fast++
		}
		checkFast(t, s)
	}
	t.Logf("%d names compared in %d classes, %d of them through the fast path of Words", len(names), len(classes), fast)
}

// TestFastPathTaken checks that the common names do take the fast path, so
// that the comparisons above and the benchmark exercise it.
func TestFastPathTaken(t *testing.T) {
	for _, s := range append(append([]string{}, commonNames...), generatedNames(t, 500)...) {
		if _, ok := appendWordsFast(nil, s); !ok {
			t.Errorf("%q does not take the fast path", s)
		}
	}
	for _, s := range []string{"Сергей", "习近平", "Ｓｉｅｍｅｎｓ", "e\u0301", "bad\xff", "Ĳssel", "a\u00a0b"} {
		if _, ok := appendWordsFast(nil, s); ok {
			t.Errorf("%q takes the fast path", s)
		}
	}
}

// fastAlphabet returns the runes the fast path of Words handles: all of
// ASCII and the non-ASCII runes fastRunes and fastRuneExtra accept.
func fastAlphabet() []rune {
	var rs []rune
	for r := rune(0); r < utf8.RuneSelf; r++ {
		rs = append(rs, r)
	}
	for r := rune(fastRuneLo); r < fastRuneHi; r++ {
		if fastRunes[r-fastRuneLo].kind != runeOther {
			rs = append(rs, r)
		}
	}
	for r := range fastRuneExtra {
		rs = append(rs, r)
	}
	slices.Sort(rs)
	return rs
}

// TestFastRunesStable checks the claim the fast path of Words rests on:
// NFKC and width folding leave every string of its runes unchanged. Both
// work on adjacent runes at most for such runes (all starters), so every
// rune alone and every pair is checked, then random longer strings.
func TestFastRunesStable(t *testing.T) {
	rs := fastAlphabet()
	if len(rs) < 128+300 {
		t.Fatalf("only %d runes in the fast alphabet", len(rs))
	}
	stable := func(s string) bool {
		return norm.NFKC.String(s) == s && width.Fold.String(s) == s
	}
	for _, a := range rs {
		if !stable(string(a)) {
			t.Fatalf("%U %q changes under NFKC or width folding", a, a)
		}
		for _, b := range rs {
			if s := string([]rune{a, b}); !stable(s) {
				t.Fatalf("%q changes under NFKC or width folding", s)
			}
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		r := make([]rune, 1+rng.IntN(12))
		for i := range r {
			r[i] = rs[rng.IntN(len(rs))]
		}
		if s := string(r); !stable(s) {
			t.Fatalf("%q changes under NFKC or width folding", s)
		}
	}
	// Runes left to the slow path on purpose.
	for _, r := range []rune{'´', 'ª', 'Ĳ', 'ſ', 0xA0, 'Ǆ', '\u0301', 'Ж', '・'} {
		if lookupFastRune(r).kind != runeOther {
			t.Errorf("%U %q is in the fast alphabet", r, r)
		}
	}
}

// TestFastRandom compares Words and Parse with the reference over random
// strings drawn from the fast alphabet and from name-like pieces: words of
// the tables Parse consults, initials, dots, apostrophes and separators.
func TestFastRandom(t *testing.T) {
	rs := fastAlphabet()
	var pieces []string
	for _, m := range []map[string]bool{titles, particles, stopwords, orgWords, romanNumerals, legalWords} {
		for w := range m {
			pieces = append(pieces, w)
		}
	}
	for k := range legalForms {
		pieces = append(pieces, k, strings.ToUpper(k), strings.ReplaceAll(k, " ", "."))
	}
	for w := range units {
		pieces = append(pieces, w)
	}
	for w := range tens {
		pieces = append(pieces, w)
	}
	for w := range personVariantOf {
		pieces = append(pieces, w)
	}
	pieces = append(pieces, commonNames...)
	pieces = append(pieces, "a.", "B.", "c", "é.", "1.", "1st", "2nd", "44", "0", "7", "Ig0r", "&", "'", "’", ".", ",", "-", "–", " ", "  ", "\t", "Müller", "ß", "Ø")
	slices.Sort(pieces)
	seps := []string{" ", " ", " ", ".", ". ", "-", ", ", "&", "'", ""}
	rng := rand.New(rand.NewPCG(5, 6))
	n := 30000
	if testing.Short() {
		n = 3000
	}
	for i := range n {
		var b strings.Builder
		for k := range 1 + rng.IntN(6) {
			if k > 0 {
				b.WriteString(seps[rng.IntN(len(seps))])
			}
			if i%3 == 0 {
				for range 1 + rng.IntN(5) {
					b.WriteRune(rs[rng.IntN(len(rs))])
				}
				continue
			}
			p := pieces[rng.IntN(len(pieces))]
			if rng.IntN(4) == 0 {
				p = strings.ToUpper(p)
			}
			if rng.IntN(8) == 0 && len(p) > 4 {
				// A typo, as in a misspelt legal form.
				j := rng.IntN(len(p) - 1)
				p = p[:j] + p[j+1:]
			}
			b.WriteString(p)
		}
		checkFast(t, b.String())
	}
}

// TestWithinOneEdit checks withinOneEdit against Distance over every pair
// of strings of up to four letters from a three-letter alphabet and random
// longer ones.
func TestWithinOneEdit(t *testing.T) {
	var strs []string
	var gen func(p string)
	gen = func(p string) {
		strs = append(strs, p)
		if len(p) < 4 {
			for _, c := range "abc" {
				gen(p + string(c))
			}
		}
	}
	gen("")
	rng := rand.New(rand.NewPCG(7, 8))
	for range 2000 {
		b := make([]byte, 5+rng.IntN(6))
		for i := range b {
			b[i] = "abcd"[rng.IntN(4)]
		}
		strs = append(strs, string(b))
	}
	for _, a := range strs {
		for _, b := range strs {
			if abs(len(a)-len(b)) > 1 && len(a) > 4 {
				continue
			}
			if got, want := withinOneEdit(a, b), Distance(a, b) <= 1; got != want {
				t.Fatalf("withinOneEdit(%q, %q) = %v, Distance %d", a, b, got, Distance(a, b))
			}
		}
	}
}

// TestFoldAppend checks appendFold and appendSkeleton against Fold and
// Skeleton over every string of up to five letters of an alphabet that
// every fold rule and the leading-i rule can act on.
func TestFoldAppend(t *testing.T) {
	const alpha = "aeiouyhkcsdzgjtpqw"
	var gen func(p string)
	gen = func(p string) {
		b := []byte("prefix")
		b = appendFold(b, p)
		if got := string(b[6:]); got != Fold(p) {
			t.Fatalf("appendFold(%q) = %q, want %q", p, got, Fold(p))
		}
		fe := len(b)
		if got := string(appendSkeleton(b, 6, fe)[fe:]); got != Skeleton(p) {
			t.Fatalf("appendSkeleton(%q) = %q, want %q", p, got, Skeleton(p))
		}
		if len(p) < 4 {
			for i := 0; i < len(alpha); i++ {
				gen(p + alpha[i:i+1])
			}
		}
	}
	gen("")
}

// TestMayBeSimilar checks that mayBeSimilar never rules out a pair whose
// Similarity reaches 0.88: every long legal form against its own one- and
// two-edit variants and random tokens.
func TestMayBeSimilar(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	edit := func(s string) string {
		b := []byte(s)
		switch j := rng.IntN(len(b)); rng.IntN(4) {
		case 0:
			b[j] = byte('a' + rng.IntN(26))
		case 1:
			b = append(b[:j], b[j+1:]...)
		case 2:
			b = slices.Insert(b, j, byte('a'+rng.IntN(26)))
		default:
			if j+1 < len(b) {
				b[j], b[j+1] = b[j+1], b[j]
			}
		}
		return string(b)
	}
	near := 0
	for _, f := range longLegalForms {
		for range 5000 {
			tok := edit(f)
			if rng.IntN(2) == 0 {
				tok = edit(tok)
			}
			if Similarity(f, tok) >= 0.88 {
				near++
				if !mayBeSimilar(f, tok) {
					t.Fatalf("mayBeSimilar(%q, %q) = false, Similarity %v", f, tok, Similarity(f, tok))
				}
			}
			if got, want := fuzzyLegalFormFast(tok), fuzzyLegalForm(tok); got != want {
				t.Fatalf("fuzzyLegalFormFast(%q) = %q, want %q", tok, got, want)
			}
		}
	}
	if near == 0 {
		t.Fatal("no pair reached the similarity")
	}
}

// TestWordFlags checks that wordFlags agrees with the tables it stands for.
func TestWordFlags(t *testing.T) {
	words := map[string]bool{"": true, "zzz": true}
	for _, m := range []map[string]bool{titles, particles, stopwords, orgWords, romanNumerals, legalWords} {
		for w := range m {
			words[w] = true
		}
	}
	for k := range legalForms {
		words[k] = true
		for _, f := range strings.Fields(k) {
			words[f] = true
		}
		if strings.Join(strings.Fields(k), " ") != k {
			t.Errorf("legal form %q is not single-spaced", k)
		}
	}
	for w := range personVariantOf {
		words[w] = true
	}
	for w := range variantOf {
		words[w] = true
		if _, ok := personVariantOf[w]; !ok {
			t.Errorf("%q is a variant for organisations only", w)
		}
	}
	for w := range words {
		f := wordFlags[w]
		_, unit := units[w]
		_, ten := tens[w]
		_, variant := personVariantOf[w]
		first := false
		for k := range legalForms {
			if fs := strings.Fields(k); len(fs) > 1 && fs[0] == w {
				first = true
			}
		}
		checks := []struct {
			flag uint16
			want bool
		}{
			{flagTitle, titles[w]}, {flagParticle, particles[w]}, {flagStop, stopwords[w]}, {flagOrgWord, orgWords[w]},
			{flagRoman, romanNumerals[w]}, {flagLegalWord, legalWords[w]}, {flagNumber, unit || ten},
			{flagLegalForm, IsLegalForm(w) && !strings.Contains(w, " ")}, {flagLegalFirst, first}, {flagVariant, variant},
		}
		for _, c := range checks {
			if (f&c.flag != 0) != c.want {
				t.Errorf("wordFlags[%q] flag %#x: %v, want %v", w, c.flag, f&c.flag != 0, c.want)
			}
		}
	}
}

// FuzzParseFast asserts that Words and Parse equal the reference for any
// string.
func FuzzParseFast(f *testing.F) {
	for _, s := range append(append([]string{}, commonNames...), trickyNames[:60]...) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkFast(t, s)
	})
}

// TestLongLegalFormsSorted: fuzzyLegalForm takes the first alike form, so
// the forms' order must be fixed, not the legalForms map's iteration order
// (which differs from run to run).
func TestLongLegalFormsSorted(t *testing.T) {
	if len(longLegalForms) == 0 {
		t.Fatal("no long legal forms")
	}
	if !slices.IsSorted(longLegalForms) {
		t.Fatalf("longLegalForms not sorted: %q", longLegalForms)
	}
}
