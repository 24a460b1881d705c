package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists/load"
	"github.com/vigil-screening/vigil/sqlite"
)

func init() {
	subcommands = append(subcommands, listsCmd, entityCmd)
}

// openStore opens the SQLite store at path.
func openStore(path string) (*sqlite.Store, error) {
	st, err := sqlite.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", path, err)
	}
	return st, nil
}

// withStore makes a command's RunE that opens the store at *db (read
// when the command runs, after flags), runs fn with it and closes it.
func withStore(db *string, fn func(cmd *cobra.Command, args []string, st *sqlite.Store) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		st, err := openStore(*db)
		if err != nil {
			return err
		}
		defer st.Close()
		return fn(cmd, args, st)
	}
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func listsCmd() *cobra.Command {
	var db string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "lists",
		Short: "Show the lists held: current version, dates, counts",
		Args:  cobra.NoArgs,
		RunE: withStore(&db, func(cmd *cobra.Command, _ []string, st *sqlite.Store) error {
			cur, err := st.Current(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				if cur == nil {
					cur = []vigil.ListVersion{}
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"lists": cur})
			}
			if len(cur) == 0 {
				fmt.Fprintf(cmd.OutOrStdout(), "No lists in %s. Import some: vigil lists import --db %s PATH...\n", db, db)
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "LIST\tVERSION\tFORMAT\tPUBLISHED\tIMPORTED\tENTITIES\tBY KIND")
			for _, v := range cur {
				fmt.Fprintf(tw, "%s\t%d%s\t%s\t%s\t%s\t%d\t%s\n", v.List, v.Version, partialMark(v), v.Format,
					dateOrDash(v.Published), v.Imported.Local().Format("2006-01-02 15:04"), v.Entities, byKind(v.ByKind))
			}
			return tw.Flush()
		}),
	}
	dbFlag(cmd, &db)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(importCmd(), diffCmd(), versionsCmd())
	for _, f := range listsSubcommands {
		cmd.AddCommand(f())
	}
	return cmd
}

// listsSubcommands are further "vigil lists" subcommands defined in other files.
var listsSubcommands []func() *cobra.Command

func partialMark(v vigil.ListVersion) string {
	if v.Partial {
		return " (partial)"
	}
	return ""
}

func dateOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02")
}

func byKind(m map[vigil.Kind]int) string {
	var parts []string
	for _, k := range append(vigil.Kinds, vigil.KindUnknown) {
		if n := m[k]; n > 0 {
			name := string(k)
			if k == vigil.KindUnknown {
				name = "unknown"
			}
			parts = append(parts, fmt.Sprintf("%s %d", name, n))
		}
	}
	return strings.Join(parts, ", ")
}

// importResult is one file's outcome in "vigil lists import".
type importResult struct {
	Files     []string           `json:"files"`
	Version   *vigil.ListVersion `json:"version,omitempty"`
	Duplicate bool               `json:"duplicate,omitempty"`
	Warnings  []string           `json:"warnings,omitempty"`
	Error     string             `json:"error,omitempty"`
}

func importCmd() *cobra.Command {
	var db string
	var asJSON, force bool
	cmd := &cobra.Command{
		Use:   "import PATH...",
		Short: "Import list files or folders as new list versions",
		Args:  cobra.MinimumNArgs(1),
		RunE: withStore(&db, func(cmd *cobra.Command, args []string, st *sqlite.Store) error {
			results, failed := importPaths(cmd.Context(), st, args, force)
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), map[string]any{"imports": results}); err != nil {
					return err
				}
			} else {
				printImports(cmd.OutOrStdout(), cmd.ErrOrStderr(), results)
			}
			if err := rescreenAfterImport(cmd.Context(), st, summaryOut(cmd, asJSON), cmd.ErrOrStderr()); err != nil {
				return err
			}
			if failed > 0 {
				if !asJSON {
					fmt.Fprintf(cmd.ErrOrStderr(), "vigil: %d of %d imports failed; the lists they would have replaced stay in force\n", failed, len(results))
				}
				return exitError{1}
			}
			return nil
		}),
	}
	dbFlag(cmd, &db)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&force, "force", false, "import even a version that shrank by more than 20%")
	return cmd
}

