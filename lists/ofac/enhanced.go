package ofac

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
	"github.com/vigil-screening/vigil/unpack"
)

// SniffEnhanced reports whether head looks like OFAC's Enhanced XML
// (SDN_ENHANCED.XML, CONS_ENHANCED.XML, custom exports): a <sanctionsData>
// root in the .../exports/ENHANCED_XML namespace. A zip (CONS_ENHANCED.ZIP) is
// recognised from the content of its first entry: head's first local file
// header is decompressed as far as head reaches and sniffed the same way.
func SniffEnhanced(head []byte) bool {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return sniffEnhancedXML(zipHead(head))
	}
	return sniffEnhancedXML(head)
}

func sniffEnhancedXML(head []byte) bool {
	i := bytes.Index(head, []byte("<sanctionsData"))
	if i < 0 || !isRootAt(head, i) {
		return false
	}
	rest := head[i:]
	return bytes.Contains(rest, []byte("exports/ENHANCED_XML")) || bytes.Contains(rest, []byte("<publicationInfo"))
}

// zipHead returns the first bytes of the first entry of the zip whose start
// is head, or nil. It reads the local file header by hand because
// archive/zip needs the central directory at the end of the file, which a
// head does not hold.
func zipHead(head []byte) []byte {
	if len(head) < 30 {
		return nil
	}
	method := binary.LittleEndian.Uint16(head[8:])
	nameLen := int(binary.LittleEndian.Uint16(head[26:]))
	extraLen := int(binary.LittleEndian.Uint16(head[28:]))
	start := 30 + nameLen + extraLen
	if start >= len(head) {
		return nil
	}
	data := head[start:]
	switch method {
	case zip.Store:
		return data
	case zip.Deflate:
		out, _ := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(data)), 8<<10))
		return out // a head cuts the stream: what decoded so far is enough
	}
	return nil
}

// ReadEnhanced reads OFAC's Enhanced XML, plain or as a zip holding one XML
// file (read into memory and verified whole first, within
// lists.ArchiveLimits). The
// reference values and feature types of the header resolve every refId;
// entities are decoded one at a time.
//
// publicationInfo gives Published (dataAsOf) and the list: its filters name
// the lists exported — only "Consolidated List" (or other non-SDN lists) gives
// vigil.ListOFACCons, anything with "SDN List" (or no filter) the SDN list. A
// filter on anything other than lists (e.g. sanctionsPrograms: IRGC) marks a
// custom, filtered export: Partial.
func ReadEnhanced(r io.Reader, emit lists.Emit) (*lists.Meta, error) {
	br := bufio.NewReader(r)
	if magic, _ := br.Peek(4); bytes.Equal(magic, []byte("PK\x03\x04")) {
		xr, name, err := openZipXML(br)
		if err != nil {
			return nil, err
		}
		meta, err := readEnhancedXML(xr, emit)
		var pe *lists.ParseError
		if errors.As(err, &pe) && pe.File == "" {
			pe.File = name
		}
		return meta, err
	}
	return readEnhancedXML(br, emit)
}

// openZipXML opens the XML entry of a zip, after unpack.Zip has checked the
// whole archive (every member's CRC-32 and size, within
// lists.ArchiveLimits): a damaged or bomb zip is refused before any entity is
// read.
func openZipXML(r io.Reader) (io.Reader, string, error) {
	data, err := unpack.ReadAll(r, lists.ArchiveLimits.MaxArchive)
	if err != nil {
		return nil, "", lists.ArchiveError(err, "zip")
	}
	zr, err := unpack.Zip(data, lists.ArchiveLimits)
	if err != nil {
		return nil, "", lists.ArchiveError(err, "zip")
	}
	var xmls []*zip.File
	for _, f := range zr.File {
		if strings.HasSuffix(strings.ToLower(f.Name), ".xml") {
			xmls = append(xmls, f)
		}
	}
	if len(xmls) != 1 {
		return nil, "", &lists.ParseError{Element: "zip", Err: fmt.Errorf("zip holds %d XML files, want 1", len(xmls))}
	}
	rc, err := xmls[0].Open()
	if err != nil {
		return nil, "", &lists.ParseError{Element: "zip member " + xmls[0].Name, Err: err}
	}
	return rc, xmls[0].Name, nil
}

