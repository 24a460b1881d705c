package ca

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strings"
	"unicode"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// Format is the format name Read reports in Meta.Format.
const Format = "ca_sema_xml"

// record is one listing; Unknown collects children no field names.
type record struct {
	Country      string    `xml:"Country"`
	LastName     string    `xml:"LastName"`
	GivenName    string    `xml:"GivenName"`
	EntityOrShip string    `xml:"EntityOrShip"`
	TitleOrShip  string    `xml:"TitleOrShip"`
	IMO          string    `xml:"ShipIMONumber"`
	Aliases      string    `xml:"Aliases"`
	Date         string    `xml:"DateOfBirthOrShipBuildDate"`
	Schedule     string    `xml:"Schedule"`
	Item         string    `xml:"Item"`
	ListedOn     string    `xml:"DateOfListing"`
	Unknown      []unknown `xml:",any"`
}

type unknown struct {
	XMLName xml.Name
}

// recordFields are the children that identify a SEMA record in Sniff.
var recordFields = map[string]bool{
	"Country": true, "LastName": true, "GivenName": true, "EntityOrShip": true, "Schedule": true, "Item": true,
}

// Sniff reports whether head (the first bytes of a file) is the Canadian
// consolidated autonomous sanctions list: a data-set root whose first record
// starts with one of the SEMA fields.
func Sniff(head []byte) bool {
	dec := xml.NewDecoder(bytes.NewReader(head))
	want := []string{"data-set", "record"}
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if len(want) == 0 {
			return recordFields[se.Name.Local]
		}
		if se.Name.Local != want[0] {
			return false
		}
		want = want[1:]
	}
}

// Read decodes the list, calling emit for each record in file order. A
// malformed or truncated file, or a record without Country, Item or a name,
// is a *lists.ParseError.
func Read(r io.Reader, emit lists.Emit) (*lists.Meta, error) {
	meta := &lists.Meta{List: vigil.ListCA, Source: vigil.SourceCA, Format: Format}
	err := lists.XMLRecords{
		Root: "data-set", Record: "record", What: "a Canadian SEMA list",
		Decode: lists.DecodeEach("data-set/record", meta, convert, emit),
	}.Read(r, meta)
	return meta, err
}

var (
	reISODate   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	reSchedPart = regexp.MustCompile(`^(?:(\d+(?:\.\d+)?)\s*,?\s*)?(?:Part\s*(\d+(?:\.\d+)?))?$`)
	reAcronym   = regexp.MustCompile(`\(([A-Z]{2,})\)$`)
	reParen     = regexp.MustCompile(`\s*\([^)]*\)`)
	reAKA       = regexp.MustCompile(`(?i)\s*\((?:also known as|a\.k\.a\.?)\s+([^)]*)\)`)
	reOr        = regexp.MustCompile(`(?i)\s+or\s+`)
	reLangLabel = regexp.MustCompile(`^(\p{L}+)\s*:\s*`)
)

// langs maps the language labels used in Aliases to ISO 639-1.
var langs = map[string]string{
	"russian": "ru", "belarusian": "be", "belarussian": "be", "arabic": "ar", "ukrainian": "uk",
	"persian": "fa", "farsi": "fa", "chinese": "zh", "burmese": "my", "english": "en", "french": "fr",
}

// regimeKey is the ref's regime part: the English name (before " / ") as
// an acronym when it ends in one, else without parentheses and spaces.
func regimeKey(country string) (key, label string) {
	label = lists.CleanSpace(country)
	if en, _, ok := strings.Cut(label, " / "); ok {
		label = strings.TrimSpace(en)
	}
	if m := reAcronym.FindStringSubmatch(label); m != nil {
		return m[1], label
	}
	key = reParen.ReplaceAllString(label, "")
	key = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '/' {
			return -1
		}
		return r
	}, key)
	return key, label
}

// scheduleKey is the ref's schedule part ("1-2", "1.1", "p2"); ok is false
// for a form it does not know.
func scheduleKey(s string) (string, bool) {
	s = lists.CleanSpace(s)
	if s == "" {
		return "", true
	}
	m := reSchedPart.FindStringSubmatch(s)
	if m == nil || (m[1] == "" && m[2] == "") {
		return "", false
	}
	switch {
	case m[1] != "" && m[2] != "":
		return m[1] + "-" + m[2], true
	case m[1] != "":
		return m[1], true
	}
	return "p" + m[2], true
}

