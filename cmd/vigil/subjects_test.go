package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
)

// screenJSON runs vigil screen --json and decodes it.
func screenJSON(t *testing.T, args ...string) (out struct {
	Matches  []vigil.Match
	Subjects []vigil.SubjectMatch
}) {
	t.Helper()
	stdout, stderr, err := run(t, append([]string{"screen", "--json"}, args...)...)
	if err != nil {
		t.Fatalf("screen %v: %v\n%s", args, err, stderr)
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	return out
}

// The command line story of issue 21: lists linked into subjects on
// import, an own list imported with a column map and linked like the
// official ones, a screen reporting one result per subject, filters, a
// judgement that survives a new version, and the text command by subject.
func TestSubjectsCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	out, errOut, err := run(t, "lists", "import", "--db", db, "--by", "tester", "../../lists/un/testdata/sample.xml", "../../lists/eu/testdata/sample.xml")
	if err != nil || !strings.Contains(out, "subjects: 5, 1 on several listings; 5 new") {
		t.Fatalf("import: %v\n%s%s", err, out, errOut)
	}
	// The EU entry gives the UN reference QDi.999.
	out, _, err = run(t, "subjects", "show", "--db", db, "un:QDi.999")
	if err != nil || !strings.Contains(out, "eu:EU.9.99") || !strings.Contains(out, "gives UN reference number QDi.999") {
		t.Fatalf("show: %v\n%s", err, out)
	}
	subject := strings.Fields(out)[0]
	subject = strings.TrimSuffix(subject, ":")

	// An own list, its columns named in German: --map.
	bl := filepath.Join(dir, "kunden.csv")
	os.WriteFile(bl, []byte("Kundennr,Vollname,Geboren,Land,Massnahme\n"+
		"K-1,Abdul Example TESTER,1970-02-03,Iran,travel ban\n"+
		"K-2,Somebody ELSE,1980,FR,\n"), 0o600)
	out, errOut, err = run(t, "lists", "import", "--db", db, "--by", "tester", "--list", "refused",
		"--map", "id=Kundennr,name=Vollname,dob=Geboren,nationality=Land,measures=Massnahme", bl)
	if err != nil || !strings.Contains(out, "refused version 1 (own_csv)") || !strings.Contains(out, "subjects: 6, 1 on several listings; 1 new, 0 ended, 1 changed") {
		t.Fatalf("own list: %v\n%s%s", err, out, errOut)
	}
	// A name found on one listing finds the subject with every listing.
	res := screenJSON(t, "--db", db, "--by", "tester", "--dob", "1970-02-03", "Abdul Example Tester")
	if len(res.Subjects) == 0 || res.Subjects[0].Subject != subject ||
		!slices.Equal(res.Subjects[0].EntityIDs, []string{"eu:EU.9.99", "refused:K-1", "un:QDi.999"}) {
		t.Fatalf("subjects = %+v", res.Subjects)
	}
	s := res.Subjects[0]
	if !slices.Equal(s.ListsImposing(vigil.MeasureTravelBan), []string{"refused", "un"}) || !slices.Equal(s.ListsImposing(vigil.MeasureAssetFreeze), []string{"eu", "un"}) {
		t.Errorf("measures = %v", s.Measures)
	}
	for _, m := range res.Matches {
		if m.Subject == "" {
			t.Errorf("match %s has no subject", m.EntityID)
		}
	}
	// Filters: a list, a measure; a list that names nothing is an error.
	res = screenJSON(t, "--db", db, "--by", "tester", "--lists", "refused", "Abdul Example Tester")
	if len(res.Matches) != 1 || res.Matches[0].EntityID != "refused:K-1" || res.Matches[0].Subject != subject {
		t.Errorf("--lists refused: %+v", res.Matches)
	}
	// refused:K-1 imposes a travel ban only.
	res = screenJSON(t, "--db", db, "--by", "tester", "--measure", "asset_freeze", "Abdul Example Tester")
	if len(res.Matches) != 1 || res.Matches[0].EntityID != "un:QDi.999" {
		t.Errorf("--measure asset_freeze: %+v", res.Matches)
	}
	res = screenJSON(t, "--db", db, "--by", "tester", "--measure", "travel_ban", "--lists", "eu,refused", "Abdul Example Tester")
	if len(res.Matches) != 1 || res.Matches[0].EntityID != "refused:K-1" {
		t.Errorf("--measure travel_ban --lists eu,refused: %+v", res.Matches)
	}
	if _, _, err := run(t, "screen", "--db", db, "--by", "tester", "--lists", "nosuch", "x"); err == nil || !strings.Contains(err.Error(), `no list "nosuch"`) {
		t.Errorf("--lists nosuch: %v", err)
	}
	if _, _, err := run(t, "screen", "--db", db, "--by", "tester", "--measure", "ban", "x"); err == nil {
		t.Error("--measure ban: no error")
	}
	out, _, err = run(t, "screen", "--db", db, "--by", "tester", "Abdul Example Tester")
	if err != nil || !strings.Contains(out, subject) || !strings.Contains(out, "travel_ban by refused, un") {
		t.Errorf("human output: %v\n%s", err, out)
	}

	// An analyst says the customer is another man: the judgement beats the
	// link by name and survives a new version of the own list.
	out, _, err = run(t, "subjects", "unlink", "--db", db, "--by", "alice", "--reason", "another man, checked the passport", "refused:K-1", "un:QDi.999")
	if err != nil || !strings.Contains(out, "judged refused:K-1 and un:QDi.999 negative (by cli:alice)") {
		t.Fatalf("unlink: %v\n%s", err, out)
	}
	os.WriteFile(bl, []byte("Kundennr,Vollname,Geboren,Land,Massnahme\n"+
		"K-1,Abdul Example TESTER,1970-02-03,Iran,travel ban; asset freeze\n"+
		"K-2,Somebody ELSE,1980,FR,\n"+
		"K-3,Third PERSON,1990,DE,\n"), 0o600)
	out, errOut, err = run(t, "lists", "import", "--db", db, "--by", "tester", "--list", "refused",
		"--map", "id=Kundennr,name=Vollname,dob=Geboren,nationality=Land,measures=Massnahme", bl)
	if err != nil || !strings.Contains(out, "refused version 2") || !strings.Contains(out, "1 added, 0 removed, 1 changed") {
		t.Fatalf("own list v2: %v\n%s%s", err, out, errOut)
	}
	res = screenJSON(t, "--db", db, "--by", "tester", "Abdul Example Tester")
	if len(res.Subjects) != 2 || res.Subjects[0].Subject == res.Subjects[1].Subject {
		t.Fatalf("after unlink and a new version: %+v", res.Subjects)
	}
	for _, s := range res.Subjects {
		switch {
		case slices.Contains(s.EntityIDs, "un:QDi.999"):
			if s.Subject != subject || !slices.Equal(s.EntityIDs, []string{"eu:EU.9.99", "un:QDi.999"}) {
				t.Errorf("the UN subject = %+v (want it to keep %s)", s, subject)
			}
		case !slices.Equal(s.EntityIDs, []string{"refused:K-1"}):
			t.Errorf("subject = %+v", s)
		}
	}
	out, _, err = run(t, "subjects", "show", "--db", db, "refused:K-1")
	if err != nil || !strings.Contains(out, "alice judged refused:K-1 and un:QDi.999 different subjects") || !strings.Contains(out, "cli:alice") {
		t.Errorf("show after unlink: %v\n%s", err, out)
	}
	// link makes them one again; --unsure leaves the automatic links.
	if out, _, err = run(t, "subjects", "link", "--db", db, "--by", "bob", "refused:K-1", "un:QDi.999"); err != nil || !strings.Contains(out, "refused:K-1 is in "+subject) {
		t.Errorf("link: %v\n%s", err, out)
	}
	if _, _, err := run(t, "subjects", "link", "--db", db, "--by", "bob", "refused:K-1", "refused:nosuch"); err == nil {
		t.Error("judging an unknown listing: no error")
	}
	if out, _, err := run(t, "subjects", "show", "--db", db, "--json", subject); err != nil || !strings.Contains(out, `"verdict": "positive"`) {
		t.Errorf("show --json: %v\n%s", err, out)
	}
}

