package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/eval"
	"github.com/vigil-screening/vigil/match"
)

func init() { subcommands = append(subcommands, compareCmd) }

func compareCmd() *cobra.Command {
	var in, out string
	cmd := &cobra.Command{
		Use:   "compare [--in FILE] [--out FILE]",
		Short: "Score name pairs from a CSV (name1,name2[,schema]) and add a score column",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var r io.Reader = cmd.InOrStdin()
			if in != "" && in != "-" {
				f, err := os.Open(in)
				if err != nil {
					return err
				}
				defer f.Close()
				r = f
			}
			var w io.Writer = cmd.OutOrStdout()
			if out != "" && out != "-" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			name := "standard input"
			if in != "" && in != "-" {
				name = in
			}
			bad, err := compareCSV(r, w, cmd.ErrOrStderr(), name)
			if err != nil {
				return err
			}
			if bad > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "%d bad rows left out\n", bad)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&in, "in", "", "input CSV (default standard input)")
	cmd.Flags().StringVar(&out, "out", "", "output CSV (default standard output)")
	return cmd
}

// compareCSV copies a CSV with columns name1, name2 (and optional schema),
// adding a score column. A row that cannot be read or lacks a name is
// reported on errw with its line number and left out; the others are scored.
// It returns the number of bad rows.
func compareCSV(r io.Reader, w, errw io.Writer, file string) (bad int, err error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return 0, fmt.Errorf("%s: reading the header: %w", file, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	i1, ok1 := col["name1"]
	i2, ok2 := col["name2"]
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("%s: header %v: want columns name1 and name2", file, head)
	}
	is, hasSchema := col["schema"]
	cw := csv.NewWriter(w)
	if err := cw.Write(append(head, "score")); err != nil {
		return 0, err
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return bad, fmt.Errorf("%s: %w", file, err)
			}
			// A malformed row (a stray quote): the reader goes on with the
			// next line.
			bad++
			fmt.Fprintf(errw, "%s: line %d: %v\n", file, pe.StartLine, pe.Err)
			continue
		}
		line, _ := cr.FieldPos(0)
		switch {
		case i1 >= len(rec) || i2 >= len(rec):
			bad++
			fmt.Fprintf(errw, "%s: line %d: %d fields, name1 or name2 missing\n", file, line, len(rec))
			continue
		case strings.TrimSpace(rec[i1]) == "" || strings.TrimSpace(rec[i2]) == "":
			bad++
			fmt.Fprintf(errw, "%s: line %d: an empty name\n", file, line)
			continue
		}
		kind := vigil.KindUnknown
		if hasSchema && is < len(rec) {
			kind = eval.SchemaKind(strings.TrimSpace(rec[is]))
		}
		s := match.Compare(rec[i1], rec[i2], kind)
		if err := cw.Write(append(rec, strconv.FormatFloat(s, 'f', 3, 64))); err != nil {
			return bad, err
		}
	}
	cw.Flush()
	return bad, cw.Error()
}
