package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/link"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/weights"
)

func init() { subcommands = append(subcommands, screenCmd) }

// currentEntries reads the current version of every list in the store, or
// says that the store holds none.
func currentEntries(ctx context.Context, db string) ([]match.Entry, error) {
	st, err := openStore(db)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	entries, _, err := readCurrent(ctx, st, db)
	return entries, err
}

// readCurrent reads the current version of every list and the versions.
func readCurrent(ctx context.Context, st vigil.Backend, db string) ([]match.Entry, []vigil.ListVersion, error) {
	cur, err := st.CurrentEntities(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("reading current entities: %w", err)
	}
	if len(cur) == 0 {
		return nil, nil, errNoLists(db)
	}
	entries := make([]match.Entry, len(cur))
	for i := range cur {
		entries[i] = match.Entry{Entity: &cur[i].Entity, Version: cur[i].Version.Label()}
	}
	vs, err := st.Current(ctx)
	if err != nil {
		return nil, nil, err
	}
	return entries, vs, nil
}

// readAsOf reads the entities of the list versions in force at t, or says
// that none was.
func readAsOf(ctx context.Context, st vigil.Backend, db string, t time.Time, asOf string) ([]match.Entry, []vigil.ListVersion, error) {
	vs, err := st.AsOf(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	if len(vs) == 0 {
		return nil, nil, fmt.Errorf("no list version in %s was in force on %s (vigil lists versions LIST shows when each came into force)", storeName(db), asOf)
	}
	entries, err := versionEntries(ctx, st, vs)
	return entries, vs, err
}

// labels returns the versions' labels (LIST@N).
func labels(vs []vigil.ListVersion) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.Label()
	}
	return out
}

// screening is what a screening command needs: who runs it, the store (kept
// open for the audit log), the entries screened against, their list
// versions, and the index over them.
type screening struct {
	who      string
	st       vigil.Backend
	entries  []match.Entry
	versions []vigil.ListVersion
	lists    []string // the versions' labels
	ix       *match.Index
	// subjects groups matches by listed subject.
	subjects *link.Subjects
}

// openScreening finds who runs the command (--by, or the OS user; it
// refuses when it cannot tell), opens the store and reads the current
// lists. Close the screening when done.
func openScreening(ctx context.Context, db, by string) (*screening, error) {
	return openScreeningAsOf(ctx, db, by, "")
}

