// Package vigil holds Vigil's domain types: the listed entities read from
// official sanctions lists, list versions and their diffs, screening queries
// and matches, and the small interfaces between the parts of the system.
//
// It depends on the standard library only. Readers for each list format live
// in lists/..., name handling in names/, the matcher in match/, stores in
// sqlite/ (and later postgres/), and the HTTP service in http/.
package vigil

import (
	"fmt"
	"strings"
)

// Kind is the kind of a listed entity.
type Kind string

// The kinds of entity. Field names follow FollowTheMoney's Person,
// Organization, Vessel and Airplane schemata where they overlap.
const (
	KindUnknown      Kind = ""
	KindPerson       Kind = "person"
	KindOrganization Kind = "organization"
	KindVessel       Kind = "vessel"
	KindAircraft     Kind = "aircraft"
)

// Kinds lists the known kinds in a stable order.
var Kinds = []Kind{KindPerson, KindOrganization, KindVessel, KindAircraft}

// ParseKind maps the many spellings used by lists and users ("individual",
// "entity", "company", "ship", "Airplane", …) to a Kind.
func ParseKind(s string) (Kind, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "person", "individual", "individuals", "people", "p":
		return KindPerson, true
	case "organization", "organisation", "entity", "entities", "company", "legalentity", "legal entity", "enterprise", "e", "org":
		return KindOrganization, true
	case "vessel", "ship", "boat":
		return KindVessel, true
	case "aircraft", "airplane", "plane":
		return KindAircraft, true
	case "", "-0-", "thing", "unknown":
		return KindUnknown, true
	}
	return KindUnknown, false
}

// NameQuality says how strongly a list asserts a name.
type NameQuality string

// Name qualities.
const (
	QualityPrimary  NameQuality = "primary"  // the name the list files the entity under
	QualityStrong   NameQuality = "strong"   // a good-quality alias (a.k.a.)
	QualityWeak     NameQuality = "weak"     // a low-quality alias: nickname, partial name
	QualityFormerly NameQuality = "formerly" // a former name (f.k.a.)
)

// Name is one name of an entity: the primary name or an alias, in any script.
type Name struct {
	// Full is the whole name as the list writes it.
	Full string `json:"full"`
	// Parts, where the source gives them.
	Given      string `json:"given,omitempty"`
	Middle     string `json:"middle,omitempty"`
	Family     string `json:"family,omitempty"`
	Patronymic string `json:"patronymic,omitempty"`
	Title      string `json:"title,omitempty"`
	// Script is the ISO 15924 code of the name's script ("Latn", "Arab",
	// "Cyrl", "Hani", …); readers may leave it empty and let Normalize fill it.
	Script string `json:"script,omitempty"`
	// Lang is the ISO 639-1 language where the source states it.
	Lang    string      `json:"lang,omitempty"`
	Quality NameQuality `json:"quality"`
	Note    string      `json:"note,omitempty"`
}

// Date is a date as a list states it: exact, month or year only, a year range,
// or approximate. Zero fields are unknown.
type Date struct {
	Year  int `json:"year,omitempty"`
	Month int `json:"month,omitempty"`
	Day   int `json:"day,omitempty"`
	// ToYear, when set, makes the date the range Year..ToYear.
	ToYear int  `json:"to_year,omitempty"`
	Approx bool `json:"approx,omitempty"`
	// Text is the date as the source wrote it.
	Text string `json:"text,omitempty"`
}

// IsZero reports whether no part of the date is known.
func (d Date) IsZero() bool { return d.Year == 0 && d.Month == 0 && d.Day == 0 && d.ToYear == 0 }

// String formats the date as YYYY-MM-DD, YYYY-MM, YYYY, YYYY..YYYY, with a
// leading "~" when approximate; the source text when nothing was parsed.
func (d Date) String() string {
	var s string
	switch {
	case d.Year == 0:
		return d.Text
	case d.ToYear != 0 && d.ToYear != d.Year:
		s = fmt.Sprintf("%04d..%04d", d.Year, d.ToYear)
	case d.Day != 0:
		s = fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
	case d.Month != 0:
		s = fmt.Sprintf("%04d-%02d", d.Year, d.Month)
	default:
		s = fmt.Sprintf("%04d", d.Year)
	}
	if d.Approx {
		s = "~" + s
	}
	return s
}

