package http

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// LoadOptions configure LoadTest.
type LoadOptions struct {
	// URL is the endpoint to POST Body to; it must be on a loopback address.
	URL  string
	Body []byte
	Key  string // sent as a bearer token when set
	// Clients run concurrently, each sending its next request when the last
	// is answered; Duration bounds the run (at most 10 minutes).
	Clients  int
	Duration time.Duration
}

// LoadResult summarises a load test.
type LoadResult struct {
	Clients          int
	Requests, Errors int
	Elapsed          time.Duration
	PerSecond        float64
	P50, P99, Max    time.Duration
	// FirstError describes the first failed request, if any.
	FirstError string
}

func (r LoadResult) String() string {
	s := fmt.Sprintf("%d clients, %s: %d requests, %d errors, %.0f req/s, p50 %s, p99 %s, max %s",
		r.Clients, r.Elapsed.Round(time.Millisecond), r.Requests, r.Errors, r.PerSecond,
		r.P50.Round(time.Microsecond), r.P99.Round(time.Microsecond), r.Max.Round(time.Microsecond))
	if r.FirstError != "" {
		s += "; first error: " + r.FirstError
	}
	return s
}

// LoadTest drives a server with closed-loop clients and reports throughput
// and latency. It refuses non-loopback URLs: it is for measuring this
// machine, not for loading anyone else's. (A small generator is written here
// rather than depending on wrk or vegeta so that the test runs anywhere Go
// does.)
func LoadTest(ctx context.Context, o LoadOptions) (LoadResult, error) {
	u, err := url.Parse(o.URL)
	if err != nil {
		return LoadResult{}, fmt.Errorf("load test URL: %w", err)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return LoadResult{}, errors.New("the load test only targets loopback addresses (127.0.0.1, ::1, localhost)")
	}
	if o.Clients < 1 {
		o.Clients = 1
	}
	if o.Duration <= 0 || o.Duration > 10*time.Minute {
		return LoadResult{}, errors.New("the load test duration must be between 0 and 10 minutes")
	}
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()

	lat := make([][]time.Duration, o.Clients)
	errs := make([]int, o.Clients)
	var firstErr string
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for c := range o.Clients {
		wg.Go(func() {
			// A context per client: requests sharing one parent context
			// contend on its lock, and the generator would be measured
			// rather than the server.
			cctx, ccancel := context.WithCancel(ctx)
			defer ccancel()
			// A transport per client too, each with its one keep-alive
			// connection, as separate clients would have: a shared
			// transport serialises requests on its own lock.
			tr := &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
			for cctx.Err() == nil {
				req, _ := http.NewRequestWithContext(cctx, "POST", o.URL, bytes.NewReader(o.Body))
				req.Header.Set("Content-Type", "application/json")
				if o.Key != "" {
					req.Header.Set("Authorization", "Bearer "+o.Key)
				}
				t0 := time.Now()
				res, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if err == nil && res.StatusCode != http.StatusOK {
						err = fmt.Errorf("HTTP %d", res.StatusCode)
					}
				}
				if cctx.Err() != nil {
					return // the run ended mid-request: not an error
				}
				if err != nil {
					errs[c]++
					once.Do(func() { firstErr = err.Error() })
					continue
				}
				lat[c] = append(lat[c], time.Since(t0))
			}
		})
	}
	wg.Wait()
	r := LoadResult{Clients: o.Clients, Elapsed: time.Since(start), FirstError: firstErr}
	all := slices.Concat(lat...)
	slices.Sort(all)
	for _, e := range errs {
		r.Errors += e
	}
	r.Requests = len(all) + r.Errors
	r.PerSecond = float64(len(all)) / r.Elapsed.Seconds()
	if n := len(all); n > 0 {
		r.P50, r.P99, r.Max = all[n/2], all[min(n-1, n*99/100)], all[n-1]
	}
	return r, nil
}
