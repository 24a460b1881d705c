package vigil

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
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
	// Published is the publication date or instant the file states, or the
	// date given at import for a file that states none (PublishedGiven);
	// zero when neither is known.
	Published      time.Time `json:"published,omitzero"`
	PublishedGiven bool      `json:"published_given,omitempty"`
	Imported       time.Time `json:"imported"`
	// InForceFrom is the instant from which the version is in force: its
	// Published date, else (or when that is in the future) its import time. A version that restores earlier
	// content (Restores) is in force from when it was restored, or, for a
	// rollback, from when the version it withdrew was.
	InForceFrom time.Time `json:"in_force_from"`
	// Files names the files read, as given to the importer.
	Files    []string     `json:"files,omitempty"`
	Entities int          `json:"entities"`
	ByKind   map[Kind]int `json:"by_kind"`
	// Partial marks a filtered or excerpted export: it never replaces a
	// complete version of its source.
	Partial bool `json:"partial,omitempty"`
	// Historical marks a complete version that was in force from before the
	// list's current version when it was imported (an older snapshot): it is
	// kept as history and never becomes current.
	Historical bool `json:"historical,omitempty"`
	// Restores, when not 0, is the version whose content this version
	// brought back (an earlier file imported again, or a rollback).
	Restores int `json:"restores,omitempty"`
	// Withdrawn, when set, says who withdrew the version, when and why: a
	// withdrawn version is never current or in force again.
	Withdrawn *Withdrawal `json:"withdrawn,omitempty"`
	// Warnings are the reader's warnings about the file (values it could not
	// read, companion files missing, …).
	Warnings []string `json:"warnings,omitempty"`
	// Base is the version the diff counts are from (0: none): the list's
	// current version when this one was imported, or for a historical
	// version the one in force before it.
	Base    int `json:"base"`
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
}

// Label is the version's audit label, "LIST@VERSION" (e.g. "un@3").
func (v ListVersion) Label() string { return v.List + "@" + strconv.Itoa(v.Version) }

// Status says where the version stands in its list, whose current version
// is cur: "current", "superseded" (it was current), "historical", "withdrawn"
// or "partial".
func (v ListVersion) Status(cur ListVersion) string {
	switch {
	case v.Withdrawn != nil:
		return "withdrawn"
	case v.List == cur.List && v.Version == cur.Version:
		return "current"
	case v.Historical:
		return "historical"
	case v.Partial:
		return "partial"
	}
	return "superseded"
}

// Ref names the version as screening answers cite it.
func (v ListVersion) Ref() VersionRef {
	return VersionRef{Version: v.Label(), InForceFrom: v.InForceFrom, Partial: v.Partial}
}

// VersionRef names a list version ("un@3") and when it came into force.
type VersionRef struct {
	Version     string    `json:"version"`
	InForceFrom time.Time `json:"in_force_from"`
	// Partial: a filtered export (OFAC's IRGC-only file), not the whole
	// list; only screening as of a date may use one, when no complete
	// version was in force then, and says so.
	Partial bool `json:"partial,omitempty"`
}

// Refs returns the references of versions.
func Refs(vs []ListVersion) []VersionRef {
	out := make([]VersionRef, len(vs))
	for i, v := range vs {
		out[i] = v.Ref()
	}
	return out
}

// Withdrawal records who withdrew a list version, when and why.
type Withdrawal struct {
	At     time.Time `json:"at"`
	By     string    `json:"by"`
	Reason string    `json:"reason"`
}

// newer orders versions by (InForceFrom, Version).
func newer(a, b ListVersion) bool {
	if !a.InForceFrom.Equal(b.InForceFrom) {
		return a.InForceFrom.After(b.InForceFrom)
	}
	return a.Version > b.Version
}

// CurrentVersion returns the current version among vs, the versions of one
// list: the newest (by InForceFrom, then Version) complete version that is
// not withdrawn, or, where the list has no such version, the newest partial
// one that is not withdrawn. A partial version never replaces a complete one.
func CurrentVersion(vs []ListVersion) (ListVersion, bool) {
	var best, bestPartial ListVersion
	var ok, okPartial bool
	for _, v := range vs {
		switch {
		case v.Withdrawn != nil:
		case v.Partial:
			if !okPartial || newer(v, bestPartial) {
				bestPartial, okPartial = v, true
			}
		default:
			if !ok || newer(v, best) {
				best, ok = v, true
			}
		}
	}
	if ok {
		return best, true
	}
	return bestPartial, okPartial
}

