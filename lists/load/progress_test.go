package load

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// copyTo copies the file src to dir/name.
func copyTo(t *testing.T, src, dir, name string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestImportPathsReportsReads: ImportPaths calls OnRead once per file or
// OFAC CSV set read, in order, with its list and entities, counting the
// files found (a CSV set's files, a file that is no list) up to the total;
// each stored dataset's Result says how long the store took.
func TestImportPathsReportsReads(t *testing.T) {
	dir := t.TempDir()
	copyTo(t, "../un/testdata/sample.xml", dir, "a/un.xml")
	copyTo(t, "../ofac/testdata/csv/sdn.csv", dir, "b/sdn.csv")
	copyTo(t, "../ofac/testdata/csv/add.csv", dir, "b/add.csv")
	copyTo(t, "../ofac/testdata/csv/alt.csv", dir, "b/alt.csv")
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("not a list"), 0o644)
	var got []ReadProgress
	res := ImportPaths(context.Background(), openStore(t), []string{dir}, Options{OnRead: func(p ReadProgress) { got = append(got, p) }})
	if len(got) != 2 {
		t.Fatalf("OnRead called %d times: %+v", len(got), got)
	}
	if p := got[0]; p.List != "un" || p.Entities != 4 || p.Done != 1 || p.Total != 5 || p.Err != nil || p.Path != filepath.Join(dir, "a/un.xml") {
		t.Errorf("first read %+v", p)
	}
	if p := got[1]; p.List != "ofac_sdn" || p.Entities == 0 || p.Done != 5 || p.Total != 5 || p.Path != filepath.Join(dir, "b") {
		t.Errorf("CSV set read %+v", p)
	}
	for _, r := range res {
		if r.Err != nil || !r.Added() || r.Took <= 0 {
			t.Errorf("result %s: err %v, added %v, took %s", r.List, r.Err, r.Added(), r.Took)
		}
	}
}
