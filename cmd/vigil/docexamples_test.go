package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil/internal/shared"
)

// The manual's examples are run by TestDocExamples, so that README.md and
// docs/*.md cannot drift from the program.
//
// Which blocks are examples: a fenced block marked sh, bash, shell or
// console, or unmarked, whose lines start with "$ " holds commands, each
// followed by the output the manual shows; an sh, bash or shell block
// without "$ " lines is a script whose lines (with their "\" continuations
// and here-documents) are commands whose output the manual does not show.
// Other blocks (json, go, unmarked output) are not commands.
//
// How they run: the commands of one document run in order, in a fresh
// workspace of their own holding the repository's files (so that
// paxlst/testdata/… resolves) and ../shared, with $VIGIL_DB a copy of a
// store into which ../shared/data/lists was imported and $PATH finding the
// vigil binary built from this package. Variables a command sets are kept
// for the next (export VIGIL_DB=…, L=…).
//
// What is checked: a command fails the test when it exits 1 (an error) or
// above 3 (2 and 3 are the verdicts of vigil manifest and mrz), unless the
// manual shows it failing (an output line "vigil: …" or "error: …", or a
// "$ echo $?" after it, whose status must then be the one shown). Each
// non-blank output line the manual shows must appear among the lines the
// command printed (stdout and stderr), in order, compared after collapsing
// white space, turning every run of digits into one "#" (counts, timings
// and dates change with the lists) and made-up ids, secrets and hashes
// into "@", with "…" standing for any text. The key_… and wh_… ids the
// manual shows are replaced in later commands by those this run made.
//
// What does not run is said with its reason in notRun, matched against
// the command's text, or in the document as an HTML comment on the line
// before the block, "<!-- not tested: REASON -->". A block whose story
// starts from nothing is marked "<!-- test: empty store -->": its commands
// use a store of their own, empty before the first; "<!-- test: empty
// store NAME -->" names it, so that later blocks naming it go on with it.
// A block whose story needs a state the document does not show making is
// marked "<!-- test: setup CMD -->" (one marker a command, on the lines
// before the block, after an empty store marker): CMD runs first, in the
// block's store, and must succeed; its output is not compared.
//
// A curl command reaching localhost:8080 (or 127.0.0.1:8080) reaches the
// document's vigil serve, which the test starts, on a free loopback port
// without refreshes, with the document's store, when the first such
// command is met; a vigil serve example starts that command instead. The
// server stops at the end of the document. A curl command whose answer
// the manual does not show must get a 2xx or 3xx answer.

// notRun lists commands the test does not run, with the reason, by their
// text (after white space is collapsed); patterns are tried in order.
var notRun = []struct {
	re     *regexp.Regexp
	reason string
}{
	{regexp.MustCompile(`^go (test|run|build) `), "the Go toolchain: go test ./... runs this very test, and the test builds and runs the binary itself"},
	{regexp.MustCompile(`postgres://`), "needs a PostgreSQL server: vigil store copy and serve on PostgreSQL are tested against one (VIGIL_TEST_POSTGRES)"},
	{regexp.MustCompile(`^vigil lists update\b`), "downloads from the official sites: tests send traffic only to loopback (the downloader is tested against httptest servers)"},
	{regexp.MustCompile(`^vigil (watch )?bench\b`), "a benchmark: minutes of CPU, run by hand for docs/performance.md"},
	{regexp.MustCompile(`^vigil batch --in export\.tsv --map id=Ref,name=Customer --threshold`), "the reader's own file: vigil batch --map is run by TestBatchInputUnderFieldNames"},
	{regexp.MustCompile(`\[-|\[[A-Z]|…|\b(ID|WEBHOOK_ID|FILE|DIR)\b`), "a synopsis (placeholders or optional parts), not a command"},
}

// example is one command of the manual.
type example struct {
	file   string // path relative to the repository root
	line   int
	cmd    string
	want   []string // the output lines shown; nil when none
	reason string   // why it is not run; "" to run it
	// empty, when set, is the store the block's commands use instead of
	// the document's: a new one, empty before the first command using it.
	empty string
	// setup are the commands run before this one, its block's first.
	setup []string
}

func (e example) String() string { return fmt.Sprintf("%s:%d: %s", e.file, e.line, firstLine(e.cmd)) }

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

