package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/paxlst"
	"github.com/vigil-screening/vigil/screen"
)

func init() { subcommands = append(subcommands, manifestCmd) }

// Exit statuses of vigil manifest and vigil mrz, so that a departure
// control or border system can act without parsing the output. 1 stays the
// status of every error (unreadable message, no store): an integration
// must treat it as "not screened", never as clear.
const (
	exitRefer = 2 // at least one refer, no deny
	exitDeny  = 3 // at least one deny
)

// verdictExit maps the strongest recommendation to the exit status.
func verdictExit(r screen.Recommendation) error {
	switch r {
	case screen.Deny:
		return exitError{exitDeny}
	case screen.Refer:
		return exitError{exitRefer}
	}
	return nil
}

func manifestCmd() *cobra.Command {
	var db, by string
	var asJSON, lenient bool
	var threshold float64
	cmd := &cobra.Command{
		Use:   "manifest [--db FILE] [--json] FILE",
		Short: "Screen every traveller of a PAXLST passenger or crew manifest",
		Long: `Screen every traveller of a UN/EDIFACT PAXLST message ("-" reads stdin)
with name, date of birth, nationality, gender and document number, and
recommend per traveller:
  deny   strong match to a listing that carries a travel ban, with the date
         of birth or a document number agreeing
  refer  a possible match an officer must look at, or anything Vigil could
         not read or check: a value of the traveller's record that cannot
         be read (screened without it), a travel document that expires
         before the flight's departure
  clear  no listing matches
A record that cannot be read at all (a traveller without a name, an
unknown party) is listed as NOT SCREENED, and makes the manifest refer.

Exit status: 0 all clear, 2 at least one refer or record not screened (no
deny), 3 at least one deny, 1 an error (the manifest was not screened).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var r io.Reader = cmd.InOrStdin()
			if args[0] != "-" {
				f, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			in := newDigest()
			msg, err := paxlst.Options{Lenient: lenient}.Parse(io.TeeReader(r, in))
			if err != nil {
				return manifestError(args[0], err)
			}
			sc, err := openScreening(cmd.Context(), db, by)
			if err != nil {
				return err
			}
			defer sc.Close()
			ix := sc.index()
			res := screen.Manifest(ix, msg, screen.Options{Threshold: threshold})
			for i := range res.Travellers {
				t := &res.Travellers[i]
				t.Subjects = sc.subjects.Group(t.Matches, ix)
			}
			// Each traveller's Query is the query as screened (CheckQuery's).
			// A record not read is audited as a query without a name and
			// the verdict refer, as the server audits it.
			q := vigil.ScreeningQuery{Input: in.input(args[0]), Threshold: threshold}
			ms := make([][]vigil.Match, 0, len(res.Travellers)+len(res.NotScreened))
			verdicts := make([]string, 0, cap(ms))
			for _, t := range res.Travellers {
				q.Queries = append(q.Queries, t.Query)
				ms = append(ms, t.Matches)
				verdicts = append(verdicts, string(t.Recommendation))
			}
			for range res.NotScreened {
				q.Queries = append(q.Queries, vigil.Query{})
				ms = append(ms, []vigil.Match{})
				verdicts = append(verdicts, string(screen.Refer))
			}
			ar := vigil.NewScreeningResult(sc.lists, ms)
			ar.Verdicts = verdicts
			if err := sc.audit(cmd.Context(), vigil.AuditManifest, q, ar); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				if err := writeJSON(out, res); err != nil {
					return err
				}
			} else {
				printManifest(out, res)
			}
			return verdictExit(res.Worst())
		},
	}
	dbFlag(cmd, &db)
	byFlag(cmd, &by)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&lenient, "lenient", false, "accept wrong UNT segment counts and references (warnings)")
	cmd.Flags().Float64Var(&threshold, "threshold", 0, fmt.Sprintf("match threshold (default %.2f)", match.DefaultThreshold))
	return cmd
}

func printManifest(w io.Writer, res *screen.ManifestResult) {
	ich := res.Interchange
	fmt.Fprintf(w, "Interchange %s from %s to %s", ich.Control, ich.Sender, ich.Recipient)
	if ich.Prepared != "" {
		fmt.Fprintf(w, ", prepared %s", ich.Prepared)
	}
	fmt.Fprintln(w)
	for fi, f := range res.Flights {
		var legs []string
		for _, l := range f.Flight.Legs {
			legs = append(legs, fmt.Sprintf("%s %s → %s %s", l.From, l.Departure, l.To, l.Arrival))
		}
		fmt.Fprintf(w, "\nFlight %s  %s\n  %d travellers: %s\n",
			f.Flight.Ident(), strings.Join(legs, "; "), len(f.Travellers), counts(f.Counts))
		for _, i := range f.Travellers {
			printTraveller(w, &res.Travellers[i])
		}
		for _, p := range res.NotScreened {
			if slices.Contains(p.Flights, fi) {
				printNotScreened(w, p)
			}
		}
	}
	var unplaced []paxlst.Problem
	for _, p := range res.NotScreened {
		if len(p.Flights) == 0 {
			unplaced = append(unplaced, p)
		}
	}
	if len(res.Unassigned) > 0 || len(unplaced) > 0 {
		fmt.Fprintf(w, "\nTravellers without a flight\n")
		for _, i := range res.Unassigned {
			printTraveller(w, &res.Travellers[i])
		}
		for _, p := range unplaced {
			printNotScreened(w, p)
		}
	}
	if len(res.Problems) > 0 {
		fmt.Fprintf(w, "\nProblems (records dropped or partly read: check them by hand)\n")
		for _, p := range res.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
	for _, s := range res.Warnings {
		fmt.Fprintf(w, "warning: %s\n", s)
	}
	fmt.Fprintf(w, "\n%d travellers: %s\n", len(res.Travellers), counts(res.Counts))
}

// counts says what c counts: "1 deny, 0 refer, 1 clear", and the records
// not screened when there are.
func counts(c screen.Counts) string {
	s := fmt.Sprintf("%d deny, %d refer, %d clear", c.Deny, c.Refer, c.Clear)
	switch {
	case c.NotScreened == 1:
		s += ", and 1 record NOT SCREENED"
	case c.NotScreened > 1:
		s += fmt.Sprintf(", and %d records NOT SCREENED", c.NotScreened)
	}
	return s
}

// printNotScreened prints a record that was not read.
func printNotScreened(w io.Writer, p paxlst.Problem) {
	fmt.Fprintf(w, "  NOT SCREENED  segment %d %s\n         - %s\n", p.Segment, p.Tag, screen.NotScreenedReason(p))
}

func printTraveller(w io.Writer, tr *screen.TravellerResult) {
	t := tr.Traveller
	role := t.Role
	if t.Transit {
		role += ", transit"
	}
	fmt.Fprintf(w, "  %-5s  %s, %s (%s)\n", strings.ToUpper(string(tr.Recommendation)), t.Surname, t.Given, role)
	var facts []string
	add := func(label, v string) {
		if v != "" {
			facts = append(facts, label+" "+v)
		}
	}
	add("born", t.DOB)
	add("nationality", t.Nationality)
	add("gender", t.Gender)
	for _, d := range t.Documents {
		s := d.Type + " " + d.Number
		if d.Issuer != "" {
			s += " (" + d.Issuer + ")"
		}
		add("doc", s)
	}
	if t.Embark != "" || t.Debark != "" {
		add("route", t.Embark+"→"+t.Debark)
	}
	fmt.Fprintf(w, "         %s\n", strings.Join(facts, ", "))
	printVerdict(w, &tr.Verdict, "         ")
}

// printVerdict prints the deciding (or best) match and the reasons.
func printVerdict(w io.Writer, v *screen.Verdict, indent string) {
	if len(v.Matches) > 0 {
		best := v.Matches[0]
		for _, m := range v.Matches {
			if m.EntityID == v.Deciding {
				best = m
			}
		}
		fmt.Fprintf(w, "%smatch: %s %q %.3f (%s)", indent, best.EntityID, best.Name, best.Score, best.ListVersion)
		more := len(v.Matches) - 1
		for _, s := range v.Subjects {
			if slices.Contains(s.EntityIDs, best.EntityID) {
				// The subject the match belongs to: every list that
				// lists it, and the other subjects matched.
				if s.Subject != "" {
					fmt.Fprintf(w, ", subject %s: %s", s.Subject, strings.Join(s.EntityIDs, ", "))
				}
				if n := len(v.Subjects) - 1; n > 0 {
					fmt.Fprintf(w, "; and %d more subject%s", n, plural(n))
				}
				more = 0
			}
		}
		if more > 0 {
			fmt.Fprintf(w, " and %d more", more)
		}
		fmt.Fprintln(w)
	}
	for _, r := range v.Reasons {
		fmt.Fprintf(w, "%s- %s\n", indent, r)
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// manifestError names the file in a parse error once: "file.edi:30: segment
// 29 UNT at character 569: …" rather than "file.edi: input:30 …".
func manifestError(name string, err error) error {
	if name == "-" {
		name = "stdin"
	}
	var pe *lists.ParseError
	if errors.As(err, &pe) && pe.File == "" {
		pe.File = name
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}
