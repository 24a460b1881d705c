package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	vhttp "github.com/vigil-screening/vigil/http"
	"github.com/vigil-screening/vigil/watch"
)

func init() { subcommands = append(subcommands, alertsCmd) }

// reviewer resolves --by. Once API keys exist, it must name an active key
// (by name or id) with the review role or higher, and the key's id is the
// identity, as over the API: a reviewer is the same person from the
// command line and the service, and cannot approve their own decision from
// the other side. Without keys, the name itself is the identity.
func reviewer(ctx context.Context, st vigil.Backend, by string) (vigil.Reviewer, error) {
	by = strings.TrimSpace(by)
	if by == "" {
		return vigil.Reviewer{}, errors.New("--by NAME is required: a decision records who took it")
	}
	keys, err := st.ListKeys(ctx)
	if err != nil {
		return vigil.Reviewer{}, err
	}
	active := 0
	for _, k := range keys {
		if !k.Revoked.IsZero() {
			continue
		}
		active++
		if k.ID == by || k.Name == by {
			if r, ok := vhttp.ParseRole(k.Role); !ok || r < vhttp.RoleReview {
				return vigil.Reviewer{}, fmt.Errorf("--by %s: the key %s has the %s role; deciding needs review or admin", by, k.ID, k.Role)
			}
			return vigil.Reviewer{ID: k.ID, Name: k.Name}, nil
		}
	}
	if active > 0 {
		return vigil.Reviewer{}, fmt.Errorf("--by %s names no active API key: give the name or id of a key with the review role (vigil keys list)", by)
	}
	return vigil.Reviewer{ID: "cli:" + by, Name: by}, nil
}

func alertsCmd() *cobra.Command {
	var db string
	var f alertFlags
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "The alert queue: list, show, decide, approve",
		Long: `Lists the alerts of the watched subjects, oldest open first. Filters:
--state (open, reopened, escalated, pending_approval, true_match,
false_positive, closed; repeatable), --set, --list, --measure (e.g.
travel_ban), --since and --until (dates the alert opened), --subject,
--entity. --json prints {"alerts":[…],"counts":{…},"next":"…"}; --after
takes "next" for the following page.`,
		Args: cobra.NoArgs,
		RunE: withStore(&db, func(cmd *cobra.Command, _ []string, st vigil.Backend) error {
			flt, err := f.filter()
			if err != nil {
				return err
			}
			page, err := st.Alerts(cmd.Context(), flt)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), page)
			}
			printAlerts(cmd.OutOrStdout(), page)
			return nil
		}),
	}
	cmd.PersistentFlags().StringVar(&db, "db", defaultDB(), "the store: a SQLite file or a postgres:// URL (default $VIGIL_DB, else vigil.db)")
	f.add(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(alertShowCmd(&db), alertDecideCmd(&db), alertApproveCmd(&db), alertRecertifyCmd(&db))
	return cmd
}

// alertFlags are the queue's filters.
type alertFlags struct {
	states                              []string
	set, list, measure, subject, entity string
	since, until, sort, after           string
	limit                               int
}

func (f *alertFlags) add(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringSliceVar(&f.states, "state", nil, "only alerts in these states")
	fl.StringVar(&f.set, "set", "", "only this set")
	fl.StringVar(&f.list, "list", "", "only listings of this list (e.g. ofac_sdn)")
	fl.StringVar(&f.measure, "measure", "", "only listings imposing this measure (e.g. travel_ban)")
	fl.StringVar(&f.subject, "subject", "", "only this subject id")
	fl.StringVar(&f.entity, "entity", "", "only this listed entity")
	fl.StringVar(&f.since, "since", "", "only alerts opened on or after this date (YYYY-MM-DD)")
	fl.StringVar(&f.until, "until", "", "only alerts opened before this date (YYYY-MM-DD)")
	fl.StringVar(&f.sort, "sort", "opened", "opened (oldest first), -opened, score or -score")
	fl.StringVar(&f.after, "after", "", "the page after this cursor (the JSON's next)")
	fl.IntVar(&f.limit, "limit", 50, "alerts per page (at most 1000)")
}

func (f *alertFlags) filter() (vigil.AlertFilter, error) {
	flt := vigil.AlertFilter{Set: f.set, List: f.list, Measure: vigil.Measure(f.measure), SubjectID: f.subject, EntityID: f.entity,
		Sort: f.sort, After: f.after, Limit: f.limit}
	for _, s := range f.states {
		st, ok := vigil.ParseAlertState(s)
		if !ok {
			return flt, fmt.Errorf("--state %q: want one of %v", s, vigil.AlertStates)
		}
		flt.States = append(flt.States, st)
	}
	var err error
	if flt.Since, err = parseDayOrInstant("--since", f.since); err != nil {
		return flt, err
	}
	flt.Until, err = parseDayOrInstant("--until", f.until)
	return flt, err
}

