package screen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/batch"
	"github.com/vigil-screening/vigil/match"
)

// BatchOptions adjusts Batch.
type BatchOptions struct {
	// Threshold applies to rows that set none; <= 0 means the matcher's
	// default.
	Threshold float64
	// Workers screening in parallel; <= 0 means GOMAXPROCS.
	Workers int
	// Window caps the rows read but not yet written (the reorder buffer);
	// <= 0 means 512 per worker. Memory use is bounded by it whatever the
	// file size.
	Window int
	// OnRowError, when set, is called in input order for each bad row.
	OnRowError func(row int, err error)
	// Progress, when set, is called from the writing goroutine with the
	// number of rows written, every 1024 rows and at the end.
	Progress func(rows int64)
	// NoMemo screens every row in full. Otherwise, when the matcher is
	// a *match.Index, rows are screened through its Memo, which does the
	// work that depends on the name alone once per name: the output is
	// the same.
	NoMemo bool
}

// BatchLine is one output line of Batch: a screened row, or a bad row
// with Error set and no matches.
type BatchLine struct {
	Row   int               `json:"row"`
	ID    string            `json:"id,omitempty"`
	Input map[string]string `json:"input,omitempty"`
	// Matches are the same match objects "vigil screen" prints; [] when
	// none.
	Matches []vigil.Match `json:"matches,omitempty"`
	Error   string        `json:"error,omitempty"`
}

// goodLine is BatchLine for a screened row: matches always present.
type goodLine struct {
	Row     int               `json:"row"`
	ID      string            `json:"id,omitempty"`
	Input   map[string]string `json:"input"`
	Matches []vigil.Match     `json:"matches"`
}

// BatchSummary counts what Batch did.
type BatchSummary struct {
	Rows   int64 `json:"rows"`   // rows read, good and bad
	Hits   int64 `json:"hits"`   // rows with at least one match
	Errors int64 `json:"errors"` // bad rows, not screened
	// Elapsed is the wall time; Rate rows per second.
	Elapsed time.Duration `json:"elapsed"`
	Rate    float64       `json:"rate"`
}

func (s BatchSummary) String() string {
	return fmt.Sprintf("%d rows, %d with matches, %d bad rows, %s, %.0f rows/s",
		s.Rows, s.Hits, s.Errors, s.Elapsed.Round(time.Millisecond), s.Rate)
}

type batchJob struct {
	seq int
	rec batch.Record
}

type batchResult struct {
	seq  int
	row  int
	line []byte
	hit  bool
	err  error // the row's error, for bad rows
}

// Batch screens every record of rd on opt.Workers goroutines and writes one
// JSON line per record to w, in input order (see BatchLine). A bad row is
// written with its error and the rest is screened; an I/O error from rd or
// w, or ctx ending, stops the run and is returned with the summary so far.
//
// The reader, the workers and the writer are joined by bounded channels;
// the writer restores input order in a ring of opt.Window slots, and the
// reader waits for a free slot before handing out a row, so memory stays
// flat for any file size.
func Batch(ctx context.Context, ix Matcher, rd batch.Reader, w io.Writer, opt BatchOptions) (BatchSummary, error) {
	start := time.Now()
	if mi, ok := ix.(*match.Index); ok && !opt.NoMemo {
		ix = mi.Memo()
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	window := opt.Window
	if window <= 0 {
		window = 512 * workers
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	slots := make(chan struct{}, window) // one token per row in flight
	jobs := make(chan batchJob, 4*workers)
	results := make(chan batchResult, 4*workers)
	var readErr error

	// Reader.
	go func() {
		defer close(jobs)
		for seq := 0; ; seq++ {
			rec, err := rd.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				readErr = err
				cancel()
				return
			}
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- batchJob{seq, rec}:
			case <-ctx.Done():
				return
			}
		}
	}()

	// Workers.
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				r := screenRecord(ix, j, opt.Threshold)
				select {
				case results <- r:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(results) }()

	// Writer: reorder and write.
	bw := bufio.NewWriterSize(w, 256<<10)
	ring := make([]*batchResult, window)
	next := 0
	var sum BatchSummary
	var writeErr error
	for r := range results {
		if writeErr != nil {
			continue // drain
		}
		r := r
		ring[r.seq%window] = &r
		for {
			p := ring[next%window]
			if p == nil || p.seq != next {
				break
			}
			ring[next%window] = nil
			next++
			<-slots
			sum.Rows++
			if p.err != nil {
				sum.Errors++
				if opt.OnRowError != nil {
					opt.OnRowError(p.row, p.err)
				}
			} else if p.hit {
				sum.Hits++
			}
			if _, err := bw.Write(p.line); err != nil {
				writeErr = err
				cancel()
				break
			}
			if opt.Progress != nil && sum.Rows%1024 == 0 {
				opt.Progress(sum.Rows)
			}
		}
	}
	if writeErr == nil {
		writeErr = bw.Flush()
	}
	if opt.Progress != nil {
		opt.Progress(sum.Rows)
	}
	sum.Elapsed = time.Since(start)
	if s := sum.Elapsed.Seconds(); s > 0 {
		sum.Rate = float64(sum.Rows) / s
	}
	switch {
	case readErr != nil:
		return sum, fmt.Errorf("reading input after %d rows: %w", sum.Rows, readErr)
	case writeErr != nil:
		return sum, fmt.Errorf("writing output: %w", writeErr)
	}
	return sum, ctx.Err()
}

