package eval

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
	"github.com/vigil-screening/vigil/lists/au"
	"github.com/vigil-screening/vigil/lists/ca"
	"github.com/vigil-screening/vigil/lists/eu"
	"github.com/vigil-screening/vigil/lists/ofac"
	"github.com/vigil-screening/vigil/lists/uk"
	"github.com/vigil-screening/vigil/lists/un"
	"github.com/vigil-screening/vigil/lists/uscsl"
	"github.com/vigil-screening/vigil/match"
)

// snapshot is one newest complete list file below shared/data/lists and its
// reader.
type snapshot struct {
	path string
	read func(io.Reader, lists.Emit) (*lists.Meta, error)
	gz   bool
}

// snapshots are the newest complete snapshot of each source, as
// shared/data/lists/PROVENANCE.md names them (the OFAC CSV sets are read
// apart, below).
var snapshots = []snapshot{
	{path: "un/consolidated.xml", read: un.Read},
	{path: "us_csl/consolidated.csv.gz", read: uscsl.Read, gz: true},
	{path: "eu/sample_eu_fsf_2026-08-05.xml", read: eu.Read},
	{path: "uk/ConList.xlsx", read: uk.ReadConListXLSX},
	{path: "ca_sema/sema-lsem.xml", read: ca.Read},
	{path: "au_dfat/regulation8_consolidated.xlsx", read: au.Read},
}

// LoadLists reads every list below listsDir (shared/data/lists) into index
// entries, labelled "LIST@1". It reads the files with the list readers
// directly, so that evaluations do not need a store.
func LoadLists(listsDir string) ([]match.Entry, error) {
	var out []match.Entry
	emit := func(meta **lists.Meta) lists.Emit {
		return func(e *vigil.Entity) error {
			out = append(out, match.Entry{Entity: e})
			return nil
		}
	}
	label := func(from int, meta *lists.Meta) {
		for i := from; i < len(out); i++ {
			out[i].Version = meta.List + "@1"
		}
	}
	for _, s := range snapshots {
		from := len(out)
		f, err := os.Open(filepath.Join(listsDir, s.path))
		if err != nil {
			return nil, err
		}
		var r io.Reader = f
		if s.gz {
			gz, err := gzip.NewReader(f)
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("%s: %w", s.path, err)
			}
			r = gz
		}
		var meta *lists.Meta
		meta, err = s.read(r, emit(&meta))
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.path, err)
		}
		label(from, meta)
	}
	for _, set := range []struct {
		dir                      string
		prim, add, alt, comments string
		cons                     bool
	}{
		{"ofac/sdn_2024-05-03", "sdn.csv", "", "", "", false},
		{"ofac/consolidated_non_sdn", "cons_prim.csv", "cons_add.csv", "cons_alt.csv", "cons_comments.csv", true},
	} {
		from := len(out)
		var files []*os.File
		open := func(name string) io.Reader {
			if name == "" {
				return nil
			}
			f, err := os.Open(filepath.Join(listsDir, set.dir, name))
			if err != nil {
				return nil
			}
			files = append(files, f)
			return f
		}
		cs := ofac.CSVSet{Primary: open(set.prim), Cons: set.cons}
		if a := open(set.add); a != nil {
			cs.Add = a
		}
		if a := open(set.alt); a != nil {
			cs.Alt = a
		}
		if a := open(set.comments); a != nil {
			cs.Comments = a
		}
		if cs.Primary == nil {
			return nil, fmt.Errorf("%s/%s: cannot open", set.dir, set.prim)
		}
		meta, err := ofac.ReadCSV(cs, emit(nil))
		for _, f := range files {
			f.Close()
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", set.dir, err)
		}
		label(from, meta)
	}
	return out, nil
}
