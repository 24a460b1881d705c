package screen

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil/paxlst"
)

func parseManifest(t *testing.T, name string) *paxlst.Message {
	t.Helper()
	f, err := os.Open("../paxlst/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := paxlst.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestManifestFixture(t *testing.T) {
	res := Manifest(fixtureIndex(), parseManifest(t, "soleimani.edi"), Options{})
	if len(res.Flights) != 1 || res.Flights[0].Flight.Ident() != "XX0112" {
		t.Fatalf("flights = %+v", res.Flights)
	}
	if got := res.Flights[0].Travellers; len(got) != 2 || got[0] != 0 || got[1] != 1 {
		t.Fatalf("flight travellers = %v", got)
	}
	sol, ob := res.Travellers[0], res.Travellers[1]
	if sol.Traveller.Surname != "SOLEIMANI" || sol.Recommendation != Deny || sol.Deciding != "fx:1" {
		t.Errorf("Soleimani: %s on %s, reasons %q", sol.Recommendation, sol.Deciding, sol.Reasons)
	}
	if !strings.Contains(strings.Join(sol.Reasons, "\n"), "date of birth 1957-03-11 is listed") {
		t.Errorf("Soleimani reasons %q", sol.Reasons)
	}
	if ob.Traveller.Surname != "OBRIEN" || ob.Recommendation != Clear || len(ob.Matches) != 0 {
		t.Errorf("O'Brien: %s %+v", ob.Recommendation, ob.Matches)
	}
	if res.Counts != (Counts{Deny: 1, Clear: 1}) || res.Flights[0].Counts != res.Counts || res.Worst() != Deny {
		t.Errorf("counts %+v flight %+v", res.Counts, res.Flights[0].Counts)
	}
}

// TestManifestNotScreened: a record that could not be read makes the
// manifest refer (it may hold a traveller nobody screened) and is counted,
// in its flight too; a traveller read in part (unreadable date of birth,
// unknown gender code, a document without a number or with an unreadable
// date) is referred, each problem named first among the reasons; the
// travellers read in full are screened as usual.
func TestManifestNotScreened(t *testing.T) {
	res := Manifest(fixtureIndex(), parseManifest(t, "broken_traveller.edi"), Options{})
	if len(res.Travellers) != 3 || len(res.Problems) != 5 {
		t.Fatalf("%d travellers, problems %v", len(res.Travellers), res.Problems)
	}
	if len(res.NotScreened) != 1 || res.NotScreened[0].Segment != 15 || !strings.Contains(res.NotScreened[0].Msg, "without a name") {
		t.Errorf("not screened = %+v", res.NotScreened)
	}
	want := map[string][]string{
		"FIRST GOOD": nil,
		"PERSON BADDATE": {`segment 20 ATT: unknown gender code "Q"; screened without it`, `segment 21 DTM: date of birth "71AB01" cannot be read; screened without it`,
			`segment 23 DOC: document "P" without a number: document skipped; screened without it`, `segment 25 DTM: document date "301399" cannot be read; screened without it`},
		"LAST GOOD": nil,
	}
	for _, tr := range res.Travellers {
		w := want[tr.Traveller.Name()]
		rec := Clear
		if w != nil {
			rec = Refer
		}
		if tr.Recommendation != rec || !slices.Equal(tr.Problems, w) || len(tr.Reasons) < len(w) || !slices.Equal(tr.Reasons[:len(w)], w) {
			t.Errorf("%s: %s, problems %q, reasons %q", tr.Traveller.Name(), tr.Recommendation, tr.Problems, tr.Reasons)
		}
	}
	if res.Counts != (Counts{Refer: 1, Clear: 2, NotScreened: 1}) || res.Flights[0].Counts != res.Counts || res.Worst() != Refer {
		t.Errorf("counts %+v, flight %+v, worst %s", res.Counts, res.Flights[0].Counts, res.Worst())
	}
	// Without the dropped record the manifest would be clear but for the
	// partly read traveller: each alone makes it refer.
	if (Counts{Clear: 3, NotScreened: 1}).Worst() != Refer || (Counts{Clear: 3}).Worst() != Clear || (Counts{Deny: 1, NotScreened: 1}).Worst() != Deny {
		t.Error("Counts.Worst")
	}
}

// TestManifestExpiredDocument: a passport or card that expires before the
// flight's departure makes its holder at least refer, saying so; one valid
// on the day of departure, and a visa, do not; a listed person with an
// expired passport is still denied. Without a date of travel, documents
// are checked against today.
func TestManifestExpiredDocument(t *testing.T) {
	m := parseManifest(t, "expired.edi")
	res := Manifest(fixtureIndex(), m, Options{})
	want := []struct {
		rec    Recommendation
		reason string
	}{
		{Refer, "passport FR1111111 expired on 2030-02-28, before the departure of XX0450 on 2030-03-01"},
		{Clear, ""},
		{Refer, "identity card SE3333333 expired on 2025-06-15, before the departure of XX0450 on 2030-03-01"},
		{Deny, "passport 008827 expired on 2029-01-01, before the departure of XX0450 on 2030-03-01"},
	}
	if len(res.Travellers) != len(want) {
		t.Fatalf("%d travellers", len(res.Travellers))
	}
	for i, w := range want {
		tr := res.Travellers[i]
		if tr.Recommendation != w.rec || (w.reason == "") != (len(tr.Problems) == 0) || w.reason != "" && tr.Reasons[0] != w.reason {
			t.Errorf("%s: %s, reasons %q; want %s, %q", tr.Traveller.Name(), tr.Recommendation, tr.Reasons, w.rec, w.reason)
		}
	}
	// No date of travel: today.
	m.Flights = nil
	for i := range m.Travellers {
		m.Travellers[i].Flights = nil
	}
	res = Manifest(fixtureIndex(), m, Options{Now: time.Date(2030, 2, 1, 9, 0, 0, 0, time.UTC)})
	if tr := res.Travellers[0]; tr.Recommendation != Clear {
		t.Errorf("valid until 2030-02-28, checked on 2030-02-01: %s %q", tr.Recommendation, tr.Reasons)
	}
	if tr := res.Travellers[2]; tr.Recommendation != Refer || tr.Reasons[0] != "identity card SE3333333 expired on 2025-06-15, before today, 2030-02-01 (the manifest states no date of travel)" {
		t.Errorf("%s %q", tr.Recommendation, tr.Reasons)
	}
}

// TestManifestUnreadableNationality: a nationality code that names no
// country is left out of the query and makes the traveller refer.
func TestManifestUnreadableNationality(t *testing.T) {
	m := parseManifest(t, "soleimani.edi")
	m.Travellers[1].Nationality = "QQ"
	m.Travellers[1].Problems = []paxlst.Problem{{Segment: 24, Tag: "NAT", Msg: `nationality code "QQ" names no country`}}
	res := Manifest(fixtureIndex(), m, Options{})
	if tr := res.Travellers[1]; tr.Recommendation != Refer || tr.Query.Nationality != "" || !strings.Contains(tr.Reasons[0], `"QQ" names no country`) {
		t.Errorf("%s %+v %q", tr.Recommendation, tr.Query, tr.Reasons)
	}
}

// TestManifestScreensEveryDocument: each of a traveller's documents is
// screened, not only the passport: a listed identity card number finds
// its listing whatever the name (refer), and agrees for a deny.
func TestManifestScreensEveryDocument(t *testing.T) {
	segs := []string{"UNH+D1+PAXLST:D:05B:UN:IATA", "BGM+745", "TDT+20+XX1+++XX", "LOC+125+AAA", "DTM+189:3003011010:201", "LOC+87+BBB",
		"NAD+FL+++DOE:JOHN", "DOC+P+XX9999999", "DTM+36:350101", "DOC+I+RU7654321", "DTM+36:350101",
		"NAD+FL+++SOLEIMANI:QASEM", "DOC+P+AB0000001", "DTM+36:350101", "DOC+I+008827", "DTM+36:350101"}
	segs = append(segs, fmt.Sprintf("UNT+%d+D1", len(segs)+1))
	m, err := paxlst.Parse(strings.NewReader("UNB+UNOA:4+A+B+300301:0800+9'" + strings.Join(segs, "'") + "'UNZ+1+9'"))
	if err != nil {
		t.Fatal(err)
	}
	res := Manifest(fixtureIndex(), m, Options{})
	doe, sol := res.Travellers[0], res.Travellers[1]
	if doe.Recommendation != Refer || doe.Deciding != "fx:2" {
		t.Errorf("DOE, whose identity card is listed: %s on %q, %q", doe.Recommendation, doe.Deciding, doe.Reasons)
	}
	if sol.Recommendation != Deny || sol.Deciding != "fx:1" || !strings.Contains(strings.Join(sol.Reasons, "\n"), "passport number 008827 is listed") {
		t.Errorf("SOLEIMANI, whose identity card number is a listed passport's: %s on %q, %q", sol.Recommendation, sol.Deciding, sol.Reasons)
	}
}
