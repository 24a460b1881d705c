package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/text"
)

func init() { subcommands = append(subcommands, textCmd) }

func textCmd() *cobra.Command {
	var db, by string
	var asJSON bool
	var threshold float64
	cmd := &cobra.Command{
		Use:   "text [flags] [FILE|-]",
		Short: "Find listed persons and organisations mentioned in an article",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var in io.Reader = cmd.InOrStdin()
			if len(args) == 1 && args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				in = f
			}
			raw, err := io.ReadAll(in)
			if err != nil {
				return err
			}
			article := string(raw)
			scr, err := openScreening(cmd.Context(), db, by)
			if err != nil {
				return err
			}
			defer scr.Close()
			ents := make([]*vigil.Entity, len(scr.entries))
			for i := range scr.entries {
				ents[i] = scr.entries[i].Entity
			}
			ix := scr.index()
			sc, err := text.New(ents, ix, text.Options{Threshold: threshold})
			if err != nil {
				return err
			}
			ms := sc.Scan(article)
			if ms == nil {
				ms = []text.Mention{}
			}
			for i := range ms {
				ms[i].Subjects = scr.subjects.Group(ms[i].Matches, ix)
			}
			name := "-"
			if len(args) == 1 {
				name = args[0]
			}
			q := vigil.ScreeningQuery{Input: vigil.NewAuditInput(name, raw), Threshold: threshold}
			found := make([][]vigil.Match, len(ms))
			for i, m := range ms {
				q.Queries, found[i] = append(q.Queries, vigil.Query{Name: m.Text}), m.Matches
			}
			if err := scr.audit(cmd.Context(), vigil.AuditText, q, vigil.NewScreeningResult(scr.lists, found)); err != nil {
				return err
			}
			sum := text.Summarize(ms)
			subs := text.SummarizeSubjects(ms)
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"mentions": ms, "entities": sum, "subjects": subs})
			}
			out := cmd.OutOrStdout()
			fmt.Fprintln(out, text.Mark(article, ms))
			fmt.Fprintln(out)
			if len(subs) == 0 {
				fmt.Fprintln(out, "No listed person or organisation found.")
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SUBJECT\tKIND\tNAME\tSCORE\tMENTIONS\tAS\tLISTINGS")
			for _, h := range subs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%d (%d by surname)\t%s\t%s\n", orDash(h.Subject), h.Kind, h.Name, h.BestScore, h.Mentions, h.Coref,
					strings.Join(h.Texts, "; "), strings.Join(h.EntityIDs, " "))
			}
			return tw.Flush()
		},
	}
	dbFlag(cmd, &db)
	byFlag(cmd, &by)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().Float64Var(&threshold, "threshold", 0, fmt.Sprintf("least score of a match (default %.2f)", text.DefaultThreshold))
	return cmd
}
