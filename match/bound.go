package match

import (
	"strings"

	"github.com/vigil-screening/vigil/names"
)

// Credits of the fixed similarities compare gives a truncated part and an
// acronym.
var (
	creditTruncated = credit(0.8)
	creditAcronym   = credit(0.85)
)

// maxBoundParts is the most parts a name may have for nameBound to bound it
// (longer names are always compared in full).
const maxBoundParts = 32

// nameBound returns an upper bound of compare(q, c, org, sc).score for
// either org, or 2 when it cannot bound the pair cheaply (a split merge may
// apply, or a name is too long). q must be the query sc was reset for.
//
// Why it is a bound: compare's score is num/(den+pen), a sum over aligned
// pairs of w·credit(sim) over a sum of their w plus penalties for unaligned
// parts, then only lowered (legal-form mismatch, weak-evidence cap). Split
// every pair's w = (wq+wc)/2 into a query half and a listed half: each part
// then contributes, paired, (w/2·credit, w/2) where credit is at most the
// best credit any partner offers it; unpaired, (0, α·w) with α the smallest
// penalty factor (persons'); a pair whose weight is cut to the smaller side
// (initials, truncation) scales both halves down, covered by the option
// (0, 0). The best ratio over every part's independent choice, which
// relaxes the one-to-one alignment, is at least the score; it is found
// exactly by Dinkelbach's iteration.
//
// It tries first with upper bounds of the part similarities that need no
// edit distance, and only when that bound reaches cut with the exact ones.
func nameBound(q, c *prepared, sc *simCache, cut float64) float64 {
	nq, nc := len(q.parts), len(c.parts)
	if nq > maxBoundParts || nc > maxBoundParts || c.ids == nil || mayMerge(q, c) || mayMerge(c, q) {
		return 2
	}
	if b := creditBound(q, c, sc, true); b < cut {
		return b
	}
	return creditBound(q, c, sc, false)
}

// creditBound is nameBound's bound from the part similarities of the cache
// (their upper bounds, with upper).
func creditBound(q, c *prepared, sc *simCache, upper bool) float64 {
	nq, nc := len(q.parts), len(c.parts)
	var bq, bc [maxBoundParts]float64
	var zq, zc [maxBoundParts]bool
	for j := 0; j < nc; j++ {
		cp := &c.parts[j]
		row := sc.row(c.ids[j], cp, upper)
		if row == nil {
			return 2
		}
		for i, s := range row {
			if s < minPairSim {
				continue
			}
			cr := credit(s)
			bq[i], bc[j] = max(bq[i], cr), max(bc[j], cr)
			if q.parts[i].Tag == names.TagInitial || cp.Tag == names.TagInitial {
				zq[i], zc[j] = true, true
			}
		}
	}
	// truncated: the query's last part beginning a listed part.
	if i := nq - 1; i >= 1 && q.parts[i].Tag != names.TagLegal && len(q.parts[i].Text) >= 2 {
		k := q.parts[i].Text
		for j := range c.parts {
			if t := c.parts[j].Text; len(t) > len(k) && strings.HasPrefix(t, k) {
				bq[i], bc[j] = max(bq[i], creditTruncated), max(bc[j], creditTruncated)
				zq[i], zc[j] = true, true
			}
		}
	}
	acronymBound(q, c, bq[:nq], bc[:nc])
	acronymBound(c, q, bc[:nc], bq[:nq])

	lam := 0.0
	for iter := 0; iter < 50; iter++ {
		// Each part takes the option maximising a - lam·b among paired
		// (w/2·credit, w/2), unpaired (0, α·w) and, when z, (0, 0).
		var num, den float64
		for k := 0; k < nq+nc; k++ {
			var w, b, alpha float64
			var z bool
			if k < nq {
				w, b, alpha, z = q.weights[k], bq[k], extraQueryPers, zq[k]
			} else {
				w, b, alpha, z = c.weights[k-nq], bc[k-nq], extraCandPers, zc[k-nq]
			}
			bestA, bestB := 0.0, alpha*w
			bestV := -lam * bestB
			if z && bestV < 0 {
				bestA, bestB, bestV = 0, 0, 0
			}
			if b > 0 && w/2*(b-lam) > bestV {
				bestA, bestB = w/2*b, w/2
			}
			num += bestA
			den += bestB
		}
		if den == 0 {
			return lam
		}
		r := num / den
		if r <= lam {
			return lam
		}
		lam = r
	}
	return 2
}

