package names

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	cases := map[string]string{
		"Сергей Шойгу":           "sergei shoigu",
		"Recep Tayyip Erdoğan":   "recep tayyip erdogan",
		"  Jean-Marie   LE PEN ": "jean marie le pen",
		"Al Qa'ida":              "al qaida",
		"A.B.C. Company":         "abc company",
		"AT&T Inc.":              "at and t inc",
		"习近平":                    "xi jinping",
		"김정은":                    "kim jeong eun",
		"Ｓｉｅｍｅｎｓ":                "siemens",
		"Łukasz Øster ß":         "lukasz oster ss",
	}
	for in, want := range cases {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestArabicRomanisation(t *testing.T) {
	got := Tokens("قاسم سلیمانی")
	if len(got) != 2 {
		t.Fatalf("Tokens = %q, want two words", got)
	}
	if Skeleton(got[0]) != Skeleton("qasem") || Skeleton(got[1]) != Skeleton("soleimani") {
		t.Errorf("skeletons %q %q differ from Qasem Soleimani's %q %q", Skeleton(got[0]), Skeleton(got[1]), Skeleton("qasem"), Skeleton("soleimani"))
	}
	if got := Normalize("عبد الفتاح السيسي"); !strings.Contains(got, "al sisi") {
		t.Errorf("article not split: %q", got)
	}
}

func TestSkeletonMeetsVariants(t *testing.T) {
	groups := [][]string{
		{"qasem", "qassem", "ghasem", "kasem"},
		{"soleimani", "suleimani", "sulaimani", "soleymani"},
		{"mohammed", "muhammad", "mohamad"},
	}
	for _, g := range groups {
		for _, v := range g[1:] {
			if Skeleton(v) != Skeleton(g[0]) {
				t.Errorf("Skeleton(%q) = %q, Skeleton(%q) = %q", v, Skeleton(v), g[0], Skeleton(g[0]))
			}
		}
	}
	if Skeleton("daniel") == Skeleton("donald") {
		t.Error("daniel and donald share a skeleton")
	}
	if Fold("yevgeniy") != Fold("evgeny") {
		t.Errorf("Fold: %q vs %q", Fold("yevgeniy"), Fold("evgeny"))
	}
}

func TestVariants(t *testing.T) {
	vs := Variants("muhammad")
	if vs[0] != "muhammad" || len(vs) < 3 {
		t.Errorf("Variants(muhammad) = %v", vs)
	}
	if vs := Variants("zzyzx"); len(vs) != 1 {
		t.Errorf("Variants(zzyzx) = %v", vs)
	}
}

func TestParseTags(t *testing.T) {
	ps := Parse("General Dr. Ali Bin Hassan", PersonClass)
	tags := []Tag{TagTitle, TagTitle, TagName, TagParticle, TagName}
	if len(ps) != len(tags) {
		t.Fatalf("Parse: %d parts, want %d: %+v", len(ps), len(tags), ps)
	}
	for i, p := range ps {
		if p.Tag != tags[i] {
			t.Errorf("part %d %q: tag %s, want %s", i, p.Text, p.Tag, tags[i])
		}
	}
	org := Parse("OAO Tactical Missiles Joint Stock Company", OrgClass)
	if org[0].Tag != TagLegal || org[len(org)-1].Tag != TagLegal || org[0].Key != org[len(org)-1].Key {
		t.Errorf("legal forms: %+v", org)
	}
	if n := Parse("Brigade Forty-Four", OrgClass); n[1].Key != "44" {
		t.Errorf("number words: %+v", n)
	}
}

func TestWordClasses(t *testing.T) {
	if !IsTitle("sheikh") || !IsTitle("maulavi") || IsTitle("ali") {
		t.Error("IsTitle")
	}
	if !IsLegalForm("gmbh") || !IsLegalForm("limited liability company") || IsLegalForm("bank") {
		t.Error("IsLegalForm")
	}
	if LegalForm("ooo") != LegalForm("llc") {
		t.Error("ooo and llc differ")
	}
	if !IsStopword("of") || IsStopword("putin") {
		t.Error("IsStopword")
	}
}

func TestDistance(t *testing.T) {
	cases := []struct {
		a, b string
		d    int
	}{{"", "", 0}, {"abc", "", 3}, {"putin", "pulin", 1}, {"marcon", "macron", 1}, {"kitten", "sitting", 3}}
	for _, c := range cases {
		if got := Distance(c.a, c.b); got != c.d {
			t.Errorf("Distance(%q,%q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
	if s := VowelSimilarity("qaeda", "qaida"); s <= Similarity("qaeda", "qaida") {
		t.Errorf("VowelSimilarity %v not above Similarity", s)
	}
	if j := JaroWinkler("martha", "marhta"); j < 0.96 || j > 0.97 {
		t.Errorf("JaroWinkler(martha, marhta) = %v, want ≈0.961", j)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Сергей Шойгу", "قاسم سلیمانی", "习近平", "김정은", "A.B.C.", "Ｓ.", "..", "a.b", "ال", "\xff\xfe", "forty four", "1st"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if !utf8.ValidString(n) {
			t.Fatalf("invalid UTF-8 from %q", s)
		}
		for i := 0; i < len(n); i++ {
			c := n[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == ' ') {
				t.Fatalf("Normalize(%q) = %q: byte %q", s, n, c)
			}
		}
		if strings.Contains(n, "  ") || strings.HasPrefix(n, " ") || strings.HasSuffix(n, " ") {
			t.Fatalf("Normalize(%q) = %q: bad spacing", s, n)
		}
		if Normalize(n) != n {
			t.Fatalf("not idempotent: %q → %q → %q", s, n, Normalize(n))
		}
		for _, c := range []Class{AnyClass, PersonClass, OrgClass} {
			for _, p := range Parse(s, c) {
				if p.Key == "" {
					t.Fatalf("Parse(%q): empty key %+v", s, p)
				}
				_ = Skeleton(p.Key)
			}
		}
	})
}

func TestFuzzyLegalForms(t *testing.T) {
	cases := []struct {
		in, want string // want: the legal class of the part, or "" for none
	}{
		{"Limited Liabiity Company Ayaks", "llc"},
		{"Joynt Stock Company Polimer", "jsc"},
		{"Tactical Missiles Joint Stock Compan", "jsc"},
		{"Aksionernoe Obshchestvo Pyezo", "jsc"},
		{"Ayaks Limitted", "ltd"},
		{"Joyner Stock", ""},      // one typo, no legal form around it
		{"Joynt Stok Compan", ""}, // every word misspelt: not recognised
		{"Compny Ayaks", ""},      // a short one-word form needs the exact spelling
	}
	for _, c := range cases {
		got := ""
		for _, p := range Parse(c.in, OrgClass) {
			if p.Tag == TagLegal {
				got = p.Key
				if strings.Contains(p.Text, "ayaks") || strings.Contains(p.Text, "pyezo") {
					t.Errorf("%q: legal part %q swallowed the name", c.in, p.Text)
				}
			}
		}
		if c.want == "" && got != "" {
			t.Errorf("%q: legal form %q found, want none", c.in, got)
		}
		if c.want != "" && got != c.want {
			t.Errorf("%q: legal form %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCanonicalGroups(t *testing.T) {
	if Canonical("alex") != Canonical("aleksandr") || Canonical("alexander") != Canonical("oleksandr") {
		t.Errorf("alex %q, aleksandr %q, alexander %q, oleksandr %q: want one group",
			Canonical("alex"), Canonical("aleksandr"), Canonical("alexander"), Canonical("oleksandr"))
	}
	if CanonicalFor("will", OrgClass) != "will" || Canonical("will") != Canonical("william") {
		t.Errorf("will: org %q, person %q (william %q)", CanonicalFor("will", OrgClass), Canonical("will"), Canonical("william"))
	}
	if CanonicalFor("muhammad", OrgClass) != Canonical("mohamed") {
		t.Errorf("spelling variants must hold for organisations too")
	}
}

// TestHasWords: a name of punctuation, symbols or marks alone has no word;
// one letter or digit in any script has.
func TestHasWords(t *testing.T) {
	for s, want := range map[string]bool{
		"": false, " ": false, "---": false, "...": false, "?!": false, "\u0301": false, "\u200d": false, "☃": false,
		"x": true, "7": true, "Ё": true, "Сергей": true, "قاسم": true, "习": true, "김": true, "&": true, "A.B.": true,
	} {
		if got := HasWords(s); got != want {
			t.Errorf("HasWords(%q) = %v, want %v (Words %q)", s, got, want, Words(s))
		}
	}
}

// FuzzHasWords holds HasWords's ASCII shortcut to Words.
func FuzzHasWords(f *testing.F) {
	for _, s := range []string{"", "---", "x", "\u0301a", "Сергей", "☃", "'", "A'", "\xff", "ـ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := HasWords(s), len(Words(s)) > 0; got != want {
			t.Fatalf("HasWords(%q) = %v, Words = %q", s, got, Words(s))
		}
	})
}
