package mrz

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
)

func readFixture(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

var testNow = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)

func TestSpecimens(t *testing.T) {
	tests := []struct {
		file                              string
		format, code, issuer, issuerISO   string
		surname, given, number, dob, expi string
		sex, optional                     string
		checks                            int
	}{
		{"td3_specimen.txt", TD3, "P", "UTO", "", "ERIKSSON", "ANNA MARIA", "L898902C3", "1974-08-12", "2012-04-15", "F", "ZE184226B", 5},
		{"td2_specimen.txt", TD2, "I", "UTO", "", "ERIKSSON", "ANNA MARIA", "D23145890", "1974-08-12", "2012-04-15", "F", "", 4},
		{"td1_specimen.txt", TD1, "I", "UTO", "", "ERIKSSON", "ANNA MARIA", "D23145890", "1974-08-12", "2012-04-15", "F", "", 4},
		{"td1_germany.txt", TD1, "ID", "D", "DE", "MUSTERMANN", "ERIKA", "T22000129", "1964-08-12", "2020-10-31", "", "", 4},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			m, err := parseAt(testNow, readFixture(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			got := []string{m.Format, m.DocumentCode, m.Issuer, m.IssuerISO, m.Surname, m.Given, m.Number, m.BirthDate, m.Expiry, m.Sex, m.Optional}
			want := []string{tc.format, tc.code, tc.issuer, tc.issuerISO, tc.surname, tc.given, tc.number, tc.dob, tc.expi, tc.sex, tc.optional}
			for i := range got {
				if got[i] != want[i] {
					t.Errorf("field %d = %q, want %q (%+v)", i, got[i], want[i], m)
				}
			}
			if !m.Valid() || len(m.Checks) != tc.checks {
				t.Errorf("checks = %v, want %d passing", m.Checks, tc.checks)
			}
		})
	}
}

func TestCheckDigitWorkedExamples(t *testing.T) {
	// FORMATS.md §4.11 worked examples.
	for in, want := range map[string]byte{"AB1234567": '1', "850317": '2', "300101": '9', "UTO1985X0042<<": '1', "<<<<<<<<<": '0'} {
		if got := CheckDigit(in); got != want {
			t.Errorf("CheckDigit(%q) = %c, want %c", in, got, want)
		}
	}
}

// corrupt replaces the character at 1-based position pos of line (1-based).
func corrupt(lines []string, line, pos int, c byte) []string {
	out := append([]string(nil), lines...)
	b := []byte(out[line-1])
	b[pos-1] = c
	out[line-1] = string(b)
	return out
}