var (
	digitsRE = regexp.MustCompile(`[0-9]+`)
	spaceRE  = regexp.MustCompile(`\s+`)
	zoneRE   = regexp.MustCompile(`(T#:#:#)(Z|[+-]#:#)`)
	secretRE = regexp.MustCompile(`\b(vgl_|whsec_)[A-Za-z0-9_-]+`)
	// idRE finds the ids a run makes up (keys, webhooks) and the hashes
	// it prints.
	idRE = regexp.MustCompile(`\b(key|wh)_[0-9a-f]{16}\b|\b[0-9a-f]{12,64}\b|\b[0-9a-f]{4}…[0-9a-f]{4}\b`)
)

// norm is a line as outputs are compared: white space collapsed, made-up
// ids, secrets and hashes as "@", digit runs as "#", time zones dropped.
func norm(s string) string {
	s = idRE.ReplaceAllStringFunc(s, func(id string) string {
		if k, _, ok := strings.Cut(id, "_"); ok && (k == "key" || k == "wh") {
			return k + "_@"
		}
		return "@"
	})
	s = secretRE.ReplaceAllString(s, "${1}@")
	s = digitsRE.ReplaceAllString(strings.TrimSpace(spaceRE.ReplaceAllString(s, " ")), "#")
	return zoneRE.ReplaceAllString(s, "$1")
}

// ids returns the made-up ids of a text, in order.
func ids(s string) []string {
	var out []string
	for _, m := range idRE.FindAllString(s, -1) {
		if strings.HasPrefix(m, "key_") || strings.HasPrefix(m, "wh_") {
			out = append(out, m)
		}
	}
	return out
}

// lineMatches reports whether an output line holds a line the manual
// shows, "…" standing for any text.
func lineMatches(want, got string) bool {
	rest := norm(got)
	for _, p := range strings.Split(norm(want), "…") {
		j := strings.Index(rest, strings.TrimSpace(p))
		if j < 0 {
			return false
		}
		rest = rest[j+len(strings.TrimSpace(p)):]
	}
	return true
}

// missing returns the first shown line not found, in order, in the output.
func missing(want []string, out string) (string, bool) {
	w, ok, _ := align(want, out)
	return w, ok
}

// align finds the shown lines, in order, in the output; it returns the
// first one missing, or the made-up ids of the shown lines mapped to those
// of the output lines they matched (the manual's key_ea52… is this run's
// key_0c1d…), for the commands that follow.
func align(want []string, out string) (string, bool, map[string]string) {
	got := strings.Split(out, "\n")
	same := map[string]string{}
	i := 0
	for _, w := range want {
		if strings.TrimSpace(w) == "" {
			continue
		}
		for i < len(got) && !lineMatches(w, got[i]) {
			i++
		}
		if i == len(got) {
			return w, true, same
		}
		if a, b := ids(w), ids(got[i]); len(a) == len(b) {
			for k := range a {
				same[a[k]] = b[k]
			}
		}
		i++
	}
	return "", false, same
}

// showsError reports whether the output the manual shows is an error
// ("vigil: …" or "error: …"): the command is meant to exit 1.
func showsError(want []string) bool {
	for _, w := range want {
		if strings.HasPrefix(w, "vigil: ") || strings.HasPrefix(w, "error: ") {
			return true
		}
	}
	return false
}

// parseExamples returns the commands of a Markdown document.
func parseExamples(file, text string) []example {
	lines := strings.Split(text, "\n")
	var out []example
	for i := 0; i < len(lines); i++ {
		fence, ok := strings.CutPrefix(lines[i], "```")
		if !ok {
			continue
		}
		lang := strings.TrimSpace(fence)
		start := i
		var body []string
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			body = append(body, lines[i])
		}
		reason, empty := "", ""
		var setup []string
		// The markers: the comment lines right before the block.
		first := start
		for first > 0 && strings.HasPrefix(strings.TrimSpace(lines[first-1]), "<!--") {
			first--
		}
		for _, m := range lines[first:start] {
			m = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(m), "-->"))
			if r, ok := strings.CutPrefix(m, "<!-- not tested:"); ok {
				reason = strings.TrimSpace(r)
			}
			if name, ok := strings.CutPrefix(m, "<!-- test: empty store"); ok {
				if name = strings.TrimSpace(name); name == "" {
					name = fmt.Sprint(start + 1)
				}
				empty = "empty-" + name + ".db"
			}
			if c, ok := strings.CutPrefix(m, "<!-- test: setup "); ok {
				setup = append(setup, strings.TrimSpace(c))
			}
		}
		console := false
		for _, l := range body {
			if strings.HasPrefix(l, "$ ") {
				console = true
			}
		}
		var exs []example
		switch {
		case console && (lang == "" || lang == "console" || lang == "sh" || lang == "bash" || lang == "shell"):
			exs = consoleExamples(file, start+2, body, reason)
		case lang == "sh" || lang == "bash" || lang == "shell":
			exs = scriptExamples(file, start+2, body, reason)
		}
		for k := range exs {
			exs[k].empty = empty
		}
		if len(exs) > 0 {
			exs[0].setup = setup
		}
		out = append(out, exs...)
	}
	return out
}

