// Package uscsl reads the US Consolidated Screening List (CSL) CSV published by
// trade.gov (FORMATS.md §3.5), plain or gzip-compressed.
//
// Layout: UTF-8 (a leading BOM is skipped), a header row, then one row per
// listing; columns are found by header name (29 known; others are warned about).
// Multi-valued cells (alt_names, programs, addresses, ids, dates_of_birth, …)
// are "; "-separated.
//
// Mapping choices:
//   - Ref is _id (the OFAC ent_num for Treasury lists, a hash for the others),
//     so the SDN row of Qasem Soleimani is "us_csl:10481". A Treasury row
//     (SDN, SSI, PLC, CAP, CMIC, NS-MBS, FSE) with a numeric _id gets a
//     same_as Relation to "ofac:<_id>", OFAC's own listing.
//   - Kind comes from type. A blank type (used by the BIS and State lists) is an
//     organization unless the row shows person evidence: a date or place of
//     birth, or a Gender item in ids. Persons on those lists with no such
//     evidence therefore come out as organizations.
//   - Measures: only rows from the SDN list get MeasureAssetFreeze (blocking).
//     The other lists (Entity List, DPL, UVL, MEU, ISN, ITAR debarment, SSI,
//     FSE, PLC, CAPTA, CMIC, MBS) impose export, transaction or financing
//     restrictions, none of which is an asset freeze, travel ban or arms
//     embargo in Vigil's sense, so they get no Measures.
//   - Programs holds the programs cell, then the source list's short code taken
//     from the parentheses in source ("SDN", "EL", "DPL", …).
//   - ids items are "[country, ][date, [date, ]]number, type" (the type last).
//     Known identity and registration documents become Documents; two dates are
//     issue (earlier) and expiry (later); a single date is kept in Note since
//     the file does not say which it is. OFAC features carried in ids become
//     fields where Vigil has one (Gender, Website, vessel IMO, aircraft model,
//     serial and tail numbers, operator) and Remarks lines otherwise.
package uscsl

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
	"github.com/vigil-screening/vigil/unpack"
)

// Format is the Meta.Format of the CSL CSV.
const Format = "us_csl_csv"

var (
	gzipMagic = []byte{0x1f, 0x8b}
	bom       = []byte{0xef, 0xbb, 0xbf}
)

// known lists the CSL CSV columns this reader maps (FORMATS.md §3.5).
var known = []string{"_id", "source", "entity_number", "type", "programs", "name", "title",
	"addresses", "federal_register_notice", "start_date", "end_date", "standard_order",
	"license_requirement", "license_policy", "call_sign", "vessel_type", "gross_tonnage",
	"gross_registered_tonnage", "vessel_flag", "vessel_owner", "remarks", "source_list_url",
	"alt_names", "citizenships", "dates_of_birth", "nationalities", "places_of_birth",
	"source_information_url", "ids"}

// Sniff reports whether head starts like a CSL CSV: a header row holding the
// source, name, alt_names and ids columns. A gzip stream is unpacked as far as
// head allows before looking.
func Sniff(head []byte) bool {
	if bytes.HasPrefix(head, gzipMagic) {
		zr, err := gzip.NewReader(bytes.NewReader(head))
		if err != nil {
			return false
		}
		buf := make([]byte, 8<<10)
		n, _ := io.ReadFull(zr, buf)
		head = buf[:n]
	}
	head = bytes.TrimPrefix(head, bom)
	line, _, _ := bytes.Cut(head, []byte("\n"))
	cols := map[string]bool{}
	for _, c := range strings.Split(strings.TrimRight(string(line), "\r"), ",") {
		cols[strings.Trim(c, `" `)] = true
	}
	return cols["source"] && cols["name"] && cols["alt_names"] && cols["ids"] && cols["type"]
}

