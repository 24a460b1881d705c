package unpack

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func scan(s string, max, chunk int) error {
	ts := &TokenScanner{Max: max}
	for b := []byte(s); len(b) > 0; {
		n := min(chunk, len(b))
		if _, err := ts.Write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// TestTokenScanner: each kind of token is accepted at the limit and refused
// one byte past it, whatever the write sizes.
func TestTokenScanner(t *testing.T) {
	x := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name string
		doc  func(n int) string // a document whose longest token is n bytes
	}{
		{"text", func(n int) string { return "<a>" + x(n) + "</a>" }},
		{"tag", func(n int) string { return "<a" + x(n-4) + "/>" }},
		{"attribute with >", func(n int) string { return `<a b="` + strings.Repeat(">", n-9) + `"/>` + "<c/>" }},
		{"attribute with '", func(n int) string { return `<a b="'` + x(n-10) + `"/>` }},
		{"comment", func(n int) string { return "<a><!--" + strings.Repeat("->", (n-7)/2) + "-->" + "</a>" }},
		{"cdata", func(n int) string { return "<a><![CDATA[" + strings.Repeat("]>", (n-12)/2) + "]]></a>" }},
		{"pi", func(n int) string { return "<?xml " + strings.Repeat(">", n-8) + "?><a/>" }},
		{"doctype", func(n int) string { return "<!DOCTYPE a [<!ENTITY b '" + x(n-30) + "'>]>" + "<a/>" }},
		{"end tag", func(n int) string { return "<a></a" + strings.Repeat(" ", n-4) + ">" }},
	}
	const max = 100
	for _, tc := range tests {
		for _, chunk := range []int{1, 3, 7, 4096} {
			at, over := tc.doc(max), tc.doc(max+2)
			if err := scan(at, max, chunk); err != nil {
				t.Errorf("%s, chunk %d: %q refused: %v", tc.name, chunk, at, err)
			}
			if err := scan(over, max, chunk); !errors.Is(err, ErrToken) {
				t.Errorf("%s, chunk %d: %q accepted (err %v)", tc.name, chunk, over, err)
			}
		}
	}
}

// decoderMax returns the longest token encoding/xml reads from doc (by
// input offsets), over the tokens it reads before any error.
func decoderMax(doc []byte) int {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true
	longest := 0
	for {
		before := d.InputOffset()
		if _, err := d.RawToken(); err != nil {
			return longest
		}
		longest = max(longest, int(d.InputOffset()-before))
	}
}

// FuzzTokenScanner checks the scanner's promise against encoding/xml: when
// the decoder reads a token longer than the limit, the scanner refuses the
// document.
func FuzzTokenScanner(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><a b="c>d">text<![CDATA[x]]><!-- c --></a>`), 8)
	f.Add([]byte(`<!DOCTYPE a [<!ENTITY e "x>y">]><a>&e;</a>`), 10)
	f.Add([]byte(`<sst><si><t xml:space="preserve"> Qasem </t></si></sst>`), 4)
	f.Fuzz(func(t *testing.T, doc []byte, max int) {
		if max < 1 || max > 1<<16 {
			return
		}
		err := scan(string(doc), max, 5)
		if err != nil && !errors.Is(err, ErrToken) {
			t.Fatalf("unexpected error %v", err)
		}
		if n := decoderMax(doc); n > max && err == nil {
			t.Fatalf("the decoder read a %d-byte token; the scanner (max %d) accepted %q", n, max, doc)
		}
	})
}

// FuzzZip checks that Zip never panics and that an archive it accepts reads
// back whole without error.
func FuzzZip(f *testing.F) {
	f.Add(zipOf(f, two...))
	f.Add(zipOf(f, member{"a.xml", []byte("<a>" + strings.Repeat("b", 100) + "</a>")}))
	f.Fuzz(func(t *testing.T, b []byte) {
		zr, err := Zip(b, Limits{MaxTotal: 1 << 20, MaxRatio: 100, RatioFloor: 1 << 10, MaxToken: 64})
		if err != nil {
			var ue *Error
			if !errors.As(err, &ue) {
				t.Fatalf("err %v is not an *Error", err)
			}
			return
		}
		for _, m := range zr.File {
			rc, err := m.Open()
			if err != nil {
				t.Fatalf("%s accepted but does not open: %v", m.Name, err)
			}
			if _, err := io.Copy(io.Discard, rc); err != nil {
				t.Fatalf("%s accepted but does not read: %v", m.Name, err)
			}
		}
	})
}

// FuzzGzip checks that a gzip stream read to its end either fails with an
// *Error or holds exactly what compress/gzip reads.
func FuzzGzip(f *testing.F) {
	f.Add(gz(f, []byte("_id,name\n1,Qasem\n")))
	f.Add(gz(f, make([]byte, 4096)))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Gzip(bytes.NewReader(b), Limits{MaxTotal: 1 << 20, MaxRatio: 100, RatioFloor: 1 << 10})
		var got []byte
		if err == nil {
			got, err = io.ReadAll(r)
		}
		if err != nil {
			var ue *Error
			if !errors.As(err, &ue) {
				t.Fatalf("err %v is not an *Error", err)
			}
			return
		}
		zr, err := gzipNew(b)
		if err != nil {
			t.Fatalf("accepted what compress/gzip refuses: %v", err)
		}
		if !bytes.Equal(got, zr) {
			t.Fatalf("read %d bytes, compress/gzip %d", len(got), len(zr))
		}
	})
}

// BenchmarkTokenScanner scans worksheet-like XML: rows of cells with
// attributes, as in a list workbook.
func BenchmarkTokenScanner(b *testing.B) {
	var doc bytes.Buffer
	for i := range 20000 {
		fmt.Fprintf(&doc, `<row r="%d" spans="1:36"><c r="A%d" t="s"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>Qasem SOLEIMANI</t></is></c></row>`, i, i, i, i)
	}
	b.SetBytes(int64(doc.Len()))
	for b.Loop() {
		ts := &TokenScanner{Max: 1 << 20}
		if _, err := ts.Write(doc.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}