// consoleExamples splits a console block: "$ " commands (with "\"
// continuations), each followed by its output.
func consoleExamples(file string, first int, body []string, reason string) []example {
	var out []example
	for i := 0; i < len(body); i++ {
		c, ok := strings.CutPrefix(body[i], "$ ")
		if !ok {
			continue
		}
		e := example{file: file, line: first + i, reason: reason}
		for strings.HasSuffix(c, "\\") && i+1 < len(body) {
			i++
			c += "\n" + body[i]
		}
		e.cmd = c
		for i+1 < len(body) && !strings.HasPrefix(body[i+1], "$ ") {
			i++
			e.want = append(e.want, body[i])
		}
		out = append(out, e)
	}
	return out
}

var heredocRE = regexp.MustCompile(`<<-?\s*'?"?(\w+)`)

// scriptExamples splits a script block into commands: lines, with "\"
// continuations and here-documents; comment lines are dropped.
func scriptExamples(file string, first int, body []string, reason string) []example {
	var out []example
	for i := 0; i < len(body); i++ {
		l := body[i]
		if t := strings.TrimSpace(l); t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		e := example{file: file, line: first + i, reason: reason, cmd: l}
		for strings.HasSuffix(e.cmd, "\\") && i+1 < len(body) {
			i++
			e.cmd += "\n" + body[i]
		}
		if m := heredocRE.FindStringSubmatch(l); m != nil {
			for i+1 < len(body) {
				i++
				e.cmd += "\n" + body[i]
				if strings.TrimSpace(body[i]) == m[1] {
					break
				}
			}
		}
		out = append(out, e)
	}
	return out
}

// docFiles are the documents whose examples run: README.md and docs/*.md.
func docFiles(t *testing.T, root string) []string {
	files, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{filepath.Join(root, "README.md")}, files...)
}

func TestParseExamples(t *testing.T) {
	doc := "intro\n```sh\nvigil lists   # the lists\n# a comment\nvigil screen \\\n  \"A B\"\ncat > f <<'EOF'\na,b\nEOF\n```\n" +
		"<!-- not tested: needs a key -->\n```\n$ vigil keys list\nID  NAME\n$ echo $?\n0\n```\n```json\n{\"a\":1}\n```\n"
	got := parseExamples("d.md", doc)
	want := []example{
		{file: "d.md", line: 3, cmd: "vigil lists   # the lists"},
		{file: "d.md", line: 5, cmd: "vigil screen \\\n  \"A B\""},
		{file: "d.md", line: 7, cmd: "cat > f <<'EOF'\na,b\nEOF"},
		{file: "d.md", line: 13, cmd: "vigil keys list", want: []string{"ID  NAME"}, reason: "needs a key"},
		{file: "d.md", line: 15, cmd: "echo $?", want: []string{"0"}, reason: "needs a key"},
	}
	if g := parseExamples("e.md", "<!-- test: empty store -->\n```\n$ vigil lists\n```\n"); len(g) != 1 || g[0].empty != "empty-2.db" {
		t.Errorf("an empty-store block: %+v", g)
	}
	g := parseExamples("e.md", "<!-- test: empty store h -->\n<!-- test: setup vigil lists import a -->\n<!-- test: setup touch b -->\n```\n$ vigil lists\n$ vigil lists\n```\n")
	if len(g) != 2 || g[0].empty != "empty-h.db" || g[1].empty != "empty-h.db" ||
		fmt.Sprint(g[0].setup) != "[vigil lists import a touch b]" || g[1].setup != nil {
		t.Errorf("a named store with setup commands: %+v", g)
	}
	if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
		t.Errorf("parseExamples:\n got %+v\nwant %+v", got, want)
	}
	for _, tc := range []struct {
		want, got string
		ok        bool
	}{
		{"4 rows, 1 with matches, 22ms", "4 rows,  1 with matches, 7ms", true},
		{"4 rows, 1 with matches", "4 rows, 1 without matches", false},
		{`{"import":{"set":"customers",…,"opened":4,…}`, `{"import":{"set":"customers","rows":4,"opened":3,"x":1}`, true},
		{"DENY SOLEIMANI, QASEM", "CLEAR SOLEIMANI, QASEM", false},
	} {
		if lineMatches(tc.want, tc.got) != tc.ok {
			t.Errorf("lineMatches(%q, %q) = %v", tc.want, tc.got, !tc.ok)
		}
	}
	if w, ok := missing([]string{"b", "a"}, "a\nb\n"); !ok || w != "a" {
		t.Errorf("lines out of order were accepted")
	}
}

