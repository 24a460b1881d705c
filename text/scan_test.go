package text

import (
	"strings"
	"sync"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

var (
	fixOnce    sync.Once
	fixScanner *Scanner
)

// fixture returns a Scanner over a small invented entity set.
func fixture(tb testing.TB) *Scanner {
	tb.Helper()
	fixOnce.Do(func() {
		person := func(id string, ns ...string) vigil.Entity {
			e := vigil.Entity{ID: "test:" + id, Source: "test", Ref: id, Kind: vigil.KindPerson}
			for _, n := range ns {
				e.Names = append(e.Names, vigil.Name{Full: n})
			}
			return e
		}
		org := func(id string, ns ...string) vigil.Entity {
			e := person(id, ns...)
			e.Kind = vigil.KindOrganization
			return e
		}
		ents := []vigil.Entity{
			person("p1", "SOLEIMANI, Qasem", "SULAIMANI, Qasim"),
			person("p2", "PRIGOZHIN, Yevgeniy Viktorovich"),
			person("p3", "KIM JONG UN"),
			person("p4", "IVANOV, Sergei Borisovich"),
			person("p5", "SMITH, John Robert"),
			org("o1", "NORTHERN LIGHTS SHIPPING LLC"),
			org("o2", "HIZBALLAH", "HEZBOLLAH"),
			org("o3", "MINISTRY OF DEFENCE"),
			org("o4", "QASEM SOLEIMANI FOUNDATION"),
		}
		var entries []match.Entry
		var ptrs []*vigil.Entity
		for i := range ents {
			entries = append(entries, match.Entry{Entity: &ents[i], Version: "test@1"})
			ptrs = append(ptrs, &ents[i])
		}
		var err error
		fixScanner, err = New(ptrs, match.NewIndex(entries), Options{})
		if err != nil {
			panic(err)
		}
	})
	return fixScanner
}

// found returns "text=id,id" for each mention.
func found(text string, ms []Mention) []string {
	var out []string
	for _, m := range ms {
		var ids []string
		for _, x := range m.Matches {
			ids = append(ids, x.EntityID)
		}
		out = append(out, m.Text+"="+strings.Join(ids, ","))
	}
	return out
}

func TestScanFixtures(t *testing.T) {
	s := fixture(t)
	cases := []struct {
		name, text string
		want       []string
	}{
		{"title and transliteration", "Major General Qassem Soleimani arrived.",
			[]string{"Qassem Soleimani=test:p1"}},
		{"line break inside a name", "sources said General Qassem\nSoleimani left",
			[]string{"Qassem\nSoleimani=test:p1"}},
		{"possessive and coreference", "Yevgeny Prigozhin's fighters withdrew. Prigozhin’s jet crashed.",
			[]string{"Yevgeny Prigozhin=test:p2", "Prigozhin=test:p2"}},
		{"hyphenated", "North Korean leader Kim Jong-un met envoys.",
			[]string{"Kim Jong-un=test:p3"}},
		{"spaced", "Kim Jong Un spoke.", []string{"Kim Jong Un=test:p3"}},
		{"organisation", "Lebanese Hezbollah fighters and Northern Lights Shipping were named.",
			[]string{"Hezbollah=test:o2", "Northern Lights Shipping=test:o1"}},
		{"quoted surname after full name", `Qasem Soleimani spoke. "Soleimani is here," he said.`,
			[]string{"Qasem Soleimani=test:p1", "Soleimani=test:p1"}},
		{"single given names never match", "Sergei met John and Kim at the Ministry.", nil},
		{"surname alone without a full mention", "Ivanov said Smith agreed.", nil},
		{"another person with a listed given name", "Sergei Lavrov met John Kirby.", nil},
		{"office is not the ministry", "Defence Minister Sergei Shoigu.", nil},
		{"lower-case words are not names", "the prigozhin soleimani qasem", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ms := s.Scan(c.text)
			got := found(c.text, ms)
			if strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("Scan(%q) = %q, want %q", c.text, got, c.want)
			}
			for _, m := range ms {
				if c.text[m.Start:m.End] != m.Text {
					t.Errorf("offsets %d-%d give %q, not %q", m.Start, m.End, c.text[m.Start:m.End], m.Text)
				}
				for _, x := range m.Matches {
					if x.Score < DefaultThreshold || len(x.Explanation) == 0 {
						t.Errorf("%q: match %s score %.2f, %d features", m.Text, x.EntityID, x.Score, len(x.Explanation))
					}
				}
			}
		})
	}
}

func TestCoreferenceExplained(t *testing.T) {
	text := "Qasem Soleimani flew to Moscow. Later Soleimani met officials."
	ms := fixture(t).Scan(text)
	if len(ms) != 2 || ms[1].Antecedent == nil {
		t.Fatalf("mentions = %q, want a full mention and a resolved surname", found(text, ms))
	}
	if a := ms[1].Antecedent; a.Start != ms[0].Start || a.Text != "Qasem Soleimani" {
		t.Errorf("antecedent = %+v", a)
	}
	ex := ms[1].Matches[0].Explanation
	if last := ex[len(ex)-1]; last.Feature != "coreference" || !strings.Contains(last.Detail, "Qasem Soleimani") {
		t.Errorf("last feature = %+v, want the coreference", last)
	}
}

func TestSummarizeAndMark(t *testing.T) {
	text := "Qasem Soleimani met Kim Jong Un. Soleimani left."
	ms := fixture(t).Scan(text)
	sum := Summarize(ms)
	if len(sum) != 2 || sum[0].EntityID != "test:p1" || sum[0].Mentions != 2 || sum[0].Coref != 1 {
		t.Fatalf("summary = %+v", sum)
	}
	want := "[[Qasem Soleimani]]{test:p1} met [[Kim Jong Un]]{test:p3}. [[Soleimani]]{test:p1} left."
	if got := Mark(text, ms); got != want {
		t.Errorf("Mark = %q\nwant   %q", got, want)
	}
}

func TestTokenize(t *testing.T) {
	text := "Iran's Soleimani, O'Brien and Kim Jong-un; Prigozhin’s G. W. Bush\n\nNext"
	toks := Tokenize(text)
	var words []string
	for _, tk := range toks {
		if text[tk.Start:tk.End] != tk.Text {
			t.Fatalf("token %q at %d-%d", tk.Text, tk.Start, tk.End)
		}
		words = append(words, tk.Text)
	}
	want := "Iran Soleimani O'Brien and Kim Jong un Prigozhin G W Bush Next"
	if got := strings.Join(words, " "); got != want {
		t.Errorf("tokens %q, want %q", got, want)
	}
	joins := map[string]Join{"Soleimani": JoinNone, "Jong": JoinSpace, "un": JoinHyphen, "W": JoinDot, "Bush": JoinDot, "Next": JoinNone, "O'Brien": JoinNone, "and": JoinSpace}
	for _, tk := range toks {
		if j, ok := joins[tk.Text]; ok && tk.Join != j {
			t.Errorf("%q join = %d, want %d", tk.Text, tk.Join, j)
		}
	}
	if toks[2].Cap != true || toks[3].Cap != false {
		t.Errorf("Cap: %q %v, %q %v", toks[2].Text, toks[2].Cap, toks[3].Text, toks[3].Cap)
	}
}

func TestPersonNotBodyNamedAfterHim(t *testing.T) {
	s := fixture(t)
	text := "Qasem Soleimani was named."
	for _, m := range s.Scan(text) {
		for _, x := range m.Matches {
			if x.EntityID == "test:o4" {
				t.Errorf("%q matched %s, a body named after him", m.Text, x.EntityID)
			}
		}
	}
}
