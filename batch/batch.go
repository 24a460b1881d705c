// Package batch reads bulk screening files — CSV, TSV, JSON Lines and XLSX —
// as a stream of records, each with the screening query built from its
// columns. A bad row (missing name, broken quoting, wrong field count)
// becomes a Record with Err set and reading goes on with the next row.
// Whether screening can use a row's date of birth, nationality, gender and
// kind is for the screening path to check (match.CheckQuery). Memory use
// does not grow with the file (XLSX: see openXLSX).
package batch

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// Formats Open detects.
const (
	FormatCSV   = "csv"
	FormatTSV   = "tsv"
	FormatJSONL = "jsonl"
	FormatXLSX  = "xlsx"
)

// Fields are the record fields columns map to.
var Fields = []string{"id", "name", "first_name", "middle_name", "last_name", "dob", "nationality", "gender", "id_number", "kind"}

const (
	fID = iota
	fName
	fFirst
	fMiddle
	fLast
	fDOB
	fNationality
	fGender
	fIDNumber
	fKind
	numFields
)

// aliases maps normalised column headers to fields.
var aliases = map[string]int{
	"id": fID, "ref": fID, "reference": fID, "customer_id": fID, "record_id": fID,
	"name": fName, "full_name": fName, "fullname": fName, "whole_name": fName,
	"first_name": fFirst, "firstname": fFirst, "given_name": fFirst, "given_names": fFirst, "forename": fFirst, "given": fFirst,
	"middle_name": fMiddle, "middlename": fMiddle, "middle_names": fMiddle, "middle": fMiddle,
	"last_name": fLast, "lastname": fLast, "surname": fLast, "family_name": fLast,
	"dob": fDOB, "date_of_birth": fDOB, "birth_date": fDOB, "birthdate": fDOB,
	"nationality": fNationality, "country": fNationality, "citizenship": fNationality,
	"gender": fGender, "sex": fGender,
	"id_number": fIDNumber, "passport": fIDNumber, "passport_number": fIDNumber, "passport_no": fIDNumber, "document_number": fIDNumber,
	"kind": fKind, "schema": fKind, "type": fKind, "entity_type": fKind,
}

// normHeader folds case, trims and turns spaces, dashes and dots into
// underscores: "Date of Birth" → "date_of_birth".
func normHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	h = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '.', '\t':
			return '_'
		}
		return r
	}, h)
	for strings.Contains(h, "__") {
		h = strings.ReplaceAll(h, "__", "_")
	}
	return strings.Trim(h, "_")
}

// Options adjusts how Open maps columns.
type Options struct {
	// Map overrides the column for a field: field name ("name", "dob", …;
	// see Fields) → column header as written in the file (compared without
	// regard to case and spacing).
	Map map[string]string
	// Format forces a format ("csv", "tsv", "jsonl", "xlsx") instead of
	// detecting it.
	Format string
	// InputByField keys Record.Input by the field a column is read into
	// ("name", "dob", …) rather than by its header, so that output shows
	// what was screened under the query's names whatever the file calls
	// its columns. Other columns keep their header; one whose header is a
	// field's name, but which is not read (--map took another column for
	// that field), is keyed "HEADER (not screened)".
	InputByField bool
}

// Record is one data row.
type Record struct {
	// Row locates the record: the line where it starts for CSV, TSV and
	// JSONL (the header is line 1), the sheet row for XLSX.
	Row int    `json:"row"`
	ID  string `json:"id,omitempty"`
	// Input holds the row's non-empty values by column header.
	Input map[string]string `json:"input"`
	// Query is built from the row's values as written; check it with
	// match.CheckQuery before screening it.
	Query vigil.Query `json:"-"`
	// Err is set for a bad row, which must not be screened.
	Err error `json:"-"`
}