// Enhanced XML elements.
type (
	enRef struct {
		RefID string `xml:"refId,attr"`
		Text  string `xml:",chardata"`
	}
	enRefValue struct {
		RefID string `xml:"refId,attr"`
		Type  string `xml:"type"`
		Value string `xml:"value"`
		ISO   string `xml:"isoCode"`
		Code  string `xml:"code"`
	}
	enFeatureType struct {
		ID   string `xml:"featureTypeId,attr"`
		Type string `xml:"type"`
	}
	enPubInfo struct {
		DataAsOf string `xml:"dataAsOf"`
		Filters  struct {
			Lists    []string `xml:"sanctionsLists>sanctionsList"`
			Programs []string `xml:"sanctionsPrograms>sanctionsProgram"`
			Other    []xmlAny `xml:",any"`
		} `xml:"filters"`
	}
	enDate struct {
		FromBegin string `xml:"fromDateBegin"`
		FromEnd   string `xml:"fromDateEnd"`
		ToBegin   string `xml:"toDateBegin"`
		ToEnd     string `xml:"toDateEnd"`
		Approx    bool   `xml:"isApproximate"`
		Range     bool   `xml:"isDateRange"`
	}
	enPart struct {
		Type  enRef  `xml:"type"`
		Value string `xml:"value"`
	}
	enTranslation struct {
		IsPrimary bool     `xml:"isPrimary"`
		Script    enRef    `xml:"script"`
		First     string   `xml:"formattedFirstName"`
		Last      string   `xml:"formattedLastName"`
		Full      string   `xml:"formattedFullName"`
		Parts     []enPart `xml:"nameParts>namePart"`
	}
	enName struct {
		IsPrimary    bool            `xml:"isPrimary"`
		AliasType    enRef           `xml:"aliasType"`
		LowQuality   bool            `xml:"isLowQuality"`
		Translations []enTranslation `xml:"translations>translation"`
	}
	enAddress struct {
		Country      enRef `xml:"country"`
		Translations []struct {
			IsPrimary bool     `xml:"isPrimary"`
			Parts     []enPart `xml:"addressParts>addressPart"`
		} `xml:"translations>translation"`
	}
	enFeature struct {
		Type struct {
			ID   string `xml:"featureTypeId,attr"`
			Text string `xml:",chardata"`
		} `xml:"type"`
		Value    string  `xml:"value"`
		ValueRef string  `xml:"valueRefId"`
		Date     *enDate `xml:"valueDate"`
	}
	enDoc struct {
		Type     enRef   `xml:"type"`
		Number   string  `xml:"documentNumber"`
		Location string  `xml:"issuingLocation"`
		Country  enRef   `xml:"issuingCountry"`
		Issued   *enDate `xml:"issueDate"`
		Expires  *enDate `xml:"expirationDate"`
	}
	enEntity struct {
		ID      string `xml:"id,attr"`
		General struct {
			Type    enRef  `xml:"entityType"`
			Remarks string `xml:"remarks"`
			Title   string `xml:"title"`
		} `xml:"generalInfo"`
		Lists []struct {
			Published string `xml:"datePublished,attr"`
			Text      string `xml:",chardata"`
		} `xml:"sanctionsLists>sanctionsList"`
		Programs    []string    `xml:"sanctionsPrograms>sanctionsProgram"`
		Types       []string    `xml:"sanctionsTypes>sanctionsType"`
		Authorities []string    `xml:"legalAuthorities>legalAuthority"`
		Names       []enName    `xml:"names>name"`
		Addresses   []enAddress `xml:"addresses>address"`
		Features    []enFeature `xml:"features>feature"`
		Docs        []enDoc     `xml:"identityDocuments>identityDocument"`
		Relations   []struct {
			Type    enRef `xml:"type"`
			Related struct {
				EntityID string `xml:"entityId,attr"`
				Text     string `xml:",chardata"`
			} `xml:"relatedEntity"`
		} `xml:"relationships>relationship"`
		Other []xmlAny `xml:",any"`
	}
)

// enReader holds the header's look-up tables while entities are read.
type enReader struct {
	meta     *lists.Meta
	refs     map[string]enRefValue
	features map[string]string
}

