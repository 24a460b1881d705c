package ofac

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// nullMarker is OFAC's null value, written unquoted and followed by a space.
const nullMarker = "-0-"

// sub is the Ctrl-Z byte that ends OFAC's legacy files.
const sub = 0x1A

// maxFileSize bounds each legacy CSV file, read into memory. The largest,
// sdn.csv, is ~5 MB; alt.csv and add.csv ~2 MB.
const maxFileSize = 64 << 20

// CSVSet is one legacy CSV publication: the primary file and its companions
// (nil when absent).
type CSVSet struct {
	// Primary is sdn.csv (or cons_prim.csv); Add, Alt and Comments are
	// add.csv, alt.csv and sdn_comments.csv (or their cons_ twins).
	Primary, Add, Alt, Comments io.Reader
	// Cons marks the consolidated non-SDN set (cons_*.csv).
	Cons bool
}

// Column counts of the four legacy CSV files.
const (
	primaryCols  = 12
	addCols      = 6
	altCols      = 5
	commentsCols = 2
)

// SniffCSV reports which file of a legacy OFAC CSV set head (the first bytes
// of a file) is: "primary" (sdn.csv, cons_prim.csv: 12 columns), "add" (6
// columns, numeric address key), "alt" (5 columns, type aka/fka/nka) or
// "comments" (2 columns). The files have no header, so the first record's
// shape decides; ok is false for anything else.
func SniffCSV(head []byte) (kind string, ok bool) {
	head = bytes.TrimLeft(head, "\ufeff\r\n")
	if len(head) == 0 || head[0] < '0' || head[0] > '9' {
		return "", false
	}
	line := head
	complete := false
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		line, complete = head[:i], true
	}
	rec, err := readFirstRecord(line)
	if err != nil && !complete {
		// A first record longer than head (a long comment): close its quote.
		rec, err = readFirstRecord(append(append([]byte{}, line...), '"'))
	}
	if err != nil || len(rec) < 2 {
		return "", false
	}
	if _, err := strconv.Atoi(strings.TrimSpace(rec[0])); err != nil {
		return "", false
	}
	isInt := func(s string) bool { _, err := strconv.Atoi(strings.TrimSpace(s)); return err == nil }
	switch {
	case len(rec) == primaryCols:
		return "primary", true
	case len(rec) == addCols && isInt(rec[1]):
		return "add", true
	case len(rec) == altCols && isInt(rec[1]):
		switch strings.TrimSpace(rec[2]) {
		case "aka", "fka", "nka":
			return "alt", true
		}
	case len(rec) == commentsCols:
		return "comments", true
	case !complete && len(rec) < primaryCols && !isInt(rec[1]):
		// A long primary first row cut by head: ent_num then a quoted name.
		return "primary", true
	}
	return "", false
}

func readFirstRecord(b []byte) ([]string, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	return r.Read()
}

