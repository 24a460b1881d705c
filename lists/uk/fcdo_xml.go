package uk

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// SniffFCDOXML reports whether head is an FCDO UK Sanctions List XML: root
// element Designations.
func SniffFCDOXML(head []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(head))
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Local == "Designations"
		}
	}
}

// node is a decoded element: designations are small, so each one is read
// into a tree and then mapped.
type node struct {
	name     string
	text     string
	children []*node
}

func (n *node) all(path ...string) []*node {
	cur := []*node{n}
	for _, p := range path {
		var next []*node
		for _, c := range cur {
			for _, k := range c.children {
				if k.name == p {
					next = append(next, k)
				}
			}
		}
		cur = next
	}
	return cur
}

func (n *node) texts(path ...string) []string {
	var out []string
	for _, c := range n.all(path...) {
		if t := lists.CleanSpace(c.text); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func (n *node) text1(path ...string) string {
	if t := n.texts(path...); len(t) > 0 {
		return t[0]
	}
	return ""
}

// fcdoKnown lists the element names this reader maps or knowingly skips.
var fcdoKnown = map[string]bool{}

func init() {
	for _, s := range strings.Fields(`Designation LastUpdated DateDesignated UniqueID OFSIGroupID UNReferenceNumber
	Names Name Name1 Name2 Name3 Name4 Name5 Name6 NameType AliasStrength NonLatinNames NonLatinName
	NameNonLatinScript NonLatinScriptType NonLatinScriptLanguage Titles Title RegimeName IndividualEntityShip
	DesignationSource SanctionsImposed SanctionsImposedIndicators OtherInformation UKStatementofReasons
	Addresses Address AddressLine1 AddressLine2 AddressLine3 AddressLine4 AddressLine5 AddressLine6
	AddressPostalCode AddressCountry PhoneNumbers PhoneNumber EmailAddresses EmailAddress Websites Website
	IndividualDetails Individual DOBs DOB Nationalities Nationality Genders Gender Positions Position
	PassportDetails Passport PassportNumber PassportAdditionalInformation NationalIdentifierDetails
	NationalIdentifier NationalIdentifierNumber NationalIdentifierAdditionalInformation BirthDetails Location
	TownOfBirth CountryOfBirth EntityDetails Entity TypeOfEntities TypeOfEntity BusinessRegistrationNumbers
	BusinessRegistrationNumber ParentCompanies ParentCompany Subsidiaries Subsidiary ShipDetails Ship
	IMONumbers IMONumber CurrentOwnerOperators CurrentOwnerOperator PreviousOwnerOperators
	PreviousOwnerOperator CurrentBelievedFlagOfShips CurrentBelievedFlagOfShip PreviousFlags PreviousFlag
	TypeOfShipDetails TypeOfShip TonnageOfShipDetails TonnageOfShip LengthOfShipDetails LengthOfShip
	YearBuiltDetails YearBuilt HullIdentificationNumbers HullIdentificationNumber`) {
		fcdoKnown[s] = true
	}
}

// ReadFCDOXML decodes an FCDO UK Sanctions List XML, one Designation at a
// time, emitting one entity per designation ("uk:<UniqueID>"). Partial cannot
// be told from content and stays false.
func ReadFCDOXML(r io.Reader, emit lists.Emit) (*lists.Meta, error) {
	meta := &lists.Meta{List: vigil.ListUKFCDO, Source: vigil.SourceUK, Format: FormatFCDOXML}
	in := lists.NewInput(r, lists.XMLRecord)
	d := xml.NewDecoder(in)
	depth := 0
	sawRoot := false
	for {
		line, _ := d.InputPos()
		in.Mark()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			l, _ := d.InputPos()
			return meta, lists.Errorf(l, "xml", "%v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1:
				if t.Name.Local != "Designations" {
					return meta, lists.Errorf(line, t.Name.Local, "root element is not Designations")
				}
				sawRoot = true
			case depth == 2 && t.Name.Local == "DateGenerated":
				var s string
				if err := d.DecodeElement(&s, &t); err != nil {
					l, _ := d.InputPos()
					return meta, lists.Errorf(l, "DateGenerated", "%v", err)
				}
				depth--
				if dt, ok := lists.ParseDate(s); ok && dt.Day != 0 {
					meta.Published = time.Date(dt.Year, time.Month(dt.Month), dt.Day, 0, 0, 0, 0, time.UTC)
				} else {
					meta.Warnf("unparsed DateGenerated %q", s)
				}
			case depth == 2 && t.Name.Local == "Designation":
				n, err := readNode(d, t, meta)
				if err != nil {
					l, _ := d.InputPos()
					return meta, lists.Errorf(l, "Designation", "%v", err)
				}
				depth--
				e, err := designation(n, meta)
				if err != nil {
					var pe *lists.ParseError
					if errors.As(err, &pe) {
						pe.Line = line
					}
					return meta, err
				}
				if err := emit(e); err != nil {
					return meta, err
				}
			case depth == 2:
				meta.Warnf("unknown element %q", t.Name.Local)
				if err := d.Skip(); err != nil {
					l, _ := d.InputPos()
					return meta, lists.Errorf(l, t.Name.Local, "%v", err)
				}
				depth--
			}
		case xml.EndElement:
			depth--
		}
	}
	if !sawRoot {
		return meta, lists.Errorf(0, "Designations", "no root element")
	}
	return meta, nil
}

// readNode reads the element started by start into a tree, warning about
// unknown element names.
func readNode(d *xml.Decoder, start xml.StartElement, meta *lists.Meta) (*node, error) {
	root := &node{name: start.Name.Local}
	stack := []*node{root}
	var text strings.Builder
	for len(stack) > 0 {
		tok, err := d.Token()
		if err == io.EOF {
			return nil, io.ErrUnexpectedEOF
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if !fcdoKnown[t.Name.Local] {
				meta.Warnf("unknown element %q", t.Name.Local)
			}
			n := &node{name: t.Name.Local}
			top := stack[len(stack)-1]
			top.children = append(top.children, n)
			stack = append(stack, n)
			text.Reset()
		case xml.CharData:
			text.Write(t)
		case xml.EndElement:
			top := stack[len(stack)-1]
			if len(top.children) == 0 {
				top.text = text.String()
			}
			text.Reset()
			stack = stack[:len(stack)-1]
		}
	}
	return root, nil
}

// designation maps one Designation tree to an entity.
func designation(n *node, meta *lists.Meta) (*vigil.Entity, error) {
	ref := n.text1("UniqueID")
	if ref == "" {
		return nil, lists.Errorf(0, "Designation/UniqueID", "designation has no UniqueID")
	}
	kind, ok := vigil.ParseKind(n.text1("IndividualEntityShip"))
	if !ok {
		meta.Warnf("unknown IndividualEntityShip %q", n.text1("IndividualEntityShip"))
	}
	e := &vigil.Entity{ID: vigil.EntityID(vigil.SourceUK, ref), Source: vigil.SourceUK, Ref: ref, Kind: kind}
	titles := n.texts("Titles", "Title")
	seen := map[string]bool{}
	var primary *vigil.Name
	for _, nm := range n.all("Names", "Name") {
		var p [6]string
		for i := range p {
			p[i] = nm.text1("Name" + string(rune('1'+i)))
		}
		full := lists.CleanSpace(strings.Join(p[:], " "))
		if full == "" || seen[strings.ToLower(full)] {
			continue
		}
		seen[strings.ToLower(full)] = true
		name := vigil.Name{Full: full, Given: p[0], Middle: lists.CleanSpace(strings.Join(p[1:5], " ")), Family: p[5],
			Script: lists.DetectScript(full)}
		switch strings.ToLower(nm.text1("NameType")) {
		case "primary name":
			name.Quality = vigil.QualityPrimary
		case "primary name variation":
			name.Quality = vigil.QualityStrong
		default:
			name.Quality = vigil.QualityStrong
			if strings.EqualFold(nm.text1("AliasStrength"), "weak") || strings.HasPrefix(strings.ToLower(nm.text1("AliasStrength")), "low") {
				name.Quality = vigil.QualityWeak
			}
		}
		if name.Quality == vigil.QualityPrimary && primary == nil {
			if len(titles) > 0 {
				name.Title = strings.Join(titles, ", ")
			}
			primary = &name
			continue
		}
		if name.Quality == vigil.QualityPrimary {
			name.Quality = vigil.QualityStrong
		}
		e.Names = append(e.Names, name)
	}
	for _, nl := range n.all("NonLatinNames", "NonLatinName") {
		full := nl.text1("NameNonLatinScript")
		if full == "" || seen[strings.ToLower(full)] {
			continue
		}
		seen[strings.ToLower(full)] = true
		e.Names = append(e.Names, vigil.Name{Full: full, Script: lists.DetectScript(full),
			Lang: langCode(nl.text1("NonLatinScriptLanguage")), Quality: vigil.QualityStrong})
	}
	if primary == nil {
		if len(e.Names) == 0 {
			return nil, lists.Errorf(0, "Designation UniqueID="+ref, "designation has no name")
		}
		meta.Warnf("designation without a Primary Name")
		e.Names[0].Quality = vigil.QualityPrimary
	} else {
		e.Names = append([]vigil.Name{*primary}, e.Names...)
	}

	e.Programs = n.texts("RegimeName")
	for _, s := range strings.Split(n.text1("SanctionsImposed"), "|") {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "asset freeze":
			e.Measures = append(e.Measures, vigil.MeasureAssetFreeze)
		case "travel ban":
			e.Measures = append(e.Measures, vigil.MeasureTravelBan)
		case "arms embargo":
			e.Measures = append(e.Measures, vigil.MeasureArmsEmbargo)
		}
	}
	if len(e.Measures) == 0 {
		// Fall back to the boolean indicators.
		if strings.EqualFold(n.text1("SanctionsImposedIndicators", "AssetFreeze"), "true") {
			e.Measures = append(e.Measures, vigil.MeasureAssetFreeze)
		}
		if strings.EqualFold(n.text1("SanctionsImposedIndicators", "TravelBan"), "true") {
			e.Measures = append(e.Measures, vigil.MeasureTravelBan)
		}
	}
	if d, ok := lists.ParseDate(n.text1("DateDesignated")); ok && d.Day != 0 {
		e.ListedOn = d.String()
	}
	lists.SameAsUN(e, n.text1("UNReferenceNumber"))
	var remarks []string
	for _, f := range []struct{ path, label string }{
		{"SanctionsImposed", "Sanctions imposed"}, {"DesignationSource", "Designation source"},
		{"UNReferenceNumber", "UN reference"}, {"OFSIGroupID", "OFSI group ID"},
		{"OtherInformation", ""}, {"UKStatementofReasons", "UK statement of reasons"},
	} {
		if v := n.text1(f.path); v != "" {
			if f.label != "" {
				v = f.label + ": " + v
			}
			remarks = append(remarks, v)
		}
	}
	for _, a := range n.all("Addresses", "Address") {
		var parts []string
		for i := 1; i <= 6; i++ {
			if v := a.text1("AddressLine" + string(rune('0'+i))); v != "" {
				parts = append(parts, v)
			}
		}
		post, ctry := a.text1("AddressPostalCode"), a.text1("AddressCountry")
		full := strings.Join(lists.Dedupe(append(append(parts, post), ctry)), ", ")
		if full == "" {
			continue
		}
		ad := vigil.Address{Full: full, PostalCode: post, Country: countryWarn(ctry, meta)}
		if len(parts) > 0 {
			ad.Street = parts[0]
		}
		e.Addresses = append(e.Addresses, ad)
	}
	e.Links = lists.Dedupe(n.texts("Websites", "Website"))
	for _, p := range n.texts("PhoneNumbers", "PhoneNumber") {
		remarks = append(remarks, "Phone: "+p)
	}
	for _, p := range n.texts("EmailAddresses", "EmailAddress") {
		remarks = append(remarks, "Email: "+p)
	}

	for _, ind := range n.all("IndividualDetails", "Individual") {
		for _, s := range ind.texts("DOBs", "DOB") {
			d, ok := lists.ParseDate(strings.ReplaceAll(strings.ReplaceAll(s, "dd", "00"), "mm", "00"))
			d.Text = s
			if !ok {
				meta.Warnf("unparsed DOB %q", s)
			}
			e.BirthDates = append(e.BirthDates, d)
		}
		for _, s := range ind.texts("Nationalities", "Nationality") {
			if c := countryWarn(s, meta); c != "" {
				e.Nationalities = appendNew(e.Nationalities, c)
			}
		}
		for _, s := range ind.texts("Genders", "Gender") {
			switch strings.ToLower(s) {
			case "male":
				e.Gender = "male"
			case "female":
				e.Gender = "female"
			}
		}
		e.Positions = lists.Dedupe(append(e.Positions, ind.texts("Positions", "Position")...))
		for _, p := range ind.all("PassportDetails", "Passport") {
			addDoc(e, vigil.DocPassport, "Passport", p.text1("PassportNumber"), p.text1("PassportAdditionalInformation"))
		}
		for _, p := range ind.all("NationalIdentifierDetails", "NationalIdentifier") {
			addDoc(e, vigil.DocNationalID, "National Identifier", p.text1("NationalIdentifierNumber"), p.text1("NationalIdentifierAdditionalInformation"))
		}
		for _, l := range ind.all("BirthDetails", "Location") {
			town, ctry := l.text1("TownOfBirth"), l.text1("CountryOfBirth")
			if town == "" && ctry == "" {
				continue
			}
			e.BirthPlaces = append(e.BirthPlaces, vigil.Place{Text: strings.Trim(town+", "+ctry, ", "), Country: countryWarn(ctry, meta)})
		}
	}
	for _, ent := range n.all("EntityDetails", "Entity") {
		for _, s := range ent.texts("BusinessRegistrationNumbers", "BusinessRegistrationNumber") {
			addDoc(e, vigil.DocRegistration, "Business Registration Number", s, "")
		}
		for _, s := range ent.texts("ParentCompanies", "ParentCompany") {
			e.Relations = append(e.Relations, vigil.Relation{Name: s, Type: "parent"})
		}
		for _, s := range ent.texts("Subsidiaries", "Subsidiary") {
			e.Relations = append(e.Relations, vigil.Relation{Name: s, Type: "subsidiary"})
		}
		for _, s := range ent.texts("TypeOfEntities", "TypeOfEntity") {
			remarks = append(remarks, "Type of entity: "+s)
		}
	}
	for _, sh := range n.all("ShipDetails", "Ship") {
		if v := sh.text1("IMONumbers", "IMONumber"); v != "" {
			e.IMO = strings.TrimSpace(strings.TrimPrefix(strings.ToUpper(v), "IMO"))
		}
		e.Owner = strings.Join(sh.texts("CurrentOwnerOperators", "CurrentOwnerOperator"), "; ")
		if v := sh.text1("CurrentBelievedFlagOfShips", "CurrentBelievedFlagOfShip"); v != "" {
			if e.Flag = lists.Country(v); e.Flag == "" {
				e.Flag = v
			}
		}
		e.VesselType = sh.text1("TypeOfShipDetails", "TypeOfShip")
		e.Tonnage = sh.text1("TonnageOfShipDetails", "TonnageOfShip")
		for _, s := range sh.texts("PreviousFlags", "PreviousFlag") {
			remarks = append(remarks, "Previous flag: "+s)
		}
		for _, s := range sh.texts("LengthOfShipDetails", "LengthOfShip") {
			remarks = append(remarks, "Length of ship: "+s)
		}
	}
	e.Remarks = strings.Join(remarks, "\n")
	return e, nil
}

func addDoc(e *vigil.Entity, typ, text, number, note string) {
	if number == "" {
		return
	}
	for _, d := range e.Documents {
		if d.Type == typ && d.Number == number {
			return
		}
	}
	e.Documents = append(e.Documents, vigil.Document{Type: typ, TypeText: text, Number: number, Note: note})
}

func countryWarn(name string, meta *lists.Meta) string {
	if name == "" {
		return ""
	}
	c := lists.Country(name)
	if c == "" {
		meta.Warnf("unknown country %q", name)
	}
	return c
}