func readEnhancedXML(r io.Reader, emit lists.Emit) (*lists.Meta, error) {
	meta := &lists.Meta{List: vigil.ListOFACSDN, Source: vigil.SourceOFAC, Format: "ofac_enhanced_xml"}
	er := &enReader{meta: meta, refs: map[string]enRefValue{}, features: map[string]string{}}
	in := lists.NewInput(r, lists.XMLRecord)
	d := xml.NewDecoder(in)
	var (
		depth   int
		closed  bool
		section string
		seen    = map[string]bool{}
	)
	for {
		in.Mark()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		line, _ := d.InputPos()
		if err != nil {
			return nil, lists.XMLError(err, line, "xml")
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1:
				if t.Name.Local != "sanctionsData" {
					return nil, lists.Errorf(line, t.Name.Local, "root element is <%s>, want <sanctionsData>", t.Name.Local)
				}
			case depth == 2 && t.Name.Local == "publicationInfo":
				var p enPubInfo
				if err := d.DecodeElement(&p, &t); err != nil {
					return nil, lists.XMLError(err, line, "xml")
				}
				depth--
				er.publication(&p)
			case depth == 2:
				section = t.Name.Local
				switch section {
				case "referenceValues", "featureTypes", "entities":
				default:
					meta.Warnf("unknown element <%s> in <sanctionsData>", section)
					if err := d.Skip(); err != nil {
						return nil, lists.XMLError(err, line, "xml")
					}
					depth--
				}
			case depth == 3:
				var err error
				switch {
				case section == "referenceValues" && t.Name.Local == "referenceValue":
					var v enRefValue
					if err = d.DecodeElement(&v, &t); err == nil {
						er.refs[v.RefID] = v
					}
				case section == "featureTypes" && t.Name.Local == "featureType":
					var v enFeatureType
					if err = d.DecodeElement(&v, &t); err == nil {
						er.features[v.ID] = strings.TrimSpace(v.Type)
					}
				case section == "entities" && t.Name.Local == "entity":
					var x enEntity
					if err = d.DecodeElement(&x, &t); err != nil {
						break
					}
					var e *vigil.Entity
					if e, err = er.entity(line, &x); err != nil {
						return nil, err
					}
					if seen[e.Ref] {
						return nil, lists.Errorf(line, "entity@id", "duplicate entity id %s", e.Ref)
					}
					seen[e.Ref] = true
					if err := emit(e); err != nil {
						return nil, err
					}
				default:
					meta.Warnf("unknown element <%s> in <%s>", t.Name.Local, section)
					err = d.Skip()
				}
				if err != nil {
					return nil, lists.XMLError(err, line, "xml")
				}
				depth--
			}
		case xml.EndElement:
			depth--
			if depth == 0 {
				closed = true
			}
		}
	}
	if !closed {
		line, _ := d.InputPos()
		return nil, lists.Errorf(line, "sanctionsData", "file ends before </sanctionsData> (truncated or empty)")
	}
	return meta, nil
}

// publication reads publicationInfo: date, list and partial export.
func (er *enReader) publication(p *enPubInfo) {
	if s := strings.TrimSpace(p.DataAsOf); s != "" {
		if t, err := time.Parse("2006-01-02T15:04:05", s); err == nil {
			er.meta.Published = t
		} else if t, err := time.Parse(time.RFC3339, s); err == nil {
			er.meta.Published = t
		} else {
			er.meta.Warnf("publicationInfo: unreadable dataAsOf %q", s)
		}
	}
	hasSDN := false
	for _, l := range p.Filters.Lists {
		if strings.TrimSpace(l) == "SDN List" {
			hasSDN = true
		}
	}
	if len(p.Filters.Lists) > 0 && !hasSDN {
		er.meta.List = vigil.ListOFACCons
	}
	if len(p.Filters.Programs) > 0 {
		er.meta.Partial = true
		er.meta.Warnf("publicationInfo: export filtered to programs %s: partial list", strings.Join(p.Filters.Programs, ", "))
	}
	for _, o := range p.Filters.Other {
		er.meta.Partial = true
		er.meta.Warnf("publicationInfo: export filtered by <%s>: partial list", o.XMLName.Local)
	}
}

func (er *enReader) iso(ref enRef) string {
	if v, ok := er.refs[ref.RefID]; ok && v.ISO != "" {
		return v.ISO
	}
	return lists.Country(ref.Text)
}

