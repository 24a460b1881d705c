package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/batch"
	"github.com/vigil-screening/vigil/lists/load"
	"github.com/vigil-screening/vigil/lists/own"
)

func init() {
	subcommands = append(subcommands, listsCmd)
}

// withStore makes a command's RunE that opens the store at *db (read
// when the command runs, after flags), runs fn with it and closes it.
func withStore(db *string, fn func(cmd *cobra.Command, args []string, st vigil.Backend) error) func(*cobra.Command, []string) error {
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
		RunE: withStore(&db, func(cmd *cobra.Command, _ []string, st vigil.Backend) error {
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
				fmt.Fprintf(cmd.OutOrStdout(), "No lists in %s. Import some: vigil lists import --db %s PATH...\n", storeName(db), storeName(db))
				return nil
			}
			out := cmd.OutOrStdout()
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "LIST\tVERSION\tFORMAT\tIN FORCE FROM\tPUBLISHED\tIMPORTED\tENTITIES\tBY KIND")
			for _, v := range cur {
				fmt.Fprintf(tw, "%s\t%d%s\t%s\t%s\t%s\t%s\t%d\t%s\n", v.List, v.Version, versionNote(v), v.Format,
					instant(v.InForceFrom), published(v), v.Imported.Local().Format("2006-01-02 15:04"), v.Entities, byKind(v.ByKind))
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			printWarnings(out, cur, 3)
			return nil
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

// versionNote marks a partial version and one restoring earlier content.
func versionNote(v vigil.ListVersion) string {
	s := partialMark(v)
	if v.Restores != 0 {
		s += fmt.Sprintf(" (content of %d)", v.Restores)
	}
	return s
}

func dateOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02")
}

// instant formats an in-force instant: the date alone at midnight UTC (a
// publication date), else the local date and time (an import time).
func instant(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	if u := t.UTC(); u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0 {
		return u.Format("2006-01-02")
	}
	return t.Local().Format("2006-01-02 15:04")
}

// published is a version's publication date, marked when given at import.
func published(v vigil.ListVersion) string {
	if v.PublishedGiven {
		return dateOrDash(v.Published) + " (given)"
	}
	return dateOrDash(v.Published)
}

// inForceWhy says where a version's in-force date comes from.
func inForceWhy(v vigil.ListVersion) string {
	switch {
	case v.Restores != 0 && !v.InForceFrom.Equal(v.Published):
		return "in force from " + instant(v.InForceFrom) + " (when its content was made current again)"
	case v.Published.IsZero():
		return "in force from " + instant(v.InForceFrom) + " (imported; the file states no date: give one with --published)"
	case v.PublishedGiven:
		return "in force from " + instant(v.InForceFrom) + " (published, as given with --published)"
	}
	return "in force from " + instant(v.InForceFrom) + " (published, as the file states)"
}

// printWarnings lists each version's reader warnings, at most max each.
func printWarnings(w io.Writer, vs []vigil.ListVersion, max int) {
	for _, v := range vs {
		for i, msg := range v.Warnings {
			if i == max {
				fmt.Fprintf(w, "  … and %d more (vigil lists versions --warnings %s)\n", len(v.Warnings)-max, v.List)
				break
			}
			fmt.Fprintf(w, "%s warning: %s\n", v.Label(), msg)
		}
	}
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

func importCmd() *cobra.Command {
	var db, pub, by, list, format, mapping string
	var asJSON, force bool
	cmd := &cobra.Command{
		Use:   "import PATH...",
		Short: "Import list files or folders as new list versions",
		Long: `Imports list files or folders. Each list's files are imported in the order
they came into force: a file older than the list's current version is kept as
a historical version; a file imported before adds nothing, except that the
last file of a list, when its content is not current, makes it current again.
A file whose content was withdrawn (vigil lists rollback) is skipped unless
--force. A version that loses more than 20% of the list's persons,
organisations, vessels or aircraft is refused unless --force.

With --list NAME, FILE is an internal watch list imported as the list NAME
(ids NAME:REF), versioned and diffed like the official lists: a CSV, TSV,
JSON Lines or XLSX table whose columns are mapped by header (a ref or id
column is required; name or first_name/last_name; dob, nationality, gender,
id_number, kind; aliases, weak_aliases, programs, measures, listed_on,
positions, remarks) or with --map field=column,…; or, with --format ftm (or
detected), FollowTheMoney entities as OpenSanctions publishes them. A file
with a bad row is refused whole, naming each bad row.

After an import the lists are linked into subjects again (vigil subjects).`,
		Args: cobra.MinimumNArgs(1),
		RunE: withStore(&db, func(cmd *cobra.Command, args []string, st vigil.Backend) error {
			ctx, err := actorContext(cmd.Context(), by)
			if err != nil {
				return err
			}
			opt := load.Options{Force: force}
			if pub != "" {
				t, err := parseDay("--published", pub)
				if err != nil {
					return err
				}
				opt.Published = t
			}
			var results []load.Result
			if list != "" {
				results, err = importOwn(ctx, st, list, format, mapping, args, opt)
				if err != nil {
					return err
				}
			} else {
				if format != "" || mapping != "" {
					return fmt.Errorf("--format and --map are for an own list: give --list NAME")
				}
				results = load.ImportPaths(ctx, st, args, opt)
			}
			failed := 0
			for _, r := range results {
				if r.Failed() {
					failed++
				}
			}
			subjects, lerr := relink(ctx, st, db, false)
			if asJSON {
				if results == nil {
					results = []load.Result{}
				}
				if err := writeJSON(cmd.OutOrStdout(), map[string]any{"imports": results, "subjects": subjects}); err != nil {
					return err
				}
			} else {
				printImports(cmd.OutOrStdout(), cmd.ErrOrStderr(), results)
				if subjects != nil {
					printLinking(cmd.OutOrStdout(), *subjects)
				}
			}
			// The watch is re-screened whatever the linking did: subjects
			// only group matches, alerts must not wait for them.
			if err := rescreenAfterImport(ctx, st, summaryOut(cmd, asJSON), cmd.ErrOrStderr()); err != nil {
				return err
			}
			if lerr != nil {
				return lerr
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
	byFlag(cmd, &by)
	f := cmd.Flags()
	f.BoolVar(&asJSON, "json", false, "print JSON")
	f.BoolVar(&force, "force", false, "import even a version that shrank by more than 20%, or whose content was withdrawn")
	f.StringVar(&pub, "published", "", "publication date (YYYY-MM-DD) of files that state none (OFAC legacy CSV, US CSL, own lists)")
	f.StringVar(&list, "list", "", "import FILE as the own list NAME (lower case: letters, digits, _ and -)")
	f.StringVar(&format, "format", "", "an own list's format: csv, tsv, jsonl, xlsx or ftm (default: detected)")
	f.StringVar(&mapping, "map", "", "an own list's column map: field=column,… (fields: "+strings.Join(append(slices.Clone(batch.Fields), own.Extras...), ", ")+")")
	return cmd
}

// importOwn imports one file as an own list.
func importOwn(ctx context.Context, st vigil.Backend, list, format, mapping string, args []string, opt load.Options) ([]load.Result, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("--list imports one file, not %d", len(args))
	}
	oo := load.OwnOptions{Format: format}
	if mapping != "" {
		oo.Map = map[string]string{}
		for _, kv := range strings.Split(mapping, ",") {
			f, c, ok := strings.Cut(kv, "=")
			if !ok || strings.TrimSpace(f) == "" || strings.TrimSpace(c) == "" {
				return nil, fmt.Errorf("--map %q: want field=column,…", kv)
			}
			oo.Map[strings.TrimSpace(f)] = strings.TrimSpace(c)
		}
	}
	switch strings.ToLower(format) {
	case "", "csv", "tsv", "jsonl", "xlsx", load.FormatFTM:
	default:
		return nil, fmt.Errorf("--format %q: want csv, tsv, jsonl, xlsx or ftm", format)
	}
	ds, err := load.OwnFile(args[0], list, oo)
	if err != nil {
		return []load.Result{{List: list, Files: args, Err: err, Error: err.Error()}}, nil
	}
	return load.ImportAll(ctx, st, []*load.Dataset{ds}, opt), nil
}

// parseDay reads a YYYY-MM-DD date (midnight UTC) that is not in the future.
func parseDay(flag, s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: want a date YYYY-MM-DD", flag, s)
	}
	if t.After(time.Now()) {
		return time.Time{}, fmt.Errorf("%s %s is in the future", flag, s)
	}
	return t, nil
}

// printImports prints what an import run did: each new version, what was
// kept as history or restored, duplicates, refusals (to errOut, as
// notices) and errors.
func printImports(out, errOut io.Writer, results []load.Result) {
	for _, r := range results {
		if r.Err != nil {
			if r.Refused {
				fmt.Fprintf(errOut, "refused: %s\n", r.Error)
			} else {
				fmt.Fprintf(errOut, "error: %s\n", r.Error)
			}
			continue
		}
		v := r.Version
		fmt.Fprintf(out, "%s version %d%s (%s) from %s\n", v.List, v.Version, partialMark(v), v.Format, strings.Join(r.Files, ", "))
		msg := r.Message()
		if !r.Added() {
			fmt.Fprintf(out, "  %s\n", msg)
			continue
		}
		fmt.Fprintf(out, "  %s; %d entities: %s\n", inForceWhy(v), v.Entities, byKind(v.ByKind))
		if msg != "" {
			fmt.Fprintf(out, "  %s\n", msg)
		}
		if v.Base > 0 {
			fmt.Fprintf(out, "  since version %d: %d added, %d removed, %d changed\n", v.Base, v.Added, v.Removed, v.Changed)
		} else if v.Version == 1 {
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
		Short: "Show what changed between two versions of a list, with old and new values (default: the newest version against its base)",
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
				if len(vs) == 0 {
					return fmt.Errorf("%s has no version: nothing to compare", list)
				}
				if len(vs) == 1 {
					// Not an error: a list imported once has no change yet.
					v := vs[0]
					if asJSON {
						return writeJSON(cmd.OutOrStdout(), vigil.Diff{List: list, From: v.Version, To: v.Version,
							Added: []string{}, Removed: []string{}, Changed: []vigil.Change{}})
					}
					fmt.Fprintf(cmd.OutOrStdout(), "%s has one version (%s): nothing to compare yet\n", list, v.Label())
					return nil
				}
				// The newest version against the one it was imported on top of.
				to, from = vs[len(vs)-1].Version, vs[len(vs)-1].Base
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
				printChanges(out, "    ", c.Changes)
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
	var asJSON, warnings bool
	cmd := &cobra.Command{
		Use:   "versions LIST",
		Short: "Show every version of a list",
		Args:  cobra.ExactArgs(1),
		RunE: withStore(&db, func(cmd *cobra.Command, args []string, st vigil.Backend) error {
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
			out := cmd.OutOrStdout()
			cur, _ := vigil.CurrentVersion(vs)
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tSTATUS\tIN FORCE FROM\tPUBLISHED\tIMPORTED\tENTITIES\tBASE\tADDED\tREMOVED\tCHANGED\tWARNINGS\tHASH")
			for _, v := range vs {
				fmt.Fprintf(tw, "%d%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%.12s\n", v.Version, versionNote(v), v.Status(cur),
					instant(v.InForceFrom), published(v), v.Imported.Local().Format("2006-01-02 15:04"), v.Entities, v.Base, v.Added, v.Removed, v.Changed,
					len(v.Warnings), v.Hash)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			for _, v := range vs {
				if w := v.Withdrawn; w != nil {
					fmt.Fprintf(out, "%s withdrawn %s by %s: %s\n", v.Label(), w.At.Local().Format("2006-01-02 15:04"), w.By, w.Reason)
				}
			}
			if warnings {
				printWarnings(out, vs, maxWarningsShown)
			}
			return nil
		}),
	}
	dbFlag(cmd, &db)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&warnings, "warnings", false, "print each version's reader warnings")
	return cmd
}

// printChanges prints changed fields with their old and new values: the
// elements removed and added for a list field, old → new for others.
func printChanges(w io.Writer, indent string, cs []vigil.FieldChange) {
	for _, c := range cs {
		if removed, added, ok := c.Elements(); ok {
			for _, e := range removed {
				fmt.Fprintf(w, "%s%s - %s\n", indent, c.Field, e)
			}
			for _, e := range added {
				fmt.Fprintf(w, "%s%s + %s\n", indent, c.Field, e)
			}
			continue
		}
		fmt.Fprintf(w, "%s%s: %s → %s\n", indent, c.Field, orNone(c.Old), orNone(c.New))
	}
}

func orNone(js []byte) string {
	if js == nil {
		return "(none)"
	}
	return string(js)
}

// maxWarningsShown is more warnings than a version records.
const maxWarningsShown = 1 << 20
