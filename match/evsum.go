package match

import (
	"math"

	"github.com/vigil-screening/vigil"
)

// evSum is an entity's facts packed for the per-candidate evidence bar:
// bonus over it is ev.bonus(facts) without reading strings or following
// pointers, and the entities of a form (one person listed by several lists)
// usually share one. Facts that do not fit (more dates or nationalities
// than it holds, or values it cannot pack) leave slow set and ent naming
// the entity, whose facts are then read.
type evSum struct {
	dobs   [evDates]dobSpan
	nDates uint8 // listed dates, 0: none
	nDated uint8 // of which with a year, in dobs
	nats   [evNats]uint16
	nNats  uint8
	gender uint8 // 0 not stated, 1 male, 2 female
	kind   uint8 // kindCode
	slow   bool
	ent    int32
}

const (
	evDates = 4
	evNats  = 6
)

// dobSpan is a listed date with a year: the years it covers, widened by
// one each way when approximate (as yearGap reads it), and month<<8|day
// when it may match a queried day (no year range), else 0.
type dobSpan struct {
	lo, hi int16
	md     uint16
}

// kindCode packs an entity kind: 0 unknown; kinds not listed here get
// kindOther (never equal to a query's kind, which is then compared in
// full).
func kindCode(k vigil.Kind) (uint8, bool) {
	switch k {
	case vigil.KindUnknown:
		return 0, true
	case vigil.KindPerson:
		return 1, true
	case vigil.KindOrganization:
		return 2, true
	case vigil.KindVessel:
		return 3, true
	case vigil.KindAircraft:
		return 4, true
	}
	return 0, false
}

// natCode packs a two-letter country code (either case), ok false for
// anything else.
func natCode(s string) (uint16, bool) {
	if len(s) != 2 {
		return 0, false
	}
	up := func(c byte) (byte, bool) {
		switch {
		case c >= 'A' && c <= 'Z':
			return c, true
		case c >= 'a' && c <= 'z':
			return c - 'a' + 'A', true
		}
		return 0, false
	}
	a, ok1 := up(s[0])
	b, ok2 := up(s[1])
	return uint16(a)<<8 | uint16(b), ok1 && ok2
}

// summarise packs facts f of entity e.
func summarise(f *facts, e int32) evSum {
	s := evSum{ent: e}
	slow := func() evSum { return evSum{slow: true, ent: e} }
	if len(f.dobs) > 255 {
		return slow()
	}
	s.nDates = uint8(len(f.dobs))
	for _, d := range f.dobs {
		if d.Year == 0 {
			continue
		}
		if int(s.nDated) == evDates {
			return slow()
		}
		lo, hi := d.Year, d.Year
		if d.ToYear > d.Year {
			hi = d.ToYear
		}
		if d.Approx {
			lo, hi = lo-1, hi+1
		}
		if lo < math.MinInt16 || hi > math.MaxInt16 || d.Month < 0 || d.Month > 255 || d.Day < 0 || d.Day > 255 {
			return slow()
		}
		sp := dobSpan{lo: int16(lo), hi: int16(hi)}
		if d.ToYear == 0 {
			sp.md = uint16(d.Month)<<8 | uint16(d.Day)
		}
		s.dobs[s.nDated] = sp
		s.nDated++
	}
	if len(f.nats) > evNats {
		return slow()
	}
	for _, n := range f.nats {
		c, ok := natCode(n)
		if !ok {
			return slow()
		}
		s.nats[s.nNats] = c
		s.nNats++
	}
	switch f.gender {
	case "":
	case "male":
		s.gender = 1
	case "female":
		s.gender = 2
	default:
		return slow()
	}
	k, ok := kindCode(f.kind)
	if !ok {
		return slow()
	}
	s.kind = k
	return s
}

