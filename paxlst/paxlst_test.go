package paxlst

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

func parseFile(t *testing.T, name string) (*Message, error) {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return Parse(f)
}

func mustParse(t *testing.T, name string) *Message {
	t.Helper()
	m, err := parseFile(t, name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return m
}

func TestMultiPassengerWithCrew(t *testing.T) {
	m := mustParse(t, "multi.edi")
	if len(m.Problems) != 0 || len(m.Warnings) != 0 {
		t.Errorf("problems %v warnings %v", m.Problems, m.Warnings)
	}
	ich := m.Interchange
	if ich.Syntax != "UNOA" || ich.Version != "4" || ich.Sender != "XXAIR" || ich.Control != "000123" || ich.Prepared != "2030-03-01T08:15" || ich.AppRef != "APIS" {
		t.Errorf("interchange = %+v", ich)
	}
	h := m.Messages[0]
	if h.Ref != "M0001" || h.Type != "PAXLST:D:05B:UN:IATA" || h.DocCode != "745" || h.Reference != "XX0450300301" || h.Passengers != 3 || h.Crew != 1 || h.Reporter != "OPS DESK" {
		t.Errorf("header = %+v", h)
	}
	wantFlights := []Flight{{Carrier: "XX", Number: "0450", Legs: []Leg{
		{From: "AAA", To: "BBB", Departure: "2030-03-01T10:10", Arrival: "2030-03-01T12:30"},
		{From: "BBB", To: "CCC", Departure: "2030-03-01T13:30", Arrival: "2030-03-01T16:00"},
	}}}
	if !reflect.DeepEqual(m.Flights, wantFlights) {
		t.Errorf("flights = %+v\nwant %+v", m.Flights, wantFlights)
	}
	if len(m.Travellers) != 4 {
		t.Fatalf("%d travellers, want 4: %+v", len(m.Travellers), m.Travellers)
	}
	mu := m.Travellers[0]
	wantMu := Traveller{Role: RolePassenger, Surname: "MUELLER", Given: "JOHANNES PETER", Gender: "male", DOB: "1964-08-12",
		Nationality: "DE", Residence: "DE", Embark: "AAA", Debark: "CCC", PNR: "ABC123", Seat: "12A",
		Documents: []Doc{{Type: "P", Number: "C01X00T47", Issuer: "DE", Expiry: "2031-05-15"}},
		Flights:   []int{0}, Message: "M0001", Segment: 16}
	if !reflect.DeepEqual(mu, wantMu) {
		t.Errorf("traveller 0 = %+v\nwant %+v", mu, wantMu)
	}
	ok := m.Travellers[1]
	if ok.DOB != "1992-01-02" || ok.Birthplace != "LAGOS NIGERIA" || ok.Residence != "NG" || len(ok.Documents) != 2 ||
		ok.Documents[0].Number != "A07654321" || ok.Documents[1].Type != "V" || ok.Documents[1].Issuer != "UTO" {
		t.Errorf("traveller 1 = %+v", ok)
	}
	tn := m.Travellers[2]
	if !tn.Transit || tn.Role != RolePassenger || tn.DOB != "2005-12-31" || tn.Nationality != "JP" {
		t.Errorf("traveller 2 = %+v", tn)
	}
	crew := m.Travellers[3]
	if crew.Role != RoleCrew || crew.Name() != "JANE SMITH" || crew.DOB != "1980-02-29" || crew.Nationality != "GB" {
		t.Errorf("crew = %+v", crew)
	}
}

func TestSeedTraveller(t *testing.T) {
	m := mustParse(t, "soleimani.edi")
	if len(m.Flights) != 1 || m.Flights[0].Ident() != "XX0112" || m.Flights[0].Legs[0].From != "IKA" || m.Flights[0].Legs[0].To != "SVO" {
		t.Errorf("flights = %+v", m.Flights)
	}
	if len(m.Travellers) != 2 {
		t.Fatalf("travellers = %+v", m.Travellers)
	}
	q := m.Travellers[0].Query()
	want := vigil.Query{Name: "QASEM SOLEIMANI", DOB: "1957-03-11", Nationality: "IR", Gender: "male", ID: "T88240217", Kind: vigil.KindPerson}
	if q != want {
		t.Errorf("Query() = %+v, want %+v", q, want)
	}
	if d := m.Travellers[0].Documents[0]; d.Issuer != "IR" || d.Expiry != "2032-01-01" {
		t.Errorf("document = %+v", d)
	}
	if q := m.Travellers[1].Query(); q.Name != "ANNA MARIE OBRIEN" || q.DOB != "1985-03-17" || q.Nationality != "IE" {
		t.Errorf("second traveller = %+v", q)
	}
}

func TestReleaseCharacters(t *testing.T) {
	for _, file := range []string{"release.edi", "custom_una.edi"} {
		t.Run(file, func(t *testing.T) {
			m := mustParse(t, file)
			var names []string
			for _, tr := range m.Travellers {
				names = append(names, tr.Surname+"|"+tr.Given)
			}
			want := []string{"O'BRIEN|ANNA MARIE", "SMITH+JONES|MARY:ANN", "WHAT?|ODD ?NAME"}
			if file == "custom_una.edi" {
				want[1] = "SMITH*JONES|MARY:ANN"
			}
			if !reflect.DeepEqual(names, want) {
				t.Errorf("names = %q, want %q", names, want)
			}
			num := m.Travellers[1].Documents[0].Number
			if num != "AB+C9" && num != "AB*C9" {
				t.Errorf("released document number = %q", num)
			}
			if len(m.Flights) != 1 || len(m.Flights[0].Legs) != 1 || len(m.Problems) != 0 {
				t.Errorf("flights %+v problems %v", m.Flights, m.Problems)
			}
		})
	}
}

func TestBrokenTraveller(t *testing.T) {
	m := mustParse(t, "broken_traveller.edi")
	var names []string
	for _, tr := range m.Travellers {
		names = append(names, tr.Name())
	}
	if !reflect.DeepEqual(names, []string{"FIRST GOOD", "PERSON BADDATE", "LAST GOOD"}) {
		t.Errorf("travellers = %q", names)
	}
	want := []Problem{
		{Segment: 15, Tag: "NAD", Msg: "traveller without a name: record skipped", Dropped: true, Message: "B1", Flights: []int{0}},
		{Segment: 20, Tag: "ATT", Msg: `unknown gender code "Q"`, Message: "B1"},
		{Segment: 21, Tag: "DTM", Msg: `date of birth "71AB01" cannot be read`, Message: "B1"},
		{Segment: 23, Tag: "DOC", Msg: `document "P" without a number: document skipped`, Message: "B1"},
		{Segment: 25, Tag: "DTM", Msg: `document date "301399" cannot be read`, Message: "B1"},
	}
	if !reflect.DeepEqual(m.Problems, want) {
		t.Errorf("problems:\n%#v\nwant\n%#v", m.Problems, want)
	}
	// The dropped record, and each traveller's own problems.
	if d := m.Dropped(); !reflect.DeepEqual(d, want[:1]) {
		t.Errorf("dropped = %+v", d)
	}
	if p := m.Travellers[1].Problems; !reflect.DeepEqual(p, want[1:]) || m.Travellers[0].Problems != nil || m.Travellers[2].Problems != nil {
		t.Errorf("traveller problems = %+v / %+v / %+v", m.Travellers[0].Problems, p, m.Travellers[2].Problems)
	}
	bd := m.Travellers[1]
	if bd.DOB != "" || bd.Gender != "" || len(bd.Documents) != 1 || bd.Documents[0].Number != "ES7654321" || bd.Nationality != "ES" {
		t.Errorf("partly bad traveller = %+v", bd)
	}
	if m.Travellers[2].DOB != "1975-05-05" || m.Travellers[2].Flights[0] != 0 {
		t.Errorf("traveller after the bad ones = %+v", m.Travellers[2])
	}
}

func TestMalformed(t *testing.T) {
	tests := []struct {
		file string
		seg  int
		tag  string
		msg  string
	}{
		{"bad_count.edi", 29, "UNT", `UNT counts "99" segments, message X1 has 27`},
		{"truncated.edi", 21, "NAD", "not terminated"},
		{"unterminated.edi", 14, "UNH", "unterminated message"},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			data, _ := os.ReadFile("testdata/" + tc.file)
			_, err := Parse(strings.NewReader(string(data)))
			var se *SegmentError
			var pe *lists.ParseError
			if !errors.As(err, &se) || !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *SegmentError inside a *lists.ParseError", err)
			}
			if se.Segment != tc.seg || se.Tag != tc.tag || !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("error = %+v, want segment %d %s %q", se, tc.seg, tc.tag, tc.msg)
			}
			// The position is the tag's character offset in the file.
			if se.Pos < 1 || se.Pos+2 > len(data) || string(data[se.Pos-1:se.Pos+2]) != tc.tag {
				t.Errorf("position %d does not point at %s", se.Pos, tc.tag)
			}
			if !strings.Contains(err.Error(), "character") || pe.Line == 0 {
				t.Errorf("message %q / line %d", err, pe.Line)
			}
		})
	}
}