// acronymBound raises the best credits of the parts acronyms could align:
// a part of a spelling the initials of a run of parts of b.
func acronymBound(a, b *prepared, ba, bb []float64) {
	for i := range a.parts {
		p := &a.parts[i]
		if len(p.Key) < 2 || len(p.Key) > 6 || (p.Tag != names.TagName && p.Tag != names.TagOrgWord) {
			continue
		}
		for j := 0; j+len(p.Key) <= len(b.parts); j++ {
			ok := true
			for k := 0; k < len(p.Key); k++ {
				cp := &b.parts[j+k]
				if cp.Text == "" || cp.Text[0] != p.Key[k] || cp.Tag == names.TagInitial || cp.Tag == names.TagLegal {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			ba[i] = max(ba[i], creditAcronym)
			for k := 0; k < len(p.Key); k++ {
				bb[j+k] = max(bb[j+k], creditAcronym)
			}
		}
	}
}

// mergeCand is a run of two or three adjacent parts that mergeSplits may
// join: their summed letters, the canonical spelling of the joined run and
// the first letter of the first part's consonant skeleton.
type mergeCand struct {
	l     int
	key   string
	skel0 byte
	part  names.Part // the joined part, as mergeSplits builds it
}

// mergeCands lists the runs of p that mergeSplits could join.
func mergeCands(p *prepared) []mergeCand {
	p.longest = 0
	for i := range p.parts {
		p.longest = max(p.longest, len(p.parts[i].Key))
	}
	var out []mergeCand
	var buf [64]byte
	for i := range p.parts {
		k := buf[:0]
		for n := 1; n <= 3 && i+n <= len(p.parts); n++ {
			x := &p.parts[i+n-1]
			if x.Tag == names.TagNumber {
				break
			}
			k = append(k, x.Text...)
			if n < 2 {
				continue
			}
			m := mergeCand{l: len(k), key: names.Canonical(string(k))}
			if m.key == "" {
				continue
			}
			if sk := p.parts[i].Skel; sk != "" {
				m.skel0 = sk[0]
			}
			t := string(k)
			m.part = names.Part{Word: names.Word{Text: t, Orig: t, Script: p.parts[i].Script}, Key: m.key, Tag: names.TagName}
			m.part.Fold, m.part.Skel = names.Fold(m.key), names.Skeleton(m.key)
			out = append(out, m)
		}
	}
	return out
}

// mayMerge reports whether mergeSplits(a, b) might change a: it checks the
// conditions mergeSplits asks of a run before comparing it (a.merges must
// be set by mergeCands).
func mayMerge(a, b *prepared) bool {
	if len(a.parts) < 2 || len(b.parts) == 0 {
		return false
	}
	if b.longest <= a.longest+1 {
		return false
	}
	near := func(l, slack int, c, skel byte) bool {
		for j := range b.parts {
			bp := &b.parts[j]
			if abs(len(bp.Key)-l) > slack || bp.Key == "" {
				continue
			}
			if c == 0 || bp.Key[0] == c || (bp.Skel != "" && bp.Skel[0] == skel) {
				return true
			}
		}
		return false
	}
	for i := range a.merges {
		m := &a.merges[i]
		if !near(m.l, 6, 0, 0) || !near(len(m.key), 3, m.key[0], m.skel0) {
			continue
		}
		// mergeSplits joins a run only when it spells a part of b at
		// least 0.85 alike.
		p := &m.part
		for j := range b.parts {
			bp := &b.parts[j]
			if len(bp.Key) == 0 || abs(len(bp.Key)-len(p.Key)) > 3 || (bp.Key[0] != p.Key[0] && bp.Skel != p.Skel) {
				continue
			}
			if partSimFloor(p, bp, 0.85) >= 0.85 {
				return true
			}
		}
	}
	return false
}
