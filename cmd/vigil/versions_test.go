package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists/load"
)

// unVersions returns the UN fixture and a copy without its first
// individual, written to dir.
func unVersions(t *testing.T, dir string) (good, bad string) {
	t.Helper()
	good = "../../lists/un/testdata/sample.xml"
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i, j := strings.Index(s, "<INDIVIDUAL>"), strings.Index(s, "</INDIVIDUAL>")
	bad = filepath.Join(dir, "un_bad.xml")
	if err := os.WriteFile(bad, []byte(s[:i]+s[j+len("</INDIVIDUAL>"):]), 0o644); err != nil {
		t.Fatal(err)
	}
	return good, bad
}

func listsJSON(t *testing.T, db string) map[string]vigil.ListVersion {
	t.Helper()
	out, _, err := run(t, "lists", "--db", db, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var ls struct {
		Lists []vigil.ListVersion `json:"lists"`
	}
	if err := json.Unmarshal([]byte(out), &ls); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	m := map[string]vigil.ListVersion{}
	for _, v := range ls.Lists {
		m[v.List] = v
	}
	return m
}

func versionsJSON(t *testing.T, db, list string) []vigil.ListVersion {
	t.Helper()
	out, _, err := run(t, "lists", "versions", "--db", db, "--json", list)
	if err != nil {
		t.Fatal(err)
	}
	var vs struct {
		Versions []vigil.ListVersion `json:"versions"`
	}
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	return vs.Versions
}

// TestRestoreGoodFile (issue 18, item 1): importing the good file again
// after a bad version makes its content current again, as a new version.
func TestRestoreGoodFile(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	good, bad := unVersions(t, dir)
	if _, _, err := run(t, "lists", "import", "--db", db, good); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "lists", "import", "--db", db, "--force", bad); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, "lists", "import", "--db", db, good)
	if err != nil || !strings.Contains(out, "restored content of 1 as 3") {
		t.Fatalf("re-import of the good file: %v\n%s", err, out)
	}
	if v := listsJSON(t, db)["un"]; v.Version != 3 || v.Restores != 1 || v.Entities != 4 {
		t.Errorf("current un = %+v", v)
	}
	// Again: the content is current, nothing added.
	out, _, err = run(t, "lists", "import", "--db", db, good)
	if err != nil || !strings.Contains(out, "already imported as un@3: nothing added") {
		t.Errorf("third import: %v\n%s", err, out)
	}
}

// TestRollbackCommand (issue 18, item 2): vigil lists rollback withdraws the
// current version, makes the one before current again, and a later import
// of the withdrawn file is skipped (unless forced).
func TestRollbackCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	good, bad := unVersions(t, dir)
	run(t, "lists", "import", "--db", db, good)
	if _, _, err := run(t, "lists", "import", "--db", db, "--force", bad); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "lists", "rollback", "--db", db, "un"); err == nil || !strings.Contains(err.Error(), "--reason") {
		t.Errorf("rollback without a reason: %v", err)
	}
	out, _, err := run(t, "lists", "rollback", "--db", db, "--by", "alice", "--reason", "truncated file", "un")
	if err != nil || !strings.Contains(out, "un@2 withdrawn by alice: truncated file") || !strings.Contains(out, "un version 3 is current: the content of version 1") {
		t.Fatalf("rollback: %v\n%s", err, out)
	}
	vs := versionsJSON(t, db, "un")
	if len(vs) != 3 || vs[1].Withdrawn == nil || vs[1].Withdrawn.By != "alice" || vs[2].Restores != 1 {
		t.Fatalf("versions after rollback = %+v", vs)
	}
	out, _, _ = run(t, "lists", "versions", "--db", db, "un")
	if !strings.Contains(out, "withdrawn") || !strings.Contains(out, "un@2 withdrawn") {
		t.Errorf("versions table:\n%s", out)
	}
	// The withdrawn file again: skipped, exit 0, the rollback holds.
	out, _, err = run(t, "lists", "import", "--db", db, bad)
	if err != nil || !strings.Contains(out, "skipped: this is the content of un@2, withdrawn by alice") {
		t.Errorf("re-import of the withdrawn file: %v\n%s", err, out)
	}
	if v := listsJSON(t, db)["un"]; v.Version != 3 {
		t.Errorf("current after re-import of the withdrawn file = %d", v.Version)
	}
	// Forced, it is current again.
	out, _, err = run(t, "lists", "import", "--db", db, "--force", bad)
	if err != nil || !strings.Contains(out, "restored content of 2 as 4") {
		t.Errorf("forced re-import: %v\n%s", err, out)
	}
	// Rolling back to a named version.
	out, _, err = run(t, "lists", "rollback", "--db", db, "--reason", "back to the first", "--json", "un", "3")
	var res vigil.ImportResult
	if err != nil || json.Unmarshal([]byte(out), &res) != nil || res.Version.Version != 5 || res.Version.Restores != 3 || res.Withdrawn.Version != 4 {
		t.Errorf("rollback to 3: %v\n%s", err, out)
	}
	if _, _, err := run(t, "lists", "rollback", "--db", db, "--reason", "x", "un", "2"); err == nil || !strings.Contains(err.Error(), "withdrawn") {
		t.Errorf("rollback to a withdrawn version without --force: %v", err)
	}
}

