package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vigil-screening/vigil/internal/pgtest"
)

// replica is a vigil serve subprocess sharing a PostgreSQL store, with its
// log kept whole (read while it runs, so that it never blocks on stderr).
type replica struct {
	name string
	cmd  *exec.Cmd
	addr string
	mu   sync.Mutex
	log  []string
	done chan struct{}
}

func startReplica(t *testing.T, bin, name string, args ...string) *replica {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--replica", name, "--rate", "-1"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &replica{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			r.mu.Lock()
			r.log = append(r.log, sc.Text())
			r.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-r.done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
			}
			cmd.Wait()
		}
		if t.Failed() {
			t.Logf("log of %s:\n%s", name, strings.Join(r.lines(), "\n"))
		}
	})
	m := r.wait(t, regexp.MustCompile(`msg=listening addr=(http://\S+)`), time.Minute)
	r.addr = m[1]
	return r
}

func (r *replica) lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.log)
}

// wait returns the submatches of the first log line matching re.
func (r *replica) wait(t *testing.T, re *regexp.Regexp, within time.Duration) []string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		for _, l := range r.lines() {
			if m := re.FindStringSubmatch(l); m != nil {
				return m
			}
		}
		select {
		case <-r.done:
			t.Fatalf("%s ended before logging %s", r.name, re)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not log %s within %s", r.name, re, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readyz is what a replica's /readyz says.
type readyz struct {
	Status   string   `json:"status"`
	Versions []string `json:"versions"`
	Replica  *struct {
		Name string `json:"name"`
		Lead bool   `json:"lead"`
	} `json:"replica"`
}

func (r *replica) ready(c *http.Client) (readyz, error) {
	var rz readyz
	res, err := c.Get(r.addr + "/readyz")
	if err != nil {
		return rz, err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return rz, fmt.Errorf("readyz: %s", res.Status)
	}
	err = json.NewDecoder(res.Body).Decode(&rz)
	return rz, err
}

// TestReplicasSurviveTheLeadsDeath (issue 22): three vigil serve replicas
// share one PostgreSQL store while 64 clients screen through them for
// 30 s. A new list version is imported by the replica that leads the list
// refreshes, which is then killed (SIGKILL). No request fails (a client
// tries another replica only when a connection fails), both survivors
// serve the new version within 5 s of the import, only the lead imported,
// and a survivor takes the lead within one refresh interval.
func TestReplicasSurviveTheLeadsDeath(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the replica fault test runs for about 40 s")
	}
	dsn := pgtest.DB(t)
	dir := t.TempDir()
	sample, err := os.ReadFile("../../lists/un/testdata/sample.xml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "un.xml"), sample, 0o644); err != nil {
		t.Fatal(err)
	}
	// The next version: published a day later, one listing's name changed.
	next := bytes.Replace(sample, []byte(`dateGenerated="2030-01-02T03:04:05.678Z"`), []byte(`dateGenerated="2030-01-03T03:04:05.678Z"`), 1)
	next = bytes.Replace(next, []byte("<SECOND_NAME>PRIMEROV</SECOND_NAME>"), []byte("<SECOND_NAME>PRIMEROV-SECUNDOV</SECOND_NAME>"), 1)
	if bytes.Equal(next, sample) || bytes.Count(next, []byte("SECUNDOV")) != 1 {
		t.Fatal("the sample changed: the next version is not made")
	}
	bin := filepath.Join(t.TempDir(), "vigil")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const refresh = 3 * time.Second
	// --poll is longer than the test: new versions reach the followers by
	// NOTIFY, not by polling.
	args := []string{"--db", dsn, "--lists", dir, "--refresh", refresh.String(), "--poll", "10m", "--no-auth"}
	reps := []*replica{startReplica(t, bin, "r1", args...)}
	reps[0].wait(t, regexp.MustCompile(`msg="index built"`), time.Minute)
	reps = append(reps, startReplica(t, bin, "r2", args...), startReplica(t, bin, "r3", args...))

	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var lead *replica
	for _, r := range reps {
		deadline := time.Now().Add(30 * time.Second)
		for {
			rz, err := r.ready(c)
			if err == nil && rz.Status == "ready" {
				if rz.Replica == nil || rz.Replica.Name != r.name || !slices.Equal(rz.Versions, []string{"un@1"}) {
					t.Fatalf("%s: readyz %+v", r.name, rz)
				}
				if rz.Replica.Lead {
					if lead != nil {
						t.Fatalf("%s and %s both lead", lead.name, r.name)
					}
					lead = r
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s not ready: %+v %v", r.name, rz, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	if lead != reps[0] {
		t.Fatalf("the lead is %v, want r1 (the first started)", lead)
	}

	// 64 clients, spread over the replicas, for 30 s.
	const clients, load = 64, 30 * time.Second
	var alive [3]atomic.Bool
	for i := range alive {
		alive[i].Store(true)
	}
	var requests, retried, failed atomic.Int64
	var failMu sync.Mutex
	var failures []string
	stop := time.Now().Add(load)
	var wg sync.WaitGroup
	body := []byte(`{"name":"Ivan Primerov","dob":"1970"}`)
	for i := range clients {
		wg.Go(func() {
			at := i % len(reps)
			for time.Now().Before(stop) {
				var err error
				var status int
				var msg string
				for try := range len(reps) {
					k := (at + try) % len(reps)
					if !alive[k].Load() && try < len(reps)-1 {
						continue
					}
					var res *http.Response
					res, err = c.Post(reps[k].addr+"/v1/screen", "application/json", bytes.NewReader(body))
					if err != nil {
						// Only a connection error sends the request to
						// another replica.
						var op *net.OpError
						if !errors.As(err, &op) && !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
							break
						}
						retried.Add(1)
						continue
					}
					b, _ := io.ReadAll(res.Body)
					res.Body.Close()
					status, msg, at = res.StatusCode, string(b), k
					break
				}
				requests.Add(1)
				if err != nil || status != 200 {
					failed.Add(1)
					failMu.Lock()
					if len(failures) < 10 {
						failures = append(failures, fmt.Sprintf("status %d %.200s, err %v", status, msg, err))
					}
					failMu.Unlock()
				}
			}
		})
	}
	time.Sleep(5 * time.Second)

	// The new version lands in the folder; the lead imports it at its
	// next refresh and is killed as soon as it says so.
	tmp := filepath.Join(t.TempDir(), "un.xml")
	if err := os.WriteFile(tmp, next, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "un.xml")); err != nil {
		t.Fatal(err)
	}
	lead.wait(t, regexp.MustCompile(`msg=imported list=un@2`), 2*refresh+10*time.Second)
	imported := time.Now()
	if err := lead.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	lead.cmd.Wait()
	alive[0].Store(false)
	survivors := reps[1:]

	// Every survivor serves un@2 within 5 s of the import.
	for _, r := range survivors {
		for {
			rz, err := r.ready(c)
			if err == nil && slices.Equal(rz.Versions, []string{"un@2"}) {
				t.Logf("%s serves un@2 %s after the import", r.name, time.Since(imported).Round(time.Millisecond))
				break
			}
			if time.Since(imported) > 5*time.Second {
				t.Fatalf("%s serves %+v (%v) 5 s after un@2 was imported", r.name, rz, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// One survivor takes the lead within one refresh interval (and the
	// time to notice).
	var newLead *replica
	for newLead == nil {
		for _, r := range survivors {
			if rz, err := r.ready(c); err == nil && rz.Replica != nil && rz.Replica.Lead {
				newLead = r
			}
		}
		if newLead == nil && time.Since(imported) > refresh+2*time.Second {
			t.Fatalf("no survivor leads %s after the lead died", time.Since(imported).Round(time.Millisecond))
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("%s leads %s after the lead's death", newLead.name, time.Since(imported).Round(time.Millisecond))
	wg.Wait()

	// Only the lead imported; the other survivor never led.
	for _, r := range survivors {
		for _, l := range r.lines() {
			if strings.Contains(l, "msg=imported") {
				t.Errorf("%s imported: %s", r.name, l)
			}
			if r != newLead && strings.Contains(l, "this replica leads") {
				t.Errorf("%s led too: %s", r.name, l)
			}
		}
	}
	for _, r := range survivors {
		if rz, err := r.ready(c); err != nil || rz.Replica.Lead != (r == newLead) {
			t.Errorf("%s at the end: %+v, %v", r.name, rz, err)
		}
	}
	t.Logf("%d requests, %d retried on another replica after a connection error, %d failed", requests.Load(), retried.Load(), failed.Load())
	if failed.Load() > 0 {
		t.Errorf("%d of %d requests failed: %s", failed.Load(), requests.Load(), strings.Join(failures, "; "))
	}
	if requests.Load() < clients {
		t.Errorf("only %d requests", requests.Load())
	}
}

// call makes a request with an API key and returns the status and body.
func call(t *testing.T, c *http.Client, method, url, key, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

// within retries check every 20 ms until it returns "" or d has passed,
// and returns how long it took.
func within(t *testing.T, d time.Duration, what string, check func() string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		msg := check()
		if msg == "" {
			return time.Since(start)
		}
		if time.Since(start) > d {
			t.Fatalf("%s: not within %s: %s", what, d, msg)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestReplicasFollowTheStore (issue 22): two replicas that never refresh
// nor poll learn through the store's notices alone of what another
// process does: a list version imported by vigil lists import is served by
// both within 5 s; an API key revoked by vigil keys revoke is refused by
// both within a second; a judgement made through one replica groups the
// other's screening answers alike within a second.
func TestReplicasFollowTheStore(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the replica test builds vigil and starts two servers")
	}
	dsn := pgtest.DB(t)
	dir := t.TempDir()
	un := filepath.Join(dir, "un.xml")
	copyFile(t, "../../lists/un/testdata/sample.xml", un)
	if _, _, err := run(t, "lists", "import", "--db", dsn, un); err != nil {
		t.Fatal(err)
	}
	key, stderr, err := run(t, "keys", "create", "--db", dsn, "--name", "ops", "--role", "admin")
	if err != nil {
		t.Fatal(err)
	}
	key = strings.TrimSpace(key)
	keyID := strings.Fields(strings.TrimPrefix(stderr, "Created key "))[0]
	bin := filepath.Join(t.TempDir(), "vigil")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	args := []string{"--db", dsn, "--lists", dir, "--refresh", "0", "--poll", "1h"}
	reps := []*replica{startReplica(t, bin, "r1", args...), startReplica(t, bin, "r2", args...)}
	c := &http.Client{Timeout: 10 * time.Second}
	for _, r := range reps {
		r.wait(t, regexp.MustCompile(`msg="index built"`), time.Minute)
	}

	// A new version imported by another process.
	next, err := os.ReadFile(un)
	if err != nil {
		t.Fatal(err)
	}
	next = bytes.Replace(next, []byte(`dateGenerated="2030-01-02T03:04:05.678Z"`), []byte(`dateGenerated="2030-01-03T03:04:05.678Z"`), 1)
	next = bytes.Replace(next, []byte("<SECOND_NAME>PRIMEROV</SECOND_NAME>"), []byte("<SECOND_NAME>PRIMEROV-SECUNDOV</SECOND_NAME>"), 1)
	un2 := filepath.Join(t.TempDir(), "un.xml")
	if err := os.WriteFile(un2, next, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "lists", "import", "--db", dsn, un2); err != nil {
		t.Fatal(err)
	}
	for _, r := range reps {
		took := within(t, 5*time.Second, r.name+" serves un@2", func() string {
			rz, err := r.ready(c)
			if err != nil || !slices.Equal(rz.Versions, []string{"un@2"}) {
				return fmt.Sprintf("%+v %v", rz, err)
			}
			return ""
		})
		t.Logf("%s serves un@2 %s after the import", r.name, took.Round(time.Millisecond))
	}

	// A judgement through r1: r2's answers group by the new subjects.
	subjectOf := func(r *replica, name string) string {
		code, b := call(t, c, "POST", r.addr+"/v1/screen", key, `{"name":"`+name+`"}`)
		var res struct {
			Matches []struct {
				Subject string `json:"subject"`
			} `json:"matches"`
		}
		if code != 200 || json.Unmarshal(b, &res) != nil || len(res.Matches) == 0 {
			t.Fatalf("screen %q on %s: %d %s", name, r.name, code, b)
		}
		return res.Matches[0].Subject
	}
	abdul, ivan := subjectOf(reps[1], "Abdul Example Tester"), subjectOf(reps[1], "Ivan Primerov-Secundov")
	if abdul == "" || ivan == "" || abdul == ivan {
		t.Fatalf("before the judgement: subjects %q and %q", abdul, ivan)
	}
	code, b := call(t, c, "POST", reps[0].addr+"/v1/listed-subjects/judgements", key,
		`{"a":"un:QDi.999","b":"un:LYi.999","verdict":"positive","reason":"one man, says the notice"}`)
	if code != 200 {
		t.Fatalf("judgement: %d %s", code, b)
	}
	took := within(t, time.Second, "r2 groups by the judgement", func() string {
		if a, i := subjectOf(reps[1], "Abdul Example Tester"), subjectOf(reps[1], "Ivan Primerov-Secundov"); a != i {
			return fmt.Sprintf("subjects %q and %q", a, i)
		}
		return ""
	})
	t.Logf("r2 groups by the judgement %s after it", took.Round(time.Millisecond))

	// A key revoked by another process is refused by both.
	for _, r := range reps {
		if code, b := call(t, c, "GET", r.addr+"/v1/lists", key, ""); code != 200 {
			t.Fatalf("%s with the key: %d %s", r.name, code, b)
		}
	}
	if _, _, err := run(t, "keys", "revoke", "--db", dsn, keyID); err != nil {
		t.Fatal(err)
	}
	for _, r := range reps {
		took := within(t, time.Second, r.name+" refuses the revoked key", func() string {
			if code, _ := call(t, c, "GET", r.addr+"/v1/lists", key, ""); code != 401 {
				return fmt.Sprintf("status %d", code)
			}
			return ""
		})
		t.Logf("%s refuses the revoked key %s after the revocation", r.name, took.Round(time.Millisecond))
		// Sooner than a cached key lookup expires (500 ms): the notice
		// dropped the cache.
		if took > 400*time.Millisecond {
			t.Errorf("%s refused the revoked key only after %s: the key cache was not dropped on notice", r.name, took)
		}
	}
}
