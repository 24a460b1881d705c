package vigil

import (
	"slices"
	"strconv"
	"strings"
)

// Query is what a screening path asks the matcher: a name and whatever else is
// known of the person or thing.
type Query struct {
	Name        string `json:"name"`
	DOB         string `json:"dob,omitempty"`         // YYYY, YYYY-MM or YYYY-MM-DD
	Nationality string `json:"nationality,omitempty"` // ISO alpha-2 or a country name
	Gender      string `json:"gender,omitempty"`
	ID          string `json:"id,omitempty"` // an identity document number
	Kind        Kind   `json:"kind,omitempty"`
	// Threshold overrides the matcher's default when > 0.
	Threshold float64 `json:"threshold,omitempty"`
	// Limit caps the number of matches when > 0.
	Limit int `json:"limit,omitempty"`
	// Filter, when set, limits the screen to some lists, programmes or
	// measures. (A pointer keeps Query comparable.)
	Filter *Filter `json:"filter,omitempty"`
}

// Filter limits a screen to some listings. Each part left empty lets every
// listing through; a listing passes when it passes every part given.
type Filter struct {
	// Lists are list keys ("ofac_sdn") or sources ("ofac": every OFAC list).
	Lists []string `json:"lists,omitempty"`
	// Programs are programme names, compared without regard to case.
	Programs []string `json:"programs,omitempty"`
	// Measures: the listing imposes one of them (--measure travel_ban for
	// border use).
	Measures []Measure `json:"measures,omitempty"`
}

// Empty reports whether the filter lets every listing through.
func (f *Filter) Empty() bool {
	return f == nil || len(f.Lists) == 0 && len(f.Programs) == 0 && len(f.Measures) == 0
}

// Allows reports whether the listing e, on list, passes the filter.
func (f *Filter) Allows(e *Entity, list string) bool {
	if f == nil {
		return true
	}
	if len(f.Lists) > 0 && !slices.ContainsFunc(f.Lists, func(l string) bool { return l == list || l == e.Source }) {
		return false
	}
	if len(f.Programs) > 0 && !slices.ContainsFunc(f.Programs, func(p string) bool {
		return slices.ContainsFunc(e.Programs, func(x string) bool { return strings.EqualFold(x, p) })
	}) {
		return false
	}
	return len(f.Measures) == 0 || slices.ContainsFunc(f.Measures, e.HasMeasure)
}

// Feature is one piece of evidence in a match explanation.
type Feature struct {
	Feature string  `json:"feature"`
	Score   float64 `json:"score"`
	Detail  string  `json:"detail"`
}

// Match is one listed entity that a query may be.
type Match struct {
	EntityID string `json:"entity_id"`
	Source   string `json:"source"`
	Ref      string `json:"ref"`
	Kind     Kind   `json:"kind"`
	// Name is the entity's primary name; MatchedName the name (alias, script)
	// that matched the query.
	Name        string    `json:"name"`
	MatchedName string    `json:"matched_name"`
	Score       float64   `json:"score"`
	Explanation []Feature `json:"explanation"`
	// ListVersion is the label of the list version the entity came from.
	ListVersion string `json:"list_version"`
	// Measures the listing imposes (travel ban, asset freeze, …).
	Measures []Measure `json:"measures,omitempty"`
	Programs []string  `json:"programs,omitempty"`
	// Subject is the id of the listed subject that holds the entity (see
	// ListedSubject), set by the screening paths that group by subject.
	Subject string `json:"subject,omitempty"`
}

// Screener answers queries against the loaded lists.
type Screener interface {
	Screen(q Query) []Match
}

// QueryProblem is a value of a Query that screening cannot use: a date of
// birth that is no date, a nationality that names no country, a gender
// other than male or female, an unknown kind, or a name with nothing to
// screen. Whoever builds the query decides what follows: the API refuses
// it, a batch row is screened without the value and says so, a traveller is
// referred.
type QueryProblem struct {
	// Field is the Query's JSON field: "name", "dob", "nationality",
	// "gender" or "kind".
	Field string `json:"field"`
	// Value is the value as given.
	Value string `json:"value"`
	// Reason says what is wrong, e.g. "is not a date".
	Reason string `json:"reason"`
}

// String describes the problem, e.g. `dob "1957-02-30" is not a date
// (February 1957 has 28 days)`.
func (p QueryProblem) String() string {
	return p.Field + " " + strconv.Quote(p.Value) + " " + p.Reason
}
