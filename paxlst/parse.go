package paxlst

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// maxSize bounds the input read: PAXLST messages are a few hundred
// kilobytes at most, even for the largest aircraft.
const maxSize = 64 << 20

// Options adjusts Parse.
type Options struct {
	// Lenient turns UNT segment-count and reference mismatches into
	// warnings instead of errors. Some real senders get the count wrong.
	Lenient bool
	// Now is the reference date for two-digit years when the interchange
	// states no preparation date; zero means the current time.
	Now time.Time
}

// Parse reads a PAXLST interchange strictly (see Options).
func Parse(r io.Reader) (*Message, error) { return Options{}.Parse(r) }

// Parse reads a PAXLST interchange with these options.
func (o Options) Parse(r io.Reader) (*Message, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxSize {
		return nil, fmt.Errorf("paxlst: input larger than %d bytes", maxSize)
	}
	syn, segs, err := lex(data)
	if err != nil {
		return nil, err
	}
	p := &parser{opt: o, msg: &Message{Syntax: syn, Segments: len(segs)}, now: o.Now}
	if p.now.IsZero() {
		p.now = time.Now()
	}
	if err := p.envelope(segs); err != nil {
		return nil, err
	}
	return p.msg, nil
}

type parser struct {
	opt Options
	msg *Message
	now time.Time // reference date for two-digit years

	// Body state of the current message.
	hdr      *Header
	ctx      int     // what DTM, LOC and RFF belong to
	flight   *Flight // current TDT group
	points   []point // its route points
	msgFlts  []int   // flights of the current message
	trav     *Traveller
	travMsgs []int // indexes in msg.Travellers of the current message's travellers
	doc      *Doc
	// probFrom is the index in msg.Problems of the current message's
	// first problem.
	probFrom int
}

const (
	ctxHeader = iota
	ctxFlight
	ctxTraveller
	ctxDoc
	ctxSkip // inside a traveller group that could not be read
	ctxTrailer
)

// point is a GR.3 route location with its times.
type point struct {
	qual, place, dep, arr string
}

func (p *parser) warnf(format string, args ...any) {
	p.msg.Warnings = append(p.msg.Warnings, fmt.Sprintf(format, args...))
}

// problem records a problem of segment s that drops nothing screened.
func (p *parser) problem(s *Segment, format string, args ...any) {
	p.msg.Problems = append(p.msg.Problems, Problem{Segment: s.Index, Tag: s.Tag, Msg: fmt.Sprintf(format, args...), Message: p.hdr.Ref})
}

// dropped records a record that is not read: a traveller it may hold is
// not screened.
func (p *parser) dropped(s *Segment, format string, args ...any) {
	p.problem(s, format, args...)
	p.msg.Problems[len(p.msg.Problems)-1].Dropped = true
}

// travProblem records a value of the current traveller that cannot be
// read; the traveller is kept without it.
func (p *parser) travProblem(s *Segment, format string, args ...any) {
	p.problem(s, format, args...)
	p.trav.Problems = append(p.trav.Problems, p.msg.Problems[len(p.msg.Problems)-1])
}

