package link

import (
	"slices"

	"github.com/vigil-screening/vigil"
)

// Subjects looks up the subject of each listing for the screening paths.
// A nil *Subjects knows none: each match is then a subject of its own.
type Subjects struct {
	of      map[string]string   // entity id → subject id
	members map[string][]string // subject id → entity ids, sorted
}

// NewSubjects makes the lookup from the store's map of listings to
// subjects (vigil.LinkStore.SubjectIDs).
func NewSubjects(of map[string]string) *Subjects {
	s := &Subjects{of: of, members: make(map[string][]string, len(of))}
	for e, sub := range of {
		s.members[sub] = append(s.members[sub], e)
	}
	for _, m := range s.members {
		slices.Sort(m)
	}
	return s
}

// Of returns the subject of a listing ("" when it was never linked).
func (s *Subjects) Of(entityID string) string {
	if s == nil {
		return ""
	}
	return s.of[entityID]
}

// Members returns the listings of a subject, current or not.
func (s *Subjects) Members(subject string) []string {
	if s == nil {
		return nil
	}
	return s.members[subject]
}

// Len returns the number of subjects known.
func (s *Subjects) Len() int {
	if s == nil {
		return 0
	}
	return len(s.members)
}

var _ vigil.SubjectGrouper = (*Subjects)(nil)

// Group sets each match's Subject and returns one result per subject, in
// the order of its best match (matches come best first): its listings in
// the versions ix serves (those of the subject that ix does not hold, such
// as listings delisted since, are left out), which of them matched, the
// measures each list imposes, and the best-matching name. A listing never
// linked is a subject of its own, with Subject "".
func (s *Subjects) Group(ms []vigil.Match, ix vigil.EntityLookup) []vigil.SubjectMatch {
	out := make([]vigil.SubjectMatch, 0, len(ms))
	at := make(map[string]int, len(ms)) // group key → index in out
	for i := range ms {
		m := &ms[i]
		sub := s.Of(m.EntityID)
		m.Subject = sub
		key := sub
		if key == "" {
			key = "\x00" + m.EntityID
		}
		if k, ok := at[key]; ok {
			if !markMatched(&out[k], m.EntityID) {
				addListing(&out[k], m)
			}
			continue
		}
		at[key] = len(out)
		sm := vigil.SubjectMatch{Subject: sub, Kind: m.Kind, Name: m.MatchedName, EntityID: m.EntityID, Score: m.Score,
			Measures: map[vigil.Measure][]string{}}
		members := s.Members(sub)
		if sub == "" {
			members = []string{m.EntityID}
		}
		for _, id := range members {
			e, label, ok := ix.Entity(id)
			if !ok {
				continue
			}
			list := ListOf(label)
			sm.EntityIDs = append(sm.EntityIDs, id)
			sm.Lists = append(sm.Lists, vigil.SubjectListing{List: list, EntityID: id, Version: label, Matched: id == m.EntityID})
			for _, me := range e.Measures {
				if l := sm.Measures[me]; !slices.Contains(l, list) {
					sm.Measures[me] = append(l, list)
				}
			}
		}
		if !slices.Contains(sm.EntityIDs, m.EntityID) {
			// A match the subjects do not know as a member (linked before
			// this listing came in): it still belongs to its result.
			addListing(&sm, m)
		}
		out = append(out, sm)
	}
	for i := range out {
		for _, l := range out[i].Measures {
			slices.Sort(l)
		}
	}
	return out
}

// markMatched marks a subject's listing as matched; false when the result
// does not hold it.
func markMatched(sm *vigil.SubjectMatch, id string) bool {
	for i := range sm.Lists {
		if sm.Lists[i].EntityID == id {
			sm.Lists[i].Matched = true
			return true
		}
	}
	return false
}

// addListing adds a match's own listing to its result.
func addListing(sm *vigil.SubjectMatch, m *vigil.Match) {
	list := ListOf(m.ListVersion)
	sm.EntityIDs = append(sm.EntityIDs, m.EntityID)
	slices.Sort(sm.EntityIDs)
	sm.Lists = append(sm.Lists, vigil.SubjectListing{List: list, EntityID: m.EntityID, Version: m.ListVersion, Matched: true})
	for _, me := range m.Measures {
		if l := sm.Measures[me]; !slices.Contains(l, list) {
			sm.Measures[me] = append(l, list)
		}
	}
}
