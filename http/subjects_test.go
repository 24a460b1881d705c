package http

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/batch"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/paxlst"
	"github.com/vigil-screening/vigil/sqlite"
	"github.com/vigil-screening/vigil/watch"
	"github.com/vigil-screening/vigil/weights"
)

// These tests run the watch routes on the real parts: a SQLite store, the
// matcher and the watch engine, over a small invented list.

// engineWatch is the Watcher cmd/vigil wires, over a store and a corpus.
type engineWatch struct {
	e  *watch.Engine
	st *sqlite.Store
	c  *watch.Corpus
}

func (w *engineWatch) Store() vigil.WatchStore { return w.st }
func (w *engineWatch) Import(ctx context.Context, set string, r io.Reader, max int, by string, bad func(int, error), problems func(int, []string)) (vigil.SubjectImport, error) {
	rd, err := batch.Open(r, "s.jsonl", batch.Options{Format: batch.FormatJSONL})
	if err != nil {
		return vigil.SubjectImport{}, err
	}
	sum, err := w.e.Import(ctx, w.c, rd, watch.ImportOptions{Set: set, MaxRows: max, By: by, OnRowError: bad, OnRowProblems: problems})
	if errors.Is(err, watch.ErrTooMany) {
		err = fmt.Errorf("%w: %v", ErrTooManyRows, err)
	}
	return sum, err
}
func (w *engineWatch) Put(ctx context.Context, set, id string, b []byte, by string) (vigil.StoredSubject, []vigil.Alert, error) {
	s, err := watch.SubjectFromJSON(set, id, b)
	if err != nil {
		return vigil.StoredSubject{}, nil, err
	}
	return w.e.Put(ctx, w.c, s, by)
}
func (w *engineWatch) Remove(ctx context.Context, set, id, by string) (int, error) {
	return w.e.Remove(ctx, set, []string{id}, by)
}
func (w *engineWatch) Decide(ctx context.Context, id int64, as vigil.AlertState, reason string, who vigil.Reviewer, v int) (vigil.Alert, error) {
	return w.e.Decide(ctx, id, as, reason, who, v)
}
func (w *engineWatch) Approve(ctx context.Context, id int64, who vigil.Reviewer) (vigil.Alert, error) {
	return w.e.Approve(ctx, id, who)
}
func (w *engineWatch) Travellers(ctx context.Context, ts []Traveller, by string) error {
	for _, t := range ts {
		q := t.Query
		s := vigil.Subject{Set: "travellers", ID: t.Fields["flight"] + "/" + q.Name, Name: q.Name, DOB: q.DOB, IDNumber: q.ID, Labels: t.Fields}
		if _, _, err := w.e.Put(ctx, w.c, s, by); err != nil {
			return err
		}
	}
	return nil
}
func (w *engineWatch) Status() WatchStatus {
	s := w.e.Status()
	return WatchStatus{Running: s.Running, Done: s.Done, Total: s.Total, Runs: s.Runs}
}

// watchEntities is the invented list the watch tests screen against.
func watchEntities() []vigil.Entity {
	return []vigil.Entity{
		{ID: "wt:1", Source: "wt", Ref: "1", Kind: vigil.KindPerson, Names: []vigil.Name{{Full: "Qasem Soleimani", Quality: vigil.QualityPrimary}},
			BirthDates: []vigil.Date{{Year: 1957, Month: 3, Day: 11}}, Measures: []vigil.Measure{vigil.MeasureTravelBan}},
		{ID: "wt:2", Source: "wt", Ref: "2", Kind: vigil.KindPerson, Names: []vigil.Name{{Full: "Ivan Petrovich Sidorenko", Quality: vigil.QualityPrimary}},
			Measures: []vigil.Measure{vigil.MeasureAssetFreeze}},
		{ID: "wt:3", Source: "wt", Ref: "3", Kind: vigil.KindPerson, Names: []vigil.Name{{Full: "Marko Zelenko", Quality: vigil.QualityPrimary}},
			Measures: []vigil.Measure{vigil.MeasureAssetFreeze}},
	}
}

