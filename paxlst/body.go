package paxlst

import (
	"strconv"
	"strings"

	"github.com/vigil-screening/vigil/mrz"
)

// personQualifiers are the NAD party qualifiers that open a traveller group.
var personQualifiers = map[string]struct {
	role    string
	transit bool
}{
	"FL":  {RolePassenger, false},
	"FM":  {RoleCrew, false},
	"DDU": {RolePassenger, true},
	"DDT": {RoleCrew, true},
	"COT": {RolePassenger, false}, // US: other traveller
	"VW":  {RoleCrew, false},      // US CBP truck crew variant
}

// body reads one segment of a message body. A segment belongs to the
// nearest preceding group opener: TDT (flight), NAD (person) or DOC
// (document).
func (p *parser) body(s *Segment) {
	switch s.Tag {
	case "BGM":
		p.hdr.DocCode, p.hdr.Function = s.El(0, 0), s.El(1, 0)
	case "TDT":
		p.closeTraveller()
		p.closeFlight()
		p.ctx = ctxFlight
		id, carrier := s.El(1, 0), s.El(4, 0)
		if carrier == "" && len(id) > 2 {
			carrier = id[:2]
		}
		p.flight = &Flight{Carrier: carrier, Number: strings.TrimPrefix(id, carrier)}
		if id == "" {
			p.problem(s, "flight without an identifier")
		}
	case "NAD":
		p.closeFlight()
		p.closeTraveller()
		q := s.El(0, 0)
		pq, person := personQualifiers[q]
		switch {
		case person:
			p.ctx = ctxTraveller
			p.trav = &Traveller{Role: pq.role, Transit: pq.transit, Message: p.hdr.Ref, Segment: s.Index,
				Surname: s.El(3, 0), Given: strings.TrimSpace(s.El(3, 1) + " " + s.El(3, 2))}
			if p.trav.Surname == "" {
				if p.trav.Given == "" {
					p.dropped(s, "traveller without a name: record skipped")
					p.trav, p.ctx = nil, ctxSkip
					return
				}
				// Mononyms are sent as a surname; tolerate them in the given slot.
				p.trav.Surname, p.trav.Given = p.trav.Given, ""
			}
			if c := s.El(8, 0); c != "" {
				p.trav.Residence = country(c)
			}
		case q == "MS":
			p.ctx = ctxHeader
			p.hdr.Reporter = strings.TrimSpace(strings.Join([]string{s.El(1, 0), s.El(3, 0), s.El(3, 1)}, " "))
		case q == "":
			p.dropped(s, "NAD without a party qualifier: traveller record skipped")
			p.ctx = ctxSkip
		default:
			p.dropped(s, "unknown party qualifier %q: record skipped", q)
			p.ctx = ctxSkip
		}
	case "DOC":
		if !p.inTraveller(s) {
			return
		}
		p.closeDoc()
		p.ctx = ctxDoc
		p.doc = &Doc{Type: s.El(0, 0), Number: strings.ReplaceAll(s.El(1, 0), " ", "")}
		if p.doc.Number == "" {
			p.travProblem(s, "document %q without a number: document skipped", p.doc.Type)
			p.doc, p.ctx = nil, ctxTraveller
		}
	case "ATT":
		if !p.inTraveller(s) || s.El(0, 0) != "2" {
			return
		}
		switch g := strings.ToUpper(s.El(2, 0)); g {
		case "M":
			p.trav.Gender = "male"
		case "F":
			p.trav.Gender = "female"
		case "X", "U", "":
		default:
			p.travProblem(s, "unknown gender code %q", g)
		}
	case "NAT":
		if !p.inTraveller(s) {
			return
		}
		c := s.El(1, 0)
		p.trav.Nationality = country(c)
		if mrz.Country(c) == "" && mrzCountryName(c) == "" && !mrz.NoCountry(c) {
			p.travProblem(s, "nationality code %q names no country", c)
		}
	case "DTM":
		p.dtm(s)
	case "LOC":
		p.loc(s)
	case "RFF":
		switch p.ctx {
		case ctxHeader:
			if s.El(0, 0) == "TN" {
				p.hdr.Reference = s.El(0, 1)
			}
		case ctxTraveller, ctxDoc:
			switch s.El(0, 0) {
			case "AVF":
				p.trav.PNR = s.El(0, 1)
			case "SEA":
				p.trav.Seat = s.El(0, 1)
			}
		}
	case "CNT":
		p.closeFlight()
		p.closeTraveller()
		p.ctx = ctxTrailer
		n, err := strconv.Atoi(s.El(0, 1))
		if err != nil {
			p.warnf("segment %d CNT: count %q is not a number", s.Index, s.El(0, 1))
			return
		}
		switch s.El(0, 0) {
		case "42":
			p.hdr.Passengers = n
		case "41":
			p.hdr.Crew = n
		}
	case "COM", "CTA", "MEA", "GEI", "GIS", "FTX", "EMP", "QTY", "UNS", "ERP", "ERC":
		// Contacts, bags, verification flags, free text, crew function:
		// nothing to screen.
	default:
		p.warnf("segment %d: unknown segment %s ignored", s.Index, s.Tag)
	}
}

