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
	// file size. Rows are read in chunks of up to 64, fewer when the
	// window is small.
	Window int
	// OnRowError, when set, is called in input order for each bad row.
	OnRowError func(row int, err error)
	// Progress, when set, is called with the number of rows written,
	// once per 1024 rows (as chunks are written) and at the end; calls
	// do not overlap.
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

// batchChunk is how many rows a worker reads and screens at a time: it
// takes the reader's lock, the window and the writer's lock once per chunk,
// not once per row.
const batchChunk = 64

// batchRun is the state Batch's workers share.
type batchRun struct {
	ctx        context.Context
	cancel     context.CancelFunc
	ix         Matcher
	rd         batch.Reader
	opt        BatchOptions
	chunk      int           // rows per chunk
	slots      chan struct{} // one token per chunk read and not yet written
	readMu     sync.Mutex
	seq        int // chunks read so far
	eof        bool
	readErr    error
	writeMu    sync.Mutex
	bw         *bufio.Writer
	ring       []*chunkOut // chunks screened and not yet written, by seq
	free       []*chunkOut // chunks written, for reuse
	next       int         // the next chunk to write
	sum        BatchSummary
	writeErr   error
	progressed int64 // sum.Rows at the last Progress call
}

// chunkOut is a screened chunk: its output lines, and per row its number,
// whether it has a match and, for a bad row, its error.
type chunkOut struct {
	seq  int
	out  []byte
	rows []rowOut
}

// rowOut is what the writer needs of one screened row besides its line:
// its number, whether it has a match, and its error when it is bad.
type rowOut struct {
	row int
	hit bool
	err error
}

// Batch screens every record of rd on opt.Workers goroutines and writes one
// JSON line per record to w, in input order (see BatchLine). A bad row is
// written with its error and the rest is screened; an I/O error from rd or
// w, or ctx ending, stops the run and is returned with the summary so far.
//
// Each worker in turn reads a chunk of rows (under the reader's lock),
// screens it, and hands it to the writer's ring, writing it and the chunks
// after it that are done once it is the next in input order. There is no
// goroutine between them to hand rows to: the work of reading and writing
// is shared out with the screening and no core waits on another. A worker
// waits for a free place in a window of opt.Window rows before it reads,
// so memory stays flat for any file size.
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
	r := &batchRun{ix: ix, rd: rd, opt: opt, bw: bufio.NewWriterSize(w, 256<<10)}
	r.ctx, r.cancel = context.WithCancel(ctx)
	defer r.cancel()
	// Rows in flight are at most the window: chunks of at most
	// batchChunk rows, as many chunks as fit.
	r.chunk = max(1, min(batchChunk, window/workers))
	chunks := max(1, window/r.chunk)
	r.slots = make(chan struct{}, chunks)
	r.ring = make([]*chunkOut, chunks)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.work()
		}()
	}
	wg.Wait()
	sum, writeErr := r.sum, r.writeErr
	if writeErr == nil {
		writeErr = r.bw.Flush()
	}
	if opt.Progress != nil {
		opt.Progress(sum.Rows)
	}
	sum.Elapsed = time.Since(start)
	if s := sum.Elapsed.Seconds(); s > 0 {
		sum.Rate = float64(sum.Rows) / s
	}
	switch {
	case r.readErr != nil:
		return sum, fmt.Errorf("reading input after %d rows: %w", sum.Rows, r.readErr)
	case writeErr != nil:
		return sum, fmt.Errorf("writing output: %w", writeErr)
	}
	return sum, ctx.Err()
}

