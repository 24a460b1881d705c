// Package unpack opens the archives that list and customer files come in —
// zip (XLSX workbooks, OFAC's zipped XML) and gzip (the US CSL) — as
// untrusted input. Before anything is parsed, a zip is checked whole: its
// directory is bounded, every member's CRC-32 and size are verified by
// reading it through, member names must agree between the local headers and
// the central directory and must not repeat, and sizes, compression ratios
// and (for XML members) token lengths are bounded. A gzip stream is bounded
// as it is read and its CRC-32 is checked at its end. A damaged or hostile
// archive is refused with an *Error naming the member, never read in part.
//
// It is standard library only; the limits are the caller's (see Limits).
package unpack

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Errors an *Error wraps, for errors.Is.
var (
	// ErrDamaged: a checksum, size or structure does not match; the
	// archive was damaged in transit or on disk.
	ErrDamaged = errors.New("the archive is damaged")
	// ErrTooLarge: a size limit was passed.
	ErrTooLarge = errors.New("too large")
	// ErrRatio: a member expands far more than real data does (a zip bomb).
	ErrRatio = errors.New("compression ratio too high")
	// ErrToken: an XML member holds a token (text run, tag, comment) longer
	// than Limits.MaxToken.
	ErrToken = errors.New("XML token too long")
)

// Error is a refused archive: Member names the member ("" for the archive
// as a whole).
type Error struct {
	Member string
	Err    error
}

