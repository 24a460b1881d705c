package eval

import (
	"math/rand/v2"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/names"
)

// Variant is one generated query and the entity it should find.
type Variant struct {
	Query, Kind, Want string
	// DOB, Nationality and Gender are the wanted entity's own (its first
	// dated birth date and first nationality), for screening the variant
	// as a real screening of the listed person would.
	DOB, Nationality, Gender string
	// Ambiguous names another entity (not the same listing) that holds a
	// name containing every word of the query and no more words than the
	// name the query was made from: ranking that entity first is as right
	// as ranking Want first ("Kim Mun Chol" with the middle name dropped is
	// "Kim Chol", who is listed too), so the variant has no single answer.
	Ambiguous string
}

// Variants samples up to n persons and organisations (seeded, so the set is
// stable) and writes realistic variants of their names: a typo, swapped
// order (a person's words reversed; an organisation's legal form moved to
// the other end), a dropped middle name, an added title, the legal form
// spelt another way (or one added), romanisation variants, and the
// original-script name. Variants another entity's name answers as well are
// marked Ambiguous.
func Variants(entries []match.Entry, n int, seed uint64) []Variant {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	idx := r.Perm(len(entries))
	amb := newNameSets(entries)
	var out []Variant
	taken := 0
	for _, i := range idx {
		if taken >= n {
			break
		}
		e := entries[i].Entity
		if e.Kind != vigil.KindPerson && e.Kind != vigil.KindOrganization {
			continue
		}
		primary := e.PrimaryName()
		toks := strings.Fields(strings.NewReplacer(",", " ").Replace(primary))
		if len(toks) < 2 || lists.DetectScript(primary) != "Latn" || len(names.Tokens(primary)) < 2 {
			continue
		}
		taken++
		class := names.PersonClass
		if e.Kind != vigil.KindPerson {
			class = names.OrgClass
		}
		add := func(kind, q string) {
			if q != "" && q != primary {
				v := Variant{Query: q, Kind: kind, Want: e.ID, Ambiguous: amb.other(e, q, primary, class)}
				v.DOB, v.Nationality, v.Gender = ownFacts(e)
				out = append(out, v)
			}
		}
		// Typo in the longest word made of letters only, by letters (runes),
		// so that a typo never breaks a character or lands in punctuation.
		li := -1
		for k, t := range toks {
			if lettersOnly(t) && (li < 0 || utf8.RuneCountInString(t) > utf8.RuneCountInString(toks[li])) {
				li = k
			}
		}
		if li >= 0 && utf8.RuneCountInString(toks[li]) >= 5 {
			w := []rune(toks[li])
			p := 1 + r.IntN(len(w)-2)
			var typo []rune
			switch r.IntN(3) {
			case 0:
				typo = append(append(typo, w[:p]...), w[p+1:]...)
			case 1:
				typo = append(append(append(typo, w[:p]...), w[p+1], w[p]), w[p+2:]...)
			default:
				typo = append(append(append(typo, w[:p]...), 'e'), w[p+1:]...)
			}
			t := append([]string{}, toks...)
			t[li] = string(typo)
			add("typo", strings.Join(t, " "))
		}
		if e.Kind == vigil.KindPerson {
			// Swapped order: the words reversed ("Last First").
			rev := append([]string{}, toks...)
			for a, b := 0, len(rev)-1; a < b; a, b = a+1, b-1 {
				rev[a], rev[b] = rev[b], rev[a]
			}
			add("order", strings.Join(rev, " "))
			if len(toks) >= 3 {
				add("drop_middle", toks[0]+" "+toks[len(toks)-1])
			}
			add("title", "Dr "+primary)
			// Romanisation variants of known name parts.
			var vt []string
			changed := false
			for _, t := range names.Tokens(primary) {
				if vs := names.Variants(t); len(vs) > 1 {
					vt = append(vt, vs[1])
					changed = true
				} else {
					vt = append(vt, t)
				}
			}
			if changed {
				add("romanisation", strings.Join(vt, " "))
			}
		} else {
			ps := names.Parse(primary, names.OrgClass)
			add("order", moveLegalForm(ps))
			add("legal_form", respellLegalForm(ps, primary, r))
		}
		// The name in another script, queried as written.
		for _, nm := range e.Names[1:] {
			if s := lists.DetectScript(nm.Full); s != "" && s != "Latn" {
				add("script", nm.Full)
				break
			}
		}
	}
	return out
}

