package screen

import (
	"bufio"
	"bytes"
	"cmp"
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
	// Window caps the rows read but not yet written; <= 0 means 131,072.
	// Memory use is bounded by it whatever the file size. Rows are read in
	// two blocks of Window/2, each screened in an order that puts names
	// sharing words together (see rowBlock) and written in input order.
	Window int
	// OnRowError, when set, is called in input order for each bad row.
	OnRowError func(row int, err error)
	// OnRowProblems, when set, is called in input order for each row
	// screened without some of its values (see batch.Record.Problems).
	OnRowProblems func(row int, problems []string)
	// Progress, when set, is called with the number of rows written,
	// once per 1024 rows (in bursts, as blocks are written) and at the
	// end; calls do not overlap.
	Progress func(rows int64)
	// NoMemo screens every row in full. Otherwise, when the matcher is
	// a *match.Index, rows are screened through its Memo, which does the
	// work that depends on the name alone once per name: the output is
	// the same.
	NoMemo bool
	// All screens each row for every match at or above the threshold
	// (match.Index.ScreenAll, or the memo's): no limit, and what a row
	// finds of one entity does not depend on the other entities indexed.
	// The matcher must then have a ScreenAll method.
	All bool
}

// BatchLine is one output line of Batch: a screened row, or a bad row
// with Error set and no matches.
type BatchLine struct {
	Row   int               `json:"row"`
	ID    string            `json:"id,omitempty"`
	Input map[string]string `json:"input,omitempty"`
	// Problems name the row's values that screening could not use: the
	// row was screened without them (its matches may miss a listing that
	// they would have found), and needs a look.
	Problems []string `json:"problems,omitempty"`
	// Matches are the same match objects "vigil screen" prints; [] when
	// none.
	Matches []vigil.Match `json:"matches,omitempty"`
	Error   string        `json:"error,omitempty"`
}

// BatchSummary counts what Batch did.
type BatchSummary struct {
	Rows int64 `json:"rows"` // rows read, good and bad
	Hits int64 `json:"hits"` // rows with at least one match
	// Problems counts the rows screened without some of their values.
	Problems int64 `json:"problems"`
	Errors   int64 `json:"errors"` // bad rows, not screened
	// Elapsed is the wall time; Rate rows per second.
	Elapsed time.Duration `json:"elapsed"`
	Rate    float64       `json:"rate"`
}

func (s BatchSummary) String() string {
	return fmt.Sprintf("%d rows, %d with matches, %d screened with problems, %d bad rows, %s, %.0f rows/s",
		s.Rows, s.Hits, s.Problems, s.Errors, s.Elapsed.Round(time.Millisecond), s.Rate)
}

// batchChunk is how many rows a worker takes and screens at a time: it
// takes the block's lock and the writer's lock once per chunk, not once
// per row.
const batchChunk = 64

// defaultWindow is BatchOptions.Window's default: two blocks of 65,536
// rows. Blocks of 32,768 gained about half as much (see rowBlock).
const defaultWindow = 1 << 17

// batchRun is the state Batch's goroutines share.
type batchRun struct {
	ctx    context.Context
	cancel context.CancelFunc
	ix     Matcher
	rd     batch.Reader
	opt    BatchOptions
	block  int           // rows per block
	chunk  int           // rows per chunk
	slots  chan struct{} // one token per block read and not yet written
	// readErr is the input's I/O error, which ends it.
	readErr error
	// takeMu guards what follows it; cond is signalled when a block is
	// read and when the window gains room.
	takeMu  sync.Mutex
	cond    *sync.Cond
	cur     *rowBlock // the block the workers take chunks of
	ahead   *rowBlock // the next block, read
	reading bool      // a worker is reading the next block
	eof     bool      // the input has ended
	seq     int       // blocks read
	writeMu sync.Mutex
	bw      *bufio.Writer
	ring    []*rowBlock // blocks screened and not yet written, by seq
	next    int         // the next block to write
	freeC   []*chunkOut // chunks written, for reuse
	freeB   []*rowBlock // blocks written, for reuse
	sum     BatchSummary
	// writeErr is the first error writing; progressed is sum.Rows at
	// the last Progress call.
	writeErr   error
	progressed int64
	// each, when set (BatchEach), receives each block's rows and their
	// matches instead of output lines being written.
	each func(rows []BatchRow) error
	rows []BatchRow // each's buffer
}