// Reader streams the records of a file.
type Reader interface {
	// Next returns the next record, or io.EOF after the last one. A bad
	// row is a Record with Err set, not an error; errors are I/O failures.
	Next() (Record, error)
	// Format is the detected format.
	Format() string
	// Warnings lists non-fatal notes: unmapped columns, extra cells.
	Warnings() []string
}

// A Reader that holds resources beyond its input (the XLSX reader's
// temporary files) also implements io.Closer; it releases them itself at
// io.EOF or an error, so Close matters only to a caller that stops early.

// RowError is a Record.Err: what is wrong with one row.
type RowError struct {
	Row int
	Msg string
}

func (e *RowError) Error() string { return fmt.Sprintf("row %d: %s", e.Row, e.Msg) }

// Open detects the format of r from its content and name (its extension)
// and returns a reader for it. The column mapping is checked here: a file
// without a name column, or an Options.Map naming an unknown field or
// column, is an error.
func Open(r io.Reader, name string, opts Options) (Reader, error) {
	for f := range opts.Map {
		if fieldIndex(f) < 0 {
			return nil, fmt.Errorf("batch: unknown field %q in column map (fields: %s)", f, strings.Join(Fields, ", "))
		}
	}
	br := bufio.NewReaderSize(r, 64<<10)
	format := opts.Format
	if format == "" {
		head, err := br.Peek(4096)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, err
		}
		format = detect(head, name)
	}
	switch format {
	case FormatCSV:
		return openDelimited(br, ',', FormatCSV, opts)
	case FormatTSV:
		return openDelimited(br, '\t', FormatTSV, opts)
	case FormatJSONL:
		return openJSONL(br, opts)
	case FormatXLSX:
		return openXLSX(br, opts)
	}
	return nil, fmt.Errorf("batch: unknown format %q", format)
}

// detect sniffs the content first and falls back on the extension.
func detect(head []byte, name string) string {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return FormatXLSX
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(t) > 0 && t[0] == '{' {
		return FormatJSONL
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".tsv", ".tab":
		return FormatTSV
	case ".jsonl", ".ndjson":
		return FormatJSONL
	case ".xlsx":
		return FormatXLSX
	case ".csv":
		return FormatCSV
	}
	first := t
	if i := bytes.IndexByte(first, '\n'); i >= 0 {
		first = first[:i]
	}
	if bytes.Count(first, []byte{'\t'}) > bytes.Count(first, []byte{','}) {
		return FormatTSV
	}
	return FormatCSV
}

func fieldIndex(f string) int {
	for i, name := range Fields {
		if name == normHeader(f) {
			return i
		}
	}
	return -1
}

// mapper maps column headers to fields.
type mapper struct {
	override map[string]int // normalised header → field, from Options.Map
	byField  bool           // Options.InputByField
	cache    map[string]int
	warnings []string
	warned   map[string]bool
}

func newMapper(opts Options) *mapper {
	m := &mapper{override: map[string]int{}, cache: map[string]int{}, warned: map[string]bool{}, byField: opts.InputByField}
	for f, col := range opts.Map {
		m.override[normHeader(col)] = fieldIndex(f)
	}
	return m
}

// field returns the field a header maps to, or -1.
func (m *mapper) field(h string) int {
	if f, ok := m.cache[h]; ok {
		return f
	}
	n := normHeader(h)
	f, ok := m.override[n]
	if !ok {
		f, ok = aliases[n]
		if !ok {
			f = -1
		}
		// A column whose field is overridden to another column is not used.
		for _, of := range m.override {
			if of == f {
				f = -1
			}
		}
	}
	if len(m.cache) < 10000 { // JSONL keys are unbounded; keep memory flat
		m.cache[h] = f
	}
	return f
}

// inputKey returns the Input key of a column with header h read into field
// f (-1: none): see Options.InputByField.
func (m *mapper) inputKey(h string, f int) string {
	if !m.byField {
		return h
	}
	if f >= 0 {
		return Fields[f]
	}
	if fieldIndex(h) >= 0 {
		return h + " (not screened)"
	}
	return h
}

