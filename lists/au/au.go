// Package au reads the Australian Department of Foreign Affairs and Trade
// (DFAT) Consolidated List as published in XLSX (regulation8_consolidated.xlsx;
// not described in FORMATS.md, layout read from the real file).
//
// Layout: one sheet; row 1 is the header, then one row per name. The 12
// columns (mapped by header name; unknown ones are warned about) are
// Reference, Name of Individual or Entity, Type (Individual / Entity, with
// stray case and trailing spaces), Name Type (Primary Name, aka, Original
// Script, Formerly known as, Previously listed as; case varies), Date of Birth,
// Place of Birth, Citizenship, Address, Additional Information, Listing
// Information, Committees, Control Date. Reference is "2" for a listing's
// primary row and "2a", "2b", … (even "1277b4") for its further names: rows
// are grouped under the leading digits, which are the entity's Ref ("au:2").
// Rows of a listing are contiguous in the published file; the reader still
// merges by reference so that a stray later row is not lost, and emits the
// entities in order of first appearance at the end.
//
// Date of Birth and Control Date are Excel date serials when typed as dates;
// a whole number from 1800 to 2200 in Date of Birth is a year; text dates
// ("Approximately 1968", "a) 1 Jan. 1964 b) 1 Feb. 1964", "12/05/1958") are
// split on "a)"/"b)" and ";" markers and parsed where possible, the text kept.
//
// Names: Primary Name → QualityPrimary; aka → QualityStrong; Original Script
// → QualityStrong with its Script; Formerly known as / Previously listed as →
// QualityFormerly. Listings under the Autonomous Sanctions Regulations and the
// UN Charter regulations impose a targeted financial sanction (asset freeze)
// on every listed person and entity, and a travel ban on the individuals
// ("designated and declared"); the file states no per-row measure, so
// Measures are AssetFreeze for all and TravelBan for individuals. Committees
// are the Programs; Listing Information goes to Remarks with Additional
// Information; Control Date (the last change) is not ListedOn and is kept in
// Remarks.
package au

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// Format is the Meta.Format of the DFAT Consolidated List XLSX.
const Format = "au_dfat_xlsx"

// Column keys (lower-cased header names).
const (
	cRef, cName, cType, cNameType = "reference", "name of individual or entity", "type", "name type"
	cDOB, cPOB, cCitizenship      = "date of birth", "place of birth", "citizenship"
	cAddress, cInfo, cListing     = "address", "additional information", "listing information"
	cCommittees, cControl         = "committees", "control date"
)

var known = map[string]bool{cRef: true, cName: true, cType: true, cNameType: true, cDOB: true, cPOB: true,
	cCitizenship: true, cAddress: true, cInfo: true, cListing: true, cCommittees: true, cControl: true}

// Sniff reports whether head (the raw first bytes of a file) is an XLSX whose
// first worksheet row has 12 or 13 cells (the DFAT header; excelize writes a
// styled empty 13th) followed by a data row of similar width: the DFAT layout,
// unlike ConList's short banner row.
func Sniff(head []byte) bool {
	if !bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return false
	}
	first, second := lists.RowCells(lists.WorksheetHead(head))
	return first >= 12 && first <= 13 && (second == -1 || (second >= 10 && second <= 13))
}

// Read decodes a DFAT Consolidated List XLSX (first sheet). The workbook is
// read into memory and verified whole first (lists.OpenXLSX).
func Read(r io.Reader, emit lists.Emit) (meta *lists.Meta, err error) {
	meta = &lists.Meta{List: vigil.ListAU, Source: vigil.SourceAU, Format: Format}
	s, err := lists.OpenXLSX(r)
	if err != nil {
		return meta, err
	}
	defer s.Close()
	m := NewMapper(meta)
	n := 0
	for s.Next() {
		n++
		cols, err := s.Row(true)
		if err != nil {
			return meta, lists.Errorf(n, fmt.Sprintf("%s row %d", s.Name, n), "%v", err)
		}
		if err := m.Row(cols, n); err != nil {
			return meta, err
		}
	}
	if err := s.Err(); err != nil {
		return meta, lists.Errorf(n, s.Name, "%v", err)
	}
	return meta, m.Finish(emit)
}

// Mapper maps DFAT sheet rows (raw cell values) to entities. Read drives it;
// it is exported for tests and tools that get rows from elsewhere.
type Mapper struct {
	meta   *lists.Meta
	col    map[string]int
	ents   map[string]*listing
	order  []string
	latest time.Time
	tally  lists.Tally // bounds what the listings hold
}

type listing struct {
	e     *vigil.Entity
	seen  map[string]bool
	info  []string
	first int
}

// NewMapper returns a Mapper recording warnings in meta.
func NewMapper(meta *lists.Meta) *Mapper {
	return &Mapper{meta: meta, ents: map[string]*listing{}}
}

var reRef = regexp.MustCompile(`^(\d+)([A-Za-z]*\d*)$`)

func (m *Mapper) get(row []string, k string) string {
	if i, ok := m.col[k]; ok && i < len(row) {
		return strings.TrimSpace(strings.ReplaceAll(row[i], "\u00a0", " "))
	}
	return ""
}