// rowBlock is a block of rows read together and screened in an order of
// their own: rows whose names share their last and first words side by
// side (see nameKey). Rows sharing name parts read the same listed forms,
// postings and near-part tables, so screening them one after another
// finds those in the cache. On a file of distinct names, one worker ran
// ~1.15× as many rows per second (the README's Figures has the
// measures). The lines are written in input order once the whole block is
// screened.
type rowBlock struct {
	seq  int
	recs []batch.Record
	// order is the screening order: each record's key and index.
	order []blockKey
	// head holds each record's line up to its matches, rendered as it
	// is read (while the record is in the cache), or its whole line when
	// it is bad; record i's is head[headEnd[i-1]:headEnd[i]].
	head    []byte
	headEnd []int32
	// problems holds the problems of the records that have some, by
	// index; nil while none has.
	problems map[int32][]string
	taken    int      // records of order handed out (under takeMu)
	done     int      // records screened (under writeMu)
	res      []rowOut // per record, its result
	// chunks hold the block's output lines.
	chunks []*chunkOut
	// kept holds the records whole, for BatchEach (recs are cleared as
	// they are screened).
	kept []batch.Record
}

// blockKey is a record's place in its block's screening order: its
// nameKey, then its index.
type blockKey struct {
	last, first, hash uint64
	i                 int32
}

// chunkOut holds the output lines of one chunk of rows.
type chunkOut struct {
	out []byte
}

// rowOut is what the writer needs of one screened row: its number,
// whether it has a match, its error when it is bad, and where its line is.
type rowOut struct {
	row    int
	hit    bool
	err    error
	c      *chunkOut
	lo, hi int32
	ms     []vigil.Match // the matches, for BatchEach
}

// Batch screens every record of rd on opt.Workers goroutines and writes one
// JSON line per record to w, in input order (see BatchLine). A bad row is
// written with its error and the rest is screened; an I/O error from w,
// or ctx ending, stops the run and is returned with the summary so far; an
// I/O error from rd is returned once the rows read before it are written.
//
// The input is read in blocks of opt.Window/2 rows, each ordered for
// screening (see rowBlock), by whichever worker finds the next block
// unread (see take). The workers take chunks of the block in that order,
// screen them, and hand them back; the worker finishing a block writes
// it, and the blocks after it that are done, in input order. At most two
// blocks are read and not yet written, so memory stays flat for any file
// size.
func Batch(ctx context.Context, ix Matcher, rd batch.Reader, w io.Writer, opt BatchOptions) (BatchSummary, error) {
	return runPipeline(ctx, ix, rd, w, nil, opt)
}

// BatchRow is one row of BatchEach: the record as read and, for a good
// row, its matches (nil when none).
type BatchRow struct {
	Record  batch.Record
	Matches []vigil.Match
}

// BatchEach screens every record of rd as Batch does, on the same
// pipeline, but hands each block of rows, in input order, to fn instead of
// writing output lines: fn runs once per block (up to opt.Window/2 rows),
// one call at a time, and may keep nothing of rows after it returns. An
// error from fn stops the run and is returned, as a write error is by
// Batch. Progress counts the rows fn has been given.
func BatchEach(ctx context.Context, ix Matcher, rd batch.Reader, opt BatchOptions, fn func(rows []BatchRow) error) (BatchSummary, error) {
	if fn == nil {
		return BatchSummary{}, errors.New("screen: BatchEach needs a function")
	}
	return runPipeline(ctx, ix, rd, io.Discard, fn, opt)
}

