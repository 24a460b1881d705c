package eu

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// Format is the format name Read reports in Meta.Format.
const Format = "eu_fsf_xml"

// Namespace is the FSF export namespace.
const Namespace = "http://eu.europa.ec/fpi/fsd/export"

// Sniff reports whether head (the first bytes of a file) is an EU FSF XML
// export: its first element is export in the FSF namespace.
func Sniff(head []byte) bool {
	dec := xml.NewDecoder(bytes.NewReader(head))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local == "export" && se.Name.Space == Namespace
		}
	}
}

// Read decodes an EU FSF XML file, calling emit for each sanctionEntity in
// file order. A malformed or truncated file, or an entity without a
// reference or a name, is a *lists.ParseError.
func Read(r io.Reader, emit lists.Emit) (*lists.Meta, error) {
	meta := &lists.Meta{List: vigil.ListEU, Source: vigil.SourceEU, Format: Format}
	err := lists.XMLRecords{
		Root: "export", Record: "sanctionEntity", What: "an EU FSF export",
		OnRoot: func(t xml.StartElement) {
			if t.Name.Space != Namespace {
				meta.Warnf("unexpected export namespace %q", t.Name.Space)
			}
			readRootAttrs(meta, t)
		},
		Decode: lists.DecodeEach("export/sanctionEntity", meta, convert, emit),
	}.Read(r, meta)
	return meta, err
}

func readRootAttrs(meta *lists.Meta, t xml.StartElement) {
	for _, a := range t.Attr {
		if a.Name.Local != "generationDate" {
			continue
		}
		v := strings.TrimSpace(a.Value)
		ts, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			ts, err = time.Parse("2006-01-02T15:04:05.999999999", v)
		}
		if err != nil {
			ts, err = time.Parse("2006-01-02", v)
		}
		if err != nil {
			meta.Warnf("unparseable generationDate %q", v)
			continue
		}
		meta.Published = ts
	}
}

