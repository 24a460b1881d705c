package load

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/download"
)

// MaxDrop is the share of entities of any kind (persons, organisations,
// vessels, aircraft) that a version about to become current may lose
// against the list's current version before it is refused as suspicious.
const MaxDrop = 0.20

// GuardMinKind is the least number of entities of a kind in the current
// version for the shrink guard to watch that kind: a list with a dozen
// vessels may lose a handful without a broken file.
const GuardMinKind = 20

// maxWarnings caps the reader warnings recorded on a version.
const maxWarnings = 100

// Options control Import, ImportAll and Update.
type Options struct {
	// Force imports a version even when it shrank by more than MaxDrop, and
	// lets a file whose content was withdrawn (vigil lists rollback) be
	// restored by importing it again.
	Force bool
	// Published is the publication date of datasets whose files state none
	// (OFAC's legacy CSV, the US CSL); a date a file states wins.
	Published time.Time
	// Now stamps the versions' import time; time.Now when nil.
	Now func() time.Time
	// Report, when set, receives each result as soon as it is known: a
	// run over a large folder takes a while.
	Report func(Result)
	// OnRead, when set, is called by ImportPaths as each file (or OFAC CSV
	// set) has been read, before anything is stored: reading is most of a
	// first import's time.
	OnRead func(ReadProgress)
}

// ReadProgress reports one file or OFAC CSV set read by ImportPaths.
type ReadProgress struct {
	Path     string
	List     string // "" when the file could not be read as a list
	Entities int
	Took     time.Duration
	Err      error
	// Done of the Total files found have been read (or skipped).
	Done, Total int
}

// Guard is the shrink guard, run (by the store, inside the import) for a
// version about to replace cur as the current version of a list: it refuses
// next when any kind of entity of which cur holds at least GuardMinKind, or
// the whole list, shrank by more than MaxDrop. Guarding each kind catches a
// file that lost a quarter of the UN list's individuals but only 18% of the
// list.
func Guard(cur, next vigil.ListVersion) error {
	if cur.Version == 0 {
		return nil
	}
	check := func(what string, prev, n int) error {
		if err := download.CheckShrink(prev, n, MaxDrop); err != nil {
			return fmt.Errorf("%w: %d %s against %d in the current %s (%.1f%% fewer, more than the %.0f%% allowed); "+
				"the file may be truncated or filtered: check it, or use --force to import it anyway",
				download.ErrShrink, n, what, prev, cur.Label(), 100*float64(prev-n)/float64(prev), 100*MaxDrop)
		}
		return nil
	}
	for _, k := range vigil.Kinds {
		if c := cur.ByKind[k]; c >= GuardMinKind {
			if err := check(string(k)+" entities", c, next.ByKind[k]); err != nil {
				return err
			}
		}
	}
	return check("entities", cur.Entities, next.Entities)
}

// Result is what an import run did with one dataset, or with a file that
// could not be read (Err set, Files naming it).
type Result struct {
	// List is the dataset's list, or for a file that could not be read the
	// list its format suggests ("" when unknown).
	List  string   `json:"list,omitempty"`
	Files []string `json:"files"`
	vigil.ImportResult
	Warnings []string `json:"warnings,omitempty"`
	Err      error    `json:"-"`
	Error    string   `json:"error,omitempty"`
	// Refused marks a file Vigil refuses by design (an OFAC CSV set without
	// its primary file): reported, but not a failure.
	Refused bool `json:"refused,omitempty"`
	// Took is the time the store took to import the dataset.
	Took time.Duration `json:"-"`
	// last marks the last complete dataset of its list in the run.
	last bool
}

// Failed reports whether the result is a failure: an error that is not a
// refusal by design.
func (r *Result) Failed() bool { return r.Err != nil && !r.Refused }

// Added reports whether the import added a version.
func (r *Result) Added() bool {
	return r.Err == nil && r.Outcome != "" && r.Outcome != vigil.OutcomeDuplicate && r.Outcome != vigil.OutcomeWithdrawnDuplicate
}

// Message describes the outcome in a line ("kept as historical version 2:
// older than the current 3"), or "" for a plain new version.
func (r *Result) Message() string {
	v, c := r.Version, r.Current
	switch r.Outcome {
	case vigil.OutcomeHistorical:
		return fmt.Sprintf("kept as historical version %d: older than the current %d (in force from %s)", v.Version, c.Version, day(c.InForceFrom))
	case vigil.OutcomeRestored:
		return fmt.Sprintf("restored content of %d as %d", v.Restores, v.Version)
	case vigil.OutcomeRolledBack:
		return fmt.Sprintf("rolled back to the content of %d as %d", v.Restores, v.Version)
	case vigil.OutcomeWithdrawnDuplicate:
		w := v.Withdrawn
		msg := fmt.Sprintf("skipped: this is the content of %s, withdrawn", v.Label())
		if w != nil {
			msg += fmt.Sprintf(" by %s on %s (%s)", w.By, day(w.At), w.Reason)
		}
		return msg + "; import it with --force to make it current again"
	case vigil.OutcomeDuplicate:
		if r.last && c.Version != 0 && c.Version != v.Version && c.Hash != v.Hash && !v.Partial {
			return fmt.Sprintf("already imported as %s: nothing added; the current version is %d (to make this content current again: vigil lists rollback %s %d)",
				v.Label(), c.Version, v.List, v.Version)
		}
		return fmt.Sprintf("already imported as %s: nothing added", v.Label())
	}
	return ""
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.DateOnly)
}

