package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
)

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
