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

var _ vigil.SubjectLookup = (*Subjects)(nil)

// Group groups matches by subject (vigil.GroupBySubject).
func (s *Subjects) Group(ms []vigil.Match, ix vigil.EntityLookup) []vigil.SubjectMatch {
	if s == nil {
		return vigil.GroupBySubject(ms, nil, ix)
	}
	return vigil.GroupBySubject(ms, s, ix)
}
