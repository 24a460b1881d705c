package http

import (
	"context"
	"net/http/httptest"
	"os"
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
func benchLoad(b *testing.B, clients int) {
	s := newRealServer(b, Options{RateLimit: -1})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	for b.Loop() {
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
		b.ReportMetric(float64(res.P50.Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(res.P99.Microseconds())/1000, "p99-ms")
	}
}

func BenchmarkLoad1(b *testing.B)  { benchLoad(b, 1) }
func BenchmarkLoad64(b *testing.B) { benchLoad(b, 64) }

func TestLoadTestRefusesRemote(t *testing.T) {
	_, err := LoadTest(context.Background(), LoadOptions{URL: "http://192.0.2.1/v1/screen", Duration: time.Second})
	if err == nil {
		t.Fatal("a non-loopback URL was accepted")
	}
}
