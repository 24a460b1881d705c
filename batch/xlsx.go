package batch

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/vigil-screening/vigil/xlsx"
)

// xlsxLimits bound a customer workbook (see package xlsx). Excel stops at
// 1,048,576 rows: such a sheet of ten text columns is ~450 MB of XML. Real
// workbooks compress 5:1 to 15:1 (even rows of styled empty cells: 13:1); a
// deflate bomb, ~1000:1.
var xlsxLimits = xlsx.Limits{
	Archive:       512 << 20,
	Total:         1<<30 + 256<<20,
	Sheet:         1 << 30,
	SharedStrings: 128 << 20,
	Part:          16 << 20,
	InMemory:      16 << 20,
	Ratio:         100,
	Token:         1 << 20,
}

// xlsxReader reads the first worksheet of a workbook, row by row.
//
// Memory: a workbook is a zip archive, which needs random access, so it is
// held in memory (compressed); it is verified whole first (every member's
// CRC-32 and size, within xlsxLimits), then the worksheet XML is streamed
// (excelize spills worksheets larger than 16 MB to a temporary file, removed
// by Close or at the end of the rows) and rows are decoded one at a time.
type xlsxReader struct {
	s      *xlsx.Sheet
	m      *mapper
	header []string
	cols   []int
	dobCol int
	row    int
}

func openXLSX(r io.Reader, opts Options) (Reader, error) {
	s, err := xlsx.Open(r, xlsxLimits)
	if err != nil {
		return nil, fmt.Errorf("batch: xlsx: %w", err)
	}
	x := &xlsxReader{s: s, m: newMapper(opts), dobCol: -1}
	for {
		if !s.Next() {
			err := s.Err()
			s.Close()
			if err != nil {
				return nil, fmt.Errorf("batch: xlsx: %w", err)
			}
			return nil, fmt.Errorf("batch: xlsx: sheet %q has no header row", s.Name)
		}
		x.row++
		cells, err := s.Row(false)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("batch: xlsx: row %d: %w", x.row, err)
		}
		if strings.TrimSpace(strings.Join(cells, "")) != "" {
			x.header = cells
			break
		}
	}
	if x.cols, err = x.m.columns(x.header); err != nil {
		s.Close()
		return nil, err
	}
	x.header = x.m.inputKeys(x.header, x.cols) // from here on, the Input keys
	for i, c := range x.cols {
		if c == fDOB {
			x.dobCol = i
		}
	}
	if s.Sheets > 1 {
		x.m.warnf("workbook has %d sheets; only the first, %q, is read", s.Sheets, s.Name)
	}
	return x, nil
}

// Close removes the workbook's temporary files; the reader does so itself
// when it reaches the end of the rows or an error.
func (x *xlsxReader) Close() error { return x.s.Close() }

func (x *xlsxReader) Format() string     { return FormatXLSX }
func (x *xlsxReader) Warnings() []string { return x.m.warnings }

func (x *xlsxReader) Next() (Record, error) {
	for {
		if !x.s.Next() {
			err := x.s.Err()
			x.s.Close()
			if err != nil {
				return Record{}, fmt.Errorf("batch: xlsx: %w", err)
			}
			return Record{}, io.EOF
		}
		x.row++
		// Raw values: no number formats, so long ids are not turned into
		// "1.23E+11" and dates arrive as serial numbers, converted below.
		cells, err := x.s.Row(true)
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