// ReadCSV reads a legacy CSV set. The companions are read into maps first
// (they are small); then the primary file is read row by row and each entry is
// emitted with its addresses, aliases and remarks (sdn.csv Remarks continued
// by sdn_comments.csv, then parsed with ParseRemarks).
//
// "Linked To:" relations are resolved to an entity id when the linked name is
// exactly the SDN_Name of one entry of the same primary file (a first pass over
// the primary collects the names, so the primary is held in memory, bounded by
// maxFileSize). A set without its primary file is refused; a set without
// alt.csv, add.csv or sdn_comments.csv is read with a warning (Meta.Warnings)
// naming what is lost.
func ReadCSV(set CSVSet, emit lists.Emit) (*lists.Meta, error) {
	meta := &lists.Meta{List: vigil.ListOFACSDN, Source: vigil.SourceOFAC, Format: "ofac_csv"}
	names := csvNames{primary: "sdn.csv", add: "add.csv", alt: "alt.csv", comments: "sdn_comments.csv"}
	if set.Cons {
		meta.List = vigil.ListOFACCons
		names = csvNames{primary: "cons_prim.csv", add: "cons_add.csv", alt: "cons_alt.csv", comments: "cons_comments.csv"}
	}
	if set.Primary == nil {
		return nil, &lists.ParseError{File: names.primary, Err: fmt.Errorf(
			"%s is missing: an OFAC CSV set cannot be read from its companion files alone (add, alt, comments hold no names or types)", names.primary)}
	}
	// A set without its companions reads, but loses what they hold: say so
	// on the dataset, so that importing it over a complete set is not
	// silent.
	if set.Alt == nil {
		meta.Warnf("%s is missing: aliases are not imported, so every entry is known by its primary name only (import %s with its %s)", names.alt, names.primary, names.alt)
	}
	if set.Add == nil {
		meta.Warnf("%s is missing: addresses are not imported (import %s with its %s)", names.add, names.primary, names.add)
	}
	if set.Comments == nil {
		meta.Warnf("%s is missing: remarks that continue there are cut short (import %s with its %s)", names.comments, names.primary, names.comments)
	}
	c := &csvSet{meta: meta, names: names,
		addrs: map[string][]vigil.Address{}, alts: map[string][]vigil.Name{}, comments: map[string]string{}}
	if err := c.readCompanions(set); err != nil {
		return nil, err
	}
	data, err := readLimited(set.Primary, names.primary)
	if err != nil {
		return nil, err
	}
	data, hadSub := trimSub(data)
	if !hadSub {
		meta.Warnf("%s does not end with OFAC's 0x1A end-of-file byte; check it is complete", names.primary)
	}
	if err := c.collectNames(data); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	err = eachRow(data, names.primary, primaryCols, func(line int, rec []string) error {
		e, err := c.entity(line, rec)
		if err != nil {
			return err
		}
		if seen[e.Ref] {
			return lists.Errorf(line, names.primary+" ent_num", "duplicate ent_num %s", e.Ref)
		}
		seen[e.Ref] = true
		return emit(e)
	})
	if err != nil {
		return nil, err
	}
	c.warnOrphans(seen)
	return meta, nil
}

type csvNames struct{ primary, add, alt, comments string }

// csvSet holds a CSV set's companions while the primary is read.
type csvSet struct {
	meta     *lists.Meta
	names    csvNames
	addrs    map[string][]vigil.Address
	alts     map[string][]vigil.Name
	comments map[string]string
	byName   map[string]string // SDN_Name -> ent_num; "" when several share it
	tally    lists.Tally       // bounds what the companions hold
}

