package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
)

var _ = add("AuditAppendAndRead", testAuditAppendAndRead)
var _ = add("AuditHashIsDocumented", testAuditHashIsDocumented)
var _ = add("AuditTamper", testAuditTamper)
var _ = add("AuditChainedWithChanges", testAuditChainedWithChanges)
var _ = add("AuditConcurrent", testAuditConcurrent)
var _ = add("AuditExport", testAuditExport)

// appendN appends n screening records numbered from first.
func appendN(t testing.TB, s vigil.AuditLog, first, n int) []vigil.AuditRecord {
	t.Helper()
	var out []vigil.AuditRecord
	for i := first; i < first+n; i++ {
		rec, err := s.AppendAudit(context.Background(), vigil.AuditRecord{
			Who: "cli:tester", Action: vigil.AuditScreen,
			Query:  json.RawMessage(fmt.Sprintf(`{"queries":[{"name":"Person %d","dob":"1970"}]}`, i)),
			Result: json.RawMessage(`{"lists":["un@1"],"hits":[[]]}`)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
	return out
}

func verify(t *testing.T, s vigil.AuditLog) vigil.AuditStatus {
	t.Helper()
	st, err := s.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func testAuditAppendAndRead(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	if st := verify(t, s); st.Break != nil || st.Records != 0 || st.Head != vigil.AuditGenesis {
		t.Fatalf("empty log: %+v", st)
	}
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.FixedZone("CET", 3600))
	recs := []vigil.AuditRecord{
		{Time: t0, Who: "key:key_a", Action: "screen", Query: json.RawMessage(" {\"name\" : \"X\",\n \"dob\": \"1970\"} "), Result: json.RawMessage(`{"matches":0}`)},
		{Time: t0.Add(time.Second), Who: "cli:bob", Action: "import"},
		{Who: "key:key_a", Action: "screen", Query: json.RawMessage(`{"name":"Y"}`)},
	}
	var got []vigil.AuditRecord
	for _, r := range recs {
		out, err := s.AppendAudit(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, out)
	}
	// Seq, links and hashes.
	prev := vigil.AuditGenesis
	for i, r := range got {
		if r.Seq != int64(i+1) || r.Prev != prev || r.Hash != vigil.AuditHash(r) || len(r.Hash) != 64 {
			t.Errorf("record %d: seq %d prev %.8s hash %.8s", i, r.Seq, r.Prev, r.Hash)
		}
		prev = r.Hash
	}
	// Normalised: compact JSON, null for none, UTC microseconds.
	if string(got[0].Query) != `{"name":"X","dob":"1970"}` || string(got[1].Query) != "null" || string(got[2].Result) != "null" {
		t.Errorf("JSON not normalised: %s %s %s", got[0].Query, got[1].Query, got[2].Result)
	}
	if want := time.Date(2026, 3, 1, 11, 0, 0, 123456000, time.UTC); !got[0].Time.Equal(want) || got[0].Time.Location() != time.UTC {
		t.Errorf("time %v, want %v", got[0].Time, want)
	}
	if time.Since(got[2].Time) > time.Minute {
		t.Errorf("a zero time was not set to now: %v", got[2].Time)
	}

	// Refused: no action, no who, bad JSON, invalid UTF-8, control
	// characters; nothing is written for them.
	for _, bad := range []vigil.AuditRecord{
		{Who: "k"},
		{Action: "screen"},
		{Who: "k", Action: "screen", Query: json.RawMessage(`{bad`)},
		{Who: "k", Action: "screen", Result: json.RawMessage("\"\xff\"")},
		{Who: "k\n", Action: "screen"},
		{Who: "k", Action: "scr\x00een"},
	} {
		if _, err := s.AppendAudit(ctx, bad); err == nil {
			t.Errorf("record %+v accepted", bad)
		}
	}

	// Read back newest first, byte-exact, filtered.
	all, err := s.AuditLog(ctx, vigil.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("%d records", len(all))
	}
	for i, r := range all {
		w := got[len(got)-1-i]
		if r.Seq != w.Seq || !r.Time.Equal(w.Time) || r.Who != w.Who || r.Action != w.Action ||
			string(r.Query) != string(w.Query) || string(r.Result) != string(w.Result) || r.Prev != w.Prev || r.Hash != w.Hash {
			t.Errorf("read %+v, appended %+v", r, w)
		}
	}
	for _, tc := range []struct {
		f    vigil.AuditFilter
		want []int64
	}{
		{vigil.AuditFilter{Action: "screen"}, []int64{3, 1}},
		{vigil.AuditFilter{Action: "import"}, []int64{2}},
		{vigil.AuditFilter{Action: "nothing"}, nil},
		{vigil.AuditFilter{Who: "key:key_a", Limit: 1}, []int64{3}},
		{vigil.AuditFilter{Before: 3}, []int64{2, 1}},
		{vigil.AuditFilter{Action: "screen", Before: 3}, []int64{1}},
		{vigil.AuditFilter{Limit: 2}, []int64{3, 2}},
	} {
		recs, err := s.AuditLog(ctx, tc.f)
		if err != nil {
			t.Fatal(err)
		}
		var seqs []int64
		for _, r := range recs {
			seqs = append(seqs, r.Seq)
		}
		if fmt.Sprint(seqs) != fmt.Sprint(tc.want) {
			t.Errorf("%+v: %v, want %v", tc.f, seqs, tc.want)
		}
	}
	if st := verify(t, s); st.Break != nil || st.Records != 3 || st.Head != got[2].Hash || !st.First.Equal(got[0].Time) {
		t.Errorf("verify: %+v", st)
	}
}

// TestAuditHashIsDocumented recomputes a record's hash from the encoding
// docs/audit.md gives, written out by hand: netstrings of the format tag,
// prev, time, who, action, query and result.
func testAuditHashIsDocumented(t *testing.T, open Opener) {
	r := vigil.AuditRecord{Prev: vigil.AuditGenesis, Time: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC),
		Who: "cli:ann", Action: "screen", Query: json.RawMessage(`{"queries":[{"name":"Ä"}]}`), Result: json.RawMessage(`null`)}
	enc := "13:vigil-audit-1,64:" + vigil.AuditGenesis + ",27:2026-01-02T03:04:05.000006Z,7:cli:ann,6:screen," +
		`27:{"queries":[{"name":"Ä"}]},4:null,`
	sum := sha256.Sum256([]byte(enc))
	if got := vigil.AuditHash(r); got != hex.EncodeToString(sum[:]) {
		t.Errorf("AuditHash = %s, want %x", got, sum)
	}
}

// TestAuditTamper edits the SQLite file underneath the store in every way
// a record can be changed, removed or reordered, and checks that verify
// names the first record affected.
func testAuditTamper(t *testing.T, open Opener) {
	// swap exchanges everything but the position of records a and b.
	swap := func(a, b int) []string {
		return []string{
			fmt.Sprintf("UPDATE audit SET seq = -1 WHERE seq = %d", a),
			fmt.Sprintf("UPDATE audit SET seq = %d WHERE seq = %d", a, b),
			fmt.Sprintf("UPDATE audit SET seq = %d WHERE seq = -1", b),
		}
	}
	for _, tc := range []struct {
		name  string
		edit  func(t *testing.T, s *DB)
		seq   int64
		kind  string
		words string
	}{
		{"update query", func(t *testing.T, s *DB) {
			s.Exec(t, `UPDATE audit SET query = replace(query, 'Person 4', 'Person X') WHERE seq = 4`)
		}, 4, vigil.BreakChanged, "changed"},
		{"update who", func(t *testing.T, s *DB) {
			s.Exec(t, `UPDATE audit SET who = 'cli:someone' WHERE seq = 2`)
		}, 2, vigil.BreakChanged, "changed"},
		{"update result whitespace", func(t *testing.T, s *DB) {
			s.Exec(t, `UPDATE audit SET result = '{"lists":["un@1"], "hits":[[]]}' WHERE seq = 6`)
		}, 6, vigil.BreakChanged, "changed"},
		{"update time", func(t *testing.T, s *DB) {
			s.Exec(t, `UPDATE audit SET time = '2020-01-01 00:00:00' WHERE seq = 5`)
		}, 5, vigil.BreakChanged, "time"},
		{"update hash", func(t *testing.T, s *DB) {
			s.Exec(t, `UPDATE audit SET hash = '`+strings.Repeat("ab", 32)+`' WHERE seq = 7`)
		}, 7, vigil.BreakChanged, "changed"},
		{"delete a row", func(t *testing.T, s *DB) {
			s.Exec(t, `DELETE FROM audit WHERE seq = 3`)
		}, 3, vigil.BreakRemoved, "record 3 is missing"},
		{"delete rows", func(t *testing.T, s *DB) {
			s.Exec(t, `DELETE FROM audit WHERE seq IN (3, 4, 5)`)
		}, 3, vigil.BreakRemoved, "records 3 to 5 are missing"},
		{"delete the first row", func(t *testing.T, s *DB) {
			s.Exec(t, `DELETE FROM audit WHERE seq = 1`)
		}, 1, vigil.BreakRemoved, "record 1 is missing"},
		{"delete the newest rows", func(t *testing.T, s *DB) {
			s.Exec(t, `DELETE FROM audit WHERE seq >= 9`)
		}, 9, vigil.BreakRemoved, "newest records were removed"},
		{"delete a row and renumber", func(t *testing.T, s *DB) {
			// In two steps: PostgreSQL checks the key row by row.
			s.Exec(t, `DELETE FROM audit WHERE seq = 3`, `UPDATE audit SET seq = -seq WHERE seq > 3`,
				`UPDATE audit SET seq = -seq - 1 WHERE seq < 0`, `UPDATE audit_head SET seq = seq - 1`)
		}, 3, vigil.BreakUnlinked, "removed here and the rest renumbered"},
		{"swap two rows", func(t *testing.T, s *DB) {
			s.Exec(t, swap(4, 5)...)
		}, 4, vigil.BreakReordered, "belongs after record 5"},
		{"swap distant rows", func(t *testing.T, s *DB) {
			s.Exec(t, swap(2, 8)...)
		}, 2, vigil.BreakReordered, "belongs after record 7"},
		{"rewrite with a new hash", func(t *testing.T, s *DB) {
			// The forger recomputes the changed record's hash: the next
			// record no longer carries it.
			recs, _ := s.AuditLog(context.Background(), vigil.AuditFilter{Before: 7, Limit: 1})
			r := recs[0]
			r.Who = "cli:forger"
			h := vigil.AuditHash(r)
			s.Exec(t, `UPDATE audit SET who = 'cli:forger', hash = '`+h+`' WHERE seq = 6`)
		}, 7, vigil.BreakUnlinked, "record 6 was rewritten"},
		{"append outside vigil", func(t *testing.T, s *DB) {
			recs, _ := s.AuditLog(context.Background(), vigil.AuditFilter{Limit: 1})
			r := vigil.AuditRecord{Seq: 11, Prev: recs[0].Hash, Time: recs[0].Time, Who: "cli:x", Action: "screen", Query: json.RawMessage("null"), Result: json.RawMessage("null")}
			r.Hash = vigil.AuditHash(r)
			s.Exec(t, fmt.Sprintf(`INSERT INTO audit VALUES (11, '%s', 'cli:x', 'screen', 'null', 'null', '%s', '%s')`,
				r.Time.Format(vigil.AuditTimeFormat), r.Prev, r.Hash))
		}, 11, vigil.BreakAdded, "added outside Vigil"},
		{"replace the last row", func(t *testing.T, s *DB) {
			recs, _ := s.AuditLog(context.Background(), vigil.AuditFilter{Limit: 1})
			r := recs[0]
			r.Action = "nothing"
			s.Exec(t, `UPDATE audit SET action = 'nothing', hash = '`+vigil.AuditHash(r)+`' WHERE seq = 10`)
		}, 10, vigil.BreakChanged, "last record was replaced"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			appendN(t, s, 1, 10)
			if st := verify(t, s); st.Break != nil || st.Records != 10 {
				t.Fatalf("before: %+v", st)
			}
			tc.edit(t, s)
			st := verify(t, s)
			b := st.Break
			if b == nil {
				t.Fatalf("the chain holds after the edit: %+v", st)
			}
			if b.Seq != tc.seq || b.Kind != tc.kind || !strings.Contains(b.Detail, tc.words) {
				t.Errorf("break %+v, want record %d %s (%q)", b, tc.seq, tc.kind, tc.words)
			}
			if !errors.Is(b, vigil.ErrAuditBroken) || !strings.Contains(b.Error(), "audit record "+strconv.FormatInt(tc.seq, 10)) {
				t.Errorf("error %q", b.Error())
			}
		})
	}
}

// TestAuditChainedWithChanges checks that the records a store writes in
// the transaction of a change (an import) join the same chain as
// AppendAudit's, and that a change that fails leaves no record.
func testAuditChainedWithChanges(t *testing.T, open Opener) {
	ctx := vigil.WithActor(context.Background(), "cli:importer")
	s := open(t)
	appendN(t, s, 1, 2)
	mustImport(t, s, lv("t", "h1"), SynthList("t", 20))
	if _, err := s.Import(ctx, lv("t", "h2"), SynthList("t", 25)); err != nil {
		t.Fatal(err)
	}
	// The same file again adds no version and no record; a failed import
	// neither.
	if _, err := s.Import(ctx, lv("t", "h2"), SynthList("t", 25)); !errors.Is(err, vigil.ErrDuplicate) {
		t.Fatal(err)
	}
	restore := s.FailImports(errors.New("disk full"))
	_, err := s.Import(ctx, lv("t", "h3"), SynthList("t", 30))
	restore()
	if err == nil {
		t.Fatal("the failing import succeeded")
	}
	appendN(t, s, 3, 1)
	recs, err := s.AuditLog(ctx, vigil.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.Who+" "+r.Action)
	}
	if want := "cli:tester screen|cli:importer import|unknown import|cli:tester screen|cli:tester screen"; strings.Join(got, "|") != want {
		t.Errorf("records %q, want %q", strings.Join(got, "|"), want)
	}
	if q, r := string(recs[1].Query), string(recs[1].Result); q != `{"list":"t","format":"test","sha256":"h2","files":["t.xml"]}` ||
		r != `{"version":"t@2","entities":25,"added":5,"removed":0,"changed":0}` {
		t.Errorf("import record %s %s", q, r)
	}
	if st := verify(t, s); st.Break != nil || st.Records != 5 {
		t.Errorf("verify: %+v", st)
	}
}

