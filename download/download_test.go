package download

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// file is what the test server holds at one path.
type file struct {
	body         string
	etag         string
	lastModified string
	// fail answers the first fail requests with failStatus (default 503).
	fail       int
	failStatus int
	// cut sends a Content-Length of the full body but only half of it, then
	// closes the connection, on every request.
	cut bool
	// sleep delays the first sleepN responses.
	sleep  time.Duration
	sleepN int
	// chunked sends the body in flushed pieces, without a Content-Length.
	chunked bool
	// ignoreValidators answers 200 even when the client's copy is current.
	ignoreValidators bool
}

// server is an httptest server with per-path files and request logs.
type server struct {
	*httptest.Server
	mu    sync.Mutex
	files map[string]*file
	hits  map[string]int
	// conditional records the validators each request carried.
	conditional map[string][]string
}

func newServer(t *testing.T) *server {
	s := &server{files: map[string]*file{}, hits: map[string]int{}, conditional: map[string][]string{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *server) set(path string, f *file) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.files[path] = f
}

func (s *server) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.files[r.URL.Path]
	s.hits[r.URL.Path]++
	n := s.hits[r.URL.Path]
	s.conditional[r.URL.Path] = append(s.conditional[r.URL.Path], r.Header.Get("If-None-Match")+"|"+r.Header.Get("If-Modified-Since"))
	s.mu.Unlock()
	if f == nil {
		http.NotFound(w, r)
		return
	}
	if n <= f.sleepN {
		select {
		case <-time.After(f.sleep):
		case <-r.Context().Done():
			return
		}
	}
	if n <= f.fail {
		st := f.failStatus
		if st == 0 {
			st = http.StatusServiceUnavailable
		}
		http.Error(w, "try later", st)
		return
	}
	if f.etag != "" {
		w.Header().Set("ETag", f.etag)
	}
	if f.lastModified != "" {
		w.Header().Set("Last-Modified", f.lastModified)
	}
	if !f.ignoreValidators {
		if inm := r.Header.Get("If-None-Match"); inm != "" && inm == f.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if ims := r.Header.Get("If-Modified-Since"); ims != "" && f.etag == "" && ims == f.lastModified {
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	if f.cut {
		w.Header().Set("Content-Length", strconv.Itoa(len(f.body)))
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(f.body[:len(f.body)/2]))
		w.(http.Flusher).Flush()
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	if f.chunked {
		for b := []byte(f.body); len(b) > 0; b = b[min(100, len(b)):] {
			w.Write(b[:min(100, len(b))])
			w.(http.Flusher).Flush()
		}
		return
	}
	w.Write([]byte(f.body))
}

func newDownloader(t *testing.T) *Downloader {
	return &Downloader{Dir: t.TempDir(), Backoff: time.Millisecond, Timeout: 2 * time.Second, Retries: 2}
}

func src(s *server, list string, names ...string) Source {
	out := Source{List: list}
	for _, n := range names {
		out.Files = append(out.Files, File{Name: n, URL: s.URL + "/" + list + "/" + n})
	}
	return out
}

func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// snapshots lists the snapshot folders of a list.
func snapshots(t *testing.T, d *Downloader, list string) []string {
	t.Helper()
	es, _ := os.ReadDir(filepath.Join(d.Dir, list))
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestFetchETagRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	s.set("/un/consolidated.xml", &file{body: "<CONSOLIDATED_LIST/>v1", etag: `"v1"`})
	d := newDownloader(t)
	src := src(s, "un", "consolidated.xml")

	r1, err := d.Fetch(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if r1.NotModified || len(r1.Files) != 1 || read(t, r1.Files[0]) != "<CONSOLIDATED_LIST/>v1" || r1.Hash != sha("<CONSOLIDATED_LIST/>v1") {
		t.Fatalf("first fetch = %+v", r1)
	}
	if base := filepath.Base(r1.Dir); !strings.HasSuffix(base, "-"+r1.Hash[:12]) || filepath.Base(r1.Files[0]) != "consolidated.xml" {
		t.Errorf("snapshot naming: %s", r1.Files[0])
	}

	r2, err := d.Fetch(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if !r2.NotModified || r2.Files[0] != r1.Files[0] || r2.Hash != r1.Hash {
		t.Errorf("second fetch = %+v, want not modified", r2)
	}
	if got := s.conditional["/un/consolidated.xml"]; len(got) != 2 || got[0] != "|" || got[1] != `"v1"|` {
		t.Errorf("validators sent = %q", got)
	}

	// A new publication: a new snapshot, the old one kept byte for byte.
	s.set("/un/consolidated.xml", &file{body: "<CONSOLIDATED_LIST/>v2", etag: `"v2"`})
	r3, err := d.Fetch(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if r3.NotModified || r3.Dir == r1.Dir || read(t, r3.Files[0]) != "<CONSOLIDATED_LIST/>v2" {
		t.Errorf("third fetch = %+v", r3)
	}
	if read(t, r1.Files[0]) != "<CONSOLIDATED_LIST/>v1" {
		t.Error("old snapshot changed")
	}
	if n := len(snapshots(t, d, "un")); n != 2 {
		t.Errorf("%d snapshots, want 2", n)
	}

	// State survives a new Downloader on the same folder.
	d2 := &Downloader{Dir: d.Dir}
	r4, err := d2.Fetch(ctx, src)
	if err != nil || !r4.NotModified || r4.Files[0] != r3.Files[0] {
		t.Errorf("fresh downloader: %+v, %v", r4, err)
	}
}

func TestFetchLastModified(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	lm := "Wed, 25 Feb 2026 10:00:00 GMT"
	s.set("/uk/UK.xml", &file{body: "uk", lastModified: lm})
	d := newDownloader(t)
	src := src(s, "uk", "UK.xml")
	if _, err := d.Fetch(ctx, src); err != nil {
		t.Fatal(err)
	}
	r, err := d.Fetch(ctx, src)
	if err != nil || !r.NotModified {
		t.Fatalf("second fetch %+v, %v", r, err)
	}
	if got := s.conditional["/uk/UK.xml"][1]; got != "|"+lm {
		t.Errorf("If-Modified-Since = %q", got)
	}
}

func TestFetchSameBytesIsNotModified(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	s.set("/l/a.csv", &file{body: "a,b\n", etag: `"x"`, ignoreValidators: true})
	d := newDownloader(t)
	r1, _ := d.Fetch(ctx, src(s, "l", "a.csv"))
	r2, err := d.Fetch(ctx, src(s, "l", "a.csv"))
	if err != nil || !r2.NotModified || r2.Files[0] != r1.Files[0] {
		t.Errorf("same bytes: %+v, %v", r2, err)
	}
	if n := len(snapshots(t, d, "l")); n != 1 {
		t.Errorf("%d snapshots, want 1", n)
	}
	if left, _ := os.ReadDir(filepath.Join(d.Dir, "tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestFetchFileSet(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	names := []string{"SDN.CSV", "ADD.CSV", "ALT.CSV", "SDN_COMMENTS.CSV"}
	for _, n := range names {
		s.set("/ofac_sdn/"+n, &file{body: n + " v1\n", etag: `"` + n + `1"`})
	}
	d := newDownloader(t)
	src := src(s, "ofac_sdn", names...)
	r1, err := d.Fetch(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	s.set("/ofac_sdn/ALT.CSV", &file{body: "ALT.CSV v2\n", etag: `"ALT2"`})
	r2, err := d.Fetch(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	if r2.NotModified || r2.Dir == r1.Dir || len(r2.Files) != 4 {
		t.Fatalf("r2 = %+v", r2)
	}
	var all string
	for i, n := range names {
		if filepath.Base(r2.Files[i]) != n || filepath.Dir(r2.Files[i]) != r2.Dir {
			t.Errorf("file %d = %s", i, r2.Files[i])
		}
		want := n + " v1\n"
		if n == "ALT.CSV" {
			want = "ALT.CSV v2\n"
		}
		if got := read(t, r2.Files[i]); got != want {
			t.Errorf("%s = %q, want %q", n, got, want)
		}
		all += want
	}
	if r2.Hash != sha(all) {
		t.Error("set hash is not SHA-256 over the files in order")
	}
	var man struct {
		List   string
		SHA256 string
		Files  []manifestFile
	}
	if err := json.Unmarshal([]byte(read(t, filepath.Join(r2.Dir, ManifestName))), &man); err != nil {
		t.Fatal(err)
	}
	if man.List != "ofac_sdn" || man.SHA256 != r2.Hash || len(man.Files) != 4 ||
		man.Files[2].SHA256 != sha("ALT.CSV v2\n") || man.Files[2].ETag != `"ALT2"` || man.Files[0].ETag != `"SDN.CSV1"` || man.Files[0].Size != int64(len("SDN.CSV v1\n")) {
		t.Errorf("manifest = %+v", man)
	}
	if s.count("/ofac_sdn/SDN.CSV") != 2 || s.conditional["/ofac_sdn/SDN.CSV"][1] != `"SDN.CSV1"|` {
		t.Errorf("SDN.CSV requests: %v", s.conditional["/ofac_sdn/SDN.CSV"])
	}
}

func TestFetchRetries5xxThenSuccess(t *testing.T) {
	s := newServer(t)
	s.set("/l/f", &file{body: "ok", fail: 2})
	d := newDownloader(t)
	var logs []string
	d.Logf = func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }
	r, err := d.Fetch(context.Background(), src(s, "l", "f"))
	if err != nil || read(t, r.Files[0]) != "ok" {
		t.Fatalf("%+v, %v", r, err)
	}
	if n := s.count("/l/f"); n != 3 {
		t.Errorf("requests = %d, want 3", n)
	}
	if len(logs) != 3 || !strings.Contains(logs[0], "503") {
		t.Errorf("logs = %q", logs)
	}
}

func TestFetchPersistent5xx(t *testing.T) {
	s := newServer(t)
	s.set("/l/f", &file{body: "never", fail: 1000, failStatus: 502})
	d := newDownloader(t)
	_, err := d.Fetch(context.Background(), src(s, "l", "f"))
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 502 || !strings.Contains(err.Error(), "3 attempts") {
		t.Fatalf("err = %v", err)
	}
	if n := s.count("/l/f"); n != 3 {
		t.Errorf("requests = %d, want 3 (1 + Retries)", n)
	}
	if n := len(snapshots(t, d, "l")); n != 0 {
		t.Errorf("snapshots after failure: %d", n)
	}
	if exists(filepath.Join(d.Dir, stateFile)) {
		t.Error("state written after failure")
	}
}

func TestFetch4xxNotRetried(t *testing.T) {
	for _, st := range []int{http.StatusNotFound, http.StatusForbidden} {
		s := newServer(t)
		s.set("/l/f", &file{fail: 1000, failStatus: st})
		d := newDownloader(t)
		_, err := d.Fetch(context.Background(), src(s, "l", "f"))
		var se *StatusError
		if !errors.As(err, &se) || se.Status != st {
			t.Errorf("%d: err = %v", st, err)
		}
		if n := s.count("/l/f"); n != 1 {
			t.Errorf("%d: requests = %d, want 1", st, n)
		}
	}
}

func TestFetchSizeLimit(t *testing.T) {
	s := newServer(t)
	s.set("/l/big", &file{body: strings.Repeat("x", 5000)})
	// A chunked response states no length: the limit applies while reading.
	s.set("/l/chunked", &file{body: strings.Repeat("y", 5000), chunked: true})
	d := newDownloader(t)
	d.MaxBytes = 1000
	for _, name := range []string{"big", "chunked"} {
		_, err := d.Fetch(context.Background(), src(s, "l", name))
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: err = %v, want ErrTooLarge", name, err)
		}
		if n := s.count("/l/" + name); n != 1 {
			t.Errorf("%s: requests = %d, want 1 (no retry)", name, n)
		}
	}
	if left, _ := os.ReadDir(filepath.Join(d.Dir, "tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	d.MaxBytes = 5000 // exactly the size is allowed
	if _, err := d.Fetch(context.Background(), src(s, "l", "big")); err != nil {
		t.Errorf("at the limit: %v", err)
	}
}

func TestFetchTruncated(t *testing.T) {
	s := newServer(t)
	s.set("/l/cut", &file{body: strings.Repeat("z", 4000), cut: true})
	d := newDownloader(t)
	_, err := d.Fetch(context.Background(), src(s, "l", "cut"))
	if !errors.Is(err, ErrTruncated) {
		t.Fatalf("err = %v, want ErrTruncated", err)
	}
	if n := s.count("/l/cut"); n != 3 {
		t.Errorf("requests = %d, want 3 (retried)", n)
	}
	if left, _ := os.ReadDir(filepath.Join(d.Dir, "tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if n := len(snapshots(t, d, "l")); n != 0 {
		t.Errorf("a truncated file was kept")
	}
}

func TestFetchEmpty(t *testing.T) {
	s := newServer(t)
	s.set("/l/e", &file{body: ""})
	d := newDownloader(t)
	if _, err := d.Fetch(context.Background(), src(s, "l", "e")); !errors.Is(err, ErrEmpty) {
		t.Errorf("err = %v, want ErrEmpty", err)
	}
}

func TestFetchTimeout(t *testing.T) {
	s := newServer(t)
	s.set("/l/slow", &file{body: "late", sleep: time.Second, sleepN: 1000})
	s.set("/l/once", &file{body: "second try", sleep: time.Second, sleepN: 1})
	d := newDownloader(t)
	d.Timeout = 50 * time.Millisecond
	start := time.Now()
	_, err := d.Fetch(context.Background(), src(s, "l", "slow"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want a deadline error", err)
	}
	if n := s.count("/l/slow"); n != 3 {
		t.Errorf("requests = %d, want 3", n)
	}
	if el := time.Since(start); el > 900*time.Millisecond {
		t.Errorf("took %v: the per-request timeout did not apply", el)
	}
	r, err := d.Fetch(context.Background(), src(s, "l", "once"))
	if err != nil || read(t, r.Files[0]) != "second try" {
		t.Errorf("retry after timeout: %+v, %v", r, err)
	}
}

func TestFetchCancelledDuringBackoff(t *testing.T) {
	s := newServer(t)
	s.set("/l/f", &file{fail: 1000})
	d := newDownloader(t)
	d.Backoff = time.Hour
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := d.Fetch(ctx, src(s, "l", "f")); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
}

func TestFailedSetKeepsPrevious(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	s.set("/o/A", &file{body: "a1", etag: `"a1"`})
	s.set("/o/B", &file{body: "b1", etag: `"b1"`})
	d := newDownloader(t)
	src := src(s, "o", "A", "B")
	r1, err := d.Fetch(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	stateBefore := read(t, filepath.Join(d.Dir, stateFile))
	s.set("/o/A", &file{body: "a2", etag: `"a2"`})
	s.set("/o/B", &file{fail: 1000, failStatus: 500})
	if _, err := d.Fetch(ctx, src); err == nil {
		t.Fatal("fetch with a failing file succeeded")
	}
	if got := read(t, filepath.Join(d.Dir, stateFile)); got != stateBefore {
		t.Error("state changed by a failed fetch")
	}
	if n := len(snapshots(t, d, "o")); n != 1 || read(t, r1.Files[0]) != "a1" {
		t.Errorf("archive changed by a failed fetch: %d snapshots", n)
	}
	if left, _ := os.ReadDir(filepath.Join(d.Dir, "tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	// Once B is back, A's new version is fetched (its validator was not saved).
	s.set("/o/B", &file{body: "b1", etag: `"b1"`})
	r3, err := d.Fetch(ctx, src)
	if err != nil || r3.NotModified || read(t, r3.Files[0]) != "a2" || read(t, r3.Files[1]) != "b1" {
		t.Errorf("after recovery: %+v, %v", r3, err)
	}
}

func TestFetchDeletedCopyRefetches(t *testing.T) {
	ctx := context.Background()
	s := newServer(t)
	s.set("/l/f", &file{body: "data", etag: `"e"`})
	d := newDownloader(t)
	r1, _ := d.Fetch(ctx, src(s, "l", "f"))
	os.RemoveAll(r1.Dir)
	r2, err := d.Fetch(ctx, src(s, "l", "f"))
	if err != nil || r2.NotModified || read(t, r2.Files[0]) != "data" {
		t.Errorf("%+v, %v", r2, err)
	}
	if got := s.conditional["/l/f"][1]; got != "|" {
		t.Errorf("validators sent for a deleted copy: %q", got)
	}
}

func TestConcurrentFetches(t *testing.T) {
	s := newServer(t)
	d := newDownloader(t)
	var ok atomic.Int32
	var wg sync.WaitGroup
	for i := range 4 {
		list := fmt.Sprintf("l%d", i)
		s.set("/"+list+"/f", &file{body: list, etag: `"` + list + `"`})
		wg.Go(func() {
			if _, err := d.Fetch(context.Background(), src(s, list, "f")); err == nil {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	st, err := loadState(d.Dir)
	if ok.Load() != 4 || err != nil || len(st.URLs) != 4 {
		t.Errorf("ok = %d, state %d URLs, %v", ok.Load(), len(st.URLs), err)
	}
}

// TestUnknownHostNotRetried: a host name that does not resolve fails at once
// instead of waiting through every retry. The dialer reports the lookup
// failure itself, so no query leaves the machine.
func TestUnknownHostNotRetried(t *testing.T) {
	var dials atomic.Int32
	client := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return nil, &net.DNSError{Err: "no such host", Name: "lists.example", IsNotFound: true}
		},
	}}
	d := &Downloader{Client: client, Dir: t.TempDir(), Retries: 3, Backoff: time.Hour}
	src := Source{List: "un", Files: []File{{Name: "consolidated.xml", URL: "http://lists.example/consolidated.xml"}}}
	_, err := d.Fetch(context.Background(), src)
	var dnsErr *net.DNSError
	if !errors.As(err, &dnsErr) {
		t.Fatalf("err = %v, want a DNS error", err)
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d attempts, want 1", n)
	}
}