// runPipeline is Batch, or BatchEach when each is set.
func runPipeline(ctx context.Context, ix Matcher, rd batch.Reader, w io.Writer, each func([]BatchRow) error, opt BatchOptions) (BatchSummary, error) {
	start := time.Now()
	if mi, ok := ix.(*match.Index); ok && !opt.NoMemo {
		ix = mi.Memo()
	}
	if opt.All {
		a, ok := ix.(allMatcher)
		if !ok {
			return BatchSummary{}, fmt.Errorf("screen: the matcher %T cannot screen for every match", ix)
		}
		ix = allScreen{a}
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	window := opt.Window
	if window <= 0 {
		window = defaultWindow
	}
	r := &batchRun{ix: ix, rd: rd, opt: opt, bw: bufio.NewWriterSize(w, 256<<10), each: each}
	r.ctx, r.cancel = context.WithCancel(ctx)
	defer r.cancel()
	// Rows in flight are at most the window: two blocks, or blocks of
	// one row when the window is smaller.
	r.block = max(1, window/2)
	blocks := max(1, window/r.block)
	r.chunk = max(1, min(batchChunk, r.block/workers))
	r.slots = make(chan struct{}, blocks)
	r.ring = make([]*rowBlock, blocks)
	r.cond = sync.NewCond(&r.takeMu)
	// Workers waiting in take wake when the run stops.
	defer context.AfterFunc(r.ctx, func() {
		r.takeMu.Lock()
		r.cond.Broadcast()
		r.takeMu.Unlock()
	})()
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
	case writeErr != nil && each != nil:
		return sum, writeErr
	case writeErr != nil:
		return sum, fmt.Errorf("writing output: %w", writeErr)
	case ctx.Err() != nil:
		return sum, ctx.Err()
	case r.readErr != nil:
		return sum, fmt.Errorf("reading input after %d rows: %w", sum.Rows, r.readErr)
	}
	return sum, nil
}

// readBlock reads and orders the next block; nil at the end of the input.
// eof reports that the input has ended (or failed, r.readErr set) with
// it. One worker at a time reads, outside takeMu.
func (r *batchRun) readBlock(seq int) (b *rowBlock, eof bool) {
	b = r.newBlock(seq)
	for len(b.recs) < r.block {
		if len(b.recs)%4096 == 4095 && r.ctx.Err() != nil {
			return nil, true
		}
		rec, err := r.rd.Next()
		if err != nil {
			if err != io.EOF {
				r.readErr = err
			}
			eof = true
			break
		}
		if r.each != nil {
			b.keep(rec)
		} else {
			b.add(rec)
		}
	}
	if len(b.recs) == 0 {
		return nil, true
	}
	b.sort()
	return b, eof
}

// newBlock returns an empty block numbered seq, in the buffers of a
// written one. The block itself is new: a worker may still hold the
// written one as r.cur.
func (r *batchRun) newBlock(seq int) *rowBlock {
	r.writeMu.Lock()
	var old rowBlock
	if k := len(r.freeB); k > 0 {
		old = *r.freeB[k-1]
		r.freeB = r.freeB[:k-1]
	}
	r.writeMu.Unlock()
	return &rowBlock{seq: seq, recs: old.recs[:0], order: old.order[:0], res: old.res[:0], chunks: old.chunks[:0],
		head: old.head[:0], headEnd: old.headEnd[:0], kept: old.kept[:0]}
}

// add appends rec to b, with its line's head (its whole line when it is
// bad); the record keeps only what screening reads. A good record's query
// is checked first (match.CheckQuery): a value the matcher cannot use is
// left out and named in the line's problems, and a name with nothing to
// screen makes the row bad.
func (b *rowBlock) add(rec batch.Record) {
	problems := checkRecord(&rec)
	if rec.Err != nil {
		msg := rec.Err.Error()
		var re *batch.RowError
		if errors.As(rec.Err, &re) {
			msg = re.Msg
		}
		b.head = appendBadLine(b.head, rec.Row, rec.ID, msg)
	} else {
		in := rec.Input
		if in == nil {
			in = map[string]string{} // "input":{}, never null
		}
		b.head = appendLineHead(b.head, rec.Row, rec.ID, in, problems)
		if problems != nil {
			if b.problems == nil {
				b.problems = map[int32][]string{}
			}
			b.problems[int32(len(b.recs))] = problems
		}
	}
	b.headEnd = append(b.headEnd, int32(len(b.head)))
	b.recs = append(b.recs, batch.Record{Row: rec.Row, Query: rec.Query, Err: rec.Err})
}

