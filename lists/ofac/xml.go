package ofac

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// SniffXML reports whether head looks like OFAC's legacy XML (SDN.XML,
// CONSOLIDATED.XML): an <sdnList> root, in the tempuri sdnList.xsd or the
// Sanctions List Service .../exports/XML namespace, or followed by OFAC's
// misspelt <publshInformation>.
func SniffXML(head []byte) bool {
	i := bytes.Index(head, []byte("<sdnList"))
	if i < 0 || !isRootAt(head, i) {
		return false
	}
	rest := head[i:]
	return bytes.Contains(rest, []byte("sdnList.xsd")) ||
		bytes.Contains(rest, []byte("/exports/XML\"")) ||
		bytes.Contains(rest, []byte("<publshInformation")) ||
		bytes.Contains(rest, []byte("<sdnEntry"))
}

// isRootAt reports whether the element starting at head[i] is the first
// element of the document (only the prolog, comments and space before it).
func isRootAt(head []byte, i int) bool {
	d := xml.NewDecoder(bytes.NewReader(head[:i]))
	for {
		t, err := d.Token()
		if err != nil {
			return err == io.EOF
		}
		if _, ok := t.(xml.StartElement); ok {
			return false
		}
	}
}

// xmlEntry is one <sdnEntry>.
type xmlEntry struct {
	UID           string       `xml:"uid"`
	FirstName     string       `xml:"firstName"`
	LastName      string       `xml:"lastName"`
	Title         string       `xml:"title"`
	SDNType       string       `xml:"sdnType"`
	Remarks       string       `xml:"remarks"`
	Programs      []string     `xml:"programList>program"`
	IDs           []xmlID      `xml:"idList>id"`
	AKAs          []xmlAKA     `xml:"akaList>aka"`
	Addresses     []xmlAddress `xml:"addressList>address"`
	Nationalities []string     `xml:"nationalityList>nationality>country"`
	Citizenships  []string     `xml:"citizenshipList>citizenship>country"`
	DOBs          []string     `xml:"dateOfBirthList>dateOfBirthItem>dateOfBirth"`
	POBs          []string     `xml:"placeOfBirthList>placeOfBirthItem>placeOfBirth"`
	Vessel        *struct {
		CallSign   string `xml:"callSign"`
		VesselType string `xml:"vesselType"`
		VesselFlag string `xml:"vesselFlag"`
		Owner      string `xml:"vesselOwner"`
		Tonnage    string `xml:"tonnage"`
		GRT        string `xml:"grossRegisteredTonnage"`
	} `xml:"vesselInfo"`
	Other []xmlAny `xml:",any"`
}

type xmlID struct {
	Type    string `xml:"idType"`
	Number  string `xml:"idNumber"`
	Country string `xml:"idCountry"`
	Issued  string `xml:"issueDate"`
	Expires string `xml:"expirationDate"`
}

type xmlAKA struct {
	Type      string `xml:"type"`
	Category  string `xml:"category"`
	FirstName string `xml:"firstName"`
	LastName  string `xml:"lastName"`
}

type xmlAddress struct {
	Address1   string `xml:"address1"`
	Address2   string `xml:"address2"`
	Address3   string `xml:"address3"`
	City       string `xml:"city"`
	State      string `xml:"stateOrProvince"`
	PostalCode string `xml:"postalCode"`
	Country    string `xml:"country"`
	Region     string `xml:"region"`
}

type xmlAny struct{ XMLName xml.Name }