// Row maps one row; line is its sheet row number (1-based).
func (m *Mapper) Row(row []string, line int) error {
	if m.col == nil {
		m.col = map[string]int{}
		for i, h := range row {
			k := strings.ToLower(lists.CleanSpace(h))
			if k == "" {
				continue
			}
			if !known[k] {
				m.meta.Warnf("unknown column %q", h)
				continue
			}
			m.col[k] = i
		}
		for _, req := range []string{cRef, cName} {
			if _, ok := m.col[req]; !ok {
				m.col = nil
				return lists.Errorf(line, "header", "missing required column %q", req)
			}
		}
		return nil
	}
	empty := true
	for _, v := range row {
		if strings.TrimSpace(v) != "" {
			empty = false
			break
		}
	}
	if empty {
		return nil
	}
	refCell := m.get(row, cRef)
	g := reRef.FindStringSubmatch(refCell)
	if g == nil {
		return lists.Errorf(line, fmt.Sprintf("Reference %q", refCell), "malformed reference")
	}
	ref := strings.TrimLeft(g[1], "0")
	if ref == "" {
		ref = "0"
	}
	if err := m.tally.Add(ref, row); err != nil {
		return lists.Errorf(line, "Reference "+refCell, "%v", err)
	}
	name := lists.CleanSpace(m.get(row, cName))
	if name == "" {
		return lists.Errorf(line, "Reference "+refCell, "row has no name")
	}
	l := m.ents[ref]
	if l == nil {
		l = &listing{e: &vigil.Entity{ID: vigil.EntityID(vigil.SourceAU, ref), Source: vigil.SourceAU, Ref: ref},
			seen: map[string]bool{}, first: line}
		m.ents[ref] = l
		m.order = append(m.order, ref)
	}
	e := l.e
	if e.Kind == vigil.KindUnknown {
		typ := m.get(row, cType)
		k, ok := vigil.ParseKind(typ)
		if !ok {
			m.meta.Warnf("unknown Type %q", typ)
		}
		e.Kind = k
	}
	n := vigil.Name{Full: name, Script: lists.DetectScript(name)}
	switch nt := strings.ToLower(lists.CleanSpace(m.get(row, cNameType))); nt {
	case "primary name":
		n.Quality = vigil.QualityPrimary
	case "aka", "":
		n.Quality = vigil.QualityStrong
	case "original script":
		n.Quality = vigil.QualityStrong
	case "formerly known as", "previously listed as", "fka":
		n.Quality = vigil.QualityFormerly
	default:
		m.meta.Warnf("unknown Name Type %q", nt)
		n.Quality = vigil.QualityStrong
	}
	addName(e, n)

	if s := m.get(row, cDOB); s != "" && !l.seen["dob:"+s] {
		l.seen["dob:"+s] = true
		e.BirthDates = append(e.BirthDates, m.dates(s)...)
	}
	if s := lists.CleanSpace(m.get(row, cPOB)); s != "" && !isNA(s) && !l.seen["pob:"+s] {
		l.seen["pob:"+s] = true
		for _, p := range splitMarked(s) {
			pl := vigil.Place{Text: p}
			if i := strings.LastIndex(p, ","); i >= 0 {
				pl.Country = lists.Country(p[i+1:])
			} else {
				pl.Country = lists.Country(p)
			}
			e.BirthPlaces = append(e.BirthPlaces, pl)
		}
	}
	if s := lists.CleanSpace(m.get(row, cCitizenship)); s != "" && !isNA(s) && !l.seen["cit:"+s] {
		l.seen["cit:"+s] = true
		for _, p := range splitCountries(s) {
			if c := lists.Country(p); c != "" {
				e.Citizenships = appendNew(e.Citizenships, c)
			} else {
				m.meta.Warnf("unknown citizenship %q", p)
			}
		}
	}
	if s := lists.CleanSpace(m.get(row, cAddress)); s != "" && !isNA(s) && !l.seen["addr:"+s] {
		l.seen["addr:"+s] = true
		for _, p := range splitMarked(s) {
			a := vigil.Address{Full: p}
			if i := strings.LastIndex(p, ","); i >= 0 {
				a.Country = lists.Country(p[i+1:])
			} else {
				a.Country = lists.Country(p)
			}
			e.Addresses = append(e.Addresses, a)
		}
	}
	for _, k := range []string{cInfo, cListing} {
		if s := lists.CleanSpace(m.get(row, k)); s != "" && !isNA(s) && !l.seen["info:"+s] {
			l.seen["info:"+s] = true
			l.info = append(l.info, s)
		}
	}
	if s := lists.CleanSpace(m.get(row, cCommittees)); s != "" {
		e.Programs = appendNew(e.Programs, s)
	}
	if s := m.get(row, cControl); s != "" && !l.seen["ctl:"+s] {
		l.seen["ctl:"+s] = true
		if t, ok := serial(s); ok {
			if t.After(m.latest) {
				m.latest = t
			}
			l.info = append(l.info, "Control date: "+t.Format("2006-01-02"))
		} else {
			l.info = append(l.info, "Control date: "+s)
		}
	}
	return nil
}

