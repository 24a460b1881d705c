package ofac

import (
	"archive/zip"
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

func zipOf(t testing.TB, files map[string][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func checkEnhancedFixture(t *testing.T, meta *lists.Meta, all []*vigil.Entity, by map[string]*vigil.Entity) {
	t.Helper()
	if meta.List != vigil.ListOFACCons || meta.Partial || meta.Format != "ofac_enhanced_xml" ||
		!meta.Published.Equal(time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("meta = %+v", meta)
	}
	if len(all) != 2 {
		t.Fatalf("got %d entities", len(all))
	}
	doe := by["3001"]
	if n := doe.Names[0]; n.Full != "DOE, John" || n.Given != "John" || n.Family != "DOE" || n.Middle != "Q" || n.Script != "Latn" || n.Quality != vigil.QualityPrimary {
		t.Errorf("primary = %+v", n)
	}
	if !hasName(doe, "جون دو", vigil.QualityStrong) || !hasName(doe, "DOC", vigil.QualityWeak) || !hasName(doe, "SMITH, John", vigil.QualityFormerly) {
		t.Errorf("names = %+v", doe.Names)
	}
	for _, n := range doe.Names {
		if n.Full == "جون دو" && n.Script != "Arab" {
			t.Errorf("arabic script = %q", n.Script)
		}
	}
	if len(doe.BirthDates) != 2 {
		t.Fatalf("dobs = %+v", doe.BirthDates)
	}
	if d := doe.BirthDates[0]; d.Year != 1970 || d.Month != 0 || d.Text != "1970" {
		t.Errorf("dob0 = %+v", d)
	}
	if d := doe.BirthDates[1]; d.Year != 1957 || d.ToYear != 1959 || !d.Approx {
		t.Errorf("dob1 = %+v", d)
	}
	if strings.Join(doe.Nationalities, ",") != "IR" || doe.Gender != "male" || len(doe.BirthPlaces) != 1 || doe.BirthPlaces[0].Country != "IR" {
		t.Errorf("nat %v gender %q pob %+v", doe.Nationalities, doe.Gender, doe.BirthPlaces)
	}
	if len(doe.Documents) != 1 || doe.Documents[0].Type != vigil.DocPassport || doe.Documents[0].Country != "IR" ||
		doe.Documents[0].Issued != "2010-02-02" || doe.Documents[0].Expires != "2030-01" {
		t.Errorf("docs = %+v", doe.Documents)
	}
	if doe.ListedOn != "2018-01-02" || !doe.HasMeasure(vigil.MeasureAssetFreeze) || doe.Positions[0] != "Dr" {
		t.Errorf("listed %q measures %v positions %v", doe.ListedOn, doe.Measures, doe.Positions)
	}
	if doe.Remarks != "Additional Sanctions Information - Subject to Secondary Sanctions." {
		t.Errorf("remarks = %q", doe.Remarks)
	}
	if len(doe.Addresses) != 1 || doe.Addresses[0].Full != "1 Example Street, Tehran, Iran" || doe.Addresses[0].Country != "IR" {
		t.Errorf("addresses = %+v", doe.Addresses)
	}
	if len(doe.Relations) != 1 || doe.Relations[0].EntityID != "ofac:3002" || doe.Relations[0].Type != "Acting for or on behalf of" {
		t.Errorf("relations = %+v", doe.Relations)
	}
	plane := by["3002"]
	if plane.Kind != vigil.KindAircraft || plane.TailNumber != "EP-ABC" || plane.Model != "A300" || plane.HasMeasure(vigil.MeasureAssetFreeze) {
		t.Errorf("plane = %+v", plane)
	}
	if len(plane.Documents) != 1 || plane.Documents[0].TypeText != "Digital Currency Address - QQQ" || plane.Remarks != "All Branches Worldwide" {
		t.Errorf("plane docs %+v remarks %q", plane.Documents, plane.Remarks)
	}
	if ws := strings.Join(meta.Warnings(), "\n"); !strings.Contains(ws, "<mysteryBlock>") {
		t.Errorf("unknown element not warned: %s", ws)
	}
}

func TestReadEnhancedFixture(t *testing.T) {
	meta, all, by := collect(t, func(emit lists.Emit) (*lists.Meta, error) {
		return ReadEnhanced(openT(t, "testdata/enhanced.xml"), emit)
	})
	checkEnhancedFixture(t, meta, all, by)
}

func TestReadEnhancedZip(t *testing.T) {
	data, err := os.ReadFile("testdata/enhanced.xml")
	if err != nil {
		t.Fatal(err)
	}
	z := zipOf(t, map[string][]byte{"CONS_ENHANCED.XML": data})
	if !SniffEnhanced(z) {
		t.Error("zip not sniffed")
	}
	meta, all, by := collect(t, func(emit lists.Emit) (*lists.Meta, error) { return ReadEnhanced(bytes.NewReader(z), emit) })
	checkEnhancedFixture(t, meta, all, by)

	// A broken zip, a zip without XML, a truncated XML inside a zip.
	_, err = ReadEnhanced(bytes.NewReader(z[:len(z)-30]), func(*vigil.Entity) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "not a readable zip archive") {
		t.Errorf("cut zip err = %v", err)
	}
	_, err = ReadEnhanced(bytes.NewReader(zipOf(t, map[string][]byte{"readme.txt": []byte("hi")})), func(*vigil.Entity) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "0 XML files") {
		t.Errorf("no-xml zip err = %v", err)
	}
	_, err = ReadEnhanced(bytes.NewReader(zipOf(t, map[string][]byte{"X.XML": data[:3000]})), func(*vigil.Entity) error { return nil })
	var pe *lists.ParseError
	if !errors.As(err, &pe) || pe.File != "X.XML" || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("truncated zipped xml err = %v", err)
	}
}

func TestReadEnhancedPartial(t *testing.T) {
	meta, _, _ := collect(t, func(emit lists.Emit) (*lists.Meta, error) {
		return ReadEnhanced(openT(t, "testdata/enhanced_filtered.xml"), emit)
	})
	if !meta.Partial || meta.List != vigil.ListOFACSDN {
		t.Errorf("filtered export: partial %v list %s", meta.Partial, meta.List)
	}
}

func TestReadEnhancedErrors(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"testdata/enhanced_truncated.xml", "truncated"},
		{"testdata/sdn.xml", "want <sanctionsData>"},
	} {
		_, err := ReadEnhanced(openT(t, c.file), func(*vigil.Entity) error { return nil })
		var pe *lists.ParseError
		if !errors.As(err, &pe) || pe.Line == 0 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want a ParseError with a line and %q", c.file, err, c.want)
		}
	}
	noname := `<sanctionsData><entities><entity id="1"><generalInfo><entityType>Entity</entityType></generalInfo><names/></entity></entities></sanctionsData>`
	if _, err := ReadEnhanced(strings.NewReader(noname), func(*vigil.Entity) error { return nil }); err == nil || !strings.Contains(err.Error(), "no primary name") {
		t.Errorf("no-name err = %v", err)
	}
}

