package match

import "math"

// evEnv is the envelope of the packed facts of a form's entities: enough
// to bound from above what the query's evidence can add to any of them
// without reading their summaries. It lives beside the form's retrieval
// accumulator (formAcc), which retrieval reads anyway, so that most forms
// whose evidence bar their estimate cannot meet are turned away without
// formBonus.
type evEnv struct {
	// lo and hi span the years of every dated birth date of the form's
	// entities (as dobSpan widens them); MaxInt16 and MinInt16 when none
	// is dated.
	lo, hi int16
	flags  uint8
	// kinds has bit kindCode set for each entity's kind.
	kinds uint8
	// nats has bit natBit(c) set for each listed nationality c.
	nats uint16
}

// evEnv flags.
const (
	envUndated = 1 << iota // some entity has no date of birth with a year
	envNoNat               // some entity lists no nationality
	envGender0             // some entity states no gender
	envGender1             // … is male
	envGender2             // … is female
	envSlow                // some summary is slow: no bound
)

func natBit(c uint16) uint16 { return 1 << ((c ^ c>>8 ^ c>>3) & 15) }

// envelope returns the envelope of sums.
func envelope(sums []evSum) evEnv {
	e := evEnv{lo: math.MaxInt16, hi: math.MinInt16}
	for i := range sums {
		s := &sums[i]
		if s.slow {
			e.flags |= envSlow
			continue
		}
		if s.nDated == 0 {
			e.flags |= envUndated
		}
		for _, d := range s.dobs[:s.nDated] {
			e.lo, e.hi = min(e.lo, d.lo), max(e.hi, d.hi)
		}
		if s.nNats == 0 {
			e.flags |= envNoNat
		}
		for _, n := range s.nats[:s.nNats] {
			e.nats |= natBit(n)
		}
		e.flags |= envGender0 << s.gender
		e.kinds |= 1 << s.kind
	}
	return e
}

// bonusUpper is at least p.bonus of every summary the envelope covers
// (the same terms added in the same order, each at least as large), or
// +Inf's stand-in 1 when the envelope or the evidence cannot be packed.
// It reads which term each feature adds and looks the sum up in ub (see
// setUpper).
func (p *packedEvidence) bonusUpper(e evEnv) float64 {
	if p.slow || e.flags&envSlow != 0 {
		return 1
	}
	i := 0
	if p.ev.hasDOB {
		i = dobClass(e, p.year)
	}
	if p.ev.nat != "" {
		switch {
		case e.nats&p.natBit != 0:
			i |= 1 << 2
		case e.flags&envNoNat != 0:
			i |= 2 << 2
		default:
			i |= 3 << 2
		}
	}
	if p.ev.gender != "" {
		switch {
		case e.flags&(envGender0<<p.gender) != 0:
			i |= 1 << 4
		case e.flags&envGender0 != 0:
			i |= 2 << 4
		default:
			i |= 3 << 4
		}
	}
	if p.kind != 0 && e.kinds&(1|1<<p.kind) == 0 {
		i |= 1 << 6
	}
	return p.ub[i]
}

// setUpper points p.ub at the sums bonusUpper looks up: which terms the
// query's evidence adds decides the table (see ubTables).
func (p *packedEvidence) setUpper() {
	p.natBit = natBit(p.nat)
	k := 0
	if p.ev.hasDOB {
		k |= 1
	}
	if p.ev.nat != "" {
		k |= 2
	}
	if p.ev.gender != "" {
		k |= 4
	}
	p.ub = &ubTables[k]
	// What the date of birth alone lets through, the other terms at
	// their best (see dobUpper).
	for d := range p.dobUB {
		p.dobUB[d] = p.ub[d|1<<2|1<<4]
	}
}

// ubTables holds, for each set of features a query may state (bit 0 date
// of birth, 1 nationality, 2 gender), the sum of the terms bonusUpper
// reads for each choice of them (2 bits each for date of birth,
// nationality and gender: the best, 0, the worst; 1 bit for a kind
// clash), added in p.bonus's order.
var ubTables = func() (t [8][128]float64) {
	for k := range t {
		dob := [4]float64{0, dobExact, 0, dobContradict}
		nat := [4]float64{0, natMatch, 0, natMismatch}
		gender := [4]float64{0, genderMatch, 0, genderClash}
		for i := range t[k] {
			var b float64
			if k&1 != 0 {
				b += dob[i&3]
			}
			if k&2 != 0 {
				b += nat[i>>2&3]
			}
			if k&4 != 0 {
				b += gender[i>>4&3]
			}
			if i>>6&1 != 0 {
				b += kindClash
			}
			t[k][i] = b
		}
	}
	return t
}()

// dobUpper is at least bonusUpper(e) for an envelope that is not slow,
// from the date of birth alone (the query must state one): cheap enough
// to turn most forms away first.
func (p *packedEvidence) dobUpper(e evEnv) float64 {
	return p.dobUB[dobClass(e, p.year)]
}

// dobClass sorts envelope e for the birth year y, as bonusUpper reads the
// date-of-birth term: 1 (dobExact) when y falls in its span, 2 (0) a year
// beside it or when some entity has no dated birth date, 3
// (dobContradict) otherwise. An envelope with no dated birth date has
// lo > hi by more than 2: no year falls in it or beside it.
func dobClass(e evEnv, y int) int {
	lo, hi := int(e.lo), int(e.hi)
	switch {
	case y >= lo && y <= hi:
		return 1
	case e.flags&envUndated != 0, y >= lo-1 && y <= hi+1:
		return 2
	}
	return 3
}