// openScreeningAsOf is openScreening against the list versions in force on
// the date asOf (YYYY-MM-DD, or an RFC 3339 instant) when it is not empty.
func openScreeningAsOf(ctx context.Context, db, by, asOf string) (*screening, error) {
	var t time.Time
	if asOf != "" {
		var err error
		if t, err = vigil.ParseAsOf(asOf, time.Now()); err != nil {
			return nil, fmt.Errorf("--as-of %q: %v", asOf, err)
		}
	}
	who, err := actor(by)
	if err != nil {
		return nil, err
	}
	st, err := openStore(db)
	if err != nil {
		return nil, err
	}
	var entries []match.Entry
	var vs []vigil.ListVersion
	if asOf != "" {
		entries, vs, err = readAsOf(ctx, st, db, t, asOf)
	} else {
		entries, vs, err = readCurrent(ctx, st, db)
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	// The index weighs name parts as every process screening against
	// this store does: with the current weight epoch's factors (begun
	// when there is none; a date's lists never begin one).
	var ix *match.Index
	if asOf != "" {
		ix, _, err = weights.With(ctx, st, entries)
	} else {
		ix, _, err = weights.For(ctx, st, entries, vs, weights.Options{})
	}
	if err != nil {
		st.Close()
		return nil, err
	}
	subs, err := loadSubjects(ctx, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	return &screening{who: who, st: st, entries: entries, versions: vs, lists: labels(vs), ix: ix, subjects: subs}, nil
}

// index returns the index screened against.
func (s *screening) index() *match.Index { return s.ix }

func (s *screening) Close() error { return s.st.Close() }

// audit appends the screening's record. A command whose record cannot be
// written fails without printing its result: a screening that leaves no
// trace would fail open.
func (s *screening) audit(ctx context.Context, action string, q vigil.ScreeningQuery, res vigil.ScreeningResult) error {
	if err := vigil.Audit(context.WithoutCancel(ctx), s.st, s.who, action, q, res); err != nil {
		return fmt.Errorf("writing the audit record (the result is withheld): %w", err)
	}
	return nil
}

func screenCmd() *cobra.Command {
	var db, by, asOf string
	var q vigil.Query
	var kind string
	var asJSON bool
	var filter filterFlags
	cmd := &cobra.Command{
		Use:   "screen [flags] NAME",
		Short: "Screen a name against the current lists",
		Long: `Screens a name against the current lists and prints one result per listed
subject: the listings of every list that are the same person, organisation,
vessel or aircraft (vigil subjects), with the best-matching name, the
measures each list imposes, and each listing that matched with why.
--lists, --program and --measure limit the screen to some lists, programmes
or measures (--measure travel_ban for border use).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q.Name = strings.Join(args, " ")
			if kind != "" {
				if _, ok := vigil.ParseKind(kind); !ok {
					return fmt.Errorf("--kind %q: want person, organization, vessel or aircraft", kind)
				}
				q.Kind = vigil.Kind(kind)
			}
			// A value the matcher cannot use is left out and named, on
			// stderr and in the JSON: never screened without a word.
			checked, ps := match.CheckQuery(q)
			var problems []string
			for _, p := range ps {
				if p.Field == "name" {
					return fmt.Errorf("%s", p)
				}
				problems = append(problems, p.String()+"; screened without it")
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: --%s %q %s; screened without it\n", p.Field, p.Value, p.Reason)
			}
			sc, err := openScreeningAsOf(cmd.Context(), db, by, asOf)
			if err != nil {
				return err
			}
			defer sc.Close()
			if checked.Filter, err = filter.parse(sc.versions); err != nil {
				return err
			}
			ix := sc.index()
			ms := ix.Screen(checked)
			if ms == nil {
				ms = []vigil.Match{}
			}
			subs := sc.subjects.Group(ms, ix)
			if err := sc.audit(cmd.Context(), vigil.AuditScreen, vigil.ScreeningQuery{Queries: []vigil.Query{checked}, AsOf: asOf},
				vigil.NewScreeningResult(sc.lists, [][]vigil.Match{ms})); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(out, struct {
					Query        vigil.Query          `json:"query"`
					Problems     []string             `json:"problems,omitempty"`
					Matches      []vigil.Match        `json:"matches"`
					Subjects     []vigil.SubjectMatch `json:"subjects"`
					AsOf         string               `json:"as_of,omitempty"`
					ListVersions []vigil.VersionRef   `json:"list_versions"`
				}{checked, problems, ms, subs, asOf, vigil.Refs(sc.versions)})
			}
			if asOf != "" {
				var names []string
				for _, v := range sc.versions {
					part := ""
					if v.Partial {
						part = "partial: a filtered export, not the whole list; "
					}
					names = append(names, v.Label()+" ("+part+"in force from "+instant(v.InForceFrom)+")")
				}
				fmt.Fprintf(out, "as of %s: %s\n", asOf, strings.Join(names, ", "))
			}
			if len(ms) == 0 {
				if len(problems) > 0 {
					fmt.Fprintln(out, "no match on the values that could be used (see the warnings)")
					return nil
				}
				fmt.Fprintln(out, "no match")
				return nil
			}
			return printSubjectMatches(out, subs, ms, ix)
		},
	}
	dbFlag(cmd, &db)
	byFlag(cmd, &by)
	f := cmd.Flags()
	f.StringVar(&q.DOB, "dob", "", "date of birth: YYYY, YYYY-MM or YYYY-MM-DD")
	f.StringVar(&q.Nationality, "nationality", "", "nationality: ISO alpha-2 code or country name")
	f.StringVar(&q.Gender, "gender", "", "gender: male or female")
	f.StringVar(&q.ID, "id", "", "an identity document number")
	f.StringVar(&kind, "kind", "", "person, organization, vessel or aircraft")
	f.Float64Var(&q.Threshold, "threshold", 0, fmt.Sprintf("report matches at or above this score (default %.2f)", match.DefaultThreshold))
	f.IntVar(&q.Limit, "limit", 0, fmt.Sprintf("at most this many matching listings (default %d)", match.DefaultLimit))
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.StringVar(&asOf, "as-of", "", "screen against the list versions in force on this date (YYYY-MM-DD) instead of the current ones")
	filter.add(cmd)
	return cmd
}

// filterFlags are the flags that limit a screen to lists, programmes or
// measures.
type filterFlags struct {
	lists, programs, measures []string
}

func (f *filterFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringSliceVar(&f.lists, "lists", nil, "screen only these lists (keys or sources, comma-separated: un,ofac_sdn)")
	fl.StringSliceVar(&f.programs, "program", nil, "screen only listings under these programmes (comma-separated)")
	fl.StringSliceVar(&f.measures, "measure", nil, "screen only listings imposing these measures: travel_ban, asset_freeze, arms_embargo")
}

// parse checks the flags against the lists held (a list or measure that
// names nothing would make every screen come back clear).
func (f *filterFlags) parse(held []vigil.ListVersion) (*vigil.Filter, error) {
	out := &vigil.Filter{Lists: f.lists, Programs: f.programs}
	if err := vigil.CheckFilterLists(out.Lists, held); err != nil {
		return nil, fmt.Errorf("--lists: %w", err)
	}
	for _, m := range f.measures {
		pm, ok := vigil.ParseMeasure(m)
		if !ok {
			return nil, fmt.Errorf("--measure %q: want travel_ban, asset_freeze or arms_embargo", m)
		}
		out.Measures = append(out.Measures, pm)
	}
	if out.Empty() {
		return nil, nil
	}
	return out, nil
}

// printSubjectMatches prints one result per subject: its listings (*
// marks those that matched), the measures by list, then each matching
// listing with why it matched.
func printSubjectMatches(out io.Writer, subs []vigil.SubjectMatch, ms []vigil.Match, ix vigil.EntityLookup) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCORE\tSUBJECT\tKIND\tBEST MATCH\tLISTINGS (* matched)")
	for _, s := range subs {
		var ls []string
		for _, l := range s.Lists {
			mark := ""
			if l.Matched {
				mark = "*"
			}
			ls = append(ls, l.EntityID+mark)
		}
		fmt.Fprintf(tw, "%.3f\t%s\t%s\t%s\t%s\n", s.Score, orDash(s.Subject), s.Kind, s.Name, strings.Join(ls, " "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range subs {
		fmt.Fprintf(out, "\n%s %s%s\n", orDash(s.Subject), s.Name, subjectFacts(ix, s.Kind, s.EntityIDs))
		if m := measuresByList(s.Measures); m != "" {
			fmt.Fprintf(out, "  measures: %s\n", m)
		}
		for _, m := range ms {
			if m.Subject != s.Subject || (s.Subject == "" && m.EntityID != s.EntityID) {
				continue
			}
			fmt.Fprintf(out, "  %s %q %.3f (%s)\n", m.EntityID, m.Name, m.Score, m.ListVersion)
			for _, f := range m.Explanation {
				fmt.Fprintf(out, "    %-12s %+.3f  %s\n", f.Feature, f.Score, f.Detail)
			}
		}
	}
	return nil
}

// measuresByList formats a subject's measures: "travel_ban by un;
// asset_freeze by ca, un".
func measuresByList(ms []vigil.MeasureLists) string {
	var parts []string
	for _, m := range ms {
		parts = append(parts, string(m.Measure)+" by "+strings.Join(m.Lists, ", "))
	}
	return strings.Join(parts, "; ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// errNoLists says that the store holds nothing to screen against, and how to
// fill it; screening an empty store must not look like "no match".
func errNoLists(db string) error {
	db = storeName(db)
	return fmt.Errorf("the store %s holds no lists: import some first (vigil lists import --db %s PATH..., or vigil lists update --db %s)", db, db, db)
}

// digest counts and hashes the bytes written to it: an input read through
// io.TeeReader or an output written through io.MultiWriter, for the audit
// record to identify without keeping it.
type digest struct {
	h hash.Hash
	n int64
}

func newDigest() *digest { return &digest{h: sha256.New()} }

func (d *digest) Write(p []byte) (int, error) {
	d.n += int64(len(p))
	return d.h.Write(p)
}

// input describes what passed through, under name.
func (d *digest) input(name string) *vigil.AuditInput {
	return &vigil.AuditInput{Name: name, Bytes: d.n, SHA256: hex.EncodeToString(d.h.Sum(nil))}
}