// Read decodes a CSL CSV (plain or gzip) row by row, emitting one entity per row.
func Read(r io.Reader, emit lists.Emit) (*lists.Meta, error) {
	meta := &lists.Meta{List: vigil.ListUSCSL, Source: vigil.SourceUSCSL, Format: Format}
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); bytes.Equal(magic, gzipMagic) {
		// unpack bounds the stream and reports a CRC-32 mismatch at its
		// end, which the CSV reader returns: nothing is kept on error.
		zr, err := unpack.Gzip(br, lists.ArchiveLimits)
		if err != nil {
			return meta, lists.ArchiveError(err, "gzip")
		}
		defer zr.Close()
		br = bufio.NewReaderSize(zr, 64<<10)
	}
	if b, _ := br.Peek(3); bytes.Equal(b, bom) {
		br.Discard(3)
	}
	in := lists.NewInput(br, lists.CSVRow)
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		if err == io.EOF {
			return meta, lists.Errorf(1, "header", "empty file")
		}
		return meta, csvError(err, 1)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		col[h] = i
	}
	for _, h := range header {
		if !contains(known, strings.TrimSpace(h)) {
			meta.Warnf("unknown column %q", h)
		}
	}
	for _, req := range []string{"_id", "name", "source"} {
		if _, ok := col[req]; !ok {
			return meta, lists.Errorf(1, "header", "missing required column %q", req)
		}
	}
	line := 1
	for {
		in.Mark()
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// FieldPos panics after a failed Read: the line comes from the
			// error, or is the last good row's.
			return meta, csvError(err, line)
		}
		line, _ = cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != len(header) {
			return meta, lists.Errorf(line, "row", "has %d fields, header has %d", len(rec), len(header))
		}
		get := func(name string) string {
			if i, ok := col[name]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		e, err := rowEntity(get, meta, line)
		if err != nil {
			return meta, err
		}
		if err := emit(e); err != nil {
			return meta, err
		}
	}
	return meta, nil
}

func csvError(err error, line int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return lists.Errorf(pe.Line, "row", "%v", pe.Err)
	}
	var ue *unpack.Error
	if errors.As(err, &ue) {
		return lists.ArchiveError(err, "gzip")
	}
	return lists.Errorf(line, "row", "%v", err)
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

var reSourceCode = regexp.MustCompile(`\(([A-Z][A-Za-z-]*)(?: List)?\)`)

// rowEntity maps one CSL row to an entity.
func rowEntity(get func(string) string, meta *lists.Meta, line int) (*vigil.Entity, error) {
	ref := get("_id")
	if ref == "" {
		return nil, lists.Errorf(line, "_id", "row has no _id")
	}
	name := lists.CleanSpace(get("name"))
	if name == "" {
		return nil, lists.Errorf(line, "_id="+ref, "row has no name")
	}
	e := &vigil.Entity{ID: vigil.EntityID(vigil.SourceUSCSL, ref), Source: vigil.SourceUSCSL, Ref: ref}
	typ := get("type")
	kind, ok := vigil.ParseKind(typ)
	if !ok {
		meta.Warnf("unknown type %q", typ)
	}
	source := get("source")
	var remarks []string

	parseIDs(get("ids"), e, meta, &remarks)
	for _, s := range split(get("dates_of_birth")) {
		e.BirthDates = append(e.BirthDates, lists.MustDate(s))
	}
	for _, s := range split(get("places_of_birth")) {
		p := vigil.Place{Text: s}
		if i := strings.LastIndex(s, ", "); i >= 0 {
			p.Country = lists.Country(s[i+2:])
		} else {
			p.Country = lists.Country(s)
		}
		e.BirthPlaces = append(e.BirthPlaces, p)
	}
	if kind == vigil.KindUnknown {
		kind = vigil.KindOrganization
		if len(e.BirthDates) > 0 || len(e.BirthPlaces) > 0 || e.Gender != "" {
			kind = vigil.KindPerson
		}
	}
	e.Kind = kind

	e.Names = append(e.Names, personName(name, kind, vigil.QualityPrimary))
	for _, a := range splitNames(get("alt_names")) {
		e.Names = append(e.Names, personName(a, kind, vigil.QualityStrong))
	}
	e.Names = dedupeNames(e.Names)

	e.Nationalities = countries(get("nationalities"), meta)
	e.Citizenships = countries(get("citizenships"), meta)
	if t := get("title"); t != "" {
		e.Positions = []string{t}
	}
	for _, a := range split(get("addresses")) {
		e.Addresses = append(e.Addresses, parseAddress(a))
	}
	e.CallSign = get("call_sign")
	e.VesselType = get("vessel_type")
	e.GrossTonnage = get("gross_tonnage")
	e.Tonnage = get("gross_registered_tonnage")
	if f := get("vessel_flag"); f != "" && !strings.EqualFold(f, "None Identified") {
		if e.Flag = lists.Country(f); e.Flag == "" {
			meta.Warnf("unknown vessel_flag %q", f)
			e.Flag = f
		}
	}
	e.Owner = get("vessel_owner")

	e.Programs = split(get("programs"))
	code := ""
	if m := reSourceCode.FindStringSubmatch(source); m != nil {
		code = m[1]
		e.Programs = append(e.Programs, code)
	} else if source != "" {
		meta.Warnf("source without a short code: %q", source)
	}
	e.Programs = lists.Dedupe(e.Programs)
	if strings.Contains(source, "Treasury") && isDigits(ref) {
		// Treasury's lists give OFAC's ent_num as _id: the row is OFAC's
		// listing of the same subject, as the list itself says.
		e.Relations = append(e.Relations, vigil.Relation{EntityID: vigil.EntityID(vigil.SourceOFAC, ref), Type: vigil.RelationSameAs})
	}
	if code == "SDN" {
		e.Measures = []vigil.Measure{vigil.MeasureAssetFreeze}
	}
	if d, ok := lists.ParseDate(get("start_date")); ok && d.Day != 0 {
		e.ListedOn = d.String()
	}
	for _, f := range []struct{ col, label string }{
		{"source", "Source list"}, {"remarks", ""}, {"federal_register_notice", "Federal Register notice"},
		{"end_date", "End date"}, {"standard_order", "Standard order"},
		{"license_requirement", "License requirement"}, {"license_policy", "License policy"},
	} {
		v := get(f.col)
		if v == "" {
			continue
		}
		if f.label != "" {
			v = f.label + ": " + v
		}
		remarks = append(remarks, v)
	}
	if start := get("start_date"); start != "" && e.ListedOn == "" {
		remarks = append(remarks, "Start date: "+start)
	}
	e.Remarks = strings.Join(remarks, "\n")
	e.Links = lists.Dedupe(append(e.Links, get("source_list_url"), get("source_information_url")))
	e.Positions = lists.Dedupe(e.Positions)
	return e, nil
}