// ReadXML reads OFAC's legacy XML (SDN.XML or CONSOLIDATED.XML), streaming
// one <sdnEntry> at a time. Publish_Date and Record_Count give Published and
// Declared.
//
// Both lists share one schema and namespace, so the list is told from
// content: it is the consolidated non-SDN list (vigil.ListOFACCons) when more
// than half of the entries carry a non-SDN marker — a program of the non-SDN
// lists (NS-*, FSE-*, CMIC-*, CAPTA, 561-*, or the Ukraine sectoral
// UKRAINE-EO13662 with its "Executive Order 13662 Directive Determination"
// id) — and the SDN list otherwise. On the SDN list such entries are a few
// percent; on the consolidated list nearly all. To stream with bounded memory
// the decision is taken on the first 64 entries (which are then emitted, with
// the SDN list's asset-freeze measure or none); a whole-file count that
// disagrees is logged with Warnf.
func ReadXML(r io.Reader, emit lists.Emit) (*lists.Meta, error) {
	meta := &lists.Meta{List: vigil.ListOFACSDN, Source: vigil.SourceOFAC, Format: "ofac_xml"}
	in := lists.NewInput(r, lists.XMLRecord)
	d := xml.NewDecoder(in)
	var (
		depth, entries, nonSDN int
		closed, decided        bool
		pending                []*vigil.Entity
	)
	emitXML := func(e *vigil.Entity) error {
		if meta.List == vigil.ListOFACSDN {
			e.Measures = []vigil.Measure{vigil.MeasureAssetFreeze}
		}
		return emit(e)
	}
	decide := func() error {
		decided = true
		meta.List = pickList(entries, nonSDN)
		for _, e := range pending {
			if err := emitXML(e); err != nil {
				return err
			}
		}
		pending = nil
		return nil
	}
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
			if depth == 1 {
				if t.Name.Local != "sdnList" {
					return nil, lists.Errorf(line, t.Name.Local, "root element is <%s>, want <sdnList>", t.Name.Local)
				}
				continue
			}
			switch t.Name.Local {
			case "publshInformation", "publishInformation":
				var p struct {
					Date  string `xml:"Publish_Date"`
					Count string `xml:"Record_Count"`
				}
				if err := d.DecodeElement(&p, &t); err != nil {
					return nil, lists.XMLError(err, line, "xml")
				}
				if p.Date != "" {
					if ts, err := time.Parse("01/02/2006", strings.TrimSpace(p.Date)); err == nil {
						meta.Published = ts
					} else {
						meta.Warnf("publshInformation: unreadable Publish_Date %q", p.Date)
					}
				}
				if n, err := strconv.Atoi(strings.TrimSpace(p.Count)); err == nil {
					meta.Declared = n
				}
			case "sdnEntry":
				var x xmlEntry
				if err := d.DecodeElement(&x, &t); err != nil {
					return nil, lists.XMLError(err, line, "xml")
				}
				e, marked, err := x.entity(line, meta)
				if err != nil {
					return nil, err
				}
				entries++
				if marked {
					nonSDN++
				}
				if decided {
					err = emitXML(e)
				} else if pending = append(pending, e); len(pending) == decideAfter {
					err = decide()
				}
				if err != nil {
					return nil, err
				}
			default:
				meta.Warnf("unknown element <%s> in <sdnList>", t.Name.Local)
				if err := d.Skip(); err != nil {
					return nil, lists.XMLError(err, line, "xml")
				}
			}
			depth--
		case xml.EndElement:
			depth--
			if depth == 0 {
				closed = true
			}
		}
	}
	line, _ := d.InputPos()
	if !closed {
		return nil, lists.Errorf(line, "sdnList", "file ends before </sdnList> (truncated or empty)")
	}
	if !decided {
		if err := decide(); err != nil {
			return nil, err
		}
	}
	if whole := pickList(entries, nonSDN); whole != meta.List {
		meta.Warnf("the first %d entries look like list %s but the whole file like %s", decideAfter, meta.List, whole)
	}
	if meta.Declared != 0 && meta.Declared != entries {
		meta.Warnf("Record_Count is %d but the file holds %d entries", meta.Declared, entries)
	}
	return meta, nil
}

// decideAfter is how many legacy XML entries decide which list a file is.
const decideAfter = 64

// pickList is the list of a legacy XML file with n entries of which nonSDN
// carry a non-SDN marker.
func pickList(n, nonSDN int) string {
	if n > 0 && nonSDN*2 > n {
		return vigil.ListOFACCons
	}
	return vigil.ListOFACSDN
}

// nonSDNProgram reports whether a program code belongs to OFAC's non-SDN
// lists.
func nonSDNProgram(p string) bool {
	for _, pre := range []string{"NS-", "FSE-", "CMIC-", "CAPTA", "561-", "UKRAINE-EO13662"} {
		if strings.HasPrefix(p, pre) {
			return true
		}
	}
	return false
}

