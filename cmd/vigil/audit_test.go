package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/mrz"
	"github.com/vigil-screening/vigil/sqlite"
)

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// records reads the store's audit log, oldest first.
func records(t *testing.T, db string) []vigil.AuditRecord {
	t.Helper()
	st, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var out []vigil.AuditRecord
	if err := st.ExportAudit(context.Background(), time.Time{}, func(r vigil.AuditRecord) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCLIAudit runs every CLI screening command and the commands that
// change the store, and checks the record each leaves: who (--by), the
// action, the whole query with the input's SHA-256, the result with the
// list versions; one record for a whole batch run.
func TestCLIAudit(t *testing.T) {
	db := fixtureDB(t)
	dir := t.TempDir()
	article := filepath.Join(dir, "article.txt")
	os.WriteFile(article, []byte("Talks with Qasem Soleimani ended.\n"), 0o644)
	in := filepath.Join(dir, "in.csv")
	var rows strings.Builder
	rows.WriteString("id,name,dob\n")
	for i := range 300 {
		fmt.Fprintf(&rows, "r%d,%s,%s\n", i, []string{"Qasem Soleimani", "Anna Berg", ""}[i%3], "1957-03-11")
	}
	os.WriteFile(in, []byte(rows.String()), 0o644)
	out := filepath.Join(dir, "out.jsonl")
	l1 := "P<IRNSOLEIMANI<<QASEM<<<<<<<<<<<<<<<<<<<<<<<"
	num, dob, exp := "T88240217", "570311", "320101"
	l2 := num + string(mrz.CheckDigit(num)) + "IRN" + dob + string(mrz.CheckDigit(dob)) + "M" + exp + string(mrz.CheckDigit(exp)) + "<<<<<<<<<<<<<<<"
	l2 += string(mrz.CheckDigit(l2[0:10] + l2[13:20] + l2[21:43]))
	const manifest = "../../paxlst/testdata/soleimani.edi"

	type want struct{ who, action, query, result string }
	for _, tc := range []struct {
		args []string
		code int
		want want
	}{
		{[]string{"screen", "--by", "alice", "--dob", "1957-03-11", "--nationality", "IR", "--gender", "male", "--id", "T88240217",
			"--kind", "person", "--threshold", "0.7", "--limit", "2", "Qasem", "Soleimani"}, 0,
			want{"cli:alice", "screen", `{"queries":[{"name":"Qasem Soleimani","dob":"1957-03-11","nationality":"IR","gender":"male","id":"T88240217","kind":"person","threshold":0.7,"limit":2}]}`,
				`{"lists":["fx@1"],"hits":[[{"entity_id":"fx:1","score":1}]]}`}},
		{[]string{"text", "--by", "bob", article}, 0,
			want{"cli:bob", "text", `{"queries":[{"name":"Qasem Soleimani"}],"input":{"name":"` + article + `","bytes":34,"sha256":"` + fileSHA(t, article) + `"}}`,
				`{"lists":["fx@1"],"hits":[[{"entity_id":"fx:1","score":1}]]}`}},
		{[]string{"mrz", "--by", "carol", l1, l2}, exitDeny,
			want{"cli:carol", "mrz", `{"queries":[{"name":"QASEM SOLEIMANI","dob":"1957-03-11","nationality":"IR","gender":"male","id":"T88240217","kind":"person"}],"input":{"name":"mrz","bytes":89,"sha256":"` +
				func() string { s := sha256.Sum256([]byte(l1 + "\n" + l2)); return hex.EncodeToString(s[:]) }() + `"}}`,
				`{"lists":["fx@1"],"hits":[[{"entity_id":"fx:1","score":1}]],"verdicts":["deny"]}`}},
		{[]string{"manifest", "--by", "dave", manifest}, exitDeny,
			want{"cli:dave", "manifest", "", `"verdicts":["deny","clear"]}`}},
		{[]string{"batch", "--by", "erin", "--in", in, "--out", out, "--map", "id=id,name=name"}, 0,
			want{"cli:erin", "batch", "", ""}},
	} {
		_, errOut, err := run(t, append(tc.args, "--db", db)...)
		if exitCode(err) != tc.code {
			t.Fatalf("%v: exit %d (%v) %s", tc.args, exitCode(err), err, errOut)
		}
		recs := records(t, db)
		r := recs[len(recs)-1]
		if r.Who != tc.want.who || r.Action != tc.want.action || tc.want.query != "" && string(r.Query) != tc.want.query ||
			!strings.Contains(string(r.Result), tc.want.result) {
			t.Errorf("%s: record\n  %s %s\n  %s\n  %s\nwant\n  %s %s\n  %s\n  …%s", tc.args[0], r.Who, r.Action, r.Query, r.Result,
				tc.want.who, tc.want.action, tc.want.query, tc.want.result)
		}
	}
	recs := records(t, db)
	if len(recs) != 6 { // the fixture's import, and one per command
		t.Fatalf("%d records, want 6 (one for the whole batch run)", len(recs))
	}
	// The manifest's record: every traveller's query, the file's hash.
	var mq vigil.ScreeningQuery
	json.Unmarshal(recs[4].Query, &mq)
	if len(mq.Queries) != 2 || mq.Queries[0].DOB != "1957-03-11" || mq.Queries[0].ID == "" || mq.Input.SHA256 != fileSHA(t, manifest) {
		t.Errorf("manifest record %s", recs[4].Query)
	}
	// The batch run's record: the files' hashes and the counts.
	var bq vigil.ScreeningQuery
	var br vigil.ScreeningResult
	json.Unmarshal(recs[5].Query, &bq)
	json.Unmarshal(recs[5].Result, &br)
	if bq.Input.SHA256 != fileSHA(t, in) || bq.Input.Format != "csv" || bq.Input.Map["name"] != "name" || br.Rows != 300 || br.HitRows != 100 ||
		br.BadRows != 100 || br.Output.SHA256 != fileSHA(t, out) || br.Output.Name != out || len(br.Lists) != 1 {
		t.Errorf("batch record %s %s", recs[5].Query, recs[5].Result)
	}

	// Imports and key changes name who ran them.
	if _, _, err := run(t, "lists", "import", "--db", db, "--by", "frank", "../../lists/un/testdata/sample.xml"); err != nil {
		t.Fatal(err)
	}
	keyOut, _, err := run(t, "keys", "create", "--db", db, "--by", "grace", "--name", "ops", "--role", "admin")
	if err != nil {
		t.Fatal(err)
	}
	recs = records(t, db)
	if imp, key := recs[len(recs)-2], recs[len(recs)-1]; imp.Who != "cli:frank" || imp.Action != "import" || !strings.Contains(string(imp.Result), `"version":"un@1"`) ||
		key.Who != "cli:grace" || key.Action != "key.create" || strings.Contains(string(key.Query)+string(key.Result), strings.TrimSpace(keyOut)) {
		t.Errorf("records %+v\n%+v", imp, key)
	}
	// A bad --by refuses to run, and screens nothing.
	if _, _, err := run(t, "screen", "--db", db, "--by", "x\ny", "Qasem Soleimani"); err == nil || !strings.Contains(err.Error(), "--by") {
		t.Errorf("--by with a line break: %v", err)
	}
	if n := len(records(t, db)); n != len(recs) {
		t.Errorf("a refused command left %d records", n-len(recs))
	}

	// vigil audit reads it, filtered.
	o, _, err := run(t, "audit", "--db", db, "--action", "screen", "--json")
	var got struct{ Records []vigil.AuditRecord }
	if err != nil || json.Unmarshal([]byte(o), &got) != nil || len(got.Records) != 1 || got.Records[0].Who != "cli:alice" {
		t.Errorf("audit --action screen: %v %s", err, o)
	}
	o, _, err = run(t, "audit", "--db", db, "--limit", "2")
	if err != nil || !strings.Contains(o, "key.create") || !strings.Contains(o, "cli:frank") || strings.Contains(o, "cli:erin") {
		t.Errorf("audit --limit 2: %v\n%s", err, o)
	}
	o, _, err = run(t, "audit", "verify", "--db", db)
	if err != nil || !strings.Contains(o, "The audit chain holds: 8 records") {
		t.Errorf("verify: %v\n%s", err, o)
	}
}

// TestAuditVerifyCommand edits the SQLite file underneath and checks that
// vigil audit verify exits non-zero naming the first record affected.
func TestAuditVerifyCommand(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stmts []string
		want  string
	}{
		{"update", []string{`UPDATE audit SET query = replace(query, 'Person 5', 'Person 6') WHERE seq = 6`}, "BROKEN at record 6 (changed)"},
		{"delete", []string{`DELETE FROM audit WHERE seq = 4`}, "BROKEN at record 4 (removed)"},
		{"swap", []string{`UPDATE audit SET seq = -1 WHERE seq = 3`, `UPDATE audit SET seq = 3 WHERE seq = 7`, `UPDATE audit SET seq = 7 WHERE seq = -1`},
			"BROKEN at record 3 (reordered)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := fixtureDB(t) // record 1: the fixture's import
			st, err := sqlite.Open(db)
			if err != nil {
				t.Fatal(err)
			}
			for i := 1; i <= 8; i++ {
				if _, err := st.AppendAudit(context.Background(), vigil.AuditRecord{Who: "cli:t", Action: "screen",
					Query: json.RawMessage(`{"queries":[{"name":"Person ` + strconv.Itoa(i) + `"}]}`)}); err != nil {
					t.Fatal(err)
				}
			}
			st.Close()
			if o, _, err := run(t, "audit", "verify", "--db", db); err != nil || !strings.Contains(o, "holds: 9 records") {
				t.Fatalf("before: %v %s", err, o)
			}
			raw, err := sql.Open("sqlite", db)
			if err != nil {
				t.Fatal(err)
			}
			for _, q := range tc.stmts {
				if _, err := raw.Exec(q); err != nil {
					t.Fatal(err)
				}
			}
			raw.Close()
			o, _, err := run(t, "audit", "verify", "--db", db)
			if exitCode(err) != exitBroken || !strings.Contains(o, tc.want) {
				t.Errorf("exit %d, output %q, want %q", exitCode(err), o, tc.want)
			}
			o, _, _ = run(t, "audit", "verify", "--db", db, "--json")
			var s vigil.AuditStatus
			if json.Unmarshal([]byte(o), &s) != nil || s.Break == nil || !strings.Contains(tc.want, "record "+strconv.FormatInt(s.Break.Seq, 10)+" ") {
				t.Errorf("--json: %s", o)
			}
		})
	}
}

