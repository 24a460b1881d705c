package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestAuditLog(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	recs := []AuditRecord{
		{Time: t0, Key: "key_a", Action: "screen", Query: json.RawMessage(`{"name":"X"}`), Result: json.RawMessage(`{"matches":0}`)},
		{Time: t0.Add(time.Second), Key: "key_b", Action: "import"},
		{Key: "key_a", Action: "screen", Query: json.RawMessage(`{"name":"Y"}`)},
	}
	for _, r := range recs {
		if err := s.Audit(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Audit(ctx, AuditRecord{Action: "screen", Query: json.RawMessage(`{bad`)}); err == nil {
		t.Error("invalid JSON accepted")
	}
	if err := s.Audit(ctx, AuditRecord{Key: "k"}); err == nil {
		t.Error("record without action accepted")
	}
	log, err := s.AuditLog(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 2 || string(log[0].Query) != `{"name":"Y"}` || log[1].Action != "import" || string(log[1].Query) != "null" {
		t.Fatalf("AuditLog(2) = %+v", log)
	}
	if log[0].Time.IsZero() || log[0].ID <= log[1].ID {
		t.Errorf("newest first with a time: %+v", log)
	}
	all, _ := s.AuditLog(ctx, 0)
	if len(all) != 3 || !all[2].Time.Equal(t0) || string(all[2].Result) != `{"matches":0}` || all[2].Key != "key_a" {
		t.Errorf("AuditLog(0) = %+v", all)
	}
}

// TestAuditConcurrent audits from many goroutines at once
// and checks every record is stored exactly once, with increasing ids, and
// that audits on a closed store fail rather than hang.
func TestAuditConcurrent(t *testing.T) {
	st, _ := openTemp(t)
	const goroutines, each = 32, 25
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				q := json.RawMessage(fmt.Sprintf(`{"g":%d,"i":%d}`, g, i))
				if err := st.Audit(context.Background(), AuditRecord{Action: "screen", Key: "k", Query: q}); err != nil {
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
	log, err := st.AuditLog(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != goroutines*each {
		t.Fatalf("%d records stored, want %d", len(log), goroutines*each)
	}
	seen := map[string]bool{}
	for i, rec := range log {
		if seen[string(rec.Query)] {
			t.Fatalf("record %s stored twice", rec.Query)
		}
		seen[string(rec.Query)] = true
		if i > 0 && rec.ID >= log[i-1].ID {
			t.Fatalf("ids not decreasing newest first: %d after %d", rec.ID, log[i-1].ID)
		}
	}
	// A closed store fails every waiting caller instead of hanging.
	st.Close()
	var failed sync.WaitGroup
	for range 8 {
		failed.Go(func() {
			if err := st.Audit(context.Background(), AuditRecord{Action: "screen"}); err == nil {
				t.Error("audit on a closed store succeeded")
			}
		})
	}
	failed.Wait()
}