func TestCorruptedCheckDigits(t *testing.T) {
	td3 := readFixture(t, "td3_specimen.txt")
	td1 := readFixture(t, "td1_specimen.txt")
	tests := []struct {
		name       string
		lines      []string
		failed     []string // fields whose check must fail, in order
		line, pos  int      // first failing digit's position
		want, got  string
		fieldValue func(*MRZ) string
		value      string
	}{
		// A changed check digit: only that check fails.
		{"td3 dob digit", corrupt(td3, 2, 20, '3'), []string{"birth_date", "composite"}, 2, 20, "2", "3", func(m *MRZ) string { return m.BirthDate }, "1974-08-12"},
		// A changed data character (OCR 8→B style): the field and composite fail.
		{"td3 number char", corrupt(td3, 2, 3, '3'), []string{"document_number", "composite"}, 2, 10, "0", "6", func(m *MRZ) string { return m.Number }, "L838902C3"},
		{"td3 expiry", corrupt(td3, 2, 27, '6'), []string{"expiry_date", "composite"}, 2, 28, "0", "9", func(m *MRZ) string { return m.Expiry }, "2012-04-16"},
		{"td3 optional", corrupt(td3, 2, 30, 'F'), []string{"optional_data", "composite"}, 2, 43, "4", "1", func(m *MRZ) string { return m.Optional }, "ZF184226B"},
		{"td3 composite only", corrupt(td3, 2, 44, '1'), []string{"composite"}, 2, 44, "0", "1", func(m *MRZ) string { return m.Surname }, "ERIKSSON"},
		{"td1 number", corrupt(td1, 1, 15, '1'), []string{"document_number", "composite"}, 1, 15, "7", "1", func(m *MRZ) string { return m.Given }, "ANNA MARIA"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := parseAt(testNow, tc.lines)
			if err != nil {
				t.Fatal(err)
			}
			if m.Valid() {
				t.Fatal("Valid() = true for a corrupted MRZ")
			}
			var failed []string
			for _, c := range m.Failed() {
				failed = append(failed, c.Field)
			}
			if strings.Join(failed, ",") != strings.Join(tc.failed, ",") {
				t.Errorf("failed checks = %v, want %v", failed, tc.failed)
			}
			f := m.Failed()[0]
			if f.Line != tc.line || f.Position != tc.pos || f.Want != tc.want || f.Got != tc.got {
				t.Errorf("first failure = %+v, want line %d pos %d want %s got %s", f, tc.line, tc.pos, tc.want, tc.got)
			}
			if !strings.Contains(f.String(), "position") || !strings.Contains(f.String(), f.Field) {
				t.Errorf("String() = %q does not name field and position", f.String())
			}
			if v := tc.fieldValue(m); v != tc.value {
				t.Errorf("parsed field = %q, want %q (fields are returned despite the failure)", v, tc.value)
			}
		})
	}
}

func TestStructuralErrors(t *testing.T) {
	td3 := readFixture(t, "td3_specimen.txt")
	tests := []struct {
		name  string
		lines []string
		want  string
	}{
		{"one line", td3[:1], "1 lines"},
		{"short line 2", []string{td3[0], td3[1][:43]}, "line 2 has 43 characters, want 44"},
		{"odd length", []string{td3[0][:40], td3[1][:40]}, "line 1 has 40 characters"},
		{"bad char", []string{td3[0], strings.Replace(td3[1], "C", "-", 1)}, "line 2 position 8"},
		{"td1 length", []string{strings.Repeat("<", 30), strings.Repeat("<", 30), strings.Repeat("<", 29)}, "line 3 has 29"},
		{"empty", nil, "0 lines"},
	}
	for _, tc := range tests {
		_, err := Parse(tc.lines...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want containing %q", tc.name, err, tc.want)
		}
	}
}

func TestOneStringLowerCaseAndQuery(t *testing.T) {
	td3 := readFixture(t, "td3_specimen.txt")
	m, err := parseAt(testNow, []string{strings.ToLower(td3[0]) + "\r\n  " + td3[1] + "\n"})
	if err != nil {
		t.Fatal(err)
	}
	q := m.Query()
	// UTO, the specimen state, names no country: nothing to compare.
	want := vigil.Query{Name: "ANNA MARIA ERIKSSON", DOB: "1974-08-12", Gender: "female", ID: "L898902C3", Kind: vigil.KindPerson}
	if q != want {
		t.Errorf("Query() = %+v, want %+v", q, want)
	}
}