func lettersOnly(s string) bool {
	for _, c := range s {
		if !unicode.IsLetter(c) {
			return false
		}
	}
	return s != ""
}

func partTexts(ps []names.Part) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Text
	}
	return out
}

// moveLegalForm writes an organisation's name with its legal form moved to
// the other end ("JSC Sberbank" → "Sberbank JSC"), or "" when the name has
// no legal form at either end: the other words of a firm's name keep their
// order in real use.
func moveLegalForm(ps []names.Part) string {
	if len(ps) < 2 {
		return ""
	}
	t := partTexts(ps)
	last := len(ps) - 1
	switch {
	case ps[0].Tag == names.TagLegal && ps[last].Tag != names.TagLegal:
		return strings.Join(append(t[1:], t[0]), " ")
	case ps[last].Tag == names.TagLegal && ps[0].Tag != names.TagLegal:
		return strings.Join(append([]string{t[last]}, t[:last]...), " ")
	}
	return ""
}

// respellLegalForm writes an organisation's name with its legal form spelt
// another way of the same class ("OOO" → "limited liability company"), or
// with " LLC" added when it has none (not a second form after the first).
func respellLegalForm(ps []names.Part, primary string, r *rand.Rand) string {
	for i, p := range ps {
		if p.Tag != names.TagLegal {
			continue
		}
		var alts []string
		for _, s := range names.LegalFormSpellings(p.Key) {
			if s != p.Text {
				alts = append(alts, s)
			}
		}
		if len(alts) == 0 {
			return ""
		}
		t := partTexts(ps)
		t[i] = alts[r.IntN(len(alts))]
		return strings.Join(t, " ")
	}
	return primary + " LLC"
}

// nameSets finds, for a query, the entities holding a name that contains all
// of its words: an inverted index from a name word (canonical spelling,
// titles, particles, stop words and legal forms left out) to the names
// holding it.
type nameSets struct {
	words   [][]string // per name: its sorted distinct words
	entity  []*vigil.Entity
	posting map[string][]int32
}

func newNameSets(entries []match.Entry) *nameSets {
	ns := &nameSets{posting: map[string][]int32{}}
	for _, en := range entries {
		class := names.OrgClass
		if en.Entity.Kind == vigil.KindPerson {
			class = names.PersonClass
		}
		for _, nm := range en.Entity.Names {
			w := nameWords(nm.Full, class)
			if len(w) == 0 {
				continue
			}
			id := int32(len(ns.words))
			ns.words = append(ns.words, w)
			ns.entity = append(ns.entity, en.Entity)
			for _, x := range w {
				ns.posting[x] = append(ns.posting[x], id)
			}
		}
	}
	return ns
}

// nameWords returns the sorted distinct identifying words of a name.
func nameWords(s string, c names.Class) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range names.Parse(s, c) {
		if p.Tag == names.TagName || p.Tag == names.TagOrgWord || p.Tag == names.TagNumber || p.Tag == names.TagInitial {
			if !seen[p.Key] {
				seen[p.Key] = true
				out = append(out, p.Key)
			}
		}
	}
	sort.Strings(out)
	return out
}

// other returns the ID of an entity other than want (and not the same
// listing) holding a name that contains every word of query and has no more
// words than source, or "".
func (ns *nameSets) other(want *vigil.Entity, query, source string, c names.Class) string {
	q := nameWords(query, c)
	limit := len(nameWords(source, c))
	if len(q) == 0 {
		return ""
	}
	// Walk the shortest posting list.
	best := q[0]
	for _, w := range q[1:] {
		if len(ns.posting[w]) < len(ns.posting[best]) {
			best = w
		}
	}
	for _, id := range ns.posting[best] {
		e := ns.entity[id]
		if e.ID == want.ID || len(ns.words[id]) > limit || !subset(q, ns.words[id]) || sameListing(want, e) {
			continue
		}
		return e.ID
	}
	return ""
}

// subset reports whether every word of a (sorted) is in b (sorted).
func subset(a, b []string) bool {
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j == len(b) || b[j] != x {
			return false
		}
	}
	return true
}