// TestDocExamples runs every command example of README.md and docs/*.md
// (see the comment at the top of this file).
func TestDocExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping in -short mode: imports the shared lists and runs the manual's examples")
	}
	lists := shared.Path(t, "data/lists")
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	if out, err := exec.Command("go", "build", "-o", filepath.Join(bin, "vigil"), ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// $VIGIL_DOC_BASE, when it names a store, is used instead of a new
	// import (while working on the docs); $VIGIL_DOC_ONLY runs the
	// documents whose path holds it.
	base := os.Getenv("VIGIL_DOC_BASE")
	if _, err := os.Stat(base); base == "" || err != nil {
		base = filepath.Join(tmp, "base.db")
		if out, err := exec.Command(filepath.Join(bin, "vigil"), "lists", "import", "--db", base, lists).CombinedOutput(); err != nil {
			t.Fatalf("vigil lists import %s: %v\n%.2000s", lists, err, out)
		}
	}
	var total, skipped int
	for _, path := range docFiles(t, root) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, path)
		exs := parseExamples(rel, string(b))
		if len(exs) == 0 {
			continue
		}
		if only := os.Getenv("VIGIL_DOC_ONLY"); only != "" && !strings.Contains(rel, only) {
			continue
		}
		t.Run(rel, func(t *testing.T) {
			ws := workspace(t, root, base, bin)
			same := map[string]string{} // the manual's ids → this run's
			for k, e := range exs {
				total++
				if e.reason == "" {
					// A block's setup runs even when its first
					// command is not run (a synopsis, say).
					for _, c := range e.setup {
						if out, code := ws.run(t, c, e.empty); code != 0 {
							t.Fatalf("%s: setup %s: exit status %d:\n%s", e, c, code, out)
						}
					}
					c := spaceRE.ReplaceAllString(strings.TrimSpace(e.cmd), " ")
					for _, n := range notRun {
						if n.re.MatchString(c) {
							e.reason = n.reason
							break
						}
					}
				}
				if e.reason != "" {
					skipped++
					t.Logf("%s: not run: %s", e, e.reason)
					continue
				}
				cmd := e.cmd
				for doc, run := range same {
					cmd = strings.ReplaceAll(cmd, doc, run)
				}
				if serveRE.MatchString(cmd) {
					// The manual's own vigil serve, started in the
					// background on a free port.
					ws.serve(t, cmd)
					continue
				}
				if loopback8080RE.MatchString(cmd) {
					if ws.addr == "" {
						ws.serve(t, "vigil serve")
					}
					cmd = loopback8080RE.ReplaceAllString(cmd, ws.addr)
				}
				if len(e.want) == 0 {
					// A request whose answer the manual does not show
					// must succeed: an HTTP error fails curl (status 22).
					cmd = curlRE.ReplaceAllString(cmd, "${1}curl --fail-with-body ")
				}
				out, code := ws.run(t, cmd, e.empty)
				// "$ echo $?" after a command shows its exit status;
				// otherwise 1 (an error) or above 3 fails.
				if k+1 < len(exs) && exs[k+1].cmd == "echo $?" && len(exs[k+1].want) > 0 {
					if want := strings.TrimSpace(exs[k+1].want[0]); want != fmt.Sprint(code) {
						t.Errorf("%s: exit status %d, the manual says %s:\n%s", e, code, want, out)
					}
				} else if (code == 1 && !showsError(e.want)) || code > 3 {
					t.Errorf("%s: exit status %d:\n%s", e, code, out)
					continue
				}
				w, bad, ids := align(e.want, out)
				if bad {
					t.Errorf("%s: the output lacks the line %q (or has it out of order):\n%s", e, w, out)
				}
				for doc, run := range ids {
					same[doc] = run
				}
			}
		})
	}
	t.Logf("%d examples, %d not run (reasons above, with -v)", total, skipped)
}

// docWorkspace is where one document's commands run.
type docWorkspace struct {
	dir, env, bin string
	// addr is the loopback address of the document's vigil serve, once
	// started; stop ends it.
	addr string
	stop func()
}

