package download

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Defaults for the zero values of Downloader's fields.
const (
	// DefaultMaxBytes bounds one file; OFAC's advanced XML is ~100 MB+.
	DefaultMaxBytes = 1 << 30
	DefaultRetries  = 3
	DefaultTimeout  = 5 * time.Minute
	DefaultBackoff  = 2 * time.Second
	// maxBackoff caps one wait between attempts.
	maxBackoff = time.Minute
)

// Errors Fetch wraps.
var (
	ErrTooLarge  = errors.New("file exceeds the size limit")
	ErrTruncated = errors.New("truncated download")
	ErrEmpty     = errors.New("empty download")
)

// StatusError is an HTTP response other than 200 or 304.
type StatusError struct {
	URL    string
	Status int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s: HTTP %d %s", e.URL, e.Status, http.StatusText(e.Status))
}

// Downloader fetches list files into an archive folder. The zero values of
// the numeric fields select the defaults above. A Downloader is safe for
// concurrent use; fetches are serialised (they share the state file).
type Downloader struct {
	// Client makes the requests; nil means a plain http.Client. Per-request
	// timeouts come from Timeout, not from the client.
	Client *http.Client
	// Dir is the archive: Dir/LIST/YYYYMMDDTHHMMSSZ-HASH12/NAME for every
	// version fetched, Dir/state.json for validators, Dir/tmp for partial
	// downloads.
	Dir string
	// MaxBytes bounds each file (0: DefaultMaxBytes).
	MaxBytes int64
	// Retries is how many times a failed request is retried after 5xx, 429,
	// timeouts and network errors (0: DefaultRetries; negative: none). 4xx
	// are not retried.
	Retries int
	// Timeout bounds one attempt, body included (0: DefaultTimeout).
	Timeout time.Duration
	// Backoff is the wait before the first retry, doubled each time with
	// jitter (0: DefaultBackoff).
	Backoff time.Duration
	// UserAgent is sent with every request ("" : "vigil-downloader/1").
	UserAgent string
	// Logf, when set, receives one line per request outcome.
	Logf func(format string, args ...any)

	mu sync.Mutex
}

// Result is the outcome of fetching one source.
type Result struct {
	List string
	// Files are the local copies, in the source's file order. With
	// NotModified they are the copies of the previous fetch.
	Files []string
	// NotModified is set when every file was unchanged (HTTP 304, or the
	// same bytes as the last copy).
	NotModified bool
	// Hash is the hex SHA-256 over the files' bytes, in order.
	Hash string
	// Dir is the snapshot folder holding Files.
	Dir     string
	Fetched time.Time
}

// fetched is the outcome for one file.
type fetched struct {
	notModified  bool   // 304, or the same bytes as the previous copy
	tmp          string // the downloaded temporary file, when not notModified
	sha          string
	size         int64
	etag, lastMd string
}

