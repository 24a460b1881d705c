package screen

import (
	"strings"
	"testing"

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
	res := MRZ(ix, m, 0)
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
	res = MRZ(ix, m, 0)
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
	res = MRZ(ix, m, 0)
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
