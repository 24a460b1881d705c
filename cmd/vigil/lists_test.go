package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil/lists/load"
)

// run executes the vigil command line in-process and returns stdout, stderr
// and the error.
func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	root := newRoot()
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

func TestListsCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")

	out, _, err := run(t, "lists", "import", "--db", db, "../../lists/un/testdata/sample.xml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "un version 1") || !strings.Contains(out, "first version of un") {
		t.Errorf("import output:\n%s", out)
	}

	// The same file again adds nothing.
	out, _, err = run(t, "lists", "import", "--db", db, "../../lists/un/testdata/sample.xml")
	if err != nil || !strings.Contains(out, "already imported") {
		t.Errorf("re-import: %v\n%s", err, out)
	}

	// A second version with one entity fewer: a real diff.
	b, err := os.ReadFile("../../lists/un/testdata/sample.xml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "<INDIVIDUAL>")
	j := strings.Index(s, "</INDIVIDUAL>")
	v2 := filepath.Join(dir, "un2.xml")
	os.WriteFile(v2, []byte(s[:i]+s[j+len("</INDIVIDUAL>"):]), 0o644)
	out, _, err = run(t, "lists", "import", "--db", db, "--force", "--json", v2)
	if err != nil {
		t.Fatal(err)
	}
	var imp struct {
		Imports []load.Result `json:"imports"`
	}
	if err := json.Unmarshal([]byte(out), &imp); err != nil || len(imp.Imports) != 1 || imp.Imports[0].Version.Version != 2 || imp.Imports[0].Version.Removed != 1 {
		t.Fatalf("import --json: %v\n%s", err, out)
	}

	out, _, err = run(t, "lists", "--db", db, "--json")
	var ls struct {
		Lists []struct {
			List     string `json:"list"`
			Version  int    `json:"version"`
			Entities int    `json:"entities"`
		} `json:"lists"`
	}
	if err != nil || json.Unmarshal([]byte(out), &ls) != nil || len(ls.Lists) != 1 || ls.Lists[0].Version != 2 {
		t.Fatalf("lists --json: %v\n%s", err, out)
	}

	out, _, err = run(t, "lists", "diff", "--db", db, "--json", "un")
	var d struct {
		Removed []string `json:"removed"`
	}
	if err != nil || json.Unmarshal([]byte(out), &d) != nil || len(d.Removed) != 1 {
		t.Fatalf("lists diff --json: %v\n%s", err, out)
	}
	out, _, err = run(t, "lists", "diff", "--db", db, "un", "1", "2")
	if err != nil || !strings.Contains(out, "- "+d.Removed[0]) {
		t.Errorf("lists diff: %v\n%s", err, out)
	}

	// The removed entity is gone from the current version; others remain.
	if _, _, err := run(t, "entity", "--db", db, d.Removed[0]); err == nil {
		t.Errorf("entity %s: found after removal", d.Removed[0])
	}
	out, _, err = run(t, "lists", "versions", "--db", db, "un")
	if err != nil || !strings.Contains(out, "VERSION") {
		t.Errorf("lists versions: %v\n%s", err, out)
	}

	// A broken file is an error naming it; the current version stays.
	bad := filepath.Join(dir, "bad.xml")
	os.WriteFile(bad, b[:len(b)/2], 0o644)
	_, errOut, err := run(t, "lists", "import", "--db", db, bad)
	if err == nil || !strings.Contains(errOut, "bad.xml") {
		t.Errorf("broken import: err %v, stderr %q", err, errOut)
	}
	out, _, _ = run(t, "lists", "--db", db, "--json")
	if !strings.Contains(out, `"version": 2`) {
		t.Errorf("after broken import:\n%s", out)
	}
}

func TestEntityCommand(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	if _, _, err := run(t, "lists", "import", "--db", db, "../../lists/ofac/testdata/sdn.xml"); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "lists", "--db", db, "--json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "ofac_") {
		t.Fatalf("lists: %s", out)
	}
	out, _, err = run(t, "entity", "--db", db, "--json", "ofac:2001")
	var e struct {
		ID          string `json:"id"`
		Names       []any  `json:"names"`
		ListVersion string `json:"list_version"`
	}
	if err != nil || json.Unmarshal([]byte(out), &e) != nil || e.ID != "ofac:2001" || len(e.Names) == 0 || !strings.HasSuffix(e.ListVersion, "@1") {
		t.Errorf("entity ofac:2001: %v\n%s", err, out)
	}
	_, _, err = run(t, "entity", "--db", db, "ofac:does-not-exist")
	if err == nil || !strings.Contains(err.Error(), "no entity") {
		t.Errorf("unknown entity: %v", err)
	}
}

// TestScreenEmptyStore: screening an empty store is an error that says how
// to fill it, never a silent "no match".
func TestScreenEmptyStore(t *testing.T) {
	db := filepath.Join(t.TempDir(), "empty.db")
	out, _, err := run(t, "screen", "--db", db, "Qasem Soleimani")
	if err == nil || !strings.Contains(err.Error(), "holds no lists") || strings.Contains(out, "no match") {
		t.Errorf("screen on an empty store: %v, %q", err, out)
	}
}