func (c *csvSet) readCompanions(set CSVSet) error {
	read := func(r io.Reader, file string, cols int, fn func(line int, rec []string) error) error {
		if r == nil {
			return nil
		}
		data, err := readLimited(r, file)
		if err != nil {
			return err
		}
		data, _ = trimSub(data)
		return eachRow(data, file, cols, fn)
	}
	err := read(set.Add, c.names.add, addCols, func(line int, rec []string) error {
		ent, err := entNum(line, c.names.add, rec[0])
		if err != nil {
			return err
		}
		if err := c.tally.Add(ent, rec); err != nil {
			return lists.Errorf(line, c.names.add, "%v", err)
		}
		a := vigil.Address{Street: rec[2], City: rec[3], Country: lists.Country(rec[4])}
		if a.Country == "" && rec[4] != "" {
			c.meta.Warnf("%s: unknown country %q", c.names.add, rec[4])
		}
		a.Full = joinNonEmpty(", ", rec[2], rec[3], rec[4])
		if rec[5] != "" {
			a.Full = joinNonEmpty(" ", a.Full, "("+rec[5]+")")
		}
		if a.Full != "" {
			c.addrs[ent] = append(c.addrs[ent], a)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = read(set.Alt, c.names.alt, altCols, func(line int, rec []string) error {
		ent, err := entNum(line, c.names.alt, rec[0])
		if err != nil {
			return err
		}
		if err := c.tally.Add(ent, rec); err != nil {
			return lists.Errorf(line, c.names.alt, "%v", err)
		}
		if rec[3] == "" {
			return lists.Errorf(line, c.names.alt+" alt_name", "entry %s: empty alias name", ent)
		}
		n := vigil.Name{Full: rec[3], Note: rec[4], Script: lists.DetectScript(rec[3])}
		switch strings.ToLower(rec[2]) {
		case "aka":
			n.Quality = vigil.QualityStrong
		case "fka":
			n.Quality = vigil.QualityFormerly
		case "nka":
			n.Quality = vigil.QualityStrong
			n.Note = joinNonEmpty("; ", "n.k.a.", n.Note)
		default:
			c.meta.Warnf("%s: unknown alt_type %q, read as a.k.a.", c.names.alt, rec[2])
			n.Quality = vigil.QualityStrong
		}
		c.alts[ent] = append(c.alts[ent], n)
		return nil
	})
	if err != nil {
		return err
	}
	return read(set.Comments, c.names.comments, commentsCols, func(line int, rec []string) error {
		ent, err := entNum(line, c.names.comments, rec[0])
		if err != nil {
			return err
		}
		if err := c.tally.Add(ent, rec); err != nil {
			return lists.Errorf(line, c.names.comments, "%v", err)
		}
		c.comments[ent] += rec[1]
		return nil
	})
}

// collectNames is the first pass over the primary: SDN_Name -> ent_num.
func (c *csvSet) collectNames(data []byte) error {
	c.byName = map[string]string{}
	return eachRow(data, c.names.primary, primaryCols, func(line int, rec []string) error {
		if prev, dup := c.byName[rec[1]]; dup && prev != rec[0] {
			c.byName[rec[1]] = ""
		} else {
			c.byName[rec[1]] = rec[0]
		}
		return nil
	})
}

func (c *csvSet) entity(line int, rec []string) (*vigil.Entity, error) {
	ref, err := entNum(line, c.names.primary, rec[0])
	if err != nil {
		return nil, err
	}
	if rec[1] == "" {
		return nil, lists.Errorf(line, c.names.primary+" SDN_Name", "entry %s has no name", ref)
	}
	e := &vigil.Entity{ID: vigil.EntityID(vigil.SourceOFAC, ref), Source: vigil.SourceOFAC, Ref: ref}
	switch t := strings.ToLower(rec[2]); t {
	case "":
		e.Kind = vigil.KindOrganization // OFAC writes entities with a null type
	default:
		k, ok := vigil.ParseKind(t)
		if !ok || k == vigil.KindUnknown {
			c.meta.Warnf("%s: unknown SDN_Type %q", c.names.primary, rec[2])
		}
		e.Kind = k
	}
	e.Names = append(e.Names, primaryName(rec[1], e.Kind))
	e.Names = append(e.Names, c.alts[ref]...)
	e.Programs = splitPrograms(rec[3])
	if rec[4] != "" {
		e.Positions = []string{rec[4]}
	}
	e.CallSign, e.VesselType, e.Tonnage, e.GrossTonnage, e.Owner = rec[5], rec[6], rec[7], rec[8], rec[10]
	if rec[9] != "" && rec[9] != "None Identified" {
		e.Flag = country(rec[9])
		if e.Flag == "" {
			c.meta.Warnf("%s: unknown vessel flag %q", c.names.primary, rec[9])
			e.Flag = rec[9]
		}
	}
	e.Addresses = c.addrs[ref]
	remarks := rec[11]
	if more := c.comments[ref]; more != "" {
		remarks += more // the overflow continues the text mid-word: no separator
	}
	f := ParseRemarks(remarks)
	for _, w := range f.Warnings {
		c.meta.Warnf("%s remarks: %s", c.names.primary, w)
	}
	mergeFacts(e, &f.Facts)
	e.Remarks = f.Rest
	if c.meta.List == vigil.ListOFACSDN {
		e.Measures = []vigil.Measure{vigil.MeasureAssetFreeze}
	}
	for i := range e.Relations {
		e.Relations[i].EntityID = c.resolve(e.Relations[i].Name, ref)
	}
	e.Relations = dedupeRelations(e.Relations)
	e.Names = dedupeNames(e.Names)
	return e, nil
}

// resolve returns the entity id of the one primary entry named name ("" when
// none or several are, or when it is the entry itself). A linked name at the
// very end of the remarks may have lost the period of "S.A." to the final
// period, so name+"." is tried too.
func (c *csvSet) resolve(name, self string) string {
	for _, n := range []string{name, name + "."} {
		if ent, ok := c.byName[n]; ok {
			if ent == "" || ent == self {
				return ""
			}
			return vigil.EntityID(vigil.SourceOFAC, ent)
		}
	}
	return ""
}

func (c *csvSet) warnOrphans(seen map[string]bool) {
	if n := orphans(c.addrs, seen); n > 0 {
		c.meta.Warnf("%s: %d ent_num values are not in %s", c.names.add, n, c.names.primary)
	}
	if n := orphans(c.alts, seen); n > 0 {
		c.meta.Warnf("%s: %d ent_num values are not in %s", c.names.alt, n, c.names.primary)
	}
	if n := orphans(c.comments, seen); n > 0 {
		c.meta.Warnf("%s: %d ent_num values are not in %s", c.names.comments, n, c.names.primary)
	}
}

// orphans counts the keys of m that are not in seen.
func orphans[V any](m map[string]V, seen map[string]bool) int {
	n := 0
	for k := range m {
		if !seen[k] {
			n++
		}
	}
	return n
}

// primaryName builds the primary Name; individuals are written "SURNAME,
// Given Names".
func primaryName(full string, kind vigil.Kind) vigil.Name {
	n := vigil.Name{Full: full, Quality: vigil.QualityPrimary, Script: lists.DetectScript(full)}
	if kind == vigil.KindPerson {
		if fam, given, ok := strings.Cut(full, ", "); ok {
			n.Family, n.Given = strings.TrimSpace(fam), strings.TrimSpace(given)
		}
	}
	return n
}

// splitPrograms splits "SDGT] [SDT" (the outer brackets of "[SDGT] [SDT]"
// are removed by OFAC) into codes.
func splitPrograms(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	parts := strings.Split(s, "] [")
	for i, p := range parts {
		parts[i] = strings.Trim(p, "[] ")
	}
	return lists.Dedupe(parts)
}

// dedupeNames drops repeated names (same Full, case-insensitively), keeping
// the first, i.e. the strongest.
func dedupeNames(ns []vigil.Name) []vigil.Name {
	seen := make(map[string]bool, len(ns))
	out := ns[:0]
	for _, n := range ns {
		n.Full = lists.CleanSpace(n.Full)
		k := strings.ToLower(n.Full)
		if n.Full == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, n)
	}
	return out
}

var reEntNum = regexp.MustCompile(`^[0-9]+$`)

func entNum(line int, file, s string) (string, error) {
	if !reEntNum.MatchString(s) {
		return "", lists.Errorf(line, file+" ent_num", "ent_num %q is not a number", s)
	}
	return s, nil
}

// eachRow reads the CSV rows of data (no header), checking the column count
// and cleaning each field: trimmed, the null marker as "", Windows-1252 text
// decoded where it is not valid UTF-8.
func eachRow(data []byte, file string, cols int, fn func(line int, rec []string) error) error {
	in := lists.NewInput(bytes.NewReader(data), lists.CSVRow)
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	for {
		in.Mark()
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return &lists.ParseError{File: file, Line: pe.StartLine, Element: fmt.Sprintf("column %d", pe.Column), Err: pe.Err}
			}
			line, _ := r.FieldPos(0) // of the last record read
			return &lists.ParseError{File: file, Line: line, Element: "after this row", Err: err}
		}
		line, _ := r.FieldPos(0)
		if len(rec) != cols {
			return lists.Errorf(line, file, "row has %d columns, want %d (truncated or not an OFAC %s file?)", len(rec), cols, file)
		}
		for i, f := range rec {
			rec[i] = cleanField(f)
		}
		if err := fn(line, rec); err != nil {
			return err
		}
	}
}

