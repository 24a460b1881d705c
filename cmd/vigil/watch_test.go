package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
)

// TestWatchCommands walks the story on the command line: lists, a watch
// file, a new list version re-screened on import, a decision, a refused
// self-approval, an approval, the queue as JSON, and --sync.
func TestWatchCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	if _, _, err := run(t, "lists", "import", "--db", db, "../../lists/un/testdata/sample.xml"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "customers.csv")
	os.WriteFile(file, []byte("Ref,Customer,dob,branch\nc1,Abdul Example,1970-02-03,Zurich\nc2,Anna Marie O'Brien,,Dublin\nc3,Ivan Primerov,,Riga\nc4,,1980-01-01,Oslo\n"), 0o644)
	out, errOut, err := run(t, "watch", "import", "--db", db, "--set", "customers", "--map", "id=Ref,name=Customer", file)
	if err != nil || !strings.Contains(out, "4 rows into set customers: 3 added") || !strings.Contains(out, "1 bad") ||
		!strings.Contains(errOut, "row 5: missing name") {
		t.Fatalf("watch import: %v\n%s\n%s", err, out, errOut)
	}
	out, _, err = run(t, "alerts", "--db", db, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var page vigil.AlertPage
	if err := json.Unmarshal([]byte(out), &page); err != nil {
		t.Fatal(err)
	}
	byID := map[string]vigil.Alert{}
	for _, a := range page.Alerts {
		byID[a.SubjectID] = a
	}
	if byID["c1"].EntityID != "un:QDi.999" || byID["c3"].EntityID != "un:LYi.999" || len(page.Alerts) != 2 || page.Counts[vigil.AlertOpen] != 2 {
		t.Fatalf("alerts: %s", out)
	}
	for _, want := range []string{`"id"`, `"set"`, `"subject_id"`, `"entity_id"`, `"state"`, `"score"`, `"list_version"`} {
		if !strings.Contains(out, want) {
			t.Errorf("alerts JSON lacks %s", want)
		}
	}
	// A new version in which the listing gains an alias: imported, the
	// watch is re-screened at once.
	b, _ := os.ReadFile("../../lists/un/testdata/sample.xml")
	v2 := filepath.Join(dir, "un2.xml")
	os.WriteFile(v2, []byte(strings.Replace(string(b), "<ALIAS_NAME>The Tester", "<ALIAS_NAME>Ivan Primerov Junior</ALIAS_NAME></INDIVIDUAL_ALIAS><INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>The Tester", 1)), 0o644)
	id := func(a vigil.Alert) string { return itoa(a.ID) }
	out, errOut, err = run(t, "alerts", "decide", "--db", db, id(byID["c1"]), "--as", "false_positive", "--reason", "another Abdul Example: born elsewhere", "--by", "alice")
	if err != nil || !strings.Contains(out, "pending_approval") {
		t.Fatalf("decide (a travel ban: four eyes): %v\n%s%s", err, out, errOut)
	}
	if _, _, err = run(t, "alerts", "approve", "--db", db, id(byID["c1"]), "--by", "alice"); err == nil || !strings.Contains(err.Error(), "own decision") {
		t.Errorf("self-approval: %v", err)
	}
	if out, _, err = run(t, "alerts", "approve", "--db", db, id(byID["c1"]), "--by", "bob"); err != nil || !strings.Contains(out, "false_positive") {
		t.Errorf("approve: %v\n%s", err, out)
	}
	out, _, err = run(t, "alerts", "decide", "--db", db, id(byID["c3"]), "--as", "true_match", "--reason", "same man", "--by", "alice")
	if err != nil || !strings.Contains(out, "pending_approval") {
		t.Fatalf("decide true match: %v\n%s", err, out)
	}
	out, _, err = run(t, "lists", "import", "--db", db, "--force", v2)
	if err != nil || !strings.Contains(out, "re-screened") {
		t.Fatalf("import v2: %v\n%s", err, out)
	}
	out, _, err = run(t, "alerts", "show", "--db", db, id(byID["c1"]))
	if err != nil || !strings.Contains(out, "reopened") || !strings.Contains(out, "listing: name added: Ivan Primerov Junior") {
		t.Errorf("show after the alias: %v\n%s", err, out)
	}
	// Once keys exist, --by names a key with the review role.
	if _, _, err = run(t, "keys", "create", "--db", db, "--name", "carol", "--role", "screen"); err != nil {
		t.Fatal(err)
	}
	if _, _, err = run(t, "alerts", "decide", "--db", db, id(byID["c3"]), "--as", "false_positive", "--reason", "x", "--by", "carol"); err == nil || !strings.Contains(err.Error(), "review") {
		t.Errorf("decide by a screen key: %v", err)
	}
	if _, _, err = run(t, "alerts", "decide", "--db", db, id(byID["c3"]), "--as", "false_positive", "--reason", "x", "--by", "dave"); err == nil || !strings.Contains(err.Error(), "names no active API key") {
		t.Errorf("decide by an unknown name: %v", err)
	}
	// --sync takes c3 off the watch: its alert closes.
	os.WriteFile(file, []byte("Ref,Customer\nc1,Abdul Example\nc2,Anna Marie O'Brien\n"), 0o644)
	out, _, err = run(t, "watch", "import", "--db", db, "--set", "customers", "--map", "id=Ref,name=Customer", "--sync", file)
	if err != nil || !strings.Contains(out, "1 removed") {
		t.Errorf("sync: %v\n%s", err, out)
	}
	out, _, _ = run(t, "alerts", "--db", db, "--state", "closed")
	if !strings.Contains(out, "closed (subject_removed)") {
		t.Errorf("closed alerts:\n%s", out)
	}
	out, _, _ = run(t, "watch", "sets", "--db", db)
	if !strings.Contains(out, "customers") || !strings.Contains(out, "last re-screen") {
		t.Errorf("watch sets:\n%s", out)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