// VersionAt returns the version of one list in force at t: the version that
// CurrentVersion picks among the versions in force from t or earlier.
func VersionAt(vs []ListVersion, t time.Time) (ListVersion, bool) {
	var in []ListVersion
	for _, v := range vs {
		if !v.InForceFrom.After(t) {
			in = append(in, v)
		}
	}
	return CurrentVersion(in)
}

// Timeline returns the complete versions of one list that are not
// withdrawn, in the order they came into force (InForceFrom, then Version):
// the list's history as it was in force.
func Timeline(vs []ListVersion) []ListVersion {
	var out []ListVersion
	for _, v := range vs {
		if !v.Partial && v.Withdrawn == nil {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b ListVersion) int {
		if c := a.InForceFrom.Compare(b.InForceFrom); c != 0 {
			return c
		}
		return cmp.Compare(a.Version, b.Version)
	})
	return out
}

// ImportOutcome says what an import did.
type ImportOutcome string

// Import outcomes. The first five add a version; the last two add nothing
// (and come with ErrDuplicate).
const (
	// OutcomeCurrent: a new complete version, now the list's current one.
	OutcomeCurrent ImportOutcome = "current"
	// OutcomeHistorical: a new complete version in force from before the
	// current one, kept as history.
	OutcomeHistorical ImportOutcome = "historical"
	// OutcomePartial: a new partial version, current only while the list
	// has no complete version.
	OutcomePartial ImportOutcome = "partial"
	// OutcomeRestored: the content of an earlier version, imported again,
	// is current again as a new version.
	OutcomeRestored ImportOutcome = "restored"
	// OutcomeRolledBack: a rollback withdrew the current version and made
	// an earlier version's content current again as a new version.
	OutcomeRolledBack ImportOutcome = "rolled_back"
	// OutcomeDuplicate: the content is stored already; nothing added.
	OutcomeDuplicate ImportOutcome = "duplicate"
	// OutcomeWithdrawnDuplicate: the content is that of a withdrawn version;
	// skipped.
	OutcomeWithdrawnDuplicate ImportOutcome = "withdrawn_duplicate"
)

// ImportOptions control Store.ImportWith.
type ImportOptions struct {
	// Restore lets a duplicate of a stored version that is not current make
	// its content current again, as a new version, when it is in force from
	// no earlier than the current version (set it for the last complete
	// dataset of a list in an import run).
	Restore bool
	// Force lets Restore bring back the content of a withdrawn version.
	Force bool
	// Guard, when set, is called inside the import, before anything is
	// written, with the list's current complete version (zero when it has
	// none) and the version about to replace it; an error refuses the
	// import. It is called only for a version that would become current.
	Guard func(current, next ListVersion) error
}

// PlaceVersion decides what a new version v (not a duplicate) of a list
// whose stored versions are vs becomes, the rule every store applies: a
// partial version is kept beside the current one; a complete version in
// force before the current complete one is historical; any other becomes
// current once opt.Guard allows it. It returns the outcome and the number
// of the version v is diffed against (0: none): the current one, or for a
// historical version the one in force before it.
func PlaceVersion(vs []ListVersion, v ListVersion, opt ImportOptions) (ImportOutcome, int, error) {
	cur, hasCur := CurrentVersion(vs)
	complete := hasCur && !cur.Partial
	switch {
	case v.Partial:
		return OutcomePartial, cur.Version, nil
	case complete && v.InForceFrom.Before(cur.InForceFrom):
		tl := Timeline(vs)
		for i := len(tl) - 1; i >= 0; i-- {
			if !tl[i].InForceFrom.After(v.InForceFrom) {
				return OutcomeHistorical, tl[i].Version, nil
			}
		}
		return OutcomeHistorical, 0, nil
	}
	if opt.Guard != nil {
		var c ListVersion
		if complete {
			c = cur
		}
		if err := opt.Guard(c, v); err != nil {
			return OutcomeCurrent, 0, err
		}
	}
	return OutcomeCurrent, cur.Version, nil
}

