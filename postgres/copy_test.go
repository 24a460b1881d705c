package postgres

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/storetest"
	"github.com/vigil-screening/vigil/sqlite"
	"github.com/vigil-screening/vigil/watch"
)

// fillInstallation gives a store something of everything a store keeps:
// list versions (current, historical, partial, rolled back), keys and
// sessions, audit records, subjects, alerts and decisions, events,
// webhooks, deliveries and attempts.
func fillInstallation(t *testing.T, st vigil.Backend) {
	t.Helper()
	ctx := vigil.WithActor(context.Background(), "cli:filler")
	ent := func(i int, remark string) vigil.Entity {
		return vigil.Entity{ID: fmt.Sprintf("t:%03d", i), Source: "t", Ref: fmt.Sprint(i), Kind: vigil.KindPerson,
			Names: []vigil.Name{{Full: fmt.Sprintf("Person Number %d", i), Quality: vigil.QualityPrimary}}, Remarks: remark}
	}
	list := func(n int, remark string) []vigil.Entity {
		var es []vigil.Entity
		for i := range n {
			es = append(es, ent(i, remark))
		}
		return es
	}
	day := func(d int) time.Time { return time.Date(2025, 3, d, 0, 0, 0, 0, time.UTC) }
	for _, v := range []struct {
		hash    string
		d, n    int
		partial bool
	}{{"a", 2, 10, false}, {"b", 3, 12, false}, {"old", 1, 8, false}, {"p", 4, 3, true}, {"c", 5, 11, false}} {
		lv := vigil.ListVersion{List: "t", Source: "t", Format: "test", Hash: v.hash, Published: day(v.d), Partial: v.partial, Files: []string{v.hash + ".xml"}}
		if _, err := st.Import(ctx, lv, list(v.n, v.hash)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Rollback(ctx, vigil.Rollback{List: "t", Withdrawal: vigil.Withdrawal{By: "cli:ann", Reason: "bad file"}}); err != nil {
		t.Fatal(err)
	}
	k, _, err := st.CreateKey(ctx, "ops", "admin")
	if err != nil {
		t.Fatal(err)
	}
	k2, _, _ := st.CreateKey(ctx, "gone", "screen")
	if _, err := st.RevokeKey(ctx, k2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.CreateSession(ctx, k.ID, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if _, err := st.AppendAudit(ctx, vigil.AuditRecord{Who: "key:" + k.ID, Action: "screen",
			Query: json.RawMessage(fmt.Sprintf(`{"queries":[{"name":"Ünïcode %d \u2028"}]}`, i))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.CreateWebhook(ctx, vigil.Webhook{ID: "wh_1", URL: "https://example.test/hook", Events: vigil.WebhookEventTypes},
		vigil.WebhookSecret{Sealed: []byte{0, 1, 2, 255}}); err != nil {
		t.Fatal(err)
	}
	alerts := storetest.FillAlerts(t, st, 40)
	e := &watch.Engine{Store: st, Lists: st}
	decided := 0
	for _, a := range alerts {
		if a.State == vigil.AlertOpen && decided < 5 {
			if _, err := e.Decide(ctx, a.ID, vigil.AlertTrueMatch, "same person", vigil.Reviewer{ID: "key_x", Name: "X"}, a.Version); err != nil {
				t.Fatal(err)
			}
			decided++
		}
	}
	// Two weight epochs, factors that must come over to the last bit.
	for _, e := range []vigil.WeightEpoch{
		{Created: day(2), Matcher: "m", Reason: "first epoch", Lists: map[string]int{"t": 1}, Rarity: map[string]float64{"number": 0.4123456789012345}},
		{Created: day(5), Matcher: "m", Reason: "drift", Lists: map[string]int{"t": 6}, Rarity: map[string]float64{"number": 0.5, "person": 0.35}},
	} {
		cur, err := st.CurrentEpoch(ctx)
		if err != nil && !errors.Is(err, vigil.ErrNotFound) {
			t.Fatal(err)
		}
		if err := st.AddEpoch(ctx, &e, cur.ID); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Update(ctx, func(tx vigil.WatchTx) error {
		if err := tx.PutSetConfig(vigil.SetConfig{Set: "customers", FourEyes: vigil.FourEyesAll, Recertify: time.Hour}); err != nil {
			return err
		}
		r := &vigil.WatchRun{Mode: "full", Reason: "test", To: map[string]int{"t": 6}, Epoch: 1, Matcher: "m", Threshold: 0.8, Started: time.Now()}
		if err := tx.StartRun(r); err != nil {
			return err
		}
		r.Finished, r.Done, r.Cursor = time.Now(), 40, 40
		return tx.SaveRun(r)
	}); err != nil {
		t.Fatal(err)
	}
	// Listed subjects: links, a refused link, a note, judgements.
	link := func(a, b string) vigil.SubjectLink {
		return vigil.SubjectLink{A: a, B: b, Rule: vigil.RuleSameAs, Score: 1, Detail: b + " gives " + a}
	}
	if _, err := st.Judge(ctx, vigil.LinkJudgement{A: "t:001", B: "t:002", Verdict: vigil.VerdictNegative, By: "cli:ann", Reason: "two men"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveLinking(ctx, vigil.Linking{
		Clusters: []vigil.SubjectCluster{{Entities: []string{"t:000", "u:000"}, Links: []vigil.SubjectLink{link("t:000", "u:000")}}, {Entities: []string{"t:001"}}, {Entities: []string{"t:002"}}},
		Refused:  []vigil.SubjectLink{{A: "t:001", B: "t:002", Rule: vigil.RuleScored, Score: 0.93, Detail: "names agree", Refused: "judged apart"}},
		Notes:    []vigil.SubjectLink{{A: "t:003", B: "u:003", Rule: vigil.RuleSameAs, Score: 1, Detail: "a vessel", Refused: "not linked: the kinds differ"}},
		Parts:    map[string]string{"t:000": "t", "u:000": "u", "t:001": "t", "t:002": "t"},
		Versions: []string{"t@6"}, Basis: "basis"}, day(6)); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SaveLinking(ctx, vigil.Linking{Clusters: []vigil.SubjectCluster{{Entities: []string{"t:000", "u:000"}, Links: []vigil.SubjectLink{link("t:000", "u:000")}}, {Entities: []string{"t:001"}}},
		Parts: map[string]string{"t:000": "t", "u:000": "u", "t:001": "t"}, Versions: []string{"t@6"}, Basis: "basis 2"}, day(7)); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, _, err := st.EnqueueDeliveries(ctx, 0, now); err != nil {
		t.Fatal(err)
	}
	cs, err := st.ClaimDeliveries(ctx, now, now.Add(time.Minute), 3)
	if err != nil || len(cs) == 0 {
		t.Fatalf("claims: %d, %v", len(cs), err)
	}
	if err := st.FinishDelivery(ctx, vigil.DeliveryResult{DeliveryID: cs[0].ID, Lease: cs[0].Lease, State: vigil.DeliveryDelivered, Tries: 1,
		Attempt: vigil.DeliveryAttempt{At: now, Millis: 3, Status: 204}}); err != nil {
		t.Fatal(err)
	}
}

// dump reads every table of a store as sorted lines of normalised values,
// so that two stores' contents compare whatever their drivers' types.
func dump(t *testing.T, st vigil.TableCopier) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	err := st.DumpTables(context.Background(), func(table string, cols []string, next func() ([]any, error)) error {
		order := slices.Clone(cols)
		slices.Sort(order)
		var lines []string
		for {
			row, err := next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return err
			}
			byCol := map[string]string{}
			for i, v := range row {
				var s string
				switch x := v.(type) {
				case nil:
					s = "null"
				case bool:
					s = "i:0"
					if x {
						s = "i:1"
					}
				case int64:
					s = fmt.Sprintf("i:%d", x)
				case int32:
					s = fmt.Sprintf("i:%d", x)
				case float64:
					s = fmt.Sprintf("f:%v", x)
				case string:
					s = "s:" + x
				case []byte:
					s = "b:" + hex.EncodeToString(x)
				default:
					return fmt.Errorf("%s.%s: value of type %T", table, cols[i], v)
				}
				byCol[cols[i]] = s
			}
			var parts []string
			for _, c := range order {
				parts = append(parts, c+"="+byCol[c])
			}
			lines = append(lines, strings.Join(parts, "|"))
		}
		slices.Sort(lines)
		out[table] = lines
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func copyStore(ctx context.Context, from, to vigil.TableCopier) error {
	return to.LoadTables(ctx, func(load vigil.TableFunc) error { return from.DumpTables(ctx, load) })
}

func compareDumps(t *testing.T, what string, a, b map[string][]string) {
	t.Helper()
	for _, table := range vigil.CopyTables {
		if !slices.Equal(a[table], b[table]) {
			t.Errorf("%s: table %s differs: %d rows, %d rows\n first: %.300q\n       %.300q", what, table, len(a[table]), len(b[table]),
				first(a[table]), first(b[table]))
		}
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// TestCopyBothWays copies a filled SQLite store into PostgreSQL and back
// into a new SQLite file: every table holds the same rows, the audit chain
// verifies with the same head, and the copy goes on working (numbering,
// the chain) where the source stopped.
func TestCopyBothWays(t *testing.T) {
	ctx := context.Background()
	src, err := sqlite.Open(filepath.Join(t.TempDir(), "src.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	fillInstallation(t, src)
	pg, _ := openTest(t)
	if err := copyStore(ctx, src, pg); err != nil {
		t.Fatal(err)
	}
	want := dump(t, src)
	for _, table := range vigil.CopyTables {
		if len(want[table]) == 0 {
			t.Errorf("the filled store has no rows in %s: the test copies nothing there", table)
		}
	}
	compareDumps(t, "sqlite → postgres", want, dump(t, pg))
	srcAudit, _ := src.VerifyAudit(ctx)
	pgAudit, err := pg.VerifyAudit(ctx)
	if err != nil || pgAudit.Break != nil || pgAudit.Head != srcAudit.Head || pgAudit.Records != srcAudit.Records {
		t.Fatalf("copied chain: %+v, %v; source %+v", pgAudit, err, srcAudit)
	}

	back, err := sqlite.Open(filepath.Join(t.TempDir(), "back.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if err := copyStore(ctx, pg, back); err != nil {
		t.Fatal(err)
	}
	compareDumps(t, "postgres → sqlite", want, dump(t, back))

	// A store that is not empty is refused, and nothing is written.
	if err := copyStore(ctx, src, pg); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("copy into a filled store: %v", err)
	}
	compareDumps(t, "after a refused copy", want, dump(t, pg))

	// The copy goes on where the source stopped.
	rec, err := pg.AppendAudit(ctx, vigil.AuditRecord{Who: "cli:after", Action: "screen"})
	if err != nil || rec.Seq != srcAudit.Records+1 || rec.Prev != srcAudit.Head {
		t.Errorf("next record %+v, %v", rec, err)
	}
	v, err := pg.Import(ctx, vigil.ListVersion{List: "t", Source: "t", Format: "test", Hash: "d"}, []vigil.Entity{{ID: "t:new", Source: "t", Names: []vigil.Name{{Full: "X"}}}})
	if err != nil || v.Version != 7 {
		t.Errorf("next version %s, %v", v.Label(), err)
	}
	if _, err := pg.AppendEvent(ctx, vigil.Event{Type: vigil.EventAlertOpened}); err != nil {
		t.Errorf("next event: %v", err)
	}
	if _, err := pg.Judge(ctx, vigil.LinkJudgement{A: "t:001", B: "t:002", Verdict: vigil.VerdictPositive, By: "cli:bob"}); err != nil {
		t.Errorf("next judgement: %v", err)
	}
	if res, err := pg.SaveLinking(ctx, vigil.Linking{Clusters: []vigil.SubjectCluster{{Entities: []string{"t:000", "u:000"}}, {Entities: []string{"t:001", "t:002"}}},
		Parts: map[string]string{"t:000": "t", "u:000": "u", "t:001": "t", "t:002": "t"}}, time.Now()); err != nil || res.New != 0 {
		t.Errorf("next linking: %+v, %v", res, err)
	}
	if ids, _ := pg.SubjectIDs(ctx); ids["t:002"] != ids["t:001"] || ids["u:000"] != "S1" {
		t.Errorf("subjects after going on: %v", ids)
	}
	if st, err := pg.VerifyAudit(ctx); err != nil || st.Break != nil {
		t.Errorf("after going on: %+v, %v", st, err)
	}
}
