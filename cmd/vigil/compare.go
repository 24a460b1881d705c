package main

import (
	"encoding/csv"
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
			return compareCSV(r, w)
		},
	}
	cmd.Flags().StringVar(&in, "in", "", "input CSV (default standard input)")
	cmd.Flags().StringVar(&out, "out", "", "output CSV (default standard output)")
	return cmd
}

// compareCSV copies a CSV with columns name1, name2 (and optional schema),
// adding a score column.
func compareCSV(r io.Reader, w io.Writer) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return fmt.Errorf("reading header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	i1, ok1 := col["name1"]
	i2, ok2 := col["name2"]
	if !ok1 || !ok2 {
		return fmt.Errorf("header %v: want columns name1 and name2", head)
	}
	is, hasSchema := col["schema"]
	cw := csv.NewWriter(w)
	if err := cw.Write(append(head, "score")); err != nil {
		return err
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if i1 >= len(rec) || i2 >= len(rec) {
			return fmt.Errorf("line %d: %d fields, name1/name2 missing", line, len(rec))
		}
		kind := vigil.KindUnknown
		if hasSchema && is < len(rec) {
			kind = eval.SchemaKind(strings.TrimSpace(rec[is]))
		}
		s := match.Compare(rec[i1], rec[i2], kind)
		if err := cw.Write(append(rec, strconv.FormatFloat(s, 'f', 3, 64))); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
