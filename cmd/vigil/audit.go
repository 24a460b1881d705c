package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
)

func init() { subcommands = append(subcommands, auditCmd) }

// exitBroken is the exit status of "vigil audit verify" when the chain does
// not hold (1 stays the status of an error: the chain was not checked).
const exitBroken = 2

func auditCmd() *cobra.Command {
	var db, action, who string
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "audit [--limit N] [--action A] [--who W] [--json]",
		Short: "Read the audit log (newest first); verify or export its hash chain",
		Long: `Every screening (API, console, CLI, one record per batch run), list import
and API key change is appended to the audit log. Each record carries the
SHA-256 of the record before it, so that a record changed, removed or
reordered afterwards breaks the chain: "vigil audit verify" finds it, and
"vigil audit export" writes the records with their hashes for an auditor to
check elsewhere (docs/audit.md describes the hash).`,
		Args: cobra.NoArgs,
		RunE: withStore(&db, func(cmd *cobra.Command, _ []string, st vigil.Backend) error {
			recs, err := st.AuditLog(cmd.Context(), vigil.AuditFilter{Action: action, Who: who, Limit: limit})
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				if recs == nil {
					recs = []vigil.AuditRecord{}
				}
				return writeJSON(out, map[string]any{"records": recs})
			}
			if len(recs) == 0 {
				fmt.Fprintln(out, "No audit records.")
				return nil
			}
			tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SEQ\tTIME\tWHO\tACTION\tQUERY\tRESULT")
			for _, r := range recs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", r.Seq, r.Time.Local().Format("2006-01-02 15:04:05"), r.Who, r.Action,
					clip(string(r.Query), 60), clip(string(r.Result), 60))
			}
			return tw.Flush()
		}),
	}
	dbFlag(cmd, &db)
	f := cmd.Flags()
	f.IntVar(&limit, "limit", 50, "at most this many records (0: all)")
	f.StringVar(&action, "action", "", "only this action (screen, text, manifest, mrz, match, batch, console.screen, import, key.create, …)")
	f.StringVar(&who, "who", "", "only this actor (key:ID, cli:NAME, anon:ADDRESS, vigil)")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	cmd.AddCommand(auditVerifyCmd(), auditExportCmd())
	return cmd
}

// clip shortens s to n runes for a table cell.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func auditVerifyCmd() *cobra.Command {
	var db string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "verify [--db FILE] [--json]",
		Short: "Check the audit log's hash chain from the first record to the last",
		Long: `Recompute every record's hash and check that each record carries the hash of
the one before, and that the chain ends where the log's head says.

Exit status: 0 the chain holds, 2 it does not (the first record changed,
removed or reordered is named), 1 an error (the chain was not checked).`,
		Args: cobra.NoArgs,
		RunE: withStore(&db, func(cmd *cobra.Command, _ []string, st vigil.Backend) error {
			s, err := st.VerifyAudit(cmd.Context())
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				if err := writeJSON(out, s); err != nil {
					return err
				}
			} else if b := s.Break; b != nil {
				fmt.Fprintf(out, "The audit chain is BROKEN at record %d (%s): %s\n", b.Seq, b.Kind, b.Detail)
				if s.Records > 0 {
					fmt.Fprintf(out, "Records 1 to %d hold (head %s).\n", s.Records, s.Head)
				}
			} else if s.Records == 0 {
				fmt.Fprintln(out, "The audit log is empty.")
			} else {
				fmt.Fprintf(out, "The audit chain holds: %d records, %s to %s.\nHead: record %d, %s\n", s.Records,
					s.First.Local().Format(time.RFC3339), s.Last.Local().Format(time.RFC3339), s.Records, s.Head)
			}
			if s.Break != nil {
				return exitError{exitBroken}
			}
			return nil
		}),
	}
	dbFlag(cmd, &db)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// exportRecord is one line of "vigil audit export --json": the record's
// fields as they are hashed, query and result as JSON text in strings so
// that any JSON reader gives back their exact bytes.
type exportRecord struct {
	Seq    int64  `json:"seq"`
	Time   string `json:"time"`
	Who    string `json:"who"`
	Action string `json:"action"`
	Query  string `json:"query"`
	Result string `json:"result"`
	Prev   string `json:"prev"`
	Hash   string `json:"hash"`
}

func auditExportCmd() *cobra.Command {
	var db, since, out string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "export [--since T] [--json] [--out FILE]",
		Short: "Write the audit records with their hashes, oldest first, for an auditor",
		Long: `Write the records from the first at or after --since (RFC 3339 or YYYY-MM-DD,
UTC; default: all) to the newest, oldest first, with their hashes. Default:
tab-separated, one record a line, with a header:
  seq time who action prev hash query result
(query and result are compact JSON, which holds no tab or line break).
--json writes JSON Lines, query and result as JSON text in strings.
Either form gives every hashed field byte for byte: docs/audit.md says how
to recompute the hashes.`,
		Args: cobra.NoArgs,
		RunE: withStore(&db, func(cmd *cobra.Command, _ []string, st vigil.Backend) error {
			var from time.Time
			if since != "" {
				var err error
				if from, err = parseSince(since); err != nil {
					return err
				}
			}
			w := cmd.OutOrStdout()
			if out != "" && out != "-" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			bw := bufio.NewWriterSize(w, 64<<10)
			if err := exportAudit(cmd, st, from, asJSON, bw); err != nil {
				return err
			}
			if err := bw.Flush(); err != nil {
				return err
			}
			if f, ok := w.(*os.File); ok && out != "" && out != "-" {
				return f.Close()
			}
			return nil
		}),
	}
	dbFlag(cmd, &db)
	f := cmd.Flags()
	f.StringVar(&since, "since", "", "from this time on: RFC 3339 (2026-03-01T12:00:00Z) or a date (2026-03-01, UTC)")
	f.BoolVar(&asJSON, "json", false, "write JSON Lines")
	f.StringVar(&out, "out", "", "output file (default stdout)")
	return cmd
}

func exportAudit(cmd *cobra.Command, st vigil.Backend, from time.Time, asJSON bool, w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if !asJSON {
		if _, err := io.WriteString(w, "seq\ttime\twho\taction\tprev\thash\tquery\tresult\n"); err != nil {
			return err
		}
	}
	return st.ExportAudit(cmd.Context(), from, func(r vigil.AuditRecord) error {
		t := r.Time.Format(vigil.AuditTimeFormat)
		if asJSON {
			return enc.Encode(exportRecord{r.Seq, t, r.Who, r.Action, string(r.Query), string(r.Result), r.Prev, r.Hash})
		}
		_, err := fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Seq, t, r.Who, r.Action, r.Prev, r.Hash, r.Query, r.Result)
		return err
	})
}

// parseSince reads --since: RFC 3339, or a date taken as UTC midnight.
func parseSince(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("--since %q: want RFC 3339 (2026-03-01T12:00:00Z) or a date (2026-03-01)", s)
}