func (er *enReader) entity(line int, x *enEntity) (*vigil.Entity, error) {
	ref := strings.TrimSpace(x.ID)
	if !reEntNum.MatchString(ref) {
		return nil, lists.Errorf(line, "entity@id", "entity id %q is not a number", x.ID)
	}
	e := &vigil.Entity{ID: vigil.EntityID(vigil.SourceOFAC, ref), Source: vigil.SourceOFAC, Ref: ref}
	kind, ok := vigil.ParseKind(x.General.Type.Text)
	if !ok || kind == vigil.KindUnknown {
		er.meta.Warnf("entity/generalInfo: unknown entityType %q", x.General.Type.Text)
	}
	e.Kind = kind
	er.names(e, x.Names)
	if len(e.Names) == 0 || e.Names[0].Quality != vigil.QualityPrimary {
		return nil, lists.Errorf(line, "entity/names", "entity %s has no primary name", ref)
	}
	for _, l := range x.Lists {
		if d := strings.TrimSpace(l.Published); d != "" && (e.ListedOn == "" || d < e.ListedOn) {
			e.ListedOn = d
		}
	}
	for _, p := range x.Programs {
		e.Programs = append(e.Programs, strings.TrimSpace(p))
	}
	e.Programs = lists.Dedupe(e.Programs)
	for _, t := range x.Types {
		if strings.TrimSpace(t) == "Block" {
			e.Measures = []vigil.Measure{vigil.MeasureAssetFreeze}
		}
	}
	if t := lists.CleanSpace(x.General.Title); t != "" {
		e.Positions = []string{t}
	}
	var extra []string
	for i := range x.Features {
		if fact := er.feature(e, &x.Features[i]); fact != "" {
			extra = append(extra, fact)
		}
	}
	for _, doc := range x.Docs {
		if fact := er.document(e, &doc); fact != "" {
			extra = append(extra, fact)
		}
	}
	for _, a := range x.Addresses {
		if addr, ok := er.address(&a); ok {
			e.Addresses = append(e.Addresses, addr)
		}
	}
	for _, rel := range x.Relations {
		r := vigil.Relation{Name: lists.CleanSpace(rel.Related.Text), Type: lists.CleanSpace(rel.Type.Text)}
		if id := strings.TrimSpace(rel.Related.EntityID); id != "" {
			r.EntityID = vigil.EntityID(vigil.SourceOFAC, id)
		}
		e.Relations = append(e.Relations, r)
	}
	for _, o := range x.Other {
		er.meta.Warnf("unknown element <%s> in <entity>", o.XMLName.Local)
	}
	e.Remarks = joinRemarks(lists.CleanSpace(x.General.Remarks), extra)
	return e, nil
}

// names adds every name and every translation of it (other scripts), the
// primary name's primary translation first.
func (er *enReader) names(e *vigil.Entity, names []enName) {
	var out []vigil.Name
	for _, n := range names {
		q := vigil.QualityStrong
		note := ""
		switch strings.ToUpper(strings.TrimSpace(n.AliasType.Text)) {
		case "F.K.A.":
			q = vigil.QualityFormerly
		case "N.K.A.":
			note = "n.k.a."
		}
		if n.LowQuality && q == vigil.QualityStrong {
			q = vigil.QualityWeak
		}
		for _, t := range n.Translations {
			v := er.translation(&t)
			if v.Full == "" {
				continue
			}
			v.Quality, v.Note = q, note
			if n.IsPrimary {
				v.Quality = vigil.QualityStrong
				if t.IsPrimary {
					v.Quality = vigil.QualityPrimary
				}
			}
			out = append(out, v)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		return out[i].Quality == vigil.QualityPrimary && out[j].Quality != vigil.QualityPrimary
	})
	// Only one primary name: a second primary translation becomes an alias.
	for i := 1; i < len(out); i++ {
		if out[i].Quality == vigil.QualityPrimary {
			out[i].Quality = vigil.QualityStrong
		}
	}
	e.Names = dedupeNames(out)
}

func (er *enReader) translation(t *enTranslation) vigil.Name {
	n := vigil.Name{Full: lists.CleanSpace(t.Full), Given: lists.CleanSpace(t.First), Family: lists.CleanSpace(t.Last)}
	for _, p := range t.Parts {
		v := lists.CleanSpace(p.Value)
		switch p.Type.Text {
		case "Middle Name":
			n.Middle = v
		case "Patronymic":
			n.Patronymic = v
		}
	}
	if n.Given == "" && n.Family == n.Full {
		n.Family = "" // an entity, vessel or aircraft name: no parts
	}
	if n.Full == "" {
		n.Full = joinNonEmpty(", ", n.Family, n.Given)
	}
	if v, ok := er.refs[t.Script.RefID]; ok && len(v.Code) == 4 {
		n.Script = v.Code
	} else {
		n.Script = lists.DetectScript(n.Full)
	}
	return n
}