// split splits a "; "-joined cell, dropping empty items.
func split(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = lists.CleanSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// splitNames splits alt_names, dropping the "and " that BIS lists sometimes
// put before the last item.
func splitNames(s string) []string {
	out := split(s)
	for i, n := range out {
		if strings.HasPrefix(n, "and ") && len(out) > 1 && i == len(out)-1 {
			out[i] = strings.TrimSpace(n[4:])
		}
	}
	return out
}

// personName builds a Name; for persons written "FAMILY, Given" it keeps the
// two parts.
func personName(full string, kind vigil.Kind, q vigil.NameQuality) vigil.Name {
	n := vigil.Name{Full: full, Quality: q, Script: lists.DetectScript(full)}
	if kind == vigil.KindPerson && strings.Count(full, ",") == 1 {
		fam, giv, _ := strings.Cut(full, ",")
		n.Family, n.Given = strings.TrimSpace(fam), strings.TrimSpace(giv)
	}
	return n
}

func dedupeNames(ns []vigil.Name) []vigil.Name {
	seen := map[string]bool{}
	out := ns[:0]
	for _, n := range ns {
		k := strings.ToLower(n.Full)
		if n.Full == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, n)
	}
	return out
}

func countries(cell string, meta *lists.Meta) []string {
	var out []string
	for _, c := range split(cell) {
		code := lists.Country(c)
		if code == "" {
			meta.Warnf("unknown country %q", c)
			continue
		}
		out = append(out, code)
	}
	return lists.Dedupe(out)
}

// parseAddress reads "street, city, state, postal code, CC": the country is the
// last item when it is a known country.
func parseAddress(s string) vigil.Address {
	a := vigil.Address{Full: s}
	parts := strings.Split(s, ", ")
	if len(parts) > 0 {
		if c := lists.Country(parts[len(parts)-1]); c != "" {
			a.Country = c
		}
	}
	return a
}

