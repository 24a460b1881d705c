package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	vhttp "github.com/vigil-screening/vigil/http"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/sqlite"
)

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// get fetches a URL's status and body.
func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", path, nil)
	rec := &recorder{header: http.Header{}}
	h.ServeHTTP(rec, req)
	return rec.status, rec.body.String()
}

type recorder struct {
	header http.Header
	status int
	body   strings.Builder
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = 200
	}
	return r.body.Write(b)
}
func (r *recorder) WriteHeader(s int) { r.status = s }

// TestServeProblemsByListAndPath (issue 18, items 7 and 8): the problems of
// a lists folder are keyed by list and path, a file refused by design is
// "refused" and not an error, /v1/lists and /metrics agree, and /readyz is
// not ready while a configured list has no complete version.
func TestServeProblemsByListAndPath(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "../../lists/un/testdata/sample.xml", filepath.Join(dir, "un.xml"))
	eu, err := os.ReadFile("../../lists/eu/testdata/sample.xml")
	if err != nil {
		t.Fatal(err)
	}
	euPath := filepath.Join(dir, "eu", "eu.xml")
	os.MkdirAll(filepath.Dir(euPath), 0o755)
	os.WriteFile(euPath, eu[:len(eu)/2], 0o644) // truncated: unreadable
	for _, f := range []string{"add.csv", "alt.csv"} {
		copyFile(t, "../../lists/ofac/testdata/csv/"+f, filepath.Join(dir, "ofac", f)) // no sdn.csv
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a list"), 0o644)

	st, err := openStore(filepath.Join(t.TempDir(), "v.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ld := &listLoader{st: st, dir: dir, log: slog.New(slog.DiscardHandler)}
	srv := vhttp.New(vhttp.Options{Store: st, Keys: st, Reload: ld.reload, Rebuild: ld.rebuild})
	ld.current = srv.Snapshot
	ctx := context.Background()
	if err := ld.initial(ctx); err != nil {
		t.Fatal(err)
	}
	if err := srv.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	snap := srv.Snapshot()
	want := []vhttp.Problem{
		{List: "eu", Path: euPath, Kind: vhttp.ProblemError},
		{List: "ofac_sdn", Path: filepath.Join(dir, "ofac"), Kind: vhttp.ProblemRefused},
	}
	got := slices.Clone(snap.Problems)
	for i := range got {
		got[i].Message = ""
	}
	slices.SortFunc(got, func(a, b vhttp.Problem) int { return strings.Compare(a.List, b.List) })
	if !slices.Equal(got, want) || !slices.Equal(snap.Missing, []string{"eu"}) {
		t.Fatalf("problems %+v, missing %v", snap.Problems, snap.Missing)
	}
	h := srv.Handler()
	code, body := get(t, h, "/readyz")
	if code != 503 || !strings.Contains(body, `"missing":["eu"]`) {
		t.Errorf("readyz: %d %s", code, body)
	}
	_, body = get(t, h, "/v1/lists")
	var ls vhttp.ListsResponse
	if err := json.Unmarshal([]byte(body), &ls); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range ls.Lists {
		names = append(names, l.List)
		switch l.List {
		case "eu":
			if !l.Missing || len(l.Problems) != 1 || l.Problems[0].Kind != "error" || !strings.Contains(l.Problems[0].Message, "eu.xml") {
				t.Errorf("eu = %+v", l)
			}
		case "ofac_sdn":
			if l.Missing || len(l.Problems) != 1 || l.Problems[0].Kind != "refused" || !strings.Contains(l.Problems[0].Message, "sdn.csv is missing") {
				t.Errorf("ofac_sdn = %+v", l)
			}
		case "un":
			if l.Version != 1 || len(l.Problems) != 0 {
				t.Errorf("un = %+v", l)
			}
		}
	}
	if !slices.Equal(names, []string{"eu", "ofac_sdn", "un"}) {
		t.Errorf("lists %v: phantom or missing lists", names)
	}
	_, body = get(t, h, "/metrics")
	for _, m := range []string{`vigil_list_problem{kind="error",list="eu"} 1`, `vigil_list_problem{kind="refused",list="ofac_sdn"} 1`,
		`vigil_list_problem{kind="missing",list="eu"} 1`, `vigil_list_problem{kind="error",list="un"} 0`} {
		if !strings.Contains(body, m) {
			t.Errorf("metrics lack %s", m)
		}
	}
	// Mended, the list is imported at the next refresh and the server is ready.
	os.WriteFile(euPath, eu, 0o644)
	if err := srv.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, h, "/readyz"); code != 200 {
		t.Errorf("readyz after the fix: %d %s", code, body)
	}
	if s := srv.Snapshot(); len(s.Missing) != 0 || len(s.Problems) != 1 || s.Problems[0].Kind != vhttp.ProblemRefused {
		t.Errorf("after the fix: problems %+v, missing %v", s.Problems, s.Missing)
	}
}

// serveProc is a vigil serve subprocess and its log lines.
type serveProc struct {
	cmd   *exec.Cmd
	lines chan string
}

func startServe(t *testing.T, bin string, args ...string) *serveProc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--refresh", "0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serveProc{cmd: cmd, lines: make(chan string, 1024)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return p
}

// waitLine returns the first log line matching re.
func (p *serveProc) waitLine(t *testing.T, re *regexp.Regexp, within time.Duration) []string {
	t.Helper()
	deadline := time.After(within)
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("vigil serve ended before logging %s", re)
			}
			if m := re.FindStringSubmatch(line); m != nil {
				return m
			}
		case <-deadline:
			t.Fatalf("vigil serve did not log %s within %s", re, within)
		}
	}
}