// TestAuditConcurrent appends from many goroutines at once and checks every
// record is stored exactly once, in one unbroken chain, and that appends on
// a closed store fail rather than hang.
func testAuditConcurrent(t *testing.T, open Opener) {
	st := open(t)
	const goroutines, each = 64, 25
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				q := json.RawMessage(fmt.Sprintf(`{"g":%d,"i":%d}`, g, i))
				if _, err := st.AppendAudit(context.Background(), vigil.AuditRecord{Action: "screen", Who: "k", Query: q}); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	log, err := st.AuditLog(context.Background(), vigil.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != goroutines*each {
		t.Fatalf("%d records stored, want %d", len(log), goroutines*each)
	}
	seen := map[string]bool{}
	for _, rec := range log {
		if seen[string(rec.Query)] {
			t.Fatalf("record %s stored twice", rec.Query)
		}
		seen[string(rec.Query)] = true
	}
	if v := verify(t, st); v.Break != nil || v.Records != goroutines*each {
		t.Errorf("verify: %+v", v)
	}
	// A closed store fails every waiting caller instead of hanging.
	st.Close()
	var failed sync.WaitGroup
	for range 8 {
		failed.Go(func() {
			if _, err := st.AppendAudit(context.Background(), vigil.AuditRecord{Who: "k", Action: "screen"}); err == nil {
				t.Error("audit on a closed store succeeded")
			}
		})
	}
	failed.Wait()
}

// TestAuditExport exports from a time on and checks the export with an
// implementation of docs/audit.md's encoding of its own.
func testAuditExport(t *testing.T, open Opener) {
	ctx := context.Background()
	s := open(t)
	t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	for i := range 6 {
		if _, err := s.AppendAudit(ctx, vigil.AuditRecord{Time: t0.Add(time.Duration(i) * time.Hour), Who: "cli:a", Action: "screen",
			Query: json.RawMessage(fmt.Sprintf(`{"queries":[{"name":"Ñame %d \u2028 <&>"}]}`, i))}); err != nil {
			t.Fatal(err)
		}
	}
	var got []vigil.AuditRecord
	if err := s.ExportAudit(ctx, t0.Add(150*time.Minute), func(r vigil.AuditRecord) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Seq != 4 {
		t.Fatalf("export since 02:30: %d records from %d", len(got), got[0].Seq)
	}
	prev := got[0].Prev
	for _, r := range got {
		if r.Prev != prev {
			t.Fatalf("record %d does not link", r.Seq)
		}
		var enc strings.Builder
		for _, f := range []string{"vigil-audit-1", r.Prev, r.Time.UTC().Format("2006-01-02T15:04:05.000000Z"), r.Who, r.Action, string(r.Query), string(r.Result)} {
			fmt.Fprintf(&enc, "%d:%s,", len(f), f)
		}
		sum := sha256.Sum256([]byte(enc.String()))
		if hex.EncodeToString(sum[:]) != r.Hash {
			t.Fatalf("record %d: hash %s, recomputed %x", r.Seq, r.Hash, sum)
		}
		prev = r.Hash
	}
	var n int
	s.ExportAudit(ctx, time.Time{}, func(vigil.AuditRecord) error { n++; return nil })
	if n != 6 {
		t.Errorf("export of all: %d records", n)
	}
	n = 0
	s.ExportAudit(ctx, t0.Add(24*time.Hour), func(vigil.AuditRecord) error { n++; return nil })
	if n != 0 {
		t.Errorf("export from after the last: %d records", n)
	}
}
