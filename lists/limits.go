package lists

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"unsafe"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/unpack"
	"github.com/vigil-screening/vigil/xlsx"
)

// Limits on what one list file may hold, so that a damaged or hostile file
// is refused early instead of exhausting memory or disk (peak RSS stays under
// 1 GB for any single file). Each is far above any real list: the largest
// real figures (the snapshots in ../shared and the current official sizes)
// are given beside them; docs/lists.md has the table.
const (
	// MaxInputBytes bounds a list file's (uncompressed) bytes, as the
	// downloader bounds a download. Largest real: OFAC's sdn_advanced.xml,
	// ~120 MB.
	MaxInputBytes = 1 << 30
	// MaxRecordBytes bounds the input bytes a reader buffers for one
	// record: an XML record element (or any other top-level token) or a
	// CSV row. Largest real: an OFAC Enhanced XML entity, ~60 KB.
	MaxRecordBytes = 4 << 20
	// MaxFieldBytes bounds one string of an entity (a name, a remark, a
	// cell). Largest real: 7.9 KB (a US CSL remark listing addresses).
	MaxFieldBytes = 64 << 10
	// MaxEntityBytes bounds one entity, as EntitySize estimates its memory.
	// Largest real: 31 KB (uk:12771, 144 names).
	MaxEntityBytes = 1 << 20
	// MaxMergedBytes bounds the rows a reader merges into one entity (Tally),
	// which repeat the entity's facts on every row. Largest real: uk:13344,
	// 400 rows, 459 KB.
	MaxMergedBytes = 16 << 20
	// MaxDatasetBytes bounds all the entities of one file, as EntitySize
	// estimates them (or the rows merged into them). Largest real: the US
	// CSL's 14,048 entities, ~24 MB. A list stopped at the limit peaked at
	// 387 MB of RSS (TestHostileFiles: the entities, the garbage
	// collector's headroom, the reader's buffers).
	MaxDatasetBytes = 192 << 20
)

// XLSXLimits bound a list workbook. Largest real: UK ConList.xlsx, 2.2 MB
// holding a 12.8 MB worksheet and 4.2 MB of shared strings, compressed
// 10:1 at most.
var XLSXLimits = xlsx.Limits{
	Archive:       128 << 20,
	Total:         256 << 20,
	Sheet:         128 << 20,
	SharedStrings: 64 << 20,
	Part:          8 << 20,
	InMemory:      16 << 20,
	Ratio:         100,
	Token:         1 << 20,
}

// Input wraps a list file's reader: it fails once the file passes
// MaxInputBytes, or once more than MaxRecordBytes were read since the last
// Mark. A reader marks where each record (or top-level token) starts, so
// that no record or token it decodes can make it buffer more; the bound is
// exact within the decoder's read-ahead buffer.
type Input struct {
	r       io.Reader
	n, mark int64
	// What names a record in errors (XMLRecord, CSVRow).
	What string
}

// What an Input's record is called in errors: XMLRecord for the XML readers
// (which mark every token outside records too), CSVRow for the CSV ones.
const (
	XMLRecord = "record or XML token"
	CSVRow    = "row"
)

// NewInput wraps r.
func NewInput(r io.Reader, what string) *Input { return &Input{r: r, What: what} }

// Mark starts a record at the current position.
func (in *Input) Mark() { in.mark = in.n }

// Read reads from the wrapped reader within the limits.
func (in *Input) Read(p []byte) (int, error) {
	if in.n >= MaxInputBytes {
		return 0, fmt.Errorf("file larger than %d bytes: refused", MaxInputBytes)
	}
	if in.n-in.mark >= MaxRecordBytes {
		return 0, fmt.Errorf("a %s longer than %d bytes: refused as damaged or hostile", in.What, MaxRecordBytes)
	}
	if room := MaxRecordBytes - (in.n - in.mark); int64(len(p)) > room {
		p = p[:room]
	}
	n, err := in.r.Read(p)
	in.n += int64(n)
	return n, err
}

// Tally bounds what a reader merges from many rows into entities before it
// emits them (the UK ConList, the Australian list, OFAC's companion files):
// each cell must fit MaxFieldBytes, each entity's rows MaxMergedBytes, and
// all rows MaxDatasetBytes. A row costs its cells' bytes plus a fixed
// overhead, so that many tiny rows count too.
type Tally struct {
	by    map[string]int64
	total int64
}

// rowOverhead is what a kept row costs beyond its bytes, roughly the
// vigil.Name or slice entry it becomes.
const rowOverhead = 192

