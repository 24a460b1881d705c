package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/postgres"
	"github.com/vigil-screening/vigil/webhook"
)

func init() {
	subcommands = append(subcommands, webhooksCmd)
}

// webhookKeyPath is the key file sealing webhook secrets: the flag's value,
// else $VIGIL_WEBHOOK_KEY_FILE, else the store's path and ".webhook-key"
// (vigil.webhook-key in the working directory for a PostgreSQL store:
// every replica needs the same file).
func webhookKeyPath(flag, db string) string {
	switch {
	case flag != "":
		return flag
	case os.Getenv("VIGIL_WEBHOOK_KEY_FILE") != "":
		return os.Getenv("VIGIL_WEBHOOK_KEY_FILE")
	case postgres.IsDSN(db):
		return "vigil.webhook-key"
	}
	return db + ".webhook-key"
}

// webhookKeyFlag adds --webhook-key to a command.
func webhookKeyFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "webhook-key", "", "key file sealing webhook secrets (default $VIGIL_WEBHOOK_KEY_FILE, else the store's path + .webhook-key)")
}

// storeAuditor records webhook changes in the store's audit log.
type storeAuditor struct{ st vigil.Backend }

func (a storeAuditor) Audit(ctx context.Context, who, action string, details any) error {
	return vigil.Audit(ctx, a.st, who, action, details, nil)
}

// newWebhookAdmin administers the store's webhooks, sealing secrets under
// keyFile and auditing in the store.
func newWebhookAdmin(st vigil.Backend, keyFile string) *webhook.Admin {
	return &webhook.Admin{Store: st, Keys: &webhook.KeyFile{Path: keyFile}, Audit: storeAuditor{st}}
}

// startWebhooks runs the webhook dispatcher until ctx ends or stop is
// called; stop waits for the tries under way to be recorded.
func startWebhooks(ctx context.Context, st vigil.Backend, keyFile string, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	d := webhook.New(st, &webhook.KeyFile{Path: keyFile}, webhook.Options{Logger: log})
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Run(ctx)
	}()
	return func() { cancel(); <-done }
}