// VariantResult is the outcome of the variant evaluation. Ambiguous
// variants (see Variant) are left out of Top1 and ByKind; AllTop1 counts
// over all N variants, an ambiguous one right only when its own entity ranks
// first.
type VariantResult struct {
	N, Ambiguous int
	// Top1 counts the unambiguous variants whose entity ranked first.
	Top1 int
	// AllTop1 counts every variant whose entity ranked first.
	AllTop1 int
	ByKind  map[string][3]int // kind → {top-1, unambiguous n, ambiguous n}
	// Misses describes every unambiguous variant whose entity did not rank
	// first.
	Misses []string
	// Scores holds, for each unambiguous variant, the score with which its
	// entity ranked first (0 when it did not), screened by name alone;
	// EvScores the same, screened with the entity's own date of birth,
	// nationality and gender. Recall at a threshold is the share of scores
	// at or above it (see AtLeast).
	Scores, EvScores []float64
}

// RunVariants screens each variant and counts those whose entity ranks first.
// Ties with the top score count, and so does a top match that is the same
// listing in another source (a name with the same normalised words as the
// wanted entity's primary name): the lists overlap heavily. Each
// unambiguous variant is screened a second time with its entity's own facts
// for EvScores.
func RunVariants(ix *match.Index, vs []Variant) VariantResult {
	res := VariantResult{ByKind: map[string][3]int{}}
	for _, v := range vs {
		ms := ix.Screen(vigil.Query{Name: v.Query, Threshold: 0.01, Limit: 20})
		ok, score := rankedFirst(ix, ms, v.Want)
		res.N++
		if ok {
			res.AllTop1++
		}
		k := res.ByKind[v.Kind]
		if v.Ambiguous != "" {
			res.Ambiguous++
			k[2]++
			res.ByKind[v.Kind] = k
			continue
		}
		k[1]++
		res.Scores = append(res.Scores, score)
		if ok {
			res.Top1++
			k[0]++
		} else {
			got := "nothing"
			if len(ms) > 0 {
				got = ms[0].EntityID + " " + ms[0].MatchedName
			}
			res.Misses = append(res.Misses, v.Kind+": "+v.Query+" → "+got+" (want "+v.Want+")")
		}
		res.ByKind[v.Kind] = k
		ems := ix.Screen(vigil.Query{Name: v.Query, DOB: v.DOB, Nationality: v.Nationality, Gender: v.Gender, Threshold: 0.01, Limit: 20})
		_, escore := rankedFirst(ix, ems, v.Want)
		res.EvScores = append(res.EvScores, escore)
	}
	return res
}

// rankedFirst reports whether entity want ranks first among ms (ties with
// the top score count, and so does a top match that is the same listing in
// another source) and with what score (0 when it does not).
func rankedFirst(ix *match.Index, ms []vigil.Match, want string) (bool, float64) {
	if len(ms) == 0 {
		return false, 0
	}
	for _, m := range ms {
		if m.Score < ms[0].Score {
			break
		}
		if m.EntityID == want {
			return true, m.Score
		}
	}
	w, _, _ := ix.Entity(want)
	top, _, _ := ix.Entity(ms[0].EntityID)
	if sameListing(w, top) {
		return true, ms[0].Score
	}
	return false, 0
}

// AtLeast is the share of scores at or above t.
func AtLeast(scores []float64, t float64) float64 {
	n := 0
	for _, s := range scores {
		if s >= t {
			n++
		}
	}
	return float64(n) / float64(max(len(scores), 1))
}

// ownFacts returns an entity's first dated birth date, first nationality
// (else citizenship) and gender, as a query would state them.
func ownFacts(e *vigil.Entity) (dob, nat, gender string) {
	for _, d := range e.BirthDates {
		if d.Year != 0 && d.ToYear == 0 && !d.Approx {
			dob = d.String()
			break
		}
	}
	switch {
	case len(e.Nationalities) > 0:
		nat = e.Nationalities[0]
	case len(e.Citizenships) > 0:
		nat = e.Citizenships[0]
	}
	return dob, nat, e.Gender
}

// sameListing reports whether b has a name with the same normalised words as
// a's primary name.
func sameListing(a, b *vigil.Entity) bool {
	if a == nil || b == nil {
		return false
	}
	key := wordSet(a.PrimaryName())
	for _, n := range b.Names {
		if wordSet(n.Full) == key {
			return true
		}
	}
	return false
}

func wordSet(s string) string {
	t := names.Tokens(s)
	sort.Strings(t)
	return strings.Join(t, " ")
}
