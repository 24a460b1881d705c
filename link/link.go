// Package link finds the listings of different lists that are one subject:
// the same person, organisation, vessel or aircraft listed by the UN, OFAC,
// the EU, the UK and others.
//
// Links come first from what the lists themselves say (RuleSameAs: the
// EU's unitedNationId, the UK's UN reference, the US CSL row of an OFAC
// ent_num, all read as same_as relations), then from an identity document,
// IMO number or aircraft serial number that two lists give alike
// (RuleDocument, with names that agree and no date of birth against it),
// then from names that agree strongly both ways, in any script, with the
// kind and, for persons, a date of birth that agrees (RuleScored: never on
// a name alone for a person). OFAC's "Linked To" and other relations are
// relations, not identities, and link nothing.
//
// Analysts' judgements beat the automatic links: a positive one links, a
// negative one keeps two listings apart however many links would join
// them through others, an unsure one changes nothing. A scored link never
// joins two subjects that each hold a listing of the same list: one list
// lists a subject once, and a chain of near names must not gather a crowd.
//
// Link is a pure function of the listings, the index over them and the
// judgements: the same input gives the same clusters, whatever its order.
package link

import (
	"cmp"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// Listing is one entity to link and the list that holds it.
type Listing struct {
	Entity *vigil.Entity
	List   string
}

// Screener finds the listed entities a name may be: a match.Index over the
// listings being linked.
type Screener interface {
	Screen(q vigil.Query) []vigil.Match
}

// Options tune the links found from names.
type Options struct {
	// PersonName is the least name score, both ways, for a scored link of
	// two persons whose full dates of birth agree; PersonNamePartial when
	// only a year or month agrees.
	PersonName        float64
	PersonNamePartial float64
	// OtherName is the least name score, both ways, for a scored link of
	// two organisations, vessels or aircraft.
	OtherName float64
	// DocumentName is the least name score, both ways, for two listings
	// giving one identity document (IMO numbers and aircraft serial
	// numbers need none: vessels are renamed, aircraft carry registrations).
	DocumentName float64
	// MaxHolders is the most listings a document number may identify:
	// beyond it the number identifies no one (a placeholder, a shared
	// corporate number).
	MaxHolders int
	// Workers run the name queries (0: GOMAXPROCS).
	Workers int
}

// DefaultOptions are the options Vigil links with. The name bars were set
// on the shared lists by reading the pairs just above and below them (see
// TestScoredLinksNearTheBar).
var DefaultOptions = Options{
	PersonName:        0.90,
	PersonNamePartial: 0.95,
	OtherName:         0.95,
	DocumentName:      0.75,
	MaxHolders:        8,
}

// edge is one link found between listings a and b (indexes, a's id < b's).
type edge struct {
	a, b   int32
	rule   vigil.LinkRule
	score  float64
	detail string
}

// graph is what clustering needs of the listings: their ids and the list
// that lists each once (listPart).
type graph struct {
	ids  []string
	byID map[string]int32
	part []string
}

// linker holds a run's listings and what it found.
type linker struct {
	graph
	ls    []Listing
	facts []facts
	opt   Options
	// notSame are the links the lists seem to state that are not
	// identities (a ship given its owner's UN reference).
	notSame []vigil.SubjectLink
}

// Link finds the subjects among ls: every listing is in exactly one
// cluster (most alone). ix is an index over the same listings; js are the
// judgements in force (the newest on each pair).
func Link(ls []Listing, ix Screener, js []vigil.LinkJudgement, opt Options) vigil.Linking {
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	ls = distinct(ls)
	l := &linker{ls: ls, facts: make([]facts, len(ls)), opt: opt,
		graph: graph{ids: make([]string, len(ls)), byID: make(map[string]int32, len(ls)), part: make([]string, len(ls))}}
	for i := range ls {
		l.ids[i] = ls[i].Entity.ID
		l.byID[l.ids[i]] = int32(i)
		l.facts[i] = factsOf(ls[i].Entity)
		l.part[i] = listPart(ls[i])
	}
	var edges []edge
	edges = append(edges, l.sameAs()...)
	pre := newUnion(len(ls))
	for _, e := range edges {
		pre.union(e.a, e.b)
	}
	edges = append(edges, l.documents(pre)...)
	if ix != nil {
		edges = append(edges, l.scored(ix)...)
	}
	out := l.graph.cluster(edges, js)
	out.Notes = l.notSame
	return out
}

// Recluster clusters again the links a linking found (a stored
// vigil.LinkGraph) under new judgements, without finding the links again:
// it gives what Link gives over the same listings with those judgements.
func Recluster(g vigil.LinkGraph, js []vigil.LinkJudgement) vigil.Linking {
	ids := make([]string, 0, len(g.Parts))
	for id := range g.Parts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	gr := graph{ids: ids, byID: make(map[string]int32, len(ids)), part: make([]string, len(ids))}
	for i, id := range ids {
		gr.byID[id] = int32(i)
		gr.part[i] = g.Parts[id]
	}
	var edges []edge
	for _, k := range g.Links {
		a, okA := gr.byID[k.A]
		b, okB := gr.byID[k.B]
		if !okA || !okB || a == b || k.Rule == vigil.RuleJudgement {
			continue // judgements come from js
		}
		edges = append(edges, gr.edge(a, b, k.Rule, k.Score, k.Detail))
	}
	out := gr.cluster(edges, js)
	out.Notes, out.Versions = g.Notes, g.Versions
	return out
}

// distinct returns the listings with one of each entity id: an entity
// listed by two lists of its source under one id (an OFAC ent_num on the
// SDN and the consolidated list) is one listing, kept with the first list
// by name, whatever the order.
func distinct(ls []Listing) []Listing {
	at := make(map[string]int, len(ls))
	dup := false
	for i, l := range ls {
		j, ok := at[l.Entity.ID]
		if !ok || l.List < ls[j].List {
			at[l.Entity.ID] = i
		}
		dup = dup || ok
	}
	if !dup {
		return ls
	}
	out := make([]Listing, 0, len(at))
	for i, l := range ls {
		if at[l.Entity.ID] == i {
			out = append(out, l)
		}
	}
	return out
}

// sameAs returns the links the lists state: a same_as relation naming a
// listing present.
func (l *linker) sameAs() []edge {
	var out []edge
	for i := range l.ls {
		e := l.ls[i].Entity
		for _, r := range e.Relations {
			if r.Type != vigil.RelationSameAs || r.EntityID == "" {
				continue
			}
			j, ok := l.byID[r.EntityID]
			if !ok || j == int32(i) {
				continue
			}
			if k, kj := e.Kind, l.ls[j].Entity.Kind; k != kj && k != vigil.KindUnknown && kj != vigil.KindUnknown {
				// The UK gives a ship the UN reference of the company
				// whose ship it is: a relation, not the same subject.
				l.notSame = append(l.notSame, l.link(l.edge(int32(i), j, vigil.RuleSameAs, 1, fmt.Sprintf("%s (%s, %s) gives %s, a listing of a %s", e.ID, l.ls[i].List, k, sameAsWhat(r.EntityID), kj)), "not linked: the kinds differ"))
				continue
			}
			out = append(out, l.edge(int32(i), j, vigil.RuleSameAs, 1, fmt.Sprintf("%s (%s) gives %s", e.ID, l.ls[i].List, sameAsWhat(r.EntityID))))
		}
	}
	return out
}

// sameAsWhat names what a same_as relation's id is, as the list gives it.
func sameAsWhat(id string) string {
	src, ref, _ := vigil.SplitID(id)
	switch src {
	case vigil.SourceUN:
		return "UN reference number " + ref
	case vigil.SourceOFAC:
		return "OFAC ent_num " + ref
	}
	return "the listing " + id
}

// edge makes a link between listings i and j in id order.
func (g *graph) edge(i, j int32, rule vigil.LinkRule, score float64, detail string) edge {
	if g.ids[j] < g.ids[i] {
		i, j = j, i
	}
	// Scores are kept as stored (three decimals), so that clustering the
	// stored links again orders them as the first clustering did.
	return edge{a: i, b: j, rule: rule, score: round3(score), detail: detail}
}

// judgements turns judgements into positive links and negative and unsure
// pairs, leaving out those naming a listing not present.
func (l *graph) judgements(js []vigil.LinkJudgement) (pos []edge, neg, unsure []judged) {
	for _, j := range js {
		a, okA := l.byID[j.A]
		b, okB := l.byID[j.B]
		if !okA || !okB || a == b {
			continue
		}
		detail := fmt.Sprintf("%s judged %s and %s %s", orSomeone(j.By), j.A, j.B, verdictWords(j.Verdict))
		if !j.At.IsZero() {
			detail += " on " + j.At.UTC().Format("2006-01-02")
		}
		if j.Reason != "" {
			detail += ": " + j.Reason
		}
		switch j.Verdict {
		case vigil.VerdictPositive:
			pos = append(pos, l.edge(a, b, vigil.RuleJudgement, 1, detail))
		case vigil.VerdictNegative:
			neg = append(neg, judged{a, b, detail})
		case vigil.VerdictUnsure:
			unsure = append(unsure, judged{a, b, detail})
		}
	}
	return pos, neg, unsure
}

// judged is a judged pair that is not a link.
type judged struct {
	a, b   int32
	detail string
}

func orSomeone(by string) string {
	if by == "" {
		return "an analyst"
	}
	return by
}

func verdictWords(v vigil.Verdict) string {
	switch v {
	case vigil.VerdictPositive:
		return "the same subject"
	case vigil.VerdictNegative:
		return "different subjects"
	}
	return "possibly the same subject (unsure)"
}

// cluster joins listings along the edges and the positive judgements,
// strongest first, under the negative judgements and the one listing per
// list rule for scored links, and returns the clusters with the links
// inside each and the links refused.
func (l *graph) cluster(edges []edge, js []vigil.LinkJudgement) vigil.Linking {
	pos, neg, unsure := l.judgements(js)
	edges = append(pos, edges...)
	id := func(i int32) string { return l.ids[i] }
	slices.SortFunc(edges, func(x, y edge) int {
		if c := cmp.Compare(x.rule.Rank(), y.rule.Rank()); c != 0 {
			return c
		}
		if c := cmp.Compare(y.score, x.score); c != 0 {
			return c
		}
		if c := strings.Compare(id(x.a), id(y.a)); c != 0 {
			return c
		}
		if c := strings.Compare(id(x.b), id(y.b)); c != 0 {
			return c
		}
		return strings.Compare(x.detail, y.detail)
	})
	edges = slices.CompactFunc(edges, func(x, y edge) bool { return x.a == y.a && x.b == y.b && x.rule == y.rule && x.detail == y.detail })
	negs := map[int32][]judged{}
	for _, n := range neg {
		negs[n.a] = append(negs[n.a], n)
		negs[n.b] = append(negs[n.b], n)
	}
	u := newUnion(len(l.ids))
	lists := make([][]int32, len(l.ids)) // by root: one listing of each list
	for i := range lists {
		lists[i] = []int32{int32(i)}
	}
	var kept []edge
	var refused []vigil.SubjectLink
	for _, e := range edges {
		ra, rb := u.find(e.a), u.find(e.b)
		if ra == rb {
			// Every link is kept: it says why too, and a judgement that
			// clusters the stored links again may need it.
			kept = append(kept, e)
			continue
		}
		if n, ok := u.apart(ra, rb, negs); ok {
			refused = append(refused, l.link(e, "refused: "+n.detail))
			continue
		}
		if e.rule == vigil.RuleScored {
			if x, y, ok := l.sameList(lists[ra], lists[rb]); ok {
				refused = append(refused, l.link(e, fmt.Sprintf("refused: it would join %s and %s, two listings of %s (one list lists a subject once)",
					id(x), id(y), l.part[x])))
				continue
			}
		}
		r := u.union(ra, rb)
		lists[r] = append(lists[ra], lists[rb]...)
		if r == ra {
			lists[rb] = nil
		} else {
			lists[ra] = nil
		}
		kept = append(kept, e)
	}
	// Unsure judgements on pairs of one subject are shown with its links.
	for _, j := range unsure {
		if u.find(j.a) == u.find(j.b) {
			kept = append(kept, l.edge(j.a, j.b, vigil.RuleJudgement, 0, j.detail))
		} else {
			refused = append(refused, l.link(l.edge(j.a, j.b, vigil.RuleJudgement, 0, j.detail), "not linked: unsure"))
		}
	}
	byRoot := map[int32]int{}
	out := vigil.Linking{Parts: make(map[string]string, len(l.ids))}
	for i := range l.ids {
		out.Parts[l.ids[i]] = l.part[i]
		r := u.find(int32(i))
		k, ok := byRoot[r]
		if !ok {
			k = len(out.Clusters)
			byRoot[r] = k
			out.Clusters = append(out.Clusters, vigil.SubjectCluster{})
		}
		out.Clusters[k].Entities = append(out.Clusters[k].Entities, id(int32(i)))
	}
	for _, e := range kept {
		k := byRoot[u.find(e.a)]
		out.Clusters[k].Links = append(out.Clusters[k].Links, l.link(e, ""))
	}
	for i := range out.Clusters {
		slices.Sort(out.Clusters[i].Entities)
		out.Clusters[i].Entities = slices.Compact(out.Clusters[i].Entities)
	}
	slices.SortFunc(out.Clusters, func(a, b vigil.SubjectCluster) int { return strings.Compare(a.Entities[0], b.Entities[0]) })
	out.Refused = refused
	return out
}

// sameList returns a listing of xs and one of ys on the same list, if any.
func (l *graph) sameList(xs, ys []int32) (int32, int32, bool) {
	for _, x := range xs {
		for _, y := range ys {
			if l.part[x] == l.part[y] {
				return x, y, true
			}
		}
	}
	return 0, 0, false
}

// listPart is the list that lists a listing once: its list, but for the
// US CSL, which merges thirteen lists (the SDN list, the Entity List, …,
// named by the last of its Programs), the list within it.
func listPart(l Listing) string {
	if l.List == vigil.ListUSCSL && len(l.Entity.Programs) > 0 {
		return l.List + "/" + l.Entity.Programs[len(l.Entity.Programs)-1]
	}
	return l.List
}

// link turns an edge into a SubjectLink.
func (l *graph) link(e edge, refused string) vigil.SubjectLink {
	return vigil.SubjectLink{A: l.ids[e.a], B: l.ids[e.b], Rule: e.rule, Score: round3(e.score), Detail: e.detail, Refused: refused}
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }

// union is a union-find over listing indexes that keeps each set's members.
type union struct {
	parent  []int32
	members [][]int32
}

func newUnion(n int) *union {
	u := &union{parent: make([]int32, n), members: make([][]int32, n)}
	for i := range u.parent {
		u.parent[i] = int32(i)
	}
	return u
}

func (u *union) find(i int32) int32 {
	for u.parent[i] != i {
		u.parent[i] = u.parent[u.parent[i]]
		i = u.parent[i]
	}
	return i
}

// union joins the sets of a and b and returns the new root.
func (u *union) union(a, b int32) int32 {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return ra
	}
	ma, mb := u.set(ra), u.set(rb)
	if len(ma) < len(mb) {
		ra, rb, ma, mb = rb, ra, mb, ma
	}
	u.parent[rb] = ra
	u.members[ra] = append(ma, mb...)
	u.members[rb] = nil
	return ra
}