func TestLenientCount(t *testing.T) {
	f, _ := os.Open("testdata/bad_count.edi")
	defer f.Close()
	m, err := Options{Lenient: true}.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Travellers) != 2 || len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], "UNT") {
		t.Errorf("travellers %d warnings %v", len(m.Travellers), m.Warnings)
	}
}

func TestEnvelopeErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "UNH missing"},
		{"BGM+745'", "segment 1 BGM at character 1: segment outside a message"},
		{"UNH+1+PAXLST'BGM+745'", "UNT missing"},
		{"UNB+UNOA:4+A+B+300101:0000+1'UNH+1+PAXLST'UNT+2+1'", "UNZ"},
		{"UNH+1+PAXLST'UNT+2+2'", `UNT reference "2" differs`},
		{"UNT+1+1'", "without a message header"},
		{"UNH+1+PAXLST'UNT+2+1'UNZ+1+1'", "without a header UNB"},
		{"UNH+1+PAXLST'B?M+745'UNT+3+1'", `"BM" is not a segment tag`},
		{"UNH+1+PAXLST'bgm+745'UNT+3+1'", `segment 2 bgm at character 14: "bgm" is not a segment tag`},
		{"UNA:+", "shorter than 9"},
		{"UNH+1+PAXLST'BGM+745?", "release character"},
		{"UNA::.? 'UNH", "uses ':' twice"},
	}
	for _, tc := range tests {
		_, err := Parse(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", tc.in, err, tc.want)
		}
	}
}