// ImportResult is what an import or a rollback did.
type ImportResult struct {
	Outcome ImportOutcome `json:"outcome"`
	// Version is the version added, or for a duplicate the stored version
	// with the same content.
	Version ListVersion `json:"version"`
	// Current is the list's current version after the import.
	Current ListVersion `json:"current"`
	// Withdrawn is the version a rollback withdrew.
	Withdrawn *ListVersion `json:"withdrawn,omitempty"`
}

// Rollback asks a Store to make an earlier version's content current again.
type Rollback struct {
	List string
	// To is the version whose content becomes current again; 0 means the
	// version in force before the current one (the newest earlier version
	// in the timeline whose content differs).
	To int
	// Withdrawal says who rolls back, when and why; it is recorded on the
	// version rolled back from, which is withdrawn.
	Withdrawal Withdrawal
	// Force allows rolling back to a withdrawn version.
	Force bool
}

// Change is one entity that differs between two versions, with the fields
// (Entity JSON names) that changed and their old and new values.
type Change struct {
	ID      string        `json:"id"`
	Fields  []string      `json:"fields"`
	Changes []FieldChange `json:"changes,omitempty"`
}

// FieldChange is one changed field of an entity: its old and new values as
// JSON (absent when the field was empty).
type FieldChange struct {
	Field string          `json:"field"`
	Old   json.RawMessage `json:"old,omitempty"`
	New   json.RawMessage `json:"new,omitempty"`
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
	// Import is ImportWith with no options, returning the version added (or
	// the stored duplicate, with ErrDuplicate).
	Import(ctx context.Context, v ListVersion, entities []Entity) (ListVersion, error)
	// ImportWith stores entities as a new version of v.List, under the
	// rules of the list timeline: a complete version in force from no
	// earlier than the current one becomes current (after opt.Guard); an
	// older one is kept as a historical version; a partial one never
	// replaces a complete one. A version whose hash is stored already adds
	// nothing and returns ErrDuplicate, unless opt.Restore lets it bring
	// that content back (see ImportOptions). v.InForceFrom defaults to
	// v.Published, else the import time. The import is atomic: all of it
	// or none.
	ImportWith(ctx context.Context, v ListVersion, entities []Entity, opt ImportOptions) (ImportResult, error)
	// Rollback withdraws the current version of a list and makes an
	// earlier version's content current again as a new version, in force
	// from when the withdrawn version was.
	Rollback(ctx context.Context, r Rollback) (ImportResult, error)
	// Current returns the current version of each list (CurrentVersion).
	Current(ctx context.Context) ([]ListVersion, error)
	// AsOf returns the version of each list in force at t (VersionAt),
	// leaving out lists with none.
	AsOf(ctx context.Context, t time.Time) ([]ListVersion, error)
	// Versions returns every version of a list, oldest first.
	Versions(ctx context.Context, list string) ([]ListVersion, error)
	// Entities returns the entities of one version of a list.
	Entities(ctx context.Context, list string, version int) ([]Entity, error)
	// Entity returns an entity as of the current version of the list that
	// holds it.
	Entity(ctx context.Context, id string) (Entity, ListVersion, error)
	// EntityStates returns, for every list that ever held the entity, its
	// state in each version of the list's Timeline (nil where the version
	// does not hold it), in timeline order; ErrNotFound when no version of
	// any list held it.
	EntityStates(ctx context.Context, id string) ([]EntityState, error)
	// Diff returns the diff between two versions of a list.
	Diff(ctx context.Context, list string, from, to int) (Diff, error)
	Close() error
}

// ParseAsOf reads the date of an as-of question: YYYY-MM-DD means the end of
// that day (UTC), so that every version in force at any time that day
// counts; an RFC 3339 instant means that instant. A date after now is
// refused: the versions in force then are not known yet.
func ParseAsOf(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		if d.After(now) {
			return time.Time{}, errors.New("it is in the future")
		}
		return d.Add(24*time.Hour - time.Nanosecond), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("want a date YYYY-MM-DD or an RFC 3339 time")
	}
	if t.After(now) {
		return time.Time{}, errors.New("it is in the future")
	}
	return t.UTC(), nil
}
