package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func init() { subcommands = append(subcommands, docsCmd) }

func docsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "docs",
		Short: "Generate reference documentation of the commands",
	}
	cmd.AddCommand(&cobra.Command{
		Use:   "man DIR",
		Short: "Write a man page per command (vigil.1, vigil-screen.1, …) into DIR",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeDocs(cmd, args[0], func(root *cobra.Command, dir string) error {
				return doc.GenManTree(root, &doc.GenManHeader{Title: "VIGIL", Section: "1", Source: "Vigil " + buildVersion()}, dir)
			})
		},
	}, &cobra.Command{
		Use:   "markdown DIR",
		Short: "Write a Markdown page per command into DIR",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeDocs(cmd, args[0], doc.GenMarkdownTree)
		},
	})
	return cmd
}

// writeDocs creates dir and generates the pages of the whole command tree.
func writeDocs(cmd *cobra.Command, dir string, gen func(*cobra.Command, string) error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	root := cmd.Root()
	root.DisableAutoGenTag = true // pages do not change with the day they are made
	if err := gen(root, dir); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "wrote %d pages to %s\n", len(entries), dir)
	return nil
}
