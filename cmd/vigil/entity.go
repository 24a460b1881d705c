package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
)

func init() { subcommands = append(subcommands, entityCmd) }

func entityCmd() *cobra.Command {
	var db string
	var history, asJSON bool
	cmd := &cobra.Command{
		Use:   "entity ID",
		Short: "Print a listed entity (e.g. un:IRi.039, ofac:10481), or its history on every list",
		Long: `Prints a listed entity as its current list version holds it: its names by
script, dates and places of birth, documents, measures and programs, the
list version, and the subject it belongs to (its listings on other lists).
--json prints the entity as JSON instead.

With --history, prints each version of every list that listed, changed or
delisted it (in the order the versions came into force), with the fields
that changed and their old and new values, and the periods it was listed.`,
		Args: cobra.ExactArgs(1),
		RunE: withStore(&db, func(cmd *cobra.Command, args []string, st vigil.Backend) error {
			id := args[0]
			if history {
				states, err := st.EntityStates(cmd.Context(), id)
				if errors.Is(err, vigil.ErrNotFound) {
					return fmt.Errorf("no version of any list in %s holds %q", storeName(db), id)
				}
				if err != nil {
					return err
				}
				h := vigil.HistoryOf(id, states)
				if asJSON {
					return writeJSON(cmd.OutOrStdout(), h)
				}
				printHistory(cmd.OutOrStdout(), h)
				return nil
			}
			e, v, err := st.Entity(cmd.Context(), id)
			if errors.Is(err, vigil.ErrNotFound) {
				return fmt.Errorf("no entity %q in the current lists of %s (vigil entity --history %s shows whether it was ever listed)", id, storeName(db), id)
			}
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), struct {
					vigil.Entity
					ListVersion string `json:"list_version"`
				}{e, v.Label()})
			}
			sub, err := st.SubjectOf(cmd.Context(), id)
			if err != nil && !errors.Is(err, vigil.ErrNotFound) {
				return err
			}
			return printEntity(cmd.OutOrStdout(), e, v, sub)
		}),
	}
	dbFlag(cmd, &db)
	cmd.Flags().BoolVar(&history, "history", false, "show the entity's history on every list")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printHistory prints an entity's history list by list.
func printHistory(w io.Writer, h vigil.EntityHistory) {
	name := ""
	if h.Entity != nil {
		name = " " + h.Entity.PrimaryName()
	}
	fmt.Fprintf(w, "%s%s\n", h.ID, name)
	for _, l := range h.Lists {
		state := "not listed in its newest version"
		if l.Listed {
			state = "listed"
		}
		fmt.Fprintf(w, "\n%s: %s\n", l.List, state)
		for _, p := range l.Periods {
			if p.Delisted != nil {
				fmt.Fprintf(w, "  listed %s (%s) to %s (%s)\n", instant(p.Listed), p.ListedIn, instant(*p.Delisted), p.DelistedIn)
			} else {
				fmt.Fprintf(w, "  listed since %s (%s)\n", instant(p.Listed), p.ListedIn)
			}
		}
		for _, e := range l.Events {
			fmt.Fprintf(w, "  %-16s %-14s %s\n", instant(e.InForceFrom), e.Version, e.Change)
			printChanges(w, "      ", e.Changes)
		}
	}
}
