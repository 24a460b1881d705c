package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/mrz"
	"github.com/vigil-screening/vigil/sqlite"
)

// fixtureDB writes a store holding a small invented list: a person with a
// travel ban and one with an asset freeze only.
func fixtureDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "v.db")
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ents := []vigil.Entity{
		{ID: "fx:1", Source: "fx", Ref: "1", Kind: vigil.KindPerson,
			Names:      []vigil.Name{{Full: "Qasem Soleimani", Quality: vigil.QualityPrimary}},
			BirthDates: []vigil.Date{{Year: 1957, Month: 3, Day: 11}}, Nationalities: []string{"IR"},
			Measures: []vigil.Measure{vigil.MeasureAssetFreeze, vigil.MeasureTravelBan}},
		{ID: "fx:2", Source: "fx", Ref: "2", Kind: vigil.KindPerson,
			Names:      []vigil.Name{{Full: "Ivan Petrovich Sidorenko", Quality: vigil.QualityPrimary}},
			BirthDates: []vigil.Date{{Year: 1961, Month: 4, Day: 4}},
			Measures:   []vigil.Measure{vigil.MeasureAssetFreeze}},
	}
	v := vigil.ListVersion{List: "fx", Source: "fx", Format: "fixture", Hash: "fx1", Entities: len(ents)}
	if _, err := st.Import(context.Background(), v, ents); err != nil {
		t.Fatal(err)
	}
	return db
}

func exitCode(err error) int {
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	if err != nil {
		return 1
	}
	return 0
}

// TestScreenCommandProblems: vigil screen names on stderr, and in the
// JSON's "problems", each value it could not use, and screens on the rest
// (the JSON's query is the one screened); a name with nothing to screen
// is an error.
func TestScreenCommandProblems(t *testing.T) {
	db := fixtureDB(t)
	out, errOut, err := run(t, "screen", "--db", db, "--json", "--dob", "1957-02-30", "--nationality", "Narnia", "--gender", "q", "Qasem Soleimani")
	var res struct {
		Query    vigil.Query   `json:"query"`
		Problems []string      `json:"problems"`
		Matches  []vigil.Match `json:"matches"`
	}
	if err != nil || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("%v %s", err, out)
	}
	if res.Query != (vigil.Query{Name: "Qasem Soleimani"}) || len(res.Problems) != 3 || len(res.Matches) == 0 || res.Matches[0].EntityID != "fx:1" {
		t.Errorf("json: %s", out)
	}
	for _, want := range []string{`warning: --dob "1957-02-30" is not a date (February 1957 has 28 days); screened without it`,
		`warning: --nationality "Narnia" is not a country`, `warning: --gender "q" is not male or female`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	out, errOut, err = run(t, "screen", "--db", db, "--dob", "1957-02-30", "Nobody Known")
	if err != nil || !strings.Contains(out, "no match on the values that could be used") || !strings.Contains(errOut, "warning: --dob") {
		t.Errorf("%v %s %s", err, out, errOut)
	}
	out, errOut, err = run(t, "screen", "--db", db, "--json", "--dob", "11 March 1957", "--nationality", "Iran", "--gender", "m", "Qasem Soleimani")
	res.Problems = nil
	if err != nil || errOut != "" || json.Unmarshal([]byte(out), &res) != nil || res.Problems != nil ||
		res.Query != (vigil.Query{Name: "Qasem Soleimani", DOB: "11 March 1957", Nationality: "IR", Gender: "male"}) {
		t.Errorf("%v %s %s", err, out, errOut)
	}
	if _, _, err = run(t, "screen", "--db", db, "--", "-- ."); err == nil || !strings.Contains(err.Error(), `name "-- ." has no letter or digit`) {
		t.Errorf("a name with nothing to screen: %v", err)
	}
}