func parseDayOrInstant(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, s); err != nil {
			return t, fmt.Errorf("%s %q: want YYYY-MM-DD", flag, s)
		}
	}
	return t, nil
}

func printAlerts(w io.Writer, p vigil.AlertPage) {
	var counts []string
	for _, s := range vigil.AlertStates {
		if n := p.Counts[s]; n > 0 {
			counts = append(counts, fmt.Sprintf("%s %d", s, n))
		}
	}
	if len(p.Alerts) == 0 {
		fmt.Fprintf(w, "No alerts here (all: %s).\n", orNoneText(strings.Join(counts, ", ")))
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tSET/SUBJECT\tENTITY\tSCORE\tNAME\tFOUND IN\tOPENED")
	for _, a := range p.Alerts {
		state := string(a.State)
		if a.Cause != "" {
			state += " (" + a.Cause + ")"
		}
		ban := ""
		if a.HasMeasure(vigil.MeasureTravelBan) {
			ban = " [travel ban]"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s/%s\t%s\t%.3f\t%s%s\t%s\t%s\n", a.ID, state, a.Set, a.SubjectID, a.EntityID, a.Score,
			a.Match.MatchedName, ban, a.ListVersion, a.Opened.Local().Format("2006-01-02 15:04"))
	}
	tw.Flush()
	fmt.Fprintf(w, "counts: %s\n", strings.Join(counts, ", "))
	if p.Next != "" {
		fmt.Fprintf(w, "more: --after %s\n", p.Next)
	}
}

func orNoneText(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func alertID(arg string) (int64, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("alert id %q: want a number (vigil alerts lists them)", arg)
	}
	return id, nil
}

func alertShowCmd(db *string) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show ID",
		Short: "Show an alert: subject and listing, the match, what changed, its history",
		Args:  cobra.ExactArgs(1),
		RunE: withStore(db, func(cmd *cobra.Command, args []string, st vigil.Backend) error {
			id, err := alertID(args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			a, err := st.Alert(ctx, id)
			if err != nil {
				return err
			}
			ds, hist, err := st.AlertHistory(ctx, id)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"alert": a, "decisions": nonNilSlice(ds), "history": nonNilSlice(hist)})
			}
			printAlert(cmd.OutOrStdout(), a, ds, hist)
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func printAlert(w io.Writer, a vigil.Alert, ds []vigil.Decision, hist []vigil.AlertEvent) {
	state := string(a.State)
	if a.Cause != "" {
		state += " (" + a.Cause + ")"
	}
	fmt.Fprintf(w, "Alert %d: %s, score %.3f, found in %s (last screened in %s, matcher %s)\n", a.ID, state, a.Score, a.ListVersion, a.LastVersion, a.Matcher)
	if len(a.Changes) > 0 {
		fmt.Fprintln(w, "What changed:")
		for _, c := range a.Changes {
			fmt.Fprintf(w, "  %s\n", c)
		}
	}
	sf, lf := a.SubjectFacts, a.ListingFacts
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "\tSUBJECT %s/%s\tLISTING %s\n", a.Set, a.SubjectID, a.EntityID)
	fmt.Fprintf(tw, "name\t%s\t%s\n", sf.Name, strings.Join(lf.Names, "; "))
	fmt.Fprintf(tw, "date of birth\t%s\t%s\n", dash(sf.DOB), dash(strings.Join(lf.BirthDates, "; ")))
	fmt.Fprintf(tw, "nationality\t%s\t%s\n", dash(sf.Nationality), dash(strings.Join(lf.Nationalities, "; ")))
	fmt.Fprintf(tw, "documents\t%s\t%s\n", dash(sf.IDNumber), dash(strings.Join(lf.Documents, "; ")))
	var ms []string
	for _, m := range a.Measures {
		ms = append(ms, string(m))
	}
	fmt.Fprintf(tw, "measures\t\t%s\n", dash(strings.Join(ms, ", ")))
	tw.Flush()
	fmt.Fprintf(w, "Match: %q ~ %q\n", sf.Name, a.Match.MatchedName)
	for _, f := range a.Match.Explanation {
		fmt.Fprintf(w, "  %-12s %+.3f  %s\n", f.Feature, f.Score, f.Detail)
	}
	if len(ds) > 0 {
		fmt.Fprintln(w, "Decisions:")
		for _, d := range ds {
			line := fmt.Sprintf("  %s %s by %s: %q", d.At.Local().Format("2006-01-02 15:04"), d.As, who(d.By, d.ByName), d.Reason)
			switch {
			case d.ApprovedBy != "":
				line += fmt.Sprintf("; approved by %s %s", who(d.ApprovedBy, d.ApprovedName), d.ApprovedAt.Local().Format("2006-01-02 15:04"))
			case d.NeedsApproval:
				line += "; awaiting a second reviewer's approval"
			}
			fmt.Fprintln(w, line)
		}
	}
	if len(hist) > 0 {
		fmt.Fprintln(w, "History:")
		for _, h := range hist {
			line := fmt.Sprintf("  %s %s", h.At.Local().Format("2006-01-02 15:04"), h.State)
			if h.Cause != "" {
				line += " (" + h.Cause + ")"
			}
			if h.Note != "" {
				line += ": " + h.Note
			}
			fmt.Fprintln(w, line)
		}
	}
}