// inputKeys returns the Input keys of the columns of header, read into cols.
func (m *mapper) inputKeys(header []string, cols []int) []string {
	if !m.byField {
		return header
	}
	keys := make([]string, len(header))
	for i, h := range header {
		keys[i] = m.inputKey(h, cols[i])
	}
	return keys
}

func (m *mapper) warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !m.warned[msg] && len(m.warnings) < 100 {
		m.warned[msg] = true
		m.warnings = append(m.warnings, msg)
	}
}

// columns maps a header row to field indexes, checking the mapping.
func (m *mapper) columns(header []string) ([]int, error) {
	cols := make([]int, len(header))
	var seen [numFields]string
	for i, h := range header {
		f := m.field(h)
		if f >= 0 && seen[f] != "" {
			m.warnf("column %q ignored: field %s is already read from column %q", h, Fields[f], seen[f])
			f = -1
		} else if f >= 0 {
			seen[f] = h
		} else if strings.TrimSpace(h) != "" {
			m.warnf("column %q is not a screening field; it is kept in the input only", h)
		}
		cols[i] = f
	}
	for h := range m.override {
		found := false
		for _, c := range header {
			if normHeader(c) == h {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("batch: the column map names column %q, which the header lacks (columns: %s)", h, strings.Join(header, ", "))
		}
	}
	if seen[fName] == "" && seen[fFirst] == "" && seen[fLast] == "" {
		return nil, fmt.Errorf("batch: no name column: the header needs name, full_name or first_name/last_name, or a column map (columns: %s)", strings.Join(header, ", "))
	}
	return cols, nil
}

// build fills a record's query from field values, as written but for the
// date of birth, which becomes YYYY-MM-DD, YYYY-MM or YYYY where it can be
// read. Whether the matcher can use the values is for the screening path
// to check (match.CheckQuery; package batch cannot import it, whose
// package names uses batch files in its tests).
func build(rec *Record, vals *[numFields]string) {
	v := vals
	rec.ID = v[fID]
	q := &rec.Query
	q.Name = lists.CleanSpace(v[fName])
	if q.Name == "" {
		q.Name = lists.CleanSpace(v[fFirst] + " " + v[fMiddle] + " " + v[fLast])
		if q.Name != "" {
			q.Kind = vigil.KindPerson
		}
	}
	if q.Name == "" {
		rec.Err = &RowError{Row: rec.Row, Msg: "missing name"}
		return
	}
	if d := strings.TrimSpace(v[fDOB]); d != "" {
		q.DOB = d
		if dob, ok := normDate(d); ok {
			q.DOB = dob
		}
	}
	q.Nationality = v[fNationality]
	q.Gender = v[fGender]
	q.ID = strings.TrimSpace(v[fIDNumber])
	if k := strings.TrimSpace(v[fKind]); k != "" {
		q.Kind = vigil.Kind(k)
	}
}

// normDate turns a date in any of the forms lists.ParseDate reads into the
// query's YYYY-MM-DD, YYYY-MM or YYYY. Ranges keep their first year.
func normDate(s string) (string, bool) {
	if len(s) == 10 && s[4] == '-' && s[7] == '-' && isDigits(s[:4]) && isDigits(s[5:7]) && isDigits(s[8:]) {
		// Fast path for the common ISO form (ParseDate uses regexps).
		m, d := (s[5]-'0')*10+s[6]-'0', (s[8]-'0')*10+s[9]-'0'
		if m >= 1 && m <= 12 && d >= 1 && d <= 31 {
			return s, true
		}
		return "", false
	}
	d, ok := lists.ParseDate(s)
	if !ok || d.Year == 0 {
		return "", false
	}
	switch {
	case d.Day != 0 && d.ToYear == 0:
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day), true
	case d.Month != 0 && d.ToYear == 0:
		return fmt.Sprintf("%04d-%02d", d.Year, d.Month), true
	}
	return fmt.Sprintf("%04d", d.Year), true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
