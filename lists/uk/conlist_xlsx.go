package uk

import (
	"bytes"
	"fmt"
	"io"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// SniffConListXLSX reports whether head (the raw first bytes of a file) is an
// XLSX whose worksheet starts like ConList: a short "Last Updated" banner row
// (at most 3 cells) followed by a header row of 25 or more cells.
func SniffConListXLSX(head []byte) bool {
	if !bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		return false
	}
	first, second := lists.RowCells(lists.WorksheetHead(head))
	return first >= 1 && first <= 3 && second >= 25
}

// ReadConListXLSX decodes an OFSI ConList XLSX (first sheet), row by row,
// with the same row mapping as the CSV. The workbook is read into memory and
// verified whole first (lists.OpenXLSX): a damaged or oversized archive is
// refused before any row is read.
func ReadConListXLSX(r io.Reader, emit lists.Emit) (meta *lists.Meta, err error) {
	meta = &lists.Meta{List: vigil.ListUK, Source: vigil.SourceUK, Format: FormatConListXLSX}
	s, err := lists.OpenXLSX(r)
	if err != nil {
		return meta, err
	}
	defer s.Close()
	feed := &conFeed{meta: meta}
	n := 0
	for s.Next() {
		n++
		// Raw values: ConList cells are text, and formatting costs time.
		cols, err := s.Row(true)
		if err != nil {
			return meta, lists.Errorf(n, fmt.Sprintf("%s row %d", s.Name, n), "%v", err)
		}
		if err := feed.row(cols, n); err != nil {
			return meta, err
		}
	}
	if err := s.Err(); err != nil {
		return meta, lists.Errorf(n, s.Name, "%v", err)
	}
	return meta, feed.finish(emit)
}
