// Package shared finds the project's shared data folder (../shared beside the
// repository: real list snapshots, evaluation sets, the seed article) for tests
// and benchmarks, which skip with a clear message when it is absent.
package shared

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var (
	once sync.Once
	dir  string
)

// Root returns the shared folder, or "" when none is found. $VIGIL_SHARED
// overrides the search; otherwise it is ../shared beside the module root.
func Root() string {
	once.Do(func() {
		if d := os.Getenv("VIGIL_SHARED"); d != "" {
			dir = d
			return
		}
		wd, err := os.Getwd()
		if err != nil {
			return
		}
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				cand := filepath.Join(filepath.Dir(d), "shared")
				if st, err := os.Stat(filepath.Join(cand, "data")); err == nil && st.IsDir() {
					dir = cand
				}
				return
			}
			if filepath.Dir(d) == d {
				return
			}
		}
	})
	return dir
}

// Path returns the path of rel below the shared folder, skipping the test
// with a clear message when the shared folder or the file is absent.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	root := Root()
	if root == "" {
		tb.Skipf("skipping: the shared data folder (../shared beside the repository, or $VIGIL_SHARED) is absent; %s is needed", rel)
	}
	p := filepath.Join(root, rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("skipping: %s is absent from the shared data folder %s", rel, root)
	}
	return p
}

// Lists returns the path of rel below shared/data/lists (see Path).
func Lists(tb testing.TB, rel string) string { return Path(tb, filepath.Join("data", "lists", rel)) }