// Add charges a row merged into the entity keyed key. The error names the
// column (by index) or the limit passed; the caller adds the line.
func (t *Tally) Add(key string, cells []string) error {
	cost := int64(rowOverhead)
	for i, c := range cells {
		if len(c) > MaxFieldBytes {
			return fmt.Errorf("cell %d holds %d bytes, more than the %d a field may hold", i+1, len(c), MaxFieldBytes)
		}
		cost += int64(len(c))
	}
	if t.by == nil {
		t.by = map[string]int64{}
	}
	t.by[key] += cost
	t.total += cost
	if t.by[key] > MaxMergedBytes {
		return fmt.Errorf("the rows of %s hold more than %d bytes, more than one entity may hold", key, MaxMergedBytes)
	}
	if t.total > MaxDatasetBytes {
		return fmt.Errorf("the rows hold more than %d bytes, more than one list may hold", MaxDatasetBytes)
	}
	return nil
}

// EntitySize estimates the memory an entity holds: its structs and slices
// and the bytes of every string.
func EntitySize(e *vigil.Entity) int64 {
	n, _ := walk(reflect.ValueOf(e).Elem())
	return int64(unsafe.Sizeof(*e)) + n
}

// walk returns the bytes v holds beyond its own size, and its longest
// string's length. Reflection keeps it true when vigil.Entity grows fields.
func walk(v reflect.Value) (n int64, long int) {
	switch v.Kind() {
	case reflect.String:
		return int64(v.Len()), v.Len()
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			m, l := walk(v.Field(i))
			n, long = n+m, max(long, l)
		}
	case reflect.Slice:
		n = int64(v.Len()) * int64(v.Type().Elem().Size())
		for i := 0; i < v.Len(); i++ {
			m, l := walk(v.Index(i))
			n, long = n+m, max(long, l)
		}
	}
	return n, long
}

// CheckEntity refuses an entity with a string longer than MaxFieldBytes or
// an estimated size (EntitySize) above MaxEntityBytes; it returns the size.
func CheckEntity(e *vigil.Entity) (int64, error) {
	v := reflect.ValueOf(e).Elem()
	n, long := walk(v)
	n += int64(unsafe.Sizeof(*e))
	if long > MaxFieldBytes {
		return n, fmt.Errorf("entity %s: %s holds %d bytes, more than the %d a field may hold", e.ID, longest(v, ""), long, MaxFieldBytes)
	}
	if n > MaxEntityBytes {
		return n, fmt.Errorf("entity %s holds ~%d bytes (%d names), more than the %d one entity may hold", e.ID, n, len(e.Names), MaxEntityBytes)
	}
	return n, nil
}

// longest returns the path of v's longest string ("Names[3].Full").
func longest(v reflect.Value, path string) string {
	switch v.Kind() {
	case reflect.Struct:
		bi, bl := -1, -1
		for i := 0; i < v.NumField(); i++ {
			if _, l := walk(v.Field(i)); l > bl {
				bi, bl = i, l
			}
		}
		name := v.Type().Field(bi).Name
		if path != "" {
			name = path + "." + name
		}
		return longest(v.Field(bi), name)
	case reflect.Slice:
		bi, bl := -1, -1
		for i := 0; i < v.Len(); i++ {
			if _, l := walk(v.Index(i)); l > bl {
				bi, bl = i, l
			}
		}
		return longest(v.Index(bi), fmt.Sprintf("%s[%d]", path, bi))
	}
	return path
}

// OpenXLSX opens a list workbook's first worksheet within XLSXLimits. Its
// errors are *ParseError: a damaged or oversized archive names the zip
// member ("zip member xl/sharedStrings.xml"). The caller closes the sheet.
func OpenXLSX(r io.Reader) (*xlsx.Sheet, error) {
	s, err := xlsx.Open(r, XLSXLimits)
	if err != nil {
		return nil, ArchiveError(err, "xlsx")
	}
	return s, nil
}

// ArchiveLimits bound a compressed list file (OFAC's Enhanced XML zip, the
// US CSL .gz): the archive, what it expands to, and its compression ratio.
// Real lists compress 4:1 (CSL) to 17:1 (Enhanced XML); a deflate bomb,
// ~1000:1.
var ArchiveLimits = unpack.Limits{
	MaxArchive: 256 << 20,
	MaxTotal:   MaxInputBytes,
	MaxRatio:   100,
	RatioFloor: 1 << 20,
}

// ArchiveError turns an archive error into a *ParseError whose element names
// the zip member, or what (as "xlsx") when the error is not unpack's.
func ArchiveError(err error, what string) error {
	var ue *unpack.Error
	if errors.As(err, &ue) {
		el := "archive"
		if ue.Member != "" {
			el = "zip member " + ue.Member
		}
		return &ParseError{Element: el, Err: ue.Err}
	}
	var pe *ParseError
	if errors.As(err, &pe) {
		return err
	}
	return &ParseError{Element: what, Err: err}
}