// entity converts an entry; marked reports a non-SDN marker (see ReadXML).
func (x *xmlEntry) entity(line int, meta *lists.Meta) (e *vigil.Entity, marked bool, err error) {
	ref := strings.TrimSpace(x.UID)
	if !reEntNum.MatchString(ref) {
		return nil, false, lists.Errorf(line, "sdnEntry/uid", "uid %q is not a number", x.UID)
	}
	e = &vigil.Entity{ID: vigil.EntityID(vigil.SourceOFAC, ref), Source: vigil.SourceOFAC, Ref: ref}
	kind, ok := vigil.ParseKind(x.SDNType)
	if !ok || kind == vigil.KindUnknown {
		meta.Warnf("sdnEntry: unknown sdnType %q", x.SDNType)
	}
	e.Kind = kind
	primary := personName(x.FirstName, x.LastName)
	if primary.Full == "" {
		return nil, false, lists.Errorf(line, "sdnEntry/lastName", "entry %s has no name", ref)
	}
	primary.Quality = vigil.QualityPrimary
	e.Names = append(e.Names, primary)
	for _, a := range x.AKAs {
		n := personName(a.FirstName, a.LastName)
		n.Quality = vigil.QualityStrong
		if strings.EqualFold(strings.TrimSpace(a.Category), "weak") {
			n.Quality = vigil.QualityWeak
		}
		switch strings.ToLower(strings.TrimSpace(a.Type)) {
		case "f.k.a.":
			n.Quality = vigil.QualityFormerly
		case "n.k.a.":
			n.Note = "n.k.a."
		}
		e.Names = append(e.Names, n)
	}
	e.Names = dedupeNames(e.Names)
	for _, p := range x.Programs {
		p = strings.TrimSpace(p)
		e.Programs = append(e.Programs, p)
		marked = marked || nonSDNProgram(p)
	}
	e.Programs = lists.Dedupe(e.Programs)
	if t := lists.CleanSpace(x.Title); t != "" {
		e.Positions = []string{t}
	}
	for _, s := range x.DOBs {
		applyFact(e, "DOB", labels["DOB"], s, nil)
	}
	for _, s := range x.POBs {
		applyFact(e, "POB", labels["POB"], s, nil)
	}
	var extra []string
	for _, s := range x.Nationalities {
		if ok, w := applyFact(e, "nationality", labels["nationality"], s, nil); !ok {
			meta.Warnf("sdnEntry/nationality: %s", w)
			extra = append(extra, "nationality "+s)
		}
	}
	for _, s := range x.Citizenships {
		if ok, w := applyFact(e, "citizen", labels["citizen"], s, nil); !ok {
			meta.Warnf("sdnEntry/citizenship: %s", w)
			extra = append(extra, "citizen "+s)
		}
	}
	for _, id := range x.IDs {
		typ, num := strings.TrimSpace(id.Type), lists.CleanSpace(id.Number)
		if typ == "Executive Order 13662 Directive Determination -" {
			marked = true
		}
		name, lab, _, found := matchLabel(typ)
		if found && name != typ {
			found = false // only an exact label: "Passport" is not "Passport Office"
		}
		if found {
			dv := &docValue{Country: id.Country, Issued: id.Issued, Expires: id.Expires}
			ok, w := applyFact(e, name, lab, num, dv)
			if w != "" {
				meta.Warnf("sdnEntry/idList: %s", w)
			}
			if ok {
				continue
			}
		}
		fact := joinNonEmpty(" ", typ, num)
		if c := strings.TrimSpace(id.Country); c != "" {
			fact += " (" + c + ")"
		}
		extra = append(extra, fact)
	}
	for _, a := range x.Addresses {
		addr := vigil.Address{Street: joinNonEmpty(", ", a.Address1, a.Address2, a.Address3), City: strings.TrimSpace(a.City),
			Region: joinNonEmpty(", ", a.State, a.Region), PostalCode: strings.TrimSpace(a.PostalCode)}
		addr.Country = lists.Country(a.Country)
		if addr.Country == "" && strings.TrimSpace(a.Country) != "" {
			meta.Warnf("sdnEntry/address: unknown country %q", a.Country)
		}
		addr.Full = joinNonEmpty(", ", addr.Street, addr.City, addr.Region, addr.PostalCode, a.Country)
		if addr.Full != "" {
			e.Addresses = append(e.Addresses, addr)
		}
	}
	if v := x.Vessel; v != nil {
		setOnce(&e.CallSign, strings.TrimSpace(v.CallSign))
		setOnce(&e.VesselType, strings.TrimSpace(v.VesselType))
		if f := strings.TrimSpace(v.VesselFlag); f != "" {
			applyFact(e, "Vessel Flag", labels["Vessel Flag"], f, nil)
		}
		setOnce(&e.Owner, strings.TrimSpace(v.Owner))
		setOnce(&e.Tonnage, strings.TrimSpace(v.Tonnage))
		setOnce(&e.GrossTonnage, strings.TrimSpace(v.GRT))
	}
	for _, o := range x.Other {
		meta.Warnf("unknown element <%s> in <sdnEntry>", o.XMLName.Local)
	}
	e.Remarks = joinRemarks(lists.CleanSpace(x.Remarks), extra)
	return e, marked, nil
}

// personName builds a Name from OFAC's firstName/lastName: "LAST, First" as
// the legacy CSV writes it, the last name alone for entities.
func personName(first, last string) vigil.Name {
	first, last = lists.CleanSpace(first), lists.CleanSpace(last)
	n := vigil.Name{Given: first, Family: last, Full: last}
	if first != "" {
		n.Full = joinNonEmpty(", ", last, first)
	}
	n.Script = lists.DetectScript(n.Full)
	return n
}

// joinRemarks appends facts kept as text to a remarks text.
func joinRemarks(remarks string, facts []string) string {
	if len(facts) == 0 {
		return remarks
	}
	tail := strings.Join(facts, "; ") + "."
	if remarks == "" {
		return tail
	}
	return fmt.Sprintf("%s; %s", strings.TrimSuffix(remarks, "."), tail)
}
