package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	vigil "github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/codec"
	"github.com/vigil-screening/vigil/internal/storetest"
)

// cpuTime is the process's user+system CPU time: a figure that, unlike wall
// time, holds on a busy shared machine.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports CPU milliseconds per operation since start.
func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64(cpuTime()-start)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// BenchmarkImport15k imports a first version of 15,000 entities into an
// empty store.
func BenchmarkImport15k(b *testing.B) {
	es := storetest.SynthList("t", 15000)
	ctx := context.Background()
	cpu := cpuTime()
	defer reportCPU(b, cpu)
	for b.Loop() {
		b.StopTimer()
		s, _ := openTemp(b)
		b.StartTimer()
		if _, err := s.Import(ctx, lv("t", "h1"), es); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}

// BenchmarkImport15kUpdate imports a new version of a 15,000-entity list
// with 50 changed, 10 added and 10 removed entities: the common update.
func BenchmarkImport15kUpdate(b *testing.B) {
	ctx := context.Background()
	s, _ := openTemp(b)
	es := storetest.SynthList("t", 15000)
	if _, err := s.Import(ctx, lv("t", "h0"), es); err != nil {
		b.Fatal(err)
	}
	n := 0
	cpu := cpuTime()
	defer reportCPU(b, cpu)
	for b.Loop() {
		n++
		next := es[10:]
		for i := range 50 {
			next[(n*50+i)%len(next)].Remarks = fmt.Sprintf("v%d", n)
		}
		for i := range 10 {
			next = append(next, storetest.Synth("t", 100000+n*10+i))
		}
		es = next
		v, err := s.Import(ctx, lv("t", fmt.Sprintf("h%d", n)), es)
		if err != nil {
			b.Fatal(err)
		}
		if v.Added != 10 || v.Removed != 10 {
			b.Fatalf("diff = %+v", v)
		}
	}
}

// BenchmarkCurrentEntities loads 60,000 current entities (4 lists of
// 15,000), stored as plain JSON and as DEFLATE; it reports the file size.
func BenchmarkCurrentEntities(b *testing.B) {
	for _, compress := range []bool{false, true} {
		b.Run(fmt.Sprintf("deflate=%v", compress), func(b *testing.B) {
			codec.Compress = compress
			defer func() { codec.Compress = false }()
			ctx := context.Background()
			s, path := openTemp(b)
			for l := range 4 {
				list := fmt.Sprintf("l%d", l)
				if _, err := s.Import(ctx, lv(list, "h"), storetest.SynthList(list, 15000)); err != nil {
					b.Fatal(err)
				}
			}
			s.db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
			st, _ := os.Stat(path)
			cpu := cpuTime()
			for b.Loop() {
				es, err := s.CurrentEntities(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if len(es) != 60000 {
					b.Fatalf("%d entries", len(es))
				}
			}
			reportCPU(b, cpu)
			b.ReportMetric(float64(st.Size())/(1<<20), "MB-file")
		})
	}
}

// BenchmarkAppendAudit appends screening-sized records from 64 goroutines
// at once, as 64 clients of the service would: the writer groups them.
func BenchmarkAppendAudit(b *testing.B) {
	s, _ := openTemp(b)
	q := json.RawMessage(`{"queries":[{"name":"Qasem Soleimani","dob":"1957-03-11"}]}`)
	r := json.RawMessage(`{"lists":["au@1","ca@1","eu@1","ofac_cons@3","ofac_sdn@3","uk@3","uk_fcdo@1","un@1","us_csl@1"],"hits":[[{"entity_id":"un:IRi.039","score":1},{"entity_id":"ofac:10481","score":1}]]}`)
	b.SetParallelism(64 / max(1, runtime.GOMAXPROCS(0)))
	cpu := cpuTime()
	defer reportCPU(b, cpu)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.AppendAudit(context.Background(), vigil.AuditRecord{Who: "key:key_0123456789abcdef", Action: "screen", Query: q, Result: r}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