func TestCenturyInference(t *testing.T) {
	// A document issued to someone born in 1957 that expires in 2031; and one
	// for a child born in 2019. Built with computed check digits.
	build := func(number, nat, dob, sex, exp string) []string {
		l2 := number + string(CheckDigit(number)) + nat + dob + string(CheckDigit(dob)) + sex + exp + string(CheckDigit(exp)) + strings.Repeat("<", 14) + "<"
		l2 += string(CheckDigit(l2[0:10] + l2[13:20] + l2[21:43]))
		return []string{"P<IRNSOLEIMANI<<QASEM" + strings.Repeat("<", 44-21), l2}
	}
	m, err := parseAt(testNow, build("X12345678", "IRN", "570311", "M", "310101"))
	if err != nil {
		t.Fatal(err)
	}
	if m.BirthDate != "1957-03-11" || m.Expiry != "2031-01-01" || !m.Valid() || m.NationalityISO != "IR" || m.IssuerISO != "IR" {
		t.Errorf("got %+v", m)
	}
	if q := m.Query(); q.Name != "QASEM SOLEIMANI" || q.Nationality != "IR" || q.Gender != "male" {
		t.Errorf("Query() = %+v", q)
	}
	m, _ = parseAt(testNow, build("X12345678", "IRN", "190704", "F", "770101"))
	if m.BirthDate != "2019-07-04" || m.Expiry != "1977-01-01" {
		t.Errorf("birth %s expiry %s, want 2019-07-04 and 1977-01-01", m.BirthDate, m.Expiry)
	}
	// Unknown day and month, impossible month.
	m, _ = parseAt(testNow, build("X12345678", "IRN", "57<<<<", "<", "31130<"))
	if m.BirthDate != "1957" || m.Expiry != "2031" || m.Sex != "" || len(m.Warnings) != 1 {
		t.Errorf("birth %q expiry %q sex %q warnings %v", m.BirthDate, m.Expiry, m.Sex, m.Warnings)
	}
}

func TestTD1LongDocumentNumber(t *testing.T) {
	// Doc 9303 Part 5: a 12-character number D23145890734 continues in the
	// optional data with its check digit after it and '<' at position 15.
	num := "D23145890734"
	l1 := "I<UTO" + num[:9] + "<" + num[9:] + string(CheckDigit(num))
	l1 += strings.Repeat("<", 30-len(l1))
	l2 := "7408122F1204159UTO<<<<<<<<<<<"
	l2 += string(CheckDigit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]))
	m, err := parseAt(testNow, []string{l1, l2, "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Number != num || !m.Valid() || m.Checks[0].Position != 19 {
		t.Errorf("number %q valid %v checks %v", m.Number, m.Valid(), m.Checks)
	}
}

func TestVisa(t *testing.T) {
	l1 := "V<UTOERIKSSON<<ANNA<MARIA" + strings.Repeat("<", 44-25)
	l2 := "L8988901C4XXX4009078F96121096ZE184226B<<<<<<"
	m, err := parseAt(testNow, []string{l1, l2})
	if err != nil {
		t.Fatal(err)
	}
	if m.Format != MRVA || m.Nationality != "XXX" || m.NationalityISO != "" || len(m.Checks) != 3 {
		t.Errorf("got %+v", m)
	}
}

func TestCountry(t *testing.T) {
	for in, want := range map[string]string{"D<<": "DE", "D": "DE", "IRN": "IR", "UTO": "", "XXA": "", "GBN": "GB", "RUS": "RU", "UNO": "", "": ""} {
		if got := Country(in); got != want {
			t.Errorf("Country(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestDigitsInName: no check digit protects the name, so digits in it
// (a reader's 0 for O) are the warning that it is misread.
func TestDigitsInName(t *testing.T) {
	td3 := readFixture(t, "td3_specimen.txt")
	m, err := parseAt(testNow, []string{strings.Replace(td3[0], "ERIKSSON", "ER1KSS0N", 1), td3[1]})
	if err != nil {
		t.Fatal(err)
	}
	if !m.Valid() || len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], `name field "ER1KSS0N<<ANNA<MARIA" holds digits`) {
		t.Errorf("valid %v, warnings %q", m.Valid(), m.Warnings)
	}
	if m, _ = parseAt(testNow, td3[:]); len(m.Warnings) != 0 {
		t.Errorf("warnings %q", m.Warnings)
	}
}

func TestNoCountry(t *testing.T) {
	for in, want := range map[string]bool{"XXA": true, "XXX": true, "UTO": true, "UNO": true, "EUE": true, "UNK": false, "IRN": false, "QQQ": false, "D": false, "XX": false, "": false} {
		if got := NoCountry(in); got != want {
			t.Errorf("NoCountry(%q) = %v, want %v", in, got, want)
		}
	}
}