// importPaths reads and imports every list under paths, oldest publication
// first within each list so that versions follow the lists' own history.
func importPaths(ctx context.Context, st vigil.Store, paths []string, force bool) ([]importResult, int) {
	dss, err := load.Paths(paths...)
	var results []importResult
	failed := 0
	if err != nil {
		for _, e := range unjoin(err) {
			results = append(results, importResult{Error: e.Error()})
			failed++
		}
	}
	sort.SliceStable(dss, func(i, j int) bool {
		a, b := dss[i].Meta, dss[j].Meta
		if a.List != b.List {
			return a.List < b.List
		}
		if !a.Published.Equal(b.Published) && !a.Published.IsZero() && !b.Published.IsZero() {
			return a.Published.Before(b.Published)
		}
		return dss[i].Files[0] < dss[j].Files[0]
	})
	for _, ds := range dss {
		r := importResult{Files: ds.Files, Warnings: ds.Meta.Warnings()}
		v, err := load.Import(ctx, st, ds, load.Options{Force: force})
		switch {
		case errors.Is(err, vigil.ErrDuplicate):
			r.Duplicate = true
			r.Version = &v
		case err != nil:
			r.Error = err.Error()
			failed++
		default:
			r.Version = &v
		}
		results = append(results, r)
	}
	return results, failed
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func printImports(out, errOut io.Writer, results []importResult) {
	for _, r := range results {
		if r.Error != "" {
			fmt.Fprintf(errOut, "error: %s\n", r.Error)
			continue
		}
		v := r.Version
		fmt.Fprintf(out, "%s version %d%s (%s) from %s\n", v.List, v.Version, partialMark(*v), v.Format, strings.Join(r.Files, ", "))
		if r.Duplicate {
			fmt.Fprintf(out, "  already imported as %s: nothing added\n", v.Label())
			continue
		}
		fmt.Fprintf(out, "  published %s; %d entities: %s\n", dateOrDash(v.Published), v.Entities, byKind(v.ByKind))
		if v.Version > 1 {
			fmt.Fprintf(out, "  since version %d: %d added, %d removed, %d changed\n", v.Version-1, v.Added, v.Removed, v.Changed)
		} else {
			fmt.Fprintf(out, "  first version of %s\n", v.List)
		}
		for i, w := range r.Warnings {
			if i == 5 {
				fmt.Fprintf(out, "  … and %d more warnings\n", len(r.Warnings)-5)
				break
			}
			fmt.Fprintf(out, "  warning: %s\n", w)
		}
	}
}

// resolveList accepts a list key ("ofac_sdn") or a source name ("ofac") that
// names exactly one held list.
func resolveList(ctx context.Context, st vigil.Store, name string) (string, error) {
	cur, err := st.Current(ctx)
	if err != nil {
		return "", err
	}
	var bySource []string
	for _, v := range cur {
		if v.List == name {
			return name, nil
		}
		if v.Source == name {
			bySource = append(bySource, v.List)
		}
	}
	switch len(bySource) {
	case 1:
		return bySource[0], nil
	case 0:
		var held []string
		for _, v := range cur {
			held = append(held, v.List)
		}
		return "", fmt.Errorf("no list %q in the store (held: %s)", name, strings.Join(held, ", "))
	}
	return "", fmt.Errorf("%q names several lists (%s): name one", name, strings.Join(bySource, ", "))
}

func diffCmd() *cobra.Command {
	var db string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff LIST [FROM TO]",
		Short: "Show what changed between two versions of a list (default: the last two)",
		Args:  cobra.RangeArgs(1, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 2 {
				return errors.New("give both FROM and TO versions, or neither")
			}
			st, err := openStore(db)
			if err != nil {
				return err
			}
			defer st.Close()
			ctx := cmd.Context()
			list, err := resolveList(ctx, st, args[0])
			if err != nil {
				return err
			}
			var from, to int
			if len(args) == 3 {
				if from, err = strconv.Atoi(args[1]); err != nil {
					return fmt.Errorf("FROM: %q is not a version number", args[1])
				}
				if to, err = strconv.Atoi(args[2]); err != nil {
					return fmt.Errorf("TO: %q is not a version number", args[2])
				}
			} else {
				vs, err := st.Versions(ctx, list)
				if err != nil {
					return err
				}
				if len(vs) < 2 {
					return fmt.Errorf("%s has only %d version: nothing to compare", list, len(vs))
				}
				from, to = vs[len(vs)-2].Version, vs[len(vs)-1].Version
			}
			d, err := st.Diff(ctx, list, from, to)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), d)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s: version %d → %d: %d added, %d removed, %d changed\n", d.List, d.From, d.To, len(d.Added), len(d.Removed), len(d.Changed))
			for _, id := range d.Added {
				fmt.Fprintf(out, "+ %s\n", id)
			}
			for _, id := range d.Removed {
				fmt.Fprintf(out, "- %s\n", id)
			}
			for _, c := range d.Changed {
				fmt.Fprintf(out, "~ %s: %s\n", c.ID, strings.Join(c.Fields, ", "))
			}
			return nil
		},
	}
	dbFlag(cmd, &db)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func versionsCmd() *cobra.Command {
	var db string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "versions LIST",
		Short: "Show every version of a list",
		Args:  cobra.ExactArgs(1),
		RunE: withStore(&db, func(cmd *cobra.Command, args []string, st *sqlite.Store) error {
			list, err := resolveList(cmd.Context(), st, args[0])
			if err != nil {
				return err
			}
			vs, err := st.Versions(cmd.Context(), list)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"list": list, "versions": vs})
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tPUBLISHED\tIMPORTED\tENTITIES\tADDED\tREMOVED\tCHANGED\tHASH")
			for _, v := range vs {
				fmt.Fprintf(tw, "%d%s\t%s\t%s\t%d\t%d\t%d\t%d\t%.12s\n", v.Version, partialMark(v), dateOrDash(v.Published),
					v.Imported.Local().Format("2006-01-02 15:04"), v.Entities, v.Added, v.Removed, v.Changed, v.Hash)
			}
			return tw.Flush()
		}),
	}
	dbFlag(cmd, &db)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func entityCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "entity ID",
		Short: "Print a listed entity as JSON (e.g. un:IRi.039, ofac:10481)",
		Args:  cobra.ExactArgs(1),
		RunE: withStore(&db, func(cmd *cobra.Command, args []string, st *sqlite.Store) error {
			e, v, err := st.Entity(cmd.Context(), args[0])
			if errors.Is(err, vigil.ErrNotFound) {
				return fmt.Errorf("no entity %q in the current lists of %s", args[0], db)
			}
			if err != nil {
				return err
			}
			return writeJSON(cmd.OutOrStdout(), struct {
				vigil.Entity
				ListVersion string `json:"list_version"`
			}{e, v.Label()})
		}),
	}
	dbFlag(cmd, &db)
	return cmd
}
