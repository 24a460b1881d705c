// Package own reads an internal watch list — a blacklist, politically
// exposed persons, former customers refused on risk grounds — from a CSV,
// TSV, JSON Lines or XLSX file, as a list of its own whose entities are
// "NAME:REF". The rows are read by package batch, with its column names
// and --map; besides the screening fields (id, name, first_name, …) an own
// list may have aliases, weak_aliases, programs, measures, listed_on,
// positions and remarks columns, mapped by header too.
//
// A row that cannot be read whole (no ref, no name, a date, country, kind
// or measure that means nothing, a ref given twice) refuses the file: every
// bad row is named by its row number, and nothing is imported. A list that
// dropped a row would silently stop screening a listed person, and the
// version it replaced stays in force meanwhile.
package own

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/batch"
	"github.com/vigil-screening/vigil/lists"
)

// Format names: "own_" and the batch format ("own_csv", "own_xlsx", …).
const formatPrefix = "own_"

// Extra fields an own list may have beyond the screening fields, with the
// headers that name them.
const (
	fAliases     = "aliases"
	fWeakAliases = "weak_aliases"
	fPrograms    = "programs"
	fMeasures    = "measures"
	fListedOn    = "listed_on"
	fPositions   = "positions"
	fRemarks     = "remarks"
)

// Extras are the fields an own list may have besides batch.Fields.
var Extras = []string{fAliases, fWeakAliases, fPrograms, fMeasures, fListedOn, fPositions, fRemarks}

var extraHeaders = map[string]string{
	"aliases": fAliases, "alias": fAliases, "aka": fAliases, "other_names": fAliases, "alt_names": fAliases,
	"weak_aliases": fWeakAliases, "weak_alias": fWeakAliases, "nicknames": fWeakAliases, "nickname": fWeakAliases,
	"programs": fPrograms, "program": fPrograms, "programmes": fPrograms, "programme": fPrograms, "regime": fPrograms, "list_name": fPrograms,
	"measures": fMeasures, "measure": fMeasures, "sanctions": fMeasures,
	"listed_on": fListedOn, "listed": fListedOn, "date_listed": fListedOn, "added": fListedOn,
	"positions": fPositions, "position": fPositions, "role": fPositions, "title": fPositions,
	"remarks": fRemarks, "remark": fRemarks, "notes": fRemarks, "note": fRemarks, "reason": fRemarks, "comment": fRemarks,
}

// Options say how to read the file.
type Options struct {
	// Format forces csv, tsv, jsonl or xlsx (else detected).
	Format string
	// Map maps fields (batch.Fields and Extras) to column headers.
	Map map[string]string
}

// maxBadRows caps the bad rows an error names one by one.
const maxBadRows = 20

// BadRowsError refuses a file: the rows that could not be read.
type BadRowsError struct {
	File string
	Rows []string // "row 7: no ref"
	More int      // bad rows beyond those named
}

func (e *BadRowsError) Error() string {
	s := fmt.Sprintf("%s: %d bad rows; nothing imported (a list that dropped a row would stop screening a listed person):\n  %s",
		e.File, len(e.Rows)+e.More, strings.Join(e.Rows, "\n  "))
	if e.More > 0 {
		s += fmt.Sprintf("\n  … and %d more", e.More)
	}
	return s
}

// Read reads an own list's file (file names it in errors and helps detect
// its format) into the entities of list.
func Read(r io.Reader, file, list string, opt Options) (*lists.Meta, []vigil.Entity, error) {
	if err := vigil.CheckOwnListName(list); err != nil {
		return nil, nil, err
	}
	bmap := map[string]string{}
	extraCols := map[string]string{} // normalised header -> extra field
	for f, col := range opt.Map {
		switch nf := norm(f); {
		case isExtra(nf):
			extraCols[norm(col)] = nf
		default:
			bmap[f] = col
		}
	}
	rd, err := batch.Open(r, file, batch.Options{Map: bmap, Format: opt.Format})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", file, err)
	}
	meta := &lists.Meta{List: list, Source: list, Format: formatPrefix + rd.Format()}
	bad := &BadRowsError{File: file}
	seen := map[string]int{}
	var out []vigil.Entity
	for {
		rec, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return meta, nil, fmt.Errorf("%s: %w", file, err)
		}
		e, msg := entity(list, rec, extraCols)
		if msg == "" {
			if prev, ok := seen[e.Ref]; ok {
				msg = fmt.Sprintf("ref %q is row %d's too (give more names in an aliases column)", e.Ref, prev)
			} else {
				seen[e.Ref] = rec.Row
			}
		}
		if msg != "" {
			if len(bad.Rows) < maxBadRows {
				bad.Rows = append(bad.Rows, fmt.Sprintf("row %d: %s", rec.Row, msg))
			} else {
				bad.More++
			}
			continue
		}
		out = append(out, e)
	}
	for _, w := range rd.Warnings() {
		// The extra columns are read here, not by batch.
		if col, ok := notScreened(w); ok {
			if _, extra := extraCols[norm(col)]; extra {
				continue
			}
			if _, extra := extraHeaders[norm(col)]; extra {
				continue
			}
			w = fmt.Sprintf("column %q is not read (fields: %s, %s)", col, strings.Join(batch.Fields, ", "), strings.Join(Extras, ", "))
		}
		meta.Warnf("%s", w)
	}
	if len(bad.Rows) > 0 {
		return meta, nil, bad
	}
	if len(out) == 0 {
		return meta, nil, fmt.Errorf("%s: no rows: an empty list would delist everyone", file)
	}
	return meta, out, nil
}