// Fetch downloads every file of src (conditionally, where a previous copy
// exists) and, when anything changed, stores the set as a new snapshot. It
// either succeeds for all files or leaves the archive and state as they were.
func (d *Downloader) Fetch(ctx context.Context, src Source) (Result, error) {
	res := Result{List: src.List}
	if err := src.Validate(); err != nil {
		return res, err
	}
	if d.Dir == "" {
		return res, errors.New("download: no archive folder (Downloader.Dir)")
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	tmpDir := filepath.Join(d.Dir, "tmp")
	if err := os.MkdirAll(tmpDir, 0o755); err != nil {
		return res, err
	}
	st, err := loadState(d.Dir)
	if err != nil {
		return res, err
	}
	got := make([]fetched, len(src.Files))
	defer func() {
		for _, g := range got {
			if g.tmp != "" {
				os.Remove(g.tmp) // leftovers of a failed fetch; renamed files are gone already
			}
		}
	}()
	for i, f := range src.Files {
		prev, have := st.URLs[f.URL]
		if have && !exists(filepath.Join(d.Dir, prev.Path)) {
			have = false // the copy was deleted: fetch unconditionally
		}
		g, err := d.fetchFile(ctx, tmpDir, f, prev, have)
		if err != nil {
			return res, fmt.Errorf("download %s %s: %w", src.List, f.Name, err)
		}
		if !g.notModified && have && g.sha == prev.SHA256 && g.size == prev.Size {
			os.Remove(g.tmp)
			g.tmp, g.notModified = "", true
		}
		got[i] = g
	}

	res.Fetched = time.Now().UTC()
	all := true
	paths := make([]string, len(src.Files))
	for i, f := range src.Files {
		if got[i].notModified {
			paths[i] = filepath.Join(d.Dir, st.URLs[f.URL].Path)
		} else {
			all = false
			paths[i] = got[i].tmp
		}
	}
	if res.Hash, err = hashFiles(paths); err != nil {
		return res, err
	}
	if all {
		for i, f := range src.Files {
			u := st.URLs[f.URL]
			u.ETag, u.LastModified = keep(got[i].etag, u.ETag), keep(got[i].lastMd, u.LastModified)
			st.URLs[f.URL] = u
		}
		res.NotModified, res.Files, res.Dir = true, paths, filepath.Dir(paths[0])
		return res, st.save(d.Dir)
	}

	snap := filepath.Join(d.Dir, src.List, res.Fetched.Format("20060102T150405Z")+"-"+res.Hash[:12])
	if err := os.MkdirAll(snap, 0o755); err != nil {
		return res, err
	}
	for i, f := range src.Files {
		dst := filepath.Join(snap, f.Name)
		if got[i].notModified {
			u := st.URLs[f.URL]
			if err := linkOrCopy(paths[i], dst); err != nil {
				return res, err
			}
			u.ETag, u.LastModified = keep(got[i].etag, u.ETag), keep(got[i].lastMd, u.LastModified)
			got[i].sha, got[i].size, got[i].etag, got[i].lastMd = u.SHA256, u.Size, u.ETag, u.LastModified
		} else {
			if err := os.Rename(got[i].tmp, dst); err != nil {
				return res, err
			}
			got[i].tmp = ""
		}
		paths[i] = dst
	}
	for i, f := range src.Files {
		rel, err := filepath.Rel(d.Dir, paths[i])
		if err != nil {
			return res, err
		}
		st.URLs[f.URL] = urlState{ETag: got[i].etag, LastModified: got[i].lastMd, SHA256: got[i].sha,
			Size: got[i].size, Path: rel, Fetched: res.Fetched}
	}
	if err := writeManifest(snap, src, st, res); err != nil {
		return res, err
	}
	if err := st.save(d.Dir); err != nil {
		return res, err
	}
	res.Files, res.Dir = paths, snap
	return res, nil
}

// ManifestName is the file in each snapshot folder recording where and when
// its files were fetched (a dot file, so that folder readers skip it).
const ManifestName = ".fetch.json"

// manifestFile is one file's provenance in a snapshot manifest.
type manifestFile struct {
	Name         string `json:"name"`
	URL          string `json:"url"`
	SHA256       string `json:"sha256"`
	Size         int64  `json:"size"`
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// writeManifest records the snapshot's provenance: list, fetch time, set
// hash and, per file, URL, SHA-256, size and HTTP validators.
func writeManifest(snap string, src Source, st *state, res Result) error {
	m := struct {
		List    string         `json:"list"`
		Format  string         `json:"format,omitempty"`
		Fetched time.Time      `json:"fetched"`
		SHA256  string         `json:"sha256"`
		Files   []manifestFile `json:"files"`
	}{List: src.List, Format: src.Format, Fetched: res.Fetched, SHA256: res.Hash}
	for _, f := range src.Files {
		u := st.URLs[f.URL]
		m.Files = append(m.Files, manifestFile{Name: f.Name, URL: f.URL, SHA256: u.SHA256, Size: u.Size, ETag: u.ETag, LastModified: u.LastModified})
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(snap, ManifestName), append(b, '\n'), 0o644)
}

// keep returns v, or old when v is empty.
func keep(v, old string) string {
	if v == "" {
		return old
	}
	return v
}

// retryable marks an error worth another attempt.
type retryable struct {
	err        error
	retryAfter time.Duration
}

func (r *retryable) Error() string { return r.err.Error() }
func (r *retryable) Unwrap() error { return r.err }

// fetchFile fetches one file with retries.
func (d *Downloader) fetchFile(ctx context.Context, tmpDir string, f File, prev urlState, have bool) (fetched, error) {
	retries := d.Retries
	switch {
	case retries == 0:
		retries = DefaultRetries
	case retries < 0:
		retries = 0
	}
	backoff := d.Backoff
	if backoff <= 0 {
		backoff = DefaultBackoff
	}
	var last error
	for attempt := 0; attempt <= retries; attempt++ {
		if attempt > 0 {
			wait := min(backoff<<(attempt-1), maxBackoff)
			wait += rand.N(wait/2 + 1) // jitter, so that many clients do not retry in step
			var ra *retryable
			if errors.As(last, &ra) && ra.retryAfter > wait {
				wait = min(ra.retryAfter, maxBackoff)
			}
			d.logf("%s: %v; retrying in %v", f.URL, last, wait.Round(time.Millisecond))
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return fetched{}, ctx.Err()
			case <-t.C:
			}
		}
		g, err := d.try(ctx, tmpDir, f, prev, have)
		if err == nil {
			if g.notModified {
				d.logf("%s: not modified", f.URL)
			} else {
				d.logf("%s: %d bytes, sha256 %s", f.URL, g.size, g.sha[:12])
			}
			return g, nil
		}
		if ctx.Err() != nil {
			return fetched{}, ctx.Err()
		}
		var ra *retryable
		if !errors.As(err, &ra) {
			return fetched{}, err
		}
		last = err
	}
	return fetched{}, fmt.Errorf("giving up after %d attempts: %w", retries+1, last)
}

// try makes one attempt.
func (d *Downloader) try(ctx context.Context, tmpDir string, f File, prev urlState, have bool) (fetched, error) {
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return fetched{}, err
	}
	req.Header.Set("User-Agent", keep(d.UserAgent, "vigil-downloader/1"))
	if have {
		if prev.ETag != "" {
			req.Header.Set("If-None-Match", prev.ETag)
		}
		if prev.LastModified != "" {
			// The server's own string back, as RFC 9110 recommends.
			req.Header.Set("If-Modified-Since", prev.LastModified)
		}
	}
	client := d.Client
	if client == nil {
		client = &http.Client{}
	}
	resp, err := client.Do(req)
	if err != nil {
		// A host name that does not resolve will not resolve a few seconds
		// later either (offline, or a wrong URL): fail at once.
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return fetched{}, err
		}
		return fetched{}, &retryable{err: err}
	}
	defer resp.Body.Close()
	g := fetched{etag: resp.Header.Get("ETag"), lastMd: resp.Header.Get("Last-Modified")}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		if !have {
			return fetched{}, fmt.Errorf("%s: HTTP 304 but no copy was asked about", f.URL)
		}
		g.notModified = true
		return g, nil
	case resp.StatusCode == http.StatusOK:
	case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
		return fetched{}, &retryable{err: &StatusError{URL: f.URL, Status: resp.StatusCode}, retryAfter: retryAfter(resp)}
	default:
		return fetched{}, &StatusError{URL: f.URL, Status: resp.StatusCode}
	}

	limit := d.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	if resp.ContentLength > limit {
		return fetched{}, fmt.Errorf("%s: Content-Length %d > %d: %w", f.URL, resp.ContentLength, limit, ErrTooLarge)
	}
	tmp, err := os.CreateTemp(tmpDir, f.Name+".*.part")
	if err != nil {
		return fetched{}, err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(resp.Body, limit+1))
	switch {
	case n > limit:
		return fetched{}, fmt.Errorf("%s: more than %d bytes: %w", f.URL, limit, ErrTooLarge)
	case err != nil:
		// A cut connection, a body shorter than Content-Length
		// (io.ErrUnexpectedEOF from net/http) or the attempt's timeout.
		return fetched{}, &retryable{err: fmt.Errorf("%s: after %d bytes: %w: %w", f.URL, n, ErrTruncated, err)}
	case resp.ContentLength >= 0 && n != resp.ContentLength:
		return fetched{}, &retryable{err: fmt.Errorf("%s: %d of %d bytes: %w", f.URL, n, resp.ContentLength, ErrTruncated)}
	case n == 0:
		return fetched{}, fmt.Errorf("%s: %w", f.URL, ErrEmpty)
	}
	if err := tmp.Sync(); err != nil {
		return fetched{}, err
	}
	if err := tmp.Close(); err != nil {
		return fetched{}, err
	}
	ok = true
	g.tmp, g.size, g.sha = tmp.Name(), n, hex.EncodeToString(h.Sum(nil))
	return g, nil
}

// retryAfter reads a Retry-After header given in seconds (0 otherwise).
func retryAfter(resp *http.Response) time.Duration {
	s, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if err != nil || s < 0 {
		return 0
	}
	return time.Duration(s) * time.Second
}

func (d *Downloader) logf(format string, args ...any) {
	if d.Logf != nil {
		d.Logf(format, args...)
	}
}

// hashFiles returns the hex SHA-256 over the files' bytes, in order.
func hashFiles(paths []string) (string, error) {
	h := sha256.New()
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// linkOrCopy puts the bytes of src at dst: a hard link where the file
// system allows, a copy otherwise.
func linkOrCopy(src, dst string) error {
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
