package uk

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"

	"golang.org/x/text/encoding/charmap"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// SniffConListCSV reports whether head looks like an OFSI ConList CSV: a
// "Last Updated" banner line followed by a header with Name 6 and Group ID, or
// that header alone.
func SniffConListCSV(head []byte) bool {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	lines := bytes.SplitN(head, []byte("\n"), 3)
	if len(lines) >= 1 && bytes.HasPrefix(bytes.TrimPrefix(lines[0], utf8BOM), []byte("Last Updated")) && len(lines) >= 2 {
		return bytes.Contains(lines[1], []byte("Name 6")) && bytes.Contains(lines[1], []byte("Group ID"))
	}
	return bytes.HasPrefix(bytes.TrimPrefix(head, utf8BOM), []byte("Name 6,")) && bytes.Contains(lines[0], []byte("Group ID"))
}

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// ReadConListCSV decodes an OFSI ConList CSV (Windows-1252; a file with a UTF-8
// BOM or in the 2022+ layout is read as UTF-8), emitting one entity per Group ID at the end of the
// file (see the package comment).
func ReadConListCSV(r io.Reader, emit lists.Emit) (*lists.Meta, error) {
	meta := &lists.Meta{List: vigil.ListUK, Source: vigil.SourceUK, Format: FormatConListCSV}
	br := bufio.NewReaderSize(r, 64<<10)
	var src io.Reader = charmap.Windows1252.NewDecoder().Reader(br)
	head, _ := br.Peek(4096)
	switch {
	case bytes.HasPrefix(head, utf8BOM):
		br.Discard(3)
		src = br
	case bytes.Contains(head, []byte("Name Non-Latin Script")):
		// The 2022+ layout carries Cyrillic, Arabic, … names, which
		// Windows-1252 cannot hold: such files are UTF-8.
		src = br
	}
	in := lists.NewInput(src, lists.CSVRow)
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	// Real files have bare quotes inside unquoted fields (`KGB ""Alpha""
	// unit`, 2014). A broken quote then swallows the following rows, which
	// the per-row field count check below reports.
	cr.LazyQuotes = true
	feed := &conFeed{meta: meta}
	line := 0
	for {
		in.Mark()
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// FieldPos panics after a failed Read: the line comes from the error.
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return meta, lists.Errorf(pe.Line, "row", "%v", pe.Err)
			}
			return meta, lists.Errorf(line, "after this row", "%v", err)
		}
		line, _ = cr.FieldPos(0)
		if feed.c != nil && len(rec) != feed.width && !(len(rec) == 1 && rec[0] == "") {
			return meta, lists.Errorf(line, "row", "has %d fields, the header has %d (broken quote?)", len(rec), feed.width)
		}
		if err := feed.row(rec, line); err != nil {
			return meta, err
		}
	}
	return meta, feed.finish(emit)
}
