package ofac

import (
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// RemarkFacts is what ParseRemarks reads from an OFAC Remarks text.
type RemarkFacts struct {
	// Facts holds the fields the remarks fill: BirthDates, BirthPlaces,
	// Nationalities, Citizenships, Gender, Documents, Links, weak aliases in
	// Names (QualityWeak; f.k.a. as QualityFormerly), "Linked To:" and
	// "Aircraft Operator" in Relations (Name only), vessel and aircraft fields.
	Facts vigil.Entity
	// Rest is the facts that were not understood, "; "-joined with a final
	// period, as the list wrote them; "" when every fact was read.
	Rest string
	// Warnings name values that were kept in Rest because they could not be
	// read (an unknown country, say).
	Warnings []string
}

// ParseRemarks reads the Remarks micro-grammar of OFAC's legacy CSV files
// (FORMATS.md §2.4): "; "-separated facts ending with a period, each a label
// and a value ("DOB 11 Mar 1957; POB Qom, Iran; a.k.a. 'X'."). A fact is
// matched to the longest known label; "alt. " before a label marks an
// alternative value of the same kind. Facts with an unknown label stay in Rest.
func ParseRemarks(remarks string) RemarkFacts {
	var r RemarkFacts
	s := strings.TrimSpace(remarks)
	if s == "" || s == nullMarker {
		return r
	}
	s = strings.TrimSuffix(s, ".")
	var rest []string
	for _, fact := range splitFacts(s) {
		fact = strings.TrimSpace(fact)
		if fact == "" {
			continue
		}
		body := strings.TrimPrefix(fact, "alt. ")
		name, lab, value, ok := matchLabel(body)
		if ok {
			var warn string
			ok, warn = applyFact(&r.Facts, name, lab, value, nil)
			if warn != "" {
				r.Warnings = append(r.Warnings, warn)
			}
		}
		if !ok {
			rest = append(rest, fact)
		}
	}
	if len(rest) > 0 {
		r.Rest = strings.Join(rest, "; ") + "."
	}
	return r
}

// splitFacts splits remarks on "; " outside single-quoted aliases. A quote
// opens after a space (or at the start of a fact) and closes before ";", the
// end, or a final "."; so apostrophes inside words ("GAMA'AT", "ABU-'UMAR")
// do not count. If a quote never closes, the text is split ignoring quotes.
func splitFacts(s string) []string {
	var out []string
	start, inQuote := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'' && !inQuote:
			if i == start || s[i-1] == ' ' {
				inQuote = true
			}
		case c == '\'' && inQuote:
			if i+1 == len(s) || s[i+1] == ';' || (s[i+1] == '.' && i+2 == len(s)) {
				inQuote = false
			}
		case c == ';' && !inQuote && i+1 < len(s) && s[i+1] == ' ':
			out = append(out, s[start:i])
			start = i + 2
			i++
		}
	}
	if inQuote {
		return strings.Split(s, "; ")
	}
	return append(out, s[start:])
}

// mergeFacts adds the facts read from remarks to e.
func mergeFacts(e *vigil.Entity, f *vigil.Entity) {
	e.Names = append(e.Names, f.Names...)
	e.BirthDates = append(e.BirthDates, f.BirthDates...)
	e.BirthPlaces = append(e.BirthPlaces, f.BirthPlaces...)
	e.Nationalities = lists.Dedupe(append(e.Nationalities, f.Nationalities...))
	e.Citizenships = lists.Dedupe(append(e.Citizenships, f.Citizenships...))
	setOnce(&e.Gender, f.Gender)
	e.Positions = lists.Dedupe(append(e.Positions, f.Positions...))
	e.Documents = append(e.Documents, f.Documents...)
	for _, p := range []struct {
		dst *string
		v   string
	}{
		{&e.IMO, f.IMO}, {&e.CallSign, f.CallSign}, {&e.Flag, f.Flag}, {&e.VesselType, f.VesselType},
		{&e.Tonnage, f.Tonnage}, {&e.GrossTonnage, f.GrossTonnage}, {&e.Owner, f.Owner},
		{&e.TailNumber, f.TailNumber}, {&e.SerialNumber, f.SerialNumber}, {&e.Model, f.Model},
	} {
		setOnce(p.dst, p.v)
	}
	e.Relations = append(e.Relations, f.Relations...)
	e.Links = lists.Dedupe(append(e.Links, f.Links...))
}
