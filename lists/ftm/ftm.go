// Package ftm reads FollowTheMoney entities as JSON lines, as OpenSanctions
// publishes its datasets (entities.ftm.json): one entity per line,
// {"id", "schema", "properties": {"name": […], …}, "datasets", "referents"},
// into the entities of an own list ("NAME:<the dataset's id>").
//
// Mapping:
//   - Person → person; Organization, Company, LegalEntity, PublicBody →
//     organization; Vessel → vessel; Airplane → aircraft. Other schemata
//     (Address, Sanction, Ownership, Passport, …) are counted in a warning
//     and left out.
//   - name: the first is the primary name, the others strong aliases;
//     alias → strong; weakAlias → weak; previousName → formerly. Without a
//     name, firstName, middleName and lastName make one. A single
//     firstName and lastName are the primary name's parts.
//   - birthDate → BirthDates; nationality and citizenship (FollowTheMoney
//     writes lower-case ISO codes) → Nationalities, Citizenships; country →
//     an address country; gender; position → Positions.
//   - idNumber → national_id, passportNumber → passport, taxNumber → tax_id,
//     registrationNumber → registration (for an Airplane, its registration:
//     TailNumber); imoNumber → IMO; flag, callSign, type, serialNumber,
//     model, buildDate (vessels and aircraft).
//   - topics: "sanction" (a sanctioned entity) → asset_freeze, the measure
//     nearly every sanctions programme imposes; the topics are kept as
//     Programs with the datasets ("topic:sanction", "us_ofac_sdn").
//   - notes, summary → Remarks; sourceUrl, website → Links; referents are
//     kept in Remarks (OpenSanctions' ids of the source records).
//
// A line that is not an entity (not JSON, no id, no name) refuses the file,
// named by its line number: nothing of it is imported.
package ftm

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// Format is the Meta.Format of FollowTheMoney JSON lines.
const Format = "ftm_json"

// MaxLine is the longest line read: an entity with thousands of names
// fits; a file with no line breaks does not.
const MaxLine = 16 << 20

// entity is one FollowTheMoney entity as published.
type entity struct {
	ID         string           `json:"id"`
	Schema     string           `json:"schema"`
	Properties map[string][]any `json:"properties"`
	Datasets   []string         `json:"datasets"`
	Referents  []string         `json:"referents"`
	Caption    string           `json:"caption"`
}

// kinds maps the schemata read to kinds.
var kinds = map[string]vigil.Kind{
	"Person": vigil.KindPerson, "Organization": vigil.KindOrganization, "Company": vigil.KindOrganization,
	"LegalEntity": vigil.KindOrganization, "PublicBody": vigil.KindOrganization,
	"Vessel": vigil.KindVessel, "Airplane": vigil.KindAircraft,
}

// Sniff reports whether head starts like FollowTheMoney JSON lines: a JSON
// object with "schema" and "properties".
func Sniff(head []byte) bool {
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	line, _, _ := bytes.Cut(head, []byte("\n"))
	return bytes.HasPrefix(line, []byte("{")) && bytes.Contains(line, []byte(`"schema"`)) && bytes.Contains(line, []byte(`"properties"`))
}

// Read reads FollowTheMoney JSON lines into the entities of list, emitting
// each.
func Read(r io.Reader, list string, emit lists.Emit) (*lists.Meta, error) {
	meta := &lists.Meta{List: list, Source: list, Format: Format}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	line := 0
	seen := map[string]int{}
	skipped := map[string]int{}
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		if len(b) == 0 {
			continue
		}
		var fe entity
		if err := json.Unmarshal(b, &fe); err != nil {
			return meta, lists.Errorf(line, "entity", "not a FollowTheMoney entity: %v", err)
		}
		kind, ok := kinds[fe.Schema]
		if !ok {
			if fe.Schema == "" {
				return meta, lists.Errorf(line, "schema", "entity %.40q has no schema", fe.ID)
			}
			skipped[fe.Schema]++
			continue
		}
		e, err := convert(&fe, list, kind)
		if err != nil {
			return meta, lists.Errorf(line, "id="+fe.ID, "%v", err)
		}
		if prev, ok := seen[e.Ref]; ok {
			return meta, lists.Errorf(line, "id="+fe.ID, "id repeats line %d's", prev)
		}
		seen[e.Ref] = line
		if err := emit(e); err != nil {
			return meta, err
		}
	}
	if err := sc.Err(); err != nil {
		return meta, lists.Errorf(line+1, "entity", "%v", err)
	}
	for _, s := range lists.SortedKeys(skipped) {
		meta.Warnf("%d %s entities left out (not a person, organisation, vessel or aircraft)", skipped[s], s)
	}
	if len(seen) == 0 {
		return meta, lists.Errorf(line, "entity", "no Person, Organization, Company, LegalEntity, Vessel or Airplane entity: an empty list would delist everyone")
	}
	return meta, nil
}