func TestSniffEnhanced(t *testing.T) {
	xmlData, _ := os.ReadFile("testdata/enhanced.xml")
	legacy, _ := os.ReadFile("testdata/sdn.xml")
	if !SniffEnhanced(xmlData) || SniffEnhanced(legacy) {
		t.Error("plain sniff wrong")
	}
	if SniffEnhanced(zipOf(t, map[string][]byte{"SDN.XML": legacy})) {
		t.Error("a zipped legacy XML sniffed as Enhanced")
	}
	z := zipOf(t, map[string][]byte{"E.XML": xmlData})
	if !SniffEnhanced(z[:400]) {
		t.Error("zip head of 400 bytes not sniffed")
	}
}

func TestEnToDate(t *testing.T) {
	for _, c := range []struct {
		from, to string
		want     string
	}{
		{"1957-03-11", "1957-03-11", "1957-03-11"},
		{"1957-01-01", "1957-12-31", "1957"},
		{"1957-02-01", "1957-02-28", "1957-02"},
		{"1957-01-01", "1959-12-31", "1957..1959"},
		{"1957-03-01", "1957-04-15", "1957"},
	} {
		if got := enToDate(&enDate{FromBegin: c.from, ToEnd: c.to}).String(); got != c.want {
			t.Errorf("%s..%s = %s, want %s", c.from, c.to, got, c.want)
		}
	}
}