func (e *Error) Error() string {
	if e.Member == "" {
		return e.Err.Error()
	}
	return fmt.Sprintf("zip member %s: %v", e.Member, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Limits bound what an archive may hold. A zero field is no limit, except
// MaxDirectory (zero: DefaultMaxDirectory).
type Limits struct {
	// MaxArchive bounds the compressed archive ReadAll reads into memory.
	MaxArchive int64
	// MaxTotal bounds the uncompressed size of all members together (for
	// gzip: of the stream).
	MaxTotal int64
	// Member returns the most one member may expand to, by name; nil: no
	// per-member limit beyond MaxTotal.
	Member func(name string) int64
	// MaxRatio bounds a member's uncompressed size over its compressed
	// size once it expands past RatioFloor bytes.
	MaxRatio   float64
	RatioFloor int64
	// MaxToken bounds every token of the members whose name ends in .xml
	// or .rels: a text run, a tag with its attributes, a comment, a CDATA
	// section, a directive. 0: not checked.
	MaxToken int
	// MaxDirectory bounds the zip's central directory, which archive/zip
	// holds in memory as one *zip.File per entry (0: DefaultMaxDirectory).
	MaxDirectory int64
}

// DefaultMaxDirectory bounds a zip's central directory: 1 MiB holds over
// 20,000 entries, where a workbook has a few dozen and OFAC's zip one.
const DefaultMaxDirectory = 1 << 20

// ReadAll reads r into memory, refusing more than max bytes (0: no limit).
func ReadAll(r io.Reader, max int64) ([]byte, error) {
	if max <= 0 {
		return io.ReadAll(r)
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, &Error{Err: fmt.Errorf("archive larger than %d bytes: %w", max, ErrTooLarge)}
	}
	return data, nil
}

// Zip opens the zip archive data after checking all of it (see the package
// comment): once it returns without error, every member reads back exactly
// the bytes that were archived, within lim.
func Zip(data []byte, lim Limits) (*zip.Reader, error) {
	maxDir := lim.MaxDirectory
	if maxDir <= 0 {
		maxDir = DefaultMaxDirectory
	}
	// archive/zip reads the directory end (at most 66 KiB from the end of
	// the file) and then every directory entry it finds, up to the first
	// that does not parse, whatever count the directory end states: bound
	// those reads, since each entry costs a *zip.File.
	ra := &boundedAt{r: bytes.NewReader(data), left: maxDir + 128<<10}
	zr, err := zip.NewReader(ra, int64(len(data)))
	if err != nil {
		if errors.Is(err, ErrTooLarge) {
			return nil, &Error{Err: fmt.Errorf("zip directory larger than %d bytes: %w", maxDir, ErrTooLarge)}
		}
		return nil, &Error{Err: fmt.Errorf("not a readable zip archive (%v): %w", err, ErrDamaged)}
	}
	ra.left = -1
	if len(zr.File) == 0 {
		return nil, &Error{Err: fmt.Errorf("zip archive holds no member: %w", ErrDamaged)}
	}
	if err := checkDirectory(data, zr, lim); err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		if err := verify(f, lim); err != nil {
			return nil, &Error{Member: f.Name, Err: err}
		}
	}
	return zr, nil
}

// checkDirectory checks what the directory declares, before any member is
// inflated: names, flags and sizes.
func checkDirectory(data []byte, zr *zip.Reader, lim Limits) error {
	seen := make(map[string]bool, len(zr.File))
	var total uint64
	for _, f := range zr.File {
		// Readers look members up by name, excelize without regard to case
		// or slash direction: a repeated name is ambiguous.
		key := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		if seen[key] {
			return &Error{Member: f.Name, Err: fmt.Errorf("the name is used by two members: %w", ErrDamaged)}
		}
		seen[key] = true
		if f.Flags&0x1 != 0 {
			return &Error{Member: f.Name, Err: errors.New("the member is encrypted")}
		}
		local, err := localName(data, f)
		if err != nil {
			return &Error{Member: f.Name, Err: err}
		}
		// archive/zip reads names from the central directory only; a name
		// damaged there would make a reader miss the member (and read, say,
		// shared-string indexes instead of the strings).
		if local != f.Name {
			return &Error{Member: f.Name, Err: fmt.Errorf("the local header names it %q: %w", local, ErrDamaged)}
		}
		if f.CRC32 == 0 && f.UncompressedSize64 != 0 {
			// archive/zip skips the check when the CRC is 0.
			return &Error{Member: f.Name, Err: fmt.Errorf("no CRC-32 recorded: %w", ErrDamaged)}
		}
		size := f.UncompressedSize64
		if max := lim.memberMax(f.Name); max > 0 && size > uint64(max) {
			return &Error{Member: f.Name, Err: fmt.Errorf("expands to %d bytes, more than the %d allowed: %w", size, max, ErrTooLarge)}
		}
		if lim.MaxRatio > 0 && size > uint64(lim.RatioFloor) && float64(size) > lim.MaxRatio*float64(f.CompressedSize64) {
			return &Error{Member: f.Name, Err: fmt.Errorf("%d bytes expand to %d (more than %.0f:1): %w", f.CompressedSize64, size, lim.MaxRatio, ErrRatio)}
		}
		total += size
		if lim.MaxTotal > 0 && total > uint64(lim.MaxTotal) {
			return &Error{Err: fmt.Errorf("members expand to more than %d bytes: %w", lim.MaxTotal, ErrTooLarge)}
		}
	}
	return nil
}

func (lim Limits) memberMax(name string) int64 {
	if lim.Member == nil {
		return 0
	}
	return lim.Member(name)
}

// localName returns the name in f's local file header. archive/zip knows
// where f's data starts, not where its header does (the header's extra field
// is of unknown length), so the header is found by its signature and checked
// to end where the data starts.
func localName(data []byte, f *zip.File) (string, error) {
	off, err := f.DataOffset()
	if err != nil || off > int64(len(data)) {
		return "", fmt.Errorf("no local header: %w", ErrDamaged)
	}
	const hdr = 30
	for h := off - hdr; h >= 0 && h >= off-hdr-2*0xffff; h-- {
		if string(data[h:h+4]) != "PK\x03\x04" {
			continue
		}
		n := int64(binary.LittleEndian.Uint16(data[h+26:]))
		e := int64(binary.LittleEndian.Uint16(data[h+28:]))
		if h+hdr+n+e == off {
			return string(data[h+hdr : h+hdr+n]), nil
		}
	}
	return "", fmt.Errorf("no local header: %w", ErrDamaged)
}

// verify reads member f through: archive/zip checks the size read against
// the directory and the CRC-32 at the end; XML members are scanned for
// oversized tokens on the way.
func verify(f *zip.File, lim Limits) error {
	rc, err := f.Open()
	if err != nil {
		if errors.Is(err, zip.ErrAlgorithm) {
			return fmt.Errorf("unknown compression method %d: %w", f.Method, ErrDamaged)
		}
		return fmt.Errorf("%v: %w", err, ErrDamaged)
	}
	defer rc.Close()
	var dst io.Writer = io.Discard
	if lim.MaxToken > 0 && isXML(f.Name) {
		dst = &TokenScanner{Max: lim.MaxToken}
	}
	_, err = io.Copy(dst, rc)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrToken):
		return err
	case errors.Is(err, zip.ErrChecksum):
		return fmt.Errorf("CRC-32 mismatch: %w", ErrDamaged)
	case errors.Is(err, zip.ErrFormat), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("its size differs from the directory's %d bytes: %w", f.UncompressedSize64, ErrDamaged)
	}
	var ce flate.CorruptInputError
	if errors.As(err, &ce) {
		return fmt.Errorf("corrupt compressed data: %w", ErrDamaged)
	}
	return fmt.Errorf("%v: %w", err, ErrDamaged)
}

