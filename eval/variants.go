package eval

import (
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/names"
)

// Variant is one generated query and the entity it should find.
type Variant struct {
	Query, Kind, Want string
}

// Variants samples up to n persons and organisations (seeded, so the set is
// stable) and writes realistic variants of their names: a typo, swapped
// order, a dropped middle name, an added title or legal form, romanisation
// variants, and the original-script name.
func Variants(entries []match.Entry, n int, seed uint64) []Variant {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	idx := r.Perm(len(entries))
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
		add := func(kind, q string) {
			if q != "" && q != primary {
				out = append(out, Variant{Query: q, Kind: kind, Want: e.ID})
			}
		}
		// Typo in the longest word.
		li := 0
		for k, t := range toks {
			if len(t) > len(toks[li]) {
				li = k
			}
		}
		if w := toks[li]; len(w) >= 5 {
			p := 1 + r.IntN(len(w)-2)
			t := append([]string{}, toks...)
			switch r.IntN(3) {
			case 0:
				t[li] = w[:p] + w[p+1:]
			case 1:
				t[li] = w[:p] + string(w[p+1]) + string(w[p]) + w[p+2:]
			default:
				t[li] = w[:p] + "e" + w[p+1:]
			}
			add("typo", strings.Join(t, " "))
		}
		// Swapped order.
		rev := append([]string{}, toks...)
		for a, b := 0, len(rev)-1; a < b; a, b = a+1, b-1 {
			rev[a], rev[b] = rev[b], rev[a]
		}
		add("order", strings.Join(rev, " "))
		if e.Kind == vigil.KindPerson {
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
			add("legal_form", primary+" LLC")
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

// VariantResult is the outcome of the variant evaluation.
type VariantResult struct {
	N, Top1 int
	ByKind  map[string][2]int // kind → {top-1, n}
	// Misses describes every variant whose entity did not rank first.
	Misses []string
}

// RunVariants screens each variant and counts those whose entity ranks first.
// Ties with the top score count, and so does a top match that is the same
// listing in another source (a name with the same normalised words as the
// wanted entity's primary name): the lists overlap heavily.
func RunVariants(ix *match.Index, vs []Variant) VariantResult {
	res := VariantResult{ByKind: map[string][2]int{}}
	for _, v := range vs {
		ms := ix.Screen(vigil.Query{Name: v.Query, Threshold: 0.01, Limit: 20})
		ok := false
		for _, m := range ms {
			if m.Score < ms[0].Score {
				break
			}
			if m.EntityID == v.Want {
				ok = true
			}
		}
		if !ok && len(ms) > 0 {
			want, _, _ := ix.Entity(v.Want)
			top, _, _ := ix.Entity(ms[0].EntityID)
			ok = sameListing(want, top)
		}
		res.N++
		k := res.ByKind[v.Kind]
		k[1]++
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
	}
	return res
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
