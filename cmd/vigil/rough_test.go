package main

import (
	"strings"
	"testing"
)

// TestManifestErrorNamesPlaceOnce (issue 23): a malformed manifest's error
// names the file, line, segment and character once each.
func TestManifestErrorNamesPlaceOnce(t *testing.T) {
	const f = "../../paxlst/testdata/bad_count.edi"
	_, _, err := run(t, "manifest", "--db", fixtureDB(t), f)
	if err == nil {
		t.Fatal("a manifest whose UNT count is wrong was screened")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, f+":30: segment 29 UNT at character 569: ") {
		t.Errorf("error %q does not start with the file, line, segment and character", msg)
	}
	for _, s := range []string{"segment 29", "569", "input", f} {
		if n := strings.Count(msg, s); n > 1 || (s != "input" && n == 0) {
			t.Errorf("error %q names %q %d times", msg, s, n)
		}
	}
}
