package ca

import (
	"bytes"
	"testing"

	"github.com/vigil-screening/vigil"
)

// FuzzRead checks that Read never panics and that every entity it emits has
// an id and a primary name. Seeds live in testdata/fuzz/FuzzRead.
func FuzzRead(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Read(bytes.NewReader(data), func(e *vigil.Entity) error {
			if e.Ref == "" || e.ID != "ca:"+e.Ref || len(e.Names) == 0 || e.Names[0].Full == "" {
				t.Fatalf("bad entity %+v", e)
			}
			return nil
		})
		Sniff(data)
	})
}
