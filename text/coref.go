package text

import (
	"fmt"
	"sort"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/names"
)

// coreference finds short mentions of persons the text names in full: a
// name-like word outside every mention that spells the surname (the last
// word) of a person mention, with the particles written before it
// ("al-Assad"). It resolves to the nearest full mention before it, or, in a
// headline or lead that names the person before the body does, the first one
// after it. Surnames compare by folded spelling, not by phonetic key, so a
// place like "Sulaimaniya" never takes the name of a "Soleimani". Only
// tokens ending by cut are looked at, and at most budget mentions are
// returned (no limit when negative); when the budget runs out, cut becomes
// the start of the first token left.
func (s *Scanner) coreference(text string, toks []Token, spans [][2]int, ms []Mention, cut, budget int) ([]Mention, int) {
	antes := map[string][]int{} // surname spelling → person mentions, in text order
	for i, m := range ms {
		if !isPerson(m) {
			continue
		}
		if last := lastWord(text[m.Start:m.End]); last != "" {
			antes[last] = append(antes[last], i)
		}
	}
	if len(antes) == 0 {
		return nil, cut
	}
	surnames := map[string]string{} // token text → lastWord, once per scan
	// ms is in text order and without overlaps: a binary search finds the
	// mention a token may lie in.
	inMention := func(t Token) bool {
		k := sort.Search(len(ms), func(i int) bool { return ms[i].End > t.Start })
		return k < len(ms) && ms[k].Start < t.End
	}
	var out []Mention
	for _, sp := range spans {
		for i := sp[0]; i <= sp[1]; i++ {
			t := toks[i]
			if t.End > cut {
				return out, cut
			}
			if !t.Cap {
				continue
			}
			f, ok := surnames[t.Text]
			if !ok {
				f = lastWord(t.Text)
				surnames[t.Text] = f
			}
			cands := antes[f]
			if len(cands) == 0 || inMention(t) {
				continue
			}
			// The nearest full mention before the token, else the first after.
			k := sort.Search(len(cands), func(j int) bool { return ms[cands[j]].Start >= t.Start })
			pick := cands[min(k, len(cands)-1)]
			if k > 0 {
				pick = cands[k-1]
			}
			start := t.Start
			// Take in particles hyphenated or spaced before the surname.
			for j := i - 1; j >= sp[0] && names.IsParticle(lowerASCII(toks[j].Text)) && toks[j+1].Join != JoinNone; j-- {
				start = toks[j].Start
			}
			if len(out) == budget {
				return out, start
			}
			a := ms[pick]
			ref := &Span{Start: a.Start, End: a.End, Text: a.Text}
			out = append(out, Mention{Start: start, End: t.End, Text: text[start:t.End], Matches: corefMatches(a.Matches, ref), Antecedent: ref})
		}
	}
	return out, cut
}

// corefMatches copies an antecedent's matches, adding to each explanation
// the coreference that carried it over.
func corefMatches(ms []vigil.Match, ref *Span) []vigil.Match {
	out := make([]vigil.Match, len(ms))
	for i, m := range ms {
		m.Explanation = append(append([]vigil.Feature(nil), m.Explanation...), vigil.Feature{
			Feature: "coreference",
			Score:   m.Score,
			Detail:  fmt.Sprintf("surname of %q at bytes %d-%d", ref.Text, ref.Start, ref.End),
		})
		out[i] = m
	}
	return out
}

// isPerson reports whether a mention's best match is a person.
func isPerson(m Mention) bool {
	return len(m.Matches) > 0 && m.Matches[0].Kind == vigil.KindPerson
}

// lastWord returns the folded canonical spelling of the last word of s.
func lastWord(s string) string {
	ws := names.Words(s)
	if len(ws) == 0 {
		return ""
	}
	return names.Fold(names.Canonical(ws[len(ws)-1].Text))
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
