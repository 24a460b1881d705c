package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/link"
	"github.com/vigil-screening/vigil/weights"
)

func init() { subcommands = append(subcommands, subjectsCmd) }

func subjectsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "subjects",
		Short: "Listed subjects: the listings of different lists that are one person, organisation, vessel or aircraft",
		Long: `A subject gathers the listings of different lists that are the same person,
organisation, vessel or aircraft: linked by what the lists say (UN reference
numbers, OFAC ent_nums), a document number two lists give alike, or names
that agree strongly with the date of birth, kind and nationality. Subjects are
linked again on every import and keep their ids (S17) while their listings
continue. An analyst's judgement (link, unlink) beats the automatic links and
survives new list versions.`,
	}
	cmd.AddCommand(subjectsShowCmd(), judgeCmd("link", vigil.VerdictPositive), judgeCmd("unlink", vigil.VerdictNegative), relinkCmd())
	return cmd
}

func subjectsShowCmd() *cobra.Command {
	var db string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show SUBJECT|ENTITY",
		Short: "Show a subject (by id, or by one of its listings): its listings and why they are one",
		Args:  cobra.ExactArgs(1),
		RunE: withStore(&db, func(cmd *cobra.Command, args []string, st vigil.Backend) error {
			sub, err := findSubject(cmd.Context(), st, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), sub)
			}
			return printSubject(cmd.Context(), cmd.OutOrStdout(), st, sub)
		}),
	}
	dbFlag(cmd, &db)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// findSubject finds a subject by id ("S17") or by a listing it holds.
func findSubject(ctx context.Context, st vigil.Backend, arg string) (vigil.ListedSubject, error) {
	arg = strings.TrimSpace(arg)
	if _, ok := vigil.SubjectNumber(arg); ok {
		return st.ListedSubject(ctx, arg)
	}
	sub, err := st.SubjectOf(ctx, arg)
	if errors.Is(err, vigil.ErrNotFound) {
		if _, _, ok := vigil.SplitID(arg); !ok {
			return sub, fmt.Errorf("%q is neither a subject id (S17) nor an entity id (un:IRi.039)", arg)
		}
		return sub, fmt.Errorf("no subject holds %s: is it listed, and have the lists been linked (vigil subjects relink)?", arg)
	}
	return sub, err
}

// printSubject prints a subject: its listings (with their names and what
// tells them apart), the links between them grouped by pair, the links
// refused and the judgements.
func printSubject(ctx context.Context, out io.Writer, st vigil.Backend, sub vigil.ListedSubject) error {
	fmt.Fprintf(out, "%s", sub.ID)
	switch {
	case sub.MergedInto != "":
		fmt.Fprintf(out, " (merged into %s on %s)", sub.MergedInto, sub.Ended.Format(time.DateOnly))
	case !sub.Ended.IsZero():
		fmt.Fprintf(out, " (ended on %s: its listings left the lists)", sub.Ended.Format(time.DateOnly))
	}
	fmt.Fprintf(out, ": %d listing%s\n", len(sub.Entities), plural(len(sub.Entities)))
	for _, id := range sub.Entities {
		e, v, err := st.Entity(ctx, id)
		if err != nil {
			fmt.Fprintf(out, "  %s (not in a current list version)\n", id)
			continue
		}
		fmt.Fprintf(out, "  %-22s %-13s %s%s\n", id, v.Label(), e.PrimaryName(), facts(&e))
	}
	printLinks(out, "why they are one", sub.Links)
	printLinks(out, "links found and not applied", sub.Refused)
	if len(sub.Judgements) > 0 {
		fmt.Fprintln(out, "\njudgements:")
		for _, j := range sub.Judgements {
			fmt.Fprintf(out, "  %s %s %s by %s on %s", j.A, j.B, j.Verdict, j.By, j.At.Format(time.DateOnly))
			if j.Reason != "" {
				fmt.Fprintf(out, ": %s", j.Reason)
			}
			fmt.Fprintln(out)
		}
	}
	return nil
}

// facts are what tells a listing apart from another of the same name.
func facts(e *vigil.Entity) string { return factsOf(e.Kind, []*vigil.Entity{e}) }

// subjectFacts are what tells a subject apart: the dates of birth,
// nationalities and first role its served listings give.
func subjectFacts(ix vigil.EntityLookup, kind vigil.Kind, ids []string) string {
	var es []*vigil.Entity
	for _, id := range ids {
		if e, _, ok := ix.Entity(id); ok {
			es = append(es, e)
		}
	}
	return factsOf(kind, es)
}

