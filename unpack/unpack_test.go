package unpack

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

type member struct {
	name string
	data []byte
}

func zipOf(t testing.TB, ms ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range ms {
		w, err := zw.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// central returns the offset of the central directory entry of the i-th
// member.
func central(t testing.TB, b []byte, i int) int {
	t.Helper()
	off := 0
	for n := 0; ; n++ {
		j := bytes.Index(b[off:], []byte("PK\x01\x02"))
		if j < 0 {
			t.Fatalf("no central entry %d", i)
		}
		if n == i {
			return off + j
		}
		off += j + 4
	}
}

var two = []member{
	{"xl/workbook.xml", []byte(`<workbook><sheets><sheet name="S"/></sheets></workbook>`)},
	{"xl/sharedStrings.xml", []byte(`<sst><si><t>Qasem SOLEIMANI</t></si></sst>`)},
}

func TestZipGood(t *testing.T) {
	b := zipOf(t, two...)
	zr, err := Zip(b, Limits{MaxTotal: 1 << 20, MaxRatio: 100, MaxToken: 64})
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 2 || zr.File[1].Name != "xl/sharedStrings.xml" {
		t.Fatalf("files = %v", zr.File)
	}
}

// TestZipRefused: each damaged or hostile archive is refused with an
// *Error naming the member and wrapping the right cause.
func TestZipRefused(t *testing.T) {
	good := zipOf(t, two...)
	cd1 := central(t, good, 1)
	tests := []struct {
		name   string
		b      []byte
		lim    Limits
		member string
		want   error
		msg    string
	}{
		{"crc in the directory", func() []byte {
			b := bytes.Clone(good)
			b[cd1+16] ^= 0x01
			return b
		}(), Limits{}, "xl/sharedStrings.xml", ErrDamaged, "CRC-32 mismatch"},
		{"a flipped bit in the data", func() []byte {
			b := bytes.Clone(good)
			zr, _ := zip.NewReader(bytes.NewReader(b), int64(len(b)))
			off, _ := zr.File[0].DataOffset()
			b[off+3] ^= 0x10
			return b
		}(), Limits{}, "xl/workbook.xml", ErrDamaged, ""},
		{"name damaged in the directory", func() []byte {
			b := bytes.Clone(good)
			b[cd1+46+4] ^= 0x01 // "xl/sharedStrings.xml" -> "xl/siaredStrings.xml"
			return b
		}(), Limits{}, "xl/siaredStrings.xml", ErrDamaged, `local header names it "xl/sharedStrings.xml"`},
		{"no CRC", func() []byte {
			b := bytes.Clone(good)
			binary.LittleEndian.PutUint32(b[cd1+16:], 0)
			return b
		}(), Limits{}, "xl/sharedStrings.xml", ErrDamaged, "no CRC-32"},
		{"encrypted", func() []byte {
			b := bytes.Clone(good)
			b[cd1+8] |= 1
			return b
		}(), Limits{}, "xl/sharedStrings.xml", nil, "encrypted"},
		{"repeated name", zipOf(t, two[0], two[1], member{"XL/SharedStrings.xml", []byte("<sst/>")}),
			Limits{}, "XL/SharedStrings.xml", ErrDamaged, "used by two members"},
		{"member too large", good, Limits{Member: func(n string) int64 {
			if strings.Contains(n, "shared") {
				return 10
			}
			return 1 << 20
		}}, "xl/sharedStrings.xml", ErrTooLarge, "more than the 10 allowed"},
		{"total too large", good, Limits{MaxTotal: 60}, "", ErrTooLarge, "more than 60 bytes"},
		{"bomb", zipOf(t, member{"x.xml", make([]byte, 8<<20)}), Limits{MaxRatio: 100, RatioFloor: 1 << 20}, "x.xml", ErrRatio, "more than 100:1"},
		{"long token", zipOf(t, member{"x.xml", []byte("<a>" + strings.Repeat("x", 100) + "</a>")}), Limits{MaxToken: 64}, "x.xml", ErrToken, "longer than 64 bytes"},
		{"long token, not XML", zipOf(t, member{"x.bin", []byte("<a>" + strings.Repeat("x", 100) + "</a>")}), Limits{MaxToken: 64}, "", nil, ""},
		{"truncated", good[:len(good)-30], Limits{}, "", ErrDamaged, "not a readable zip"},
		{"empty", zipOf(t), Limits{}, "", ErrDamaged, "no member"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Zip(tc.b, tc.lim)
			if tc.msg == "" && tc.want == nil {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			var ue *Error
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if ue.Member != tc.member || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %v (member %q), want member %q, %v, %q", err, ue.Member, tc.member, tc.want, tc.msg)
			}
		})
	}
}

// TestZipDirectoryBounded: a zip of many empty members is refused before
// archive/zip builds a *zip.File for each.
func TestZipDirectoryBounded(t *testing.T) {
	var ms []member
	for i := range 6000 {
		ms = append(ms, member{fmt.Sprintf("m%05d", i), nil})
	}
	b := zipOf(t, ms...)
	if _, err := Zip(b, Limits{}); err != nil {
		t.Fatalf("6000 members, default limit: %v", err)
	}
	_, err := Zip(b, Limits{MaxDirectory: 64 << 10})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "directory") {
		t.Fatalf("err = %v, want the directory refused", err)
	}
}