// TestServeCrashDuringFirstImport (issue 18, item 8): vigil serve killed
// (SIGKILL) during its first import of a lists folder, then restarted,
// finishes the import before it says ready: /readyz never answers 200
// while a list of the folder is missing.
func TestServeCrashDuringFirstImport(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"au_dfat/regulation8_consolidated.xlsx", "ca_sema/sema-lsem.xml", "un/consolidated.xml", "us_csl/consolidated.csv.gz"} {
		copyFile(t, shared.Lists(t, f), filepath.Join(dir, f))
	}
	bin := filepath.Join(t.TempDir(), "vigil")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(t.TempDir(), "v.db")
	lists := []string{"au", "ca", "un", "us_csl"}

	// Kill it right after the first list is committed.
	p := startServe(t, bin, "--db", db, "--lists", dir)
	p.waitLine(t, regexp.MustCompile(`msg=imported list=au@1`), 2*time.Minute)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.cmd.Wait()
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := st.Current(context.Background())
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(cur) == 0 || len(cur) == len(lists) {
		t.Fatalf("after the kill the store holds %d lists: the kill did not land mid-import", len(cur))
	}

	// Restarted, it is not ready until every list is complete.
	p = startServe(t, bin, "--db", db, "--lists", dir)
	addr := p.waitLine(t, regexp.MustCompile(`msg=listening addr=(http://\S+)`), time.Minute)[1]
	go func() { // drain the log
		for range p.lines {
		}
	}()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if time.Now().After(deadline) {
			t.Fatal("not ready within 3 minutes")
		}
		res, err := client.Get(addr + "/readyz")
		if err != nil {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode == 200 {
			break
		}
		if res.StatusCode != 503 {
			t.Fatalf("readyz: %d", res.StatusCode)
		}
		time.Sleep(50 * time.Millisecond)
	}
	res, err := client.Get(addr + "/v1/lists")
	if err != nil {
		t.Fatal(err)
	}
	var ls vhttp.ListsResponse
	err = json.NewDecoder(res.Body).Decode(&ls)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range ls.Lists {
		if l.Version > 0 && !l.Partial && !l.Missing {
			got = append(got, l.List)
		}
	}
	if !slices.Equal(got, lists) || len(ls.Missing) != 0 {
		t.Errorf("ready with complete lists %v (missing %v), want %v", got, ls.Missing, lists)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.cmd.Wait()
}

// TestFollowerKnowsTheConfiguredLists: a replica that does not lead is not
// ready while a configured list lacks a complete version, as the lead is
// not: with downloads, every source's list; with a folder, every list the
// store holds (one with only a partial version is missing).
func TestFollowerKnowsTheConfiguredLists(t *testing.T) {
	cur := []vigil.ListVersion{{List: "un"}, {List: "ofac_sdn", Partial: true}}
	if got := followerState("lists", cur).missing(cur); !slices.Equal(got, []string{"ofac_sdn"}) {
		t.Errorf("folder: missing %v, want [ofac_sdn]", got)
	}
	got := followerState("", cur).missing(cur)
	if slices.Contains(got, "un") || !slices.Contains(got, "ofac_sdn") || !slices.Contains(got, "eu") {
		t.Errorf("downloads: missing %v, want every source's list but un", got)
	}
}