var reISODate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// docTypes maps ids item types to Vigil document types.
var docTypes = map[string]string{
	"passport": vigil.DocPassport, "diplomatic passport": vigil.DocPassport,
	"national id no.": vigil.DocNationalID, "cedula no.": vigil.DocNationalID, "c.u.r.p.": vigil.DocNationalID,
	"d.n.i.": vigil.DocNationalID, "personal id card": vigil.DocNationalID, "identification number": vigil.DocNationalID,
	"national foreign id number": vigil.DocNationalID, "electoral registry no.": vigil.DocNationalID,
	"credencial electoral": vigil.DocNationalID, "ssn": vigil.DocNationalID, "birth certificate number": vigil.DocNationalID,
	"residency number": vigil.DocNationalID, "tax id no.": vigil.DocTaxID, "r.f.c.": vigil.DocTaxID, "rfc": vigil.DocTaxID,
	"nit #": vigil.DocTaxID, "ruc #": vigil.DocTaxID, "v.a.t. number": vigil.DocTaxID, "italian fiscal code": vigil.DocTaxID,
	"us fein": vigil.DocTaxID, "rif #": vigil.DocTaxID, "registration number": vigil.DocRegistration,
	"registration id": vigil.DocRegistration, "company number": vigil.DocRegistration,
	"commercial registry number": vigil.DocRegistration, "business registration number": vigil.DocRegistration,
	"folio mercantil no.": vigil.DocRegistration, "matricula mercantil no": vigil.DocRegistration,
	"unified social credit code (uscc)": vigil.DocRegistration, "legal entity number": vigil.DocRegistration,
	"public registration number": vigil.DocRegistration, "chamber of commerce number": vigil.DocRegistration,
	"business registration document #": vigil.DocRegistration, "government gazette number": vigil.DocRegistration,
	"c.r. no.": vigil.DocRegistration, "trade license no.": vigil.DocRegistration,
	"driver's license no.": vigil.DocOther, "cartilla de servicio militar nacional": vigil.DocOther,
	"d-u-n-s number": vigil.DocRegistration, "swift/bic": vigil.DocOther, "bik (ru)": vigil.DocOther, "mmsi": vigil.DocOther,
}

// parseIDs reads the ids cell: items "; "-separated, each
// "[CC, ][date, [date, ]]number, type".
func parseIDs(cell string, e *vigil.Entity, meta *lists.Meta, remarks *[]string) {
	for _, item := range split(cell) {
		parts := strings.Split(item, ", ")
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		typ := parts[len(parts)-1]
		rest := parts[:len(parts)-1]
		if len(rest) == 0 {
			*remarks = append(*remarks, item)
			continue
		}
		var country string
		var dates []string
		if len(rest) >= 2 && len(rest[0]) == 2 && strings.ToUpper(rest[0]) == rest[0] && lists.Country(rest[0]) != "" {
			country = lists.Country(rest[0])
			rest = rest[1:]
		}
		for len(rest) >= 2 && reISODate.MatchString(rest[0]) {
			dates = append(dates, rest[0])
			rest = rest[1:]
		}
		value := strings.Join(rest, ", ")
		lt := strings.ToLower(strings.TrimRight(typ, " :-"))
		switch lt {
		case "gender":
			switch strings.ToLower(value) {
			case "male":
				e.Gender = "male"
			case "female":
				e.Gender = "female"
			}
			continue
		case "website":
			e.Links = append(e.Links, value)
			continue
		case "vessel registration identification":
			if v, ok := strings.CutPrefix(value, "IMO "); ok {
				e.IMO = v
				continue
			}
		case "aircraft model":
			e.Model = value
			continue
		case "aircraft manufacturer's serial number (msn)":
			e.SerialNumber = value
			continue
		case "aircraft tail number":
			e.TailNumber = value
			continue
		}
		if t, ok := docTypes[lt]; ok {
			d := vigil.Document{Type: t, TypeText: typ, Number: value, Country: country}
			switch len(dates) {
			case 1:
				d.Note = "date " + dates[0] + " (issue or expiry not stated)"
			case 2:
				d.Issued, d.Expires = dates[0], dates[1]
				if d.Issued > d.Expires {
					d.Issued, d.Expires = d.Expires, d.Issued
				}
			}
			e.Documents = append(e.Documents, d)
			continue
		}
		*remarks = append(*remarks, fmt.Sprintf("%s %s", strings.TrimRight(typ, " "), strings.Join(parts[:len(parts)-1], ", ")))
	}
	e.Links = lists.Dedupe(e.Links)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
