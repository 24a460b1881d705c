package main

import (
	"encoding/json"
	"maps"
	"os"
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

// TestBatchInputUnderFieldNames (issue 23): vigil batch --map writes each
// row's input under the query's field names, not the file's headers.
func TestBatchInputUnderFieldNames(t *testing.T) {
	in := filepath.Join(t.TempDir(), "export.tsv")
	os.WriteFile(in, []byte("Ref\tCustomer\tBorn\tBranch\nR1\tQasem Soleimani\t1957-03-11\tLeeds\n"), 0o644)
	out, _, err := run(t, "batch", "--db", fixtureDB(t), "--in", in, "--map", "id=Ref,name=Customer,dob=Born")
	if err != nil {
		t.Fatal(err)
	}
	var line struct {
		Input   map[string]string `json:"input"`
		Matches []vigil.Match     `json:"matches"`
	}
	if err := json.Unmarshal([]byte(out), &line); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	want := map[string]string{"id": "R1", "name": "Qasem Soleimani", "dob": "1957-03-11", "Branch": "Leeds"}
	if !maps.Equal(line.Input, want) || len(line.Matches) == 0 {
		t.Errorf("input %v (want %v), %d matches", line.Input, want, len(line.Matches))
	}
}