// packedEvidence is a query's evidence packed to be weighed against
// evSums; when slow, every sum is weighed through the entity's facts.
type packedEvidence struct {
	ev     evidence
	year   int
	md     uint16 // month<<8|day when both are known, else 0
	nat    uint16
	gender uint8
	kind   uint8
	slow   bool
	// natBit, ub and dobUB serve bonusUpper and dobUpper (see
	// setUpper).
	natBit uint16
	ub     *[128]float64
	dobUB  [4]float64
}

func packEvidence(ev evidence) packedEvidence {
	p := packedEvidence{ev: ev, year: ev.dob.Year}
	if ev.dob.Month != 0 && ev.dob.Day != 0 {
		if ev.dob.Month < 0 || ev.dob.Month > 255 || ev.dob.Day < 0 || ev.dob.Day > 255 {
			p.slow = true
		}
		p.md = uint16(ev.dob.Month)<<8 | uint16(ev.dob.Day)
	}
	if ev.nat != "" {
		c, ok := natCode(ev.nat)
		p.nat, p.slow = c, p.slow || !ok
	}
	switch ev.gender {
	case "male":
		p.gender = 1
	case "female":
		p.gender = 2
	}
	k, ok := kindCode(ev.kind)
	p.kind, p.slow = k, p.slow || !ok
	p.setUpper()
	return p
}

// bonus is p.ev.bonus of the facts s packs (facts: the index's facts, for
// slow sums), adding the same terms in the same order so that the sums
// agree to the last bit.
func (p *packedEvidence) bonus(s *evSum, facts []facts) float64 {
	if p.slow || s.slow {
		return p.ev.bonus(&facts[s.ent])
	}
	var b float64
	if p.ev.hasDOB {
		b += dobScores[s.dobVerdict(p)]
	}
	if p.ev.nat != "" {
		b += s.natScore(p.nat)
	}
	if p.ev.gender != "" {
		switch s.gender {
		case 0:
		case p.gender:
			b += genderMatch
		default:
			b += genderClash
		}
	}
	if p.kind != 0 && s.kind != 0 && p.kind != s.kind {
		b += kindClash
	}
	return b
}

// dobVerdict is compareDOB of the query's date and the packed dates.
func (s *evSum) dobVerdict(p *packedEvidence) dobVerdict {
	if s.nDates == 0 {
		return dobUnlisted
	}
	best := noYearGap
	for _, d := range s.dobs[:s.nDated] {
		gap := 0
		switch {
		case p.year < int(d.lo):
			gap = int(d.lo) - p.year
		case p.year > int(d.hi):
			gap = p.year - int(d.hi)
		}
		best = min(best, gap)
		if gap == 0 && p.md != 0 && d.md == p.md {
			return dobSameDay
		}
	}
	return gapVerdict(best)
}

// natScore is natScore of the packed nationalities and the query's.
func (s *evSum) natScore(nat uint16) float64 {
	if s.nNats == 0 {
		return 0
	}
	for _, x := range s.nats[:s.nNats] {
		if x == nat {
			return natMatch
		}
	}
	return natMismatch
}

// formSums packs the facts of every form's entities, each distinct
// summary once per form: sums[off[f]:off[f+1]].
func (ix *Index) formSums() (off []uint32, sums []evSum) {
	ents := make([]evSum, len(ix.facts))
	for e := range ix.facts {
		ents[e] = summarise(&ix.facts[e], int32(e))
	}
	off = make([]uint32, 1, len(ix.forms)+1)
	for f := range ix.forms {
		start := len(sums)
	names:
		for _, ni := range ix.formNames[ix.formStart[f]:ix.formStart[f+1]] {
			s := ents[ix.nameEnt[ni]]
			for _, t := range sums[start:] {
				if t.same(&s) {
					continue names
				}
			}
			sums = append(sums, s)
		}
		off = append(off, uint32(len(sums)))
	}
	return off, sums
}

// same reports whether two sums weigh alike for every query (the entity
// matters only to slow sums).
func (s *evSum) same(t *evSum) bool {
	if s.slow || t.slow {
		return s.slow && t.slow && s.ent == t.ent
	}
	a, b := *s, *t
	a.ent, b.ent = 0, 0
	return a == b
}
