package link

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// docKey is one identifying number a listing gives.
type docKey struct {
	key     string // kind of number and the number normalised: "passport|F654645"
	label   string // as shown: "passport F654645"
	country string // the issuing country, where given
	// named: the holders' names must agree too (identity documents); not
	// for IMO numbers (vessels are renamed) or aircraft serial numbers,
	// whose models must agree instead (model).
	named bool
	model string
}

// docKeys returns the identifying numbers of a listing. Documents of an
// unknown type ("other") identify nothing for certain and are left out.
func docKeys(e *vigil.Entity) []docKey {
	var out []docKey
	for _, d := range e.Documents {
		switch d.Type {
		case vigil.DocPassport, vigil.DocNationalID, vigil.DocTaxID, vigil.DocRegistration:
		default:
			continue
		}
		if n := match.DocKey(d.Number); n != "" {
			out = append(out, docKey{key: d.Type + "|" + n, label: strings.ReplaceAll(d.Type, "_", " ") + " " + n, country: d.Country, named: true})
		}
	}
	if n := digits(e.IMO); len(n) == 7 {
		out = append(out, docKey{key: "imo|" + n, label: "IMO number " + n})
	}
	if e.Kind == vigil.KindAircraft {
		if n := match.DocKey(e.SerialNumber); n != "" {
			out = append(out, docKey{key: "msn|" + n, label: "aircraft serial number " + n, model: e.Model})
		}
		if n := match.DocKey(e.TailNumber); n != "" {
			out = append(out, docKey{key: "tail|" + n, label: "aircraft registration " + n, model: e.Model})
		}
	}
	return out
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// holder is a listing giving a number.
type holder struct {
	i int32
	k docKey
}

// documents returns the links of listings of different lists that give
// the same identifying number, of the same kind, with names that agree (for
// identity documents), aircraft models that agree (for aircraft numbers)
// and nothing that tells them apart. Pairs already joined by what the
// lists say (pre) are linked without weighing their names: the link only
// adds to why they are one.
func (l *linker) documents(pre *union) []edge {
	by := map[string][]holder{}
	for i := range l.ls {
		for _, k := range docKeys(l.ls[i].Entity) {
			by[k.key] = append(by[k.key], holder{int32(i), k})
		}
	}
	keys := make([]string, 0, len(by))
	for k, hs := range by {
		if len(hs) > 1 {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	type pair struct{ a, b int32 }
	seen := map[pair]bool{}
	var out []edge
	for _, key := range keys {
		hs := by[key]
		ids := map[int32]bool{}
		for _, h := range hs {
			ids[h.i] = true
		}
		if len(ids) > l.opt.MaxHolders {
			continue
		}
		for x := range hs {
			for y := x + 1; y < len(hs); y++ {
				hx, hy := hs[x], hs[y]
				i, j := hx.i, hy.i
				if i == j || l.ls[i].List == l.ls[j].List {
					continue
				}
				p := pair{min(i, j), max(i, j)}
				if seen[p] {
					continue
				}
				if hx.k.country != "" && hy.k.country != "" && hx.k.country != hy.k.country {
					continue
				}
				if l.conflicts(i, j) != "" {
					continue
				}
				detail := "both give " + hx.k.label
				if c := hx.k.country; c != "" {
					detail += " (" + c + ")"
				}
				switch {
				case pre.find(i) == pre.find(j):
					// Already one by what the lists say.
				case hx.k.named:
					s, a, b := namesAgree(l.ls[i].Entity, l.ls[j].Entity)
					if s < l.opt.DocumentName {
						continue
					}
					detail += fmt.Sprintf("; names agree %.2f (%q ~ %q)", s, a, b)
				case hx.k.model != "" && hy.k.model != "" && !modelsAgree(hx.k.model, hy.k.model):
					continue
				}
				seen[p] = true
				out = append(out, l.edge(i, j, vigil.RuleDocument, 1, detail))
			}
		}
	}
	return out
}

// modelsAgree reports whether two aircraft model names can be one model:
// the first number of each ("IL-76TD", "Ilyushin IL76-TD") is the same.
func modelsAgree(a, b string) bool {
	return firstNumber(a) == firstNumber(b)
}

func firstNumber(s string) string {
	i := strings.IndexAny(s, "0123456789")
	if i < 0 {
		return strings.ToUpper(strings.TrimSpace(s))
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	return s[i:j]
}
