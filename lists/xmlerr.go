package lists

import (
	"encoding/xml"
	"errors"
	"io"
)

// XMLError turns an encoding/xml decoder error into a ParseError with the
// best line known: the decoder's own for syntax errors, else line. A file
// that ends inside an element is reported as truncated.
func XMLError(err error, line int, element string) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		if se.Msg == "unexpected EOF" {
			return Errorf(se.Line, element, "truncated file: it ends inside an element")
		}
		return Errorf(se.Line, element, "malformed XML: %s", se.Msg)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return Errorf(line, element, "truncated file: it ends inside an element")
	}
	return &ParseError{Line: line, Element: element, Err: err}
}
