package screen

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/vigil-screening/vigil"
)

// badLine is BatchLine for a bad row as encoding/json writes it: what
// appendBadLine is held to.
type badLine struct {
	Row   int    `json:"row"`
	ID    string `json:"id,omitempty"`
	Error string `json:"error"`
}

// goodLine is BatchLine for a screened row as Batch writes it, matches
// always present: what appendLineHead and appendLineTail are held to.
type goodLine struct {
	Row      int               `json:"row"`
	ID       string            `json:"id,omitempty"`
	Input    map[string]string `json:"input"`
	Problems []string          `json:"problems,omitempty"`
	Matches  []vigil.Match     `json:"matches"`
}

// appendGoodLine appends l's output line as Batch writes it.
func appendGoodLine(b []byte, l *goodLine) []byte {
	return appendLineTail(appendLineHead(b, l.Row, l.ID, l.Input, l.Problems), l.Matches)
}

// encodingJSON is what a json.Encoder with HTML escaping off writes for v.
func encodingJSON(t testing.TB, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGoodLineAsEncodingJSON: the hand-written output lines are the bytes
// encoding/json writes, for awkward strings, no input, no matches and
// matches.
func TestGoodLineAsEncodingJSON(t *testing.T) {
	awkward := []string{"", "plain", `quote " and back\slash`, "tab\tnew\nline\rcr\bbs\fff", "\x00\x01\x1f\x7f",
		"<html> & </html>", "bad utf-8 \xff\xfe end", "line\u2028para\u2029sep", "Сергей Шойгу", "قاسم سلیمانی", "emoji 😀", "\xe2\x80"}
	m := vigil.Match{EntityID: "un:IRi.039", Source: "un", Ref: "IRi.039", Kind: vigil.KindPerson, Name: "QASEM SOLEIMANI <x>",
		MatchedName: "Qasem & Soleimani", Score: 0.97, ListVersion: "un@1",
		Explanation: []vigil.Feature{{Feature: "name", Score: 0.97, Detail: "alias \"x\"\u2028"}}}
	for i, s := range awkward {
		lines := []goodLine{
			{Row: i, ID: s, Input: map[string]string{"name": s, s: "v", "dob": "1957-03-11"}, Matches: []vigil.Match{}},
			{Row: -i, Input: map[string]string{}, Matches: []vigil.Match{m, m}},
			{Row: 1 << 40, ID: "x", Input: nil, Matches: nil},
			{Row: i, Input: map[string]string{"dob": s}, Problems: []string{"dob " + s + " is not a date", s}, Matches: []vigil.Match{m}},
			{Row: i, Input: nil, Problems: []string{s}, Matches: nil},
			{Row: i, Input: map[string]string{}, Problems: []string{}, Matches: []vigil.Match{}},
		}
		for _, l := range lines {
			if got, want := appendGoodLine(nil, &l), encodingJSON(t, l); !bytes.Equal(got, want) {
				t.Errorf("%+v:\n got %s\nwant %s", l, got, want)
			}
		}
		bl := badLine{Row: i, ID: s, Error: "bad date of birth " + s}
		if got, want := appendBadLine(nil, bl.Row, bl.ID, bl.Error), encodingJSON(t, bl); !bytes.Equal(got, want) {
			t.Errorf("%+v:\n got %s\nwant %s", bl, got, want)
		}
	}
}

// FuzzGoodLine holds the hand-written output lines to encoding/json's
// bytes for any strings.
func FuzzGoodLine(f *testing.F) {
	f.Add(1, "c1", "name", "Qasem Soleimani", "bad date")
	f.Add(0, "", "", "\xff\u2028\x00\"\\", "")
	f.Fuzz(func(t *testing.T, row int, id, key, val, msg string) {
		l := goodLine{Row: row, ID: id, Input: map[string]string{key: val, "name": val + id}, Matches: []vigil.Match{}}
		if got, want := appendGoodLine(nil, &l), encodingJSON(t, l); !bytes.Equal(got, want) {
			t.Errorf("%+v:\n got %s\nwant %s", l, got, want)
		}
		l.Problems = []string{msg, val}
		if got, want := appendGoodLine(nil, &l), encodingJSON(t, l); !bytes.Equal(got, want) {
			t.Errorf("%+v:\n got %s\nwant %s", l, got, want)
		}
		bl := badLine{Row: row, ID: id, Error: msg}
		if got, want := appendBadLine(nil, bl.Row, bl.ID, bl.Error), encodingJSON(t, bl); !bytes.Equal(got, want) {
			t.Errorf("%+v:\n got %s\nwant %s", bl, got, want)
		}
	})
}