// convert maps one record to an Entity.
func convert(meta *lists.Meta, rec *record, line int) (*vigil.Entity, error) {
	c := lists.CleanSpace
	element := "data-set/record"
	for _, u := range rec.Unknown {
		meta.Warnf("unknown element record/%s", u.XMLName.Local)
	}
	regime, label := regimeKey(rec.Country)
	item := c(rec.Item)
	if regime == "" || item == "" || strings.Contains(item, "/") {
		return nil, lists.Errorf(line, element, "record without Country or Item (Country %q, Item %q)", c(rec.Country), item)
	}
	sched, ok := scheduleKey(rec.Schedule)
	if !ok {
		meta.Warnf("unknown Schedule form %q", c(rec.Schedule))
		sched = strings.ReplaceAll(c(rec.Schedule), " ", "")
	}
	ref := regime + "/" + item
	if sched != "" {
		ref = regime + "/" + sched + "/" + item
	}
	element += "[" + ref + "]"
	e := &vigil.Entity{ID: vigil.EntityID(vigil.SourceCA, ref), Source: vigil.SourceCA, Ref: ref, Programs: []string{label}}

	last, given, whole := c(rec.LastName), c(rec.GivenName), c(rec.EntityOrShip)
	var ns nameSet
	switch {
	case last != "" || given != "":
		e.Kind = vigil.KindPerson
		full := last
		if given != "" {
			full = strings.TrimPrefix(last+", "+given, ", ")
		}
		ns.add(vigil.Name{Full: full, Given: given, Family: last, Title: c(rec.TitleOrShip), Quality: vigil.QualityPrimary})
		if whole != "" {
			ns.add(vigil.Name{Full: whole, Quality: vigil.QualityStrong})
		}
	case whole != "":
		e.Kind = vigil.KindOrganization
		if c(rec.IMO) != "" {
			e.Kind = vigil.KindVessel
			e.IMO = c(rec.IMO)
			e.VesselType = c(rec.TitleOrShip)
		} else if t := c(rec.TitleOrShip); t != "" {
			meta.Warnf("TitleOrShip on an entity without IMO kept in Remarks")
			e.Remarks = t
		}
		ns.add(vigil.Name{Full: whole, Quality: vigil.QualityPrimary})
		if m := reAKA.FindStringSubmatch(whole); m != nil {
			ns.add(vigil.Name{Full: c(reAKA.ReplaceAllString(whole, "")), Quality: vigil.QualityStrong})
			for _, a := range splitOutside(m[1], []string{", ", " and ", "; "}) {
				ns.add(vigil.Name{Full: a, Quality: vigil.QualityStrong})
			}
		}
	default:
		return nil, lists.Errorf(line, element, "record without LastName, GivenName or EntityOrShip")
	}
	for _, a := range splitAliases(rec.Aliases, e.Kind == vigil.KindPerson) {
		ns.add(a)
	}
	for i := range ns.list {
		ns.list[i].Script = lists.DetectScript(ns.list[i].Full)
	}
	e.Names = ns.list

	if d := c(rec.Date); d != "" {
		if e.Kind == vigil.KindPerson {
			for _, part := range reOr.Split(d, -1) {
				bd, ok := lists.ParseDate(part)
				if !ok {
					bd = vigil.Date{Text: d}
				}
				e.BirthDates = append(e.BirthDates, bd)
				if !ok {
					break // keep unparsed prose once, whole
				}
			}
		} else {
			// A ship's build year, or a date on an entity: no Entity field.
			e.Remarks = strings.TrimPrefix(e.Remarks+"; "+"Build date: "+d, "; ")
		}
	}
	if lo := c(rec.ListedOn); lo != "" {
		if reISODate.MatchString(lo) {
			e.ListedOn = lo
		} else {
			meta.Warnf("unparseable DateOfListing %q", lo)
		}
	}
	switch {
	case regime == "Russia" && (sched == "2" || sched == "3"):
		// Sectoral debt/equity restrictions: no asset freeze (package doc).
	case e.Kind == vigil.KindPerson:
		e.Measures = []vigil.Measure{vigil.MeasureAssetFreeze, vigil.MeasureTravelBan}
	default:
		e.Measures = []vigil.Measure{vigil.MeasureAssetFreeze}
	}
	return e, nil
}

// nameSet collects names without duplicates (same Full).
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
	if !s.seen[n.Full] {
		s.seen[n.Full] = true
		s.list = append(s.list, n)
	}
}

// splitAliases splits the Aliases text. Names are separated by ";" and
// " / " always, and by "," for persons when every piece has at least two
// words (so "Sergei, Serhii SHERBAKOV" stays whole and organisation names
// with commas are not cut). A language label ("Russian: ") sets Lang for
// the names that follow it up to the next ";" or " / ".
func splitAliases(s string, person bool) []vigil.Name {
	s = lists.CleanSpace(s)
	if s == "" {
		return nil
	}
	var out []vigil.Name
	for _, chunk := range splitOutside(s, []string{";", " / "}) {
		lang := "" // a label holds until the end of its chunk
		pieces := []string{chunk}
		if person {
			if parts := splitOutside(chunk, []string{","}); len(parts) > 1 && allMultiWord(parts) {
				pieces = parts
			}
		}
		for _, p := range pieces {
			if m := reLangLabel.FindStringSubmatch(p); m != nil {
				if code, ok := langs[strings.ToLower(m[1])]; ok {
					lang = code
					p = strings.TrimSpace(p[len(m[0]):])
				}
			}
			if p = strings.Trim(p, " ,;"); p != "" {
				out = append(out, vigil.Name{Full: p, Lang: lang, Quality: vigil.QualityStrong})
			}
		}
	}
	return out
}

func allMultiWord(parts []string) bool {
	for _, p := range parts {
		p = strings.TrimSpace(reLangLabel.ReplaceAllString(strings.TrimSpace(p), ""))
		if len(strings.Fields(p)) < 2 {
			return false
		}
	}
	return true
}

// splitOutside splits s at any of seps that is not inside quotes
// (“…”, «…», "…") or parentheses, trimming the pieces and dropping empty
// ones.
func splitOutside(s string, seps []string) []string {
	var (
		out   []string
		depth int
		quote bool
		start int
	)
	for i := 0; i < len(s); {
		r, size := rune(s[i]), 1
		if r >= 0x80 {
			r = []rune(s[i:min(len(s), i+4)])[0]
			size = len(string(r))
		}
		switch r {
		case '(', '«', '“':
			depth++
		case ')', '»', '”':
			if depth > 0 {
				depth--
			}
		case '"':
			quote = !quote
		}
		if depth == 0 && !quote {
			matched := false
			for _, sep := range seps {
				if strings.HasPrefix(s[i:], sep) {
					out = append(out, s[start:i])
					i += len(sep)
					start = i
					matched = true
					break
				}
			}
			if matched {
				continue
			}
		}
		i += size
	}
	out = append(out, s[start:])
	kept := out[:0]
	for _, p := range out {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return kept
}