func TestRepetitionKeptRaw(t *testing.T) {
	// Syntax version 4 without UNA: '*' in the sender id is kept as data,
	// and offered split in Repeats.
	_, segs, err := lex([]byte("UNB+UNOA:4+APIS*C3K:ZZ+USCBP+300101:1200+1'UNH+1+PAXLST'"))
	if err != nil {
		t.Fatal(err)
	}
	if segs[0].El(1, 0) != "APIS*C3K" {
		t.Fatalf("sender = %q", segs[0].El(1, 0))
	}
	_, segs, _ = lex([]byte("UNB+UNOA:4+X+Y+300101:1200+1'UNH+1+A*B:C'"))
	el := segs[1].Elements[1]
	if el.Raw != "A*B:C" || !reflect.DeepEqual(el.Components, []string{"A*B", "C"}) || !reflect.DeepEqual(el.Repeats, [][]string{{"A"}, {"B", "C"}}) {
		t.Errorf("element = %+v", el)
	}
}

func TestBirthCentury(t *testing.T) {
	now := time.Date(2030, 3, 1, 8, 15, 0, 0, time.UTC)
	for in, want := range map[string]string{"300301": "2030-03-01", "300302": "1930-03-02", "570311": "1957-03-11", "19570311": "1957-03-11", "570230": ""} {
		got, _ := parseDate(in, "", now, true)
		if got != want {
			t.Errorf("parseDate(%q) = %q, want %q", in, got, want)
		}
	}
}

// message wraps body segments in an interchange with one message whose
// UNT counts them.
func message(body ...string) string {
	segs := append([]string{"UNH+M1+PAXLST:D:05B:UN:IATA", "BGM+745"}, body...)
	segs = append(segs, "UNT+"+strconv.Itoa(len(segs)+1)+"+M1")
	return "UNB+UNOA:4+A+B+300301:0800+9'" + strings.Join(segs, "'") + "'UNZ+1+9'"
}

// TestDroppedAndPartlyRead: a record that is not read is dropped (and
// given the message's flights); a nationality code naming no country is a
// problem of its traveller, and is left out of the query, unless it names
// none by design (XXA: stateless).
func TestDroppedAndPartlyRead(t *testing.T) {
	m, err := Parse(strings.NewReader(message(
		"TDT+20+XX1+++XX", "LOC+125+AAA", "DTM+189:3003011010:201", "LOC+87+BBB",
		"DOC+P+X1",         // no NAD before it
		"NAD+ZZ+++ODD:ONE", // unknown party qualifier
		"NAT+2+IRN",        // belongs to the dropped record
		"NAD+FL+++STATELESS:ANNA", "NAT+2+XXA",
		"NAD+FL+++UNKNOWN:CODE", "NAT+2+QQQ",
		"NAD+FL+++TWO:LETTERS", "NAT+2+ZZ",
		"NAD+FL+++KNOWN:CODE", "NAT+2+IRN",
	)))
	if err != nil {
		t.Fatal(err)
	}
	var dropped []string
	for _, p := range m.Dropped() {
		dropped = append(dropped, fmt.Sprintf("%d %s %v", p.Segment, p.Tag, p.Flights))
	}
	if fmt.Sprint(dropped) != "[8 DOC [0] 9 NAD [0]]" {
		t.Errorf("dropped = %v (%+v)", dropped, m.Problems)
	}
	want := map[string]string{"ANNA STATELESS": "", "CODE UNKNOWN": `nationality code "QQQ" names no country`, "LETTERS TWO": `nationality code "ZZ" names no country`, "CODE KNOWN": ""}
	if len(m.Travellers) != len(want) {
		t.Fatalf("travellers = %+v", m.Travellers)
	}
	for _, tr := range m.Travellers {
		got := ""
		if len(tr.Problems) > 0 {
			got = tr.Problems[0].Msg
		}
		q := tr.Query()
		if got != want[tr.Name()] || len(tr.Problems) > 1 || (q.Nationality != "") != (tr.Name() == "CODE KNOWN") {
			t.Errorf("%s: problems %+v, query nationality %q", tr.Name(), tr.Problems, q.Nationality)
		}
	}
}
