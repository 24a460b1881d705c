// Package codec is how stores keep entities: canonical JSON (whose SHA-256
// addresses the content), optionally DEFLATE-compressed, decoded in
// parallel. Every store uses it, so that a blob written by one reads the
// same in another (vigil store copy moves blobs as they are).
package codec

import (
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"sync"

	jsonv2 "github.com/go-json-experiment/json"
	vigil "github.com/vigil-screening/vigil"
)

// Blob encodings. A blob whose first byte is '{' is plain JSON; blobDeflate
// marks raw DEFLATE of the JSON. Both are read back, so the choice can change
// without migrating old rows.
const blobDeflate = 0x01

// Compress selects DEFLATE for new blobs. Measured (BenchmarkCurrentEntities,
// 60k synthetic entities of ~0.9 kB): plain JSON loads faster and the file is
// larger; see the package report. Plain JSON is the default because loading
// speed matters more than disk here.
var Compress = false

// Encode encodes JSON for storage.
func Encode(js []byte) []byte {
	if !Compress {
		return js
	}
	var b bytes.Buffer
	b.WriteByte(blobDeflate)
	w, _ := flate.NewWriter(&b, flate.BestSpeed) // level is valid: err is nil
	w.Write(js)                                  // writes to a bytes.Buffer cannot fail
	w.Close()
	return b.Bytes()
}

var inflaters sync.Pool

// Decode returns the JSON held in a stored blob.
func Decode(data []byte) ([]byte, error) {
	if len(data) == 0 {
		return nil, fmt.Errorf("empty blob")
	}
	switch data[0] {
	case '{':
		return data, nil
	case blobDeflate:
		// flate readers are large (window and tables): reuse them.
		r, _ := inflaters.Get().(io.ReadCloser)
		if r == nil {
			r = flate.NewReader(bytes.NewReader(data[1:]))
		} else if err := r.(flate.Resetter).Reset(bytes.NewReader(data[1:]), nil); err != nil {
			return nil, err
		}
		defer inflaters.Put(r)
		return io.ReadAll(r)
	}
	return nil, fmt.Errorf("unknown blob encoding 0x%02x", data[0])
}

// Canonical returns the canonical JSON of an entity (encoding/json's output:
// fields in declaration order) and its SHA-256.
func Canonical(e *vigil.Entity) ([]byte, [32]byte, error) {
	js, err := json.Marshal(e)
	if err != nil {
		return nil, [32]byte{}, fmt.Errorf("entity %s: %w", e.ID, err)
	}
	return js, sha256.Sum256(js), nil
}

// DecodeSerial decodes blobs into out on the calling goroutine.
func DecodeSerial(blobs [][]byte, out []vigil.Entity) error {
	for i, b := range blobs {
		js, err := Decode(b)
		if err == nil {
			err = unmarshalEntity(js, &out[i])
		}
		if err != nil {
			return fmt.Errorf("decoding stored entity: %w", err)
		}
	}
	return nil
}

// unmarshalEntity decodes stored entity JSON. It uses
// github.com/go-json-experiment/json (the prototype of encoding/json/v2, by
// encoding/json's maintainers) because decoding is most of the time spent
// loading the current lists, and it is about 2.5x faster than encoding/json
// on Entity (measured: 8.3 against 21 µs per entity on a busy machine, with
// a third of the allocations). Encoding stays with encoding/json: its output
// is the canonical form that entity hashes are taken over.
func unmarshalEntity(js []byte, e *vigil.Entity) error { return jsonv2.Unmarshal(js, e) }

// DecodeAll decodes stored entity blobs into out (len(out) == len(blobs)),
// spreading the JSON decoding, the costly part of loading, over the CPUs.
func DecodeAll(blobs [][]byte, out []vigil.Entity) error {
	workers := min(runtime.GOMAXPROCS(0), max(1, len(blobs)/256))
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	chunk := (len(blobs) + workers - 1) / max(workers, 1)
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(blobs))
		if lo >= hi {
			break
		}
		wg.Go(func() {
			if err := DecodeSerial(blobs[lo:hi], out[lo:hi]); err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return first
}
