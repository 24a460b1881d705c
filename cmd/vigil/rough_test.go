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

// TestEntityHumanForm (issue 23): vigil entity prints a listing for a
// reader by default (names by script, dates, documents, measures, the list
// version and the subject with its other listings), and JSON with --json.
func TestEntityHumanForm(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	if _, _, err := run(t, "lists", "import", "--db", db, "../../lists/un/testdata/sample.xml", "../../lists/eu/testdata/sample.xml"); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "entity", "--db", db, "un:QDi.999")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"un:QDi.999  ABDUL EXAMPLE TESTER\nperson on un (un@1), listed since 2030-01-01\n",
		"\n  Latn  primary  ABDUL EXAMPLE TESTER\n        strong   Abu Example\n",
		"\n  Arab  strong   عبد المثال\n",
		"\nborn         1970-02-03; 1969; ~1968;",
		"\ndocument     Passport X0000001 (IR, issued 2020-01-01, expires 2030-12-11",
		"\nmeasures     asset_freeze, travel_ban, arms_embargo\n",
		"\nsubject      S2, also listed as eu:EU.9.99 (vigil subjects show S2)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("vigil entity un:QDi.999 lacks %q:\n%s", want, out)
		}
	}
	// A remark over several lines stays in its column.
	out, _, err = run(t, "entity", "--db", db, "eu:EU.9.99")
	if err != nil || !strings.Contains(out, "\nremarks      Fictional person.\n             Invented for tests\n") {
		t.Errorf("vigil entity eu:EU.9.99 (%v):\n%s", err, out)
	}
	out, _, err = run(t, "entity", "--db", db, "--json", "un:QDi.999")
	var e struct {
		vigil.Entity
		ListVersion string `json:"list_version"`
	}
	if err != nil || json.Unmarshal([]byte(out), &e) != nil || e.ID != "un:QDi.999" || e.ListVersion != "un@1" || len(e.Measures) != 3 {
		t.Errorf("vigil entity --json (%v):\n%s", err, out)
	}
}

// TestScreenShowsMeasures (issue 23): vigil screen's human output names
// each result's measures and the lists that impose them.
func TestScreenShowsMeasures(t *testing.T) {
	db := fixtureDB(t)
	out, _, err := run(t, "screen", "--db", db, "Qasem Soleimani")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "\n  measures: travel_ban by fx; asset_freeze by fx\n") {
		t.Errorf("the travel ban and asset freeze are not shown:\n%s", out)
	}
	out, _, err = run(t, "screen", "--db", db, "Ivan Petrovich Sidorenko")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "\n  measures: asset_freeze by fx\n") || strings.Contains(out, "travel_ban") {
		t.Errorf("an asset freeze alone is not shown as such:\n%s", out)
	}
}
