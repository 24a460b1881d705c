package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
)

func verify(t *testing.T, s *Store) vigil.AuditStatus {
	t.Helper()
	st, err := s.VerifyAudit(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// childEnv names the store file a child process of TestAuditProcesses
// appends to.
const childEnv = "VIGIL_AUDIT_TEST_CHILD_DB"

// TestAuditChildProcess is the child of TestAuditProcesses.
func TestAuditChildProcess(t *testing.T) {
	path := os.Getenv(childEnv)
	if path == "" {
		t.Skip("runs only as the child process of TestAuditProcesses")
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	n, _ := strconv.Atoi(os.Getenv(childEnv + "_N"))
	who := os.Getenv(childEnv + "_WHO")
	start, _ := strconv.ParseInt(os.Getenv(childEnv+"_START"), 10, 64)
	time.Sleep(time.Until(time.Unix(0, start)))
	appendPaced(t, s, who, n)
}

// appendPaced appends n records with a pause after each, as a person or a
// service between requests would leave: SQLite's lock is not fair, and a
// process appending back to back would keep it for a whole run.
func appendPaced(t *testing.T, s *Store, who string, n int) {
	for i := range n {
		if _, err := s.AppendAudit(context.Background(), vigil.AuditRecord{Who: who, Action: "screen",
			Query: json.RawMessage(fmt.Sprintf(`{"i":%d}`, i))}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestAuditProcesses appends to one SQLite file from three processes at
// once (a CLI beside a running service): the chain must stay one linear
// chain holding every record once.
func TestAuditProcesses(t *testing.T) {
	s, path := openTemp(t)
	const n = 150
	var wg sync.WaitGroup
	outs := make([][]byte, 2)
	errs := make([]error, 2)
	// All three start appending at the same moment, once the children
	// have had time to start.
	start := time.Now().Add(2 * time.Second)
	for c := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAuditChildProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+path, childEnv+"_N="+strconv.Itoa(n), childEnv+"_WHO=child"+strconv.Itoa(c),
			childEnv+"_START="+strconv.FormatInt(start.UnixNano(), 10))
		wg.Go(func() { outs[c], errs[c] = cmd.CombinedOutput() })
	}
	time.Sleep(time.Until(start))
	appendPaced(t, s, "parent", n)
	wg.Wait()
	for c := range 2 {
		if errs[c] != nil {
			t.Fatalf("child %d: %v\n%s", c, errs[c], outs[c])
		}
	}
	st := verify(t, s)
	if st.Break != nil || st.Records != 3*n {
		t.Fatalf("verify: %+v", st)
	}
	recs, _ := s.AuditLog(context.Background(), vigil.AuditFilter{})
	seen := map[string]bool{}
	interleaved := 0
	for i, r := range recs {
		k := r.Who + string(r.Query)
		if seen[k] {
			t.Errorf("%s stored twice", k)
		}
		seen[k] = true
		if i > 0 && recs[i-1].Who != r.Who {
			interleaved++
		}
	}
	if len(seen) != 3*n {
		t.Errorf("%d distinct records, want %d", len(seen), 3*n)
	}
	// The processes took turns: the test raced them.
	if interleaved < 10 {
		t.Errorf("only %d changes of process along the chain: the appends did not overlap", interleaved)
	}
	t.Logf("%d changes of process along the chain", interleaved)
}

// TestAuditUnchained opens a database written before the log was a chain
// and checks that its records join the chain, oldest first, losing nothing.
func TestAuditUnchained(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	first, err := migrationFiles.ReadFile("migrations/0001_lists_audit_keys.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{string(first), "PRAGMA user_version = 1",
		`INSERT INTO audit (time, key_id, action, query, result) VALUES ('2026-02-01T10:00:00.123456789Z', 'key_1', 'screen', '{"subjects": ["A"]}', '{"matches":1}')`,
		`INSERT INTO audit (time, key_id, action, query, result) VALUES ('2026-02-01T11:00:00Z', '', 'match', 'null', '{}')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	recs, _ := s.AuditLog(context.Background(), vigil.AuditFilter{})
	if len(recs) != 2 || recs[1].Who != "key:key_1" || string(recs[1].Query) != `{"subjects":["A"]}` || recs[0].Who != "unknown" ||
		recs[0].Action != "match" || !recs[1].Time.Equal(time.Date(2026, 2, 1, 10, 0, 0, 123456000, time.UTC)) {
		t.Fatalf("records %+v", recs)
	}
	if st := verify(t, s); st.Break != nil || st.Records != 2 {
		t.Errorf("verify %+v", st)
	}
	if n := count(t, s, "audit_unchained"); n != 0 {
		t.Errorf("%d records left unchained", n)
	}
	// Opening again changes nothing.
	s.Close()
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if st := verify(t, s2); st.Records != 2 {
		t.Errorf("reopened: %+v", st)
	}
}

// FuzzAuditRoundTrip: a record the store accepts comes back byte for byte,
// and the chain holds.
func FuzzAuditRoundTrip(f *testing.F) {
	f.Add("cli:a", "screen", []byte(`{"queries":[{"name":"X"}]}`), []byte(`null`))
	f.Add("key:k", "alert.decide", []byte(" { \"a\" : \"\\u0000 \u2028 \\ud83d\\ude00\" } "), []byte(`[1e400, -0.0, 1.50]`))
	s, _ := openTemp(f)
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, who, action string, q, res []byte) {
		in, err := s.AppendAudit(ctx, vigil.AuditRecord{Who: who, Action: action, Query: q, Result: res})
		if err != nil {
			return
		}
		got, err := s.AuditLog(ctx, vigil.AuditFilter{Limit: 1})
		if err != nil || len(got) != 1 {
			t.Fatal(err)
		}
		r := got[0]
		if r.Seq != in.Seq || r.Who != in.Who || r.Action != in.Action || string(r.Query) != string(in.Query) ||
			string(r.Result) != string(in.Result) || !r.Time.Equal(in.Time) || r.Hash != in.Hash || vigil.AuditHash(r) != r.Hash {
			t.Fatalf("stored %+v, read %+v", in, r)
		}
		if in.Seq%50 == 0 {
			if st, err := s.VerifyAudit(ctx); err != nil || st.Break != nil {
				t.Fatalf("verify: %+v %v", st, err)
			}
		}
	})
}
