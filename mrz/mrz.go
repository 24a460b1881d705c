// Package mrz parses the machine-readable zone of ICAO Doc 9303 travel
// documents: TD3 passports (2×44), TD2 (2×36) and TD1 (3×30) cards, and
// MRV-A/MRV-B visas. It validates every check digit, reports which one fails,
// and builds the screening query for the holder.
package mrz

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
)

// Formats of machine-readable zone.
const (
	TD1  = "TD1"  // identity card, 3 lines of 30
	TD2  = "TD2"  // card or document, 2 lines of 36
	TD3  = "TD3"  // passport booklet, 2 lines of 44
	MRVA = "MRVA" // visa, 2 lines of 44
	MRVB = "MRVB" // visa, 2 lines of 36
)

// Check is the result of one check digit.
type Check struct {
	// Field names what the digit protects: "document_number", "birth_date",
	// "expiry_date", "optional_data" or "composite".
	Field string `json:"field"`
	// Line and Position (1-based) locate the check digit in the MRZ.
	Line     int `json:"line"`
	Position int `json:"position"`
	// Want is the digit computed from the field; Got the character found.
	Want string `json:"want"`
	Got  string `json:"got"`
	OK   bool   `json:"ok"`
}

// String describes the check, e.g. "birth_date check digit at line 2
// position 20: got 3, want 2".
func (c Check) String() string {
	s := fmt.Sprintf("%s check digit at line %d position %d", c.Field, c.Line, c.Position)
	if c.OK {
		return s + ": ok"
	}
	return fmt.Sprintf("%s: got %s, want %s", s, c.Got, c.Want)
}

// MRZ is a parsed machine-readable zone. Text fields have fillers removed;
// the raw lines are kept.
type MRZ struct {
	Format string   `json:"format"`
	Lines  []string `json:"lines"`
	// DocumentCode is the one- or two-letter code ("P", "PO", "I", "ID",
	// "AC", "V"); DocumentType its first letter.
	DocumentCode string `json:"document_code"`
	DocumentType string `json:"document_type"`
	// Issuer and Nationality are ICAO codes as written ("UTO", "D", "IRN");
	// IssuerISO and NationalityISO the ISO alpha-2 codes where they exist.
	Issuer         string `json:"issuer"`
	IssuerISO      string `json:"issuer_iso,omitempty"`
	Nationality    string `json:"nationality"`
	NationalityISO string `json:"nationality_iso,omitempty"`
	// Surname is the primary identifier; Given the secondary identifier with
	// its parts separated by spaces. Either may be truncated by the issuer.
	Surname string `json:"surname"`
	Given   string `json:"given,omitempty"`
	Number  string `json:"number"`
	// BirthDate and Expiry are YYYY-MM-DD (YYYY or YYYY-MM when parts are
	// unknown); the raw YYMMDD is in BirthDateRaw and ExpiryRaw.
	BirthDate    string `json:"birth_date,omitempty"`
	BirthDateRaw string `json:"birth_date_raw"`
	Expiry       string `json:"expiry,omitempty"`
	ExpiryRaw    string `json:"expiry_raw"`
	// Sex is "M", "F" or "" (unspecified).
	Sex string `json:"sex,omitempty"`
	// Optional is the optional data (TD3 personal number); Optional2 is the
	// second optional field of TD1 line 2.
	Optional  string  `json:"optional,omitempty"`
	Optional2 string  `json:"optional2,omitempty"`
	Checks    []Check `json:"checks"`
	// Warnings holds non-fatal problems, e.g. an impossible date.
	Warnings []string `json:"warnings,omitempty"`
}

// Valid reports whether every check digit passed.
func (m *MRZ) Valid() bool {
	for _, c := range m.Checks {
		if !c.OK {
			return false
		}
	}
	return true
}

