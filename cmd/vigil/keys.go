package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	vhttp "github.com/vigil-screening/vigil/http"
	"github.com/vigil-screening/vigil/sqlite"
)

func init() {
	subcommands = append(subcommands, keysCmd)
}

func keysCmd() *cobra.Command {
	var db, by string
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the API keys of vigil serve (stored hashed)",
		Long: `Manage API keys. Once any key exists, every route of vigil serve except
/healthz and /readyz needs one ("Authorization: Bearer KEY" or "X-API-Key: KEY").
Roles: screen (screen and read lists), review (also read the audit log),
admin (also refresh the lists). A running server notices new and revoked keys
within a few seconds.`,
	}
	cmd.PersistentFlags().StringVar(&db, "db", defaultDB(), "store file (default $VIGIL_DB or vigil.db)")
	cmd.PersistentFlags().StringVar(&by, "by", "", "who runs this, for the audit log (default: the OS user)")

	var name, role string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a key and print its secret (shown only once)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, ok := vhttp.ParseRole(role)
			if !ok {
				return fmt.Errorf("--role must be screen, review or admin, not %q", role)
			}
			ctx, err := actorContext(cmd.Context(), by)
			if err != nil {
				return err
			}
			st, err := openStore(db)
			if err != nil {
				return err
			}
			defer st.Close()
			id, secret, err := st.CreateKey(ctx, name, r.String())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Created key %s (%s, role %s). Its secret is shown only this once:\n", id, name, r)
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			return nil
		},
	}
	create.Flags().StringVar(&name, "name", "", "who or what the key is for")
	create.Flags().StringVar(&role, "role", "screen", "screen, review or admin")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the keys (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: withStore(&db, func(cmd *cobra.Command, _ []string, st *sqlite.Store) error {
			keys, err := st.ListKeys(cmd.Context())
			if err != nil {
				return err
			}
			if len(keys) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No API keys: vigil serve is open to anyone who can reach it. Create one: vigil keys create --role admin")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tROLE\tCREATED\tREVOKED")
			for _, k := range keys {
				revoked := "-"
				if !k.Revoked.IsZero() {
					revoked = k.Revoked.Local().Format("2006-01-02 15:04")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Role, k.Created.Local().Format("2006-01-02 15:04"), revoked)
			}
			return tw.Flush()
		}),
	}

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a key",
		Args:  cobra.ExactArgs(1),
		RunE: withStore(&db, func(cmd *cobra.Command, args []string, st *sqlite.Store) error {
			ctx, err := actorContext(cmd.Context(), by)
			if err != nil {
				return err
			}
			if err := st.RevokeKey(ctx, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Revoked key %s.\n", args[0])
			return nil
		}),
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}
