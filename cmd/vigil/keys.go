package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	vhttp "github.com/vigil-screening/vigil/http"
)

func init() {
	subcommands = append(subcommands, keysCmd)
}

func keysCmd() *cobra.Command {
	var db, by string
	cmd := &cobra.Command{
		Use:   "keys",
		Short: "Manage the API keys of vigil serve (stored hashed)",
		Long: `Manage API keys. Once a key has been created, every route of vigil serve
except /healthz, /readyz, /openapi.json and the sign-in page needs one
("Authorization: Bearer KEY" or "X-API-Key: KEY"), even after every key has
been revoked (then only vigil serve --no-auth, on loopback, serves without one).
Roles: screen (screen and read lists), review (also read the audit log),
admin (also refresh the lists and manage keys). A running server refuses a
key revoked here within a second, and ends its console sessions.`,
	}
	cmd.PersistentFlags().StringVar(&db, "db", defaultDB(), "the store: a SQLite file or a postgres:// URL (default $VIGIL_DB, else vigil.db)")
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
			if name = strings.TrimSpace(name); name == "" {
				return errors.New("--name is required: say who or what the key is for (e.g. --name \"ops laptop\")")
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
			k, secret, err := st.CreateKey(ctx, name, r.String())
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Created key %s (%s, role %s). Its secret is shown only this once:\n", k.ID, name, r)
			fmt.Fprintln(cmd.OutOrStdout(), secret)
			return nil
		},
	}
	create.Flags().StringVar(&name, "name", "", "who or what the key is for (required)")
	create.Flags().StringVar(&role, "role", "screen", "screen, review or admin")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the keys (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: withStore(&db, func(cmd *cobra.Command, _ []string, st vigil.Backend) error {
			keys, err := st.ListKeys(cmd.Context())
			if err != nil {
				return err
			}
			if len(keys) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No API keys: vigil serve is open to anyone who can reach it (on loopback only). Create one: vigil keys create --role admin --name NAME")
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
			if err := tw.Flush(); err != nil {
				return err
			}
			if activeKeys(keys) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "Every key is revoked: vigil serve refuses every request that needs a key until one is created (or it runs with --no-auth).")
			}
			return nil
		}),
	}

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a key",
		Args:  cobra.ExactArgs(1),
		RunE: withStore(&db, func(cmd *cobra.Command, args []string, st vigil.Backend) error {
			ctx, err := actorContext(cmd.Context(), by)
			if err != nil {
				return err
			}
			k, err := st.RevokeKey(ctx, args[0])
			switch {
			case errors.Is(err, vigil.ErrRevoked):
				fmt.Fprintf(cmd.OutOrStdout(), "Key %s (%s) is already revoked, since %s.\n", k.ID, k.Name, k.Revoked.Local().Format(time.DateTime))
				return nil
			case errors.Is(err, vigil.ErrNotFound):
				return fmt.Errorf("no API key has the id %q (vigil keys list shows them)", args[0])
			case err != nil:
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Revoked key %s (%s); its console sessions are ended.\n", k.ID, k.Name)
			return nil
		}),
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

// activeKeys counts the keys not revoked.
func activeKeys(keys []vigil.Key) int {
	n := 0
	for _, k := range keys {
		if k.Revoked.IsZero() {
			n++
		}
	}
	return n
}
