// Package paxlst reads UN/EDIFACT PAXLST messages (advance passenger
// information: the passenger and crew manifests airlines send to border
// agencies) into flights and travellers ready for screening.
//
// The syntax layer (ISO 9735) handles the service string advice UNA, the
// default separators, the release character, repetition separators and line
// breaks between segments. The envelope (UNB/UNG/UNH … UNT/UNE/UNZ) is
// validated strictly: a malformed or truncated interchange is an error naming
// the segment number, tag and character position. A bad traveller record is
// reported in Message.Problems and the rest of the manifest is read.
package paxlst

import (
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// Interchange is the UNB interchange header.
type Interchange struct {
	Syntax    string `json:"syntax"`         // syntax identifier, e.g. "UNOA"
	Version   string `json:"syntax_version"` // e.g. "4"
	Sender    string `json:"sender"`
	Recipient string `json:"recipient"`
	// Prepared is the preparation date and time, "YYYY-MM-DDTHH:MM".
	Prepared  string   `json:"prepared,omitempty"`
	Control   string   `json:"control"`
	AppRef    string   `json:"application_reference,omitempty"`
	GroupRefs []string `json:"group_refs,omitempty"`
}

// Header is one message's UNH header and BGM.
type Header struct {
	Ref string `json:"ref"`
	// Type is the message identifier, e.g. "PAXLST:D:05B:UN:IATA".
	Type         string `json:"type"`
	CommonAccess string `json:"common_access,omitempty"`
	Sequence     string `json:"sequence,omitempty"` // "01:F"
	// DocCode is BGM's document code: 745 passenger list, 250 crew list, …
	DocCode  string `json:"doc_code,omitempty"`
	Function string `json:"function,omitempty"`
	// Reference is the carrier's transmission reference (RFF+TN).
	Reference string `json:"reference,omitempty"`
	Reporter  string `json:"reporter,omitempty"` // NAD+MS
	// Passengers and Crew are the flight totals the CNT segment declares.
	Passengers int `json:"passengers,omitempty"`
	Crew       int `json:"crew,omitempty"`
}

// Leg is one sector of a flight. Times are local to the airport,
// "YYYY-MM-DDTHH:MM".
type Leg struct {
	From      string `json:"from"`
	To        string `json:"to"`
	Departure string `json:"departure,omitempty"`
	Arrival   string `json:"arrival,omitempty"`
}

// Flight is a flight of the manifest (TDT with its GR.3 route).
type Flight struct {
	Carrier string `json:"carrier"`
	Number  string `json:"number"`
	Legs    []Leg  `json:"legs"`
}

// Ident is the flight's designator, e.g. "XX0450".
func (f Flight) Ident() string { return f.Carrier + f.Number }

// Doc is a travel document (GR.5).
type Doc struct {
	// Type is the DOC code: P passport, I identity card, V visa, IP
	// passport card, AC crew member certificate, …
	Type   string `json:"type"`
	Number string `json:"number"`
	// Issuer is the issuing state: ISO alpha-2 where the ICAO code has one,
	// else the code as written.
	Issuer string `json:"issuer,omitempty"`
	Expiry string `json:"expiry,omitempty"` // YYYY-MM-DD
	Issued string `json:"issued,omitempty"`
}

// Roles of a traveller.
const (
	RolePassenger = "passenger"
	RoleCrew      = "crew"
)

// Traveller is one person of the manifest (GR.4).
type Traveller struct {
	Role string `json:"role"`
	// Transit marks in-transit passengers and crew (NAD+DDU, NAD+DDT).
	Transit bool   `json:"transit,omitempty"`
	Surname string `json:"surname"`
	// Given holds the given names, the second given name after a space.
	Given  string `json:"given,omitempty"`
	Gender string `json:"gender,omitempty"` // "male", "female" or ""
	DOB    string `json:"dob,omitempty"`    // YYYY-MM-DD
	// Nationality, Residence: ISO alpha-2 where the code has one, else the
	// code as written.
	Nationality string `json:"nationality,omitempty"`
	Residence   string `json:"residence,omitempty"`
	Birthplace  string `json:"birthplace,omitempty"`
	Documents   []Doc  `json:"documents,omitempty"`
	// Embark, Debark and Clearance are airports (LOC+178, 179, 22).
	Embark    string `json:"embark,omitempty"`
	Debark    string `json:"debark,omitempty"`
	Clearance string `json:"clearance,omitempty"`
	PNR       string `json:"pnr,omitempty"`
	Seat      string `json:"seat,omitempty"`
	// Problems are the values of the traveller's record that could not
	// be read (an unreadable date of birth, an unknown gender or
	// nationality code, a document without a number or with an
	// unreadable date): the traveller is kept without them. They are in
	// Message.Problems too.
	Problems []Problem `json:"problems,omitempty"`
	// Flights indexes Message.Flights: the flights of the message that
	// carried this traveller.
	Flights []int `json:"flights"`
	// Message is the UNH reference; Segment the number of its NAD segment.
	Message string `json:"message"`
	Segment int    `json:"segment"`
}

// Name is the traveller's name as "Given Surname".
func (t Traveller) Name() string { return strings.TrimSpace(t.Given + " " + t.Surname) }

// Query builds the screening query for the traveller: name, date of birth,
// nationality (when it names a country: not for XXA, a stateless person,
// nor for a code that is unknown), gender and document number (a passport
// before other documents).
func (t Traveller) Query() vigil.Query {
	q := vigil.Query{Name: t.Name(), DOB: t.DOB, Nationality: lists.Country(t.Nationality), Gender: t.Gender, Kind: vigil.KindPerson}
	if len(t.Nationality) != 2 {
		q.Nationality = ""
	}
	for _, d := range t.Documents {
		if d.Type == "P" {
			q.ID = d.Number
			break
		}
	}
	if q.ID == "" && len(t.Documents) > 0 {
		q.ID = t.Documents[0].Number
	}
	return q
}

// Problem is a bad traveller record or value: the traveller is dropped (when
// it cannot be screened) or kept without the bad value.
type Problem struct {
	Segment int    `json:"segment"`
	Tag     string `json:"tag"`
	Msg     string `json:"msg"`
	// Dropped marks a record that was not read: a traveller it may hold
	// is in no Traveller, and was not screened.
	Dropped bool `json:"dropped,omitempty"`
	// Message is the UNH reference of the message the problem is in;
	// Flights, for a dropped record, index Message.Flights: the flights
	// of that message.
	Message string `json:"message,omitempty"`
	Flights []int  `json:"flights,omitempty"`
}

func (p Problem) String() string { return "segment " + itoa(p.Segment) + " " + p.Tag + ": " + p.Msg }

// Dropped returns the problems of records that were not read: each may
// hold a traveller who was not screened.
func (m *Message) Dropped() []Problem {
	var out []Problem
	for _, p := range m.Problems {
		if p.Dropped {
			out = append(out, p)
		}
	}
	return out
}

// Message is a parsed PAXLST interchange. When it holds several messages (a
// manifest sent in parts), their flights and travellers are merged.
type Message struct {
	Interchange Interchange `json:"interchange"`
	Syntax      Syntax      `json:"-"`
	Messages    []Header    `json:"messages"`
	Flights     []Flight    `json:"flights"`
	Travellers  []Traveller `json:"travellers"`
	Problems    []Problem   `json:"problems,omitempty"`
	// Warnings are non-fatal envelope or content notes: count mismatches in
	// UNE/UNZ, unknown segments.
	Warnings []string `json:"warnings,omitempty"`
	// Segments counts the segments read (UNA not counted).
	Segments int `json:"segments"`
}