// TestPublishedFlag (issue 21): --published dates files that state none;
// a date the file states wins, with a warning; a future date is refused.
func TestPublishedFlag(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	csl := "../../lists/uscsl/testdata/sample.csv"
	if _, _, err := run(t, "lists", "import", "--db", db, "--published", "2099-01-01", csl); err == nil || !strings.Contains(err.Error(), "future") {
		t.Errorf("future --published: %v", err)
	}
	if _, _, err := run(t, "lists", "import", "--db", db, "--published", "1/2/2022", csl); err == nil {
		t.Error("malformed --published accepted")
	}
	out, _, err := run(t, "lists", "import", "--db", db, "--published", "2022-05-01", csl)
	if err != nil || !strings.Contains(out, "in force from 2022-05-01 (published, as given with --published)") {
		t.Fatalf("import with --published: %v\n%s", err, out)
	}
	v := listsJSON(t, db)["us_csl"]
	if !v.PublishedGiven || v.Published.Format("2006-01-02") != "2022-05-01" || !v.InForceFrom.Equal(v.Published) {
		t.Errorf("us_csl = %+v", v)
	}
	out, _, err = run(t, "lists", "import", "--db", db, "--published", "2022-05-01", "../../lists/eu/testdata/sample.xml")
	if err != nil || !strings.Contains(out, "--published 2022-05-01 ignored: the file states") {
		t.Errorf("--published for a dated file: %v\n%s", err, out)
	}
	out, _, _ = run(t, "lists", "--db", db)
	if !strings.Contains(out, "IN FORCE FROM") || !strings.Contains(out, "2022-05-01 (given)") {
		t.Errorf("vigil lists:\n%s", out)
	}
}

// TestWarningsOnVersions (issue 18): the reader's warnings are recorded on
// the version and shown at import and in vigil lists.
func TestWarningsOnVersions(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	out, _, err := run(t, "lists", "import", "--db", db, "../../lists/un/testdata/sample.xml")
	if err != nil || !strings.Contains(out, `warning: unknown country "Utopia"`) {
		t.Fatalf("import: %v\n%s", err, out)
	}
	v := listsJSON(t, db)["un"]
	if !slices.ContainsFunc(v.Warnings, func(w string) bool { return strings.Contains(w, `"Utopia"`) }) {
		t.Errorf("warnings recorded = %q", v.Warnings)
	}
	// The fixture states a date in 2030: in force from its import, with a
	// warning, so that it cannot make every later file historical.
	if !v.InForceFrom.Equal(v.Imported) || !slices.ContainsFunc(v.Warnings, func(w string) bool { return strings.Contains(w, "in the future") }) {
		t.Errorf("future-dated file: in force from %v, warnings %q", v.InForceFrom, v.Warnings)
	}
	out, _, _ = run(t, "lists", "--db", db)
	if !strings.Contains(out, `un@1 warning: unknown country "Utopia"`) {
		t.Errorf("vigil lists:\n%s", out)
	}
}

