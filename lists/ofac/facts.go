package ofac

import (
	"regexp"
	"sort"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// factKind says what a labelled OFAC fact fills in an entity.
type factKind uint8

const (
	kDOB factKind = iota + 1
	kPOB
	kNationality
	kCitizen
	kGender
	kWebsite
	kEmail
	kIMO // "Vessel Registration Identification IMO 1234567"
	kTail
	kMSN
	kModel
	kOperator
	kTitle
	kCallSign
	kVesselType
	kFlag
	kTonnage
	kGRT
	kOwner
	kDoc   // identity or registration document (docType set)
	kIdent // other identifier (SWIFT/BIC, ISIN, crypto address…): DocOther
	kAKA
	kFKA
	kNKA
	kLinked
)

// label is how one OFAC label is read.
type label struct {
	kind factKind
	doc  string // vigil.Doc* for kDoc and kIdent
}

// Document labels by normalised type. The names are OFAC's "ID DOCUMENT TYPE"
// reference values (Enhanced XML) and the idType values of the legacy XML,
// which are also the labels the CSV Remarks use.
var docLabels = map[string][]string{
	vigil.DocPassport: {"Passport", "Diplomatic Passport", "British National Overseas Passport",
		"Stateless Person Passport", "Travel Document Number"},
	vigil.DocNationalID: {"National ID No.", "Cedula No.", "D.N.I.", "C.U.R.P.", "SSN", "N.I.E.",
		"Bosnian Personal ID No.", "Kenyan ID No.", "Moroccan Personal ID No.", "Identification Number",
		"National Foreign ID Number", "Personal ID Card", "CNP (Personal Numerical Code)",
		"Turkish Identification Number", "Tazkira National ID Card", "Citizen's Card Number",
		"UAE Identification", "Stateless Person ID Card", "Refugee ID Card", "Numero de Identidad",
		"I.F.E.", "Credencial electoral", "Romanian Permanent Resident", "Residency Number",
		"Public Security and Immigration No.", "Immigration No.", "C.U.I.P.", "Electoral Registry No.",
		"Birth Certificate Number", "National ID", "C.I.N."},
	vigil.DocTaxID: {"Tax ID No.", "R.F.C.", "RFC", "NIT #", "RUC #", "RIF #", "US FEIN", "C.U.I.T.",
		"C.U.I.", "C.I.F.", "N.I.F.", "V.A.T. Number", "Italian Fiscal Code", "Fiscal Code",
		"Paraguayan tax identification number", "RTN", "Romanian Tax Registration",
		"Numero Unico de Identificacao Tributaria (NUIT)", "RSIN"},
	vigil.DocRegistration: {"Registration ID", "Registration Number", "Business Registration Document #",
		"Business Registration Number", "Company Number", "UK Company Number", "Commercial Registry Number",
		"C.R. No.", "Romanian C.R.", "Certificate of Incorporation Number", "Trade License No.",
		"Chamber of Commerce Number", "Dubai Chamber of Commerce Membership No.",
		"Istanbul Chamber of Comm. No.", "Legal Entity Number", "Government Gazette Number",
		"Unified Social Credit Code (USCC)", "United Social Credit Code Certificate (USCCC)",
		"Matricula Mercantil No", "Folio Mercantil No.", "Public Registration Number", "Enterprise Number",
		"Business Number", "Central Registration System Number", "Economic Register Number (CBLS)",
		"Registered Charity No.", "Registration Certificate Number (Dubai)", "LE Number",
		"Organization Code", "Branch Unit Number", "MSB Registration Number", "File Number",
		"Chinese Commercial Code", "Russian State Individual Business Registration Number Pattern (OGRNIP)",
		"D-U-N-S Number", "Tourism License No.", "Afghan Money Service Provider License Number",
		"License", "Permit Number", "Trademark number", "SRE Permit No."},
	vigil.DocOther: {"Driver's License No.", "Pilot License Number", "VisaNumberID",
		"Seafarer's Identification Document", "Military Registration Number",
		"Cartilla de Servicio Militar Nacional", "Serial No.", "Aircraft Serial Identification"},
}

// identLabels are identifiers that are not documents; they become DocOther
// documents so that screening by identifier finds them.
var identLabels = []string{"SWIFT/BIC", "ISIN", "Equity Ticker", "MICEX Code", "BIK (RU)", "MMSI",
	"UN/LOCODE", "Aircraft Construction Number (also called L/N or S/N or F/N)",
	"Aircraft Mode S Transponder Code", "Previous Aircraft Tail Number"}

// cryptoCodes are the currencies of OFAC's "Digital Currency Address - XXX"
// labels; an unknown code is still read by its prefix.
var cryptoCodes = []string{"ARB", "BCH", "BSC", "BSV", "BTG", "DASH", "ETC", "ETH", "LTC", "TRX",
	"USDC", "USDT", "XBT", "XMR", "XRP", "XVG", "ZEC"}

const cryptoPrefix = "Digital Currency Address - "

// labels maps every label (as the CSV remarks, legacy XML idType and
// Enhanced feature types write it) to its reading.
var labels = func() map[string]label {
	m := map[string]label{
		"DOB": {kind: kDOB}, "Birthdate": {kind: kDOB},
		"POB": {kind: kPOB}, "Place of Birth": {kind: kPOB},
		"nationality": {kind: kNationality}, "Nationality Country": {kind: kNationality},
		"citizen": {kind: kCitizen}, "Citizenship Country": {kind: kCitizen},
		"Gender": {kind: kGender}, "Website": {kind: kWebsite}, "Email Address": {kind: kEmail},
		"Vessel Registration Identification":               {kind: kIMO},
		"Aircraft Tail Number":                             {kind: kTail},
		"Aircraft Manufacturer's Serial Number (MSN)":      {kind: kMSN},
		"Aircraft Manufacturer\u2019s Serial Number (MSN)": {kind: kMSN},
		"Aircraft Model":                                   {kind: kModel},
		"Aircraft Operator":                                {kind: kOperator},
		"Title":                                            {kind: kTitle},
		"Vessel Call Sign":                                 {kind: kCallSign}, "VESSEL TYPE": {kind: kVesselType},
		"Vessel Flag": {kind: kFlag}, "Vessel Tonnage": {kind: kTonnage},
		"Vessel Gross Registered Tonnage": {kind: kGRT}, "Vessel Owner": {kind: kOwner},
		"a.k.a.": {kind: kAKA}, "f.k.a.": {kind: kFKA}, "n.k.a.": {kind: kNKA},
		"Linked To:": {kind: kLinked},
	}
	for typ, ls := range docLabels {
		for _, l := range ls {
			m[l] = label{kind: kDoc, doc: typ}
		}
	}
	for _, l := range identLabels {
		m[l] = label{kind: kIdent, doc: vigil.DocOther}
	}
	for _, c := range cryptoCodes {
		m[cryptoPrefix+c] = label{kind: kIdent, doc: vigil.DocOther}
	}
	return m
}()

// byFirstWord indexes labels by their first word, longest label first, for
// the longest-prefix match of remark facts.
var byFirstWord = func() map[string][]string {
	m := map[string][]string{}
	for l := range labels {
		w, _, _ := strings.Cut(l, " ")
		m[w] = append(m[w], l)
	}
	for _, ls := range m {
		sort.Slice(ls, func(i, j int) bool {
			if len(ls[i]) != len(ls[j]) {
				return len(ls[i]) > len(ls[j])
			}
			return ls[i] < ls[j]
		})
	}
	return m
}()

// matchLabel finds the longest known label that fact starts with (followed by
// a space or the end) and returns it with the rest of the fact.
func matchLabel(fact string) (name string, lab label, value string, ok bool) {
	w, _, _ := strings.Cut(fact, " ")
	for _, l := range byFirstWord[w] {
		if strings.HasPrefix(fact, l) && (len(fact) == len(l) || fact[len(l)] == ' ') {
			return l, labels[l], strings.TrimSpace(fact[len(l):]), true
		}
	}
	if rest, ok := strings.CutPrefix(fact, cryptoPrefix); ok {
		code, val, _ := strings.Cut(rest, " ")
		if code != "" && val != "" {
			return cryptoPrefix + code, label{kind: kIdent, doc: vigil.DocOther}, strings.TrimSpace(val), true
		}
	}
	return "", label{}, "", false
}

// docValue is the structured part of a document fact.
type docValue struct {
	Number, Country, Issued, Expires string
}

var reDocValue = regexp.MustCompile(`^(.*?)(?:\s+\(([^()]*)\))?(?:\s+issued\s+(.+?))?(?:\s+expires\s+(.+?))?$`)

// parseDocValue splits "X0000001 (Utopia) issued 01 Jan 2020 expires 01 Jan
// 2030" into its parts.
func parseDocValue(v string) docValue {
	g := reDocValue.FindStringSubmatch(v)
	if g == nil {
		return docValue{Number: v}
	}
	d := docValue{Number: strings.TrimSpace(g[1]), Country: g[2], Issued: g[3], Expires: g[4]}
	if d.Number == "" {
		return docValue{Number: v}
	}
	return d
}

// isoDate formats a document date as YYYY-MM-DD (or YYYY-MM, YYYY) when it
// parses, else returns it as written.
func isoDate(s string) string {
	s = lists.CleanSpace(s)
	if s == "" {
		return ""
	}
	d := parseDOB(s)
	if d.Year == 0 {
		return s
	}
	return d.String()
}

var reFromTo = regexp.MustCompile(`^(.+?)\s+to\s+(.+)$`)

// parseDOB reads OFAC's date forms: "11 Mar 1957", "Mar 1957", "1957",
// "circa 1957", "1957 to 1959" and "01 Jan 1957 to 31 Dec 1959". An
// unparseable date keeps only its Text.
func parseDOB(s string) vigil.Date {
	s = lists.CleanSpace(s)
	if d, ok := lists.ParseDate(s); ok {
		return d
	}
	g := reFromTo.FindStringSubmatch(s)
	if g == nil {
		return vigil.Date{Text: s}
	}
	a, okA := lists.ParseDate(g[1])
	b, okB := lists.ParseDate(g[2])
	if !okA || !okB || a.Year == 0 || b.Year < a.Year || a.ToYear != 0 || b.ToYear != 0 {
		return vigil.Date{Text: s}
	}
	d := vigil.Date{Year: a.Year, Text: s, Approx: a.Approx || b.Approx}
	switch {
	case b.Year > a.Year:
		d.ToYear = b.Year
	case a.Month != 0 && a.Month == b.Month:
		d.Month = a.Month // a range within one month
	}
	return d
}

// applyFact fills e from one labelled fact. It reports false when the value
// could not be used, so that the caller keeps the fact as a remark; warn
// names a value worth logging (an unknown country).
func applyFact(e *vigil.Entity, name string, lab label, value string, doc *docValue) (ok bool, warn string) {
	value = strings.TrimSpace(value)
	if value == "" {
		return false, ""
	}
	switch lab.kind {
	case kDOB:
		e.BirthDates = append(e.BirthDates, parseDOB(value))
	case kPOB:
		p := vigil.Place{Text: value}
		if i := strings.LastIndexByte(value, ','); i >= 0 {
			p.Country = lists.Country(value[i+1:])
		} else {
			p.Country = lists.Country(value)
		}
		e.BirthPlaces = append(e.BirthPlaces, p)
	case kNationality, kCitizen:
		c := country(value)
		if c == "" {
			return false, "unknown country " + value
		}
		if lab.kind == kNationality {
			e.Nationalities = lists.Dedupe(append(e.Nationalities, c))
		} else {
			e.Citizenships = lists.Dedupe(append(e.Citizenships, c))
		}
	case kGender:
		switch strings.ToLower(value) {
		case "male":
			e.Gender = "male"
		case "female":
			e.Gender = "female"
		default:
			return false, "unknown gender " + value
		}
	case kWebsite:
		e.Links = lists.Dedupe(append(e.Links, value))
	case kEmail:
		e.Links = lists.Dedupe(append(e.Links, "mailto:"+value))
	case kIMO:
		imo, found := strings.CutPrefix(value, "IMO ")
		if !found || e.IMO != "" && e.IMO != imo {
			return kDocument(e, name, vigil.DocOther, value, doc)
		}
		e.IMO = strings.TrimSpace(imo)
	case kTail:
		if e.TailNumber != "" && e.TailNumber != value {
			return kDocument(e, name, vigil.DocOther, value, doc)
		}
		e.TailNumber = value
	case kMSN:
		if e.SerialNumber != "" && e.SerialNumber != value {
			return kDocument(e, name, vigil.DocOther, value, doc)
		}
		e.SerialNumber = value
	case kModel:
		if e.Model != "" && e.Model != value {
			return false, ""
		}
		e.Model = value
	case kOperator:
		e.Relations = append(e.Relations, vigil.Relation{Name: value, Type: "operator"})
	case kTitle:
		e.Positions = lists.Dedupe(append(e.Positions, value))
	case kCallSign:
		setOnce(&e.CallSign, value)
	case kVesselType:
		setOnce(&e.VesselType, value)
	case kFlag:
		c := country(value)
		if c == "" {
			c = value
		}
		setOnce(&e.Flag, c)
	case kTonnage:
		setOnce(&e.Tonnage, value)
	case kGRT:
		setOnce(&e.GrossTonnage, value)
	case kOwner:
		setOnce(&e.Owner, value)
	case kDoc, kIdent:
		return kDocument(e, name, lab.doc, value, doc)
	case kAKA, kFKA, kNKA:
		n := strings.TrimSpace(strings.Trim(value, "'"))
		if n == "" {
			return false, ""
		}
		q := vigil.QualityWeak
		note := ""
		switch lab.kind {
		case kFKA:
			q = vigil.QualityFormerly
		case kNKA:
			note = "n.k.a."
		}
		e.Names = append(e.Names, vigil.Name{Full: n, Quality: q, Note: note, Script: lists.DetectScript(n)})
	case kLinked:
		e.Relations = append(e.Relations, vigil.Relation{Name: value, Type: "linked_to"})
	default:
		return false, ""
	}
	return true, ""
}

func setOnce(p *string, v string) {
	if *p == "" {
		*p = v
	}
}

// kDocument adds a document; doc, when given, carries structured fields (XML),
// else the value is parsed as "NUMBER (Country) issued … expires …".
func kDocument(e *vigil.Entity, name, typ, value string, doc *docValue) (bool, string) {
	var dv docValue
	if doc != nil {
		dv = *doc
		dv.Number = value
	} else {
		dv = parseDocValue(value)
	}
	d := vigil.Document{Type: typ, TypeText: name, Number: dv.Number, Issued: isoDate(dv.Issued), Expires: isoDate(dv.Expires)}
	warn := ""
	if dv.Country != "" {
		d.Country = lists.Country(dv.Country)
		if d.Country == "" {
			d.Note = dv.Country
			warn = "unknown country " + dv.Country
		}
	}
	e.Documents = append(e.Documents, d)
	return true, warn
}

// country is lists.Country, also trying the part before a comma: OFAC writes
// "North Macedonia, The Republic of".
func country(s string) string {
	if c := lists.Country(s); c != "" {
		return c
	}
	if a, _, ok := strings.Cut(s, ", "); ok {
		return lists.Country(a)
	}
	return ""
}
