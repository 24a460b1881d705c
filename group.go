package vigil

import (
	"slices"
	"strings"
)

// SubjectLookup knows the subject of each listing and the listings of each
// subject (link.Subjects).
type SubjectLookup interface {
	// Of returns the subject of a listing, "" when it was never linked.
	Of(entityID string) string
	// Members returns the listings of a subject.
	Members(subject string) []string
}

// listOfLabel returns the list of a version label ("un@3" → "un").
func listOfLabel(label string) string {
	l, _, _ := strings.Cut(label, "@")
	return l
}

// GroupBySubject sets each match's Subject (from s, nil when no subjects are
// known) and returns one result per subject, in the order of its best
// match (matches come best first): its listings in the versions ix serves
// (those ix does not hold, such as listings delisted since, are left out),
// which of them matched, the measures each list imposes, and the
// best-matching name. A listing never linked is a subject of its own, with
// Subject "".
func GroupBySubject(ms []Match, s SubjectLookup, ix EntityLookup) []SubjectMatch {
	// A query's matches hold few subjects: they are found by a linear
	// search, with no map to build per query.
	out := make([]SubjectMatch, 0, len(ms))
	for i := range ms {
		m := &ms[i]
		sub := ""
		if s != nil {
			sub = s.Of(m.EntityID)
		}
		m.Subject = sub
		k := -1
		if sub != "" {
			for j := range out {
				if out[j].Subject == sub {
					k = j
					break
				}
			}
		}
		if k >= 0 {
			if !markMatched(&out[k], m.EntityID) {
				addListing(&out[k], m)
			}
			continue
		}
		sm := SubjectMatch{Subject: sub, Kind: m.Kind, Name: m.MatchedName, EntityID: m.EntityID, Score: m.Score}
		if sub == "" {
			addListing(&sm, m)
			out = append(out, sm)
			continue
		}
		members := s.Members(sub)
		sm.EntityIDs = make([]string, 0, len(members))
		sm.Lists = make([]SubjectListing, 0, len(members))
		for _, id := range members {
			e, label, ok := ix.Entity(id)
			if !ok {
				continue
			}
			list := listOfLabel(label)
			sm.EntityIDs = append(sm.EntityIDs, id)
			sm.Lists = append(sm.Lists, SubjectListing{List: list, EntityID: id, Version: label, Matched: id == m.EntityID})
			for _, me := range e.Measures {
				sm.Measures = addMeasure(sm.Measures, me, list)
			}
		}
		if !slices.Contains(sm.EntityIDs, m.EntityID) {
			// A match the subjects do not know as a member (linked before
			// this listing came in): it still belongs to its result.
			addListing(&sm, m)
		}
		out = append(out, sm)
	}
	return out
}

// markMatched marks a subject's listing as matched; false when the result
// does not hold it.
func markMatched(sm *SubjectMatch, id string) bool {
	for i := range sm.Lists {
		if sm.Lists[i].EntityID == id {
			sm.Lists[i].Matched = true
			return true
		}
	}
	return false
}

// addListing adds a match's own listing to its result.
func addListing(sm *SubjectMatch, m *Match) {
	list := listOfLabel(m.ListVersion)
	sm.EntityIDs = append(sm.EntityIDs, m.EntityID)
	slices.Sort(sm.EntityIDs)
	sm.Lists = append(sm.Lists, SubjectListing{List: list, EntityID: m.EntityID, Version: m.ListVersion, Matched: true})
	for _, me := range m.Measures {
		sm.Measures = addMeasure(sm.Measures, me, list)
	}
}

// measureOrder is the order measures are reported in.
var measureOrder = map[Measure]int{MeasureTravelBan: 1, MeasureAssetFreeze: 2, MeasureArmsEmbargo: 3}

// addMeasure records that list imposes m, keeping the measures in
// measureOrder and each measure's lists sorted.
func addMeasure(ms []MeasureLists, m Measure, list string) []MeasureLists {
	for i := range ms {
		if ms[i].Measure == m {
			if j, found := slices.BinarySearch(ms[i].Lists, list); !found {
				ms[i].Lists = slices.Insert(ms[i].Lists, j, list)
			}
			return ms
		}
	}
	i := len(ms)
	for i > 0 && rankMeasure(ms[i-1].Measure) > rankMeasure(m) {
		i--
	}
	return slices.Insert(ms, i, MeasureLists{Measure: m, Lists: []string{list}})
}

func rankMeasure(m Measure) int {
	if r, ok := measureOrder[m]; ok {
		return r
	}
	return len(measureOrder) + 1
}
