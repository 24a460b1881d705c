package screen

import (
	"os"
	"strings"
	"testing"

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
	res := Manifest(fixtureIndex(), parseManifest(t, "soleimani.edi"), 0)
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

func TestManifestProblemsAlongside(t *testing.T) {
	res := Manifest(fixtureIndex(), parseManifest(t, "broken_traveller.edi"), 0)
	if len(res.Travellers) != 3 || len(res.Problems) != 5 {
		t.Fatalf("%d travellers, problems %v", len(res.Travellers), res.Problems)
	}
	if res.Problems[0].Segment != 15 || !strings.Contains(res.Problems[0].Msg, "without a name") {
		t.Errorf("problem 0 = %+v", res.Problems[0])
	}
	for _, tr := range res.Travellers {
		if tr.Recommendation != Clear {
			t.Errorf("%s: %s %q", tr.Traveller.Name(), tr.Recommendation, tr.Reasons)
		}
	}
	if len(res.Flights[0].Travellers) != 3 || res.Worst() != Clear {
		t.Errorf("flight = %+v", res.Flights[0])
	}
}