// Failed returns the checks that failed.
func (m *MRZ) Failed() []Check {
	var out []Check
	for _, c := range m.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

// Name is the holder's name as "Given Surname".
func (m *MRZ) Name() string {
	return strings.TrimSpace(m.Given + " " + m.Surname)
}

// Query builds the screening query for the holder: name, date of birth,
// nationality (when it names a country), sex and document number.
func (m *MRZ) Query() vigil.Query {
	q := vigil.Query{Name: m.Name(), DOB: m.BirthDate, ID: m.Number, Kind: vigil.KindPerson, Nationality: m.NationalityISO}
	switch m.Sex {
	case "M":
		q.Gender = "male"
	case "F":
		q.Gender = "female"
	}
	return q
}

// Parse parses an MRZ given as its lines, or as one string holding the lines
// separated by newlines. Surrounding space is trimmed and lower case is
// accepted. A wrong number of lines, wrong line lengths or characters other
// than A–Z, 0–9 and '<' are an error; check-digit failures are not: they are
// reported in MRZ.Checks with the parsed fields.
func Parse(lines ...string) (*MRZ, error) {
	return parseAt(time.Now(), lines)
}

func parseAt(now time.Time, in []string) (*MRZ, error) {
	var lines []string
	for _, l := range in {
		for _, part := range strings.Split(strings.ReplaceAll(l, "\r", ""), "\n") {
			part = strings.ToUpper(strings.TrimSpace(part))
			if part != "" {
				lines = append(lines, part)
			}
		}
	}
	for i, l := range lines {
		for j := 0; j < len(l); j++ {
			c := l[j]
			if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '<') {
				return nil, fmt.Errorf("mrz: line %d position %d: character %q is not allowed (only A-Z, 0-9 and '<')", i+1, j+1, rune(l[j]))
			}
		}
	}
	m := &MRZ{Lines: lines}
	switch {
	case len(lines) == 3:
		if err := sameLength(lines, 30); err != nil {
			return nil, err
		}
		m.Format = TD1
		m.parseTD1(now)
	case len(lines) == 2 && len(lines[0]) == 44:
		if err := sameLength(lines, 44); err != nil {
			return nil, err
		}
		m.Format = TD3
		if lines[0][0] == 'V' {
			m.Format = MRVA
		}
		m.parseTwoLine(now)
	case len(lines) == 2 && len(lines[0]) == 36:
		if err := sameLength(lines, 36); err != nil {
			return nil, err
		}
		m.Format = TD2
		if lines[0][0] == 'V' {
			m.Format = MRVB
		}
		m.parseTwoLine(now)
	case len(lines) == 2:
		return nil, fmt.Errorf("mrz: line 1 has %d characters; a two-line MRZ has 44 (TD3, MRV-A) or 36 (TD2, MRV-B)", len(lines[0]))
	default:
		return nil, fmt.Errorf("mrz: %d lines; an MRZ has 2 (TD2, TD3) or 3 (TD1)", len(lines))
	}
	return m, nil
}

func sameLength(lines []string, n int) error {
	for i, l := range lines {
		if len(l) != n {
			return fmt.Errorf("mrz: line %d has %d characters, want %d", i+1, len(l), n)
		}
	}
	return nil
}

// header reads the document code and issuing state at the start of line 1.
func (m *MRZ) header(l string) {
	m.DocumentCode = clean(l[0:2])
	m.DocumentType = l[0:1]
	m.Issuer = clean(l[2:5])
	m.IssuerISO = Country(m.Issuer)
}

// parseTwoLine reads TD3, TD2 and the MRV visas, which share line 2's layout
// up to the expiry check digit.
func (m *MRZ) parseTwoLine(now time.Time) {
	l1, l2 := m.Lines[0], m.Lines[1]
	n := len(l1)
	m.header(l1)
	m.name(l1[5:])
	m.Number = clean(l2[0:9])
	m.check("document_number", 2, 10, l2[0:9])
	m.Nationality = clean(l2[10:13])
	m.NationalityISO = Country(m.Nationality)
	m.birth(now, l2[13:19])
	m.check("birth_date", 2, 20, l2[13:19])
	m.Sex = sex(l2[20])
	m.expiry(now, l2[21:27])
	m.check("expiry_date", 2, 28, l2[21:27])
	switch m.Format {
	case TD3:
		m.Optional = clean(l2[28:42])
		m.checkOptional(2, 43, l2[28:42])
		m.check("composite", 2, 44, l2[0:10]+l2[13:20]+l2[21:43])
	case TD2:
		m.Optional = clean(l2[28:35])
		m.check("composite", 2, 36, l2[0:10]+l2[13:20]+l2[21:35])
	default: // MRV-A and MRV-B carry no composite check digit.
		m.Optional = clean(l2[28:n])
	}
}