// Address is a postal address. Country is ISO 3166-1 alpha-2 where known.
type Address struct {
	Street     string `json:"street,omitempty"`
	City       string `json:"city,omitempty"`
	Region     string `json:"region,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
	Country    string `json:"country,omitempty"`
	// Full is the whole address as one line, as the source gives it or joined.
	Full string `json:"full,omitempty"`
}

// Place is a place of birth. Country is ISO 3166-1 alpha-2 where known.
type Place struct {
	Text    string `json:"text"`
	Country string `json:"country,omitempty"`
}

// Document is an identity or registration document.
type Document struct {
	// Type is a normalised type: passport, national_id, tax_id, registration,
	// driving_licence, other; TypeText keeps the source's wording.
	Type     string `json:"type"`
	TypeText string `json:"type_text,omitempty"`
	Number   string `json:"number"`
	Country  string `json:"country,omitempty"`
	Issued   string `json:"issued,omitempty"`
	Expires  string `json:"expires,omitempty"`
	Note     string `json:"note,omitempty"`
}

// Document types.
const (
	DocPassport     = "passport"
	DocNationalID   = "national_id"
	DocTaxID        = "tax_id"
	DocRegistration = "registration"
	DocOther        = "other"
)

// Measure is a restriction a listing imposes.
type Measure string

// Measures.
const (
	MeasureTravelBan   Measure = "travel_ban"
	MeasureAssetFreeze Measure = "asset_freeze"
	MeasureArmsEmbargo Measure = "arms_embargo"
)

// Relation links an entity to another, e.g. OFAC's "Linked To:".
type Relation struct {
	// EntityID is the related entity's id when known ("ofac:1234"); Name the
	// related party's name as the source writes it.
	EntityID string `json:"entity_id,omitempty"`
	Name     string `json:"name,omitempty"`
	Type     string `json:"type"`
}

// Entity is one listed person, organisation, vessel or aircraft of one source.
type Entity struct {
	// ID is "SOURCE:REF", e.g. "un:IRi.039" or "ofac:10481".
	ID     string `json:"id"`
	Source string `json:"source"`
	Ref    string `json:"ref"`
	Kind   Kind   `json:"kind"`
	// Names holds the primary name first, then aliases, in every script.
	Names []Name `json:"names"`

	BirthDates    []Date     `json:"birth_dates,omitempty"`
	BirthPlaces   []Place    `json:"birth_places,omitempty"`
	Nationalities []string   `json:"nationalities,omitempty"` // ISO 3166-1 alpha-2
	Citizenships  []string   `json:"citizenships,omitempty"`  // ISO 3166-1 alpha-2
	Gender        string     `json:"gender,omitempty"`        // "male", "female"
	Positions     []string   `json:"positions,omitempty"`     // functions, designations, titles
	Addresses     []Address  `json:"addresses,omitempty"`
	Documents     []Document `json:"documents,omitempty"`

	// Vessel and aircraft fields.
	IMO          string `json:"imo,omitempty"`
	CallSign     string `json:"call_sign,omitempty"`
	Flag         string `json:"flag,omitempty"` // ISO alpha-2 where known
	VesselType   string `json:"vessel_type,omitempty"`
	Tonnage      string `json:"tonnage,omitempty"`
	GrossTonnage string `json:"gross_tonnage,omitempty"`
	Owner        string `json:"owner,omitempty"`
	TailNumber   string `json:"tail_number,omitempty"`
	SerialNumber string `json:"serial_number,omitempty"` // aircraft MSN
	Model        string `json:"model,omitempty"`

	// Listing.
	Programs  []string   `json:"programs,omitempty"`
	Measures  []Measure  `json:"measures,omitempty"`
	ListedOn  string     `json:"listed_on,omitempty"` // YYYY-MM-DD
	Remarks   string     `json:"remarks,omitempty"`
	Relations []Relation `json:"relations,omitempty"`
	// Links are URLs the source gives (statement of reasons, notices).
	Links []string `json:"links,omitempty"`
}

// PrimaryName returns the entity's first name, or "" when it has none.
func (e *Entity) PrimaryName() string {
	if len(e.Names) == 0 {
		return ""
	}
	return e.Names[0].Full
}

// HasMeasure reports whether the entity's listing imposes m.
func (e *Entity) HasMeasure(m Measure) bool {
	for _, x := range e.Measures {
		if x == m {
			return true
		}
	}
	return false
}

// EntityID joins a source and a reference into an entity id.
func EntityID(source, ref string) string { return source + ":" + ref }

// SplitID splits an entity id into source and reference.
func SplitID(id string) (source, ref string, ok bool) {
	return strings.Cut(id, ":")
}
