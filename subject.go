package vigil

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// RelationSameAs is the Relation type of a list's own statement that an
// entry is another listing (the EU's unitedNationId, the UK's UN
// reference, the US CSL row of an OFAC ent_num): EntityID names the other
// listing.
const RelationSameAs = "same_as"

// A ListedSubject is one person, organisation, vessel or aircraft as the
// lists hold it: the listings (entities of different lists) that are the
// same subject, and why. (A watched customer is a Subject; a listed one is
// a ListedSubject. Users read both as "subject".)
type ListedSubject struct {
	// ID is stable while the subject's listings continue ("S17").
	ID string `json:"subject"`
	// Entities are the ids of its current listings, sorted.
	Entities []string `json:"entity_ids"`
	// Links say why the listings are one subject: every link found between
	// two of them. Refused are links found but not applied (a judgement, or
	// a second listing of one list), for the analyst to weigh.
	Links   []SubjectLink `json:"links"`
	Refused []SubjectLink `json:"refused,omitempty"`
	// Judgements are the analysts' judgements in force on pairs of listings
	// that involve this subject's listings.
	Judgements []LinkJudgement `json:"judgements,omitempty"`
	// Ended is set when no current listing is left in the subject (its
	// listings were delisted, or it was merged into MergedInto).
	Ended      time.Time `json:"ended,omitzero"`
	MergedInto string    `json:"merged_into,omitempty"`
}

// LinkRule says what a link between two listings rests on.
type LinkRule string

// Link rules, strongest first.
const (
	// RuleJudgement: an analyst judged the two listings the same subject.
	RuleJudgement LinkRule = "judgement"
	// RuleSameAs: one list names the other listing as the same (the EU's
	// and the UK's UN reference numbers, the US CSL's OFAC ent_num).
	RuleSameAs LinkRule = "same_as"
	// RuleDocument: both listings give the same identity document, IMO
	// number or aircraft serial number.
	RuleDocument LinkRule = "document"
	// RuleScored: names agree strongly, with the date of birth (persons),
	// nationality or country, and kind; Score says how strongly.
	RuleScored LinkRule = "scored"
)

// Rank orders link rules, strongest first: judgements, what the lists say,
// documents, names.
func (r LinkRule) Rank() int {
	switch r {
	case RuleJudgement:
		return 0
	case RuleSameAs:
		return 1
	case RuleDocument:
		return 2
	}
	return 3
}

// SubjectLink is one reason two listings are the same subject.
type SubjectLink struct {
	// A and B are entity ids, A < B.
	A      string   `json:"a"`
	B      string   `json:"b"`
	Rule   LinkRule `json:"rule"`
	Score  float64  `json:"score"`
	Detail string   `json:"detail"`
	// Refused, when set, says why the link was not applied.
	Refused string `json:"refused,omitempty"`
}

// Verdict is an analyst's judgement on whether two listings are one subject.
type Verdict string

// Verdicts, as OpenSanctions' resolver (nomenklatura) names them.
const (
	// VerdictPositive: the same subject, whatever the automatic links say.
	VerdictPositive Verdict = "positive"
	// VerdictNegative: different subjects; no link joins them, directly or
	// through other listings.
	VerdictNegative Verdict = "negative"
	// VerdictUnsure: looked at and not decided; the automatic links stand.
	VerdictUnsure Verdict = "unsure"
)

// ParseVerdict reads a verdict ("positive", "negative", "unsure"; also
// "same", "different").
func ParseVerdict(s string) (Verdict, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "positive", "same", "yes":
		return VerdictPositive, true
	case "negative", "different", "no":
		return VerdictNegative, true
	case "unsure", "unknown", "maybe":
		return VerdictUnsure, true
	}
	return "", false
}

