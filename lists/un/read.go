package un

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// Format is the format name Read reports in Meta.Format.
const Format = "un_xml"

const rootName = "CONSOLIDATED_LIST"

// Sniff reports whether head (the first bytes of a file) is a UN consolidated
// list: its first element is CONSOLIDATED_LIST.
func Sniff(head []byte) bool {
	dec := xml.NewDecoder(bytes.NewReader(head))
	for {
		tok, err := dec.RawToken()
		if err != nil {
			return false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local == rootName && se.Name.Space == ""
		}
	}
}

// Read decodes a UN consolidated list, calling emit for each INDIVIDUAL and
// ENTITY in file order. A malformed or truncated file, or a record without a
// reference number or name, is a *lists.ParseError.
func Read(r io.Reader, emit lists.Emit) (*lists.Meta, error) {
	meta := &lists.Meta{List: vigil.ListUN, Source: vigil.SourceUN, Format: Format}
	in := lists.NewInput(r, lists.XMLRecord)
	dec := xml.NewDecoder(in)
	var (
		sawRoot, closedRoot bool
		container           string // INDIVIDUALS or ENTITIES while inside one
		depth               int
	)
	for {
		line, _ := dec.InputPos()
		in.Mark()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return meta, lists.XMLError(err, line, path(container))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1:
				if t.Name.Local != rootName {
					return meta, lists.Errorf(line, t.Name.Local, "not a UN consolidated list: root element is %s, want %s", t.Name.Local, rootName)
				}
				sawRoot = true
				readRootAttrs(meta, t)
			case depth == 2 && (t.Name.Local == "INDIVIDUALS" || t.Name.Local == "ENTITIES"):
				container = t.Name.Local
			case depth == 3 && (container == "INDIVIDUALS" && t.Name.Local == "INDIVIDUAL" || container == "ENTITIES" && t.Name.Local == "ENTITY"):
				start, _ := dec.InputPos()
				var rec record
				if err := dec.DecodeElement(&rec, &t); err != nil {
					return meta, lists.XMLError(err, start, path(container, t.Name.Local))
				}
				depth--
				kind := vigil.KindPerson
				if t.Name.Local == "ENTITY" {
					kind = vigil.KindOrganization
				}
				e, err := convert(meta, &rec, kind, start, path(container, t.Name.Local))
				if err != nil {
					return meta, err
				}
				if err := emit(e); err != nil {
					return meta, err
				}
			default:
				meta.Warnf("unknown element %s", path(container, t.Name.Local))
				if err := dec.Skip(); err != nil {
					return meta, lists.XMLError(err, line, path(container, t.Name.Local))
				}
				depth--
			}
		case xml.EndElement:
			depth--
			switch depth {
			case 0:
				closedRoot = true
			case 1:
				container = ""
			}
		}
	}
	if !sawRoot {
		return meta, lists.Errorf(0, rootName, "no %s element: empty or not a UN consolidated list", rootName)
	}
	if !closedRoot {
		// encoding/xml reports unclosed elements itself; this is a backstop.
		line, _ := dec.InputPos()
		return meta, lists.Errorf(line, rootName, "truncated file: %s not closed", rootName)
	}
	return meta, nil
}

func path(parts ...string) string {
	out := []string{rootName}
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "/")
}

func readRootAttrs(meta *lists.Meta, t xml.StartElement) {
	for _, a := range t.Attr {
		if a.Name.Local != "dateGenerated" {
			continue
		}
		v := strings.TrimSpace(a.Value)
		ts, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			ts, err = time.Parse("2006-01-02", v)
		}
		if err != nil {
			meta.Warnf("unparseable dateGenerated %q", v)
			continue
		}
		meta.Published = ts
	}
}