// newWatchServer returns a server keeping watch on a fresh store, with two
// review keys (alice, bob) and a screen key (carol), their secrets.
func newWatchServer(t testing.TB) (*Server, *sqlite.Store, map[string]string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	es := watchEntities()
	b, _ := json.Marshal(es)
	h := sha256.Sum256(b)
	if _, err := st.Import(ctx, vigil.ListVersion{List: "wt", Source: "wt", Format: "test", Hash: hex.EncodeToString(h[:])}, es); err != nil {
		t.Fatal(err)
	}
	rows, err := st.CurrentEntities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := st.Current(ctx)
	entries := make([]match.Entry, len(rows))
	for i := range rows {
		entries[i] = match.Entry{Entity: &rows[i].Entity, Version: rows[i].Version.Label()}
	}
	ix, ep, err := weights.For(ctx, st, entries, cur, weights.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, err := watch.NewCorpus(cur, entries, ix, ep)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{}
	for _, k := range []struct{ name, role string }{{"alice", "review"}, {"bob", "review"}, {"carol", "screen"}} {
		_, secret, err := st.CreateKey(ctx, k.name, k.role)
		if err != nil {
			t.Fatal(err)
		}
		keys[k.name] = secret
	}
	w := &engineWatch{e: &watch.Engine{Store: st, Lists: st}, st: st, c: c}
	s := New(Options{Store: st, Keys: st, KeyCacheTTL: -1, Watch: w, RateLimit: -1, MatchThreshold: match.DefaultThreshold,
		ParseManifest: func(r io.Reader) ([]Traveller, error) {
			m, err := paxlst.Parse(r)
			if err != nil {
				return nil, err
			}
			var out []Traveller
			for _, t := range m.Travellers {
				out = append(out, Traveller{Label: t.Name(), Fields: map[string]string{"flight": m.Flights[t.Flights[0]].Ident()}, Query: t.Query()})
			}
			return out, nil
		}})
	s.Swap(&Snapshot{Index: c.Index, Versions: cur})
	return s, st, keys
}

func auth(secret string) []string { return []string{"Authorization", "Bearer " + secret} }

func TestSubjectsBulkImport(t *testing.T) {
	s, _, keys := newWatchServer(t)
	h := s.Handler()
	jsonl := `{"id":"c1","name":"Qassem Suleimani","dob":"1957-03-11","branch":"Zurich"}
{"id":"c2","name":"Anna Marie O'Brien"}
{"id":"c3","name":"Ivan Sidorenko","dob":"1961-13-45"}
{"name":"No Id"}
not json
{"id":"c4","name":"Marko Zelenko","labels":{"segment":"vip","risk":3}}
`
	res, body := do(t, h, "POST", "/v1/subjects/customers", jsonl, auth(keys["carol"])...)
	if res.StatusCode != 200 {
		t.Fatalf("JSONL import: %d %s", res.StatusCode, body)
	}
	got := decode[SubjectsImportResponse](t, body)
	var rows []int
	for _, e := range got.Errors {
		rows = append(rows, e.Row)
	}
	// c3's impossible date of birth is a problem, not a bad row: the subject
	// is kept and screened on its other values (fail safe).
	if got.Import.Added != 4 || got.Import.Bad != 2 || fmt.Sprint(rows) != "[4 5]" || got.Import.Problems != 1 ||
		len(got.Problems) != 1 || got.Problems[0].Row != 3 || !strings.Contains(strings.Join(got.Problems[0].Problems, " "), "1961-13-45") {
		t.Errorf("JSONL import: %+v, bad rows %v (%s)", got.Import, rows, body)
	}
	res, body = do(t, h, "GET", "/v1/subjects/customers/c4", "", auth(keys["alice"])...)
	sub := decode[SubjectResponse](t, body)
	if res.StatusCode != 200 || sub.Subject.Labels["segment"] != "vip" || sub.Subject.Labels["risk"] != "3" || len(sub.Alerts) != 1 {
		t.Errorf("GET c4: %d %+v", res.StatusCode, sub)
	}
	// A JSON array, pretty-printed: rows are its elements.
	array := `[
  {"id": "v1", "name": "Qasem Soleimani"},
  {"id": "v2"},
  {"id": "v3", "name": "Anyone Else", "dob": "1970"}
]`
	res, body = do(t, h, "POST", "/v1/subjects/vendors", array, auth(keys["carol"])...)
	got = decode[SubjectsImportResponse](t, body)
	if res.StatusCode != 200 || got.Import.Added != 2 || len(got.Errors) != 1 || got.Errors[0].Row != 2 || got.Errors[0].Error != "missing name" {
		t.Errorf("array import: %d %s", res.StatusCode, body)
	}
	// Too many rows: the first ones stay, the response says so.
	defer func(n int) { maxSubjectRows = n }(maxSubjectRows)
	maxSubjectRows = 3
	var many strings.Builder
	for i := range 5 {
		fmt.Fprintf(&many, `{"id":"m%d","name":"Person Number %c"}`+"\n", i, 'a'+i)
	}
	res, body = do(t, h, "POST", "/v1/subjects/many", many.String(), auth(keys["carol"])...)
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"added":3`) {
		t.Errorf("5 rows over a limit of 3: %d %s", res.StatusCode, body)
	}
	for _, c := range []struct{ body, want string }{
		{"", "empty"},
		{"id,name\nx,y\n", "JSON Lines"},
	} {
		res, body = do(t, h, "POST", "/v1/subjects/customers", c.body, auth(keys["carol"])...)
		if res.StatusCode != 400 || !strings.Contains(body, c.want) {
			t.Errorf("body %q: %d %s", c.body, res.StatusCode, body)
		}
	}
	res, body = do(t, h, "POST", "/v1/subjects/Bad%20Set", jsonl, auth(keys["carol"])...)
	if res.StatusCode != 400 || !strings.Contains(body, "set") {
		t.Errorf("bad set name: %d %s", res.StatusCode, body)
	}
	// Without a key nothing is read or written.
	if res, _ := do(t, h, "POST", "/v1/subjects/customers", jsonl); res.StatusCode != 401 {
		t.Errorf("no key: %d", res.StatusCode)
	}
}

func TestSubjectPutGetDelete(t *testing.T) {
	s, _, keys := newWatchServer(t)
	h := s.Handler()
	res, body := do(t, h, "PUT", "/v1/subjects/staff/e7", `{"name":"Qasem Soleimani","dob":"1957-03-11","team":"ops"}`, auth(keys["carol"])...)
	sub := decode[SubjectResponse](t, body)
	if res.StatusCode != 200 || sub.Subject.ID != "e7" || sub.Subject.Labels["team"] != "ops" || len(sub.Alerts) != 1 || sub.Alerts[0].EntityID != "wt:1" {
		t.Fatalf("PUT: %d %s", res.StatusCode, body)
	}
	res, body = do(t, h, "PUT", "/v1/subjects/staff/e7", `{"id":"e8","name":"X"}`, auth(keys["carol"])...)
	if res.StatusCode != 400 || !strings.Contains(body, "not the path") {
		t.Errorf("PUT with another id: %d %s", res.StatusCode, body)
	}
	res, body = do(t, h, "PUT", "/v1/subjects/staff/e7", `{"name":"Anna Marie O'Brien"}`, auth(keys["carol"])...)
	sub = decode[SubjectResponse](t, body)
	if res.StatusCode != 200 || len(sub.Alerts) != 1 || sub.Alerts[0].State != vigil.AlertClosed || sub.Alerts[0].Cause != vigil.CauseBelowThreshold {
		t.Errorf("PUT renamed: %d %s", res.StatusCode, body)
	}
	if res, body = do(t, h, "DELETE", "/v1/subjects/staff/e7", "", auth(keys["carol"])...); res.StatusCode != 200 {
		t.Errorf("DELETE: %d %s", res.StatusCode, body)
	}
	for _, m := range []string{"GET", "DELETE"} {
		if res, body = do(t, h, m, "/v1/subjects/staff/e7", "", auth(keys["alice"])...); res.StatusCode != 404 {
			t.Errorf("%s after DELETE: %d %s", m, res.StatusCode, body)
		}
	}
	// Reading the watch needs the review role.
	if res, _ = do(t, h, "GET", "/v1/subjects/staff", "", auth(keys["carol"])...); res.StatusCode != 403 {
		t.Errorf("GET subjects with a screen key: %d", res.StatusCode)
	}
}

// TestAlertDecisionsOverAPI: decisions need a review key; a false positive
// on a travel ban waits for a second key; the first cannot approve; and two
// reviewers deciding one alert at once: one wins, the other gets 409.
func TestAlertDecisionsOverAPI(t *testing.T) {
	s, _, keys := newWatchServer(t)
	h := s.Handler()
	var b strings.Builder
	for i := range 12 {
		fmt.Fprintf(&b, `{"id":"q%d","name":"Qasem Soleimani"}`+"\n", i)
	}
	if res, body := do(t, h, "POST", "/v1/subjects/customers", b.String(), auth(keys["carol"])...); res.StatusCode != 200 {
		t.Fatalf("import: %s", body)
	}
	res, body := do(t, h, "GET", "/v1/alerts?state=open&set=customers&limit=5", "", auth(keys["alice"])...)
	page := decode[vigil.AlertPage](t, body)
	if res.StatusCode != 200 || len(page.Alerts) != 5 || page.Next == "" || page.Counts[vigil.AlertOpen] != 12 {
		t.Fatalf("queue: %d %s", res.StatusCode, body)
	}
	res, body = do(t, h, "GET", "/v1/alerts?state=open&limit=5&after="+page.Next, "", auth(keys["alice"])...)
	page2 := decode[vigil.AlertPage](t, body)
	if res.StatusCode != 200 || len(page2.Alerts) != 5 || page2.Alerts[0].ID == page.Alerts[4].ID {
		t.Errorf("second page: %s", body)
	}
	id := page.Alerts[0].ID
	url := fmt.Sprintf("/v1/alerts/%d", id)
	if res, body = do(t, h, "POST", url+"/decide", `{"as":"false_positive","reason":"namesake"}`, auth(keys["carol"])...); res.StatusCode != 403 {
		t.Errorf("decide with a screen key: %d %s", res.StatusCode, body)
	}
	res, body = do(t, h, "POST", url+"/decide", `{"as":"false_positive","reason":"namesake: born 1990"}`, auth(keys["alice"])...)
	got := decode[AlertResponse](t, body)
	if res.StatusCode != 200 || got.Alert.State != vigil.AlertPending || got.Alert.Decision.ByName != "alice" {
		t.Fatalf("decide: %d %s", res.StatusCode, body)
	}
	if res, body = do(t, h, "POST", url+"/approve", "", auth(keys["alice"])...); res.StatusCode != 403 || !strings.Contains(body, "own decision") {
		t.Errorf("self-approval: %d %s", res.StatusCode, body)
	}
	res, body = do(t, h, "POST", url+"/approve", "", auth(keys["bob"])...)
	got = decode[AlertResponse](t, body)
	if res.StatusCode != 200 || got.Alert.State != vigil.AlertFalsePositive || len(got.Decisions) != 1 || got.Decisions[0].ApprovedName != "bob" || len(got.History) != 3 {
		t.Errorf("approve: %d %s", res.StatusCode, body)
	}
	for _, c := range []struct{ body, want string }{
		{`{"as":"closed","reason":"x"}`, "not a decision"},
		{`{"as":"true_match"}`, "reason"},
		{`{"as":"true_match","reason":"x","extra":1}`, "unknown field"},
	} {
		if res, body = do(t, h, "POST", fmt.Sprintf("/v1/alerts/%d/decide", page.Alerts[1].ID), c.body, auth(keys["alice"])...); res.StatusCode != 400 || !strings.Contains(body, c.want) {
			t.Errorf("decide %s: %d %s", c.body, res.StatusCode, body)
		}
	}
	if res, _ = do(t, h, "GET", "/v1/alerts/999999", "", auth(keys["alice"])...); res.StatusCode != 404 {
		t.Errorf("no such alert: %d", res.StatusCode)
	}
	// Two reviewers at once, on each of the other alerts.
	for _, a := range append(page.Alerts[1:], page2.Alerts...) {
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for i, k := range []string{"alice", "bob"} {
			wg.Go(func() {
				res, _ := do(t, h, "POST", fmt.Sprintf("/v1/alerts/%d/decide", a.ID), `{"as":"escalated","reason":"ask the MLRO"}`, auth(keys[k])...)
				codes[i] = res.StatusCode
			})
		}
		wg.Wait()
		if !(codes[0] == 200 && codes[1] == 409 || codes[0] == 409 && codes[1] == 200) {
			t.Errorf("alert %d decided at once: %v, want one 200 and one 409", a.ID, codes)
		}
	}
}

// TestDecisionsNeedAKey: a server without keys refuses decisions: it does
// not know who decides.
func TestDecisionsNeedAKey(t *testing.T) {
	s, _, keys := newWatchServer(t)
	h := s.Handler()
	do(t, h, "PUT", "/v1/subjects/customers/c1", `{"name":"Qasem Soleimani"}`, auth(keys["carol"])...)
	// vigil serve --no-auth: every route open, so nobody is known.
	s.opts.NoAuth = true
	res, body := do(t, h, "GET", "/v1/alerts", "")
	page := decode[vigil.AlertPage](t, body)
	if res.StatusCode != 200 || len(page.Alerts) != 1 {
		t.Fatalf("open queue: %d %s", res.StatusCode, body)
	}
	res, body = do(t, h, "POST", fmt.Sprintf("/v1/alerts/%d/decide", page.Alerts[0].ID), `{"as":"false_positive","reason":"x"}`)
	if res.StatusCode != 403 || !strings.Contains(body, "API key") {
		t.Errorf("decision without keys: %d %s", res.StatusCode, body)
	}
}

// TestManifestRaisesAlerts: travellers of a manifest screened through the
// service who are referred or denied join the queue, in the set
// travellers.
func TestManifestRaisesAlerts(t *testing.T) {
	s, _, keys := newWatchServer(t)
	h := s.Handler()
	edi, err := os.ReadFile("../paxlst/testdata/soleimani.edi")
	if err != nil {
		t.Fatal(err)
	}
	if res, body := do(t, h, "POST", "/v1/manifest", string(edi), auth(keys["carol"])...); res.StatusCode != 200 {
		t.Fatalf("manifest: %d %s", res.StatusCode, body)
	}
	res, body := do(t, h, "GET", "/v1/alerts?set=travellers", "", auth(keys["alice"])...)
	page := decode[vigil.AlertPage](t, body)
	if res.StatusCode != 200 || len(page.Alerts) != 1 || page.Alerts[0].EntityID != "wt:1" || !strings.HasPrefix(page.Alerts[0].SubjectID, "XX0112/") {
		t.Errorf("travellers' alerts: %d %s", res.StatusCode, body)
	}
	res, body = do(t, h, "GET", "/v1/subjects/travellers", "", auth(keys["alice"])...)
	if subs := decode[SubjectsResponse](t, body); res.StatusCode != 200 || len(subs.Subjects) != 1 {
		t.Errorf("travellers watched: %s (the cleared one must not be)", body)
	}
	res, body = do(t, h, "GET", "/metrics", "", auth(keys["alice"])...)
	if !strings.Contains(body, "vigil_watch_rescreen_running 0") {
		t.Errorf("metrics lack the watch: %d", res.StatusCode)
	}
}

// FuzzSubjectsBody sends arbitrary bodies to the bulk subjects route on
// the real engine: the answer is JSON and never a 5xx, and every row read
// is imported, unchanged or named bad.
func FuzzSubjectsBody(f *testing.F) {
	for _, seed := range []string{`{"id":"a","name":"Qasem Soleimani"}`, "[{\"id\":\"a\",\"name\":\"b\"},{\"id\":\"c\"}]", `[1,"x",null]`, `[`, `[{]`,
		"{\"id\":\"a\",\"name\":\"b\"}\n{\"id\":\"a\",\"name\":\"c\"}\n", `{"id":"x","name":"y","labels":{"a":[1,2]}}`, "\ufeff[]"} {
		f.Add(seed)
	}
	s, _, keys := newWatchServer(f)
	h := s.Handler()
	f.Fuzz(func(t *testing.T, body string) {
		res, out := do(t, h, "POST", "/v1/subjects/fuzz", body, auth(keys["carol"])...)
		if res.StatusCode >= 500 {
			t.Fatalf("%q: status %d: %s", body, res.StatusCode, out)
		}
		if !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%q: Content-Type %q", body, res.Header.Get("Content-Type"))
		}
		if res.StatusCode == 200 {
			got := decode[SubjectsImportResponse](t, out)
			if im := got.Import; im.Added+im.Updated+im.Unchanged+im.Bad != im.Rows {
				t.Fatalf("%q: rows do not add up: %+v", body, im)
			}
		}
	})
}

// fillAlerts stores n alerts (of n subjects, half customers and half
// travellers, every fifth on a travel ban, in mixed states) for the queue
// benchmarks.
func fillAlerts(b *testing.B, st *sqlite.Store, n int) {
	ctx := context.Background()
	states := []vigil.AlertState{vigil.AlertOpen, vigil.AlertOpen, vigil.AlertReopened, vigil.AlertFalsePositive, vigil.AlertClosed, vigil.AlertPending}
	m := vigil.Match{EntityID: "wt:1", Name: "Qasem Soleimani", MatchedName: "Qasem Soleimani", Score: 0.9,
		Explanation: []vigil.Feature{{Feature: "name", Score: 0.9, Detail: `primary name "QASEM SOLEIMANI" (Latn): qasem=qasem, soleimani=soleimani`}}}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for lo := 0; lo < n; lo += 10000 {
		err := st.Update(ctx, func(tx vigil.WatchTx) error {
			for i := lo; i < min(lo+10000, n); i++ {
				sub := vigil.Subject{Set: []string{"customers", "travellers"}[i%2], ID: fmt.Sprint(i), Name: "Subject"}
				row, err := tx.PutSubject(&sub, "fp", "")
				if err != nil {
					return err
				}
				a := vigil.Alert{Set: sub.Set, SubjectID: sub.ID, EntityID: fmt.Sprintf("wt:%d", i%3+1), List: "wt", State: states[i%len(states)],
					Score: m.Score, ListVersion: "wt@1", Match: m, Opened: start.Add(time.Duration(i) * time.Second), Updated: start,
					SubjectFacts: vigil.SubjectFacts{Name: "Subject"}, ListingFacts: vigil.ListingFacts{Names: []string{"Qasem Soleimani"}}}
				if i%5 == 0 {
					a.Measures = []vigil.Measure{vigil.MeasureTravelBan}
				}
				if err := tx.InsertAlert(row, &a); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAlertsPage measures GET /v1/alerts over a queue of 100,000
// alerts, in the server (handler, store and JSON): the open queue's first
// page and a set's travel bans.
func BenchmarkAlertsPage(b *testing.B) {
	s, st, keys := newWatchServer(b)
	fillAlerts(b, st, 100000)
	h := s.Handler()
	for _, url := range []string{"/v1/alerts?state=open,reopened&limit=50", "/v1/alerts?set=travellers&measure=travel_ban&state=open&limit=50"} {
		b.Run(strings.SplitN(url, "?", 2)[1], func(b *testing.B) {
			for b.Loop() {
				res, body := do(b, h, "GET", url, "", auth(keys["alice"])...)
				if res.StatusCode != 200 || !strings.Contains(body, `"next"`) {
					b.Fatalf("%d %.200s", res.StatusCode, body)
				}
			}
		})
	}
}
