// Package uk reads the United Kingdom's sanctions lists:
//
//   - the OFSI Consolidated List of Financial Sanctions Targets ("ConList",
//     retired on 28 January 2026, FORMATS.md §3.4) as CSV (Windows-1252) and
//     XLSX, in both its pre-2022 29-column layout and the 2022+ 36-column one;
//   - the FCDO UK Sanctions List XML (FORMATS.md §3.3).
//
// ConList (CSV and XLSX share the row mapping in this file): row 1 is
// "Last Updated,DD/MM/YYYY" (Meta.Published), row 2 the header, then one row
// per name. Columns are mapped by header name; unknown ones are warned about.
// Rows are grouped by Group ID into one entity ("uk:<Group ID>"): the first
// "Prime Alias"/"Primary name" row gives Names[0], other primary rows with a
// different spelling and "Primary name variation" rows are strong aliases,
// "AKA" rows are strong or weak by Alias Quality (Good/Low; strong when blank),
// "FKA" rows are former names. Row attributes (dates of birth, documents,
// addresses, …) are merged over all rows of the group.
//
// The group rows are not contiguous in real files (they are sorted by name), so
// the reader merges each row into its group's entity as it goes and emits the
// entities, in order of first appearance, at the end of the file: memory holds
// one merged entity per group, never the raw rows.
//
// Every ConList entry is an asset-freeze target, so every entity has
// MeasureAssetFreeze; ConList does not state travel bans.
package uk

