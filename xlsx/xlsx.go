// Package xlsx reads the first worksheet of an XLSX workbook row by row. It
// is Vigil's one door to excelize (github.com/xuri/excelize/v2), and it
// shuts the holes excelize leaves for damaged and hostile workbooks:
//
//   - excelize ignores read errors when it unpacks members, so a damaged
//     member (a flipped bit) reads as garbage or as nothing, silently. Open
//     first has unpack.Zip verify every member's CRC-32, size and name.
//   - excelize trusts the sizes the zip declares, allocates them up front,
//     and spills large worksheets to temporary files. Open bounds every
//     member (Limits) before excelize sees the file, gives excelize those
//     limits too, and, when a member is large enough to spill, keeps its
//     temporary files in a folder of its own that Close removes, whatever
//     happened.
//   - excelize buffers whole XML tokens; Open bounds them (Limits.MaxToken).
//   - excelize panics on some corrupt input; Open, Next and Row turn panics
//     into errors.
package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/vigil-screening/vigil/unpack"
)

// Limits bound a workbook. Every field must be set.
type Limits struct {
	// Archive bounds the workbook file, which is held in memory.
	Archive int64
	// Total bounds all members unpacked together.
	Total int64
	// Sheet bounds one worksheet's XML (streamed, spilled to a temporary
	// file past InMemory).
	Sheet int64
	// SharedStrings bounds the shared-string table (and calcChain.xml,
	// also read whole); excelize keeps an index entry per string.
	SharedStrings int64
	// Part bounds every other member; excelize holds them in memory and
	// parses some (styles, theme, workbook) whole.
	Part int64
	// InMemory is the size past which excelize spills a worksheet or the
	// shared strings to a temporary file.
	InMemory int64
	// Ratio bounds a member's uncompressed over compressed size once it
	// expands past 1 MiB.
	Ratio float64
	// Token bounds every XML token (a cell's text, a tag).
	Token int
}

func (l Limits) unpack() unpack.Limits {
	return unpack.Limits{
		MaxArchive: l.Archive,
		MaxTotal:   l.Total,
		Member: func(name string) int64 {
			n := strings.ToLower(strings.ReplaceAll(name, `\`, "/"))
			switch {
			case strings.HasPrefix(n, "xl/worksheets/sheet"):
				return l.Sheet
			case n == "xl/sharedstrings.xml", n == "xl/calcchain.xml":
				return l.SharedStrings
			}
			return l.Part
		},
		MaxRatio:   l.Ratio,
		RatioFloor: 1 << 20,
		MaxToken:   l.Token,
	}
}

// Sheet reads the rows of a workbook's first worksheet.
type Sheet struct {
	// Name is the worksheet's name; Sheets the workbook's worksheet count.
	Name   string
	Sheets int

	f    *excelize.File
	rows *excelize.Rows
	tmp  string
	err  error
}

// Open reads a workbook from r (whole, into memory: a zip needs random
// access), verifies it, and opens its first worksheet. An archive problem is
// an *unpack.Error naming the member. The caller must Close the Sheet.
func Open(r io.Reader, lim Limits) (s *Sheet, err error) {
	data, err := unpack.ReadAll(r, lim.Archive)
	if err != nil {
		return nil, err
	}
	zr, err := unpack.Zip(data, lim.unpack())
	if err != nil {
		return nil, err
	}
	s = &Sheet{}
	if spills(zr, lim.InMemory) {
		if s.tmp, err = os.MkdirTemp("", "vigil-xlsx-"); err != nil {
			return nil, err
		}
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("corrupt workbook: %v", p)
		}
		if err != nil {
			s.Close()
			s = nil
		}
	}()
	s.f, err = excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		UnzipSizeLimit:    lim.Total,
		UnzipXMLSizeLimit: lim.InMemory,
		TmpDir:            s.tmp,
	})
	if err != nil {
		return s, err
	}
	sheets := s.f.GetSheetList()
	if len(sheets) == 0 {
		return s, errors.New("the workbook has no worksheet")
	}
	s.Name, s.Sheets = sheets[0], len(sheets)
	s.rows, err = s.f.Rows(s.Name)
	if err != nil {
		return s, fmt.Errorf("sheet %q: %w", s.Name, err)
	}
	return s, nil
}

// spills reports whether excelize will write a temporary file for zr: a
// worksheet or the shared strings larger than inMemory (its test, by its
// names). Only then is a temporary folder made: making and removing one
// costs more than reading a small workbook (a third of the CPU time, and
// most of the fuzz targets' time).
func spills(zr *zip.Reader, inMemory int64) bool {
	for _, f := range zr.File {
		n := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		if (strings.HasPrefix(n, "xl/worksheets/sheet") || n == "xl/sharedstrings.xml") && int64(f.UncompressedSize64) > inMemory {
			return true
		}
	}
	return false
}

// Next advances to the next row, reporting false at the end or on an error
// (see Err).
func (s *Sheet) Next() (ok bool) {
	if s.err != nil || s.rows == nil {
		return false
	}
	defer func() {
		if p := recover(); p != nil {
			s.err, ok = fmt.Errorf("corrupt worksheet: %v", p), false
		}
	}()
	if !s.rows.Next() {
		s.err = s.rows.Error()
		return false
	}
	return true
}

// Row returns the current row's cells: raw values (numbers and dates as
// stored, no number format applied) when raw is set, else as Excel shows
// them.
func (s *Sheet) Row(raw bool) (cells []string, err error) {
	defer func() {
		if p := recover(); p != nil {
			cells, err = nil, fmt.Errorf("corrupt worksheet row: %v", p)
		}
	}()
	if raw {
		return s.rows.Columns(excelize.Options{RawCellValue: true})
	}
	return s.rows.Columns()
}

// Err returns the error that ended Next, if any.
func (s *Sheet) Err() error { return s.err }

// Close releases the workbook and removes its temporary files.
func (s *Sheet) Close() error {
	if s == nil {
		return nil
	}
	var errs []error
	if s.rows != nil {
		errs = append(errs, s.rows.Close())
		s.rows = nil
	}
	if s.f != nil {
		errs = append(errs, s.f.Close())
		s.f = nil
	}
	if s.tmp != "" {
		errs = append(errs, os.RemoveAll(s.tmp))
		s.tmp = ""
	}
	return errors.Join(errs...)
}
