package match

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/names"
)

// scratch holds per-query accumulators, reused through a pool.
type scratch struct {
	weight  []float32 // retrieval weight per name
	stamp   []int32   // last query part that credited the name
	touched []int32
	keys    []uint64
	sims    simCache
}

func newScratch(n int) *scratch {
	return &scratch{weight: make([]float32, n), stamp: make([]int32, n), sims: simCache{}}
}

// Screen returns the entities the query may be, best first: only those at or
// above the threshold (q.Threshold, or DefaultThreshold), at most q.Limit
// (or DefaultLimit).
func (ix *Index) Screen(q vigil.Query) []vigil.Match {
	threshold := q.Threshold
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	ev := parseEvidence(q)
	qp := ix.prepareQuery(q.Name, q.Kind)

	type best struct {
		res   result
		name  int32
		score float64
	}
	byEntity := map[int32]*best{}
	s := ix.pool.Get().(*scratch)
	defer func() {
		clear(s.sims)
		ix.pool.Put(s)
	}()
	for _, ni := range ix.candidates(&qp, s) {
		nr := &ix.names[ni]
		e := ix.entries[nr.entity].Entity
		org := classOf(e.Kind) == names.OrgClass || (e.Kind == vigil.KindUnknown && q.Kind != vigil.KindPerson && classOf(q.Kind) == names.OrgClass)
		r := compare(qp, nr.p, org, s.sims)
		if b := byEntity[nr.entity]; b == nil || r.score > b.score {
			byEntity[nr.entity] = &best{res: r, name: ni, score: r.score}
		}
	}
	// An identity document match brings its entity in whatever the name.
	if ev.doc != "" {
		for _, ei := range ix.docs[ev.doc] {
			if byEntity[ei] == nil {
				e := ix.entries[ei].Entity
				var bestRes result
				var bestName int32 = -1
				for ni := range ix.names {
					if ix.names[ni].entity != ei {
						continue
					}
					r := compare(qp, ix.names[ni].p, classOf(e.Kind) == names.OrgClass, s.sims)
					if bestName < 0 || r.score > bestRes.score {
						bestRes, bestName = r, int32(ni)
					}
				}
				if bestName >= 0 {
					byEntity[ei] = &best{res: bestRes, name: bestName, score: bestRes.score}
				}
			}
		}
	}
	var out []vigil.Match
	for ei, b := range byEntity {
		if b.score < 0.5 && ev.doc == "" {
			continue
		}
		en := ix.entries[ei]
		e := en.Entity
		nr := &ix.names[b.name]
		matched := e.Names[nr.alias]
		nameScore := b.score
		feats := []vigil.Feature{{
			Feature: "name",
			Score:   round3(nameScore),
			Detail:  nameDetail(matched, nr.p.full, b.res),
		}}
		score := nameScore
		for _, f := range ev.features(e) {
			feats = append(feats, f)
			score += f.Score
		}
		if ev.doc != "" && hasDoc(e, ev.doc) {
			score = max(score, 0.97)
		}
		score = min(max(score, 0), 1)
		if score < threshold {
			continue
		}
		out = append(out, vigil.Match{
			EntityID:    e.ID,
			Source:      e.Source,
			Ref:         e.Ref,
			Kind:        e.Kind,
			Name:        e.PrimaryName(),
			MatchedName: nr.p.full,
			Score:       round3(score),
			Explanation: feats,
			ListVersion: en.Version,
			Measures:    e.Measures,
			Programs:    e.Programs,
		})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].EntityID < out[j].EntityID
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// prepareQuery parses a query name with the index's rarity weights.
func (ix *Index) prepareQuery(name string, k vigil.Kind) prepared {
	qp := prepare(name, classOf(k), nil)
	qp.ids = make([]uint32, len(qp.parts))
	for i, x := range qp.parts {
		if x.Tag == names.TagName {
			qp.weights[i] *= ix.rarity(x.Key)
		}
		// Parts the index has not seen get ids of their own, above the
		// index's.
		if id, ok := ix.tokID[x]; ok {
			qp.ids[i] = id
		} else {
			qp.ids[i] = 1<<31 | uint32(i+1)
		}
	}
	return qp
}

// candidates returns the names sharing retrieval keys with the query, the
// strongest (by summed weight of the query parts they share) first, at most
// candidatesScored of them.
func (ix *Index) candidates(qp *prepared, s *scratch) []int32 {
	credit := func(list []int32, part int32, w float32) {
		for _, ni := range list {
			if s.stamp[ni] == 0 {
				s.touched = append(s.touched, ni)
			}
			if s.stamp[ni] != part {
				s.stamp[ni] = part
				s.weight[ni] += w
			}
		}
	}
	var joined strings.Builder
	part := int32(0)
	for i := range qp.parts {
		x := &qp.parts[i]
		if !indexable(x.Tag) && x.Tag != names.TagInitial {
			continue
		}
		part++
		w := float32(qp.weights[i])
		if x.Tag == names.TagInitial {
			continue
		}
		joined.WriteString(x.Text)
		s.keys = ix.partKeys(x, s.keys[:0])
		for _, k := range s.keys {
			credit(ix.post[k], part, w)
		}
		// A query part that joins two listed parts ("vladimirputin").
		if len(x.Text) >= 6 {
			part++
			credit(ix.post[ix.hash(keyToken, x.Text)], part, w)
			for cut := 2; cut <= len(x.Text)-2; cut++ {
				a, b := ix.post[ix.hash(keyToken, x.Text[:cut])], ix.post[ix.hash(keyToken, x.Text[cut:])]
				if len(a) > 0 && len(b) > 0 {
					credit(a, part, w/2)
					credit(b, part+1, w/2)
				}
			}
			part++
		}
	}
	if part > 1 {
		part++
		credit(ix.post[ix.hash(keyToken, joined.String())], part, 1)
	}
	// Keep the names that share at least a third of the best one's weight,
	// then the strongest of those.
	var top float32
	for _, ni := range s.touched {
		top = max(top, s.weight[ni])
	}
	type cw struct {
		ni int32
		w  float32
	}
	keep := make([]cw, 0, 256)
	for _, ni := range s.touched {
		if s.weight[ni] >= top/3 {
			keep = append(keep, cw{ni, s.weight[ni]})
		}
		s.weight[ni], s.stamp[ni] = 0, 0
	}
	s.touched = s.touched[:0]
	sort.Slice(keep, func(i, j int) bool {
		if keep[i].w != keep[j].w {
			return keep[i].w > keep[j].w
		}
		return keep[i].ni < keep[j].ni
	})
	out := make([]int32, min(len(keep), candidatesScored))
	for i := range out {
		out[i] = keep[i].ni
	}
	return out
}
func round3(x float64) float64 { return float64(int(x*1000+0.5)) / 1000 }

// nameDetail describes which name matched and how.
func nameDetail(n vigil.Name, matched string, r result) string {
	role := "primary name"
	switch n.Quality {
	case vigil.QualityStrong:
		role = "alias"
	case vigil.QualityWeak:
		role = "weak alias"
	case vigil.QualityFormerly:
		role = "former name"
	}
	if n.Quality == vigil.QualityPrimary || n.Quality == "" {
		role = "primary name"
	}
	script := n.Script
	if script == "" {
		script = scriptOf(r.c)
	}
	return fmt.Sprintf("%s %q (%s): %s", role, matched, script, r.describe())
}

func scriptOf(p prepared) string {
	if p.script == "" {
		return "Latn"
	}
	return p.script
}
