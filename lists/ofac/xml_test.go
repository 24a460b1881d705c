package ofac

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

func TestReadXMLFixture(t *testing.T) {
	meta, all, by := collect(t, func(emit lists.Emit) (*lists.Meta, error) { return ReadXML(openT(t, "testdata/sdn.xml"), emit) })
	if meta.List != vigil.ListOFACSDN || meta.Format != "ofac_xml" || meta.Declared != 3 ||
		!meta.Published.Equal(time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("meta = %+v", meta)
	}
	if len(all) != 3 {
		t.Fatalf("got %d entities", len(all))
	}
	doe := by["2001"]
	if doe.Kind != vigil.KindPerson || doe.Names[0].Full != "DOE, John Quincy" || doe.Names[0].Given != "John Quincy" || doe.Names[0].Family != "DOE" {
		t.Errorf("doe = %+v", doe.Names[0])
	}
	if !hasName(doe, "DOE, Johnny", vigil.QualityStrong) || !hasName(doe, "DOC", vigil.QualityWeak) || !hasName(doe, "SMITH, John", vigil.QualityFormerly) {
		t.Errorf("aliases = %+v", doe.Names)
	}
	if len(doe.BirthDates) != 2 || doe.BirthDates[0].Day != 5 || !doe.BirthDates[1].Approx {
		t.Errorf("dobs = %+v", doe.BirthDates)
	}
	if doe.Gender != "male" || strings.Join(doe.Nationalities, ",") != "IR" || strings.Join(doe.Citizenships, ",") != "IQ" {
		t.Errorf("gender %q nat %v cit %v", doe.Gender, doe.Nationalities, doe.Citizenships)
	}
	if len(doe.Documents) != 1 || doe.Documents[0].Country != "IR" || doe.Documents[0].Issued != "2010-02-02" || doe.Documents[0].Expires != "2030-01-01" {
		t.Errorf("docs = %+v", doe.Documents)
	}
	if doe.Remarks != "Member of the Example Council; Secondary sanctions risk: section 1(b) of Executive Order 13224." {
		t.Errorf("remarks = %q", doe.Remarks)
	}
	if len(doe.Addresses) != 1 || doe.Addresses[0].Full != "1 Example Street, Tehran, 12345, Iran" || doe.Addresses[0].Country != "IR" {
		t.Errorf("address = %+v", doe.Addresses)
	}
	if len(doe.Positions) != 1 || doe.Links[0] != "mailto:john@example.org" || !doe.HasMeasure(vigil.MeasureAssetFreeze) {
		t.Errorf("positions %v links %v measures %v", doe.Positions, doe.Links, doe.Measures)
	}
	ship := by["2002"]
	if ship.Kind != vigil.KindVessel || ship.IMO != "9123456" || ship.Flag != "PA" || ship.CallSign != "9XYZ" || ship.GrossTonnage != "80,000" || ship.Owner != "EXAMPLE TRADING LLC" {
		t.Errorf("ship = %+v", ship)
	}
	if by["2003"].Kind != vigil.KindOrganization || by["2003"].Names[0].Given != "" {
		t.Errorf("entity = %+v", by["2003"])
	}
	ws := strings.Join(meta.Warnings(), "\n")
	if !strings.Contains(ws, "<shoeSize>") || !strings.Contains(ws, "<futureSection>") {
		t.Errorf("unknown elements not warned: %s", ws)
	}
}

func TestReadXMLConsDetection(t *testing.T) {
	data, err := os.ReadFile("testdata/sdn.xml")
	if err != nil {
		t.Fatal(err)
	}
	cons := strings.NewReplacer("<program>SDGT</program>", "<program>NS-PLC</program>", "<program>IRAN</program>", "<program>CMIC-EO13959</program>").Replace(string(data))
	meta, all, _ := collect(t, func(emit lists.Emit) (*lists.Meta, error) { return ReadXML(strings.NewReader(cons), emit) })
	if meta.List != vigil.ListOFACCons {
		t.Errorf("list = %s, want %s", meta.List, vigil.ListOFACCons)
	}
	for _, e := range all {
		if e.HasMeasure(vigil.MeasureAssetFreeze) {
			t.Errorf("%s: non-SDN entry has the asset freeze", e.ID)
		}
	}
}

func TestReadXMLErrors(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"testdata/sdn_truncated.xml", "truncated"},
		{"testdata/sdn_noname.xml", "has no name"},
		{"testdata/enhanced.xml", "want <sdnList>"},
	} {
		_, err := ReadXML(openT(t, c.file), func(*vigil.Entity) error { return nil })
		var pe *lists.ParseError
		if !errors.As(err, &pe) || pe.Line == 0 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want a ParseError with a line and %q", c.file, err, c.want)
		}
	}
	_, err := ReadXML(strings.NewReader(`<sdnList><sdnEntry><uid>1</uid><lastName>X</lastName></sdnEntry><sdnEntry><uid>2</uid><lastName>Y</bad></sdnEntry></sdnList>`),
		func(*vigil.Entity) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "bad") {
		t.Errorf("malformed err = %v", err)
	}
}

func TestSniffXML(t *testing.T) {
	for file, want := range map[string]bool{"testdata/sdn.xml": true, "testdata/enhanced.xml": false, "testdata/csv/sdn.csv": false} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if got := SniffXML(data); got != want {
			t.Errorf("SniffXML(%s) = %v", file, got)
		}
	}
	if !SniffXML([]byte(`<?xml version="1.0"?><sdnList xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML">`)) {
		t.Error("current namespace not sniffed")
	}
	if SniffXML([]byte(`<root><sdnList xmlns="http://tempuri.org/sdnList.xsd"/></root>`)) {
		t.Error("nested sdnList sniffed as root")
	}
}