func who(id, name string) string {
	if name != "" && name != id && !strings.HasSuffix(id, ":"+name) {
		return name + " (" + id + ")"
	}
	if name != "" {
		return name
	}
	return id
}

func alertDecideCmd(db *string) *cobra.Command {
	var as, reason, by string
	var version int
	cmd := &cobra.Command{
		Use:   "decide ID --as false_positive|true_match|escalated --reason TEXT --by NAME",
		Short: "Decide an alert (four eyes: true matches and travel-ban false positives wait for approval)",
		Args:  cobra.ExactArgs(1),
		RunE: withStore(db, func(cmd *cobra.Command, args []string, st vigil.Backend) error {
			id, err := alertID(args[0])
			if err != nil {
				return err
			}
			r, err := reviewer(cmd.Context(), st, by)
			if err != nil {
				return err
			}
			a, err := newEngine(st, io.Discard).Decide(cmd.Context(), id, vigil.AlertState(as), reason, r, version)
			if err != nil {
				return err
			}
			msg := fmt.Sprintf("alert %d: %s", a.ID, a.State)
			if a.State == vigil.AlertPending {
				msg += fmt.Sprintf(" (%s by %s; a second reviewer approves: vigil alerts approve %d --by NAME)", as, r.Name, a.ID)
			}
			fmt.Fprintln(cmd.OutOrStdout(), msg)
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&as, "as", "", "false_positive, true_match or escalated")
	f.StringVar(&reason, "reason", "", "why (required)")
	f.StringVar(&by, "by", "", "who decides: an API key's name or id (a name when the store has no keys)")
	f.IntVar(&version, "version", 0, "refuse unless the alert is still at this version")
	return cmd
}

func alertApproveCmd(db *string) *cobra.Command {
	var by string
	cmd := &cobra.Command{
		Use:   "approve ID --by NAME",
		Short: "Approve a decision awaiting a second reviewer (not your own)",
		Args:  cobra.ExactArgs(1),
		RunE: withStore(db, func(cmd *cobra.Command, args []string, st vigil.Backend) error {
			id, err := alertID(args[0])
			if err != nil {
				return err
			}
			r, err := reviewer(cmd.Context(), st, by)
			if err != nil {
				return err
			}
			a, err := newEngine(st, io.Discard).Approve(cmd.Context(), id, r)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "alert %d: %s (decided by %s, approved by %s)\n", a.ID, a.State, who(a.Decision.By, a.Decision.ByName), r.Name)
			return nil
		}),
	}
	cmd.Flags().StringVar(&by, "by", "", "who approves: an API key's name or id (a name when the store has no keys)")
	return cmd
}

func alertRecertifyCmd(db *string) *cobra.Command {
	var set, olderThan, by string
	cmd := &cobra.Command{
		Use:   "recertify --set NAME --older-than 365d",
		Short: "Reopen false-positive suppressions decided longer ago than an age, for review",
		Args:  cobra.NoArgs,
		RunE: withStore(db, func(cmd *cobra.Command, _ []string, st vigil.Backend) error {
			age, err := watch.ParseAge(olderThan)
			if err != nil {
				return fmt.Errorf("--older-than: %w", err)
			}
			who, err := actor(by)
			if err != nil {
				return err
			}
			n, err := newEngine(st, io.Discard).Recertify(cmd.Context(), set, age, who)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d suppressions decided more than %s ago reopened\n", set, n, olderThan)
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&set, "set", "customers", "the set")
	f.StringVar(&olderThan, "older-than", "365d", "reopen suppressions decided longer ago than this")
	f.StringVar(&by, "by", "", "who asks, for the audit log (default: the OS user)")
	return cmd
}
