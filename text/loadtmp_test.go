package text

// Temporary stand-in for load.Paths while lists/load cannot build (its
// import of package download has not landed): reads the shared lists with
// their readers directly. To be replaced by load.Paths.

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
	"github.com/vigil-screening/vigil/lists/au"
	"github.com/vigil-screening/vigil/lists/ca"
	"github.com/vigil-screening/vigil/lists/ofac"
	"github.com/vigil-screening/vigil/lists/uk"
	"github.com/vigil-screening/vigil/lists/un"
	"github.com/vigil-screening/vigil/lists/uscsl"
)

type tmpSet struct {
	label    string
	entities []vigil.Entity
}

func tmpLoad(dir string) ([]tmpSet, error) {
	type one struct {
		label, path string
		read        func(io.Reader, lists.Emit) (*lists.Meta, error)
		gz          bool
	}
	files := []one{
		{"un@1", "un/consolidated.xml", un.Read, false},
		{"ofac_sdn@1", "ofac/enhanced_xml_IRGC_program_2024-08-28/IRGC_sanctions.xml", ofac.ReadEnhanced, false},
		{"uk@1", "uk/ConList.xlsx", uk.ReadConListXLSX, false},
		{"ca@1", "ca_sema/sema-lsem.xml", ca.Read, false},
		{"au@1", "au_dfat/regulation8_consolidated.xlsx", au.Read, false},
		{"us_csl@1", "us_csl/consolidated.csv.gz", uscsl.Read, true},
	}
	var out []tmpSet
	collect := func(label string) (*tmpSet, lists.Emit) {
		out = append(out, tmpSet{label: label})
		s := &out[len(out)-1]
		return s, func(e *vigil.Entity) error { s.entities = append(s.entities, *e); return nil }
	}
	for _, f := range files {
		fh, err := os.Open(filepath.Join(dir, f.path))
		if err != nil {
			return nil, err
		}
		var r io.Reader = fh
		if f.gz {
			if r, err = gzip.NewReader(fh); err != nil {
				return nil, err
			}
		}
		var s []vigil.Entity
		_, err = f.read(r, func(e *vigil.Entity) error { s = append(s, *e); return nil })
		fh.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, tmpSet{f.label, s})
	}
	for _, set := range []struct{ label, dir string }{{"ofac_sdn@2", "ofac/sdn_2021-07-07"}, {"ofac_sdn@3", "ofac/sdn_2024-05-03"}} {
		var cs ofac.CSVSet
		var closers []*os.File
		for name, dst := range map[string]*io.Reader{"sdn.csv": &cs.Primary, "add.csv": &cs.Add, "alt.csv": &cs.Alt, "sdn_comments.csv": &cs.Comments} {
			fh, err := os.Open(filepath.Join(dir, set.dir, name))
			if err != nil {
				continue
			}
			closers = append(closers, fh)
			*dst = fh
		}
		_, emit := collect(set.label)
		_, err := ofac.ReadCSV(cs, emit)
		for _, c := range closers {
			c.Close()
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
