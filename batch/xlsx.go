package batch

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxReader reads the first worksheet of a workbook with excelize's
// streaming row iterator.
//
// Memory: a workbook is a zip archive, which needs random access, so
// excelize.OpenReader holds the compressed file in memory; the worksheet XML
// itself is streamed (excelize spills worksheets larger than
// UnzipXMLSizeLimit to a temporary file) and rows are decoded one at a time.
// The uncompressed workbook is capped at 1 GB (UnzipSizeLimit) against zip
// bombs.
type xlsxReader struct {
	f      *excelize.File
	rows   *excelize.Rows
	m      *mapper
	header []string
	cols   []int
	dobCol int
	row    int
}

func openXLSX(r io.Reader, opts Options) (Reader, error) {
	f, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: 1 << 30, UnzipXMLSizeLimit: 16 << 20})
	if err != nil {
		return nil, fmt.Errorf("batch: xlsx: %w", err)
	}
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, fmt.Errorf("batch: xlsx: workbook has no worksheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("batch: xlsx: sheet %q: %w", sheets[0], err)
	}
	x := &xlsxReader{f: f, rows: rows, m: newMapper(opts), dobCol: -1}
	for {
		if !rows.Next() {
			err := rows.Error()
			f.Close()
			if err != nil {
				return nil, fmt.Errorf("batch: xlsx: %w", err)
			}
			return nil, fmt.Errorf("batch: xlsx: sheet %q has no header row", sheets[0])
		}
		x.row++
		cells, err := rows.Columns()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("batch: xlsx: row %d: %w", x.row, err)
		}
		if strings.TrimSpace(strings.Join(cells, "")) != "" {
			x.header = cells
			break
		}
	}
	if x.cols, err = x.m.columns(x.header); err != nil {
		f.Close()
		return nil, err
	}
	for i, c := range x.cols {
		if c == fDOB {
			x.dobCol = i
		}
	}
	if len(sheets) > 1 {
		x.m.warnf("workbook has %d sheets; only the first, %q, is read", len(sheets), sheets[0])
	}
	return x, nil
}

func (x *xlsxReader) Format() string     { return FormatXLSX }
func (x *xlsxReader) Warnings() []string { return x.m.warnings }

func (x *xlsxReader) Next() (Record, error) {
	for {
		if !x.rows.Next() {
			err := x.rows.Error()
			x.rows.Close()
			x.f.Close()
			if err != nil {
				return Record{}, fmt.Errorf("batch: xlsx: %w", err)
			}
			return Record{}, io.EOF
		}
		x.row++
		// Raw values: no number formats, so long ids are not turned into
		// "1.23E+11" and dates arrive as serial numbers, converted below.
		cells, err := x.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return Record{Row: x.row, Err: &RowError{Row: x.row, Msg: err.Error()}}, nil
		}
		if strings.TrimSpace(strings.Join(cells, "")) == "" {
			continue
		}
		rec := Record{Row: x.row, Input: make(map[string]string, len(cells))}
		var vals [numFields]string
		for i, v := range cells {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			if i >= len(x.header) {
				x.m.warnf("cells beyond the header's %d columns are ignored", len(x.header))
				continue
			}
			if i == x.dobCol {
				v = excelDate(v)
			}
			rec.Input[x.header[i]] = v
			if f := x.cols[i]; f >= 0 {
				vals[f] = v
			}
		}
		build(&rec, &vals)
		return rec, nil
	}
}

// excelDate turns a date cell's serial number into YYYY-MM-DD; other text
// is returned as it is.
func excelDate(v string) string {
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || n < 1 || n > 2958465 || strings.ContainsAny(v, "eE") {
		return v
	}
	if n < 3000 && n == float64(int(n)) {
		return v // a bare year such as 1957, not a serial day
	}
	t, err := excelize.ExcelDateToTime(n, false)
	if err != nil {
		return v
	}
	return t.Format("2006-01-02")
}
