package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

func init() { subcommands = append(subcommands, screenCmd) }

// loadIndex builds the match index over the current version of every list in
// the store.
func loadIndex(ctx context.Context, db string) (*match.Index, error) {
	entries, err := currentEntries(ctx, db)
	if err != nil {
		return nil, err
	}
	return match.NewIndex(entries), nil
}

// currentEntries reads the current version of every list in the store, or
// says that the store holds none.
func currentEntries(ctx context.Context, db string) ([]match.Entry, error) {
	entries, _, err := currentEntriesVersions(ctx, db)
	return entries, err
}

// currentEntriesVersions is currentEntries with the versions read.
func currentEntriesVersions(ctx context.Context, db string) ([]match.Entry, []vigil.ListVersion, error) {
	st, err := openStore(db)
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	cur, err := st.CurrentEntities(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("reading current entities: %w", err)
	}
	if len(cur) == 0 {
		return nil, nil, errNoLists(db)
	}
	entries := make([]match.Entry, len(cur))
	var vs []vigil.ListVersion
	for i := range cur {
		entries[i] = match.Entry{Entity: &cur[i].Entity, Version: cur[i].Version.Label()}
		if len(vs) == 0 || vs[len(vs)-1].List != cur[i].Version.List {
			vs = append(vs, cur[i].Version)
		}
	}
	return entries, vs, nil
}

// asOfEntries reads the entities of the list versions in force at t, or
// says that none was.
func asOfEntries(ctx context.Context, db string, t time.Time, asOf string) ([]match.Entry, []vigil.ListVersion, error) {
	st, err := openStore(db)
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	vs, err := st.AsOf(ctx, t)
	if err != nil {
		return nil, nil, err
	}
	if len(vs) == 0 {
		return nil, nil, fmt.Errorf("no list version in %s was in force on %s (vigil lists versions LIST shows when each came into force)", db, asOf)
	}
	entries, err := versionEntries(ctx, st, vs)
	return entries, vs, err
}

func screenCmd() *cobra.Command {
	var db, asOf string
	var q vigil.Query
	var kind string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "screen [flags] NAME",
		Short: "Screen a name against the current lists",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			q.Name = strings.Join(args, " ")
			if kind != "" {
				k, ok := vigil.ParseKind(kind)
				if !ok {
					return fmt.Errorf("--kind %q: want person, organization, vessel or aircraft", kind)
				}
				q.Kind = k
			}
			var entries []match.Entry
			var vs []vigil.ListVersion
			var err error
			if asOf != "" {
				t, perr := vigil.ParseAsOf(asOf, time.Now())
				if perr != nil {
					return fmt.Errorf("--as-of %q: %v", asOf, perr)
				}
				entries, vs, err = asOfEntries(cmd.Context(), db, t, asOf)
			} else {
				entries, vs, err = currentEntriesVersions(cmd.Context(), db)
			}
			if err != nil {
				return err
			}
			ms := match.NewIndex(entries).Screen(q)
			if ms == nil {
				ms = []vigil.Match{}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(out, struct {
					Query        vigil.Query        `json:"query"`
					Matches      []vigil.Match      `json:"matches"`
					AsOf         string             `json:"as_of,omitempty"`
					ListVersions []vigil.VersionRef `json:"list_versions"`
				}{q, ms, asOf, vigil.Refs(vs)})
			}
			if asOf != "" {
				var names []string
				for _, v := range vs {
					names = append(names, v.Label()+" (in force from "+instant(v.InForceFrom)+")")
				}
				fmt.Fprintf(out, "as of %s: %s\n", asOf, strings.Join(names, ", "))
			}
			if len(ms) == 0 {
				fmt.Fprintln(out, "no match")
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SCORE\tENTITY\tKIND\tNAME\tMATCHED NAME\tLIST")
			for _, m := range ms {
				fmt.Fprintf(tw, "%.3f\t%s\t%s\t%s\t%s\t%s\n", m.Score, m.EntityID, m.Kind, m.Name, m.MatchedName, m.ListVersion)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, m := range ms {
				fmt.Fprintf(out, "\n%s %s\n", m.EntityID, m.Name)
				for _, f := range m.Explanation {
					fmt.Fprintf(out, "  %-12s %+.3f  %s\n", f.Feature, f.Score, f.Detail)
				}
			}
			return nil
		},
	}
	dbFlag(cmd, &db)
	f := cmd.Flags()
	f.StringVar(&q.DOB, "dob", "", "date of birth: YYYY, YYYY-MM or YYYY-MM-DD")
	f.StringVar(&q.Nationality, "nationality", "", "nationality: ISO alpha-2 code or country name")
	f.StringVar(&q.Gender, "gender", "", "gender: male or female")
	f.StringVar(&q.ID, "id", "", "an identity document number")
	f.StringVar(&kind, "kind", "", "person, organization, vessel or aircraft")
	f.Float64Var(&q.Threshold, "threshold", 0, fmt.Sprintf("report matches at or above this score (default %.2f)", match.DefaultThreshold))
	f.IntVar(&q.Limit, "limit", 0, fmt.Sprintf("at most this many matches (default %d)", match.DefaultLimit))
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.StringVar(&asOf, "as-of", "", "screen against the list versions in force on this date (YYYY-MM-DD) instead of the current ones")
	return cmd
}

// errNoLists says that the store holds nothing to screen against, and how to
// fill it; screening an empty store must not look like "no match".
func errNoLists(db string) error {
	return fmt.Errorf("the store %s holds no lists: import some first (vigil lists import --db %s PATH..., or vigil lists update --db %s)", db, db, db)
}