// set returns the members of the set rooted at r.
func (u *union) set(r int32) []int32 {
	if u.members[r] == nil {
		u.members[r] = []int32{r}
	}
	return u.members[r]
}

// apart returns a negative judgement between the sets rooted at ra and rb.
func (u *union) apart(ra, rb int32, negs map[int32][]judged) (judged, bool) {
	if len(negs) == 0 {
		return judged{}, false
	}
	ms, other := u.set(ra), rb
	if len(u.set(rb)) < len(ms) {
		ms, other = u.set(rb), ra
	}
	for _, m := range ms {
		for _, n := range negs[m] {
			x := n.a
			if x == m {
				x = n.b
			}
			if u.find(x) == other {
				return n, true
			}
		}
	}
	return judged{}, false
}

// parallel runs fn(i) for i in [0, n) on workers goroutines.
func parallel(n, workers int, fn func(w, i int)) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for w := range workers {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next += 16
				mu.Unlock()
				if i >= n {
					return
				}
				for k := i; k < min(i+16, n); k++ {
					fn(w, k)
				}
			}
		})
	}
	wg.Wait()
}

var _ Screener = (*match.Index)(nil)

// ListOf returns the list of a version label ("un@3" → "un").
func ListOf(label string) string {
	l, _, _ := strings.Cut(label, "@")
	return l
}

// Listings returns the listings of index entries, whose Version labels
// name their lists.
func Listings(entries []match.Entry) []Listing {
	out := make([]Listing, len(entries))
	for i, e := range entries {
		out[i] = Listing{Entity: e.Entity, List: ListOf(e.Version)}
	}
	return out
}
