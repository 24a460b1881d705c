package names

import "testing"

// Arabic and Persian letters against Latin spellings: each letter must be
// spelt by one of its readings; the Latin adds only short vowels and
// doubled consonants.
func TestAbjadSimilarity(t *testing.T) {
	same := [][2]string{
		{"پرویز", "parviz"}, {"مرتضی", "morteza"}, {"سنوار", "sinwar"}, {"وحیدی", "vahidi"},
		{"فضل", "fazl"}, {"فضل", "fadl"}, {"یوسف", "yousef"}, {"ذوالفقار", "zolfaghar"},
		{"عباس", "abbas"}, {"فاطمه", "fatemeh"}, {"جمیله", "djamila"},
	}
	for _, c := range same {
		if s := AbjadSimilarity(abjadWord(c[0]), c[1]); s < 0.85 {
			t.Errorf("%s ~ %s: %.2f, want at least 0.85", c[0], c[1], s)
		}
	}
	differ := [][2]string{
		{"پرهام", "ibrahim"}, // پ is p
		{"حسنا", "hussein"},  // a final alef
		{"کریمی", "karim"},   // a final ی
		{"صارم", "usama"},    // an initial vowel needs a letter
	}
	for _, c := range differ {
		if s := AbjadSimilarity(abjadWord(c[0]), c[1]); s >= 0.62 {
			t.Errorf("%s ~ %s: %.2f, want below 0.62", c[0], c[1], s)
		}
	}
	// French spellings write u as "ou": a long vowel the script did not
	// write costs, but less.
	if s := AbjadSimilarity(abjadWord("محمدی"), "mahmoudi"); s >= 0.9 {
		t.Errorf("محمدی ~ mahmoudi: %.2f, want below 0.9", s)
	}
}

// Persian words are read with Persian values, and و before a long vowel
// is a consonant.
func TestArabicReadings(t *testing.T) {
	for in, want := range map[string]string{
		"مرتضوی": "mrtzwi", // Persian ض is z
		"سنوار":  "snwar",  // و before alef
		"رمضان":  "rmdan",  // Arabic ض is d
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%s) = %q, want %q", in, got, want)
		}
	}
	got := AbjadSkeletons(abjadWord("فضل"))
	if len(got) != 2 || got[0] != Skeleton("fadl") || got[1] != Skeleton("fazl") {
		t.Errorf("AbjadSkeletons(فضل) = %q, want the skeletons of fadl and fazl", got)
	}
}

// The article's own part reads the article; the rest of the word reads
// without it; a run of parts reads their letters together.
func TestArabicLetters(t *testing.T) {
	ws := Words("نصیر الدین")
	if len(ws) != 3 {
		t.Fatalf("Words = %+v", ws)
	}
	if got := string(ws[1].ArabicLetters()); got != "ال" {
		t.Errorf("article part reads %q", got)
	}
	if got := string(ws[2].ArabicLetters()); got != "دین" {
		t.Errorf("rest reads %q", got)
	}
	ps := Parse("نصیر الدین", PersonClass)
	if got := ArabicRun(ps); got != "نصیرالدین" {
		t.Errorf("ArabicRun = %q", got)
	}
	if AbjadSimilarity([]rune(ArabicRun(ps)), "nasiruddin") < 0.85 {
		t.Error("نصیر الدین read together is not nasiruddin")
	}
}

// A Hangul syllable against a Latin one: every romanisation of the same
// initial consonant, vowel and final consonant, and nothing else.
func TestHangulSimilarity(t *testing.T) {
	for _, c := range []struct {
		r     rune
		latin string
		same  bool
	}{
		{'성', "song", true}, {'성', "sung", true}, {'성', "seong", true}, {'성', "sang", false},
		{'정', "jong", true}, {'정', "chung", true}, {'정', "yong", false},
		{'영', "yong", true}, {'영', "young", true}, {'영', "jong", false},
		{'이', "lee", true}, {'이', "ri", true}, {'박', "park", true}, {'철', "chol", true}, {'철', "cheol", true},
	} {
		s, ok := HangulSimilarity(c.r, c.latin)
		if !ok || (s >= 0.99) != c.same || (!c.same && s >= 0.62) {
			t.Errorf("%c ~ %s: %.2f %v, want same %v", c.r, c.latin, s, ok, c.same)
		}
	}
	if _, ok := HangulSimilarity('a', "a"); ok {
		t.Error("a Latin letter taken for a Hangul syllable")
	}
}

// The population figures: common names are common, rare ones unknown,
// spellings of one name add up, and given names have a gender.
func TestCommonness(t *testing.T) {
	for _, k := range []string{"maria", "lopez", "kim", "mohammed", "smith", "wang", "nguyen", "hosseini"} {
		g, s := Commonness(Canonical(k))
		if max(g, s) < 1e-3 {
			t.Errorf("%s: shares %g %g, want one above 1e-3", k, g, s)
		}
	}
	if g, s := Commonness("wrzesniewska"); g != 0 || s != 0 {
		t.Errorf("a rare name has shares %g %g", g, s)
	}
	if m, ok := GivenMale("mario"); !ok || m < 0.9 {
		t.Errorf("mario: %v %v", m, ok)
	}
	if m, ok := GivenMale("maria"); !ok || m > 0.1 {
		t.Errorf("maria: %v %v", m, ok)
	}
	if _, ok := GivenMale("wrzesniewska"); ok {
		t.Error("a rare name has a gender")
	}
}

// Ukrainian, Serbian and Belarusian Cyrillic are read with their own
// romanisations when a name shows a letter only that language uses.
func TestCyrillicVariants(t *testing.T) {
	for in, want := range map[string]string{
		"Григорій Іваненко": "hryhorii ivanenko",
		"Ђорђе Ћирић":       "djordje ciric",
		"Міхаіл Рыгоравіч":  "mikhail ryhoravich",
		"Сергей Шойгу":      "sergei shoigu", // Russian: unidecode
		"Predsjednik Ćirić": "predsjednik ciric",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%s) = %q, want %q", in, got, want)
		}
	}
}

// Titles in other languages and scripts are titles.
func TestForeignTitles(t *testing.T) {
	for _, in := range []string{"Президент Ивар Клаусен", "Predsjednik Ivar Klausen", "الرئيس سمير حداد", "دکتر سمير حداد", "سردار سمير حداد", "آیت الله سمير حداد"} {
		ps := Parse(in, PersonClass)
		names := 0
		for _, p := range ps {
			if p.Tag == TagName {
				names++
			}
		}
		if names != 2 {
			t.Errorf("Parse(%s) = %+v: want the title dropped from two names", in, ps)
		}
	}
}

// Greek is read with its digraphs; Hebrew and katakana letter by letter.
func TestGreekHebrewKana(t *testing.T) {
	if got := Normalize("Βλαντιμίρ Πούτιν"); got != "vladimir putin" {
		t.Errorf("Greek: %q", got)
	}
	for _, c := range [][2]string{{"ולדימיר", "vladimir"}, {"פוטין", "putin"}, {"ウラジミル", "vladimir"}, {"プーチン", "putin"}} {
		w := Words(c[0])[0]
		if s, ok := AbjadSimilarityOf(w, c[1]); !ok || s < 0.8 {
			t.Errorf("%s ~ %s: %.2f %v", c[0], c[1], s, ok)
		}
	}
	if s, _ := AbjadSimilarityOf(Words("ウラジミル")[0], "kazimir"); s >= 0.62 {
		t.Errorf("ウラジミル ~ kazimir: %.2f", s)
	}
}