// feature applies one feature to e; it returns the fact as text when it
// stays a remark.
func (er *enReader) feature(e *vigil.Entity, f *enFeature) string {
	typ := strings.TrimSpace(f.Type.Text)
	if typ == "" {
		typ = er.features[f.Type.ID]
	}
	value := lists.CleanSpace(f.Value)
	if typ == "" {
		er.meta.Warnf("feature: unknown featureTypeId %q", f.Type.ID)
		return value
	}
	lab, known := labels[typ]
	if !known && strings.HasPrefix(typ, cryptoPrefix) {
		lab, known = label{kind: kIdent, doc: vigil.DocOther}, true
	}
	switch {
	case known && lab.kind == kDOB && f.Date != nil:
		d := enToDate(f.Date)
		d.Text = value
		e.BirthDates = append(e.BirthDates, d)
		return ""
	case known && (lab.kind == kNationality || lab.kind == kCitizen || lab.kind == kFlag) && f.ValueRef != "":
		if v, ok := er.refs[strings.TrimSpace(f.ValueRef)]; ok && v.ISO != "" {
			switch lab.kind {
			case kNationality:
				e.Nationalities = lists.Dedupe(append(e.Nationalities, v.ISO))
			case kCitizen:
				e.Citizenships = lists.Dedupe(append(e.Citizenships, v.ISO))
			default:
				setOnce(&e.Flag, v.ISO)
			}
			return ""
		}
	}
	if known {
		ok, w := applyFact(e, typ, lab, value, &docValue{})
		if w != "" {
			er.meta.Warnf("feature %s: %s", typ, w)
		}
		if ok {
			return ""
		}
	}
	return joinNonEmpty(" ", typ, value)
}

// document applies an identity document; it returns the fact as text when it
// stays a remark.
func (er *enReader) document(e *vigil.Entity, doc *enDoc) string {
	typ := lists.CleanSpace(doc.Type.Text)
	num := lists.CleanSpace(doc.Number)
	dv := &docValue{Country: er.iso(doc.Country)}
	if dv.Country == "" {
		dv.Country = lists.CleanSpace(doc.Location)
	}
	if doc.Issued != nil {
		dv.Issued = enToDate(doc.Issued).String()
	}
	if doc.Expires != nil {
		dv.Expires = enToDate(doc.Expires).String()
	}
	lab, known := labels[typ]
	if !known {
		lab = label{kind: kDoc, doc: vigil.DocOther}
	}
	if ok, w := applyFact(e, typ, lab, num, dv); !ok {
		return joinNonEmpty(" ", typ, num)
	} else if w != "" {
		er.meta.Warnf("identityDocument %s: %s", typ, w)
	}
	return ""
}

func (er *enReader) address(a *enAddress) (vigil.Address, bool) {
	var addr vigil.Address
	var street, region []string
	for _, t := range a.Translations {
		if !t.IsPrimary && len(a.Translations) > 1 {
			continue
		}
		for _, p := range t.Parts {
			v := lists.CleanSpace(p.Value)
			switch p.Type.Text {
			case "ADDRESS1", "ADDRESS2", "ADDRESS3":
				street = append(street, v)
			case "CITY":
				addr.City = v
			case "STATE/PROVINCE", "REGION":
				region = append(region, v)
			case "POSTAL CODE":
				addr.PostalCode = v
			default:
				er.meta.Warnf("address: unknown part type %q", p.Type.Text)
				street = append(street, v)
			}
		}
	}
	addr.Street = joinNonEmpty(", ", street...)
	addr.Region = joinNonEmpty(", ", region...)
	country := lists.CleanSpace(a.Country.Text)
	if country != "" {
		addr.Country = er.iso(a.Country)
	}
	addr.Full = joinNonEmpty(", ", addr.Street, addr.City, addr.Region, addr.PostalCode, country)
	return addr, addr.Full != ""
}

// enToDate converts an Enhanced XML date period. OFAC writes imprecision as
// ranges: 1957-01-01..1957-12-31 is the year 1957, a whole month a month,
// and a period over several years a year range.
func enToDate(p *enDate) vigil.Date {
	from, okF := ymd(p.FromBegin)
	to, okT := ymd(p.ToEnd)
	if !okT {
		to, okT = ymd(p.FromEnd)
	}
	d := vigil.Date{Approx: p.Approx}
	if !okF {
		return d
	}
	if !okT {
		to = from
	}
	switch {
	case to[0] > from[0]:
		d.Year, d.ToYear = from[0], to[0]
	case from == to:
		d.Year, d.Month, d.Day = from[0], from[1], from[2]
	case from[1] == 1 && from[2] == 1 && to[1] == 12 && to[2] == 31:
		d.Year = from[0]
	case from[1] == to[1] && from[2] == 1 && to[2] == daysIn(to[0], to[1]):
		d.Year, d.Month = from[0], from[1]
	default:
		d.Year = from[0]
	}
	return d
}

func ymd(s string) ([3]int, bool) {
	s = strings.TrimSpace(s)
	if len(s) > 10 {
		s = s[:10]
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return [3]int{}, false
	}
	return [3]int{t.Year(), int(t.Month()), t.Day()}, true
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
