package match

// evEnv is the envelope of the packed facts of a form's entities: enough
// to bound from above what the query's evidence can add to any of them
// without reading their summaries. It lives beside the form's retrieval
// accumulator (formAcc), which retrieval reads anyway, so that most forms
// whose evidence bar their estimate cannot meet are turned away without
// formBonus.
type evEnv struct {
	// lo and hi span the years of every dated birth date of the form's
	// entities (as dobSpan widens them); lo > hi when none is dated.
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
	e := evEnv{lo: 1, hi: 0}
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
			if e.lo > e.hi {
				e.lo, e.hi = d.lo, d.hi
			}
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
func (p *packedEvidence) bonusUpper(e evEnv) float64 {
	if p.slow || e.flags&envSlow != 0 {
		return 1
	}
	var b float64
	if p.ev.hasDOB {
		var v float64
		switch {
		case e.lo <= e.hi && p.year >= int(e.lo) && p.year <= int(e.hi):
			v = dobExact
		case e.flags&envUndated != 0,
			e.lo <= e.hi && p.year >= int(e.lo)-1 && p.year <= int(e.hi)+1:
			v = 0
		default:
			v = dobContradict
		}
		b += v
	}
	if p.ev.nat != "" {
		var v float64
		switch {
		case e.nats&natBit(p.nat) != 0:
			v = natMatch
		case e.flags&envNoNat != 0:
			v = 0
		default:
			v = natMismatch
		}
		b += v
	}
	if p.ev.gender != "" {
		var v float64
		switch {
		case e.flags&(envGender0<<p.gender) != 0:
			v = genderMatch
		case e.flags&envGender0 != 0:
			v = 0
		default:
			v = genderClash
		}
		b += v
	}
	if p.kind != 0 && e.kinds&(1|1<<p.kind) == 0 {
		b += kindClash
	}
	return b
}
