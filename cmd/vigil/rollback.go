package main

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
)

func init() { listsSubcommands = append(listsSubcommands, rollbackCmd) }

func rollbackCmd() *cobra.Command {
	var db, reason, by string
	var force, asJSON bool
	cmd := &cobra.Command{
		Use:   "rollback LIST [VERSION]",
		Short: "Withdraw a list's current version and make an earlier version's content current again",
		Long: `Withdraws the current version of LIST (recording who, when and why) and
makes the content of VERSION current again as a new version; without VERSION,
the version in force before the current one (the newest earlier one with
other content). A refresh that reads the withdrawn file again skips it
(import it with --force to make it current again). A running server picks
the change up at its next refresh (or use POST /v1/lists/LIST/rollback).`,
		Args: cobra.RangeArgs(1, 2),
		RunE: withStore(&db, func(cmd *cobra.Command, args []string, st vigil.Backend) error {
			if strings.TrimSpace(reason) == "" {
				return fmt.Errorf("--reason is required: it is recorded on the withdrawn version")
			}
			list, err := resolveList(cmd.Context(), st, args[0])
			if err != nil {
				return err
			}
			to := 0
			if len(args) == 2 {
				if to, err = strconv.Atoi(args[1]); err != nil || to < 1 {
					return fmt.Errorf("VERSION: %q is not a version number", args[1])
				}
			}
			if by == "" {
				by = operator()
			}
			res, err := st.Rollback(cmd.Context(), vigil.Rollback{List: list, To: to, Force: force,
				Withdrawal: vigil.Withdrawal{By: by, Reason: reason}})
			if err != nil {
				return err
			}
			subjects, lerr := relink(cmd.Context(), st, db, false)
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), res); err != nil {
					return err
				}
				return lerr
			}
			out := cmd.OutOrStdout()
			w, v := res.Withdrawn, res.Version
			fmt.Fprintf(out, "%s withdrawn by %s: %s\n", w.Label(), w.Withdrawn.By, w.Withdrawn.Reason)
			fmt.Fprintf(out, "%s version %d is current: the content of version %d, %s; %d entities\n", v.List, v.Version, v.Restores, inForceWhy(v), v.Entities)
			fmt.Fprintf(out, "  since version %d: %d added, %d removed, %d changed\n", v.Base, v.Added, v.Removed, v.Changed)
			if subjects != nil {
				printLinking(out, *subjects)
			}
			return lerr
		}),
	}
	dbFlag(cmd, &db)
	f := cmd.Flags()
	f.StringVar(&reason, "reason", "", "why the current version is withdrawn (required)")
	f.StringVar(&by, "by", "", "who rolls back (default: the operating-system user)")
	f.BoolVar(&force, "force", false, "allow rolling back to a withdrawn version")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// operator names the person running the command: the operating-system user
// (and host), for the withdrawal record.
func operator() string {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	if name == "" {
		name = "unknown user"
	}
	if h, err := os.Hostname(); err == nil && h != "" {
		name += "@" + h
	}
	return name
}