var (
	reURL    = regexp.MustCompile(`https?://[^\s<>"]+`)
	reDate   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}`)
	reExpiry = regexp.MustCompile(`(?i)expir\w*(?:\s+date)?\s*:?\s*(?:on\s+)?(\d{4}-\d{2}-\d{2})`)
)

// convert maps one decoded record to an Entity.
func convert(meta *lists.Meta, rec *record, kind vigil.Kind, line int, element string) (*vigil.Entity, error) {
	c := lists.CleanSpace
	ref := c(rec.Ref)
	if ref == "" {
		return nil, lists.Errorf(line, element, "record without REFERENCE_NUMBER (DATAID %q)", c(rec.DataID))
	}
	element += "[" + ref + "]"
	primary := c(strings.Join([]string{rec.First, rec.Second, rec.Third, rec.Fourth}, " "))
	if primary == "" {
		return nil, lists.Errorf(line, element, "record without FIRST_NAME")
	}
	warnUnknown(meta, element, rec.Unknown)

	e := &vigil.Entity{
		ID:     vigil.EntityID(vigil.SourceUN, ref),
		Source: vigil.SourceUN,
		Ref:    ref,
		Kind:   kind,
	}
	names := nameSet{}
	var titles []string
	for _, vl := range rec.Title {
		titles = append(titles, values(meta, element+"/TITLE", vl)...)
	}
	names.add(vigil.Name{Full: primary, Title: strings.Join(lists.Dedupe(titles), "; "), Script: lists.DetectScript(primary), Quality: vigil.QualityPrimary})
	for _, o := range rec.Original {
		if o = c(o); o != "" {
			names.add(vigil.Name{Full: o, Script: lists.DetectScript(o), Quality: vigil.QualityStrong})
		}
	}
	aliases := rec.IndAliases
	if kind != vigil.KindPerson {
		aliases = rec.EntAliases
	}
	for _, a := range aliases {
		readAlias(meta, e, &names, a, element)
	}
	e.Names = names.list

	if regime := c(rec.Regime); regime != "" {
		e.Programs = []string{regime}
		ms, ok := measuresFor(regime, kind, c(rec.Comments))
		if !ok {
			meta.Warnf("no measures known for regime %q", regime)
		}
		e.Measures = ms
	}
	if lo := c(rec.ListedOn); lo != "" {
		if reDate.MatchString(lo) {
			e.ListedOn = lo[:10]
		} else {
			meta.Warnf("unparseable LISTED_ON %q in %s", lo, element)
		}
	}
	switch g := strings.ToLower(c(rec.Gender)); g {
	case "":
	case "male", "female":
		e.Gender = g
	default:
		meta.Warnf("unknown GENDER %q in %s", rec.Gender, element)
	}
	e.Remarks = c(rec.Comments)
	for _, u := range reURL.FindAllString(e.Remarks, -1) {
		e.Links = append(e.Links, strings.TrimRight(u, ".,;)"))
	}
	e.Links = lists.Dedupe(e.Links)
	for _, vl := range rec.Designation {
		e.Positions = append(e.Positions, values(meta, element+"/DESIGNATION", vl)...)
	}
	e.Positions = lists.Dedupe(e.Positions)
	for _, vl := range rec.Nationality {
		for _, v := range values(meta, element+"/NATIONALITY", vl) {
			if code := country(meta, v, "NATIONALITY"); code != "" {
				e.Nationalities = append(e.Nationalities, code)
			}
		}
	}
	e.Nationalities = lists.Dedupe(e.Nationalities)
	for _, vl := range rec.ListType {
		values(meta, element+"/LIST_TYPE", vl)
	}
	for _, vl := range rec.LastUpdated {
		values(meta, element+"/LAST_DAY_UPDATED", vl)
	}

	addrs := rec.IndAddress
	if kind != vigil.KindPerson {
		addrs = rec.EntAddress
	}
	for _, a := range addrs {
		warnUnknown(meta, element+"/ADDRESS", a.Unknown)
		ad := vigil.Address{Street: c(a.Street), City: c(a.City), Region: c(a.State), PostalCode: c(a.Zip)}
		ad.Full = joinPlace(a.Street, a.City, a.State, a.Zip, a.Country, a.Note)
		if ad.Full == "" {
			continue // empty placeholder
		}
		ad.Country = country(meta, a.Country, "ADDRESS/COUNTRY")
		e.Addresses = append(e.Addresses, ad)
	}
	for _, d := range rec.DOBs {
		warnUnknown(meta, element+"/INDIVIDUAL_DATE_OF_BIRTH", d.Unknown)
		if date, ok := birthDate(meta, d, element); ok {
			e.BirthDates = addDate(e.BirthDates, date)
		}
	}
	for _, p := range rec.POBs {
		warnUnknown(meta, element+"/INDIVIDUAL_PLACE_OF_BIRTH", p.Unknown)
		if text := joinPlace(p.Street, p.City, p.State, p.Zip, p.Country, p.Note); text != "" {
			e.BirthPlaces = addPlace(e.BirthPlaces, vigil.Place{Text: text, Country: country(meta, p.Country, "INDIVIDUAL_PLACE_OF_BIRTH/COUNTRY")})
		}
	}
	for _, d := range rec.Documents {
		warnUnknown(meta, element+"/INDIVIDUAL_DOCUMENT", d.Unknown)
		if doc, ok := readDocument(meta, d, element); ok {
			e.Documents = append(e.Documents, doc)
		}
	}
	// The alias birth data went into names above; fold it into the entity
	// (see the package comment).
	for _, n := range aliasBirth(rec.IndAliases, kind) {
		if n.date != nil {
			e.BirthDates = addDate(e.BirthDates, *n.date)
		}
		if n.place != nil {
			e.BirthPlaces = addPlace(e.BirthPlaces, vigil.Place{Text: n.place.Text, Country: country(meta, n.countryName, "INDIVIDUAL_ALIAS/COUNTRY_OF_BIRTH")})
		}
	}
	return e, nil
}

// values returns the cleaned, non-empty VALUEs of a container.
func values(meta *lists.Meta, element string, vl valueList) []string {
	warnUnknown(meta, element, vl.Unknown)
	var out []string
	for _, v := range vl.Values {
		if v = lists.CleanSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// warnUnknown records unknown child elements once per element path (the
// record's reference is dropped from the path so repeats are counted).
func warnUnknown(meta *lists.Meta, element string, us []unknown) {
	if len(us) == 0 {
		return
	}
	if i := strings.IndexByte(element, '['); i >= 0 {
		if j := strings.IndexByte(element[i:], ']'); j >= 0 {
			element = element[:i] + element[i+j+1:]
		}
	}
	for _, u := range us {
		meta.Warnf("unknown element %s/%s", element, u.XMLName.Local)
	}
}

// country maps a country name to ISO alpha-2, warning (once per name and
// field) on unknown names.
func country(meta *lists.Meta, name, field string) string {
	name = lists.CleanSpace(name)
	if name == "" {
		return ""
	}
	code := lists.Country(name)
	if code == "" {
		meta.Warnf("unknown country %q in %s", name, field)
	}
	return code
}

// joinPlace joins the non-empty parts with ", ", the note in parentheses.
func joinPlace(street, city, state, zip, country, note string) string {
	var parts []string
	for _, p := range []string{street, city, state, zip, country} {
		if p = lists.CleanSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	s := strings.Join(parts, ", ")
	if note = lists.CleanSpace(note); note != "" {
		if s == "" {
			return note
		}
		s += " (" + note + ")"
	}
	return s
}

// birthDate reads one INDIVIDUAL_DATE_OF_BIRTH group.
func birthDate(meta *lists.Meta, d dob, element string) (vigil.Date, bool) {
	c := lists.CleanSpace
	typ := strings.ToUpper(c(d.Type))
	note := c(d.Note)
	var (
		date   vigil.Date
		parsed bool
	)
	switch {
	case c(d.FromYear) != "" || c(d.ToYear) != "":
		from, err1 := strconv.Atoi(c(d.FromYear))
		to, err2 := strconv.Atoi(c(d.ToYear))
		date.Text = c(c(d.FromYear) + "-" + c(d.ToYear))
		switch {
		case err1 == nil && err2 == nil && from <= to:
			date.Year, date.ToYear = from, to
			if to == from {
				date.ToYear = 0
			}
		case err1 == nil && c(d.ToYear) == "":
			date.Year = from
		case err2 == nil && c(d.FromYear) == "":
			date.Year = to
		default:
			meta.Warnf("unparseable date of birth range %q in %s", date.Text, element)
		}
		parsed = true
	case c(d.Date) != "":
		date, _ = lists.ParseDate(d.Date)
		parsed = true
	case c(d.Year) != "":
		date, _ = lists.ParseDate(d.Year)
		parsed = true
	case note != "":
		date, _ = lists.ParseDate(note)
		note = ""
	default:
		return vigil.Date{}, false // empty placeholder
	}
	if parsed && date.Year == 0 && date.Text != "" {
		meta.Warnf("unparseable date of birth %q in %s", date.Text, element)
	}
	switch typ {
	case "", "EXACT", "BETWEEN":
	case "APPROXIMATELY":
		date.Approx = true
	default:
		meta.Warnf("unknown TYPE_OF_DATE %q in %s", typ, element)
	}
	if note != "" {
		date.Text += " (" + note + ")"
	}
	return date, !date.IsZero() || date.Text != ""
}

// readDocument reads one INDIVIDUAL_DOCUMENT; ok is false for an empty one.
func readDocument(meta *lists.Meta, d document, element string) (vigil.Document, bool) {
	c := lists.CleanSpace
	typeText := c(d.Type)
	if t2 := c(d.Type2); t2 != "" {
		if typeText != "" {
			typeText += "; "
		}
		typeText += t2
	}
	doc := vigil.Document{
		Type:     docType(typeText),
		TypeText: typeText,
		Number:   c(d.Number),
		Issued:   c(d.Issued),
	}
	iss := c(d.Issuing)
	if iss == "" {
		iss = c(d.CountryOI)
	}
	doc.Country = country(meta, iss, "INDIVIDUAL_DOCUMENT/ISSUING_COUNTRY")
	var notes []string
	if city := c(d.City); city != "" {
		notes = append(notes, "issued in "+city)
	}
	if iss != "" && doc.Country == "" {
		notes = append(notes, "issued by "+iss)
	}
	if n := c(d.Note); n != "" {
		notes = append(notes, n)
		if m := reExpiry.FindStringSubmatch(n); m != nil {
			doc.Expires = m[1]
		}
	}
	doc.Note = strings.Join(notes, "; ")
	if doc.Number == "" && doc.TypeText == "" && doc.Note == "" && doc.Country == "" {
		return doc, false
	}
	return doc, true
}

// docType normalises the free-text TYPE_OF_DOCUMENT (+ TYPE_OF_DOCUMENT2).
func docType(text string) string {
	t := strings.ToLower(text)
	switch {
	case strings.Contains(t, "passport") || strings.Contains(t, "passeport") || strings.Contains(t, "pasaporte"):
		return vigil.DocPassport
	case strings.Contains(t, "tax") || strings.Contains(t, "fiscal"):
		return vigil.DocTaxID
	case strings.Contains(t, "registration") || strings.Contains(t, "licence") && strings.Contains(t, "business"):
		return vigil.DocRegistration
	case strings.Contains(t, "identi") || strings.Contains(t, "id card") || strings.Contains(t, "tazkira") ||
		strings.Contains(t, "social security") || strings.Contains(t, "civil"):
		return vigil.DocNationalID
	}
	return vigil.DocOther
}

// nameSet collects names without duplicates (same Full, case-sensitive).
type nameSet struct {
	list []vigil.Name
	seen map[string]bool
}

func (s *nameSet) add(n vigil.Name) {
	if n.Full == "" {
		return
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if s.seen[n.Full] {
		return
	}
	s.seen[n.Full] = true
	s.list = append(s.list, n)
}

// readAlias adds the names of one alias group.
func readAlias(meta *lists.Meta, e *vigil.Entity, names *nameSet, a alias, element string) {
	warnUnknown(meta, element+"/ALIAS", a.Unknown)
	q := lists.CleanSpace(a.Quality)
	var quality vigil.NameQuality
	switch strings.ToLower(q) {
	case "good", "a.k.a.", "aka":
		quality = vigil.QualityStrong
	case "low":
		quality = vigil.QualityWeak
	case "f.k.a.", "fka":
		quality = vigil.QualityFormerly
	case "":
		quality = vigil.QualityStrong
	default:
		meta.Warnf("unknown alias QUALITY %q", q)
		quality = vigil.QualityStrong
	}
	note := aliasNote(a)
	for _, part := range strings.Split(a.Name, ";") {
		part = lists.CleanSpace(part)
		if part == "" {
			continue
		}
		names.add(vigil.Name{Full: part, Script: lists.DetectScript(part), Quality: quality, Note: note})
	}
}

// aliasNote describes an alias's own birth data and note.
func aliasNote(a alias) string {
	c := lists.CleanSpace
	var parts []string
	if d := c(a.DOB); d != "" {
		parts = append(parts, "date of birth "+d)
	}
	if p := joinPlace("", a.CityOfB, "", "", a.CountryOB, ""); p != "" {
		parts = append(parts, "place of birth "+p)
	}
	if n := c(a.Note); n != "" {
		parts = append(parts, n)
	}
	return strings.Join(parts, "; ")
}

type aliasBirthData struct {
	date        *vigil.Date
	place       *vigil.Place
	countryName string
}

// aliasBirth returns the birth dates and places that aliases carry.
func aliasBirth(as []alias, kind vigil.Kind) []aliasBirthData {
	if kind != vigil.KindPerson {
		return nil
	}
	var out []aliasBirthData
	for _, a := range as {
		var b aliasBirthData
		if d := lists.CleanSpace(a.DOB); d != "" {
			date, _ := lists.ParseDate(d)
			b.date = &date
		}
		if p := joinPlace("", a.CityOfB, "", "", a.CountryOB, ""); p != "" {
			b.place = &vigil.Place{Text: p}
			b.countryName = a.CountryOB
		}
		if b.date != nil || b.place != nil {
			out = append(out, b)
		}
	}
	return out
}

func addDate(ds []vigil.Date, d vigil.Date) []vigil.Date {
	for _, x := range ds {
		if x == d || (x.String() == d.String() && x.Year != 0) {
			return ds
		}
	}
	return append(ds, d)
}

func addPlace(ps []vigil.Place, p vigil.Place) []vigil.Place {
	for _, x := range ps {
		if strings.EqualFold(x.Text, p.Text) {
			return ps
		}
	}
	return append(ps, p)
}
