package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// TestListsUpdate runs "vigil lists update" against a local mirror: a first
// download, an unchanged one, a truncated file and a shrunken one that must
// not replace the last good version, and a forced import.
func TestListsUpdate(t *testing.T) {
	good, err := os.ReadFile("../../lists/un/testdata/sample.xml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(good)
	i, j := strings.Index(s, "<INDIVIDUAL>"), strings.Index(s, "</INDIVIDUAL>")
	shrunk := []byte(s[:i] + s[j+len("</INDIVIDUAL>"):])
	var body atomic.Value
	body.Store(good)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/un/consolidated.xml" {
			http.NotFound(w, r)
			return
		}
		hits.Add(1)
		w.Write(body.Load().([]byte))
	}))
	defer srv.Close()

	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	update := func(extra ...string) (string, string, error) {
		return run(t, append([]string{"lists", "update", "--db", db, "--mirror", srv.URL, "--list", "un"}, extra...)...)
	}
	out, errOut, err := update()
	if err != nil || !strings.Contains(out, "un: version 1") {
		t.Fatalf("first update: %v\n%s%s", err, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "v-downloads")); err != nil {
		t.Errorf("archive folder: %v", err)
	}
	out, _, err = update()
	if err != nil || !strings.Contains(out, "un: unchanged") {
		t.Fatalf("second update: %v\n%s", err, out)
	}

	body.Store(good[:len(good)/2])
	_, errOut, err = update()
	if err == nil || !strings.Contains(errOut, "last good version stays") {
		t.Fatalf("truncated download: %v\n%s", err, errOut)
	}
	body.Store(shrunk)
	_, errOut, err = update()
	if err == nil || !strings.Contains(errOut, "fewer") {
		t.Fatalf("shrunken download: %v\n%s", err, errOut)
	}
	out, _, _ = run(t, "lists", "--db", db, "--json")
	if !strings.Contains(out, `"version": 1`) {
		t.Fatalf("after refused updates the current version changed:\n%s", out)
	}
	out, _, err = update("--force")
	if err != nil || !strings.Contains(out, "un: version 2") || !strings.Contains(out, "1 removed") {
		t.Fatalf("forced update: %v\n%s", err, out)
	}
	if hits.Load() < 5 {
		t.Errorf("mirror saw %d requests, want 5", hits.Load())
	}

	// The good file again heals the list: its content is current again.
	body.Store(good)
	out, _, err = update()
	if err != nil || !strings.Contains(out, "un: version 3") || !strings.Contains(out, "restored content of 1 as 3") {
		t.Fatalf("update back to the good file: %v\n%s", err, out)
	}
	// After a rollback, the withdrawn download is skipped.
	if _, _, err := run(t, "lists", "rollback", "--db", db, "--reason", "test", "un", "2"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "lists", "rollback", "--db", db, "--reason", "bad download", "un"); err != nil {
		t.Fatal(err)
	}
	body.Store(shrunk)
	out, errOut, err = update()
	if err != nil || !strings.Contains(errOut, "un: skipped: this is the content of un@4, withdrawn") {
		t.Fatalf("update to the withdrawn file: %v\n%s%s", err, out, errOut)
	}
}