// strs returns a property's values as trimmed strings (numbers too).
func (fe *entity) strs(prop string) []string {
	var out []string
	for _, v := range fe.Properties[prop] {
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case float64:
			s = strconv.FormatFloat(x, 'f', -1, 64)
		default:
			continue // an embedded entity or a structure: not a value
		}
		if s = lists.CleanSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func (fe *entity) first(prop string) string {
	if v := fe.strs(prop); len(v) > 0 {
		return v[0]
	}
	return ""
}

func convert(fe *entity, list string, kind vigil.Kind) (*vigil.Entity, error) {
	ref := strings.TrimSpace(fe.ID)
	if ref == "" || len(ref) > 200 || strings.ContainsAny(ref, "\r\n\t") {
		return nil, fmt.Errorf("no usable id (%.40q)", fe.ID)
	}
	e := &vigil.Entity{ID: vigil.EntityID(list, ref), Source: list, Ref: ref, Kind: kind}
	names := fe.strs("name")
	first, middle, last := fe.strs("firstName"), fe.strs("middleName"), fe.strs("lastName")
	if len(names) == 0 {
		if full := lists.CleanSpace(strings.Join(slices.Concat(first, middle, last), " ")); full != "" {
			names = []string{full}
		} else if c := lists.CleanSpace(fe.Caption); c != "" {
			names = []string{c}
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no name")
	}
	for i, n := range names {
		nm := vigil.Name{Full: n, Quality: vigil.QualityStrong}
		if i == 0 {
			nm.Quality = vigil.QualityPrimary
			if len(first) == 1 && len(last) == 1 && kind == vigil.KindPerson {
				nm.Given, nm.Family = first[0], last[0]
				if len(middle) == 1 {
					nm.Middle = middle[0]
				}
			}
		}
		e.Names = append(e.Names, nm)
	}
	add := func(prop string, q vigil.NameQuality) {
		for _, n := range fe.strs(prop) {
			if !hasName(e, n) {
				e.Names = append(e.Names, vigil.Name{Full: n, Quality: q})
			}
		}
	}
	add("alias", vigil.QualityStrong)
	add("weakAlias", vigil.QualityWeak)
	add("previousName", vigil.QualityFormerly)
	for _, s := range fe.strs("birthDate") {
		if d, ok := lists.ParseDate(s); ok && d.Year != 0 {
			e.BirthDates = append(e.BirthDates, d)
		}
	}
	e.Nationalities = codes(fe.strs("nationality"))
	e.Citizenships = codes(fe.strs("citizenship"))
	for _, c := range codes(fe.strs("country")) {
		e.Addresses = append(e.Addresses, vigil.Address{Country: c})
	}
	for _, a := range fe.strs("address") {
		e.Addresses = append(e.Addresses, vigil.Address{Full: a})
	}
	for _, p := range fe.strs("birthPlace") {
		e.BirthPlaces = append(e.BirthPlaces, vigil.Place{Text: p})
	}
	switch g := strings.ToLower(fe.first("gender")); g {
	case "male", "female":
		e.Gender = g
	}
	e.Positions = fe.strs("position")
	docs := []struct{ prop, typ string }{
		{"idNumber", vigil.DocNationalID}, {"passportNumber", vigil.DocPassport}, {"taxNumber", vigil.DocTaxID},
	}
	if kind != vigil.KindAircraft {
		docs = append(docs, struct{ prop, typ string }{"registrationNumber", vigil.DocRegistration})
	}
	for _, d := range docs {
		for _, n := range fe.strs(d.prop) {
			e.Documents = append(e.Documents, vigil.Document{Type: d.typ, TypeText: d.prop, Number: n})
		}
	}
	e.IMO = strings.TrimSpace(strings.TrimPrefix(strings.ToUpper(fe.first("imoNumber")), "IMO"))
	switch kind {
	case vigil.KindVessel:
		if f := codes(fe.strs("flag")); len(f) > 0 {
			e.Flag = f[0]
		}
		e.CallSign = fe.first("callSign")
		e.VesselType = fe.first("type")
		e.Tonnage = fe.first("tonnage")
		e.GrossTonnage = fe.first("grossRegisteredTonnage")
	case vigil.KindAircraft:
		e.SerialNumber = fe.first("serialNumber")
		e.TailNumber = fe.first("registrationNumber")
		e.Model = fe.first("model")
		e.Owner = fe.first("operator")
	}
	topics := fe.strs("topics")
	for _, t := range topics {
		if t == "sanction" {
			e.Measures = []vigil.Measure{vigil.MeasureAssetFreeze}
		}
		e.Programs = append(e.Programs, "topic:"+t)
	}
	e.Programs = append(e.Programs, fe.strs("program")...)
	for _, d := range fe.Datasets {
		if d = strings.TrimSpace(d); d != "" && !slices.Contains(e.Programs, d) {
			e.Programs = append(e.Programs, d)
		}
	}
	var remarks []string
	remarks = append(remarks, fe.strs("notes")...)
	remarks = append(remarks, fe.strs("summary")...)
	if len(fe.Referents) > 0 {
		remarks = append(remarks, "Referents: "+strings.Join(fe.Referents, ", "))
	}
	e.Remarks = strings.Join(remarks, "\n")
	e.Links = append(fe.strs("sourceUrl"), fe.strs("website")...)
	return e, nil
}

// codes maps FollowTheMoney country codes ("ir", "suhh") and names to ISO
// alpha-2; what names no country is left out.
func codes(vs []string) []string {
	var out []string
	for _, v := range vs {
		if c := lists.Country(v); c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func hasName(e *vigil.Entity, full string) bool {
	for _, n := range e.Names {
		if n.Full == full {
			return true
		}
	}
	return false
}