// TestEntityHistoryAndDiffValues (issue 21): vigil entity --history shows
// each version that listed, changed and delisted an entity, with old and
// new values; vigil lists diff shows old and new values too.
func TestEntityHistoryAndDiffValues(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	good, bad := unVersions(t, dir)
	b, _ := os.ReadFile(good)
	renamed := filepath.Join(dir, "un_renamed.xml")
	os.WriteFile(renamed, []byte(strings.Replace(string(b), "<FIRST_NAME>", "<FIRST_NAME>NEW ", 1)), 0o644)
	for _, f := range []string{good, renamed, bad} {
		if _, _, err := run(t, "lists", "import", "--db", db, "--force", f); err != nil {
			t.Fatal(err)
		}
	}
	out, _, err := run(t, "lists", "diff", "--db", db, "un", "1", "2")
	if err != nil || !strings.Contains(out, "names - {") || !strings.Contains(out, "names + {\"full\":\"NEW ") {
		t.Fatalf("diff with values: %v\n%s", err, out)
	}
	var d vigil.Diff
	out, _, _ = run(t, "lists", "diff", "--db", db, "--json", "un", "1", "2")
	if json.Unmarshal([]byte(out), &d) != nil || len(d.Changed) != 1 || len(d.Changed[0].Changes) == 0 || d.Changed[0].Changes[0].New == nil {
		t.Fatalf("diff --json: %s", out)
	}
	id := d.Changed[0].ID
	out, _, err = run(t, "entity", "--db", db, "--history", "--json", id)
	var h vigil.EntityHistory
	if err != nil || json.Unmarshal([]byte(out), &h) != nil {
		t.Fatalf("entity --history --json: %v\n%s", err, out)
	}
	if len(h.Lists) != 1 || h.Lists[0].Listed {
		t.Fatalf("history = %+v", h)
	}
	ev := h.Lists[0].Events
	if len(ev) != 3 || ev[0].Change != "listed" || ev[1].Change != "changed" || ev[2].Change != "delisted" || ev[2].Version != "un@3" {
		t.Fatalf("events = %+v", ev)
	}
	if c := ev[1].Changes; len(c) == 0 || c[0].Field != "names" || !strings.Contains(string(c[0].New), "NEW ") || strings.Contains(string(c[0].Old), "NEW ") {
		t.Errorf("change values = %+v", c)
	}
	if p := h.Lists[0].Periods; len(p) != 1 || p[0].ListedIn != "un@1" || p[0].DelistedIn != "un@3" {
		t.Errorf("periods = %+v", p)
	}
	out, _, err = run(t, "entity", "--db", db, "--history", id)
	if err != nil || !strings.Contains(out, "un: not listed in its newest version") || !strings.Contains(out, "delisted") || !strings.Contains(out, "names + ") {
		t.Errorf("entity --history:\n%s", out)
	}
	// Delisted: not in the current lists, but its history is there.
	if _, _, err := run(t, "entity", "--db", db, id); err == nil || !strings.Contains(err.Error(), "--history") {
		t.Errorf("entity of a delisted id: %v", err)
	}
}

// TestImportSharedFolderTwice (issue 18, item 4): importing the whole
// shared lists folder twice: the second run exits 0, adds nothing, and
// reports no problem but the refused partial OFAC set.
func TestImportSharedFolderTwice(t *testing.T) {
	root := shared.Lists(t, "")
	db := filepath.Join(t.TempDir(), "v.db")
	out, errOut, err := run(t, "lists", "import", "--db", db, "--json", root)
	if err != nil {
		t.Fatalf("first run: %v\n%s", err, errOut)
	}
	var first struct{ Imports []load.Result }
	if err := json.Unmarshal([]byte(out), &first); err != nil {
		t.Fatal(err)
	}
	before := listsJSON(t, db)
	n := 0
	for _, l := range before {
		n += len(versionsJSON(t, db, l.List))
	}
	out, errOut, err = run(t, "lists", "import", "--db", db, root)
	if err != nil {
		t.Fatalf("second run exits with %v\n%s%s", err, out, errOut)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !strings.HasPrefix(line, "  ") && !strings.Contains(line, " version ") {
			t.Errorf("unexpected line: %s", line)
		}
		if strings.HasPrefix(line, "  ") && !strings.Contains(line, "already imported as") {
			t.Errorf("the second run did something: %s", line)
		}
	}
	errLines := strings.Split(strings.TrimSpace(errOut), "\n")
	if len(errLines) != 1 || !strings.HasPrefix(errLines[0], "refused: ") || !strings.Contains(errLines[0], filepath.Join("ofac", "sdn_2025-12-24_partial")) {
		t.Errorf("second run problems:\n%s", errOut)
	}
	m := 0
	after := listsJSON(t, db)
	for _, l := range after {
		m += len(versionsJSON(t, db, l.List))
	}
	if m != n || len(after) != len(before) {
		t.Errorf("versions %d -> %d, lists %d -> %d", n, m, len(before), len(after))
	}
	// The UK's history is in force in order; the 2025 file is current.
	vs := versionsJSON(t, db, "uk")
	if len(vs) != 3 || vs[0].Published.Year() != 2014 || vs[2].Published.Year() != 2025 || after["uk"].Version != 3 {
		t.Errorf("uk versions = %+v", vs)
	}
	// Only the partial OFAC set was refused in the first run, and nothing failed.
	for _, r := range first.Imports {
		if r.Error != "" && (!r.Refused || !strings.Contains(r.Error, "sdn_2025-12-24_partial")) {
			t.Errorf("first run: %s", r.Error)
		}
	}
}

