// Package download fetches the official sanctions list files: conditional
// HTTP requests, retries with backoff, size limits, and an archive that keeps
// every downloaded file byte for byte. It does not parse lists (lists/load
// does); the CLI chains fetch → parse → CheckShrink → store.Import.
package download

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	vigil "github.com/vigil-screening/vigil"
)

// File is one file of a list's publication.
type File struct {
	// Name is the local file name: a plain name, no directories. Readers
	// recognise some sets by name (OFAC's CONS_*.CSV), so keep the official
	// names.
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Source is one published list and the files that make up one version of it.
type Source struct {
	// List is the list key (vigil.ListUN, …).
	List string `json:"list"`
	// Format is the expected file format, as lists/load names it; a hint for
	// logs and checks, not used to parse.
	Format string `json:"format,omitempty"`
	Files  []File `json:"files"`
}

// Official publication hosts (FORMATS.md §6.1).
const (
	ofacExports = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/"
	// euToken is a public, fixed value published on the EU site, not a secret.
	euToken = "dG9rZW4tMjAxNw"
)

// DefaultSources returns the official download locations of the lists Vigil
// fetches. The table is data: LoadConfig overrides or extends it, Mirror
// points it at a mirror.
//
// The OFAC consolidated (non-SDN) CSV names other than CONS_PRIM.CSV follow
// the SDN set by analogy and are marked "verify" in FORMATS.md.
func DefaultSources() []Source {
	ofac := func(names ...string) []File {
		fs := make([]File, len(names))
		for i, n := range names {
			fs[i] = File{Name: n, URL: ofacExports + n}
		}
		return fs
	}
	return []Source{
		{List: vigil.ListUN, Format: "un_xml", Files: []File{
			{Name: "consolidated.xml", URL: "https://scsanctions.un.org/resources/xml/en/consolidated.xml"},
		}},
		{List: vigil.ListOFACSDN, Format: "ofac_csv", Files: ofac("SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV")},
		{List: vigil.ListOFACCons, Format: "ofac_csv", Files: ofac("CONS_PRIM.CSV", "CONS_ADD.CSV", "CONS_ALT.CSV", "CONS_COMMENTS.CSV")},
		{List: vigil.ListUSCSL, Format: "us_csl_csv", Files: []File{
			{Name: "consolidated.csv", URL: "https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv"},
		}},
		{List: vigil.ListEU, Format: "eu_fsf_xml", Files: []File{
			{Name: "xmlFullSanctionsList_1_1.xml", URL: "https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=" + euToken},
		}},
		{List: vigil.ListUKFCDO, Format: "uk_fcdo_xml", Files: []File{
			{Name: "UK-Sanctions-List.xml", URL: "https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml"},
		}},
	}
}

// Find returns the source of a list.
func Find(srcs []Source, list string) (Source, bool) {
	for _, s := range srcs {
		if s.List == list {
			return s, true
		}
	}
	return Source{}, false
}

// Mirror returns srcs with every file fetched from a mirror instead, at
// BASE/LIST/NAME (e.g. http://mirror.example/vigil/un/consolidated.xml).
func Mirror(srcs []Source, base string) []Source {
	base = strings.TrimRight(base, "/")
	out := make([]Source, len(srcs))
	for i, s := range srcs {
		s.Files = append([]File(nil), s.Files...)
		for j := range s.Files {
			s.Files[j].URL = base + "/" + s.List + "/" + s.Files[j].Name
		}
		out[i] = s
	}
	return out
}

// Config is the JSON configuration file LoadConfig reads:
//
//	{
//	  "mirror": "http://mirror.example/vigil",
//	  "sources": [{"list": "un", "files": [{"name": "consolidated.xml", "url": "https://…"}]}]
//	}
//
// Each entry of sources replaces the default source of the same list or adds
// a new list; a mirror then applies to every source. Both keys are optional.
type Config struct {
	Mirror  string   `json:"mirror,omitempty"`
	Sources []Source `json:"sources,omitempty"`
}

// LoadConfig applies the configuration file at path to base (usually
// DefaultSources()) and validates the result.
func LoadConfig(path string, base []Source) ([]Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	dec.DisallowUnknownFields() // a misspelt key must not be silently ignored
	var c Config
	if err := dec.Decode(&c); err != nil {
		return nil, fmt.Errorf("download config %s: %w", path, err)
	}
	out := append([]Source(nil), base...)
	for _, s := range c.Sources {
		replaced := false
		for i := range out {
			if out[i].List == s.List {
				out[i], replaced = s, true
			}
		}
		if !replaced {
			out = append(out, s)
		}
	}
	if c.Mirror != "" {
		out = Mirror(out, c.Mirror)
	}
	for _, s := range out {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("download config %s: %w", path, err)
		}
	}
	return out, nil
}

// Validate checks that a source has a usable list key, files, and file names
// that cannot escape the download folder.
func (s Source) Validate() error {
	if !plainName(s.List) {
		return fmt.Errorf("source list key %q is not a plain name", s.List)
	}
	if len(s.Files) == 0 {
		return fmt.Errorf("source %s has no files", s.List)
	}
	seen := map[string]bool{}
	for _, f := range s.Files {
		if !plainName(f.Name) {
			return fmt.Errorf("source %s: file name %q is not a plain name", s.List, f.Name)
		}
		if seen[f.Name] {
			return fmt.Errorf("source %s: file name %q twice", s.List, f.Name)
		}
		seen[f.Name] = true
		if !strings.HasPrefix(f.URL, "http://") && !strings.HasPrefix(f.URL, "https://") {
			return fmt.Errorf("source %s: file %s: URL %q is not http(s)", s.List, f.Name, f.URL)
		}
	}
	return nil
}

// plainName reports whether s is usable as one path element.
func plainName(s string) bool {
	return s != "" && s != "." && s != ".." && !strings.ContainsAny(s, `/\`+"\x00") && filepath.Base(s) == s
}