func (m *MRZ) parseTD1(now time.Time) {
	l1, l2, l3 := m.Lines[0], m.Lines[1], m.Lines[2]
	m.header(l1)
	num, opt := l1[5:14], l1[15:30]
	if l1[14] == '<' && opt[0] != '<' {
		// A document number longer than 9 characters continues in the
		// optional data; its check digit is the last character of that run
		// (Doc 9303 Part 5, note j).
		end := strings.IndexByte(opt, '<')
		if end < 0 {
			end = len(opt)
		}
		if end >= 2 {
			full := num + opt[:end-1]
			m.Number = clean(full)
			m.check("document_number", 1, 15+end, full)
			m.Optional = clean(opt[end:])
		} else {
			m.Number = clean(num)
			m.check("document_number", 1, 15, num)
			m.Optional = clean(opt)
		}
	} else {
		m.Number = clean(num)
		m.check("document_number", 1, 15, num)
		m.Optional = clean(opt)
	}
	m.birth(now, l2[0:6])
	m.check("birth_date", 2, 7, l2[0:6])
	m.Sex = sex(l2[7])
	m.expiry(now, l2[8:14])
	m.check("expiry_date", 2, 15, l2[8:14])
	m.Nationality = clean(l2[15:18])
	m.NationalityISO = Country(m.Nationality)
	m.Optional2 = clean(l2[18:29])
	m.check("composite", 2, 30, l1[5:30]+l2[0:7]+l2[8:15]+l2[18:29])
	m.name(l3)
}

// name reads the name field. No check digit protects it: digits in it
// (a reader's 0 for O, 1 for I) are the one sign of a misread name, and
// are recorded as a warning.
func (m *MRZ) name(field string) {
	m.Surname, m.Given = splitName(field)
	if strings.ContainsAny(field, "0123456789") {
		m.Warnings = append(m.Warnings, fmt.Sprintf("name field %q holds digits: the name is misread", strings.TrimRight(field, "<")))
	}
}

// check records the check digit at line/pos (1-based) over field.
func (m *MRZ) check(field string, line, pos int, data string) {
	got := m.Lines[line-1][pos-1 : pos]
	want := string(CheckDigit(data))
	m.Checks = append(m.Checks, Check{Field: field, Line: line, Position: pos, Want: want, Got: got, OK: got == want})
}

// checkOptional checks the TD3 optional-data digit, which may be '<' when
// the field is all fillers.
func (m *MRZ) checkOptional(line, pos int, data string) {
	if m.Lines[line-1][pos-1] == '<' && strings.Trim(data, "<") == "" {
		m.Checks = append(m.Checks, Check{Field: "optional_data", Line: line, Position: pos, Want: "<", Got: "<", OK: true})
		return
	}
	m.check("optional_data", line, pos, data)
}

// CheckDigit computes the Doc 9303 check digit of s: character values
// (digits 0–9, A–Z 10–35, '<' 0) weighted 7, 3, 1 repeating, summed, modulo
// 10.
func CheckDigit(s string) byte {
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := 0; i < len(s); i++ {
		sum += charValue(s[i]) * weights[i%3]
	}
	return byte('0' + sum%10)
}

func charValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 0
}

func clean(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(strings.TrimRight(s, "<"), "<", " "))
}

func sex(c byte) string {
	if c == 'M' || c == 'F' {
		return string(c)
	}
	return ""
}

// splitName splits the name field at the first "<<" into primary and
// secondary identifiers; single '<' separate name parts.
func splitName(s string) (surname, given string) {
	s = strings.TrimRight(s, "<")
	p, g, _ := strings.Cut(s, "<<")
	return clean(p), strings.Join(strings.Fields(strings.ReplaceAll(g, "<", " ")), " ")
}