// Finish emits the listings in order of first appearance. The newest Control
// Date is not the publication date, so Meta.Published stays zero.
func (m *Mapper) Finish(emit lists.Emit) error {
	if m.col == nil {
		return lists.Errorf(0, "header", "no header row")
	}
	for _, ref := range m.order {
		l := m.ents[ref]
		e := l.e
		if e.Names[0].Quality != vigil.QualityPrimary {
			m.meta.Warnf("listing without a Primary Name row")
			e.Names[0].Quality = vigil.QualityPrimary
		}
		e.Measures = []vigil.Measure{vigil.MeasureAssetFreeze}
		if e.Kind == vigil.KindPerson {
			e.Measures = append(e.Measures, vigil.MeasureTravelBan)
		}
		e.Remarks = strings.Join(l.info, "\n")
		delete(m.ents, ref)
		if err := emit(e); err != nil {
			return err
		}
	}
	return nil
}

// addName adds n, keeping the primary name first and dropping repeats.
func addName(e *vigil.Entity, n vigil.Name) {
	for i, x := range e.Names {
		if strings.EqualFold(x.Full, n.Full) {
			if n.Quality == vigil.QualityPrimary && i != 0 && e.Names[0].Quality != vigil.QualityPrimary {
				x.Quality = vigil.QualityPrimary
				e.Names = append([]vigil.Name{x}, append(e.Names[:i:i], e.Names[i+1:]...)...)
			}
			return
		}
	}
	if n.Quality == vigil.QualityPrimary {
		if len(e.Names) > 0 && e.Names[0].Quality == vigil.QualityPrimary {
			n.Quality = vigil.QualityStrong
		} else {
			e.Names = append([]vigil.Name{n}, e.Names...)
			return
		}
	}
	e.Names = append(e.Names, n)
}

func isNA(s string) bool {
	switch strings.ToLower(s) {
	case "na", "n/a", "-", "unknown":
		return true
	}
	return false
}

// reMarker splits "a) x b) y" and "(1) x (2) y" lists.
var reMarker = regexp.MustCompile(`(?:^|\s)\(?(?:[a-h]|\d{1,2})\)\s*`)

func splitMarked(s string) []string {
	var out []string
	for _, p := range reMarker.Split(s, -1) {
		if p = strings.Trim(strings.TrimSpace(p), ";,"); p != "" {
			out = append(out, strings.TrimSpace(p))
		}
	}
	return out
}

var reCountrySep = regexp.MustCompile(`\s*(?:;|,| and |/)\s*`)

// splitCountries splits citizenship cells: markers, ";", "," and " and ".
func splitCountries(s string) []string {
	var out []string
	for _, p := range splitMarked(s) {
		for _, q := range reCountrySep.Split(p, -1) {
			if q = strings.TrimSpace(q); q != "" {
				out = append(out, q)
			}
		}
	}
	return out
}

var (
	reDateSep = regexp.MustCompile(`\s*(?:;|>>)\s*`)
	reBetween = regexp.MustCompile(`(?i)^between\s+(\d{4})\s+and\s+(\d{4})$`)
)

// dates parses a Date of Birth cell.
func (m *Mapper) dates(s string) []vigil.Date {
	if t, ok := serial(s); ok {
		return []vigil.Date{{Year: t.Year(), Month: int(t.Month()), Day: t.Day(), Text: t.Format("2006-01-02")}}
	}
	if isNA(s) {
		return nil
	}
	var out []vigil.Date
	for _, p := range splitMarked(s) {
		for _, q := range reDateSep.Split(p, -1) {
			q = strings.TrimSpace(q)
			if q == "" {
				continue
			}
			if g := reBetween.FindStringSubmatch(q); g != nil {
				y, _ := strconv.Atoi(g[1])
				to, _ := strconv.Atoi(g[2])
				out = append(out, vigil.Date{Year: y, ToYear: to, Text: q})
				continue
			}
			d, ok := lists.ParseDate(strings.ReplaceAll(q, ". ", " "))
			d.Text = q
			if !ok {
				if ds, ok := lists.ParseDates(q); ok {
					out = append(out, ds...)
					continue
				}
				m.meta.Warnf("unparsed date of birth %q", q)
			}
			out = append(out, d)
		}
	}
	return out
}

// serial converts a raw numeric cell: a whole number 1800..2200 is a year, any
// other number an Excel (1900 system) date serial.
func serial(s string) (time.Time, bool) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || v > 2958465 {
		return time.Time{}, false
	}
	if v == float64(int(v)) && v >= 1800 && v <= 2200 {
		return time.Date(int(v), 1, 1, 0, 0, 0, 0, time.UTC), false
	}
	t, err := excelize.ExcelDateToTime(v, false)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

func appendNew(ss []string, s string) []string {
	for _, x := range ss {
		if x == s {
			return ss
		}
	}
	return append(ss, s)
}