func TestBatchCommand(t *testing.T) {
	db := fixtureDB(t)
	in := filepath.Join(t.TempDir(), "in.csv")
	csv := "id,name,dob\nr1,Anna Berg,1980-01-01\nr2,,1970\nr3,Qasem Soleimani,1957-03-11\nr4,Tom Li,1999-99-99\nr5,Qasem Soleimani,1957-31-03\n"
	if err := os.WriteFile(in, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := run(t, "batch", "--db", db, "--in", in, "--workers", "2")
	if err != nil {
		t.Fatal(err, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 {
		t.Fatalf("output:\n%s", out)
	}
	type line struct {
		Row      int           `json:"row"`
		ID       string        `json:"id"`
		Error    string        `json:"error"`
		Problems []string      `json:"problems"`
		Matches  []vigil.Match `json:"matches"`
	}
	var got []line
	for _, l := range lines {
		var x line
		if err := json.Unmarshal([]byte(l), &x); err != nil {
			t.Fatal(err)
		}
		got = append(got, x)
	}
	if got[0].Row != 2 || got[1].Error != "missing name" || got[2].ID != "r3" || len(got[2].Matches) == 0 ||
		got[2].Matches[0].EntityID != "fx:1" || got[3].Error != "" || len(got[3].Problems) != 1 || len(got[0].Matches) != 0 {
		t.Errorf("lines = %+v", got)
	}
	// A listed person with a mistyped date of birth is screened without it.
	if l := got[4]; len(l.Matches) == 0 || l.Matches[0].EntityID != "fx:1" || len(l.Problems) != 1 || !strings.Contains(l.Problems[0], `dob "1957-31-03" is not a date`) {
		t.Errorf("row 6 = %+v", l)
	}
	for _, want := range []string{"row 3: missing name", `row 5: dob "1999-99-99" is not a date`, "; screened without it", `row 6: dob "1957-31-03"`,
		"5 rows, 2 with matches, 2 screened with problems, 1 bad rows"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	// --map and --out.
	in2 := filepath.Join(t.TempDir(), "in.tsv")
	os.WriteFile(in2, []byte("Ref\tCustomer\nk1\tIvan Petrovich Sidorenko\n"), 0o644)
	outFile := filepath.Join(t.TempDir(), "out.jsonl")
	_, errOut, err = run(t, "batch", "--db", db, "--in", in2, "--out", outFile, "--map", "id=Ref,name=Customer")
	b, _ := os.ReadFile(outFile)
	if err != nil || !strings.Contains(string(b), `"entity_id":"fx:2"`) || !strings.Contains(string(b), `"id":"k1"`) {
		t.Errorf("--map: %v %s\n%s", err, errOut, b)
	}
	// Names that repeat, each time with other evidence: the same output
	// as with --no-memo.
	in3 := filepath.Join(t.TempDir(), "repeat.csv")
	var rows strings.Builder
	rows.WriteString("id,name,dob,nationality\n")
	for i := 0; i < 60; i++ {
		name := []string{"Qasem Soleimani", "Anna Berg", "Ivan Petrovich Sidorenko"}[i%3]
		dob := []string{"1957-03-11", "1990-01-01", "", "1957"}[i%4]
		fmt.Fprintf(&rows, "r%d,%s,%s,%s\n", i, name, dob, []string{"IR", "SE", ""}[i%3])
	}
	os.WriteFile(in3, []byte(rows.String()), 0o644)
	memo, _, err := run(t, "batch", "--db", db, "--in", in3)
	if err != nil {
		t.Fatal(err)
	}
	full, _, err := run(t, "batch", "--db", db, "--in", in3, "--no-memo")
	if err != nil {
		t.Fatal(err)
	}
	if memo != full || strings.Count(memo, `"entity_id":"fx:1"`) < 10 {
		t.Errorf("repeated names: output differs from --no-memo, or finds Soleimani too rarely:\n%s\n--no-memo:\n%s", memo, full)
	}
}

func TestManifestCommand(t *testing.T) {
	db := fixtureDB(t)
	out, _, err := run(t, "manifest", "--db", db, "../../paxlst/testdata/soleimani.edi")
	if exitCode(err) != exitDeny {
		t.Errorf("exit %d (%v), want %d", exitCode(err), err, exitDeny)
	}
	for _, want := range []string{"Flight XX0112", "DENY   SOLEIMANI, QASEM (passenger)", "CLEAR  OBRIEN, ANNA MARIE", "match: fx:1", "date of birth 1957-03-11 is listed", "2 travellers: 1 deny, 0 refer, 1 clear"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// A record not read, and a traveller read in part: refer (exit 2),
	// each named.
	out, _, err = run(t, "manifest", "--db", db, "--json", "../../paxlst/testdata/broken_traveller.edi")
	if exitCode(err) != exitRefer {
		t.Errorf("exit %d (%v), want %d", exitCode(err), err, exitRefer)
	}
	var res struct {
		Problems    []struct{ Segment int } `json:"problems"`
		NotScreened []struct{ Segment int } `json:"not_screened"`
		Travellers  []struct {
			Recommendation string `json:"recommendation"`
		} `json:"travellers"`
		Counts struct {
			NotScreened int `json:"not_screened"`
		} `json:"counts"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res.Problems) != 5 || len(res.Travellers) != 3 || res.Travellers[0].Recommendation != "clear" ||
		res.Travellers[1].Recommendation != "refer" || len(res.NotScreened) != 1 || res.NotScreened[0].Segment != 15 || res.Counts.NotScreened != 1 {
		t.Errorf("json: %v %+v", err, res)
	}
	out, _, err = run(t, "manifest", "--db", db, "../../paxlst/testdata/broken_traveller.edi")
	for _, want := range []string{"3 travellers: 0 deny, 1 refer, 2 clear, and 1 record NOT SCREENED",
		"NOT SCREENED  segment 15 NAD\n         - segment 15 NAD: traveller without a name: record skipped; a traveller this record may hold was not screened",
		"REFER  BADDATE, PERSON", `- segment 21 DTM: date of birth "71AB01" cannot be read; screened without it`} {
		if exitCode(err) != exitRefer || !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// An expired passport: refer; a listed holder's: deny.
	out, _, err = run(t, "manifest", "--db", db, "../../paxlst/testdata/expired.edi")
	for _, want := range []string{"REFER  EXPIRED, PASSPORT", "- passport FR1111111 expired on 2030-02-28, before the departure of XX0450 on 2030-03-01",
		"CLEAR  LASTDAY, VALID", "DENY   SOLEIMANI, QASEM"} {
		if exitCode(err) != exitDeny || !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	_, _, err = run(t, "manifest", "--db", db, "../../paxlst/testdata/truncated.edi")
	if err == nil || exitCode(err) != 1 || !strings.Contains(err.Error(), "segment 21 NAD") {
		t.Errorf("truncated: %v", err)
	}
}

func TestMRZCommand(t *testing.T) {
	db := fixtureDB(t)
	l1 := "P<IRNSOLEIMANI<<QASEM<<<<<<<<<<<<<<<<<<<<<<<"
	num, dob, exp := "T88240217", "570311", "320101"
	l2 := num + string(mrz.CheckDigit(num)) + "IRN" + dob + string(mrz.CheckDigit(dob)) + "M" + exp + string(mrz.CheckDigit(exp)) + "<<<<<<<<<<<<<<<"
	l2 += string(mrz.CheckDigit(l2[0:10] + l2[13:20] + l2[21:43]))
	out, _, err := run(t, "mrz", "--db", db, l1, l2)
	if exitCode(err) != exitDeny || !strings.Contains(out, "DENY") || !strings.Contains(out, "fx:1") {
		t.Errorf("exit %d:\n%s", exitCode(err), out)
	}
	// Expiry check digit (line 2 position 28) wrong, holder unlisted, lines
	// on stdin.
	l1 = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
	num, dob, exp = "L898902C3", "740812", "340415"
	l2 = num + string(mrz.CheckDigit(num)) + "UTO" + dob + string(mrz.CheckDigit(dob)) + "F" + exp + "X<<<<<<<<<<<<<<<"
	bad := (mrz.CheckDigit(exp)-'0'+1)%10 + '0'
	l2 = strings.Replace(l2, "X", string(rune(bad)), 1)
	l2 += string(mrz.CheckDigit(l2[0:10] + l2[13:20] + l2[21:43]))
	root := newRoot()
	var o strings.Builder
	root.SetArgs([]string{"mrz", "--db", db})
	root.SetIn(strings.NewReader(l1 + "\n" + l2 + "\n"))
	root.SetOut(&o)
	err = root.ExecuteContext(context.Background())
	if exitCode(err) != exitRefer || !strings.Contains(o.String(), "FAIL expiry_date      line 2 position 28: got ") ||
		!strings.Contains(o.String(), "check digit failed: expiry_date") || !strings.Contains(o.String(), "REFER") {
		t.Errorf("exit %d:\n%s", exitCode(err), o.String())
	}
}