var (
	// serveRE finds a vigil serve example (a synopsis is not run).
	serveRE = regexp.MustCompile(`^vigil serve\b`)
	// loopback8080RE finds the address the manual's curl examples use.
	loopback8080RE = regexp.MustCompile(`\b(localhost|127\.0\.0\.1):8080\b`)
	// curlRE finds the curl commands of a script.
	curlRE = regexp.MustCompile(`(?m)(^|[;&|(]\s*)curl `)
)

// serve starts cmd, a vigil serve command, in the background with the
// variables earlier commands set, on a free loopback port and without
// refreshes, stopping the document's previous server; it waits until
// /readyz answers and stops the server when the document's test ends.
// The manual's commands then reach it where they say localhost:8080.
func (ws *docWorkspace) serve(t *testing.T, cmd string) {
	t.Helper()
	if ws.stop != nil {
		ws.stop()
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	cmd, _, _ = strings.Cut(cmd, "#")
	// Later flags win: the address and refresh the manual gives (or its
	// defaults) are replaced by the test's.
	script := "set -a\nsource " + shellQuote(ws.env) + "\nexec " + strings.TrimSpace(cmd) +
		" --addr " + addr + " --refresh 0 --poll 1s\n"
	logf, err := os.Create(filepath.Join(filepath.Dir(ws.dir), "serve-"+strings.ReplaceAll(addr, ":", "-")+".log"))
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command("bash", "-c", script)
	c.Dir = ws.dir
	c.Env = []string{"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	c.Stdout, c.Stderr = logf, logf
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { c.Wait(); logf.Close(); close(done) }()
	ws.addr = addr
	ws.stop = func() {
		c.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			c.Process.Kill()
			<-done
		}
		ws.stop, ws.addr = nil, ""
	}
	t.Cleanup(func() {
		if ws.stop != nil {
			ws.stop()
		}
	})
	// Ready is 200, or a 503 that says which configured list has no
	// complete version (the manual may show that); loading takes longer.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case <-done:
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("%s exited before it was ready:\n%s", cmd, b)
		default:
		}
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK || bytes.Contains(body, []byte(`"incomplete"`)) {
				return
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logf.Name())
			t.Fatalf("%s was not ready after 2 minutes:\n%s", cmd, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// workspace makes a folder holding links to the repository's files and a
// copy of the base store, beside a link to ../shared.
func workspace(t *testing.T, root, base, bin string) *docWorkspace {
	t.Helper()
	tmp := t.TempDir()
	ws := &docWorkspace{dir: filepath.Join(tmp, "vigil"), env: filepath.Join(tmp, "env.sh"), bin: bin}
	if err := os.Mkdir(ws.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(shared.Root(), filepath.Join(tmp, "shared")); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if n := e.Name(); !strings.HasPrefix(n, ".") && !strings.HasSuffix(n, ".db") {
			if err := os.Symlink(filepath.Join(root, n), filepath.Join(ws.dir, n)); err != nil {
				t.Fatal(err)
			}
		}
	}
	db := filepath.Join(ws.dir, "vigil.db")
	copyFile(t, base, db)
	env := fmt.Sprintf("export PATH=%q\nexport HOME=%q\nexport VIGIL_DB=%q\n", ws.bin+":"+os.Getenv("PATH"), tmp, db)
	if err := os.WriteFile(ws.env, []byte(env), 0o644); err != nil {
		t.Fatal(err)
	}
	return ws
}

// run runs a command in the workspace with the variables earlier commands
// set, and returns its output (stdout and stderr) and exit status. With
// empty set, $VIGIL_DB is that store (in the workspace) for this command.
func (ws *docWorkspace) run(t *testing.T, cmd, empty string) (string, int) {
	t.Helper()
	set, reset := "", ""
	if empty != "" {
		set, reset = "__db=$VIGIL_DB\nVIGIL_DB="+shellQuote(filepath.Join(ws.dir, empty))+"\n", "VIGIL_DB=$__db\n"
	}
	// $? starts as the previous command's status, for "echo $?".
	script := "set -a\nsource " + shellQuote(ws.env) + "\n" + set + "(exit ${__rc:-0})\n" + cmd +
		"\n__rc=$?\n" + reset + "export -p | grep -v '^declare -[a-z]*r' > " + shellQuote(ws.env) + "\nexit $__rc\n"
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, "bash", "-c", script)
	c.Dir = ws.dir
	c.Env = []string{"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8"}
	out, err := c.CombinedOutput()
	code := 0
	if err != nil {
		code = -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
	}
	return string(out), code
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
