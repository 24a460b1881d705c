package storetest

import (
	"context"
	"encoding/json"
	"testing"

	vigil "github.com/vigil-screening/vigil"
)

var _ = add("EventLog", testEventLog)

func testEventLog(t *testing.T, open Opener) {
	ctx := context.Background()
	st := open(t)
	if _, err := st.AppendEvent(ctx, vigil.Event{Data: json.RawMessage(`{}`)}); err == nil {
		t.Error("an event without a type was accepted")
	}
	if _, err := st.AppendEvent(ctx, vigil.Event{Type: "x", Data: json.RawMessage(`{`)}); err == nil {
		t.Error("an event with invalid JSON was accepted")
	}
	var ids []int64
	for _, typ := range []string{vigil.EventAlertOpened, vigil.EventAlertDecided, vigil.EventAlertReopened} {
		e, err := st.AppendEvent(ctx, vigil.Event{Type: typ, Data: json.RawMessage(`{"type":"` + typ + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if e.Time.IsZero() {
			t.Errorf("%s: no time assigned", typ)
		}
		ids = append(ids, e.ID)
	}
	if !(ids[0] < ids[1] && ids[1] < ids[2]) {
		t.Fatalf("ids do not increase: %v", ids)
	}
	got, err := st.EventsAfter(ctx, ids[0], 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != ids[1] || got[1].Type != vigil.EventAlertReopened || string(got[1].Data) != `{"type":"alert.reopened"}` {
		t.Fatalf("EventsAfter(%d) = %+v", ids[0], got)
	}
	if got, _ := st.EventsAfter(ctx, 0, 1); len(got) != 1 || got[0].ID != ids[0] {
		t.Fatalf("EventsAfter(0, 1) = %+v", got)
	}
}
