package vigil

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// chain builds n linked records.
func chain(n int) []AuditRecord {
	var out []AuditRecord
	prev := AuditGenesis
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		r, _ := NormalizeAudit(AuditRecord{Time: t0.Add(time.Duration(i) * time.Minute), Who: "cli:a", Action: "screen",
			Query: json.RawMessage(`{"i":` + string(rune('0'+i%10)) + `}`)}, time.Time{})
		r.Seq, r.Prev = int64(i+1), prev
		r.Hash = AuditHash(r)
		prev = r.Hash
		out = append(out, r)
	}
	return out
}

func check(recs []AuditRecord, headSeq int64, headHash string) (*AuditChain, *AuditBreak) {
	c := NewAuditChain()
	for _, r := range recs {
		if b := c.Add(r); b != nil {
			return c, b
		}
	}
	return c, c.End(headSeq, headHash)
}

func TestAuditChain(t *testing.T) {
	recs := chain(5)
	c, b := check(recs, 5, recs[4].Hash)
	if b != nil || c.Status.Records != 5 || c.Status.Head != recs[4].Hash || !c.Status.First.Equal(recs[0].Time) || !c.Status.Last.Equal(recs[4].Time) {
		t.Fatalf("intact chain: %+v %v", c.Status, b)
	}
	if _, b := check(nil, 0, AuditGenesis); b != nil {
		t.Errorf("empty chain: %v", b)
	}
	changed := chain(5)
	changed[2].Who = "cli:b"
	moved := chain(5)
	moved[1], moved[2] = moved[2], moved[1]
	moved[1].Seq, moved[2].Seq = 2, 3
	back := chain(5)
	back[3].Seq = 2
	for _, tc := range []struct {
		name     string
		recs     []AuditRecord
		headSeq  int64
		headHash string
		seq      int64
		kind     string
	}{
		{"changed", changed, 5, recs[4].Hash, 3, BreakChanged},
		{"gap", append(chain(5)[:2:2], chain(5)[3:]...), 5, recs[4].Hash, 3, BreakRemoved},
		{"first gone", chain(5)[1:], 5, recs[4].Hash, 1, BreakRemoved},
		{"moved", moved, 5, recs[4].Hash, 2, BreakUnlinked},
		{"seq backwards", back, 5, recs[4].Hash, 2, BreakReordered},
		{"tail gone", chain(5)[:3], 5, recs[4].Hash, 4, BreakRemoved},
		{"tail added", chain(5), 4, recs[3].Hash, 5, BreakAdded},
		{"last replaced", chain(5), 5, strings.Repeat("f", 64), 5, BreakChanged},
	} {
		_, b := check(tc.recs, tc.headSeq, tc.headHash)
		if b == nil || b.Seq != tc.seq || b.Kind != tc.kind || !errors.Is(b, ErrAuditBroken) {
			t.Errorf("%s: break %+v, want record %d %s", tc.name, b, tc.seq, tc.kind)
		}
	}
}

func TestNormalizeAudit(t *testing.T) {
	now := time.Date(2026, 2, 3, 4, 5, 6, 789123456, time.FixedZone("X", -7200))
	r, err := NormalizeAudit(AuditRecord{Who: "key:k", Action: "screen", Query: json.RawMessage("{ \"a\" : [1, 2.50, \"x y\"] }\n")}, now)
	if err != nil {
		t.Fatal(err)
	}
	if string(r.Query) != `{"a":[1,2.50,"x y"]}` || string(r.Result) != "null" || r.Time.Format(AuditTimeFormat) != "2026-02-03T06:05:06.789123Z" {
		t.Errorf("normalised %s %s %s", r.Query, r.Result, r.Time.Format(AuditTimeFormat))
	}
	for _, bad := range []AuditRecord{
		{Action: "a"}, {Who: "w"}, {Who: "w\t", Action: "a"}, {Who: "w", Action: "a\x7f"},
		{Who: "w", Action: "a", Query: json.RawMessage(`{"a":1`)},
		{Who: "w", Action: "a", Query: json.RawMessage(`1 2`)},
		{Who: "w", Action: "a", Result: json.RawMessage("\"\xc3\x28\"")},
		{Who: "w\xff", Action: "a"},
		{Who: "w", Action: "a", Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if _, err := NormalizeAudit(bad, now); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

func TestAuditHelper(t *testing.T) {
	var got AuditRecord
	log := appendFunc(func(r AuditRecord) { got = r })
	if err := Audit(t.Context(), log, "cli:x", "alert.decide", map[string]string{"id": "a1"}, nil); err != nil {
		t.Fatal(err)
	}
	if got.Who != "cli:x" || got.Action != "alert.decide" || string(got.Query) != `{"id":"a1"}` || string(got.Result) != "null" {
		t.Errorf("appended %+v", got)
	}
	if err := Audit(t.Context(), log, "cli:x", "a", func() {}, nil); err == nil {
		t.Error("an unmarshalable query was accepted")
	}
	if ActorFrom(t.Context()) != "unknown" || ActorFrom(WithActor(t.Context(), "vigil")) != "vigil" {
		t.Error("actor in context")
	}
}

// appendFunc is an AuditLog that only appends, for TestAuditHelper.
type appendFunc func(AuditRecord)

func (f appendFunc) AppendAudit(_ context.Context, r AuditRecord) (AuditRecord, error) {
	f(r)
	return r, nil
}
func (appendFunc) AuditLog(context.Context, AuditFilter) ([]AuditRecord, error) { return nil, nil }
func (appendFunc) VerifyAudit(context.Context) (AuditStatus, error)             { return AuditStatus{}, nil }
func (appendFunc) ExportAudit(context.Context, time.Time, func(AuditRecord) error) error {
	return nil
}

// FuzzNormalizeAudit: whatever NormalizeAudit accepts comes out compact,
// valid, meaning the same, and unchanged by a second pass; the hash depends
// on every hashed field.
func FuzzNormalizeAudit(f *testing.F) {
	f.Add("cli:a", "screen", []byte(`{"queries":[{"name":"X"}]}`), []byte(`null`))
	f.Add("key:k", "import", []byte(" [ 1 , \"\\u2028\" ] "), []byte(`{"a":{"b":[]}}`))
	f.Add("anon:::1", "x", []byte(`"\u00e9\ud83d\ude00"`), []byte(``))
	f.Fuzz(func(t *testing.T, who, action string, q, res []byte) {
		r, err := NormalizeAudit(AuditRecord{Who: who, Action: action, Query: q, Result: res}, time.Unix(1e9, 0))
		if err != nil {
			return
		}
		for _, js := range [][]byte{r.Query, r.Result} {
			var c bytes.Buffer
			if !json.Valid(js) || json.Compact(&c, js) != nil || !bytes.Equal(c.Bytes(), js) {
				t.Fatalf("not compact valid JSON: %q", js)
			}
		}
		if len(q) > 0 {
			var a, b any
			if json.Unmarshal(q, &a) != nil || json.Unmarshal(r.Query, &b) != nil || !reflect.DeepEqual(a, b) {
				t.Fatalf("query changed meaning: %q -> %q", q, r.Query)
			}
		}
		again, err := NormalizeAudit(r, time.Time{})
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Fatalf("second pass: %v %+v %+v", err, again, r)
		}
		h := AuditHash(r)
		r2 := r
		r2.Who += "x"
		if AuditHash(r2) == h {
			t.Fatal("the hash ignores who")
		}
	})
}
