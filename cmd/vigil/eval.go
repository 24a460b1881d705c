package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil/eval"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/match"
)

func init() { subcommands = append(subcommands, evalCmd) }

func evalCmd() *cobra.Command {
	var db, evalDir, listsDir string
	var verbose bool
	cmd := &cobra.Command{
		Use:   "eval [--db FILE]",
		Short: "Run the matching evaluations (name_bench, negatives, variants, other scripts) and print a table and a curve over thresholds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if evalDir == "" {
				root := shared.Root()
				if root == "" {
					return fmt.Errorf("no shared data folder found: pass --eval-dir (and --lists)")
				}
				evalDir = filepath.Join(root, "data", "eval")
				if listsDir == "" && !cmd.Flags().Changed("db") {
					listsDir = filepath.Join(root, "data", "lists")
				}
			}
			var entries []match.Entry
			var err error
			t0 := time.Now()
			if listsDir != "" {
				entries, err = eval.LoadLists(listsDir)
			} else {
				entries, err = currentEntries(cmd.Context(), db)
			}
			if err != nil {
				return err
			}
			t1 := time.Now()
			ix := match.NewIndex(entries)
			fmt.Fprintf(cmd.OutOrStdout(), "%d entities loaded in %s, index built in %s\n\n", ix.Len(), t1.Sub(t0).Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
			return eval.Report(cmd.OutOrStdout(), evalDir, ix, entries, verbose)
		},
	}
	dbFlag(cmd, &db)
	cmd.Flags().StringVar(&evalDir, "eval-dir", "", "folder of name_bench_cases.csv and the negatives files (eval.NegFiles; default ../shared/data/eval)")
	cmd.Flags().StringVar(&listsDir, "lists", "", "read the lists from this folder instead of the store (default ../shared/data/lists unless --db is given)")
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "list every misjudged name_bench pair, negative hit, variant miss and script case missed")
	return cmd
}