func isXML(name string) bool {
	n := strings.ToLower(name)
	return strings.HasSuffix(n, ".xml") || strings.HasSuffix(n, ".rels")
}

// boundedAt fails reads once left bytes have been read (left < 0: no bound).
type boundedAt struct {
	r    io.ReaderAt
	left int64
}

func (b *boundedAt) ReadAt(p []byte, off int64) (int, error) {
	if b.left >= 0 {
		if int64(len(p)) > b.left {
			return 0, ErrTooLarge
		}
		b.left -= int64(len(p))
	}
	return b.r.ReadAt(p, off)
}

// Gzip returns a reader of the gzip stream r that fails, rather than read
// on, once the stream expands past lim.MaxTotal or past lim.MaxRatio times
// the compressed bytes consumed (beyond lim.RatioFloor). compress/gzip
// checks each member's CRC-32 and size at its end: the reader's last Read
// reports a damaged stream, so read to io.EOF before trusting what was read.
func Gzip(r io.Reader, lim Limits) (io.ReadCloser, error) {
	in := &countReader{r: r}
	zr, err := gzip.NewReader(in)
	if err != nil {
		return nil, &Error{Err: fmt.Errorf("gzip header: %v: %w", err, ErrDamaged)}
	}
	return &gzReader{zr: zr, in: in, lim: lim}, nil
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

type gzReader struct {
	zr  *gzip.Reader
	in  *countReader
	out int64
	lim Limits
	err error
}

func (g *gzReader) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.zr.Read(p)
	g.out += int64(n)
	switch {
	case g.lim.MaxTotal > 0 && g.out > g.lim.MaxTotal:
		g.err = &Error{Err: fmt.Errorf("gzip stream expands to more than %d bytes: %w", g.lim.MaxTotal, ErrTooLarge)}
	case g.lim.MaxRatio > 0 && g.out > g.lim.RatioFloor && float64(g.out) > g.lim.MaxRatio*float64(g.in.n):
		g.err = &Error{Err: fmt.Errorf("gzip stream: %d bytes expand to more than %d (more than %.0f:1): %w", g.in.n, g.out, g.lim.MaxRatio, ErrRatio)}
	case err != nil && err != io.EOF:
		g.err = &Error{Err: gzipError(err)}
	}
	if g.err != nil {
		return 0, g.err
	}
	return n, err
}

func gzipError(err error) error {
	switch {
	case errors.Is(err, gzip.ErrChecksum):
		return fmt.Errorf("gzip stream: CRC-32 or size mismatch: %w", ErrDamaged)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("gzip stream ends early (truncated): %w", ErrDamaged)
	}
	return fmt.Errorf("gzip stream: %v: %w", err, ErrDamaged)
}

func (g *gzReader) Close() error { return g.zr.Close() }