// LinkJudgement is an analyst's verdict on a pair of listings. The newest
// judgement on a pair is in force; judgements are keyed by entity ids, so
// they outlive the list versions they were made on.
type LinkJudgement struct {
	A       string    `json:"a"`
	B       string    `json:"b"`
	Verdict Verdict   `json:"verdict"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
	Reason  string    `json:"reason,omitempty"`
}

// OrderPair returns a and b in order, so that a pair has one spelling.
func OrderPair(a, b string) (string, string) {
	if b < a {
		return b, a
	}
	return a, b
}

// CheckJudgement orders j's pair and checks it: two different entity ids
// and a known verdict.
func CheckJudgement(j LinkJudgement) (LinkJudgement, error) {
	j.A, j.B = OrderPair(strings.TrimSpace(j.A), strings.TrimSpace(j.B))
	for _, id := range []string{j.A, j.B} {
		if s, r, ok := SplitID(id); !ok || s == "" || r == "" {
			return j, fmt.Errorf("%q is not an entity id (want LIST:REF, e.g. un:IRi.039)", id)
		}
	}
	if j.A == j.B {
		return j, fmt.Errorf("a judgement needs two different listings, not %s twice", j.A)
	}
	if _, ok := ParseVerdict(string(j.Verdict)); !ok {
		return j, fmt.Errorf("unknown verdict %q (want positive, negative or unsure)", j.Verdict)
	}
	j.Verdict, _ = ParseVerdict(string(j.Verdict))
	return j, nil
}

// SubjectCluster is one subject as the linker found it: its listings and
// the links between them, before it has an id.
type SubjectCluster struct {
	Entities []string      `json:"entity_ids"`
	Links    []SubjectLink `json:"links,omitempty"`
}

// Linking is what the linker found over the current listings: every
// cluster (a listing linked to nothing is a cluster of one), and the links
// it did not apply.
type Linking struct {
	Clusters []SubjectCluster
	// Refused are the links found and not applied, with why.
	Refused []SubjectLink
	// Notes are what the lists seem to say and is not a link (a ship given
	// its owner's UN reference): shown, never weighed.
	Notes []SubjectLink
	// Parts maps each listing linked to the list that lists a subject once
	// (its list; the list within the US CSL), for clustering again.
	Parts map[string]string
	// Versions are the labels of the list versions linked; Basis
	// fingerprints them with the judgements and the linker's rules:
	// linking the same basis again finds the same clusters.
	Versions []string
	Basis    string
}

// LinkGraph is a stored linking's listings and links: enough to cluster
// again under new judgements without finding the links again.
type LinkGraph struct {
	Parts map[string]string
	// Links are every link found, applied or refused; Notes as found.
	Links    []SubjectLink
	Notes    []SubjectLink
	Versions []string
}

// LinkingResult says what storing a Linking changed.
type LinkingResult struct {
	// Subjects counts the subjects in force; Linked those with more than
	// one listing.
	Subjects int `json:"subjects"`
	Linked   int `json:"linked"`
	// New subjects got a new id; Ended ones lost their last listing or
	// were merged into another; Changed kept their id with other listings.
	New     int `json:"new"`
	Ended   int `json:"ended"`
	Changed int `json:"changed"`
}

// LinkStore keeps the subjects the linker finds, with stable ids, and the
// analysts' judgements. Implementations: sqlite and postgres.
type LinkStore interface {
	// SaveLinking replaces the subjects in force with l's clusters, in one
	// transaction. Each cluster takes the id of the subject with which it
	// shares most listings (AssignSubjectIDs); a subject whose listings all
	// left, or that was merged, ends.
	SaveLinking(ctx context.Context, l Linking, at time.Time) (LinkingResult, error)
	// SubjectIDs maps every entity id that has been linked to its subject
	// id: the subject in force for a current listing, the last one it had
	// for a listing that left.
	SubjectIDs(ctx context.Context) (map[string]string, error)
	// ListedSubject returns a subject by id (an ended one too), with its
	// links, refused links and judgements; ErrNotFound when none.
	ListedSubject(ctx context.Context, id string) (ListedSubject, error)
	// SubjectOf returns the subject holding an entity; ErrNotFound when the
	// entity was never linked.
	SubjectOf(ctx context.Context, entityID string) (ListedSubject, error)
	// Judge records a judgement (checked with CheckJudgement); it is in
	// force from the next SaveLinking on.
	Judge(ctx context.Context, j LinkJudgement) (LinkJudgement, error)
	// Judgements returns the judgements in force: the newest on each pair.
	Judgements(ctx context.Context) ([]LinkJudgement, error)
	// LinkBasis returns the Basis of the last Linking saved ("" for none).
	LinkBasis(ctx context.Context) (string, error)
	// LinkGraph returns the last Linking saved, as a graph to cluster
	// again (a new judgement needs no new search for links).
	LinkGraph(ctx context.Context) (LinkGraph, error)
}

// AuditLinkJudgement is the audit action of an analyst's judgement on two
// listings.
const AuditLinkJudgement = "subject.judge"

// EntityLookup finds a listed entity and the label of its list version:
// the index served.
type EntityLookup interface {
	Entity(id string) (*Entity, string, bool)
}

// SubjectPrefix starts every subject id.
const SubjectPrefix = "S"

// SubjectID formats subject number n.
func SubjectID(n int64) string { return SubjectPrefix + strconv.FormatInt(n, 10) }

// SubjectNumber reads a subject id's number; ok is false for anything else.
func SubjectNumber(id string) (int64, bool) {
	s, ok := strings.CutPrefix(id, SubjectPrefix)
	if !ok || s == "" || s[0] < '1' || s[0] > '9' || len(s) > 18 {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// AssignSubjectIDs gives each cluster a subject id, so that a subject keeps
// its id while its listings continue: old maps entity ids to the subject
// ids in force before. Each old subject goes to the cluster with which it
// shares most listings (ties: the lower id, then the cluster that comes
// first); a cluster that receives none gets a new id numbered from next.
// It returns the ids by cluster and the next free number.
func AssignSubjectIDs(clusters [][]string, old map[string]string, next int64) ([]string, int64) {
	type cand struct {
		cluster int
		subject string
		num     int64
		overlap int
	}
	var cands []cand
	for i, c := range clusters {
		count := map[string]int{}
		for _, e := range c {
			if s, ok := old[e]; ok {
				count[s]++
			}
		}
		for s, n := range count {
			num, _ := SubjectNumber(s)
			cands = append(cands, cand{i, s, num, n})
		}
	}
	slices.SortFunc(cands, func(a, b cand) int {
		if a.overlap != b.overlap {
			return cmp.Compare(b.overlap, a.overlap)
		}
		if a.num != b.num {
			return cmp.Compare(a.num, b.num)
		}
		if a.subject != b.subject {
			return strings.Compare(a.subject, b.subject)
		}
		return cmp.Compare(a.cluster, b.cluster)
	})
	ids := make([]string, len(clusters))
	taken := map[string]bool{}
	for _, c := range cands {
		if ids[c.cluster] != "" || taken[c.subject] {
			continue
		}
		ids[c.cluster], taken[c.subject] = c.subject, true
		if c.num >= next {
			next = c.num + 1
		}
	}
	for i := range ids {
		if ids[i] == "" {
			ids[i] = SubjectID(next)
			next++
		}
	}
	return ids, next
}

// SubjectListing is one listing of a subject in a screening answer.
type SubjectListing struct {
	List     string `json:"list"`
	EntityID string `json:"entity_id"`
	// Version is the label of the list version served ("un@3").
	Version string `json:"version"`
	// Matched says whether this listing matched the query itself.
	Matched bool `json:"matched,omitempty"`
}

// SubjectMatch is one subject a query may be: its matching listings
// grouped, with every listing the subject has.
type SubjectMatch struct {
	// Subject is the subject id; for a listing never linked (one imported
	// only as history), the entity id.
	Subject string `json:"subject"`
	Kind    Kind   `json:"kind"`
	// Name is the best-matching name (of the best match, EntityID) and
	// Score its score.
	Name     string  `json:"name"`
	EntityID string  `json:"entity_id"`
	Score    float64 `json:"score"`
	// EntityIDs are the subject's listings in the version served, sorted;
	// Lists says which list and version holds each, and which matched.
	EntityIDs []string         `json:"entity_ids"`
	Lists     []SubjectListing `json:"lists"`
	// Measures are the measures any listing imposes, each with the lists
	// that impose it (travel bans first).
	Measures []MeasureLists `json:"measures"`
}

// MeasureLists is a measure and the lists that impose it.
type MeasureLists struct {
	Measure Measure  `json:"measure"`
	Lists   []string `json:"lists"`
}

// ListsImposing returns the lists of a subject that impose m.
func (s *SubjectMatch) ListsImposing(m Measure) []string {
	for _, x := range s.Measures {
		if x.Measure == m {
			return x.Lists
		}
	}
	return nil
}

// SubjectMember is a stored membership: the subject a listing belongs to,
// whether the listing is in a current version, and its part.
type SubjectMember struct {
	Subject string
	Current bool
	Part    string
}

// MemberWrite is a membership a store writes: listing Entity now current in
// Subject with Part; New when the store holds no row for it.
type MemberWrite struct {
	Entity, Subject, Part string
	New                   bool
}

// EndedSubject is a subject that lost every listing, and the subject that
// received most of them ("" when they all left).
type EndedSubject struct {
	ID, MergedInto string
}

// LinkingPlan is what saving a linking writes, the same in every store.
type LinkingPlan struct {
	Result      LinkingResult
	Next        int64          // the next free subject number
	NewSubjects []string       // subjects to create
	Members     []MemberWrite  // memberships that change or are new
	LeftCurrent []string       // listings no longer in a current version (they keep their last subject)
	Ended       []EndedSubject // subjects that end
}

// PlanLinking compares linking l with the stored memberships (by listing)
// and the next free subject number: a subject keeps its id while its
// listings continue (AssignSubjectIDs), and only changed memberships are
// written.
func PlanLinking(l Linking, members map[string]SubjectMember, next int64) LinkingPlan {
	old := map[string]string{} // current listings only: their subjects in force
	oldSize := map[string]int{}
	for e, m := range members {
		if m.Current {
			old[e] = m.Subject
			oldSize[m.Subject]++
		}
	}
	clusters := make([][]string, len(l.Clusters))
	for i, c := range l.Clusters {
		clusters[i] = c.Entities
	}
	var p LinkingPlan
	var ids []string
	ids, p.Next = AssignSubjectIDs(clusters, old, next)
	kept := map[string]bool{}
	placed := map[string]string{}
	for i, c := range l.Clusters {
		id := ids[i]
		kept[id] = true
		p.Result.Subjects++
		if len(c.Entities) > 1 {
			p.Result.Linked++
		}
		if oldSize[id] == 0 {
			p.Result.New++
			p.NewSubjects = append(p.NewSubjects, id)
		} else if membersChanged(c.Entities, old, id, oldSize[id]) {
			p.Result.Changed++
		}
		for _, e := range c.Entities {
			placed[e] = id
			part := l.Parts[e]
			m, ok := members[e]
			if ok && m.Current && m.Subject == id && m.Part == part {
				continue
			}
			p.Members = append(p.Members, MemberWrite{Entity: e, Subject: id, Part: part, New: !ok})
		}
	}
	for e, m := range members {
		if m.Current && placed[e] == "" {
			p.LeftCurrent = append(p.LeftCurrent, e)
		}
	}
	for sub := range oldSize {
		if !kept[sub] {
			p.Result.Ended++
			p.Ended = append(p.Ended, EndedSubject{ID: sub, MergedInto: mergedInto(sub, old, placed)})
		}
	}
	return p
}

// membersChanged reports whether a kept subject's listings differ from
// before.
func membersChanged(entities []string, old map[string]string, id string, oldN int) bool {
	if len(entities) != oldN {
		return true
	}
	for _, e := range entities {
		if old[e] != id {
			return true
		}
	}
	return false
}

// mergedInto returns the subject that received most of an ended subject's
// listings ("" when they all left).
func mergedInto(sub string, old, placed map[string]string) string {
	count := map[string]int{}
	for e, s := range old {
		if s == sub && placed[e] != "" {
			count[placed[e]]++
		}
	}
	best, n := "", 0
	for s, c := range count {
		if c > n || c == n && s < best {
			best, n = s, c
		}
	}
	return best
}