func TestReadAll(t *testing.T) {
	if b, err := ReadAll(strings.NewReader("abc"), 3); err != nil || string(b) != "abc" {
		t.Errorf("ReadAll = %q, %v", b, err)
	}
	if _, err := ReadAll(strings.NewReader("abcd"), 3); !errors.Is(err, ErrTooLarge) {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
}

func gz(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestGzip(t *testing.T) {
	text := []byte(strings.Repeat("Qasem SOLEIMANI, Iran\n", 1000))
	good := gz(t, text)
	read := func(b []byte, lim Limits) ([]byte, error) {
		r, err := Gzip(bytes.NewReader(b), lim)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		return io.ReadAll(r)
	}
	if got, err := read(good, Limits{MaxTotal: 1 << 20, MaxRatio: 100, RatioFloor: 1 << 20}); err != nil || !bytes.Equal(got, text) {
		t.Fatalf("good: %v", err)
	}
	crc := bytes.Clone(good)
	crc[len(crc)-6] ^= 1
	zeros := gz(t, make([]byte, 4<<20))
	tests := []struct {
		name string
		b    []byte
		lim  Limits
		want error
		msg  string
	}{
		{"crc", crc, Limits{}, ErrDamaged, "CRC-32"},
		{"truncated", good[:len(good)-5], Limits{}, ErrDamaged, "truncated"},
		{"header", []byte{0x1f, 0x8b, 9, 0}, Limits{}, ErrDamaged, "gzip header"},
		{"total", good, Limits{MaxTotal: 1000}, ErrTooLarge, "more than 1000 bytes"},
		{"bomb", zeros, Limits{MaxRatio: 100, RatioFloor: 1 << 20}, ErrRatio, "more than 100:1"},
	}
	for _, tc := range tests {
		_, err := read(tc.b, tc.lim)
		var ue *Error
		if !errors.As(err, &ue) || !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: err = %v, want %v %q", tc.name, err, tc.want, tc.msg)
		}
	}
}

// TestGzipBombStopsEarly: the ratio stops a bomb after a few megabytes, not
// at the size limit.
func TestGzipBombStopsEarly(t *testing.T) {
	zeros := gz(t, make([]byte, 64<<20))
	r, err := Gzip(bytes.NewReader(zeros), Limits{MaxTotal: 1 << 30, MaxRatio: 100, RatioFloor: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, r)
	if !errors.Is(err, ErrRatio) || n > 16<<20 {
		t.Fatalf("read %d bytes, err %v: want ErrRatio within 16 MiB", n, err)
	}
}

// gzipNew reads b with compress/gzip alone.
func gzipNew(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}