func webhooksCmd() *cobra.Command {
	var db, keyFile, by string
	cmd := &cobra.Command{
		Use:   "webhooks",
		Short: "Manage webhooks: signed deliveries of alert events to your systems",
		Long: `Manage webhooks. vigil serve delivers every event a webhook subscribes to
(alert.opened, alert.reopened, alert.decided, alert.approved, alert.closed)
to its URL as a signed JSON POST, retrying with backoff until it is answered
2xx or its last try fails ("dead"; retry by hand). See docs/webhooks.md.

Secrets are sealed under the key file (--webhook-key); vigil serve needs the
same file. Every change is recorded in the audit log as --by.`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&db, "db", defaultDB(), "the store: a SQLite file or a postgres:// URL (the default comes from $VIGIL_DB when set)")
	pf.StringVar(&keyFile, "webhook-key", "", "key file sealing webhook secrets (default $VIGIL_WEBHOOK_KEY_FILE, else the store's path + .webhook-key)")
	pf.StringVar(&by, "by", "", "who makes the change, for the audit log (default: the OS user)")

	// admin opens the store and returns an Admin over it.
	withAdmin := func(fn func(cmd *cobra.Command, args []string, a *webhook.Admin) error) func(*cobra.Command, []string) error {
		return withStore(&db, func(cmd *cobra.Command, args []string, st vigil.Backend) error {
			who, err := actor(by)
			if err != nil {
				return err
			}
			by = who
			return fn(cmd, args, newWebhookAdmin(st, webhookKeyPath(keyFile, db)))
		})
	}

	var events []string
	var secretFile string
	var insecure, asJSON bool
	add := &cobra.Command{
		Use:   "add URL --events TYPE,...",
		Short: "Add a webhook; without --secret-file, print its new secret (shown only once)",
		Args:  cobra.ExactArgs(1),
		RunE: withAdmin(func(cmd *cobra.Command, args []string, a *webhook.Admin) error {
			req := webhook.AddRequest{URL: args[0], Events: events, Insecure: insecure}
			if secretFile != "" {
				s, err := webhook.ReadSecretFile(secretFile)
				if err != nil {
					return fmt.Errorf("--secret-file: %w", err)
				}
				req.Secret = string(s)
			}
			w, made, err := a.Add(cmd.Context(), by, req)
			if err != nil && w.ID == "" {
				return err
			}
			if asJSON {
				if jerr := writeJSON(cmd.OutOrStdout(), map[string]any{"webhook": w, "secret": made}); jerr != nil {
					return jerr
				}
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Added webhook %s: %s for %s.\n", w.ID, webhook.Origin(w.URL), strings.Join(w.Events, ", "))
			if made != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "Its signing secret is shown only this once:")
				fmt.Fprintln(cmd.OutOrStdout(), made)
			}
			return err
		}),
	}
	add.Flags().StringSliceVar(&events, "events", nil, "event types to deliver, comma-separated: "+strings.Join(vigil.WebhookEventTypes, ","))
	add.Flags().StringVar(&secretFile, "secret-file", "", "file holding the signing secret (at least 32 bytes); default: make one")
	add.Flags().BoolVar(&insecure, "insecure", false, "allow a plain http:// URL to a host that is not loopback")
	add.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	add.MarkFlagRequired("events")

	var all bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the webhooks (never their secrets)",
		Args:  cobra.NoArgs,
		RunE: withAdmin(func(cmd *cobra.Command, _ []string, a *webhook.Admin) error {
			ws, err := a.List(cmd.Context(), all)
			if err != nil {
				return err
			}
			if asJSON {
				if ws == nil {
					ws = []vigil.Webhook{}
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"webhooks": ws})
			}
			if len(ws) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "No webhooks. Add one: vigil webhooks add https://... --events alert.opened,alert.reopened,alert.decided")
				return nil
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tURL\tEVENTS\tSECRETS\tCREATED\tSTATUS")
			for _, w := range ws {
				status := "active"
				switch {
				case !w.Removed.IsZero():
					status = "removed " + w.Removed.Local().Format("2006-01-02 15:04")
				case !w.RotationEnds.IsZero():
					status = "rotating until " + w.RotationEnds.Local().Format("2006-01-02 15:04")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", w.ID, w.URL, strings.Join(w.Events, ","), w.Secrets,
					w.Created.Local().Format("2006-01-02 15:04"), status)
			}
			return tw.Flush()
		}),
	}
	list.Flags().BoolVar(&all, "all", false, "also list removed webhooks")
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	rm := &cobra.Command{
		Use:   "rm ID",
		Short: "Remove a webhook: its secrets are deleted, its pending deliveries cancelled, its delivery log kept",
		Args:  cobra.ExactArgs(1),
		RunE: withAdmin(func(cmd *cobra.Command, args []string, a *webhook.Admin) error {
			if err := a.Remove(cmd.Context(), by, args[0]); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Removed webhook %s.\n", args[0])
			return nil
		}),
	}

	var overlap time.Duration
	var finish bool
	rotate := &cobra.Command{
		Use:   "rotate ID",
		Short: "Rotate a webhook's secret: old and new both sign until --overlap ends or --finish",
		Args:  cobra.ExactArgs(1),
		RunE: withAdmin(func(cmd *cobra.Command, args []string, a *webhook.Admin) error {
			if finish {
				if secretFile != "" || cmd.Flags().Changed("overlap") {
					return errors.New("--finish takes neither --secret-file nor --overlap")
				}
				if err := a.FinishRotation(cmd.Context(), by, args[0]); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "Webhook %s is signed with its newest secret only.\n", args[0])
				return nil
			}
			var secret string
			if secretFile != "" {
				s, err := webhook.ReadSecretFile(secretFile)
				if err != nil {
					return fmt.Errorf("--secret-file: %w", err)
				}
				secret = string(s)
			}
			made, until, err := a.Rotate(cmd.Context(), by, args[0], secret, overlap)
			if err != nil && until.IsZero() {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Webhook %s now signs with the new secret, and with the old until %s (or: vigil webhooks rotate --finish %s).\n",
				args[0], until.Local().Format("2006-01-02 15:04"), args[0])
			if made != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), "The new signing secret is shown only this once:")
				fmt.Fprintln(cmd.OutOrStdout(), made)
			}
			return err
		}),
	}
	rotate.Flags().StringVar(&secretFile, "secret-file", "", "file holding the new secret; default: make one")
	rotate.Flags().DurationVar(&overlap, "overlap", webhook.DefaultOverlap, "how long the old secret keeps signing (at most 720h)")
	rotate.Flags().BoolVar(&finish, "finish", false, "stop the old secrets signing now")

	var state string
	var limit int
	deliveries := &cobra.Command{
		Use:   "deliveries [WEBHOOK_ID]",
		Short: "Show the delivery log, newest first",
		Args:  cobra.MaximumNArgs(1),
		RunE: withAdmin(func(cmd *cobra.Command, args []string, a *webhook.Admin) error {
			f := vigil.DeliveryFilter{Limit: limit}
			if len(args) == 1 {
				f.WebhookID = args[0]
			}
			if state != "" {
				s, ok := vigil.ParseDeliveryState(state)
				if !ok {
					return fmt.Errorf("--state must be pending, delivered, dead or cancelled, not %q", state)
				}
				f.State = s
			}
			ds, err := a.Deliveries(cmd.Context(), f)
			if err != nil {
				return err
			}
			if asJSON {
				if ds == nil {
					ds = []vigil.Delivery{}
				}
				return writeJSON(cmd.OutOrStdout(), map[string]any{"deliveries": ds})
			}
			return printDeliveries(cmd.OutOrStdout(), ds)
		}),
	}
	deliveries.Flags().StringVar(&state, "state", "", "only deliveries in this state: pending, delivered, dead or cancelled")
	deliveries.Flags().IntVar(&limit, "limit", 100, "at most this many")
	deliveries.Flags().BoolVar(&asJSON, "json", false, "print JSON")

	var allDead bool
	var ofHook string
	retry := &cobra.Command{
		Use:   "retry DELIVERY_ID... | --all-dead [--webhook ID]",
		Short: "Send dead deliveries again, with a fresh set of tries",
		RunE: withAdmin(func(cmd *cobra.Command, args []string, a *webhook.Admin) error {
			var ids []int64
			switch {
			case allDead && len(args) > 0:
				return errors.New("give delivery ids or --all-dead, not both")
			case allDead:
				ds, err := a.Deliveries(cmd.Context(), vigil.DeliveryFilter{WebhookID: ofHook, State: vigil.DeliveryDead, Limit: 100000})
				if err != nil {
					return err
				}
				for _, d := range ds {
					ids = append(ids, d.ID)
				}
			case len(args) == 0:
				return errors.New("give the ids of dead deliveries (vigil webhooks deliveries --state dead), or --all-dead")
			case ofHook != "":
				return errors.New("--webhook goes with --all-dead")
			}
			for _, s := range args {
				id, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return fmt.Errorf("%q is not a delivery id", s)
				}
				ids = append(ids, id)
			}
			for _, id := range ids {
				if err := a.Retry(cmd.Context(), by, id); err != nil {
					return fmt.Errorf("delivery %d: %w", id, err)
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d dead deliveries will be sent again.\n", len(ids))
			return nil
		}),
	}
	retry.Flags().BoolVar(&allDead, "all-dead", false, "retry every dead delivery")
	retry.Flags().StringVar(&ofHook, "webhook", "", "with --all-dead: only this webhook's")

	cmd.AddCommand(add, list, rm, rotate, deliveries, retry)
	return cmd
}

// printDeliveries writes the delivery log as a table.
func printDeliveries(w io.Writer, ds []vigil.Delivery) error {
	if len(ds) == 0 {
		_, err := fmt.Fprintln(w, "No deliveries.")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tWEBHOOK\tEVENT\tTYPE\tSTATE\tTRIES\tLAST TRY\tNEXT")
	for _, d := range ds {
		last := "-"
		if n := len(d.Attempts); n > 0 {
			a := d.Attempts[n-1]
			last = a.At.Local().Format("2006-01-02 15:04:05") + " "
			switch {
			case a.Error != "":
				last += a.Error
			default:
				last += strconv.Itoa(a.Status)
			}
			if r := []rune(last); len(r) > 90 {
				last = string(r[:87]) + "..."
			}
		}
		next := "-"
		if d.State == vigil.DeliveryPending {
			next = d.NextAt.Local().Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%d\t%s\t%s\n", d.ID, d.WebhookID, d.EventID, d.EventType, d.State, d.Tries, last, next)
	}
	return tw.Flush()
}
