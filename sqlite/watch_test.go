package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/storetest"
)

// BenchmarkAlertQueue measures one page of 50 alerts of a queue of 100,000
// (server time: the store's part of GET /v1/alerts): the default queue
// (open and reopened, oldest first), a set's travel bans, and the page
// after 40 others.
func BenchmarkAlertQueue(b *testing.B) {
	s, _ := openTemp(b)
	storetest.FillAlerts(b, s, 100000)
	ctx := context.Background()
	open := []vigil.AlertState{vigil.AlertOpen, vigil.AlertReopened}
	deep := vigil.AlertFilter{States: open}
	for range 40 {
		p, err := s.Alerts(ctx, deep)
		if err != nil {
			b.Fatal(err)
		}
		deep.After = p.Next
	}
	for _, c := range []struct {
		name string
		f    vigil.AlertFilter
	}{
		{"open", vigil.AlertFilter{States: open}},
		{"all-states", vigil.AlertFilter{}},
		{"set-travel-ban", vigil.AlertFilter{Set: "travellers", Measure: vigil.MeasureTravelBan, States: open}},
		{"by-score", vigil.AlertFilter{States: open, Sort: "-score"}},
		{"page-41", deep},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				p, err := s.Alerts(ctx, c.f)
				if err != nil || len(p.Alerts) != 50 {
					b.Fatalf("%d alerts, %v", len(p.Alerts), err)
				}
			}
		})
	}
}

// BenchmarkPutSubjects measures storing a block of 65,536 subjects in one
// transaction, as an import does; ns/op is per subject.
func BenchmarkPutSubjects(b *testing.B) {
	s, _ := openTemp(b)
	ctx := context.Background()
	subs := make([]vigil.Subject, 65536)
	for i := range subs {
		subs[i] = vigil.Subject{Set: "customers", ID: fmt.Sprintf("c%07d", i), Name: fmt.Sprintf("Given Middle Family %d", i), DOB: "1970-01-01",
			Nationality: "GB", Labels: map[string]string{"branch": "x"}, Created: time.Now(), Updated: time.Now()}
	}
	for _, many := range []bool{false, true} {
		b.Run(map[bool]string{false: "one-by-one", true: "many"}[many], func(b *testing.B) {
			base := 0
			for n := 0; n < b.N; {
				err := s.Update(ctx, func(tx vigil.WatchTx) error {
					var block []*vigil.StoredSubject
					for i := 0; i < len(subs) && n < b.N; i++ {
						subs[i].ID = fmt.Sprintf("c%09d", base+n)
						st := &vigil.StoredSubject{Subject: subs[i], Fingerprint: "0123456789abcdef0123456789abcdef", LabelsHash: "fedcba9876543210fedcba9876543210"}
						if many {
							block = append(block, st)
						} else if _, err := tx.PutSubject(&st.Subject, st.Fingerprint, st.LabelsHash); err != nil {
							return err
						}
						n++
					}
					return tx.PutSubjects(block)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			base += 1 << 30
		})
	}
}