// envelope walks the interchange, validating UNB/UNG/UNH/UNT/UNE/UNZ and
// handing each message body to body.
func (p *parser) envelope(segs []Segment) error {
	var (
		unb, ung, unh *Segment
		unhAt         int // index in segs of the open UNH
		groupMsgs     int
		ichMsgs       int
		ichGroups     int
		closed        bool // UNZ seen
	)
	for k := range segs {
		s := &segs[k]
		if closed {
			return segErr(s, "segment after the interchange trailer UNZ")
		}
		switch s.Tag {
		case "UNB":
			if unb != nil || k != 0 {
				return segErr(s, "UNB must be the first segment and appear once")
			}
			unb = s
			p.interchange(s)
		case "UNG":
			if unh != nil {
				return segErr(s, "functional group header inside message %s (UNT missing)", p.hdr.Ref)
			}
			if ung != nil {
				return segErr(s, "functional group header inside group %s (UNE missing)", ung.El(4, 0))
			}
			ung, groupMsgs = s, 0
			ichGroups++
			p.msg.Interchange.GroupRefs = append(p.msg.Interchange.GroupRefs, s.El(4, 0))
		case "UNH":
			if unh != nil {
				return segErr(s, "message header UNH before the trailer UNT of message %s (segment %d): unterminated message", p.hdr.Ref, unh.Index)
			}
			unh, unhAt = s, k
			p.startMessage(s)
		case "UNT":
			if unh == nil {
				return segErr(s, "message trailer UNT without a message header UNH")
			}
			n := k - unhAt + 1
			if got, err := strconv.Atoi(s.El(0, 0)); err != nil || got != n {
				if !p.opt.Lenient {
					return segErr(s, "UNT counts %q segments, message %s has %d (UNH at segment %d)", s.El(0, 0), p.hdr.Ref, n, unh.Index)
				}
				p.warnf("segment %d UNT: counts %q segments, message %s has %d", s.Index, s.El(0, 0), p.hdr.Ref, n)
			}
			if ref := s.El(1, 0); ref != p.hdr.Ref {
				if !p.opt.Lenient {
					return segErr(s, "UNT reference %q differs from UNH reference %q", ref, p.hdr.Ref)
				}
				p.warnf("segment %d UNT: reference %q differs from UNH reference %q", s.Index, ref, p.hdr.Ref)
			}
			p.endMessage()
			unh = nil
			groupMsgs++
			ichMsgs++
		case "UNE":
			if unh != nil {
				return segErr(s, "group trailer UNE inside message %s: unterminated message", p.hdr.Ref)
			}
			if ung == nil {
				return segErr(s, "group trailer UNE without a group header UNG")
			}
			if s.El(0, 0) != strconv.Itoa(groupMsgs) {
				p.warnf("segment %d UNE: counts %q messages, group has %d", s.Index, s.El(0, 0), groupMsgs)
			}
			if s.El(1, 0) != ung.El(4, 0) {
				p.warnf("segment %d UNE: reference %q differs from UNG reference %q", s.Index, s.El(1, 0), ung.El(4, 0))
			}
			ung = nil
		case "UNZ":
			if unh != nil {
				return segErr(s, "interchange trailer UNZ inside message %s: unterminated message", p.hdr.Ref)
			}
			if ung != nil {
				return segErr(s, "interchange trailer UNZ inside group %s: UNE missing", ung.El(4, 0))
			}
			if unb == nil {
				return segErr(s, "interchange trailer UNZ without a header UNB")
			}
			want := ichMsgs
			if ichGroups > 0 {
				want = ichGroups
			}
			if s.El(0, 0) != strconv.Itoa(want) {
				p.warnf("segment %d UNZ: counts %q messages or groups, interchange has %d", s.Index, s.El(0, 0), want)
			}
			if s.El(1, 0) != unb.El(4, 0) {
				p.warnf("segment %d UNZ: control reference %q differs from UNB's %q", s.Index, s.El(1, 0), unb.El(4, 0))
			}
			closed = true
		default:
			if unh == nil {
				return segErr(s, "segment outside a message (no UNH before it)")
			}
			p.body(s)
		}
	}
	end := len(segs) + 1
	switch {
	case unh != nil:
		return errorAt(end, "", 0, 0, "end of input inside message %s opened at segment %d: UNT missing (unterminated or truncated message)", p.hdr.Ref, unh.Index)
	case ung != nil:
		return errorAt(end, "", 0, 0, "end of input inside group %s: UNE missing (truncated interchange)", ung.El(4, 0))
	case unb != nil && !closed:
		return errorAt(end, "", 0, 0, "end of input before the interchange trailer UNZ (truncated interchange)")
	case len(p.msg.Messages) == 0:
		return errorAt(end, "", 0, 0, "no message: UNH missing")
	}
	return nil
}

func (p *parser) interchange(s *Segment) {
	ich := &p.msg.Interchange
	ich.Syntax, ich.Version = s.El(0, 0), s.El(0, 1)
	// Sender and recipient keep their raw text: ids such as "APIS*C3K"
	// contain what syntax version 4 would call a repetition separator.
	ich.Sender, ich.Recipient = s.El(1, 0), s.El(2, 0)
	if d, ok := parseDateTime(s.El(3, 0)+s.El(3, 1), ""); ok {
		ich.Prepared = d
		if t, err := time.Parse("2006-01-02T15:04", d); err == nil {
			p.now = t
		}
	}
	ich.Control = s.El(4, 0)
	ich.AppRef = s.El(6, 0)
}

func (p *parser) startMessage(s *Segment) {
	h := Header{
		Ref:          s.El(0, 0),
		CommonAccess: s.El(2, 0),
		Sequence:     strings.Trim(s.El(3, 0)+":"+s.El(3, 1), ":"),
	}
	if len(s.Elements) > 1 {
		h.Type = strings.Join(s.Elements[1].Components, ":")
	}
	p.msg.Messages = append(p.msg.Messages, h)
	p.hdr = &p.msg.Messages[len(p.msg.Messages)-1]
	if !strings.HasPrefix(p.hdr.Type, "PAXLST") {
		p.warnf("segment %d UNH: message type %q is not PAXLST", s.Index, p.hdr.Type)
	}
	p.ctx, p.flight, p.points, p.msgFlts, p.trav, p.travMsgs, p.doc = ctxHeader, nil, nil, nil, nil, nil, nil
	p.probFrom = len(p.msg.Problems)
}

// endMessage closes the open groups and gives the message's travellers
// the message's flights.
func (p *parser) endMessage() {
	p.closeFlight()
	p.closeTraveller()
	for _, i := range p.travMsgs {
		p.msg.Travellers[i].Flights = append([]int{}, p.msgFlts...)
	}
	for i := p.probFrom; i < len(p.msg.Problems); i++ {
		if pr := &p.msg.Problems[i]; pr.Dropped {
			pr.Flights = append([]int{}, p.msgFlts...)
		}
	}
}