// checkChain recomputes an export's hashes as docs/audit.md describes, with
// nothing of Vigil's: netstrings of the fields, SHA-256, each record
// carrying the hash of the one before.
func checkChain(t *testing.T, recs [][]string) {
	t.Helper()
	var prev string
	for i, f := range recs { // seq, time, who, action, query, result, prev, hash
		if i > 0 && f[6] != prev {
			t.Fatalf("record %s does not carry the hash of the record before", f[0])
		}
		var enc strings.Builder
		for _, v := range []string{"vigil-audit-1", f[6], f[1], f[2], f[3], f[4], f[5]} {
			enc.WriteString(strconv.Itoa(len(v)) + ":" + v + ",")
		}
		sum := sha256.Sum256([]byte(enc.String()))
		if hex.EncodeToString(sum[:]) != f[7] {
			t.Fatalf("record %s: hash %s, recomputed %x", f[0], f[7], sum)
		}
		prev = f[7]
	}
}

// TestAuditExportCommand exports the log in both forms and checks each
// independently, also with the Python verifier docs/audit.md gives.
func TestAuditExportCommand(t *testing.T) {
	db := fixtureDB(t)
	for _, name := range []string{"Qasem Soleimani", "Anna \"Tab\tBerg\"", "Ж <&> \u2028"} {
		if _, _, err := run(t, "screen", "--db", db, "--by", "tester", name); err != nil {
			t.Fatal(err)
		}
	}
	jsonl := filepath.Join(t.TempDir(), "audit.jsonl")
	if _, _, err := run(t, "audit", "export", "--db", db, "--json", "--out", jsonl); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(jsonl)
	if err != nil {
		t.Fatal(err)
	}
	var recs [][]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, []string{fmt.Sprint(r["seq"]), r["time"].(string), r["who"].(string), r["action"].(string),
			r["query"].(string), r["result"].(string), r["prev"].(string), r["hash"].(string)})
	}
	f.Close()
	if len(recs) != 4 || recs[0][6] != strings.Repeat("0", 64) {
		t.Fatalf("%d records exported: %v", len(recs), recs)
	}
	checkChain(t, recs)

	tsv, _, err := run(t, "audit", "export", "--db", db)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(tsv, "\n"), "\n")
	if lines[0] != "seq\ttime\twho\taction\tprev\thash\tquery\tresult" || len(lines) != 5 {
		t.Fatalf("tsv:\n%s", tsv)
	}
	var trecs [][]string
	for _, l := range lines[1:] {
		c := strings.Split(l, "\t")
		if len(c) != 8 {
			t.Fatalf("%d columns: %q", len(c), l)
		}
		trecs = append(trecs, []string{c[0], c[1], c[2], c[3], c[6], c[7], c[4], c[5]})
	}
	checkChain(t, trecs)

	// --since: from the first record at or after the time.
	o, _, err := run(t, "audit", "export", "--db", db, "--json", "--since", recs[2][1])
	if err != nil || strings.Count(o, "\n") != 2 || !strings.HasPrefix(o, `{"seq":3,`) {
		t.Errorf("--since %s: %v\n%s", recs[2][1], err, o)
	}
	if _, _, err := run(t, "audit", "export", "--db", db, "--since", "yesterday"); err == nil {
		t.Error("--since yesterday accepted")
	}

	// The verifier docs/audit.md gives auditors.
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: the documented verifier is not run")
	}
	doc, err := os.ReadFile("../../docs/audit.md")
	if err != nil {
		t.Fatal(err)
	}
	_, code, ok := strings.Cut(string(doc), "```python\n")
	code, _, ok2 := strings.Cut(code, "```")
	if !ok || !ok2 {
		t.Fatal("docs/audit.md holds no python block")
	}
	script := filepath.Join(t.TempDir(), "verify.py")
	os.WriteFile(script, []byte(code), 0o644)
	o2, err := exec.Command(py, script, jsonl).CombinedOutput()
	if err != nil || !strings.Contains(string(o2), "the chain holds: 4 records") {
		t.Errorf("python verifier: %v\n%s", err, o2)
	}
	// It finds a change too.
	b, _ := os.ReadFile(jsonl)
	os.WriteFile(jsonl, []byte(strings.Replace(string(b), "tester", "someone", 1)), 0o644)
	if o2, err := exec.Command(py, script, jsonl).CombinedOutput(); err == nil || !strings.Contains(string(o2), "record 2") {
		t.Errorf("python verifier on a changed export: %v\n%s", err, o2)
	}
}

