package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
)

// TestManifestErrorNamesPlaceOnce (issue 23): a malformed manifest's error
// names the file, line, segment and character once each.
func TestManifestErrorNamesPlaceOnce(t *testing.T) {
	const f = "../../paxlst/testdata/bad_count.edi"
	_, _, err := run(t, "manifest", "--db", fixtureDB(t), f)
	if err == nil {
		t.Fatal("a manifest whose UNT count is wrong was screened")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, f+":30: segment 29 UNT at character 569: ") {
		t.Errorf("error %q does not start with the file, line, segment and character", msg)
	}
	for _, s := range []string{"segment 29", "569", "input", f} {
		if n := strings.Count(msg, s); n > 1 || (s != "input" && n == 0) {
			t.Errorf("error %q names %q %d times", msg, s, n)
		}
	}
}

// TestListsDiffOneVersion (issue 23): a list with one version has nothing
// to compare; vigil lists diff says so and exits 0.
func TestListsDiffOneVersion(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	if _, _, err := run(t, "lists", "import", "--db", db, "../../lists/un/testdata/sample.xml"); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "lists", "diff", "--db", db, "un")
	if err != nil {
		t.Fatalf("lists diff un: %v", err)
	}
	if out != "un has one version (un@1): nothing to compare yet\n" {
		t.Errorf("lists diff un printed %q", out)
	}
	out, _, err = run(t, "lists", "diff", "--db", db, "--json", "un")
	if err != nil {
		t.Fatal(err)
	}
	var d vigil.Diff
	if err := json.Unmarshal([]byte(out), &d); err != nil || d.List != "un" || d.From != 1 || d.To != 1 || d.Added == nil || len(d.Added)+len(d.Removed)+len(d.Changed) != 0 {
		t.Errorf("lists diff --json un: %v %s", err, out)
	}
}
