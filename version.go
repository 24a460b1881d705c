package vigil

import (
	"context"
	"errors"
	"strconv"
	"time"
)

// Sources known to Vigil, as used in entity ids ("un:IRi.039").
const (
	SourceUN    = "un"
	SourceOFAC  = "ofac"
	SourceEU    = "eu"
	SourceUK    = "uk"
	SourceUSCSL = "us_csl"
	SourceCA    = "ca"
	SourceAU    = "au"
)

// Lists: the key each published list is versioned under. A source may publish
// several lists (OFAC's SDN and its consolidated non-SDN list; OFSI's ConList
// and FCDO's UK Sanctions List); their entities share the source's id prefix.
const (
	ListUN       = "un"
	ListOFACSDN  = "ofac_sdn"
	ListOFACCons = "ofac_cons"
	ListUSCSL    = "us_csl"
	ListEU       = "eu"
	ListUK       = "uk"      // OFSI Consolidated List (ConList)
	ListUKFCDO   = "uk_fcdo" // FCDO UK Sanctions List
	ListCA       = "ca"
	ListAU       = "au"
)

// ListVersion is one imported version of one list.
type ListVersion struct {
	// List is the list key (ListUN, ListOFACSDN, …); Source the entity id
	// prefix of its entities (SourceUN, SourceOFAC, …).
	List   string `json:"list"`
	Source string `json:"source"`
	// Version counts the versions of the list from 1.
	Version int `json:"version"`
	// Format names the file format read ("un_xml", "ofac_csv", …).
	Format string `json:"format"`
	// Hash is the hex SHA-256 of the imported file content (of all files, in
	// order, for multi-file formats).
	Hash string `json:"hash"`
	// Published is the publication date or instant the file states; zero when
	// the file states none.
	Published time.Time `json:"published,omitzero"`
	Imported  time.Time `json:"imported"`
	// Files names the files read, as given to the importer.
	Files    []string     `json:"files,omitempty"`
	Entities int          `json:"entities"`
	ByKind   map[Kind]int `json:"by_kind"`
	// Partial marks a filtered or excerpted export: it never replaces a
	// complete version of its source.
	Partial bool `json:"partial,omitempty"`
	// Diff summarises the change from the previous version of the source.
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
}

// Label is the version's audit label, "LIST@VERSION" (e.g. "un@3").
func (v ListVersion) Label() string { return v.List + "@" + strconv.Itoa(v.Version) }

// Change is one entity that differs between two versions, with the fields
// (Entity JSON names) that changed.
type Change struct {
	ID     string   `json:"id"`
	Fields []string `json:"fields"`
}

// Diff is the difference between two versions of a list.
type Diff struct {
	List    string   `json:"list"`
	From    int      `json:"from"`
	To      int      `json:"to"`
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
	Changed []Change `json:"changed"`
}

// Errors a Store returns.
var (
	ErrNotFound  = errors.New("not found")
	ErrDuplicate = errors.New("this file was imported before")
)

// Store keeps every version of every list. Implementations: sqlite (the
// embedded default); postgres may follow.
type Store interface {
	// Import stores entities as a new version of v.List, computing its diff
	// against the list's previous version. If a version with the same hash
	// exists it returns that version and ErrDuplicate, adding nothing. The
	// version is written atomically: all of it or none.
	Import(ctx context.Context, v ListVersion, entities []Entity) (ListVersion, error)
	// Current returns the newest complete version of each list (or the
	// newest partial one where a list has no complete version).
	Current(ctx context.Context) ([]ListVersion, error)
	// Versions returns every version of a list, oldest first.
	Versions(ctx context.Context, list string) ([]ListVersion, error)
	// Entities returns the entities of one version of a list.
	Entities(ctx context.Context, list string, version int) ([]Entity, error)
	// Entity returns an entity as of the current version of the list that
	// holds it.
	Entity(ctx context.Context, id string) (Entity, ListVersion, error)
	// Diff returns the diff between two versions of a list.
	Diff(ctx context.Context, list string, from, to int) (Diff, error)
	Close() error
}