var (
	reLowQuality  = regexp.MustCompile(`(?i)\blow?\s+quality\b`)
	reGoodQuality = regexp.MustCompile(`(?i)^(?:good|god)\s+quality(?:\s+alias)?\.?$|^low?\s+quality\s+al+i+as\.?$`)
	reLetterItem  = regexp.MustCompile(`\([a-z]\)\s*`)
	reISODate     = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}`)
)

// convert maps one sanctionEntity to an Entity.
func convert(meta *lists.Meta, rec *sanctionEntity, line int) (*vigil.Entity, error) {
	c := lists.CleanSpace
	ref := c(rec.EURef)
	if ref == "" {
		ref = c(rec.LogicalID)
	}
	element := "export/sanctionEntity"
	if ref == "" {
		return nil, lists.Errorf(line, element, "sanctionEntity without euReferenceNumber or logicalId")
	}
	element += "[" + ref + "]"
	for _, u := range rec.Unknown {
		meta.Warnf("unknown element sanctionEntity/%s", u.XMLName.Local)
	}
	e := &vigil.Entity{ID: vigil.EntityID(vigil.SourceEU, ref), Source: vigil.SourceEU, Ref: ref}

	for _, st := range rec.SubjectType {
		code := strings.ToLower(c(st.Code))
		if code == "" {
			code = strings.ToLower(c(st.Classification))
		}
		switch code {
		case "person", "p":
			e.Kind = vigil.KindPerson
		case "enterprise", "e":
			e.Kind = vigil.KindOrganization
		default:
			meta.Warnf("unknown subjectType code %q", code)
		}
	}
	if len(rec.SubjectType) == 0 {
		meta.Warnf("sanctionEntity without subjectType")
	}

	if err := readNames(meta, e, rec.Names); err != nil {
		return nil, lists.Errorf(line, element, "%v", err)
	}

	e.Measures = []vigil.Measure{vigil.MeasureAssetFreeze}
	for _, reg := range rec.Regulations {
		for _, u := range reg.Unknown {
			meta.Warnf("unknown element regulation/%s", u.XMLName.Local)
		}
		e.Programs = append(e.Programs, c(reg.Programme))
		for _, u := range reg.URL {
			e.Links = append(e.Links, c(u))
		}
	}
	e.Programs = lists.Dedupe(e.Programs)
	if d := c(rec.DesignationDate); d != "" {
		if reISODate.MatchString(d) {
			e.ListedOn = d[:10]
		} else {
			meta.Warnf("unparseable designationDate %q in %s", d, element)
		}
	}
	if d := c(rec.DelistingDate); d != "" {
		meta.Warnf("delistingDate present (%s)", element)
	}
	var remarks []string
	for _, r := range rec.Remarks {
		remarks = append(remarks, c(r))
	}
	if d := c(rec.DesignationDetails); d != "" {
		remarks = append(remarks, d)
	}
	for _, kv := range rec.AddInfo {
		if v := c(kv.Value); v != "" {
			remarks = append(remarks, joinNonEmpty(": ", c(kv.Key), v))
		}
	}
	if id := c(rec.UNID); id != "" {
		e.Relations = append(e.Relations, vigil.Relation{EntityID: vigil.EntityID(vigil.SourceUN, id), Type: vigil.RelationSameAs})
	}
	for _, ct := range rec.Citizenships {
		warnUnknown(meta, "citizenship", ct.Unknown)
		if code := iso2(meta, ct.Country, ct.Description); code != "" {
			e.Nationalities = append(e.Nationalities, code)
		}
	}
	e.Nationalities = lists.Dedupe(e.Nationalities)
	for _, b := range rec.Birthdates {
		warnUnknown(meta, "birthdate", b.Unknown)
		readBirth(meta, e, b, element)
	}
	for _, id := range rec.IDs {
		warnUnknown(meta, "identification", id.Unknown)
		readIdentification(meta, e, id)
	}
	for _, a := range rec.Addresses {
		warnUnknown(meta, "address", a.Unknown)
		remarks = append(remarks, readAddress(meta, e, a)...)
	}
	e.Links = lists.Dedupe(e.Links)
	e.Remarks = strings.Join(lists.Dedupe(remarks), "\n")
	return e, nil
}

func warnUnknown(meta *lists.Meta, element string, us []unknown) {
	for _, u := range us {
		meta.Warnf("unknown element %s/%s", element, u.XMLName.Local)
	}
}

// readNames fills Names (primary first), Gender, Positions.
func readNames(meta *lists.Meta, e *vigil.Entity, as []nameAlias) error {
	c := lists.CleanSpace
	var (
		ns       []vigil.Name
		primary  = -1
		bestID   = int(^uint(0) >> 1)
		genders  []string
		position []string
	)
	for _, a := range as {
		warnUnknown(meta, "nameAlias", a.Unknown)
		full := c(a.Whole)
		if full == "" {
			full = joinNonEmpty(" ", c(a.First), c(a.Middle), c(a.Last))
		}
		if full == "" {
			continue
		}
		n := vigil.Name{
			Full: full, Given: c(a.First), Middle: c(a.Middle), Family: c(a.Last), Title: c(a.Title),
			Script: lists.DetectScript(full), Lang: strings.ToLower(c(a.Language)), Quality: vigil.QualityStrong,
		}
		if strings.EqualFold(c(a.Strong), "false") {
			n.Quality = vigil.QualityWeak
		}
		var notes []string
		for _, r := range a.Remarks {
			r = c(r)
			if reLowQuality.MatchString(r) {
				n.Quality = vigil.QualityWeak
			}
			if r != "" && !reGoodQuality.MatchString(r) {
				notes = append(notes, r)
			}
		}
		n.Note = strings.Join(notes, "; ")
		switch g := strings.ToUpper(c(a.Gender)); g {
		case "M":
			genders = append(genders, "male")
		case "F":
			genders = append(genders, "female")
		case "":
		default:
			meta.Warnf("unknown nameAlias gender %q", g)
		}
		position = append(position, splitItems(a.Function)...)
		id, err := strconv.Atoi(c(a.LogicalID))
		if err != nil {
			id = int(^uint(0) >> 1)
		}
		if n.Quality == vigil.QualityStrong && (n.Script == "Latn" || n.Script == "") && (primary < 0 || id < bestID) {
			primary, bestID = len(ns), id
		}
		ns = append(ns, n)
	}
	if len(ns) == 0 {
		return fmt.Errorf("sanctionEntity without a name")
	}
	if primary < 0 {
		primary = 0
	}
	ns[primary].Quality = vigil.QualityPrimary
	e.Names = append(e.Names, ns[primary])
	seen := map[string]bool{ns[primary].Full: true}
	for i, n := range ns {
		if i == primary || seen[n.Full] {
			continue
		}
		seen[n.Full] = true
		e.Names = append(e.Names, n)
	}
	if g := lists.Dedupe(genders); len(g) == 1 {
		e.Gender = g[0]
	} else if len(g) > 1 {
		meta.Warnf("conflicting genders %v", g)
	}
	e.Positions = lists.Dedupe(position)
	return nil
}

// splitItems splits "(a) X (b) Y" into X, Y; other text is one item.
func splitItems(s string) []string {
	s = lists.CleanSpace(s)
	if s == "" {
		return nil
	}
	if !strings.HasPrefix(s, "(a)") {
		return []string{s}
	}
	var out []string
	for _, p := range reLetterItem.Split(s, -1) {
		if p = strings.TrimRight(strings.TrimSpace(p), ",;"); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// iso2 returns the ISO code of an FSF country attribute; "00" (UNKNOWN) is
// none. Legacy CS (Serbia and Montenegro) is kept: it is what the list says.
func iso2(meta *lists.Meta, code, description string) string {
	code = strings.ToUpper(lists.CleanSpace(code))
	switch {
	case code == "" || code == "00":
		return ""
	case len(code) == 2:
		return code
	}
	if cc := lists.Country(description); cc != "" {
		return cc
	}
	meta.Warnf("unknown country code %q (%s)", code, description)
	return ""
}

// placeText joins the parts of a place, dropping "-" and UNKNOWN
// placeholders.
func placeText(parts ...string) string {
	var out []string
	for _, p := range parts {
		p = lists.CleanSpace(p)
		if p == "" || p == "-" || strings.EqualFold(p, "UNKNOWN") {
			continue
		}
		out = append(out, p)
	}
	return strings.Join(out, ", ")
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// readBirth adds one birthdate element's date and place.
func readBirth(meta *lists.Meta, e *vigil.Entity, b birthdate, element string) {
	c := lists.CleanSpace
	var remarks []string
	for _, r := range b.Remarks {
		if r = c(r); r != "" {
			remarks = append(remarks, r)
		}
	}
	if d, ok := birthDate(meta, b, element); ok {
		if len(remarks) > 0 {
			d.Text = joinNonEmpty(" ", d.Text, "("+strings.Join(remarks, "; ")+")")
		}
		if !containsDate(e.BirthDates, d) {
			e.BirthDates = append(e.BirthDates, d)
		}
	}
	if text := placeText(b.Place, b.City, b.ZipCode, b.Region, b.Description); text != "" {
		p := vigil.Place{Text: text, Country: iso2(meta, b.Country, b.Description)}
		for _, x := range e.BirthPlaces {
			if x == p {
				return
			}
		}
		e.BirthPlaces = append(e.BirthPlaces, p)
	}
}

func containsDate(ds []vigil.Date, d vigil.Date) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

// birthDate reads the date of a birthdate element; ok is false when it has
// none.
func birthDate(meta *lists.Meta, b birthdate, element string) (vigil.Date, bool) {
	c := lists.CleanSpace
	atoi := func(s string) int { n, _ := strconv.Atoi(c(s)); return n }
	cal := strings.ToUpper(c(b.Calendar))
	var d vigil.Date
	switch cal {
	case "", "GREGORIAN":
		switch {
		case c(b.Date) != "":
			d, _ = lists.ParseDate(b.Date)
		case c(b.Year) != "":
			d = vigil.Date{Year: atoi(b.Year), Month: atoi(b.Month), Day: atoi(b.Day)}
			d.Text = joinNonEmpty("-", c(b.Year), c(b.Month), c(b.Day))
			if d.Month == 0 {
				d.Day = 0
			}
		case c(b.From) != "" || c(b.To) != "":
			from, to := atoi(b.From), atoi(b.To)
			d.Text = c(b.From) + "-" + c(b.To)
			switch {
			case from != 0 && to >= from:
				d.Year, d.ToYear = from, to
				if to == from {
					d.ToYear = 0
				}
			case from != 0 && to == 0:
				d.Year = from
			case from == 0 && to != 0:
				d.Year = to
			default:
				meta.Warnf("unparseable birth year range %q in %s", d.Text, element)
			}
		}
	case "ISLAMIC":
		y, m, day := atoi(b.Year), atoi(b.Month), atoi(b.Day)
		d.Text = fmt.Sprintf("%s/%s/%s (Islamic calendar)", c(b.Day), c(b.Month), c(b.Year))
		if y > 0 && m >= 1 && m <= 12 && day >= 1 && day <= 30 {
			d.Year, d.Month, d.Day = hijriToGregorian(y, m, day)
			d.Approx = true
		} else {
			meta.Warnf("incomplete ISLAMIC birthdate %q kept as text", d.Text)
		}
	default:
		d.Text = joinNonEmpty(" ", c(b.Date), joinNonEmpty("/", c(b.Day), c(b.Month), c(b.Year)), "("+cal+" calendar)")
		meta.Warnf("calendarType %q kept as text", cal)
	}
	if d.Year != 0 && (d.Year < 1000 || d.Month > 12 || d.Day > 31) {
		meta.Warnf("implausible birth date %q in %s", d.Text, element)
		d.Year, d.Month, d.Day, d.ToYear = 0, 0, 0, 0
	}
	if strings.EqualFold(c(b.Circa), "true") {
		d.Approx = true
	}
	return d, !d.IsZero() || d.Text != ""
}

// docType normalises identificationTypeCode (FORMATS.md §3.1).
func docType(code string) string {
	switch strings.ToLower(code) {
	case "passport":
		return vigil.DocPassport
	case "id", "ssn", "nrn", "nationcert", "electionid", "residentperm", "travelcardid", "birthcert":
		return vigil.DocNationalID
	case "fiscalcode":
		return vigil.DocTaxID
	case "regnumber", "tradelic", "swiftbic":
		return vigil.DocRegistration
	}
	return vigil.DocOther
}

// readIdentification adds one identification as a Document (and the IMO
// number of a vessel).
func readIdentification(meta *lists.Meta, e *vigil.Entity, id identification) {
	c := lists.CleanSpace
	number := c(id.Number)
	var notes []string
	if ln := c(id.LatinNumber); ln != "" && ln != number {
		if number == "" {
			number = ln
		} else {
			notes = append(notes, "latin number "+ln)
		}
	}
	flags := []struct{ v, text string }{
		{id.KnownFalse, "known false"}, {id.KnownExpired, "known expired"}, {id.ReportedLost, "reported lost"},
		{id.Revoked, "revoked by issuer"}, {id.Diplomatic, "diplomatic"},
	}
	for _, f := range flags {
		if strings.EqualFold(c(f.v), "true") {
			notes = append(notes, f.text)
		}
	}
	if v := c(id.IssuedBy); v != "" {
		notes = append(notes, "issued by "+v)
	}
	if v := c(id.Region); v != "" {
		notes = append(notes, "issued in "+v)
	}
	if v := c(id.NameOnDocument); v != "" {
		notes = append(notes, "name on document "+v)
	}
	if v := c(id.ValidFrom); v != "" {
		notes = append(notes, "valid from "+v)
	}
	for _, r := range id.Remarks {
		if r = c(r); r != "" {
			notes = append(notes, r)
		}
	}
	doc := vigil.Document{
		Type:     docType(c(id.TypeCode)),
		TypeText: joinNonEmpty(": ", c(id.TypeCode), c(id.TypeDescription)),
		Number:   number,
		Country:  iso2(meta, id.Country, id.Description),
		Issued:   c(id.IssueDate),
		Expires:  c(id.ValidTo),
		Note:     strings.Join(notes, "; "),
	}
	if strings.EqualFold(c(id.TypeCode), "imo") && number != "" {
		e.IMO = number
	}
	if doc.Number == "" && doc.Note == "" {
		return
	}
	e.Documents = append(e.Documents, doc)
}

// readAddress adds one address and returns the remarks it contributes
// (contact details other than web sites).
func readAddress(meta *lists.Meta, e *vigil.Entity, a address) []string {
	c := lists.CleanSpace
	var box string
	if p := c(a.PoBox); p != "" {
		box = "P.O. Box " + p
	}
	ad := vigil.Address{
		Street: c(a.Street), City: c(a.City), Region: c(a.Region), PostalCode: c(a.ZipCode),
		Country: iso2(meta, a.Country, a.Description),
		Full:    placeText(a.Street, box, a.Place, a.City, a.ZipCode, a.Region, a.Description),
	}
	var notes []string
	for _, r := range a.Remarks {
		if r = c(r); r != "" {
			notes = append(notes, r)
		}
	}
	if len(notes) > 0 {
		ad.Full = joinNonEmpty(" ", ad.Full, "("+strings.Join(notes, "; ")+")")
	}
	if ad.Full != "" {
		e.Addresses = append(e.Addresses, ad)
	}
	var remarks []string
	for _, ci := range a.Contacts {
		k, v := strings.ToUpper(c(ci.Key)), c(ci.Value)
		if v == "" {
			continue
		}
		if k == "WEB" {
			e.Links = append(e.Links, v)
			continue
		}
		remarks = append(remarks, joinNonEmpty(": ", k, v))
	}
	return remarks
}
