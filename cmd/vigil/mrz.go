package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/mrz"
	"github.com/vigil-screening/vigil/screen"
)

func init() { subcommands = append(subcommands, mrzCmd) }

func mrzCmd() *cobra.Command {
	var db, by string
	var asJSON bool
	var threshold float64
	cmd := &cobra.Command{
		Use:   `mrz [--db FILE] [--json] ["LINE1" "LINE2" ["LINE3"]]`,
		Short: "Check and screen a passport or ID card machine-readable zone",
		Long: `Parse an ICAO 9303 machine-readable zone (TD3 passport, TD2/TD1 card, MRV
visa) given as arguments or on stdin, check every check digit (naming the
field, line and position of a failure), and screen the holder like a
traveller: deny, refer or clear, with the reasons. A failed check digit,
an impossible date or digits in the name (the zone is misread or the
document altered) make the result refer, a deny too; a passport or card
that has expired, or whose expiry date cannot be read, makes it at least
refer.

Exit status: 0 clear, 2 refer, 3 deny, 1 an error (the zone was not read).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			lines := args
			if len(lines) == 0 {
				var err error
				if lines, err = readLines(cmd.InOrStdin()); err != nil {
					return err
				}
			}
			z, err := mrz.Parse(lines...)
			if err != nil {
				return err
			}
			sc, err := openScreening(cmd.Context(), db, by)
			if err != nil {
				return err
			}
			defer sc.Close()
			ix := sc.index()
			res := screen.MRZ(ix, z, screen.Options{Threshold: threshold})
			res.Subjects = sc.subjects.Group(res.Matches, ix)
			ar := vigil.NewScreeningResult(sc.lists, [][]vigil.Match{res.Matches})
			ar.Verdicts = []string{string(res.Recommendation)}
			// res.Query is the query as screened (CheckQuery's).
			q := vigil.ScreeningQuery{Queries: []vigil.Query{res.Query}, Threshold: threshold,
				Input: vigil.NewAuditInput("mrz", []byte(strings.Join(lines, "\n")))}
			if err := sc.audit(cmd.Context(), vigil.AuditMRZ, q, ar); err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if asJSON {
				if err := writeJSON(out, res); err != nil {
					return err
				}
			} else {
				printMRZ(out, res)
			}
			return verdictExit(res.Recommendation)
		},
	}
	dbFlag(cmd, &db)
	byFlag(cmd, &by)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().Float64Var(&threshold, "threshold", 0, fmt.Sprintf("match threshold (default %.2f)", match.DefaultThreshold))
	return cmd
}

// readLines reads the zone's lines from r, at most a few: an MRZ has 3.
func readLines(r io.Reader) ([]string, error) {
	var lines []string
	sc := bufio.NewScanner(io.LimitReader(r, 4096))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	return lines, sc.Err()
}

func printMRZ(w io.Writer, res *screen.MRZResult) {
	z := res.MRZ
	fmt.Fprintf(w, "%s document %s issued by %s\n", z.Format, z.DocumentCode, z.Issuer)
	fmt.Fprintf(w, "  holder       %s, %s\n", z.Surname, z.Given)
	fmt.Fprintf(w, "  number       %s\n", z.Number)
	fmt.Fprintf(w, "  nationality  %s\n", z.Nationality)
	fmt.Fprintf(w, "  born         %s\n", orRaw(z.BirthDate, z.BirthDateRaw))
	fmt.Fprintf(w, "  sex          %s\n", orRaw(z.Sex, "<"))
	fmt.Fprintf(w, "  expires      %s\n", orRaw(z.Expiry, z.ExpiryRaw))
	fmt.Fprintln(w, "Check digits")
	for _, c := range z.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s %-16s line %d position %2d: got %s, want %s\n", mark, c.Field, c.Line, c.Position, c.Got, c.Want)
	}
	for _, s := range z.Warnings {
		fmt.Fprintf(w, "warning: %s\n", s)
	}
	fmt.Fprintf(w, "\n%s\n", strings.ToUpper(string(res.Recommendation)))
	printVerdict(w, &res.Verdict, "  ")
}

func orRaw(v, raw string) string {
	if v != "" {
		return v
	}
	return raw + " (unreadable)"
}
