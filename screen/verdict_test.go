package screen

import (
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
)

func TestAssess(t *testing.T) {
	ix := fixtureIndex()
	tests := []struct {
		name     string
		q        vigil.Query
		want     Recommendation
		deciding string
		reason   string // a substring of some reason
	}{
		{"travel ban with DOB", vigil.Query{Name: "QASEM SOLEIMANI", DOB: "1957-03-11", Nationality: "IR", Gender: "male"}, Deny, "fx:1", "date of birth 1957-03-11 is listed"},
		{"travel ban with document", vigil.Query{Name: "Qassem Suleimani", ID: "008827"}, Deny, "fx:1", "passport number 008827 is listed"},
		{"travel ban, name only", vigil.Query{Name: "Qasem Soleimani"}, Refer, "fx:1", "neither date of birth nor document agrees"},
		{"year-only listing agrees", vigil.Query{Name: "Marko Zelenko", DOB: "1970-05-05"}, Deny, "fx:3", "agrees with the listed 1970"},
		{"no travel ban", vigil.Query{Name: "Ivan Petrovich Sidorenko", DOB: "1961-04-04", ID: "RU7654321"}, Refer, "fx:2", "without a travel ban"},
		{"unlisted", vigil.Query{Name: "Anna Marie OBrien", DOB: "1985-03-17", Nationality: "IE"}, Clear, "", "no listing scores"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := Assess(ix, tc.q, 0)
			if v.Recommendation != tc.want || v.Deciding != tc.deciding {
				t.Fatalf("got %s on %q, want %s on %q; reasons %q matches %+v", v.Recommendation, v.Deciding, tc.want, tc.deciding, v.Reasons, v.Matches)
			}
			if !strings.Contains(strings.Join(v.Reasons, "\n"), tc.reason) {
				t.Errorf("reasons %q lack %q", v.Reasons, tc.reason)
			}
			if tc.want != Clear && (len(v.Matches) == 0 || v.Matches[0].EntityID != tc.deciding) {
				t.Errorf("matches = %+v", v.Matches)
			}
		})
	}
}

func TestDOBAgrees(t *testing.T) {
	listed := []vigil.Date{{Year: 1957, Month: 3, Day: 11}, {Year: 1960, ToYear: 1962}, {Year: 1950, Approx: true}}
	for dob, want := range map[string]bool{
		"1957-03-11": true, "1957": true, "1957-03": true, "1957-03-12": false, "1961": false, "1950": false, "": false, "garbage": false,
	} {
		if got := dobAgrees(dob, listed) != ""; got != want {
			t.Errorf("dobAgrees(%q) = %v, want %v", dob, got, want)
		}
	}
}
