package unpack

import (
	"bytes"
	"fmt"
)

// TokenScanner is an io.Writer that fails with ErrToken once an XML token
// written to it is longer than Max bytes. Tokens are what encoding/xml
// buffers whole before returning them: a run of text, a tag with its
// attributes (a '>' inside a quoted value does not end it), a comment, a
// CDATA section, a processing instruction, a directive (a DOCTYPE with its
// internal subset). The scanner does not check that the XML is well formed,
// only that no token the decoder will build exceeds Max; where it cannot
// tell the structure (broken markup), it counts on, erring towards refusal.
//
// It is written by hand because encoding/xml has no token limit and
// decoding a member twice costs ~20 times more than this byte scan.
type TokenScanner struct {
	Max int

	state byte
	run   int  // bytes of the current token
	quote byte // the open quote in a tag or directive, 0 outside
	seq   int  // trailing '-' (comment), ']' (CDATA) or '?' (PI) seen
	depth int  // '<' nesting in a directive
	sub   int  // in a directive: 1-3 after '<', '<!', '<!-'; 4 in a comment
	off   int64
}

// Scanner states.
const (
	sText    = iota
	sOpen    // after '<'
	sBang    // after "<!"
	sBangD   // after "<!-"
	sTag     // a start or end tag
	sComment // <!-- ... -->
	sCDATA   // <![ ... ]]>
	sPI      // <? ... ?>
	sDecl    // <!DOCTYPE ... >
)

// Write scans p.
func (s *TokenScanner) Write(p []byte) (int, error) {
	for i := 0; i < len(p); i++ {
		b := p[i]
		if s.state == sText {
			j := bytes.IndexByte(p[i:], '<')
			if j < 0 {
				s.run += len(p) - i
				if s.run > s.Max {
					return i, s.tooLong(int64(len(p)))
				}
				break
			}
			s.run += j
			if s.run > s.Max {
				return i, s.tooLong(int64(i + j))
			}
			i += j
			s.state, s.run = sOpen, 1
			continue
		}
		s.run++
		end := false
		switch s.state {
		case sOpen:
			switch b {
			case '!':
				s.state = sBang
			case '?':
				s.state, s.seq = sPI, 0
			default:
				s.state, s.quote = sTag, 0
				end = s.tag(b)
			}
		case sBang:
			switch b {
			case '-':
				s.state = sBangD
			case '[':
				s.state, s.seq = sCDATA, 0
			default:
				// encoding/xml takes this first byte as it is, even a
				// quote or '>'.
				s.state, s.quote, s.depth, s.sub = sDecl, 0, 0, 0
			}
		case sBangD:
			if b == '-' {
				s.state, s.seq = sComment, 0
			} else {
				// "<!-x" is malformed: the decoder stops here.
				s.state, s.quote, s.depth, s.sub = sDecl, 0, 0, 0
			}
		case sTag:
			end = s.tag(b)
		case sComment:
			end = s.closes(b, '-')
		case sCDATA:
			end = s.closes(b, ']')
		case sPI:
			end = b == '>' && s.seq > 0
			if b == '?' {
				s.seq = 1
			} else {
				s.seq = 0
			}
		case sDecl:
			end = s.decl(b)
		}
		if s.run > s.Max {
			return i, s.tooLong(int64(i))
		}
		if end {
			s.state, s.run = sText, 0
		}
	}
	s.off += int64(len(p))
	return len(p), nil
}

// tag handles a byte of a tag: a '>' outside quotes ends it.
func (s *TokenScanner) tag(b byte) bool {
	switch {
	case s.quote != 0:
		if b == s.quote {
			s.quote = 0
		}
	case b == '"' || b == '\'':
		s.quote = b
	case b == '>':
		return true
	}
	return false
}

// decl handles a byte of a directive as encoding/xml does: '<' and '>'
// nest outside quotes, and a comment inside ("<!-- ' -->") is skipped,
// quotes and all.
func (s *TokenScanner) decl(b byte) bool {
	switch s.sub {
	case 1, 2, 3:
		if b == "!--"[s.sub-1] {
			if s.sub++; s.sub == 4 {
				s.seq = 0
			}
			return false
		}
		// Not a comment: the '<' nests, and b is handled as usual.
		s.sub = 0
		s.depth++
		return s.declByte(b)
	case 4:
		if s.closes(b, '-') {
			s.sub = 0
		}
		return false
	}
	if s.quote == 0 && b == '>' && s.depth == 0 {
		return true
	}
	return s.declByte(b)
}

func (s *TokenScanner) declByte(b byte) bool {
	switch {
	case s.quote != 0:
		if b == s.quote {
			s.quote = 0
		}
	case b == '"' || b == '\'':
		s.quote = b
	case b == '>':
		s.depth--
	case b == '<':
		s.sub = 1
	}
	return false
}

// closes reports whether b ends a comment ("-->") or CDATA section ("]]>").
func (s *TokenScanner) closes(b, c byte) bool {
	switch b {
	case c:
		s.seq++
	case '>':
		if s.seq >= 2 {
			return true
		}
		s.seq = 0
	default:
		s.seq = 0
	}
	return false
}

func (s *TokenScanner) tooLong(at int64) error {
	return fmt.Errorf("a token (text, tag or comment) longer than %d bytes, before byte %d: %w", s.Max, s.off+at+1, ErrToken)
}
