package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/download"
	"github.com/vigil-screening/vigil/lists/load"
	"github.com/vigil-screening/vigil/postgres"
)

func init() {
	listsSubcommands = append(listsSubcommands, updateCmd)
}

// archiveDir is where downloads are kept: beside the store file, or for a
// PostgreSQL store vigil-downloads in the working directory.
func archiveDir(db string) string {
	if postgres.IsDSN(db) {
		return "vigil-downloads"
	}
	return strings.TrimSuffix(db, filepath.Ext(db)) + "-downloads"
}

// sources returns the download table: the official one, a config file's
// overrides, a mirror, and a selection of lists.
func sources(config, mirror string, only []string) ([]download.Source, error) {
	srcs := download.DefaultSources()
	if config != "" {
		var err error
		if srcs, err = download.LoadConfig(config, srcs); err != nil {
			return nil, err
		}
	}
	if mirror != "" {
		srcs = download.Mirror(srcs, mirror)
	}
	if len(only) == 0 {
		return srcs, nil
	}
	var out []download.Source
	for _, l := range only {
		s, ok := download.Find(srcs, l)
		if !ok {
			return nil, fmt.Errorf("no download source for list %q", l)
		}
		out = append(out, s)
	}
	return out, nil
}

func updateCmd() *cobra.Command {
	var db, by, dir, config, mirror string
	var only []string
	var force, asJSON bool
	cmd := &cobra.Command{
		Use:   "update",
		Short: "Download the official lists and import what changed",
		Long: `Downloads each official list (conditional requests, size limits, timeouts,
retries), keeps every downloaded file in the archive folder, and imports the
versions that changed. A download that fails, does not parse, or holds more
than 20% fewer persons, organisations, vessels or aircraft than the last good
version (unless --force) leaves that version in force. A download whose content
was current before is made current again; one whose content was withdrawn
(vigil lists rollback) is skipped unless --force.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, err := actorContext(cmd.Context(), by)
			if err != nil {
				return err
			}
			srcs, err := sources(config, mirror, only)
			if err != nil {
				return err
			}
			st, err := openStore(db)
			if err != nil {
				return err
			}
			defer st.Close()
			if dir == "" {
				dir = archiveDir(db)
			}
			d := &download.Downloader{Dir: dir}
			outs := load.Update(ctx, st, d, srcs, load.Options{Force: force})
			failed := 0
			for _, o := range outs {
				if o.Err != nil {
					failed++
				}
			}
			subjects, lerr := relink(ctx, st, db, false)
			if asJSON {
				if err := writeJSON(cmd.OutOrStdout(), map[string]any{"updates": outs, "subjects": subjects}); err != nil {
					return err
				}
			} else {
				w := cmd.OutOrStdout()
				defer func() {
					if subjects != nil {
						printLinking(w, *subjects)
					}
				}()
				for _, o := range outs {
					switch {
					case o.Err != nil:
						fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v; the last good version stays in force\n", o.List, o.Err)
					case o.Unchanged:
						if o.Message != "" && o.Outcome != vigil.OutcomeDuplicate {
							fmt.Fprintf(cmd.ErrOrStderr(), "%s: %s\n", o.List, o.Message)
						} else {
							fmt.Fprintf(w, "%s: unchanged\n", o.List)
						}
					default:
						v := o.Version
						fmt.Fprintf(w, "%s: version %d, %s, %d entities (%d added, %d removed, %d changed)\n",
							o.List, v.Version, inForceWhy(*v), v.Entities, v.Added, v.Removed, v.Changed)
						if o.Message != "" {
							fmt.Fprintf(w, "  %s\n", o.Message)
						}
						for _, warn := range o.Warnings {
							fmt.Fprintf(w, "  warning: %s\n", warn)
						}
					}
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
				return exitError{1}
			}
			return nil
		},
	}
	dbFlag(cmd, &db)
	byFlag(cmd, &by)
	cmd.Flags().StringVar(&dir, "dir", "", "archive folder for downloaded files (default: beside the store, DB-downloads)")
	cmd.Flags().StringVar(&config, "config", "", "JSON file overriding the download table")
	cmd.Flags().StringVar(&mirror, "mirror", "", "fetch every file from BASE/LIST/NAME instead of the official sites")
	cmd.Flags().StringSliceVar(&only, "list", nil, "update only these lists (repeatable)")
	cmd.Flags().BoolVar(&force, "force", false, "import even a version that shrank by more than 20%")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}