// screenRecord screens one record and encodes its output line.
func screenRecord(ix Matcher, j batchJob, threshold float64) batchResult {
	rec := j.rec
	r := batchResult{seq: j.seq, row: rec.Row}
	if rec.Err != nil {
		r.err = rec.Err
		msg := rec.Err.Error()
		var re *batch.RowError
		if errors.As(rec.Err, &re) {
			msg = re.Msg
		}
		r.line = appendBadLine(nil, rec.Row, rec.ID, msg)
		return r
	}
	q := rec.Query
	if q.Threshold <= 0 {
		q.Threshold = threshold
	}
	ms := ix.Screen(q)
	if ms == nil {
		ms = []vigil.Match{}
	}
	r.hit = len(ms) > 0
	in := rec.Input
	if in == nil {
		in = map[string]string{}
	}
	r.line = appendGoodLine(nil, &goodLine{Row: rec.Row, ID: rec.ID, Input: in, Matches: ms})
	return r
}

// appendGoodLine appends l's output line, the bytes a json.Encoder with
// HTML escaping off writes for it. The row, id and input are written here
// rather than through encoding/json: its reflection over the struct and
// the input map took about 15% of a batch's time, most rows having no
// match; the matches go through encoding/json. TestGoodLineAsEncodingJSON
// and FuzzGoodLine hold the two to the same bytes.
func appendGoodLine(b []byte, l *goodLine) []byte {
	b = appendRowID(b, l.Row, l.ID)
	b = append(b, `,"input":`...)
	if l.Input == nil {
		b = append(b, "null"...)
	} else {
		keys := make([]string, 0, len(l.Input))
		for k := range l.Input {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, l.Input[k])
		}
		b = append(b, '}')
	}
	b = append(b, `,"matches":`...)
	switch {
	case l.Matches == nil:
		b = append(b, "null"...)
	case len(l.Matches) == 0:
		b = append(b, "[]"...)
	default:
		buf := bytes.NewBuffer(b)
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(l.Matches); err != nil { // cannot happen for these types
			return appendBadLine(b[:0], l.Row, l.ID, "encoding output: "+err.Error())
		}
		b = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	return append(b, "}\n"...)
}

// appendBadLine appends the output line of a bad row.
func appendBadLine(b []byte, row int, id, msg string) []byte {
	b = appendRowID(b, row, id)
	b = append(b, `,"error":`...)
	b = appendJSONString(b, msg)
	return append(b, "}\n"...)
}

// appendRowID opens an output line with its row and id (left out when
// empty).
func appendRowID(b []byte, row int, id string) []byte {
	b = append(b, `{"row":`...)
	b = strconv.AppendInt(b, int64(row), 10)
	if id != "" {
		b = append(b, `,"id":`...)
		b = appendJSONString(b, id)
	}
	return b
}

// appendJSONString appends s as encoding/json writes a string with HTML
// escaping off: quotes, backslashes and control characters escaped,
// invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