// checkRecord checks a good record's query (match.CheckQuery): a value the
// matcher cannot use is left out of rec's query and named in the problems
// returned, and a name with nothing to screen makes the record bad.
func checkRecord(rec *batch.Record) (problems []string) {
	if rec.Err != nil {
		return nil
	}
	var ps []vigil.QueryProblem
	rec.Query, ps = match.CheckQuery(rec.Query)
	for _, p := range ps {
		if p.Field == "name" {
			rec.Err = &batch.RowError{Row: rec.Row, Msg: p.String()}
			return nil
		}
		problems = append(problems, p.String()+"; screened without it")
	}
	return problems
}

// keep appends rec to b whole, for BatchEach: no output line is rendered,
// but its query is checked as add checks it, so that BatchEach screens
// what Batch screens.
func (b *rowBlock) keep(rec batch.Record) {
	if problems := checkRecord(&rec); problems != nil {
		if b.problems == nil {
			b.problems = map[int32][]string{}
		}
		b.problems[int32(len(b.recs))] = problems
	}
	b.recs = append(b.recs, rec)
	b.kept = append(b.kept, rec)
}

// sort sets b's screening order: by each record's nameKey, then in input
// order.
func (b *rowBlock) sort() {
	for i := range b.recs {
		k := nameKey(b.recs[i].Query.Name)
		k.i = int32(i)
		b.order = append(b.order, k)
	}
	b.res = slices.Grow(b.res[:0], len(b.recs))[:len(b.recs)]
	slices.SortFunc(b.order, func(x, y blockKey) int {
		switch {
		case x.last != y.last:
			return cmp.Compare(x.last, y.last)
		case x.first != y.first:
			return cmp.Compare(x.first, y.first)
		case x.hash != y.hash:
			return cmp.Compare(x.hash, y.hash)
		}
		return cmp.Compare(x.i, y.i)
	})
	b.res = slices.Grow(b.res[:0], len(b.recs))[:len(b.recs)]
}

// nameKey returns name's sort key: its last word, then its first word,
// each by its first 8 bytes and then a hash of the whole word, ASCII
// letters folded to lower case. A word is a run of ASCII letters and
// digits and non-ASCII bytes. Names sharing both words share the key, and
// words sharing a beginning sort near one another ("ivanov", "ivanova").
// (FNV-1a by hand: hash/fnv would allocate a hasher per name for two
// small sums.)
func nameKey(name string) (k blockKey) {
	const (
		offset = 2166136261
		prime  = 16777619
	)
	var pre uint64
	var h, firstH, lastH uint32 = offset, 0, 0
	n, firstDone := 0, false
	for i := 0; i <= len(name); i++ {
		var c byte
		if i < len(name) {
			c = name[i]
		}
		if c >= 0x80 || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			h = (h ^ uint32(c)) * prime
			if n < 8 {
				pre |= uint64(c) << (56 - 8*n)
			}
			n++
			continue
		}
		if n == 0 {
			continue
		}
		if !firstDone {
			k.first, firstH, firstDone = pre, h, true
		}
		k.last, lastH = pre, h
		pre, h, n = 0, offset, 0
	}
	k.hash = uint64(lastH)<<32 | uint64(firstH)
	return k
}

