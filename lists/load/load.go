// Package load reads official list files and folders into datasets: it detects
// each file's format from its content, groups OFAC's multi-file CSV sets, runs
// the right reader, and hashes what it read so that a store can tell a new
// version from one it already holds.
package load

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
	"github.com/vigil-screening/vigil/lists/au"
	"github.com/vigil-screening/vigil/lists/ca"
	"github.com/vigil-screening/vigil/lists/eu"
	"github.com/vigil-screening/vigil/lists/ofac"
	"github.com/vigil-screening/vigil/lists/uk"
	"github.com/vigil-screening/vigil/lists/un"
	"github.com/vigil-screening/vigil/lists/uscsl"
)

// Dataset is one list file (or OFAC CSV file set) read whole.
type Dataset struct {
	Meta     *lists.Meta
	Files    []string
	Hash     string // hex SHA-256 over the files' bytes, in Files order
	Entities []vigil.Entity
}

// Version returns the list version a store should record for the dataset.
func (d *Dataset) Version() vigil.ListVersion {
	return vigil.ListVersion{
		List:      d.Meta.List,
		Source:    d.Meta.Source,
		Format:    d.Meta.Format,
		Hash:      d.Hash,
		Published: d.Meta.Published,
		Files:     d.Files,
		Entities:  len(d.Entities),
		ByKind:    lists.CountKinds(d.Entities),
		Partial:   d.Meta.Partial,
		Warnings:  d.Meta.Warnings(),
	}
}

// format is one single-file format: how to recognise it and how to read it.
type format struct {
	name  string
	sniff func([]byte) bool
	read  func(io.Reader, lists.Emit) (*lists.Meta, error)
}

// formats are tried in order; the zip-based ones (OFAC enhanced zip, the
// XLSX lists) each check their own zip entries or sheet contents.
var formats = []format{
	{"un_xml", un.Sniff, un.Read},
	{"eu_fsf_xml", eu.Sniff, eu.Read},
	{"ca_sema_xml", ca.Sniff, ca.Read},
	{"ofac_xml", ofac.SniffXML, ofac.ReadXML},
	{"ofac_enhanced_xml", ofac.SniffEnhanced, ofac.ReadEnhanced},
	{"uk_fcdo_xml", uk.SniffFCDOXML, uk.ReadFCDOXML},
	{"uk_conlist_xlsx", uk.SniffConListXLSX, uk.ReadConListXLSX},
	{"au_dfat_xlsx", au.Sniff, au.Read},
	{"uk_conlist_csv", uk.SniffConListCSV, uk.ReadConListCSV},
	{"us_csl_csv", uscsl.Sniff, uscsl.Read},
}

// headSize is how much of a file the sniffers see.
const headSize = 8 << 10

// ErrUnknownFormat is returned for a file no reader recognises.
var ErrUnknownFormat = errors.New("not a list format Vigil reads")

// FileError is the error for one file (or OFAC CSV set) that Paths could not
// read. Path names it; List is the list it would have held, when its format
// told (else ""); Refused marks a file that Vigil refuses by design (an OFAC
// CSV set without its primary file) rather than one it failed to read.
type FileError struct {
	Path    string
	List    string
	Refused bool
	Err     error
}

// Error returns the underlying message, which names the file.
func (e *FileError) Error() string { return e.Err.Error() }

func (e *FileError) Unwrap() error { return e.Err }

// formatLists maps single-file formats to the list they hold, where the
// format alone tells.
var formatLists = map[string]string{
	"un_xml": vigil.ListUN, "eu_fsf_xml": vigil.ListEU, "ca_sema_xml": vigil.ListCA, "uk_fcdo_xml": vigil.ListUKFCDO,
	"uk_conlist_xlsx": vigil.ListUK, "uk_conlist_csv": vigil.ListUK, "au_dfat_xlsx": vigil.ListAU, "us_csl_csv": vigil.ListUSCSL,
}

// ofacList is the OFAC list a file name suggests: the consolidated list's
// files start with "cons", as the CSV sets are told apart.
func ofacList(path string) string {
	if strings.HasPrefix(strings.ToLower(filepath.Base(path)), "cons") {
		return vigil.ListOFACCons
	}
	return vigil.ListOFACSDN
}

// fileErr wraps err as a *FileError for path unless it is one already.
func fileErr(path, list string, err error) error {
	var fe *FileError
	if errors.As(err, &fe) {
		return err
	}
	return &FileError{Path: path, List: list, Err: err}
}