// notScreened returns the column of batch's warning that a column is not
// a screening field.
func notScreened(w string) (string, bool) {
	rest, ok := strings.CutPrefix(w, "column ")
	if !ok || !strings.Contains(rest, "is not a screening field") {
		return "", false
	}
	var col string
	if _, err := fmt.Sscanf(rest, "%q", &col); err != nil {
		return "", false
	}
	return col, true
}

func isExtra(f string) bool {
	for _, x := range Extras {
		if f == x {
			return true
		}
	}
	return false
}

// norm normalises a header or field name: lower case, spaces, dashes and
// dots as "_".
func norm(s string) string {
	s = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(s, "\ufeff")))
	s = strings.NewReplacer(" ", "_", "-", "_", ".", "_", "\t", "_").Replace(s)
	for strings.Contains(s, "__") {
		s = strings.ReplaceAll(s, "__", "_")
	}
	return strings.Trim(s, "_")
}

// entity builds one row's entity, or says what is wrong with the row.
func entity(list string, rec batch.Record, extraCols map[string]string) (vigil.Entity, string) {
	if rec.Err != nil {
		var re *batch.RowError
		if errors.As(rec.Err, &re) {
			return vigil.Entity{}, re.Msg
		}
		return vigil.Entity{}, rec.Err.Error()
	}
	ref := strings.TrimSpace(rec.ID)
	switch {
	case ref == "":
		return vigil.Entity{}, "no ref (an id or ref column is required: it keeps a listing's identity from one version to the next)"
	case len(ref) > 200 || strings.ContainsAny(ref, "\r\n\t"):
		return vigil.Entity{}, fmt.Sprintf("ref %.40q is not a reference", ref)
	}
	q := rec.Query
	e := vigil.Entity{ID: vigil.EntityID(list, ref), Source: list, Ref: ref}
	if k := strings.TrimSpace(string(q.Kind)); k != "" {
		kind, ok := vigil.ParseKind(k)
		if !ok {
			return e, fmt.Sprintf("unknown kind %q (person, organization, vessel or aircraft)", k)
		}
		e.Kind = kind
	}
	primary := vigil.Name{Full: lists.CleanSpace(q.Name), Quality: vigil.QualityPrimary}
	e.Names = []vigil.Name{primary}

	extra := map[string]string{}
	for h, v := range rec.Input {
		f, ok := extraCols[norm(h)]
		if !ok {
			f, ok = extraHeaders[norm(h)]
		}
		if ok && strings.TrimSpace(v) != "" {
			extra[f] = v
		}
	}
	for _, a := range split(extra[fAliases]) {
		e.Names = append(e.Names, vigil.Name{Full: a, Quality: vigil.QualityStrong})
	}
	for _, a := range split(extra[fWeakAliases]) {
		e.Names = append(e.Names, vigil.Name{Full: a, Quality: vigil.QualityWeak})
	}
	for _, s := range split(q.DOB) {
		d, ok := lists.ParseDate(s)
		if !ok || d.Year == 0 {
			return e, fmt.Sprintf("date of birth %q is not a date", s)
		}
		e.BirthDates = append(e.BirthDates, d)
	}
	for _, s := range split(q.Nationality) {
		c := lists.Country(s)
		if c == "" {
			return e, fmt.Sprintf("nationality %q names no country", s)
		}
		e.Nationalities = append(e.Nationalities, c)
	}
	switch g := strings.ToLower(strings.TrimSpace(q.Gender)); g {
	case "":
	case "m", "male", "man":
		e.Gender = "male"
	case "f", "female", "woman":
		e.Gender = "female"
	default:
		return e, fmt.Sprintf("gender %q (male or female)", q.Gender)
	}
	for _, n := range split(q.ID) {
		e.Documents = append(e.Documents, vigil.Document{Type: vigil.DocOther, Number: n})
	}
	e.Programs = split(extra[fPrograms])
	for _, s := range split(extra[fMeasures]) {
		m, ok := vigil.ParseMeasure(s)
		if !ok {
			return e, fmt.Sprintf("measure %q (travel_ban, asset_freeze or arms_embargo)", s)
		}
		if !e.HasMeasure(m) {
			e.Measures = append(e.Measures, m)
		}
	}
	if s := strings.TrimSpace(extra[fListedOn]); s != "" {
		d, ok := lists.ParseDate(s)
		if !ok || d.Day == 0 {
			return e, fmt.Sprintf("listed_on %q is not a date", s)
		}
		e.ListedOn = d.String()
	}
	e.Positions = split(extra[fPositions])
	e.Remarks = strings.TrimSpace(extra[fRemarks])
	if e.Kind == vigil.KindUnknown && (len(e.BirthDates) > 0 || e.Gender != "") {
		// A date of birth or a gender shows a person.
		e.Kind = vigil.KindPerson
	}
	return e, ""
}

// split splits a multi-valued cell at ";" or "|".
func split(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' }) {
		if p = lists.CleanSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