// TestCLIAuditRecordsWhatWasScreened: a CLI screening records the query as
// screened, not as typed (a value the matcher cannot use is left out, the
// others as the matcher uses them), the as-of date it screened against, a
// manifest's record not read as a refer, and a batch run's rows screened
// with problems.
func TestCLIAuditRecordsWhatWasScreened(t *testing.T) {
	db := fixtureDB(t)
	last := func() vigil.AuditRecord {
		recs := records(t, db)
		return recs[len(recs)-1]
	}
	today := time.Now().UTC().Format("2006-01-02")
	_, errOut, err := run(t, "screen", "--db", db, "--by", "alice", "--dob", "1957-02-30", "--nationality", "Iran", "--gender", "m",
		"--as-of", today, "Qasem", "Soleimani")
	if err != nil || !strings.Contains(errOut, `--dob "1957-02-30"`) {
		t.Fatalf("screen: %v %s", err, errOut)
	}
	if r := last(); r.Action != "screen" || string(r.Query) != `{"queries":[{"name":"Qasem Soleimani","nationality":"IR","gender":"male"}],"as_of":"`+today+`"}` {
		t.Errorf("screen record %s %s", r.Action, r.Query)
	}
	// A name with nothing to screen is refused, and screens nothing.
	n := len(records(t, db))
	if _, _, err := run(t, "screen", "--db", db, "--by", "alice", "---"); err == nil {
		t.Error("screen ---: no error")
	}
	if m := len(records(t, db)); m != n {
		t.Errorf("a refused screening added %d records", m-n)
	}

	// A manifest with a record not read: the record is a refer in the
	// audit, as in the output.
	if _, _, err := run(t, "manifest", "--db", db, "--by", "dave", "../../paxlst/testdata/broken_traveller.edi"); exitCode(err) != exitRefer {
		t.Fatalf("manifest: exit %d (%v)", exitCode(err), err)
	}
	r := last()
	var mq vigil.ScreeningQuery
	var mr vigil.ScreeningResult
	if err := json.Unmarshal(r.Query, &mq); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(r.Result, &mr); err != nil {
		t.Fatal(err)
	}
	if len(mq.Queries) != 4 || mq.Queries[3] != (vigil.Query{}) || strings.Join(mr.Verdicts, ",") != "clear,refer,clear,refer" || len(mr.Hits) != 4 {
		t.Errorf("manifest record %s %s", r.Query, r.Result)
	}
	for _, q := range mq.Queries[:3] {
		if checked, ps := match.CheckQuery(q); len(ps) != 0 || checked != q {
			t.Errorf("manifest record holds a query not as screened: %+v (%v)", q, ps)
		}
	}

	// A batch run counts its rows screened with problems.
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	os.WriteFile(in, []byte("name,dob,nationality\nQasem Soleimani,1957-13-11,IR\nAnna Berg,,Narnia\nIvan Petrov,1961,RU\n"), 0o644)
	if _, _, err := run(t, "batch", "--db", db, "--by", "erin", "--in", in, "--out", filepath.Join(dir, "out.jsonl")); err != nil {
		t.Fatal(err)
	}
	r = last()
	var br vigil.ScreeningResult
	if err := json.Unmarshal(r.Result, &br); err != nil || r.Action != "batch" || br.Rows != 3 || br.ProblemRows != 2 || br.BadRows != 0 {
		t.Errorf("batch record %s", r.Result)
	}
}