// work is one worker's loop: take a chunk, screen it, hand it back, until
// the input ends or the run stops.
func (r *batchRun) work() {
	c := &chunkOut{}
	for {
		b, order := r.take()
		if b == nil {
			return
		}
		for _, k := range order {
			rec := &b.recs[k.i]
			res := rowOut{row: rec.Row, err: rec.Err, c: c, lo: int32(len(c.out))}
			switch {
			case rec.Err != nil:
			case r.each != nil:
				res.ms = screenQuery(r.ix, &rec.Query, r.opt.Threshold)
				res.hit = len(res.ms) > 0
			default:
				c.out, res.hit = screenTail(c.out, r.ix, &rec.Query, r.opt.Threshold)
			}
			res.hi = int32(len(c.out))
			b.res[k.i] = res
			*rec = batch.Record{}
		}
		c = r.finish(b, len(order), c)
	}
}

// take hands out the next chunk of the current block, moving on to the
// next block when it is all taken; no block at the end of the input or
// when the run has stopped. While the next block is not yet read and the
// window has room, the caller reads it first, the other workers screening
// on meanwhile: there is no reading goroutine, which would move the
// workers between threads and cores, away from the caches their scratch
// space is in (that cost more than the block's order gains).
func (r *batchRun) take() (*rowBlock, []blockKey) {
	r.takeMu.Lock()
	defer r.takeMu.Unlock()
	for r.ctx.Err() == nil {
		if r.ahead == nil && !r.reading && !r.eof {
			select {
			case r.slots <- struct{}{}:
				seq := r.seq
				r.seq++
				r.reading = true
				r.takeMu.Unlock()
				b, eof := r.readBlock(seq)
				r.takeMu.Lock()
				r.reading, r.ahead, r.eof = false, b, eof
				if b == nil {
					<-r.slots
				}
				r.cond.Broadcast()
				continue
			default:
			}
		}
		if b := r.cur; b != nil && b.taken < len(b.order) {
			n := min(r.chunk, len(b.order)-b.taken)
			order := b.order[b.taken : b.taken+n]
			b.taken += n
			return b, order
		}
		if r.ahead != nil {
			r.cur, r.ahead = r.ahead, nil
			continue
		}
		if r.eof && !r.reading {
			return nil, nil
		}
		// Wait for the block being read, or for room in the window.
		r.cond.Wait()
	}
	return nil, nil
}

// finish records that n rows of block b were screened into chunk c; when
// that completes b, it writes, in input order, every block that is ready,
// freeing their places in the window. It returns a chunk written (or a new
// one) for the caller's next, so that buffers are reused.
func (r *batchRun) finish(b *rowBlock, n int, c *chunkOut) *chunkOut {
	r.writeMu.Lock()
	defer r.writeMu.Unlock()
	b.chunks = append(b.chunks, c)
	b.done += n
	if b.done == len(b.recs) {
		r.ring[b.seq%len(r.ring)] = b
		r.flush()
	}
	if k := len(r.freeC); k > 0 {
		c = r.freeC[k-1]
		r.freeC = r.freeC[:k-1]
		c.out = c.out[:0]
		return c
	}
	return &chunkOut{}
}

// flush writes the blocks that are ready, in input order; the caller holds
// writeMu.
func (r *batchRun) flush() {
	n := len(r.ring)
	for r.writeErr == nil && r.ctx.Err() == nil {
		b := r.ring[r.next%n]
		if b == nil || b.seq != r.next {
			return
		}
		if r.each != nil {
			// The block goes to each before its rows are counted, so
			// that Progress never runs ahead of what each took.
			r.rows = r.rows[:0]
			for i, row := range b.res {
				r.rows = append(r.rows, BatchRow{Record: b.kept[i], Matches: row.ms})
			}
			if err := r.each(r.rows); err != nil {
				r.writeErr = err
				r.cancel()
				return
			}
			clear(r.rows)
			clear(b.kept)
		}
		for i, row := range b.res {
			r.sum.Rows++
			if row.err != nil {
				r.sum.Errors++
				if r.opt.OnRowError != nil {
					r.opt.OnRowError(row.row, row.err)
				}
			} else {
				if row.hit {
					r.sum.Hits++
				}
				if ps := b.problems[int32(i)]; ps != nil {
					r.sum.Problems++
					if r.opt.OnRowProblems != nil {
						r.opt.OnRowProblems(row.row, ps)
					}
				}
			}
			var err error
			if r.each == nil {
				lo := int32(0)
				if i > 0 {
					lo = b.headEnd[i-1]
				}
				_, err = r.bw.Write(b.head[lo:b.headEnd[i]])
				if err == nil {
					_, err = r.bw.Write(row.c.out[row.lo:row.hi])
				}
			}
			if err != nil {
				r.writeErr = err
				r.cancel()
				return
			}
			if r.sum.Rows/1024 != r.progressed/1024 && r.opt.Progress != nil {
				r.progressed = r.sum.Rows
				r.opt.Progress(r.sum.Rows)
				if r.ctx.Err() != nil {
					return
				}
			}
		}
		clear(b.res)
		b.problems = nil
		r.freeC = append(r.freeC, b.chunks...)
		clear(b.chunks)
		r.freeB = append(r.freeB, b)
		r.ring[r.next%n] = nil
		r.next++
		r.takeMu.Lock()
		<-r.slots
		r.cond.Broadcast()
		r.takeMu.Unlock()
	}
}

