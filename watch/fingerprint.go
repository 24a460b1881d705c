package watch

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// SubjectFacts returns the screening fields of s an alert rests on.
func SubjectFacts(s *vigil.Subject) vigil.SubjectFacts {
	return vigil.SubjectFacts{Name: s.Name, DOB: s.DOB, Nationality: s.Nationality, Gender: s.Gender, IDNumber: s.IDNumber, Kind: s.Kind}
}

// ListingFacts returns the data of e an alert rests on: its names, dates of
// birth, nationalities and citizenships, and documents (and a vessel's IMO
// number, an aircraft's tail number), each sorted and without repeats.
func ListingFacts(e *vigil.Entity) vigil.ListingFacts {
	var f vigil.ListingFacts
	for _, n := range e.Names {
		f.Names = append(f.Names, n.Full)
	}
	for _, d := range e.BirthDates {
		f.BirthDates = append(f.BirthDates, d.String())
	}
	f.Nationalities = append(append(f.Nationalities, e.Nationalities...), e.Citizenships...)
	for _, d := range e.Documents {
		f.Documents = append(f.Documents, strings.Join([]string{d.Type, match.DocKey(d.Number), d.Country}, " "))
	}
	if k := match.DocKey(e.IMO); k != "" {
		f.Documents = append(f.Documents, "imo "+k)
	}
	if k := match.DocKey(e.TailNumber); k != "" {
		f.Documents = append(f.Documents, "tail "+k)
	}
	f.Names, f.BirthDates = sortedSet(f.Names), sortedSet(f.BirthDates)
	f.Nationalities, f.Documents = sortedSet(f.Nationalities), sortedSet(f.Documents)
	return f
}

func sortedSet(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// Fingerprint hashes facts (a SubjectFacts or ListingFacts): 32 hex digits
// of a SHA-256 over the facts' fields, each ended by a zero byte (list
// fields end with a second one), so that no two facts hash alike.
func Fingerprint(facts any) string {
	h := sha256.New()
	field := func(s string) {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	switch f := facts.(type) {
	case vigil.SubjectFacts:
		for _, s := range []string{f.Name, f.DOB, f.Nationality, f.Gender, f.IDNumber, string(f.Kind)} {
			field(s)
		}
	case vigil.ListingFacts:
		for _, list := range [][]string{f.Names, f.BirthDates, f.Nationalities, f.Documents} {
			for _, s := range list {
				field(s)
			}
			h.Write([]byte{0})
		}
	default:
		panic(fmt.Sprintf("watch: no fingerprint of %T", facts))
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}

// labelsHash hashes a subject's labels, so that an import tells a row
// whose labels alone changed (stored, not screened again).
func labelsHash(labels map[string]string) string {
	if len(labels) == 0 {
		return ""
	}
	h := sha256.New()
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		h.Write([]byte(k))
		h.Write([]byte{0})
		h.Write([]byte(labels[k]))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// changes describes, in words, what differs between the facts a decision
// was taken on and the facts now.
func changes(oldS, newS vigil.SubjectFacts, oldL, newL vigil.ListingFacts) []string {
	var out []string
	field := func(what, a, b string) {
		if a != b {
			out = append(out, fmt.Sprintf("subject: %s %s → %s", what, orNone(a), orNone(b)))
		}
	}
	field("name", oldS.Name, newS.Name)
	field("date of birth", oldS.DOB, newS.DOB)
	field("nationality", oldS.Nationality, newS.Nationality)
	field("gender", oldS.Gender, newS.Gender)
	field("document", oldS.IDNumber, newS.IDNumber)
	field("kind", string(oldS.Kind), string(newS.Kind))
	set := func(what string, a, b []string) {
		for _, x := range b {
			if !slices.Contains(a, x) {
				out = append(out, fmt.Sprintf("listing: %s added: %s", what, x))
			}
		}
		for _, x := range a {
			if !slices.Contains(b, x) {
				out = append(out, fmt.Sprintf("listing: %s removed: %s", what, x))
			}
		}
	}
	set("name", oldL.Names, newL.Names)
	set("date of birth", oldL.BirthDates, newL.BirthDates)
	set("nationality", oldL.Nationalities, newL.Nationalities)
	set("document", oldL.Documents, newL.Documents)
	return out
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
