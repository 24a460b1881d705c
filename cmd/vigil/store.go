package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/postgres"
	"github.com/vigil-screening/vigil/sqlite"
)

func init() { subcommands = append(subcommands, storeCmd, migrateCmd) }

// openStore opens the store db names: a postgres:// URL, or a SQLite file.
// Either is migrated to the current schema; a schema newer than this
// program's is refused.
func openStore(db string) (vigil.Backend, error) {
	if postgres.IsDSN(db) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		st, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, fmt.Errorf("opening store %s: %w", storeName(db), err)
		}
		return st, nil
	}
	st, err := sqlite.Open(db)
	if err != nil {
		return nil, fmt.Errorf("opening store %s: %w", db, err)
	}
	return st, nil
}

// storeName is how messages and logs name a store: a SQLite file's path,
// or a PostgreSQL URL without its password.
func storeName(db string) string {
	if postgres.IsDSN(db) {
		return postgres.Redact(db)
	}
	return db
}

// migrateCmd applies the schema migrations a store lacks (opening a store
// does so too; this does it by hand, before replicas start, and says what
// it did).
func migrateCmd() *cobra.Command {
	var db string
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring a store's schema up to this program's version",
		Long: `Applies the schema migrations the store lacks, in one transaction, and prints
the schema version before and after. Every command that opens a store does the
same; run this by hand before starting a new version of vigil serve on a
shared PostgreSQL store. A store whose schema is newer than this program knows
is refused.`,
		Args: cobra.NoArgs,
		RunE: withStore(&db, func(cmd *cobra.Command, _ []string, st vigil.Backend) error {
			m, ok := st.(interface{ Migrated() (int, int) })
			if !ok {
				return errors.New("this store does not say which migrations it applied")
			}
			from, to := m.Migrated()
			if from == to {
				fmt.Fprintf(cmd.OutOrStdout(), "%s: schema version %d, up to date\n", storeName(db), to)
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: schema version %d → %d (%d migrations applied)\n", storeName(db), from, to, to-from)
			return nil
		}),
	}
	dbFlag(cmd, &db)
	return cmd
}

func storeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "store",
		Short: "Move an installation from one store to another",
	}
	cmd.AddCommand(storeCopyCmd())
	return cmd
}

func storeCopyCmd() *cobra.Command {
	var from, to string
	cmd := &cobra.Command{
		Use:   "copy --from STORE --to STORE",
		Short: "Copy every table of a store into an empty one (SQLite ↔ PostgreSQL)",
		Long: `Copies every list version, entity, API key, console session, audit record,
watched subject, alert, decision, webhook and delivery, listed subject and
judgement of one store into another, row for row, in one transaction on the
destination: all of it or none. The destination must be empty (a new SQLite file or a new PostgreSQL
database); the source is read in one snapshot and not changed. The audit
chain is verified on the destination afterwards: it holds the same records
with the same hashes.

  vigil store copy --from vigil.db --to postgres://vigil@db.example/vigil`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" || to == "" {
				return errors.New("give --from and --to")
			}
			if from == to {
				return errors.New("--from and --to name the same store")
			}
			ctx := cmd.Context()
			src, err := openStore(from)
			if err != nil {
				return err
			}
			defer src.Close()
			dst, err := openStore(to)
			if err != nil {
				return err
			}
			defer dst.Close()
			sc, ok1 := src.(vigil.TableCopier)
			dc, ok2 := dst.(vigil.TableCopier)
			if !ok1 || !ok2 {
				return errors.New("these stores cannot be copied")
			}
			start := time.Now()
			counts := map[string]int64{}
			err = dc.LoadTables(ctx, func(load vigil.TableFunc) error {
				return sc.DumpTables(ctx, func(table string, cols []string, next func() ([]any, error)) error {
					n := int64(0)
					counting := func() ([]any, error) {
						row, err := next()
						if err == nil {
							n++
						}
						return row, err
					}
					if err := load(table, cols, counting); err != nil {
						return err
					}
					counts[table] = n
					return nil
				})
			})
			if err != nil {
				return fmt.Errorf("copying %s to %s (nothing was written): %w", storeName(from), storeName(to), err)
			}
			out := cmd.OutOrStdout()
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "TABLE\tROWS")
			for _, t := range vigil.CopyTables {
				fmt.Fprintf(tw, "%s\t%d\n", t, counts[t])
			}
			tw.Flush()
			st, err := dst.VerifyAudit(ctx)
			if err != nil {
				return fmt.Errorf("verifying the copied audit chain: %w", err)
			}
			if st.Break != nil {
				return fmt.Errorf("the copied audit chain does not hold: %w", st.Break)
			}
			fmt.Fprintf(out, "copied %s to %s in %s; the audit chain holds (%d records, head %s)\n",
				storeName(from), storeName(to), time.Since(start).Round(time.Millisecond), st.Records, st.Head)
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the store to copy: a SQLite file or a postgres:// URL")
	cmd.Flags().StringVar(&to, "to", "", "the empty store to copy into: a SQLite file or a postgres:// URL")
	return cmd
}
