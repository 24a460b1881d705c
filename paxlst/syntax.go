package paxlst

import (
	"fmt"
	"strings"

	"github.com/vigil-screening/vigil/lists"
)

// Syntax holds the service characters of an interchange (ISO 9735).
type Syntax struct {
	Component  byte // component data element separator, default ':'
	Element    byte // data element separator, default '+'
	Decimal    byte // decimal mark, default '.'
	Release    byte // release character, default '?'
	Repetition byte // repetition separator; 0 when none is in force
	Terminator byte // segment terminator, default '\''
}

// DefaultSyntax is the service string advice that applies without UNA.
var DefaultSyntax = Syntax{Component: ':', Element: '+', Decimal: '.', Release: '?', Terminator: '\''}

// Element is one data element of a segment.
type Element struct {
	// Raw is the element's text with release characters resolved and no
	// splitting at all.
	Raw string
	// Components is the element split at component separators. Repetition
	// separators are kept as data here, because real messages use '*' in
	// ids ("APIS*C3K") under syntax version 4 without declaring it.
	Components []string
	// Repeats is the element split at repetition separators and then at
	// component separators, when a repetition separator is in force and
	// occurs; nil otherwise.
	Repeats [][]string
}

// Segment is one segment of an interchange.
type Segment struct {
	Tag      string
	Elements []Element
	// Index is the 1-based number of the segment in the interchange (UNA
	// not counted); Pos the 1-based character offset of its tag in the
	// input, and Line its 1-based line.
	Index int
	Pos   int
	Line  int
}

// El returns component c (0-based) of element e (0-based; element 0 is the
// first after the tag), trimmed of spaces, or "" when absent.
func (s *Segment) El(e, c int) string {
	if e >= len(s.Elements) || c >= len(s.Elements[e].Components) {
		return ""
	}
	return strings.TrimSpace(s.Elements[e].Components[c])
}

// SegmentError locates a syntax or envelope problem.
type SegmentError struct {
	Segment int    // 1-based segment number in the interchange
	Tag     string // segment tag, when known
	Pos     int    // 1-based character offset in the input
	Line    int
	Msg     string
}

func (e *SegmentError) Error() string {
	return fmt.Sprintf("segment %d %s at character %d: %s", e.Segment, e.Tag, e.Pos, e.Msg)
}

// errorAt builds the error returned for malformed input: a *lists.ParseError
// naming the line that wraps a *SegmentError, which names the segment and
// character (once: "input:30: segment 29 UNT at character 569: …").
func errorAt(seg int, tag string, pos, line int, format string, args ...any) error {
	se := &SegmentError{Segment: seg, Tag: tag, Pos: pos, Line: line, Msg: fmt.Sprintf(format, args...)}
	return &lists.ParseError{Line: line, Err: se}
}

func segErr(s *Segment, format string, args ...any) error {
	return errorAt(s.Index, s.Tag, s.Pos, s.Line, format, args...)
}

