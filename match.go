package vigil

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