// Import stores one dataset as a new version of its list, as the only (so
// last) dataset of its list in an import run (see ImportAll). A file
// imported before returns the stored version and vigil.ErrDuplicate unless
// it restores that content.
func Import(ctx context.Context, st vigil.Store, ds *Dataset, opt Options) (vigil.ListVersion, error) {
	r := ImportAll(ctx, st, []*Dataset{ds}, opt)[0]
	if r.Err != nil {
		return r.Version, r.Err
	}
	if !r.Added() {
		return r.Version, vigil.ErrDuplicate
	}
	return r.Version, nil
}

// ImportPaths reads the list files and folders named (see Paths) and
// imports what it read (see ImportAll). Files that could not be read come
// first, each with its error.
func ImportPaths(ctx context.Context, st vigil.Store, paths []string, opt Options) []Result {
	dss, err := readPaths(opt.OnRead, paths...)
	var out []Result
	if err != nil {
		for _, e := range unjoin(err) {
			r := Result{Err: e, Error: e.Error()}
			var fe *FileError
			if errors.As(e, &fe) {
				r.List, r.Files, r.Refused = fe.List, []string{fe.Path}, fe.Refused
			}
			if opt.Report != nil {
				opt.Report(r)
			}
			out = append(out, r)
		}
	}
	return append(out, ImportAll(ctx, st, dss, opt)...)
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// effective is the date a dataset is in force from, for ordering a run: the
// date its file states, else opt.Published; zero when neither (it will be
// in force from its import time, after every dated one).
func effective(ds *Dataset, opt Options) time.Time {
	if !ds.Meta.Published.IsZero() {
		return ds.Meta.Published
	}
	return opt.Published
}

// ImportAll imports datasets as one run: grouped by list (in list order),
// each list's datasets in the order they came into force (undated ones
// last, in path order). Each becomes current, or a historical version when
// older than the list's current one, or a partial version (see
// vigil.Store.ImportWith); the shrink guard (Guard, unless opt.Force) runs
// for each that would become current. A dataset imported before adds
// nothing, except the last complete dataset of its list in the run, which
// makes its content current again when it is not current and not older
// than the current version (and not withdrawn, unless opt.Force). The
// guard compares with the list's current version from before the run.
func ImportAll(ctx context.Context, st vigil.Store, dss []*Dataset, opt Options) []Result {
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	order := slices.Clone(dss)
	slices.SortStableFunc(order, func(a, b *Dataset) int {
		if c := strings.Compare(a.Meta.List, b.Meta.List); c != 0 {
			return c
		}
		ea, eb := effective(a, opt), effective(b, opt)
		switch {
		case ea.IsZero() != eb.IsZero():
			if ea.IsZero() {
				return 1
			}
			return -1
		case !ea.Equal(eb):
			return ea.Compare(eb)
		}
		return cmp.Compare(a.Files[0], b.Files[0])
	})
	last := map[string]*Dataset{} // list -> its last complete dataset
	for _, ds := range order {
		if !ds.Meta.Partial {
			last[ds.Meta.List] = ds
		}
	}
	// The guard compares with what was current before the run: versions
	// the run itself added were never served, and in a run over a list's
	// history (2014, 2018, 2025 snapshots) the years between snapshots
	// are no sign of a broken file.
	before := map[string]vigil.ListVersion{}
	cur, err := st.Current(ctx)
	if err != nil {
		out := make([]Result, len(order))
		for i, ds := range order {
			out[i] = Result{List: ds.Meta.List, Files: ds.Files, Err: err, Error: err.Error()}
		}
		return out
	}
	for _, v := range cur {
		if !v.Partial {
			before[v.List] = v
		}
	}
	out := make([]Result, 0, len(order))
	for _, ds := range order {
		v := ds.Version()
		v.Imported = now().UTC()
		if !opt.Published.IsZero() {
			if v.Published.IsZero() {
				v.Published, v.PublishedGiven = opt.Published, true
			} else if !sameDay(v.Published, opt.Published) {
				v.Warnings = append(v.Warnings, fmt.Sprintf("--published %s ignored: the file states %s", day(opt.Published), day(v.Published)))
			}
		}
		if v.Published.After(v.Imported) {
			// A version in force from the future would make every later
			// file historical: it is in force from its import instead.
			v.InForceFrom = v.Imported
			v.Warnings = append(v.Warnings, fmt.Sprintf("the publication date %s is in the future: in force from the import time instead",
				v.Published.UTC().Format(time.RFC3339)))
		}
		if len(v.Warnings) > maxWarnings {
			v.Warnings = append(v.Warnings[:maxWarnings-1], fmt.Sprintf("… and %d more warnings", len(v.Warnings)-maxWarnings+1))
		}
		iopt := vigil.ImportOptions{Restore: last[ds.Meta.List] == ds, Force: opt.Force}
		if !opt.Force {
			prev := before[ds.Meta.List]
			iopt.Guard = func(_, next vigil.ListVersion) error { return Guard(prev, next) }
		}
		start := time.Now()
		res, err := st.ImportWith(ctx, v, ds.Entities, iopt)
		r := Result{List: v.List, Files: ds.Files, ImportResult: res, Warnings: v.Warnings, last: iopt.Restore, Took: time.Since(start)}
		if err != nil && !errors.Is(err, vigil.ErrDuplicate) {
			r.Err = fmt.Errorf("%s: %w", ds.Files[0], err)
			r.Error = r.Err.Error()
		}
		if opt.Report != nil {
			opt.Report(r)
		}
		out = append(out, r)
	}
	return out
}

func sameDay(a, b time.Time) bool { return day(a) == day(b) }