// inTraveller reports whether a person segment has a traveller to go to,
// recording a problem when it has not.
func (p *parser) inTraveller(s *Segment) bool {
	switch p.ctx {
	case ctxTraveller, ctxDoc:
		return true
	case ctxSkip:
		return false // the skipped record's problem is already reported
	}
	p.dropped(s, "%s outside a traveller group (no NAD before it): its traveller's record is not read", s.Tag)
	return false
}

func (p *parser) dtm(s *Segment) {
	q, v, f := s.El(0, 0), s.El(0, 1), s.El(0, 2)
	switch p.ctx {
	case ctxFlight:
		if len(p.points) == 0 {
			return // a DTM of the TDT group itself
		}
		d, ok := parseDateTime(v, f)
		if !ok {
			p.problem(s, "flight date %q cannot be read", v)
			return
		}
		pt := &p.points[len(p.points)-1]
		switch q {
		case "189":
			pt.dep = d
		case "232":
			pt.arr = d
		}
	case ctxTraveller, ctxDoc:
		switch {
		case q == "329":
			d, ok := parseDate(v, f, p.now, true)
			if !ok {
				p.travProblem(s, "date of birth %q cannot be read", v)
				return
			}
			p.trav.DOB = d
		case p.ctx == ctxDoc && (q == "36" || q == "182"):
			d, ok := parseDate(v, f, p.now, false)
			if !ok {
				p.travProblem(s, "document date %q cannot be read", v)
				return
			}
			if q == "36" {
				p.doc.Expiry = d
			} else {
				p.doc.Issued = d
			}
		}
	}
}

func (p *parser) loc(s *Segment) {
	q := s.El(0, 0)
	place := s.El(1, 0)
	if place == "" {
		place = s.El(1, 3) // a place given by name
	}
	switch p.ctx {
	case ctxFlight:
		p.points = append(p.points, point{qual: q, place: place})
	case ctxTraveller, ctxDoc:
		switch q {
		case "91":
			if p.doc != nil {
				p.doc.Issuer = country(place)
			}
		case "174":
			p.trav.Residence = country(place)
		case "178":
			p.trav.Embark = place
		case "179":
			p.trav.Debark = place
		case "22":
			p.trav.Clearance = place
		case "180":
			p.trav.Birthplace = place
		}
	case ctxSkip:
	default:
		p.problem(s, "LOC+%s outside a flight or traveller group", q)
	}
}

// closeFlight turns the current TDT group's route points into legs: each
// point to the next, departing at the first's DTM+189 and arriving at the
// second's DTM+232. A flight repeating the previous one's designator (a
// progressive flight sent as one TDT per sector) adds its legs to it.
func (p *parser) closeFlight() {
	if p.flight == nil {
		return
	}
	f := p.flight
	pts := p.points
	switch len(pts) {
	case 0:
	case 1:
		l := Leg{Departure: pts[0].dep, Arrival: pts[0].arr}
		if pts[0].qual == "87" || pts[0].qual == "130" {
			l.To = pts[0].place
		} else {
			l.From = pts[0].place
		}
		f.Legs = append(f.Legs, l)
	default:
		for i := 0; i+1 < len(pts); i++ {
			f.Legs = append(f.Legs, Leg{From: pts[i].place, To: pts[i+1].place, Departure: pts[i].dep, Arrival: pts[i+1].arr})
		}
	}
	p.flight, p.points = nil, nil
	if n := len(p.msgFlts); n > 0 {
		last := &p.msg.Flights[p.msgFlts[n-1]]
		if last.Ident() == f.Ident() {
			last.Legs = append(last.Legs, f.Legs...)
			return
		}
	}
	// The same flight sent again in a later part of the manifest.
	for i := range p.msg.Flights {
		if sameFlight(p.msg.Flights[i], *f) {
			p.msgFlts = append(p.msgFlts, i)
			return
		}
	}
	p.msg.Flights = append(p.msg.Flights, *f)
	p.msgFlts = append(p.msgFlts, len(p.msg.Flights)-1)
}

func sameFlight(a, b Flight) bool {
	if a.Ident() != b.Ident() || len(a.Legs) != len(b.Legs) {
		return false
	}
	for i := range a.Legs {
		if a.Legs[i] != b.Legs[i] {
			return false
		}
	}
	return true
}

func (p *parser) closeDoc() {
	if p.doc != nil {
		p.trav.Documents = append(p.trav.Documents, *p.doc)
		p.doc = nil
	}
}

func (p *parser) closeTraveller() {
	if p.trav == nil {
		if p.ctx == ctxSkip {
			p.ctx = ctxHeader
		}
		return
	}
	p.closeDoc()
	p.msg.Travellers = append(p.msg.Travellers, *p.trav)
	p.travMsgs = append(p.travMsgs, len(p.msg.Travellers)-1)
	p.trav = nil
	p.ctx = ctxHeader
}

// country maps an ICAO/ISO code to ISO alpha-2, keeping the code when it
// names no country (UTO, XXA).
func country(code string) string {
	if c := mrz.Country(code); c != "" {
		return c
	}
	if c := mrzCountryName(code); c != "" {
		return c
	}
	return strings.ToUpper(code)
}