// Paths reads the list files named, descending into folders. A folder's OFAC
// legacy CSV files are read together as one set. It returns every dataset read
// successfully and, joined, an error for each file that failed (each names its
// file); files no reader recognises in a folder are skipped (named in the
// error only when given explicitly).
func Paths(paths ...string) ([]*Dataset, error) { return readPaths(nil, paths...) }

// readPaths is Paths, calling onRead (when not nil) as each file or OFAC
// CSV set has been read.
func readPaths(onRead func(ReadProgress), paths ...string) ([]*Dataset, error) {
	var files []string
	explicit := map[string]bool{}
	var errs []error
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			errs = append(errs, fileErr(p, "", err))
			continue
		}
		if !st.IsDir() {
			files = append(files, p)
			explicit[p] = true
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if strings.HasPrefix(d.Name(), ".") && path != p {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasPrefix(d.Name(), ".") || strings.HasSuffix(strings.ToLower(d.Name()), ".md") {
				return nil
			}
			files = append(files, path)
			return nil
		})
		if err != nil {
			errs = append(errs, fileErr(p, "", err))
		}
	}
	sort.SliceStable(files, func(i, j int) bool { return files[i] < files[j] })

	var out []*Dataset
	sets := map[string]*csvSet{} // by folder and sdn/cons
	var setKeys []string
	done := 0
	read := func(path string, start time.Time, ds *Dataset, n int, err error) {
		done += n
		if onRead == nil {
			return
		}
		p := ReadProgress{Path: path, Took: time.Since(start), Err: err, Done: done, Total: len(files)}
		if ds != nil {
			p.List, p.Entities = ds.Meta.List, len(ds.Entities)
		}
		onRead(p)
	}
	for _, f := range files {
		start := time.Now()
		head, err := readHead(f)
		if err != nil {
			errs = append(errs, fileErr(f, "", err))
			read(f, start, nil, 1, err)
			continue
		}
		if kind, ok := ofac.SniffCSV(head); ok {
			cons := strings.HasPrefix(strings.ToLower(filepath.Base(f)), "cons")
			key := filepath.Dir(f) + "\x00" + fmt.Sprint(cons)
			s := sets[key]
			if s == nil {
				s = &csvSet{cons: cons, dir: filepath.Dir(f)}
				sets[key] = s
				setKeys = append(setKeys, key)
			}
			if prev := s.files[kind]; prev != "" {
				errs = append(errs, fileErr(f, s.list(), fmt.Errorf("%s: two OFAC %s files in one folder (%s and %s): import them separately", s.dir, kind, prev, f)))
				done++
				continue
			}
			if s.files == nil {
				s.files = map[string]string{}
			}
			s.files[kind] = f
			continue
		}
		fm := detect(head)
		if fm == nil {
			if explicit[f] || looksLikeList(f, head) {
				errs = append(errs, fileErr(f, "", fmt.Errorf("%s: %w", f, ErrUnknownFormat)))
			}
			done++ // not a list file
			continue
		}
		ds, err := readOne(f, fm)
		if err != nil {
			list := formatLists[fm.name]
			if list == "" {
				list = ofacList(f)
			}
			errs = append(errs, fileErr(f, list, err))
			read(f, start, nil, 1, err)
			continue
		}
		out = append(out, ds)
		read(f, start, ds, 1, nil)
	}
	for _, k := range setKeys {
		start := time.Now()
		ds, err := sets[k].read()
		if err != nil {
			errs = append(errs, fileErr(sets[k].dir, sets[k].list(), err))
			read(sets[k].dir, start, nil, len(sets[k].files), err)
			continue
		}
		out = append(out, ds)
		read(sets[k].dir, start, ds, len(sets[k].files), nil)
	}
	return out, errors.Join(errs...)
}

// File reads one list file whose format is detected from its content.
func File(path string) (*Dataset, error) {
	head, err := readHead(path)
	if err != nil {
		return nil, err
	}
	if _, ok := ofac.SniffCSV(head); ok {
		ds, err := Paths(path)
		if err != nil {
			return nil, err
		}
		return ds[0], nil
	}
	fm := detect(head)
	if fm == nil {
		return nil, fmt.Errorf("%s: %w", path, ErrUnknownFormat)
	}
	return readOne(path, fm)
}

// looksLikeList reports whether a file found in a folder is of a kind lists
// come in — an archive (zip, gzip), or named .xml, .xlsx, .csv, .zip or
// .gz — so that a damaged list whose head no reader recognises is reported
// rather than skipped in silence. Other files (notes, READMEs) in a folder
// are skipped.
func looksLikeList(path string, head []byte) bool {
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte{0x1f, 0x8b}) {
		return true
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xml", ".xlsx", ".csv", ".zip", ".gz":
		return true
	}
	return false
}

