package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-screening/vigil/lists/load"
)

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeLogsImportPerList (issue 23): on first start, vigil serve logs
// one line per list read (its entities and the time it took, and how many
// of the folder's files are read) and one per version stored, with the
// time it took.
func TestServeLogsImportPerList(t *testing.T) {
	dir := t.TempDir()
	for src, dst := range map[string]string{"../../lists/un/testdata/sample.xml": "un/un.xml", "../../lists/eu/testdata/sample.xml": "eu/eu.xml"} {
		copyFile(t, src, filepath.Join(dir, dst))
	}
	os.WriteFile(filepath.Join(dir, "README.txt"), []byte("notes"), 0o644)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var log syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, serveConfig{db: filepath.Join(t.TempDir(), "v.db"), addr: addr, listsDir: dir, logFormat: "text", rate: -1}, &log)
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(log.String(), "msg=imported list=un@1") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	out := log.String()
	for _, re := range []string{
		`msg=read list=eu path=\S+eu.xml entities=2 took=\d+(\.\d+)?m?s files_read=2/3\n`,
		`msg=read list=un path=\S+un.xml entities=4 took=\d+(\.\d+)?m?s files_read=3/3\n`,
		`msg=imported list=un@1 .*entities=4 .* took=\d+(\.\d+)?[mµn]?s\n`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("the log lacks %s:\n%s", re, out)
		}
	}
}

// TestImportProgressBar: on a terminal, the bar shows the list read last,
// and a log line clears it first, so that the line starts on a clean line.
func TestImportProgressBar(t *testing.T) {
	var w bytes.Buffer
	p := &importProgress{w: &w, tty: true}
	p.start()
	p.read(load.ReadProgress{List: "un", Entities: 1003, Done: 1, Total: 4})
	p.read(load.ReadProgress{List: "eu", Entities: 5, Done: 2, Total: 4})
	if !strings.Contains(w.String(), "read eu (5 entities)") {
		t.Errorf("the bar does not show the list read: %q", w.String())
	}
	w.Reset()
	io.WriteString(p, "time=… msg=read list=eu\n")
	if got := w.String(); !strings.HasPrefix(got, "\r") || !strings.HasSuffix(got, "\rtime=… msg=read list=eu\n") {
		t.Errorf("a log line did not clear the bar first: %q", got)
	}
	p.finish()
	w.Reset()
	io.WriteString(p, "x\n")
	if w.String() != "x\n" {
		t.Errorf("after finish, the log is written as is: %q", w.String())
	}
	// Not a terminal: no bar at all.
	var plain bytes.Buffer
	q := newImportProgress(&plain)
	q.start()
	q.read(load.ReadProgress{List: "un", Done: 1, Total: 1})
	q.finish()
	if plain.Len() != 0 {
		t.Errorf("a bar was drawn on a non-terminal: %q", plain.String())
	}
}