func factsOf(kind vigil.Kind, es []*vigil.Entity) string {
	parts := []string{string(kind)}
	var dobs, nats []string
	role := ""
	for _, e := range es {
		for _, d := range e.BirthDates {
			if s := d.String(); !slices.Contains(dobs, s) {
				dobs = append(dobs, s)
			}
		}
		for _, n := range slices.Concat(e.Nationalities, e.Citizenships) {
			if !slices.Contains(nats, n) {
				nats = append(nats, n)
			}
		}
		if role == "" && len(e.Positions) > 0 {
			role = e.Positions[0]
		}
	}
	if len(dobs) > 0 {
		parts = append(parts, "born "+strings.Join(dobs, ", "))
	}
	if len(nats) > 0 {
		slices.Sort(nats)
		parts = append(parts, strings.Join(nats, ", "))
	}
	if role != "" {
		if len(role) > 60 {
			role = role[:57] + "..."
		}
		parts = append(parts, role)
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// printLinks prints links under a heading, grouped by pair.
func printLinks(out io.Writer, heading string, ls []vigil.SubjectLink) {
	if len(ls) == 0 {
		return
	}
	fmt.Fprintf(out, "\n%s:\n", heading)
	prev := ""
	for _, k := range ls {
		if pair := k.A + " " + k.B; pair != prev {
			fmt.Fprintf(out, "  %s — %s\n", k.A, k.B)
			prev = pair
		}
		fmt.Fprintf(out, "    %-9s %.3f  %s\n", k.Rule, k.Score, k.Detail)
		if k.Refused != "" {
			fmt.Fprintf(out, "              %s\n", k.Refused)
		}
	}
}

func judgeCmd(name string, verdict vigil.Verdict) *cobra.Command {
	var db, by, reason string
	var unsure bool
	cmd := &cobra.Command{
		Use:   name + " ENTITY ENTITY",
		Short: "Judge two listings the same subject (link) or different subjects (unlink)",
		Long: `Records an analyst's judgement on two listings, which beats the automatic
links and survives new list versions: link makes them one subject, unlink
keeps them apart however many links would join them through other listings.
"link --unsure" records that the pair was looked at and not decided; the
automatic links stand. The newest judgement on a pair is in force. The
subjects are clustered again at once (no list is read); a running server
picks the change up at its next refresh, or use the API.`,
		Args: cobra.ExactArgs(2),
		RunE: withStore(&db, func(cmd *cobra.Command, args []string, st vigil.Backend) error {
			ctx, err := actorContext(cmd.Context(), by)
			if err != nil {
				return err
			}
			v := verdict
			if unsure {
				v = vigil.VerdictUnsure
			}
			for _, id := range args {
				if _, _, err := st.Entity(ctx, id); err != nil {
					if _, serr := st.SubjectOf(ctx, id); serr != nil {
						return fmt.Errorf("%s: no such listing in the store", id)
					}
				}
			}
			j, err := st.Judge(ctx, vigil.LinkJudgement{A: args[0], B: args[1], Verdict: v, By: vigil.ActorFrom(ctx), Reason: reason})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "judged %s and %s %s (by %s)\n", j.A, j.B, j.Verdict, j.By)
			res, err := link.Rejudge(ctx, st, link.DefaultOptions, time.Now())
			if err != nil {
				return fmt.Errorf("clustering the subjects again: %w", err)
			}
			printLinking(cmd.OutOrStdout(), linked{LinkingResult: res})
			for _, id := range args {
				if sub, err := st.SubjectOf(ctx, id); err == nil {
					fmt.Fprintf(cmd.OutOrStdout(), "%s is in %s: %s\n", id, sub.ID, strings.Join(sub.Entities, ", "))
				}
			}
			return nil
		}),
	}
	dbFlag(cmd, &db)
	byFlag(cmd, &by)
	f := cmd.Flags()
	f.StringVar(&reason, "reason", "", "why (recorded with the judgement)")
	if verdict == vigil.VerdictPositive {
		f.BoolVar(&unsure, "unsure", false, "record that the pair was looked at and not decided")
	}
	return cmd
}

func relinkCmd() *cobra.Command {
	var db string
	var force bool
	cmd := &cobra.Command{
		Use:   "relink",
		Short: "Link the current lists into subjects (imports do this; needed only after an upgrade)",
		Args:  cobra.NoArgs,
		RunE: withStore(&db, func(cmd *cobra.Command, _ []string, st vigil.Backend) error {
			res, err := relink(cmd.Context(), st, db, force)
			switch {
			case err != nil:
				return err
			case res == nil:
				fmt.Fprintln(cmd.OutOrStdout(), "subjects: linked already from the current lists and judgements (--force links again)")
			default:
				printLinking(cmd.OutOrStdout(), *res)
			}
			return nil
		}),
	}
	dbFlag(cmd, &db)
	cmd.Flags().BoolVar(&force, "force", false, "link even when nothing changed since the last linking")
	return cmd
}

// linked is what a linking changed and how long it took.
type linked struct {
	vigil.LinkingResult
	Took string `json:"took,omitempty"`
}

// relink links the current lists into subjects when they, the judgements
// or the linker changed since the last linking (or when forced), and says
// what changed (nil: nothing to link). Imports call it.
func relink(ctx context.Context, st vigil.Backend, db string, force bool) (*linked, error) {
	cur, err := st.Current(ctx)
	if err != nil || len(cur) == 0 {
		return nil, err
	}
	if !force {
		stale, err := link.Stale(ctx, st, labels(cur), link.DefaultOptions)
		if err != nil || !stale {
			return nil, err
		}
	}
	start := time.Now()
	entries, vs, err := readCurrent(ctx, st, db)
	if err != nil {
		return nil, err
	}
	// Linked with the weights every index over the store has (as vigil
	// serve links).
	ix, _, err := weights.For(ctx, st, entries, vs, weights.Options{})
	if err != nil {
		return nil, err
	}
	res, err := link.Run(ctx, st, entries, ix, link.DefaultOptions, time.Now())
	if err != nil {
		return nil, fmt.Errorf("linking subjects: %w", err)
	}
	return &linked{res, time.Since(start).Round(100 * time.Millisecond).String()}, nil
}

// printLinking says what a linking changed.
func printLinking(out io.Writer, r linked) {
	fmt.Fprintf(out, "subjects: %d, %d on several listings; %d new, %d ended, %d changed", r.Subjects, r.Linked, r.New, r.Ended, r.Changed)
	if r.Took != "" {
		fmt.Fprintf(out, " (linked in %s)", r.Took)
	}
	fmt.Fprintln(out)
}

// loadSubjects reads the subjects of the listings for grouping matches.
func loadSubjects(ctx context.Context, st vigil.Backend) (*link.Subjects, error) {
	ids, err := st.SubjectIDs(ctx)
	if err != nil {
		return nil, err
	}
	return link.NewSubjects(ids), nil
}
