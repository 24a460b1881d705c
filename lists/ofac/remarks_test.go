package ofac

import (
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
)

func TestParseRemarks(t *testing.T) {
	r := ParseRemarks("DOB 05 Mar 1970; alt. DOB 1971; POB Sample City, Utopia; nationality Iran; Gender Male; " +
		"Passport X0000001 (Iran) expires 01 Jan 2030; a.k.a. 'DOC'; Linked To: EXAMPLE TRADING LLC.")
	f := r.Facts
	if len(f.BirthDates) != 2 || f.BirthDates[0].String() != "1970-03-05" || f.BirthDates[1].String() != "1971" {
		t.Errorf("dobs = %+v", f.BirthDates)
	}
	if len(f.BirthPlaces) != 1 || f.BirthPlaces[0].Text != "Sample City, Utopia" || f.BirthPlaces[0].Country != "" {
		t.Errorf("pob = %+v", f.BirthPlaces)
	}
	if strings.Join(f.Nationalities, ",") != "IR" || f.Gender != "male" {
		t.Errorf("nat %v gender %q", f.Nationalities, f.Gender)
	}
	if len(f.Documents) != 1 || f.Documents[0].Expires != "2030-01-01" || f.Documents[0].Country != "IR" {
		t.Errorf("docs = %+v", f.Documents)
	}
	if len(f.Names) != 1 || f.Names[0].Full != "DOC" || f.Names[0].Quality != vigil.QualityWeak {
		t.Errorf("names = %+v", f.Names)
	}
	if len(f.Relations) != 1 || f.Relations[0].Name != "EXAMPLE TRADING LLC" || f.Relations[0].Type != "linked_to" {
		t.Errorf("relations = %+v", f.Relations)
	}
	if r.Rest != "" {
		t.Errorf("rest = %q", r.Rest)
	}
}

func TestParseRemarksRestAndWarnings(t *testing.T) {
	r := ParseRemarks("nationality Atlantis; Minister of Examples; Registration Number 12 (Medellin); Organization Established Date 1969.")
	if r.Rest != "nationality Atlantis; Minister of Examples; Organization Established Date 1969." {
		t.Errorf("rest = %q", r.Rest)
	}
	if len(r.Warnings) != 2 || !strings.Contains(r.Warnings[0], "Atlantis") || !strings.Contains(r.Warnings[1], "Medellin") {
		t.Errorf("warnings = %v", r.Warnings)
	}
	if len(r.Facts.Documents) != 1 || r.Facts.Documents[0].Note != "Medellin" || r.Facts.Documents[0].Country != "" {
		t.Errorf("documents = %+v", r.Facts.Documents)
	}
	for _, empty := range []string{"", "-0-", " -0- ", "."} {
		if r := ParseRemarks(empty); r.Rest != "" || len(r.Facts.Names) != 0 {
			t.Errorf("ParseRemarks(%q) = %+v", empty, r)
		}
	}
}

func TestSplitFacts(t *testing.T) {
	for in, want := range map[string]string{
		"a.k.a. 'X; Y'; DOB 1970":                    "a.k.a. 'X; Y'|DOB 1970",
		"a.k.a. 'ABDEL' AZIZ'; a.k.a. 'B'":           "a.k.a. 'ABDEL' AZIZ'|a.k.a. 'B'",
		"Leader of GAMA'AT; a.k.a. 'MERA'I'":         "Leader of GAMA'AT|a.k.a. 'MERA'I'",
		"a.k.a. 'UNCLOSED; DOB 1970":                 "a.k.a. 'UNCLOSED|DOB 1970",
		"POB Cali, Colombia;no space; Gender Female": "POB Cali, Colombia;no space|Gender Female",
	} {
		if got := strings.Join(splitFacts(in), "|"); got != want {
			t.Errorf("splitFacts(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDOB(t *testing.T) {
	for in, want := range map[string]string{
		"11 Mar 1957": "1957-03-11", "1957": "1957", "circa 1957": "~1957", "1957 to 1959": "1957..1959",
		"Mar 1957": "1957-03", "01 Jan 1957 to 31 Dec 1959": "1957..1959", "01 Mar 1960 to 31 Mar 1960": "1960-03",
		"sometime": "sometime", "1960 to 1950": "1960 to 1950",
	} {
		if got := parseDOB(in).String(); got != want {
			t.Errorf("parseDOB(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMatchLabelLongest(t *testing.T) {
	for fact, want := range map[string]string{
		"Passport 123":                             "Passport",
		"Diplomatic Passport 008827 (Iran)":        "Diplomatic Passport",
		"Registration Number 1":                    "Registration Number",
		"Registration ID 1":                        "Registration ID",
		"Digital Currency Address - XBT 1abc":      "Digital Currency Address - XBT",
		"Digital Currency Address - NEWCOIN 0xabc": "Digital Currency Address - NEWCOIN",
		"Passporter 1":                             "",
	} {
		name, _, _, _ := matchLabel(fact)
		if name != want {
			t.Errorf("matchLabel(%q) = %q, want %q", fact, name, want)
		}
	}
}
