package listtest

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"reflect"
	"sort"
	"strconv"
	"testing"
)

// Flip is one bit flipped in a file: byte Pos, bit Bit (0..7).
type Flip struct{ Pos, Bit int }

// Flips chooses the bits to flip in an archive file: every bit of every byte
// in the archive's structure (zip local headers and central directory; gzip
// header and trailer), at most maxStruct of them (chosen at random,
// reproducibly, when there are more), and dataFlips random bits elsewhere.
// Zip and gzip are told apart by their magic bytes; anything else is all data.
func Flips(data []byte, maxStruct, dataFlips int) []Flip {
	var structure [][2]int
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		structure = zipStructure(data)
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		structure = [][2]int{{0, min(len(data), 10)}, {max(0, len(data)-8), len(data)}}
	}
	inStruct := func(p int) bool {
		for _, r := range structure {
			if p >= r[0] && p < r[1] {
				return true
			}
		}
		return false
	}
	rng := rand.New(rand.NewPCG(uint64(len(data)), 18))
	var sf []Flip
	for _, r := range structure {
		for p := r[0]; p < r[1]; p++ {
			for b := 0; b < 8; b++ {
				sf = append(sf, Flip{p, b})
			}
		}
	}
	if len(sf) > maxStruct {
		rng.Shuffle(len(sf), func(i, j int) { sf[i], sf[j] = sf[j], sf[i] })
		sf = sf[:maxStruct]
	}
	out := sf
	for n := 0; n < dataFlips && len(data) > 0; {
		p := rng.IntN(len(data))
		if inStruct(p) && len(structure) > 0 {
			continue
		}
		out = append(out, Flip{p, rng.IntN(8)})
		n++
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Pos < out[j].Pos || out[i].Pos == out[j].Pos && out[i].Bit < out[j].Bit
	})
	return out
}

// zipStructure returns the byte ranges of a zip's local file headers
// (signature to data) and of its central directory and end record.
func zipStructure(data []byte) [][2]int {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return [][2]int{{0, len(data)}}
	}
	var out [][2]int
	end := 0
	for _, f := range zr.File {
		off, err := f.DataOffset()
		if err != nil {
			continue
		}
		for h := off - 30; h >= 0; h-- {
			if string(data[h:h+4]) == "PK\x03\x04" &&
				h+30+int64(binary.LittleEndian.Uint16(data[h+26:]))+int64(binary.LittleEndian.Uint16(data[h+28:])) == off {
				out = append(out, [2]int{int(h), int(off)})
				break
			}
		}
		end = max(end, int(off)+int(f.CompressedSize64))
	}
	// The central directory and end record follow the last member's data
	// (and its data descriptor, if any).
	if cd := bytes.Index(data[end:], []byte("PK\x01\x02")); cd >= 0 {
		out = append(out, [2]int{end + cd, len(data)})
	}
	return out
}

// Flipped returns a copy of data with f applied.
func Flipped(data []byte, f Flip) []byte {
	b := bytes.Clone(data)
	b[f.Pos] ^= 1 << f.Bit
	return b
}

// FlipResult is what reading one damaged copy gave.
type FlipResult struct {
	Refused, Same int
}

// CheckFlips reads every flipped copy of data with read and fails the test
// unless each is either refused (read returns an error that clear accepts)
// or reads exactly as the undamaged file does (reflect.DeepEqual on what
// read returns). It reports the tally.
func CheckFlips[T any](t *testing.T, data []byte, flips []Flip, read func([]byte) (T, error), clear func(error) bool) FlipResult {
	t.Helper()
	want, err := read(data)
	if err != nil {
		t.Fatalf("the undamaged file does not read: %v", err)
	}
	var res FlipResult
	for _, f := range flips {
		got, err := read(Flipped(data, f))
		switch {
		case err != nil:
			if !clear(err) {
				t.Errorf("bit %d of byte %d: unclear error %v", f.Bit, f.Pos, err)
			}
			res.Refused++
		case reflect.DeepEqual(got, want):
			res.Same++
		default:
			t.Errorf("bit %d of byte %d: read without error, but the result differs from the undamaged file's", f.Bit, f.Pos)
		}
	}
	t.Logf("%d flips: %d refused, %d read the same", len(flips), res.Refused, res.Same)
	return res
}

// RealFlips is how many structure and data bits the tests flip in a real
// list file: 4 each (a flip that reads the same costs a full read of the
// file, a second or more; the fixtures get thousands), or $VIGIL_FLIPS for
// a thorough run. With -short, real files are not flipped.
func RealFlips(t testing.TB) int {
	if s := os.Getenv("VIGIL_FLIPS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			t.Fatalf("VIGIL_FLIPS=%q: want a count", s)
		}
		return n
	}
	if testing.Short() {
		t.Skip("skipping bit flips in a real file in -short mode")
	}
	return 4
}