// TestAsOfPutin (issue 21): with OFAC's 2021 and 2024 SDN snapshots
// imported with their dates (in either order), Vladimir Putin is not found
// as of 2022-01-01 and is found as of 2024-06-01; the answer names the
// versions screened against.
func TestAsOfPutin(t *testing.T) {
	sdn2021 := shared.Lists(t, "ofac/sdn_2021-07-07")
	sdn2024 := shared.Lists(t, "ofac/sdn_2024-05-03")
	type answer struct {
		Matches      []vigil.Match      `json:"matches"`
		AsOf         string             `json:"as_of"`
		ListVersions []vigil.VersionRef `json:"list_versions"`
	}
	screen := func(db, asOf string) answer {
		out, _, err := run(t, "screen", "--db", db, "--json", "--as-of", asOf, "Vladimir Putin")
		var a answer
		if err != nil || json.Unmarshal([]byte(out), &a) != nil {
			t.Fatalf("screen --as-of %s: %v\n%s", asOf, err, out)
		}
		return a
	}
	found := func(a answer) bool {
		return slices.ContainsFunc(a.Matches, func(m vigil.Match) bool { return m.EntityID == "ofac:35096" })
	}
	for _, order := range [][2]string{{"2021", "2024"}, {"2024", "2021"}} {
		t.Run(order[0]+"_first", func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "v.db")
			for _, y := range order {
				dir, date := sdn2021, "2021-07-07"
				if y == "2024" {
					dir, date = sdn2024, "2024-05-03"
				}
				if _, _, err := run(t, "lists", "import", "--db", db, "--published", date, dir); err != nil {
					t.Fatal(err)
				}
			}
			a := screen(db, "2022-01-01")
			if found(a) || len(a.ListVersions) != 1 || a.ListVersions[0].InForceFrom.Format("2006-01-02") != "2021-07-07" || a.AsOf != "2022-01-01" {
				t.Errorf("as of 2022-01-01: %+v", a)
			}
			b := screen(db, "2024-06-01")
			if !found(b) || len(b.ListVersions) != 1 || b.ListVersions[0].InForceFrom.Format("2006-01-02") != "2024-05-03" ||
				b.Matches[0].ListVersion != b.ListVersions[0].Version {
				t.Errorf("as of 2024-06-01: %+v", b.ListVersions)
			}
			// The current lists are the 2024 ones whatever the import order.
			if v := listsJSON(t, db)["ofac_sdn"]; v.Entities != 14965 {
				t.Errorf("current ofac_sdn = %+v", v)
			}
			if _, _, err := run(t, "screen", "--db", db, "--as-of", "2020-01-01", "Vladimir Putin"); err == nil || !strings.Contains(err.Error(), "no list version") {
				t.Errorf("as of a date before any version: %v", err)
			}
		})
	}
}

// TestAsOfNamesAPartialVersion: when the only version of a list in force on
// the day asked is a filtered export, the answer says it is partial (in
// the human line and the JSON), so that "no match" is not read as "not on
// the list".
func TestAsOfNamesAPartialVersion(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	if out, errOut, err := run(t, "lists", "import", "--db", db, "--published", "2024-08-28", "../../lists/ofac/testdata/enhanced_filtered.xml"); err != nil {
		t.Fatalf("import: %v\n%s%s", err, out, errOut)
	}
	out, _, err := run(t, "screen", "--db", db, "--as-of", "2025-01-01", "Nobody Listed")
	if err != nil || !strings.Contains(out, "(partial: a filtered export, not the whole list; in force from") {
		t.Errorf("as of 2025-01-01 (human): %v\n%s", err, out)
	}
	out, _, err = run(t, "screen", "--db", db, "--json", "--as-of", "2025-01-01", "Nobody Listed")
	var a struct {
		ListVersions []vigil.VersionRef `json:"list_versions"`
	}
	if err != nil || json.Unmarshal([]byte(out), &a) != nil || len(a.ListVersions) != 1 || !a.ListVersions[0].Partial {
		t.Errorf("as of 2025-01-01 (JSON): %v\n%s", err, out)
	}
}
