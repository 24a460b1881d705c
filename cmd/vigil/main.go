// Command vigil reads official sanctions lists, keeps every version, and
// screens names, files, articles, passenger manifests and passports against
// them. This package only wires the parts together; each subcommand lives in
// its own file.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"os/user"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/vigil-screening/vigil"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := newRoot()
	root.SetContext(ctx)
	if err := root.ExecuteContext(ctx); err != nil {
		var ee exitError
		if errors.As(err, &ee) {
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "vigil:", err)
		os.Exit(1)
	}
}

// exitError ends the program with a code after the command printed its own
// message.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// subcommands are added by init functions in this package's other files, so
// that each command lives in a file of its own.
var subcommands []func() *cobra.Command

func newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "vigil",
		Short:         "Sanctions and travel-ban screening",
		Version:       buildVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("vigil {{.Version}}\n")
	for _, f := range subcommands {
		root.AddCommand(f())
	}
	return root
}

// defaultDB is the store file: $VIGIL_DB, or vigil.db in the working directory.
func defaultDB() string {
	if p := os.Getenv("VIGIL_DB"); p != "" {
		return p
	}
	return "vigil.db"
}

// dbFlag adds the --db flag to a command.
func dbFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "db", defaultDB(), "the store: a SQLite file or a postgres:// URL (the default comes from $VIGIL_DB when set)")
}

// byFlag adds the --by flag: who runs the command, for the audit log.
func byFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "by", "", "who runs this, for the audit log (default: the OS user)")
}

// actor returns who the audit log records for a command: "cli:" and --by,
// else the OS user. A command that cannot tell refuses to run: the log
// must not say it does not know who acted.
func actor(by string) (string, error) {
	name := strings.TrimSpace(by)
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	for _, env := range []string{"USER", "LOGNAME"} {
		if name == "" {
			name = strings.TrimSpace(os.Getenv(env))
		}
	}
	if name == "" {
		return "", errors.New("cannot tell who is running this command: give --by NAME")
	}
	if strings.ContainsFunc(name, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		return "", fmt.Errorf("--by %q: control characters are not allowed", name)
	}
	return "cli:" + name, nil
}

// actorContext returns ctx naming who runs the command (see actor), for
// the records the store writes on its own (imports, key changes).
func actorContext(ctx context.Context, by string) (context.Context, error) {
	who, err := actor(by)
	if err != nil {
		return ctx, err
	}
	return vigil.WithActor(ctx, who), nil
}
