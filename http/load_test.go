package http

import (
	"context"
	"net/http/httptest"
	"os"
	"syscall"
	"testing"
	"time"
)

// loadDuration is how long each load benchmark drives the server: 5 s, or
// $VIGIL_LOAD_DURATION (the README's figures use 60s).
func loadDuration(b *testing.B) time.Duration {
	if v := os.Getenv("VIGIL_LOAD_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			b.Fatalf("VIGIL_LOAD_DURATION: %v", err)
		}
		return d
	}
	return 5 * time.Second
}

// benchLoad runs LoadTest against a loopback server over the real lists and
// matcher, and reports req/s and latency percentiles. Run it once:
//
//	go test ./http -run '^$' -bench Load -benchtime 1x
func benchLoad(b *testing.B, clients int) { benchLoadWith(b, clients, Options{}) }

func benchLoadWith(b *testing.B, clients int, opts Options) {
	opts.RateLimit = -1
	s := newRealServer(b, opts)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	for b.Loop() {
		cpu := processCPU()
		res, err := LoadTest(context.Background(), LoadOptions{
			URL: ts.URL + "/v1/screen", Body: []byte(`{"name":"Qasem Soleimani"}`),
			Clients: clients, Duration: loadDuration(b),
		})
		if err != nil {
			b.Fatal(err)
		}
		if res.Errors != 0 || res.Requests == 0 {
			b.Fatalf("load test: %v", res)
		}
		b.Log(res)
		b.ReportMetric(res.PerSecond, "req/s")
		// CPU per request (server and clients): a figure that holds on a
		// busy shared machine, where req/s swings with the others' load.
		b.ReportMetric(float64((processCPU()-cpu).Microseconds())/float64(res.Requests), "cpu-us/req")
		b.ReportMetric(float64(res.P50.Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(res.P99.Microseconds())/1000, "p99-ms")
	}
}

// processCPU is the process's user and system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkLoad1(b *testing.B)  { benchLoad(b, 1) }
func BenchmarkLoad64(b *testing.B) { benchLoad(b, 64) }

// BenchmarkLoad64Audit drives /v1/screen at 64 clients with the audit log
// off and on (a hash chain in a SQLite file); alternate them with -count:
//
//	go test ./http -run '^$' -bench Load64Audit -benchtime 1x -count 3
func BenchmarkLoad64Audit(b *testing.B) {
	b.Run("off", func(b *testing.B) { benchLoadWith(b, 64, Options{}) })
	b.Run("chain", func(b *testing.B) { benchLoadWith(b, 64, Options{Audit: auditStore(b)}) })
}

func TestLoadTestRefusesRemote(t *testing.T) {
	_, err := LoadTest(context.Background(), LoadOptions{URL: "http://192.0.2.1/v1/screen", Duration: time.Second})
	if err == nil {
		t.Fatal("a non-loopback URL was accepted")
	}
}
