package eval

import (
	"sort"
	"strings"
	"unicode"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/names"
)

// ScriptCase is a name written in another script and the Latin-only OFAC
// listing of the same person it should find.
type ScriptCase struct {
	// Query is the name as written; Script names its script ("Cyrl",
	// "Arab", "Persian", "Grek", …); Want is the OFAC listing's id.
	Query, Script, Want string
	// From says where the rendering comes from: the id of the listing
	// (of another list) that prints it, or "generated".
	From string
	// Longer is set when the rendering has another number of name words
	// than the OFAC name: it renders a longer (or shorter) name of the
	// person, "Othman Ahmed Othman al-Ghamdi" for OFAC's "AL-GHAMDI,
	// Othman", which tests how names of other lengths compare more than
	// how the script is read. Such cases are reported apart.
	Longer bool
}

// nameWordCount is the number of name words of a person's name (particles,
// titles and initials aside).
func nameWordCount(s string) int {
	n := 0
	for _, p := range names.Parse(s, names.PersonClass) {
		if p.Tag == names.TagName {
			n++
		}
	}
	return n
}

// OfficialScriptCases links the names other lists print in Cyrillic or
// Arabic script to the same person's OFAC listing, where that listing holds
// Latin names only. The link does not involve the matcher: the other
// listing's primary name must have exactly the normalised words of the OFAC
// listing's primary name, both must be persons, and when both state birth
// years, one year must agree. Arabic-script names holding a
// letter only Persian uses (پ چ ژ گ ک ی) count as Persian.
func OfficialScriptCases(entries []match.Entry) []ScriptCase {
	// The Latin-only OFAC persons, by the word set of their primary name.
	ofac := map[string][]*vigil.Entity{}
	for _, en := range entries {
		e := en.Entity
		if e.Kind != vigil.KindPerson || !strings.HasPrefix(e.ID, "ofac:") || !latinOnly(e) {
			continue
		}
		if k := wordSet(e.PrimaryName()); k != "" {
			ofac[k] = append(ofac[k], e)
		}
	}
	seen := map[[2]string]bool{}
	var out []ScriptCase
	for _, en := range entries {
		e := en.Entity
		if e.Kind != vigil.KindPerson || strings.HasPrefix(e.ID, "ofac:") || strings.HasPrefix(e.ID, "us_csl:") {
			continue
		}
		var others []string
		for _, n := range e.Names {
			if s := lists.DetectScript(n.Full); s == "Cyrl" || s == "Arab" {
				others = append(others, n.Full)
			}
		}
		if len(others) == 0 {
			continue
		}
		// The other lists print a name in another script as the
		// original-script form of the primary name (UN's
		// NAME_ORIGINAL_SCRIPT, Australia's "Original Script" rows): the
		// link is through the primary name, so that the rendering is of
		// the name OFAC prints.
		var want []*vigil.Entity
		for _, o := range ofac[wordSet(e.PrimaryName())] {
			if yearsAgree(e, o) && !containsEntity(want, o) {
				want = append(want, o)
			}
		}
		for _, o := range want {
			for _, q := range others {
				k := [2]string{q, o.ID}
				if seen[k] {
					continue
				}
				seen[k] = true
				c := ScriptCase{Query: q, Script: scriptName(q), Want: o.ID, From: e.ID}
				c.Longer = nameWordCount(q) != nameWordCount(o.PrimaryName())
				out = append(out, c)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Want != out[j].Want {
			return out[i].Want < out[j].Want
		}
		return out[i].Query < out[j].Query
	})
	return out
}

func containsEntity(es []*vigil.Entity, e *vigil.Entity) bool {
	for _, x := range es {
		if x == e {
			return true
		}
	}
	return false
}

// latinOnly reports whether every name of e is written in Latin script.
func latinOnly(e *vigil.Entity) bool {
	for _, n := range e.Names {
		if s := lists.DetectScript(n.Full); s != "Latn" && s != "" {
			return false
		}
	}
	return true
}

// yearsAgree reports whether a and b share a birth year, or one of them
// states none.
func yearsAgree(a, b *vigil.Entity) bool {
	years := func(e *vigil.Entity) map[int]bool {
		m := map[int]bool{}
		for _, d := range e.BirthDates {
			for y := d.Year; y != 0 && y <= max(d.Year, d.ToYear); y++ {
				m[y] = true
			}
		}
		return m
	}
	ya, yb := years(a), years(b)
	if len(ya) == 0 || len(yb) == 0 {
		return true
	}
	for y := range ya {
		if yb[y] {
			return true
		}
	}
	return false
}

// scriptName names the script of a name for the evaluation: the
// lists.DetectScript code, with Arabic-script names holding a letter only
// Persian uses called "Persian".
func scriptName(s string) string {
	sc := lists.DetectScript(s)
	if sc == "Arab" && strings.ContainsAny(s, "پچژگکی") {
		return "Persian"
	}
	if sc == "Hani" && strings.IndexFunc(s, func(r rune) bool { return unicode.In(r, unicode.Hiragana, unicode.Katakana) }) >= 0 {
		return "Jpan"
	}
	return sc
}

// ScriptResult is the outcome of a script evaluation: per script, how many
// cases found their listing at the threshold.
type ScriptResult struct {
	// ByScript maps a script to {found, cases}.
	ByScript map[string][2]int
	// Scores holds each case's score for its listing (0: not among the
	// matches at CurveFrom), by script, for recall at other thresholds.
	Scores map[string][]float64
	// Misses describes every case not found at the threshold.
	Misses []string
}

// RunScripts screens each case's name (no other evidence) at CurveFrom and
// counts those whose listing is among the matches at threshold.
func RunScripts(ix *match.Index, cases []ScriptCase, threshold float64) ScriptResult {
	res := ScriptResult{ByScript: map[string][2]int{}, Scores: map[string][]float64{}}
	for _, c := range cases {
		ms := ix.Screen(vigil.Query{Name: c.Query, Threshold: CurveFrom, Limit: 50})
		var score float64
		for _, m := range ms {
			if m.EntityID == c.Want {
				score = m.Score
				break
			}
		}
		script := c.Script
		if c.Longer {
			script += " (longer)"
		}
		r := res.ByScript[script]
		r[1]++
		if score >= threshold {
			r[0]++
		} else {
			got := "nothing"
			if len(ms) > 0 {
				got = ms[0].EntityID + " " + ms[0].MatchedName
			}
			res.Misses = append(res.Misses, script+": "+c.Query+" (from "+c.From+") → want "+c.Want+", top "+got)
		}
		res.ByScript[script] = r
		res.Scores[script] = append(res.Scores[script], score)
	}
	return res
}

// ScriptCases returns every script case: the official renderings
// (OfficialScriptCases) and the generated ones (GeneratedScriptCases).
func ScriptCases(entries []match.Entry) []ScriptCase {
	return append(OfficialScriptCases(entries), GeneratedScriptCases(entries, 1)...)
}
