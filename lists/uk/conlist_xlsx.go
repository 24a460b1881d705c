package uk

import (
	"bytes"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

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

// ReadConListXLSX decodes an OFSI ConList XLSX (first sheet), row by row with
// excelize's streaming row iterator, with the same row mapping as the CSV.
// excelize needs the whole zip, so r is read into memory first.
func ReadConListXLSX(r io.Reader, emit lists.Emit) (meta *lists.Meta, err error) {
	meta = &lists.Meta{List: vigil.ListUK, Source: vigil.SourceUK, Format: FormatConListXLSX}
	defer func() {
		// excelize can panic on some corrupt inputs; report them as errors.
		if p := recover(); p != nil {
			err = lists.Errorf(0, "xlsx", "corrupt workbook: %v", p)
		}
	}()
	f, err := excelize.OpenReader(r)
	if err != nil {
		return meta, lists.Errorf(0, "xlsx", "%v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return meta, lists.Errorf(0, "xlsx", "workbook has no sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return meta, lists.Errorf(0, sheets[0], "%v", err)
	}
	defer rows.Close()
	feed := &conFeed{meta: meta}
	n := 0
	for rows.Next() {
		n++
		// Raw values: ConList cells are text, and formatting costs time.
		cols, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return meta, lists.Errorf(n, fmt.Sprintf("%s row %d", sheets[0], n), "%v", err)
		}
		if err := feed.row(cols, n); err != nil {
			return meta, err
		}
	}
	if err := rows.Error(); err != nil {
		return meta, lists.Errorf(n, sheets[0], "%v", err)
	}
	return meta, feed.finish(emit)
}