// lex splits data into segments. It reads UNA when present (it must come
// first, leading white space aside), resolves release characters (a release
// character followed by any character yields that character: some senders
// release characters that need no release), and ignores CR and LF outside
// released positions, since files often break lines after each segment.
func lex(data []byte) (Syntax, []Segment, error) {
	syn := DefaultSyntax
	i, line := 0, 1
	skipSpace := func() {
		for i < len(data) && (data[i] == ' ' || data[i] == '\r' || data[i] == '\n' || data[i] == '\t' || data[i] == 0xEF || data[i] == 0xBB || data[i] == 0xBF) {
			if data[i] == '\n' {
				line++
			}
			i++
		}
	}
	skipSpace()
	explicit := false
	if len(data)-i >= 3 && string(data[i:i+3]) == "UNA" {
		if len(data)-i < 9 {
			return syn, nil, errorAt(0, "UNA", i+1, line, "service string advice is shorter than 9 characters")
		}
		a := data[i+3 : i+9]
		syn = Syntax{Component: a[0], Element: a[1], Decimal: a[2], Release: a[3], Repetition: a[4], Terminator: a[5]}
		if syn.Repetition == ' ' {
			syn.Repetition = 0
		}
		if syn.Release == ' ' {
			syn.Release = 0
		}
		seen := map[byte]bool{}
		for _, c := range []byte{syn.Component, syn.Element, syn.Release, syn.Repetition, syn.Terminator} {
			if c != 0 && seen[c] {
				return syn, nil, errorAt(0, "UNA", i+1, line, "service string advice %q uses %q twice", string(data[i:i+9]), c)
			}
			seen[c] = true
		}
		explicit = true
		i += 9
	}
	var segs []Segment
	for {
		skipSpace()
		if i >= len(data) {
			break
		}
		seg := Segment{Index: len(segs) + 1, Pos: i + 1, Line: line}
		// Two splittings are built side by side: Components ignores the
		// repetition separator, Repeats honours it (see Element).
		var (
			b, rb, raw strings.Builder
			comps      []string
			rcomps     []string
			reps       [][]string
			repeated   bool
			tag        = true // still reading the tag
			closed     bool
		)
		endElement := func() {
			comps = append(comps, b.String())
			rcomps = append(rcomps, rb.String())
			reps = append(reps, rcomps)
			if tag {
				seg.Tag = strings.TrimSpace(comps[0])
				tag = false
			} else {
				el := Element{Raw: raw.String(), Components: comps}
				if repeated {
					el.Repeats = reps
				}
				seg.Elements = append(seg.Elements, el)
			}
			b.Reset()
			rb.Reset()
			raw.Reset()
			comps, rcomps, reps, repeated = nil, nil, nil, false
		}
		data1 := func(c byte) {
			b.WriteByte(c)
			rb.WriteByte(c)
			raw.WriteByte(c)
		}
	scan:
		for i < len(data) {
			c := data[i]
			i++
			switch {
			case c == '\n':
				line++
			case c == '\r':
			case syn.Release != 0 && c == syn.Release:
				if i >= len(data) {
					return syn, nil, errorAt(seg.Index, seg.Tag, i, line, "release character %q at the end of the input", c)
				}
				if data[i] == '\n' {
					line++
				}
				data1(data[i])
				i++
			case c == syn.Terminator:
				endElement()
				closed = true
				break scan
			case c == syn.Element:
				endElement()
			case c == syn.Component:
				comps = append(comps, b.String())
				rcomps = append(rcomps, rb.String())
				b.Reset()
				rb.Reset()
				raw.WriteByte(c)
			case syn.Repetition != 0 && c == syn.Repetition && !tag:
				b.WriteByte(c)
				raw.WriteByte(c)
				rcomps = append(rcomps, rb.String())
				rb.Reset()
				reps = append(reps, rcomps)
				rcomps = nil
				repeated = true
			default:
				data1(c)
			}
		}
		if !closed {
			tag := seg.Tag
			if tag == "" {
				tag = firstWord(data[seg.Pos-1:])
			}
			return syn, nil, errorAt(seg.Index, tag, seg.Pos, seg.Line, "segment is not terminated by %q before the end of the input", syn.Terminator)
		}
		if !validTag(seg.Tag) {
			return syn, nil, errorAt(seg.Index, seg.Tag, seg.Pos, seg.Line, "%q is not a segment tag (three upper-case letters or digits)", seg.Tag)
		}
		if seg.Tag == "UNB" && !explicit && len(seg.Elements) > 0 && seg.El(0, 1) == "4" {
			// Syntax version 4 without UNA: '*' is the repetition separator
			// for the rest of the interchange.
			syn.Repetition = '*'
		}
		segs = append(segs, seg)
	}
	return syn, segs, nil
}

func validTag(t string) bool {
	if len(t) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if !(t[i] >= 'A' && t[i] <= 'Z' || t[i] >= '0' && t[i] <= '9') {
			return false
		}
	}
	return true
}

func firstWord(b []byte) string {
	if len(b) > 3 {
		b = b[:3]
	}
	return string(b)
}
