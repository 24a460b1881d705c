package lists

import (
	"encoding/xml"
	"io"

	"github.com/vigil-screening/vigil"
)

// XMLRecords describes a list file whose root element holds one child
// element per record (the EU FSF export, Canada's SEMA data-set).
type XMLRecords struct {
	Root, Record string // local names
	// What names the format in errors ("an EU FSF export").
	What string
	// OnRoot, when set, reads the root element's namespace and attributes.
	OnRoot func(t xml.StartElement)
	// Decode decodes one record element (DecodeElement into the format's
	// own type), converts and emits it; line is where the record starts.
	Decode func(dec *xml.Decoder, t *xml.StartElement, line int) error
}

// Read streams r token by token, handing each record to Decode. Other
// children of the root are skipped with a warning. A malformed file, a
// missing or wrong root, or a root never closed (a truncated file) is a
// *ParseError.
func (x XMLRecords) Read(r io.Reader, meta *Meta) error {
	in := NewInput(r, XMLRecord)
	dec := xml.NewDecoder(in)
	var sawRoot, closedRoot bool
	depth := 0
	for {
		line, _ := dec.InputPos()
		in.Mark()
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return XMLError(err, line, x.Root)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case depth == 1:
				if t.Name.Local != x.Root {
					return Errorf(line, t.Name.Local, "not %s: root element is %s, want %s", x.What, t.Name.Local, x.Root)
				}
				sawRoot = true
				if x.OnRoot != nil {
					x.OnRoot(t)
				}
			case depth == 2 && t.Name.Local == x.Record:
				start, _ := dec.InputPos()
				if err := x.Decode(dec, &t, start); err != nil {
					return err
				}
				depth--
			default:
				path := x.Root + "/" + t.Name.Local
				meta.Warnf("unknown element %s", path)
				if err := dec.Skip(); err != nil {
					return XMLError(err, line, path)
				}
				depth--
			}
		case xml.EndElement:
			depth--
			if depth == 0 {
				closedRoot = true
			}
		}
	}
	if !sawRoot {
		return Errorf(0, x.Root, "no %s element: empty or not %s", x.Root, x.What)
	}
	if !closedRoot {
		line, _ := dec.InputPos()
		return Errorf(line, x.Root, "truncated file: %s not closed", x.Root)
	}
	return nil
}

// DecodeEach returns an XMLRecords.Decode that decodes each record into a
// T, converts it with convert and emits the entity; path names the record
// element in decoding errors.
func DecodeEach[T any](path string, meta *Meta, convert func(*Meta, *T, int) (*vigil.Entity, error), emit Emit) func(*xml.Decoder, *xml.StartElement, int) error {
	return func(dec *xml.Decoder, t *xml.StartElement, line int) error {
		var rec T
		if err := dec.DecodeElement(&rec, t); err != nil {
			return XMLError(err, line, path)
		}
		e, err := convert(meta, &rec, line)
		if err != nil {
			return err
		}
		return emit(e)
	}
}
