package batch

import (
	"bytes"
	"errors"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/listtest"
	"github.com/vigil-screening/vigil/match"
)

// readAll reads every record of a fixture.
func readAll(t *testing.T, r io.Reader, name string, opts Options) (Reader, []Record) {
	t.Helper()
	rd, err := Open(r, name, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", name, err)
	}
	var out []Record
	for {
		rec, err := rd.Next()
		if err == io.EOF {
			return rd, out
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		out = append(out, rec)
	}
}

func openFixture(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// checked is q as the screening path screens it.
func checked(q vigil.Query) vigil.Query {
	q, _ = match.CheckQuery(q)
	return q
}

// summary is a record as "row N: ok NAME" or "row N: error text".
func summary(recs []Record) []string {
	var out []string
	for _, r := range recs {
		s := "row " + strconv.Itoa(r.Row) + ": ok " + r.Query.Name
		if r.Err != nil {
			s = r.Err.Error()
		}
		out = append(out, s)
	}
	return out
}

func TestCSVWithBadRows(t *testing.T) {
	rd, recs := readAll(t, openFixture(t, "customers.csv"), "customers.csv", Options{})
	if rd.Format() != FormatCSV {
		t.Errorf("format = %s", rd.Format())
	}
	want := []string{
		"row 2: ok Anna Marie OBrien",
		"row 3: ok Soleimani, Qasem",
		"row 4: missing name",
		"row 5: broken quoting: text after the closing quote of field 2",
		"row 6: ok Jean Dupont",
		"row 7: 3 fields, the header has 7",
		"row 8: broken quoting: quote inside unquoted field 2",
		"row 10: ok Multi Line Name",
		"row 12: ok Li Wei",
	}
	if got := summary(recs); !reflect.DeepEqual(got, want) {
		t.Fatalf("records:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	q := recs[0].Query
	if q != (vigil.Query{Name: "Anna Marie OBrien", DOB: "1985-03-17", Nationality: "Ireland", Gender: "F", ID: "PX1234567"}) || recs[0].ID != "1" {
		t.Errorf("row 2 query = %+v id %q", q, recs[0].ID)
	}
	if q := recs[1].Query; q.DOB != "1957-03-11" || q.Nationality != "IRN" || q.Gender != "M" || recs[1].Input["Notes"] != "comma, in quotes" {
		t.Errorf("row 3 = %+v input %v", q, recs[1].Input)
	}
	// Values are as written (the screening path checks them), but for
	// dates of birth that can be read, which become YYYY-MM-DD.
	if q := recs[4].Query; q != (vigil.Query{Name: "Jean Dupont", DOB: "1970-13-45", Nationality: "France", Gender: "M"}) {
		t.Errorf("row 6 = %+v", q)
	}
	if recs[2].Input["Date of Birth"] != "1970-01-01" {
		t.Errorf("a bad row keeps its input: %v", recs[2].Input)
	}
	var re *RowError
	if !errors.As(recs[3].Err, &re) || re.Row != 5 {
		t.Errorf("Err = %#v, want *RowError for row 5", recs[3].Err)
	}
	if q := checked(recs[8].Query); q.DOB != "1966-03" || q.Nationality != "CN" {
		t.Errorf("row 12 = %+v", q)
	}
	if w := rd.Warnings(); len(w) != 1 || !strings.Contains(w[0], `"Notes"`) {
		t.Errorf("warnings = %v", w)
	}
}

func TestUnterminatedQuoteResync(t *testing.T) {
	// A quote that never closes: the row is reported and every later row
	// is still read (encoding/csv would swallow them all).
	var b strings.Builder
	b.WriteString("name,dob\n\"Open quote,1970\n")
	for i := 0; i < 30; i++ {
		b.WriteString("Person Number,1980\n")
	}
	_, recs := readAll(t, strings.NewReader(b.String()), "x.csv", Options{})
	if len(recs) != 31 || recs[0].Err == nil || !strings.Contains(recs[0].Err.Error(), "not closed within 20 lines") || recs[0].Row != 2 {
		t.Fatalf("first record %+v, %d records", recs[0], len(recs))
	}
	for i, r := range recs[1:] {
		if r.Err != nil || r.Row != i+3 || r.Query.DOB != "1980" {
			t.Fatalf("record %d = %+v", i+1, r)
		}
	}
	// At the end of the file.
	_, recs = readAll(t, strings.NewReader("name\nok\n\"open\nnext\n"), "x.csv", Options{})
	if got := summary(recs); !reflect.DeepEqual(got, []string{"row 2: ok ok", "row 3: broken quoting: quoted field not closed before the end of the file", "row 4: ok next"}) {
		t.Errorf("got %q", got)
	}
}

func TestTSV(t *testing.T) {
	rd, recs := readAll(t, openFixture(t, "customers.tsv"), "customers.txt", Options{})
	if rd.Format() != FormatTSV {
		t.Fatalf("format = %s (content sniffing)", rd.Format())
	}
	got := summary(recs)
	want := []string{"row 2: ok Kim Jong Un", "row 3: missing name", "row 4: ok John Smith", `row 5: ok Maria Da "Silva"`}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if q := checked(recs[0].Query); q.Kind != vigil.KindPerson || q.Nationality != "KP" || q.DOB != "1984-01-08" {
		t.Errorf("query = %+v", q)
	}
	if q := checked(recs[3].Query); q.Nationality != "BR" {
		t.Errorf("query = %+v", q)
	}
}

func TestJSONL(t *testing.T) {
	rd, recs := readAll(t, openFixture(t, "customers.jsonl"), "in.jsonl", Options{})
	if rd.Format() != FormatJSONL {
		t.Fatalf("format = %s", rd.Format())
	}
	got := summary(recs)
	want := []string{
		"row 1: ok Vladimir Putin",
		"row 2: ok Bad Date",
		"row 3: bad JSON: invalid character 'o' in literal null (expecting 'u')",
		"row 5: ok Sergei Lavrov",
		`row 6: key "name" (name) holds an array, not a string or number`,
		"row 7: ok Hezbollah",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if q := checked(recs[0].Query); q.Gender != "male" || q.Nationality != "RU" || recs[0].Input["extra"] != `{"x":1}` {
		t.Errorf("row 1 = %+v %v", q, recs[0].Input)
	}
	if r := recs[3]; r.ID != "3" || r.Query.ID != "12345" || checked(r.Query).Kind != vigil.KindPerson {
		t.Errorf("row 5 = %+v", r)
	}
	if checked(recs[5].Query).Kind != vigil.KindOrganization {
		t.Errorf("kind = %q", recs[5].Query.Kind)
	}
}

func TestXLSX(t *testing.T) {
	rows := [][]any{
		{"Customer Ref", "Surname", "Given Name", "Birth Date", "Citizenship", "Passport No"},
		{"R1", "Soleimani", "Qasem", 20890, "Iran", 123456789012}, // 1957-03-11 as an Excel serial
		{"R2", "", "", "1960-01-01", "FR", ""},
		nil,
		{"R4", "Lavrov", "Sergei", "1950", "RU", "", "extra cell"},
	}
	buf := bytes.NewBuffer(listtest.XLSX(t, rows))
	rd, recs := readAll(t, buf, "upload.bin", Options{Map: map[string]string{"id": "customer ref", "first_name": "Given Name"}})
	got := summary(recs)
	want := []string{"row 2: ok Qasem Soleimani", "row 3: missing name", "row 5: ok Sergei Lavrov"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if r := recs[0]; r.Query.DOB != "1957-03-11" || checked(r.Query).Nationality != "IR" || r.Query.ID != "123456789012" || r.ID != "R1" {
		t.Errorf("row 2 = %+v id %q", r.Query, r.ID)
	}
	if rd.Format() != FormatXLSX || len(rd.Warnings()) == 0 {
		t.Errorf("format %s warnings %v", rd.Format(), rd.Warnings())
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		in   string
		opts Options
		want string
	}{
		{"", Options{}, "no header row"},
		{"id,dob\n1,1970\n", Options{}, "no name column"},
		{"name\nx\n", Options{Map: map[string]string{"nmae": "name"}}, `unknown field "nmae"`},
		{"name\nx\n", Options{Map: map[string]string{"name": "Customer"}}, `names column "customer"`},
		{"\"name\nx\n", Options{}, "header"},
	}
	for _, tc := range tests {
		_, err := Open(strings.NewReader(tc.in), "x.csv", tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%q) = %v, want error containing %q", tc.in, err, tc.want)
		}
	}
}

func TestMapOverride(t *testing.T) {
	in := "name,Customer Name,Birth\nignored,Jane Roe,1970-02-03\n"
	_, recs := readAll(t, strings.NewReader(in), "x.csv", Options{Map: map[string]string{"name": "customer name", "dob": "BIRTH"}})
	if len(recs) != 1 || recs[0].Query.Name != "Jane Roe" || recs[0].Query.DOB != "1970-02-03" {
		t.Errorf("records = %+v", recs)
	}
}

func TestDetect(t *testing.T) {
	tests := []struct{ head, name, want string }{
		{"PK\x03\x04...", "a.csv", FormatXLSX},
		{"\ufeff {\"name\":1}", "a.csv", FormatJSONL},
		{"a,b\n", "a.tsv", FormatTSV},
		{"a\tb\tc\n", "", FormatTSV},
		{"a,b\tc\n", "", FormatCSV},
	}
	for _, tc := range tests {
		if got := detect([]byte(tc.head), tc.name); got != tc.want {
			t.Errorf("detect(%q, %q) = %s, want %s", tc.head, tc.name, got, tc.want)
		}
	}
}

func TestGenerate(t *testing.T) {
	var a, b bytes.Buffer
	listed := []string{"Qasem Soleimani", "Vladimir Putin"}
	if err := Generate(&a, 5000, 7, listed); err != nil {
		t.Fatal(err)
	}
	Generate(&b, 5000, 7, listed)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("same seed, different output")
	}
	_, recs := readAll(t, bytes.NewReader(a.Bytes()), "gen.csv", Options{})
	if len(recs) != 5000 {
		t.Fatalf("%d records", len(recs))
	}
	hits := 0
	for _, r := range recs {
		if r.Err != nil {
			t.Fatalf("generated row %d is bad: %v", r.Row, r.Err)
		}
		if r.Query.Name == "Qasem Soleimani" || r.Query.Name == "Vladimir Putin" {
			hits++
		}
	}
	if hits < 50 || hits > 200 {
		t.Errorf("%d listed names in 5000 rows, want about 100", hits)
	}
}

func TestGenerateDistinct(t *testing.T) {
	var buf bytes.Buffer
	if err := GenerateDistinct(&buf, 20000, 3); err != nil {
		t.Fatal(err)
	}
	_, recs := readAll(t, bytes.NewReader(buf.Bytes()), "gen.csv", Options{})
	if len(recs) != 20000 {
		t.Fatalf("%d records", len(recs))
	}
	seen := map[string]int{}
	for _, r := range recs {
		if r.Err != nil {
			t.Fatalf("generated row %d is bad: %v", r.Row, r.Err)
		}
		if prev, ok := seen[r.Query.Name]; ok {
			t.Fatalf("rows %d and %d both name %q", prev, r.Row, r.Query.Name)
		}
		seen[r.Query.Name] = r.Row
	}
}