import (
	"regexp"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// Formats read by this package (Meta.Format).
const (
	FormatConListCSV  = "uk_conlist_csv"
	FormatConListXLSX = "uk_conlist_xlsx"
	FormatFCDOXML     = "uk_fcdo_xml"
)

// ConList column keys: the lower-cased header names of both layouts.
const (
	cName6                                  = "name 6"
	cTitle                                  = "title"
	cNonLatin, cNonLatinType, cNonLatinLang = "name non-latin script", "non-latin script type", "non-latin script language"
	cDOB, cTown, cCountryOfBirth            = "dob", "town of birth", "country of birth"
	cNationality                            = "nationality"
	cPassportNo, cPassport                  = "passport number", "passport details"
	cNatIDNo, cNatID, cNINumber             = "national identification number", "national identification details", "ni number"
	cPosition                               = "position"
	cPostCode, cCountry                     = "post/zip code", "country"
	cOther                                  = "other information"
	cGroupType, cAliasType, cAliasQuality   = "group type", "alias type", "alias quality"
	cRegime, cListedOn, cDesignated         = "regime", "listed on", "uk sanctions list date designated"
	cLastUpdated, cGroupID                  = "last updated", "group id"
)

var conKnown = map[string]bool{
	"name 1": true, "name 2": true, "name 3": true, "name 4": true, "name 5": true, cName6: true,
	cTitle: true, cNonLatin: true, cNonLatinType: true, cNonLatinLang: true, cDOB: true, cTown: true,
	cCountryOfBirth: true, cNationality: true, cPassportNo: true, cPassport: true, cNatIDNo: true,
	cNatID: true, cNINumber: true, cPosition: true, "address 1": true, "address 2": true, "address 3": true,
	"address 4": true, "address 5": true, "address 6": true, cPostCode: true, cCountry: true, cOther: true,
	cGroupType: true, cAliasType: true, cAliasQuality: true, cRegime: true, cListedOn: true,
	cDesignated: true, cLastUpdated: true, cGroupID: true,
}

// conList maps ConList rows, by header name, into per-group entities.
type conList struct {
	meta   *lists.Meta
	col    map[string]int
	groups map[string]*group
	order  []string
	tally  lists.Tally // bounds what the groups hold
}

// group is one Group ID's entity being merged, with what is needed to merge
// further rows without keeping them.
type group struct {
	e        *vigil.Entity
	primary  bool // Names[0] came from a primary-name row
	names    map[string]int
	remarks  []string
	seen     map[string]bool
	firstRow int
}

// newConList maps a header row. It fails when Group ID or Name 6 is missing.
func newConList(header []string, line int, meta *lists.Meta) (*conList, error) {
	c := &conList{meta: meta, col: map[string]int{}, groups: map[string]*group{}}
	for i, h := range header {
		k := strings.ToLower(lists.CleanSpace(h))
		if k == "" {
			continue
		}
		if !conKnown[k] {
			meta.Warnf("unknown column %q", h)
			continue
		}
		if _, dup := c.col[k]; !dup {
			c.col[k] = i
		}
	}
	for _, req := range []string{cGroupID, cName6} {
		if _, ok := c.col[req]; !ok {
			return nil, lists.Errorf(line, "header", "missing required column %q", req)
		}
	}
	return c, nil
}

// isConListHeader reports whether a row is a ConList header row.
func isConListHeader(row []string) bool {
	var id, n6 bool
	for _, h := range row {
		switch strings.ToLower(strings.TrimSpace(h)) {
		case cGroupID:
			id = true
		case cName6:
			n6 = true
		}
	}
	return id && n6
}

func (c *conList) get(row []string, key string) string {
	if i, ok := c.col[key]; ok && i < len(row) {
		return lists.CleanSpace(row[i])
	}
	return ""
}

// add merges one data row (line is its 1-based line or sheet row) into its group.
func (c *conList) add(row []string, line int) error {
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
	id := c.get(row, cGroupID)
	if id == "" {
		return lists.Errorf(line, "Group ID", "row has no Group ID")
	}
	if err := c.tally.Add(id, row); err != nil {
		return lists.Errorf(line, "Group ID="+id, "%v", err)
	}
	parts := [6]string{}
	for i := range 5 {
		parts[i] = c.get(row, "name "+string(rune('1'+i)))
	}
	parts[5] = c.get(row, cName6)
	full := lists.CleanSpace(strings.Join(parts[:], " "))
	nonLatin := c.get(row, cNonLatin)
	if full == "" && nonLatin == "" {
		return lists.Errorf(line, "Group ID="+id, "row has no name")
	}
	g := c.groups[id]
	if g == nil {
		kind, ok := vigil.ParseKind(c.get(row, cGroupType))
		if !ok {
			c.meta.Warnf("unknown Group Type %q", c.get(row, cGroupType))
		}
		g = &group{e: &vigil.Entity{ID: vigil.EntityID(vigil.SourceUK, id), Source: vigil.SourceUK, Ref: id, Kind: kind,
			Measures: []vigil.Measure{vigil.MeasureAssetFreeze}}, names: map[string]int{}, seen: map[string]bool{}, firstRow: line}
		c.groups[id] = g
		c.order = append(c.order, id)
	}
	e := g.e

	quality, isPrimary := c.quality(c.get(row, cAliasType), c.get(row, cAliasQuality))
	if full != "" {
		n := vigil.Name{Full: full, Given: parts[0], Middle: lists.CleanSpace(strings.Join(parts[1:5], " ")),
			Family: parts[5], Title: c.get(row, cTitle), Script: lists.DetectScript(full), Quality: quality}
		g.addName(n, isPrimary)
	}
	if nonLatin != "" {
		q := quality
		if q == vigil.QualityPrimary {
			q = vigil.QualityStrong
		}
		g.addName(vigil.Name{Full: nonLatin, Script: lists.DetectScript(nonLatin),
			Lang: langCode(c.get(row, cNonLatinLang)), Quality: q}, false)
	}

	if s := c.get(row, cDOB); s != "" && !g.seen["dob:"+s] {
		g.seen["dob:"+s] = true
		d, ok := lists.ParseDate(s)
		if !ok {
			if ds, ok := lists.ParseDates(s); ok {
				e.BirthDates = append(e.BirthDates, ds...)
			} else {
				c.meta.Warnf("unparsed DOB %q", s)
				e.BirthDates = append(e.BirthDates, d)
			}
		} else {
			e.BirthDates = append(e.BirthDates, d)
		}
	}
	if town, ctry := c.get(row, cTown), c.get(row, cCountryOfBirth); town != "" || ctry != "" {
		text := strings.Trim(town+", "+ctry, ", ")
		if !g.seen["pob:"+text] {
			g.seen["pob:"+text] = true
			p := vigil.Place{Text: text}
			if cs := splitNumbered(ctry); len(cs) == 1 {
				p.Country = c.country(cs[0])
			}
			e.BirthPlaces = append(e.BirthPlaces, p)
		}
	}
	for _, n := range splitNumbered(c.get(row, cNationality)) {
		if code := c.country(n); code != "" {
			e.Nationalities = appendNew(e.Nationalities, code)
		}
	}
	g.addDocs(vigil.DocPassport, c.get(row, cPassportNo), c.get(row, cPassport))
	g.addDocs(vigil.DocNationalID, c.get(row, cNatIDNo), c.get(row, cNatID))
	g.addDocs(vigil.DocNationalID, "", c.get(row, cNINumber))
	for _, p := range splitNumbered(c.get(row, cPosition)) {
		e.Positions = appendNew(e.Positions, p)
	}
	var addr []string
	for i := 1; i <= 6; i++ {
		if v := c.get(row, "address "+string(rune('0'+i))); v != "" {
			addr = append(addr, v)
		}
	}
	post, ctry := c.get(row, cPostCode), c.get(row, cCountry)
	if len(addr) > 0 || post != "" || ctry != "" {
		full := strings.Join(append(append(addr, post), ctry), ", ")
		full = lists.CleanSpace(strings.ReplaceAll(strings.Trim(full, ", "), ", ,", ","))
		if !g.seen["addr:"+full] {
			g.seen["addr:"+full] = true
			a := vigil.Address{Full: full, PostalCode: post, Country: c.country(ctry)}
			if len(addr) > 0 {
				a.Street = addr[0]
			}
			e.Addresses = append(e.Addresses, a)
		}
	}
	if o := c.get(row, cOther); o != "" && !g.seen["other:"+o] {
		g.seen["other:"+o] = true
		g.remarks = append(g.remarks, o)
		c.otherInfo(e, o)
	}
	if r := c.get(row, cRegime); r != "" {
		e.Programs = appendNew(e.Programs, r)
	}
	if e.ListedOn == "" {
		if d, ok := lists.ParseDate(c.get(row, cListedOn)); ok && d.Day != 0 {
			e.ListedOn = d.String()
		}
	}
	return nil
}

// quality maps Alias Type and Alias Quality to a name quality.
func (c *conList) quality(aliasType, aliasQuality string) (q vigil.NameQuality, primary bool) {
	switch strings.ToLower(aliasType) {
	case "prime alias", "primary name":
		return vigil.QualityPrimary, true
	case "primary name variation":
		return vigil.QualityStrong, false
	case "fka":
		return vigil.QualityFormerly, false
	case "aka", "":
	default:
		c.meta.Warnf("unknown Alias Type %q", aliasType)
	}
	switch strings.TrimSuffix(strings.ToLower(aliasQuality), " quality") {
	case "low":
		return vigil.QualityWeak, false
	case "good", "":
	default:
		c.meta.Warnf("unknown Alias Quality %q", aliasQuality)
	}
	return vigil.QualityStrong, false
}

func (c *conList) country(name string) string {
	if name == "" {
		return ""
	}
	code := lists.Country(name)
	if code == "" {
		c.meta.Warnf("unknown country %q", name)
	}
	return code
}

// addName adds n unless the group has it; the first primary-name row becomes
// Names[0], a later primary row with another spelling an alias.
func (g *group) addName(n vigil.Name, primary bool) {
	key := strings.ToLower(n.Full)
	if i, ok := g.names[key]; ok {
		if primary && !g.primary {
			// A primary row repeats a name first seen as an alias: promote it.
			g.promote(i)
		}
		return
	}
	if primary && !g.primary {
		n.Quality = vigil.QualityPrimary
		g.e.Names = append([]vigil.Name{n}, g.e.Names...)
		g.primary = true
		g.reindex()
		return
	}
	if n.Quality == vigil.QualityPrimary {
		n.Quality = vigil.QualityStrong
	}
	g.names[key] = len(g.e.Names)
	g.e.Names = append(g.e.Names, n)
}

func (g *group) promote(i int) {
	n := g.e.Names[i]
	n.Quality = vigil.QualityPrimary
	rest := append(g.e.Names[:i:i], g.e.Names[i+1:]...)
	g.e.Names = append([]vigil.Name{n}, rest...)
	g.primary = true
	g.reindex()
}

func (g *group) reindex() {
	for i, n := range g.e.Names {
		g.names[strings.ToLower(n.Full)] = i
	}
}

// reDocNumber finds document numbers in free text: a token of 5+ letters and
// digits (5 or more) holding a digit, which leaves out 4-digit years.
var reDocNumber = regexp.MustCompile(`\b[A-Z]{0,3}\d[0-9A-Z-]{4,}\b`)

// addDocs adds documents from a number cell and a details cell. When the
// layout has no number column (pre-2022 "Passport Details", "NI Number"), the
// numbers are found in the text, which is kept as the Note.
func (g *group) addDocs(typ, number, details string) {
	if number == "" && details == "" {
		return
	}
	key := "doc:" + typ + number + "|" + details
	if g.seen[key] {
		return
	}
	g.seen[key] = true
	var nums []string
	switch {
	case number != "":
		nums = splitNumbered(number)
	default:
		nums = reDocNumber.FindAllString(details, -1)
		if len(nums) == 0 {
			nums = []string{details}
		}
	}
	for _, n := range lists.Dedupe(nums) {
		g.e.Documents = append(g.e.Documents, vigil.Document{Type: typ, TypeText: docText(typ), Number: n, Note: details})
	}
}

func docText(typ string) string {
	if typ == vigil.DocPassport {
		return "Passport"
	}
	return "National Identification"
}

// reNumbered splits "(1) a (2) b", "1) a 2) b", "(1)-(2) a" and "a) x, b) y" lists.
var reNumbered = regexp.MustCompile(`(?:^|[\s,])\(?(?:\d{1,2}|[a-h])\)(?:\s*-\s*\(?\d{1,2}\))?\s*`)

func splitNumbered(s string) []string {
	if s == "" {
		return nil
	}
	var out []string
	for _, p := range reNumbered.Split(s, -1) {
		if p = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(p), ",;")); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func appendNew(ss []string, s string) []string {
	for _, x := range ss {
		if x == s {
			return ss
		}
	}
	return append(ss, s)
}

// reUNRefLabel finds a UN reference number after its label in Other
// Information.
var reUNRefLabel = regexp.MustCompile(`(?i)\bUN Ref\)?[.:]?\s*([a-z]{2}[ie]\.\s?\d{1,4})\b`)

// reOtherKey finds the "(Key):" labels of Other Information.
var reOtherKey = regexp.MustCompile(`\(([A-Za-z][A-Za-z /.-]{1,40})\):`)

// otherInfo extracts what Other Information states under its "(Key):"
// labels: gender, vessel details, websites, business registration numbers,
// the parent company, and the UN reference (a same_as relation to the UN
// listing).
func (c *conList) otherInfo(e *vigil.Entity, s string) {
	locs := reOtherKey.FindAllStringSubmatchIndex(s, -1)
	for i, l := range locs {
		end := len(s)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		key := strings.ToLower(s[l[2]:l[3]])
		val := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s[l[1]:end]), "."))
		if val == "" {
			continue
		}
		switch key {
		case "gender":
			switch strings.ToLower(val) {
			case "male":
				e.Gender = "male"
			case "female":
				e.Gender = "female"
			}
		case "imo number":
			e.IMO = strings.TrimPrefix(val, "IMO ")
		case "flag of ship":
			if code := lists.Country(val); code != "" {
				e.Flag = code
			} else {
				e.Flag = val
			}
		case "type of ship":
			e.VesselType = val
		case "tonnage of ship":
			e.Tonnage = val
		case "current owners":
			e.Owner = val
		case "website":
			for _, w := range strings.Fields(val) {
				e.Links = appendNew(e.Links, w)
			}
		case "business reg no":
			e.Documents = append(e.Documents, vigil.Document{Type: vigil.DocRegistration, TypeText: "Business Reg No", Number: val})
		case "parent company":
			e.Relations = append(e.Relations, vigil.Relation{Name: val, Type: "parent"})
		case "subsidiaries":
			e.Relations = append(e.Relations, vigil.Relation{Name: val, Type: "subsidiary"})
		}
	}
	// The UN designation the listing implements, "(UN Ref):QDi.241" (older
	// files: "UN Ref. CFi.009"; their pre-2014 references such as "UN Ref
	// QI.A.151.03" name no current UN listing): the same subject, as the
	// list itself says.
	for _, m := range reUNRefLabel.FindAllStringSubmatch(s, -1) {
		lists.SameAsUN(e, m[1])
	}
	if e.Gender == "" {
		// Older files write "Gender [Male]" or "Gender: female".
		l := strings.ToLower(s)
		for _, p := range []string{"gender [", "gender: ", "gender):"} {
			if i := strings.Index(l, p); i >= 0 {
				rest := l[i+len(p):]
				switch {
				case strings.HasPrefix(rest, "female"):
					e.Gender = "female"
				case strings.HasPrefix(rest, "male"):
					e.Gender = "male"
				}
			}
		}
	}
}

