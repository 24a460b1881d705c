package batch

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
)

const (
	// maxLine bounds one physical line; a longer line is a bad row.
	maxLine = 1 << 20
	// maxRecordLines bounds how many lines one quoted field may span
	// before the quote is judged broken and reading resynchronises.
	maxRecordLines = 20
)

// delimited reads CSV and TSV (RFC 4180 quoting).
//
// It splits lines itself instead of using encoding/csv: csv.Reader cannot
// recover from a broken quote. An unterminated quoted field makes it read
// on to the end of the file as one field (or fail there), losing every row
// after the bad one. Here a quoted field may span at most maxRecordLines
// lines; when its quote is not closed by then, the row is reported as
// broken and reading resumes at the line after the one where it started.
type delimited struct {
	br      *bufio.Reader
	sep     byte
	format  string
	m       *mapper
	header  []string
	cols    []int
	line    int        // physical lines read
	pending []physLine // lines read ahead while looking for a closing quote
	fields  []string   // reused
}

type physLine struct {
	text string
	no   int
	err  string // set when the line was too long
}

func openDelimited(br *bufio.Reader, sep byte, format string, opts Options) (Reader, error) {
	d := &delimited{br: br, sep: sep, format: format, m: newMapper(opts)}
	for {
		pl, err := d.nextLine()
		if err == io.EOF {
			return nil, fmt.Errorf("batch: %s input has no header row", format)
		}
		if err != nil {
			return nil, err
		}
		if pl.err != "" {
			return nil, fmt.Errorf("batch: line %d: header %s", pl.no, pl.err)
		}
		text := strings.TrimPrefix(pl.text, "\ufeff")
		if strings.TrimSpace(text) == "" {
			continue
		}
		fields, open, msg := d.split(text, nil)
		if open || msg != "" {
			if msg == "" {
				msg = "unterminated quoted field"
			}
			return nil, fmt.Errorf("batch: line %d: header: %s", pl.no, msg)
		}
		d.header = append([]string(nil), fields...)
		break
	}
	cols, err := d.m.columns(d.header)
	if err != nil {
		return nil, err
	}
	d.cols = cols
	d.header = d.m.inputKeys(d.header, cols) // from here on, the Input keys
	return d, nil
}

func (d *delimited) Format() string     { return d.format }
func (d *delimited) Warnings() []string { return d.m.warnings }

// nextLine returns the next physical line without its line ending.
func (d *delimited) nextLine() (physLine, error) {
	if len(d.pending) > 0 {
		pl := d.pending[0]
		d.pending = d.pending[1:]
		return pl, nil
	}
	b, err := d.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		// A line longer than the buffer: gather up to maxLine.
		buf := append([]byte(nil), b...)
		for err == bufio.ErrBufferFull {
			b, err = d.br.ReadSlice('\n')
			if len(buf) < maxLine {
				buf = append(buf, b...)
			}
		}
		if len(buf) >= maxLine {
			d.line++
			if err != nil && err != io.EOF {
				return physLine{}, err
			}
			return physLine{no: d.line, err: fmt.Sprintf("line longer than %d bytes", maxLine)}, nil
		}
		b = buf
	}
	if err != nil && !(err == io.EOF && len(b) > 0) {
		return physLine{}, err
	}
	d.line++
	b = bytes.TrimSuffix(b, []byte{'\n'})
	b = bytes.TrimSuffix(b, []byte{'\r'})
	return physLine{text: string(b), no: d.line}, nil
}

// Next returns the next record.
func (d *delimited) Next() (Record, error) {
	for {
		pl, err := d.nextLine()
		if err != nil {
			return Record{}, err
		}
		if pl.err != "" {
			return Record{Row: pl.no, Err: &RowError{Row: pl.no, Msg: pl.err}}, nil
		}
		if strings.TrimSpace(pl.text) == "" {
			continue
		}
		text := pl.text
		fields, open, msg := d.split(text, d.fields[:0])
		var ahead []physLine
		for open && msg == "" {
			if len(ahead) == maxRecordLines-1 {
				msg = fmt.Sprintf("quoted field not closed within %d lines", maxRecordLines)
				break
			}
			nl, err := d.nextLine()
			if err == io.EOF {
				msg = "quoted field not closed before the end of the file"
				break
			}
			if err != nil {
				return Record{}, err
			}
			ahead = append(ahead, nl)
			if nl.err != "" {
				msg = "quoted field runs into an over-long line"
				break
			}
			text += "\n" + nl.text
			fields, open, msg = d.split(text, d.fields[:0])
		}
		d.fields = fields
		if msg != "" {
			// Broken quoting: resynchronise at the line after this row's
			// first line; the lines read ahead are read again.
			d.pending = append(ahead, d.pending...)
			return d.bad(pl.no, fields, "broken quoting: "+msg), nil
		}
		if len(fields) != len(d.header) {
			return d.bad(pl.no, fields, fmt.Sprintf("%d fields, the header has %d", len(fields), len(d.header))), nil
		}
		rec := Record{Row: pl.no, Input: make(map[string]string, len(fields))}
		var vals [numFields]string
		for i, v := range fields {
			if v == "" {
				continue
			}
			rec.Input[d.header[i]] = v
			if f := d.cols[i]; f >= 0 {
				vals[f] = v
			}
		}
		build(&rec, &vals)
		return rec, nil
	}
}

// bad returns an error record keeping what could be split of the row.
func (d *delimited) bad(row int, fields []string, msg string) Record {
	rec := Record{Row: row, Input: map[string]string{}, Err: &RowError{Row: row, Msg: msg}}
	for i, v := range fields {
		if i < len(d.header) && v != "" {
			rec.Input[d.header[i]] = v
		}
	}
	return rec
}

// split splits one record's text into fields. open reports a quoted field
// still open at the end of the text; msg describes broken quoting: a quote
// inside an unquoted field (CSV only: TSV files often hold inch marks and
// quotes as data) or text after a closing quote.
func (d *delimited) split(s string, out []string) (fields []string, open bool, msg string) {
	fields = out
	i := 0
	for {
		if i < len(s) && s[i] == '"' {
			// Quoted field.
			var b strings.Builder
			j := i + 1
			for {
				k := strings.IndexByte(s[j:], '"')
				if k < 0 {
					return fields, true, ""
				}
				b.WriteString(s[j : j+k])
				j += k + 1
				if j < len(s) && s[j] == '"' {
					b.WriteByte('"')
					j++
					continue
				}
				break
			}
			fields = append(fields, b.String())
			if j == len(s) {
				return fields, false, ""
			}
			if s[j] != d.sep {
				return fields, false, fmt.Sprintf("text after the closing quote of field %d", len(fields))
			}
			i = j + 1
			continue
		}
		k := strings.IndexByte(s[i:], d.sep)
		var f string
		if k < 0 {
			f = s[i:]
		} else {
			f = s[i : i+k]
		}
		if d.sep == ',' && strings.IndexByte(f, '"') >= 0 {
			return append(fields, f), false, fmt.Sprintf("quote inside unquoted field %d", len(fields)+1)
		}
		fields = append(fields, f)
		if k < 0 {
			return fields, false, ""
		}
		i += k + 1
	}
}