// An own list of FollowTheMoney entities; a table with a bad row is refused
// whole and the list in force stays.
func TestOwnListImportCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	out, errOut, err := run(t, "lists", "import", "--db", db, "--by", "tester", "--list", "opensanctions", "../../lists/ftm/testdata/opensanctions.ftm.json")
	if err != nil || !strings.Contains(out, "opensanctions version 1 (ftm_json)") || !strings.Contains(out, "5 entities") {
		t.Fatalf("ftm: %v\n%s%s", err, out, errOut)
	}
	if out, _, err := run(t, "screen", "--db", db, "--by", "tester", "Quds Force"); err != nil || !strings.Contains(out, "opensanctions:ofac-10465") {
		t.Errorf("screen: %v\n%s", err, out)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("ref,name\nA,Someone\n,No Ref\nB,\n"), 0o600)
	_, errOut, err = run(t, "lists", "import", "--db", db, "--by", "tester", "--list", "opensanctions", bad)
	if err == nil || !strings.Contains(errOut, "row 3: no ref") || !strings.Contains(errOut, "row 4: missing name") || !strings.Contains(errOut, "nothing imported") {
		t.Errorf("bad rows: %v\n%s", err, errOut)
	}
	out, _, _ = run(t, "lists", "--db", db)
	if !strings.Contains(out, "opensanctions") || !strings.Contains(out, "ftm_json") {
		t.Errorf("lists: %s", out)
	}
	for _, args := range [][]string{
		{"--list", "un", "x.csv"},
		{"--list", "Bad Name", "x.csv"},
		{"--list", "own", "a.csv", "b.csv"},
		{"--map", "id=Ref", "x.csv"},
		{"--list", "own", "--format", "pdf", "x.csv"},
	} {
		if _, _, err := run(t, append([]string{"lists", "import", "--db", db, "--by", "tester"}, args...)...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}