// work is one worker's loop: read a chunk, screen it, hand it to the
// writer, until the input ends or the run stops.
func (r *batchRun) work() {
	var recs []batch.Record
	c := &chunkOut{}
	for {
		select {
		case r.slots <- struct{}{}:
		case <-r.ctx.Done():
			return
		}
		var seq int
		seq, recs = r.read(recs[:0])
		if len(recs) == 0 {
			<-r.slots
			return
		}
		c.seq, c.out, c.rows = seq, c.out[:0], slices.Grow(c.rows[:0], len(recs))[:len(recs)]
		for i := range recs {
			c.rows[i].row = recs[i].Row
			c.out, c.rows[i].hit, c.rows[i].err = screenRecord(c.out, r.ix, &recs[i], r.opt.Threshold)
			recs[i] = batch.Record{}
		}
		c = r.write(c)
	}
}

// read reads the next chunk into recs and returns its sequence number;
// no records at the end of the input or when the run has stopped.
func (r *batchRun) read(recs []batch.Record) (int, []batch.Record) {
	r.readMu.Lock()
	defer r.readMu.Unlock()
	for !r.eof && len(recs) < r.chunk && r.ctx.Err() == nil {
		rec, err := r.rd.Next()
		if err == io.EOF {
			r.eof = true
			break
		}
		if err != nil {
			r.readErr, r.eof = err, true
			r.cancel()
			return 0, recs[:0]
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 {
		return 0, recs
	}
	r.seq++
	return r.seq - 1, recs
}

// write places chunk c in the ring and writes, in input order, every chunk
// that is ready, freeing their places in the window. It returns a chunk
// written (or a new one) for the caller's next, so that their buffers are
// reused.
func (r *batchRun) write(c *chunkOut) *chunkOut {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	n := len(r.ring)
	r.ring[c.seq%n] = c
	for r.writeErr == nil && r.ctx.Err() == nil {
		p := r.ring[r.next%n]
		if p == nil || p.seq != r.next {
			break
		}
		r.ring[r.next%n] = nil
		r.next++
		<-r.slots
		for _, row := range p.rows {
			r.sum.Rows++
			if row.err != nil {
				r.sum.Errors++
				if r.opt.OnRowError != nil {
					r.opt.OnRowError(row.row, row.err)
				}
			} else if row.hit {
				r.sum.Hits++
			}
		}
		if _, err := r.bw.Write(p.out); err != nil {
			r.writeErr = err
			r.cancel()
			break
		}
		r.free = append(r.free, p)
		if r.opt.Progress != nil && r.sum.Rows/1024 != r.progressed/1024 {
			r.progressed = r.sum.Rows
			r.opt.Progress(r.sum.Rows)
		}
	}
	if k := len(r.free); k > 0 {
		p := r.free[k-1]
		r.free = r.free[:k-1]
		return p
	}
	return &chunkOut{}
}

// screenRecord screens one record, appends its output line to b, and
// reports whether it has a match, or its error when it is a bad row.
func screenRecord(b []byte, ix Matcher, rec *batch.Record, threshold float64) ([]byte, bool, error) {
	if rec.Err != nil {
		msg := rec.Err.Error()
		var re *batch.RowError
		if errors.As(rec.Err, &re) {
			msg = re.Msg
		}
		return appendBadLine(b, rec.Row, rec.ID, msg), false, rec.Err
	}
	q := rec.Query
	if q.Threshold <= 0 {
		q.Threshold = threshold
	}
	ms := ix.Screen(q)
	if ms == nil {
		ms = []vigil.Match{}
	}
	in := rec.Input
	if in == nil {
		in = map[string]string{}
	}
	return appendGoodLine(b, &goodLine{Row: rec.Row, ID: rec.ID, Input: in, Matches: ms}), len(ms) > 0, nil
}

// appendGoodLine appends l's output line, the bytes a json.Encoder with
// HTML escaping off writes for it. The row, id and input are written here
// rather than through encoding/json: its reflection over the struct and
// the input map took about 15% of a batch's time, most rows having no
// match; the matches go through encoding/json. TestGoodLineAsEncodingJSON
// and FuzzGoodLine hold the two to the same bytes.
func appendGoodLine(b []byte, l *goodLine) []byte {
	start := len(b)
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
			return appendBadLine(b[:start], l.Row, l.ID, "encoding output: "+err.Error())
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
