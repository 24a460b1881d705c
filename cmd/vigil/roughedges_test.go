package main

import (
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionFlag(t *testing.T) {
	out, _, err := run(t, "--version")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "vigil ") || !strings.Contains(out, "go1.") {
		t.Errorf("vigil --version printed %q", out)
	}
}

func TestDescribeBuild(t *testing.T) {
	bi := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-07T10:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	if got, want := describeBuild(bi), "v1.2.3 revision 0123456789ab+dirty (2026-12-07T10:00:00Z) go1.26.8"; got != want {
		t.Errorf("describeBuild = %q, want %q", got, want)
	}
	if got := describeBuild(&debug.BuildInfo{GoVersion: "go1.26.8"}); got != "(devel) go1.26.8" {
		t.Errorf("describeBuild without VCS = %q", got)
	}
}

func TestDocsMan(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, "docs", "man", dir)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "pages to") {
		t.Errorf("docs man printed %q", out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "vigil-screen.1"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "dob") || !strings.Contains(string(b), ".TH \"VIGIL\"") {
		t.Errorf("vigil-screen.1 lacks its flags or header:\n%.400s", b)
	}
}

func TestCompareGoesOnPastBadRows(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "pairs.csv")
	os.WriteFile(in, []byte("name1,name2,schema\n"+
		"Olaf Scholz,Olaf Scholze,Person\n"+
		"only one\n"+
		"Bad \"quote,Angela Merkel,Person\n"+
		",Angela Merkel,Person\n"+
		"Angela Merkel,Angela Merkel,Person\n"), 0o644)
	out, errOut, err := run(t, "compare", "--in", in)
	if err != nil {
		t.Fatalf("compare failed on bad rows: %v\n%s", err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "Olaf Scholz,") || !strings.HasPrefix(lines[2], "Angela Merkel,Angela Merkel,Person,1.000") {
		t.Errorf("compare output:\n%s", out)
	}
	for _, want := range []string{"line 3:", "line 4:", "line 5:", "3 bad rows"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

func TestDBFlagHelpSaysDefaultOnce(t *testing.T) {
	out, _, err := run(t, "screen", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, "--db") && strings.Count(line, "default") > 2 {
			t.Errorf("the --db help repeats its default: %q", line)
		}
		if strings.Contains(line, "--db") && strings.Count(line, "(default") != 1 {
			t.Errorf("the --db help should show one default: %q", line)
		}
	}
}