// langCode maps the language names of "Non-Latin Script Language" to ISO 639-1.
func langCode(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "russian":
		return "ru"
	case "arabic":
		return "ar"
	case "persian", "farsi":
		return "fa"
	case "chinese", "mandarin":
		return "zh"
	case "korean":
		return "ko"
	case "belarusian", "belarussian":
		return "be"
	case "ukrainian":
		return "uk"
	case "japanese":
		return "ja"
	case "burmese", "myanmar":
		return "my"
	case "georgian":
		return "ka"
	case "pashto":
		return "ps"
	case "urdu":
		return "ur"
	case "hebrew":
		return "he"
	}
	return ""
}

// finish emits the groups in order of first appearance.
func (c *conList) finish(emit lists.Emit) error {
	for _, id := range c.order {
		g := c.groups[id]
		e := g.e
		if len(e.Names) == 0 {
			return lists.Errorf(g.firstRow, "Group ID="+id, "group has no name")
		}
		if !g.primary && e.Names[0].Quality != vigil.QualityPrimary {
			// No primary-name row: the first name listed stands as primary.
			c.meta.Warnf("group without a primary name row")
			e.Names[0].Quality = vigil.QualityPrimary
		}
		e.Remarks = strings.Join(g.remarks, "\n")
		delete(c.groups, id)
		if err := emit(e); err != nil {
			return err
		}
	}
	return nil
}

// published parses the "Last Updated" banner row.
func published(row []string) (vigil.Date, bool) {
	if len(row) < 2 || !strings.EqualFold(strings.TrimSpace(row[0]), "Last Updated") {
		return vigil.Date{}, false
	}
	d, ok := lists.ParseDate(row[1])
	return d, ok && d.Day != 0
}