// allMatcher is a Matcher that can also screen for every match.
type allMatcher interface {
	Matcher
	ScreenAll(q vigil.Query) []vigil.Match
}

// allScreen is a Matcher whose Screen is its ScreenAll.
type allScreen struct{ allMatcher }

func (a allScreen) Screen(q vigil.Query) []vigil.Match { return a.ScreenAll(q) }

// screenQuery screens q with the run's threshold when q sets none.
func screenQuery(ix Matcher, q *vigil.Query, threshold float64) []vigil.Match {
	qq := *q
	if qq.Threshold <= 0 {
		qq.Threshold = threshold
	}
	return ix.Screen(qq)
}

// screenTail screens q and appends the rest of its output line after the
// head appendLineHead wrote: its matches and the line's end. It reports
// whether there is a match.
func screenTail(b []byte, ix Matcher, q *vigil.Query, threshold float64) ([]byte, bool) {
	ms := screenQuery(ix, q, threshold)
	if ms == nil {
		ms = []vigil.Match{}
	}
	return appendLineTail(b, ms), len(ms) > 0
}

// appendLineHead appends a good row's output line up to its matches, and
// appendLineTail the rest: together, the bytes a json.Encoder with HTML
// escaping off writes for the row's line. The row, id, input and problems
// are written here rather than through encoding/json: its reflection over
// the struct and the input map took about 15% of a batch's time, most rows
// having no match; the matches go through encoding/json.
// TestGoodLineAsEncodingJSON and FuzzGoodLine hold the two to the same
// bytes.
func appendLineHead(b []byte, row int, id string, input map[string]string, problems []string) []byte {
	b = appendRowID(b, row, id)
	b = append(b, `,"input":`...)
	if input == nil {
		b = append(b, `null`...)
		return appendProblems(b, problems)
	}
	var arr [16]string
	keys := arr[:0]
	for k := range input {
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
		b = appendJSONString(b, input[k])
	}
	b = append(b, '}')
	return appendProblems(b, problems)
}

// appendProblems ends a line's head: its problems, when it has some, and
// the matches' key.
func appendProblems(b []byte, problems []string) []byte {
	if len(problems) > 0 {
		b = append(b, `,"problems":[`...)
		for i, p := range problems {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, p)
		}
		b = append(b, ']')
	}
	return append(b, `,"matches":`...)
}

// appendLineTail appends a good row's matches and ends its line.
func appendLineTail(b []byte, ms []vigil.Match) []byte {
	switch {
	case ms == nil:
		b = append(b, "null"...)
	case len(ms) == 0:
		b = append(b, "[]"...)
	default:
		start := len(b)
		buf := bytes.NewBuffer(b)
		enc := json.NewEncoder(buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(ms); err != nil { // cannot happen for these types
			b = append(b[:start], `[],"error":`...)
			b = appendJSONString(b, "encoding output: "+err.Error())
			break
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