var win1252 = charmap.Windows1252.NewDecoder()

func cleanField(s string) string {
	s = strings.TrimSpace(s)
	if s == nullMarker {
		return ""
	}
	if !utf8.ValidString(s) {
		if d, err := win1252.String(s); err == nil {
			s = d
		}
	}
	return s
}

// trimSub drops the 0x1A byte (and the line break before it) that ends OFAC's
// legacy files, reporting whether it was there.
func trimSub(data []byte) ([]byte, bool) {
	trimmed := bytes.TrimRight(data, "\r\n")
	if len(trimmed) > 0 && trimmed[len(trimmed)-1] == sub {
		return trimmed[:len(trimmed)-1], true
	}
	return data, false
}

func readLimited(r io.Reader, file string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return nil, &lists.ParseError{File: file, Err: err}
	}
	if len(data) > maxFileSize {
		return nil, &lists.ParseError{File: file, Err: fmt.Errorf("file larger than %d bytes", maxFileSize)}
	}
	return data, nil
}

func joinNonEmpty(sep string, parts ...string) string {
	out := parts[:0:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// dedupeRelations drops repeated relations (OFAC repeats "Linked To:").
func dedupeRelations(rs []vigil.Relation) []vigil.Relation {
	seen := make(map[vigil.Relation]bool, len(rs))
	out := rs[:0]
	for _, r := range rs {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