func detect(head []byte) *format {
	for i := range formats {
		if formats[i].sniff(head) {
			return &formats[i]
		}
	}
	return nil
}

func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	buf := make([]byte, headSize)
	n, err := io.ReadFull(f, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return buf[:n], nil
}

func readOne(path string, fm *format) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	var ents []vigil.Entity
	meta, err := fm.read(io.TeeReader(f, h), collect(&ents))
	if err != nil {
		return nil, nameFile(err, path)
	}
	// Readers may stop before EOF (an XLSX reader reads all; an XML reader
	// stops at the root's end): hash the rest so the hash covers the file.
	if _, err := io.Copy(h, f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return finish(meta, []string{path}, hex.EncodeToString(h.Sum(nil)), ents)
}

// csvSet is one folder's OFAC legacy CSV files.
type csvSet struct {
	dir   string
	cons  bool
	files map[string]string // kind -> path
}

// list is the list the set holds.
func (s *csvSet) list() string {
	if s.cons {
		return vigil.ListOFACCons
	}
	return vigil.ListOFACSDN
}

func (s *csvSet) read() (*Dataset, error) {
	order := []string{"primary", "add", "alt", "comments"}
	var names []string
	var set ofac.CSVSet
	set.Cons = s.cons
	bufs := map[string][]byte{}
	h := sha256.New()
	for _, k := range order {
		p := s.files[k]
		if p == "" {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		h.Write(b)
		bufs[k] = b
		names = append(names, p)
	}
	if s.files["primary"] == "" {
		what := "sdn.csv"
		if s.cons {
			what = "cons_prim.csv"
		}
		return nil, &FileError{Path: s.dir, List: s.list(), Refused: true,
			Err: &lists.ParseError{File: s.dir, Err: fmt.Errorf("OFAC CSV set is incomplete: %s is missing (found %s); refusing to import companions alone", what, strings.Join(names, ", "))}}
	}
	rd := func(k string) io.Reader {
		if b, ok := bufs[k]; ok {
			return bytes.NewReader(b)
		}
		return nil
	}
	set.Primary, set.Add, set.Alt, set.Comments = rd("primary"), rd("add"), rd("alt"), rd("comments")
	var ents []vigil.Entity
	meta, err := ofac.ReadCSV(set, collect(&ents))
	if err != nil {
		return nil, nameFile(err, s.files["primary"])
	}
	return finish(meta, names, hex.EncodeToString(h.Sum(nil)), ents)
}

// collect gathers a reader's entities within the limits that keep a damaged
// or hostile file from exhausting memory (or every later index build): each
// entity is checked (lists.CheckEntity), and all of them must fit
// lists.MaxDatasetBytes. The reader stops at the first refusal.
func collect(ents *[]vigil.Entity) lists.Emit {
	var total int64
	return func(e *vigil.Entity) error {
		n, err := lists.CheckEntity(e)
		if err != nil {
			return err
		}
		if total += n; total > lists.MaxDatasetBytes {
			return fmt.Errorf("after %d entities the list holds ~%d bytes, more than the %d one list may hold: refused", len(*ents), total, lists.MaxDatasetBytes)
		}
		*ents = append(*ents, *e)
		return nil
	}
}

// finish fills in what every dataset needs whatever its reader: name scripts
// and a non-empty entity list.
func finish(meta *lists.Meta, files []string, hash string, ents []vigil.Entity) (*Dataset, error) {
	if len(ents) == 0 {
		return nil, &lists.ParseError{File: files[0], Err: errors.New("the file holds no entities")}
	}
	ents = mergeDuplicates(meta, ents)
	for i := range ents {
		// Merged records must fit one entity too.
		if _, err := lists.CheckEntity(&ents[i]); err != nil {
			return nil, &lists.ParseError{File: files[0], Err: err}
		}
	}
	for i := range ents {
		for j := range ents[i].Names {
			n := &ents[i].Names[j]
			if n.Script == "" {
				n.Script = lists.DetectScript(n.Full)
			}
		}
	}
	return &Dataset{Meta: meta, Files: files, Hash: hash, Entities: ents}, nil
}

func nameFile(err error, path string) error {
	var pe *lists.ParseError
	if errors.As(err, &pe) {
		if pe.File == "" {
			pe.File = path
		}
		return err
	}
	return fmt.Errorf("%s: %w", path, err)
}
