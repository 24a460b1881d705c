package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

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
	st, err := openStore(db)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	cur, err := st.CurrentEntities(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading current entities: %w", err)
	}
	if len(cur) == 0 {
		return nil, errNoLists(db)
	}
	entries := make([]match.Entry, len(cur))
	for i := range cur {
		entries[i] = match.Entry{Entity: &cur[i].Entity, Version: cur[i].Version.Label()}
	}
	return entries, nil
}

func screenCmd() *cobra.Command {
	var db string
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
			ix, err := loadIndex(cmd.Context(), db)
			if err != nil {
				return err
			}
			ms := ix.Screen(checked)
			if ms == nil {
				ms = []vigil.Match{}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				return writeJSON(out, struct {
					Query    vigil.Query   `json:"query"`
					Problems []string      `json:"problems,omitempty"`
					Matches  []vigil.Match `json:"matches"`
				}{checked, problems, ms})
			}
			if len(ms) == 0 {
				if len(problems) > 0 {
					fmt.Fprintln(out, "no match on the values that could be used (see the warnings)")
					return nil
				}
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
	return cmd
}

// errNoLists says that the store holds nothing to screen against, and how to
// fill it; screening an empty store must not look like "no match".
func errNoLists(db string) error {
	return fmt.Errorf("the store %s holds no lists: import some first (vigil lists import --db %s PATH..., or vigil lists update --db %s)", db, db, db)
}
