package screen

import (
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil/mrz"
)

// td3 builds a TD3 passport zone with correct check digits.
func td3(issuer, surname, given, number, nat, dob, sex, expiry string) [2]string {
	pad := func(s string, n int) string { return (s + strings.Repeat("<", n))[:n] }
	l1 := pad("P<"+issuer+surname+"<<"+strings.ReplaceAll(given, " ", "<"), 44)
	num := pad(number, 9)
	opt := pad("", 14)
	l2 := num + string(mrz.CheckDigit(num)) + nat + dob + string(mrz.CheckDigit(dob)) + sex + expiry + string(mrz.CheckDigit(expiry)) + opt + "<"
	l2 += string(mrz.CheckDigit(l2[0:10] + l2[13:20] + l2[21:43]))
	return [2]string{l1, l2}
}

func TestMRZFixture(t *testing.T) {
	ix := fixtureIndex()
	z := td3("IRN", "SOLEIMANI", "QASEM", "T88240217", "IRN", "570311", "M", "320101")
	m, err := mrz.Parse(z[0], z[1])
	if err != nil {
		t.Fatal(err)
	}
	res := MRZ(ix, m, mrzOpts)
	if !m.Valid() || len(res.Failed) != 0 || res.Recommendation != Deny || res.Deciding != "fx:1" {
		t.Fatalf("valid %v failed %v: %s on %s %q", m.Valid(), res.Failed, res.Recommendation, res.Deciding, res.Reasons)
	}
	if res.Query.DOB != "1957-03-11" || res.Query.Nationality != "IR" {
		t.Errorf("query = %+v", res.Query)
	}

	// The same zone with a wrong document-number digit: refer, not deny.
	bad0 := []byte(z[1])
	bad0[9] = byte('0' + (bad0[9]-'0'+1)%10)
	m, err = mrz.Parse(z[0], string(bad0))
	if err != nil {
		t.Fatal(err)
	}
	res = MRZ(ix, m, mrzOpts)
	if res.Recommendation != Refer || res.Deciding != "fx:1" || !strings.Contains(strings.Join(res.Reasons, "\n"), "would be deny") {
		t.Errorf("altered zone: %s on %s %q", res.Recommendation, res.Deciding, res.Reasons)
	}

	// A wrong birth-date check digit (line 2 position 20) on an unlisted
	// holder: refer, and the failure is the first reason.
	z = td3("UTO", "ERIKSSON", "ANNA MARIA", "L898902C3", "UTO", "740812", "F", "340415")
	bad := []byte(z[1])
	bad[19] = byte('0' + (bad[19]-'0'+1)%10)
	m, err = mrz.Parse(z[0], string(bad))
	if err != nil {
		t.Fatal(err)
	}
	res = MRZ(ix, m, mrzOpts)
	if len(res.Failed) < 1 || res.Failed[0].Field != "birth_date" || res.Failed[0].Line != 2 || res.Failed[0].Position != 20 {
		t.Fatalf("failed = %+v", res.Failed)
	}
	if res.Recommendation != Refer || len(res.Matches) != 0 {
		t.Errorf("recommendation %s, matches %+v", res.Recommendation, res.Matches)
	}
	if !strings.HasPrefix(res.Reasons[0], "check digit failed: birth_date check digit at line 2 position 20") {
		t.Errorf("reasons = %q", res.Reasons)
	}
}

// mrzOpts fixes today for the zones' expiry dates.
var mrzOpts = Options{Now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}

// TestMRZUnsure: what of a zone cannot be read or checked makes the holder
// at least refer, named first among the reasons: an expired passport (a
// listed holder is still denied), an expiry date that cannot be read, a
// nationality code naming no country, digits in the name (a misread
// name, which no check digit protects; a deny is referred), a name of
// fillers alone (not screened). A visa's expiry is not a passport's.
func TestMRZUnsure(t *testing.T) {
	ix := fixtureIndex()
	for _, tc := range []struct {
		name   string
		zone   [2]string
		rec    Recommendation
		reason string
	}{
		{"valid", td3("UTO", "ERIKSSON", "ANNA MARIA", "L898902C3", "UTO", "740812", "F", "340415"), Clear, ""},
		{"expired", td3("UTO", "ERIKSSON", "ANNA MARIA", "L898902C3", "UTO", "740812", "F", "260430"), Refer,
			"document expired on 2026-04-30 (checked against today, 2026-05-01)"},
		{"expired, listed", td3("IRN", "SOLEIMANI", "QASEM", "T88240217", "IRN", "570311", "M", "200101"), Deny,
			"document expired on 2020-01-01 (checked against today, 2026-05-01)"},
		{"expiry unreadable", td3("UTO", "ERIKSSON", "ANNA MARIA", "L898902C3", "UTO", "740812", "F", "<<<<<<"), Refer,
			`the expiry date "<<<<<<" cannot be read: whether the document is valid today (2026-05-01) is unknown`},
		{"expiry month", td3("UTO", "ERIKSSON", "ANNA MARIA", "L898902C3", "UTO", "740812", "F", "2604<<"), Refer,
			"document expired on 2026-04 (checked against today, 2026-05-01)"},
		{"nationality", td3("UTO", "ERIKSSON", "ANNA MARIA", "L898902C3", "QQQ", "740812", "F", "340415"), Refer,
			`nationality code "QQQ" names no country; screened without it`},
		{"digits in name", td3("IRN", "S0LEIMANI", "QASEM", "T88240217", "IRN", "570311", "M", "320101"), Refer,
			`the zone is misread or the document altered: name field "S0LEIMANI<<QASEM" holds digits: the name is misread`},
		{"no name", td3("UTO", "", "", "L898902C3", "UTO", "740812", "F", "340415"), Refer, "no name to screen: not screened; an officer decides"},
	} {
		m, err := mrz.Parse(tc.zone[0], tc.zone[1])
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		res := MRZ(ix, m, mrzOpts)
		if res.Recommendation != tc.rec || tc.reason != "" && res.Reasons[0] != tc.reason || tc.reason == "" && len(res.Problems) > 0 {
			t.Errorf("%s: %s, problems %q, reasons %q", tc.name, res.Recommendation, res.Problems, res.Reasons)
		}
	}
	// A visa that has expired is not flagged as a passport would be.
	l1 := "V<UTOERIKSSON<<ANNA<MARIA" + strings.Repeat("<", 44-25)
	m, err := mrz.Parse(l1, "L8988901C4XXX4009078F96121096ZE184226B<<<<<<")
	if err != nil {
		t.Fatal(err)
	}
	if res := MRZ(ix, m, mrzOpts); res.Recommendation != Clear || len(res.Problems) != 0 {
		t.Errorf("visa: %s %q", res.Recommendation, res.Reasons)
	}
}
