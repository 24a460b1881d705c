package uscsl

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists"
)

func read(t testing.TB, b []byte) (*lists.Meta, []*vigil.Entity, error) {
	var out []*vigil.Entity
	meta, err := Read(bytes.NewReader(b), func(e *vigil.Entity) error { out = append(out, e); return nil })
	return meta, out, err
}

func fixture(t testing.TB, name string) []byte {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestReadFixture(t *testing.T) {
	plain := fixture(t, "sample.csv")
	for _, b := range [][]byte{plain, gz(plain)} {
		if !Sniff(b) {
			t.Error("Sniff = false")
		}
		meta, es, err := read(t, b)
		if err != nil {
			t.Fatal(err)
		}
		if meta.List != vigil.ListUSCSL || meta.Format != Format || len(meta.Warnings()) == 0 {
			t.Errorf("meta = %+v %v", meta, meta.Warnings())
		}
		if len(es) != 4 {
			t.Fatalf("entities = %d", len(es))
		}
		p := es[0]
		if p.ID != "us_csl:900001" || p.Kind != vigil.KindPerson || p.Names[0].Family != "TESTER" || p.Names[0].Given != "Qasim" ||
			len(p.Names) != 3 || p.Names[2].Full != "TSTR, Q." {
			t.Errorf("names = %+v", p.Names)
		}
		if p.Gender != "male" || len(p.Documents) != 2 || p.Documents[0].Issued != "2009-08-31" || p.Documents[0].Expires != "2014-08-30" ||
			p.Documents[0].Country != "IR" || p.Documents[0].Number != "X123456" || p.Documents[1].Note == "" {
			t.Errorf("documents = %+v gender %q", p.Documents, p.Gender)
		}
		if !p.HasMeasure(vigil.MeasureAssetFreeze) || strings.Join(p.Programs, ",") != "SDGT,IRGC,SDN" || p.ListedOn != "2020-01-02" {
			t.Errorf("listing = %v %v %q", p.Measures, p.Programs, p.ListedOn)
		}
		if len(p.BirthDates) != 2 || p.BirthDates[1].String() != "1951" || p.BirthPlaces[0].Country != "IR" || p.Addresses[0].Country != "IR" {
			t.Errorf("person details = %+v", p)
		}
		if !strings.Contains(p.Remarks, "Subject to Secondary Sanctions") || len(p.Links) != 2 {
			t.Errorf("remarks %q links %v", p.Remarks, p.Links)
		}
		o := es[1]
		if o.Kind != vigil.KindOrganization || len(o.Measures) != 0 || o.Names[2].Full != "EXAMPLE WIDGETS" || o.Programs[0] != "EL" ||
			!strings.Contains(o.Remarks, "License policy: Presumption of denial") {
			t.Errorf("org = %+v", o)
		}
		v := es[2]
		if v.Kind != vigil.KindVessel || v.IMO != "1234567" || v.Flag != "PA" || v.GrossTonnage != "5000" || v.Tonnage != "4000" || v.CallSign != "ABCD" {
			t.Errorf("vessel = %+v", v)
		}
		// The SDN row's _id is OFAC's ent_num: the same subject as ofac:900001.
		// The vessel's _id is not a number and names no OFAC listing; the
		// Commerce and State rows name none.
		if want := []vigil.Relation{{EntityID: "ofac:900001", Type: vigil.RelationSameAs}}; !slices.Equal(p.Relations, want) {
			t.Errorf("relations = %+v, want %+v", p.Relations, want)
		}
		for _, e := range es[1:] {
			if len(e.Relations) != 0 {
				t.Errorf("%s relations = %+v, want none", e.ID, e.Relations)
			}
		}
		if es[3].Kind != vigil.KindPerson {
			t.Errorf("blank type with place of birth = %s, want person", es[3].Kind)
		}
	}
}

func TestReadErrors(t *testing.T) {
	for name, line := range map[string]int{"malformed.csv": 2, "truncated.csv": 3, "noname.csv": 2} {
		b := fixture(t, name)
		_, _, err := read(t, b)
		var pe *lists.ParseError
		if !errors.As(err, &pe) || pe.Line != line {
			t.Errorf("%s: err = %v, want ParseError at line %d", name, err, line)
		}
	}
	// A gzip stream cut short is an error too.
	z := gz(fixture(t, "sample.csv"))
	if _, _, err := read(t, z[:len(z)-20]); err == nil {
		t.Error("truncated gzip: no error")
	}
	if Sniff([]byte("name,foo\n")) {
		t.Error("Sniff(other csv) = true")
	}
}

func TestReal(t *testing.T) {
	raw, err := os.ReadFile(shared.Lists(t, "us_csl/consolidated.csv.gz"))
	if err != nil {
		t.Fatal(err)
	}
	if !Sniff(raw[:8192]) {
		t.Error("Sniff(real) = false")
	}
	meta, es, err := read(t, raw)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("warnings: %v", meta.Warnings())
	if len(es) != 14160 {
		t.Errorf("rows = %d, want 14160", len(es))
	}
	byType := map[vigil.Kind]int{}
	var sole *vigil.Entity
	sdn, sameAs := 0, 0
	for _, e := range es {
		byType[e.Kind]++
		if e.ID == "us_csl:10481" {
			sole = e
		}
		if e.HasMeasure(vigil.MeasureAssetFreeze) {
			sdn++
		}
		for _, r := range e.Relations {
			if r.Type == vigil.RelationSameAs && r.EntityID == "ofac:"+e.Ref {
				sameAs++
			}
		}
	}
	// Every Treasury row (SDN 10,026, SSI 290, PLC 78, CMIC 68, CAP 53,
	// NS-MBS 17, FSE 3) names its OFAC listing.
	if sameAs != 10535 {
		t.Errorf("%d rows name their OFAC listing, want 10,535", sameAs)
	}
	// PROVENANCE.md: Individual 5,286, Entity 4,533, blank 3,625, Vessel 433,
	// Aircraft 283; blank rows become organizations (no blank row has a date
	// of birth) unless a place of birth or gender shows a person.
	if byType[vigil.KindVessel] != 433 || byType[vigil.KindAircraft] != 283 ||
		byType[vigil.KindPerson]+byType[vigil.KindOrganization] != 5286+4533+3625 || byType[vigil.KindPerson] < 5286 {
		t.Errorf("kinds = %v", byType)
	}
	if sdn != 10026 {
		t.Errorf("asset-freeze rows = %d, want the 10,026 SDN rows", sdn)
	}
	if sole == nil {
		t.Fatal("us_csl:10481 missing")
	}
	if sole.Names[0].Full != "SOLEIMANI, Qasem" || !hasName(sole, "SOLEYMANI, Ghasem") || !hasName(sole, "SULAYMAN, Qasim") || len(sole.Names) != 9 {
		t.Errorf("names = %+v", sole.Names)
	}
	if strings.Join(sole.Programs, ";") != "IFSR;NPWMD;SDGT;IRGC;SYRIA;SDN" || !sole.HasMeasure(vigil.MeasureAssetFreeze) ||
		sole.BirthDates[0].String() != "1957-03-11" || sole.Nationalities[0] != "IR" || len(sole.Documents) != 1 ||
		sole.Documents[0].Number != "008827" || sole.Documents[0].Type != vigil.DocPassport {
		t.Errorf("soleimani = %+v", sole)
	}
}

func hasName(e *vigil.Entity, full string) bool {
	for _, n := range e.Names {
		if n.Full == full {
			return true
		}
	}
	return false
}

func BenchmarkReadReal(b *testing.B) {
	raw, err := os.ReadFile(shared.Lists(b, "us_csl/consolidated.csv.gz"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(raw), func(*vigil.Entity) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzRead(f *testing.F) {
	for _, n := range []string{"sample.csv", "malformed.csv", "truncated.csv", "noname.csv"} {
		f.Add(fixture(f, n))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = Read(bytes.NewReader(b), func(e *vigil.Entity) error {
			if e.Ref == "" || len(e.Names) == 0 || e.Names[0].Quality != vigil.QualityPrimary {
				t.Fatalf("bad entity %+v", e)
			}
			return nil
		})
	})
}
