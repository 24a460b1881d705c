package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	vhttp "github.com/vigil-screening/vigil/http"
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
	out, _, err = run(t, "lists", "import", "--db", db, "--force", "--by", "erin", v2)
	if err != nil || !strings.Contains(out, "re-screened") {
		t.Fatalf("import v2: %v\n%s", err, out)
	}
	// The re-screen that follows an import is recorded as the importer's.
	out, _, err = run(t, "audit", "--db", db, "--action", "watch.rescreen", "--who", "cli:erin")
	if err != nil || !strings.Contains(out, "watch.rescreen") {
		t.Errorf("the re-screen after an import by erin: %v\n%s", err, out)
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

// TestServeRescreensOnRefresh runs the service's wiring: a refresh that
// imports a new list version re-screens the watched subjects in the
// background, and a manifest's referred travellers join the queue with
// their flight, route and date.
func TestServeRescreensOnRefresh(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	lists := filepath.Join(dir, "lists")
	os.Mkdir(lists, 0o755)
	sample, err := os.ReadFile("../../lists/un/testdata/sample.xml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(lists, "un.xml"), sample, 0o644)
	if _, _, err := run(t, "lists", "import", "--db", db, lists); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "s.csv")
	os.WriteFile(file, []byte("id,name\nc1,Anna Marie O'Brien\nc2,Abdul Example\n"), 0o644)
	if _, _, err := run(t, "watch", "import", "--db", db, file); err != nil {
		t.Fatal(err)
	}
	st, err := openStore(db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	log := slog.New(slog.DiscardHandler)
	ld := &listLoader{st: st, dir: lists, log: log, watch: newServeWatch(st, log, "test")}
	srv := vhttp.New(vhttp.Options{Store: st, Keys: st, Reload: ld.reload, Watch: ld.watch, ParseManifest: parseManifest, Assess: assess})
	ld.current = srv.Snapshot
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ld.watch.serve(ctx)
	if err := srv.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	// Version 2: Anna Marie O'Brien is listed as an alias.
	v2 := strings.Replace(string(sample), "<INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>The Tester",
		"<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Anna Marie O'Brien</ALIAS_NAME></INDIVIDUAL_ALIAS><INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>The Tester", 1)
	os.WriteFile(filepath.Join(lists, "un.xml"), []byte(v2), 0o644)
	if err := srv.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	var found bool
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !found; time.Sleep(50 * time.Millisecond) {
		page, err := st.Alerts(ctx, vigil.AlertFilter{SubjectID: "c1"})
		if err != nil {
			t.Fatal(err)
		}
		found = len(page.Alerts) == 1 && page.Alerts[0].ListVersion == "un@2"
	}
	if !found {
		t.Fatal("the refresh that imported un@2 did not re-screen c1 into an alert")
	}
	// A manifest screened through the service.
	msg, err := os.ReadFile("../../paxlst/testdata/soleimani.edi")
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/v1/manifest", strings.NewReader(strings.NewReplacer("SOLEIMANI:QASEM", "EXAMPLE TESTER:ABDUL", "DTM+329:570311", "DTM+329:700203").Replace(string(msg))))
	req.Header.Set("Content-Type", "text/plain")
	rec := httptest.NewRecorder()
	srv.Handler().ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("manifest: %d %s", rec.Code, rec.Body)
	}
	subs, _, err := st.Subjects(ctx, vigil.SubjectFilter{Set: "travellers"})
	if err != nil || len(subs) != 1 {
		t.Fatalf("travellers: %+v, %v", subs, err)
	}
	s, err := st.Subject(ctx, "travellers", subs[0].ID)
	if err != nil || s.Labels["flight"] == "" || s.Labels["route"] == "" || s.Labels["date"] == "" || !strings.HasPrefix(s.ID, s.Labels["flight"]+"/") {
		t.Errorf("traveller subject %+v, %v: want flight, route and date", s, err)
	}
}
