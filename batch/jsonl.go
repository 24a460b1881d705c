package batch

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// jsonlReader reads JSON Lines: one object per line, keys mapped like
// column headers.
type jsonlReader struct {
	br   *bufio.Reader
	m    *mapper
	line int
}

func openJSONL(br *bufio.Reader, opts Options) (Reader, error) {
	return &jsonlReader{br: br, m: newMapper(opts)}, nil
}

func (j *jsonlReader) Format() string     { return FormatJSONL }
func (j *jsonlReader) Warnings() []string { return j.m.warnings }

func (j *jsonlReader) Next() (Record, error) {
	for {
		b, err := j.br.ReadSlice('\n')
		long := false
		if err == bufio.ErrBufferFull {
			buf := append([]byte(nil), b...)
			for err == bufio.ErrBufferFull {
				b, err = j.br.ReadSlice('\n')
				if len(buf) < maxLine {
					buf = append(buf, b...)
				}
			}
			long = len(buf) >= maxLine
			b = buf
		}
		if err != nil && !(err == io.EOF && len(b) > 0) {
			return Record{}, err
		}
		j.line++
		if long {
			return Record{Row: j.line, Err: &RowError{Row: j.line, Msg: fmt.Sprintf("line longer than %d bytes", maxLine)}}, nil
		}
		b = bytes.TrimSpace(b)
		if j.line == 1 {
			b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
		}
		if len(b) == 0 {
			continue
		}
		return j.record(b), nil
	}
}

func (j *jsonlReader) record(b []byte) Record {
	rec := Record{Row: j.line}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		rec.Err = &RowError{Row: j.line, Msg: "bad JSON: " + err.Error()}
		return rec
	}
	rec.Input = make(map[string]string, len(obj))
	var vals [numFields]string
	for k, raw := range obj {
		v, ok := scalar(raw)
		if !ok {
			v = string(raw) // objects and arrays are kept as JSON text
		}
		if v == "" {
			continue
		}
		f := j.m.field(k)
		rec.Input[j.m.inputKey(k, f)] = v
		if f < 0 {
			j.m.warnf("key %q is not a screening field; it is kept in the input only", k)
			continue
		}
		if !ok {
			rec.Err = &RowError{Row: j.line, Msg: fmt.Sprintf("key %q (%s) holds %s, not a string or number", k, Fields[f], kindOf(raw))}
			return rec
		}
		vals[f] = v
	}
	build(&rec, &vals)
	return rec
}

// scalar returns a JSON string, number or boolean as text; null as "".
func scalar(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", true
	}
	switch raw[0] {
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return s, true
	case '{', '[':
		return "", false
	case 'n':
		return "", true
	case 't', 'f':
		return strconv.FormatBool(raw[0] == 't'), true
	}
	return string(raw), true // a number, as written
}

func kindOf(raw json.RawMessage) string {
	if bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")) {
		return "an array"
	}
	return "an object"
}
