package ftm

import (
	"bytes"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

func read(t testing.TB, b []byte) (*lists.Meta, []*vigil.Entity, error) {
	t.Helper()
	var out []*vigil.Entity
	meta, err := Read(bytes.NewReader(b), "opensanctions", func(e *vigil.Entity) error { out = append(out, e); return nil })
	return meta, out, err
}

func TestReadFixture(t *testing.T) {
	b, err := os.ReadFile("testdata/opensanctions.ftm.json")
	if err != nil {
		t.Fatal(err)
	}
	if !Sniff(b) || Sniff([]byte("id,name\n")) || Sniff([]byte(`{"name": "x"}`)) {
		t.Error("Sniff")
	}
	meta, es, err := read(t, b)
	if err != nil {
		t.Fatal(err)
	}
	if meta.List != "opensanctions" || meta.Source != "opensanctions" || meta.Format != Format {
		t.Errorf("meta = %+v", meta)
	}
	if w := strings.Join(meta.Warnings(), ";"); !strings.Contains(w, "1 Address entities left out") || !strings.Contains(w, "1 Sanction entities left out") {
		t.Errorf("warnings = %q", w)
	}
	if len(es) != 5 {
		t.Fatalf("entities = %d, want 5", len(es))
	}
	p := es[0]
	if p.ID != "opensanctions:NK-8tgeSsXRKT6EqcDaiAxmDn" || p.Ref != "NK-8tgeSsXRKT6EqcDaiAxmDn" || p.Kind != vigil.KindPerson {
		t.Errorf("person = %+v", p)
	}
	if n := p.Names[0]; n.Full != "Qasem Soleimani" || n.Quality != vigil.QualityPrimary || n.Given != "Qasem" || n.Family != "Soleimani" {
		t.Errorf("primary = %+v", n)
	}
	quality := map[string]vigil.NameQuality{}
	for _, n := range p.Names {
		quality[n.Full] = n.Quality
	}
	if quality["Qassem Suleimani"] != vigil.QualityStrong || quality["قاسم سلیمانی"] != vigil.QualityStrong || quality["Haj Qasem"] != vigil.QualityWeak || len(p.Names) != 4 {
		t.Errorf("names = %+v", p.Names)
	}
	if len(p.BirthDates) != 1 || p.BirthDates[0].String() != "1957-03-11" || !slices.Equal(p.Nationalities, []string{"IR"}) || p.Gender != "male" {
		t.Errorf("facts = %+v", p)
	}
	if len(p.Documents) != 1 || p.Documents[0].Type != vigil.DocPassport || p.Documents[0].Number != "008827" || p.Positions[0] != "Commander of the IRGC Qods Force" {
		t.Errorf("documents = %+v positions %v", p.Documents, p.Positions)
	}
	// "sanction" is a sanctioned entity: an asset freeze. Topics and
	// datasets are programs.
	if !slices.Equal(p.Measures, []vigil.Measure{vigil.MeasureAssetFreeze}) ||
		!slices.Equal(p.Programs, []string{"topic:sanction", "topic:role.oligarch", "us_ofac_sdn", "un_sc_sanctions"}) {
		t.Errorf("measures %v programs %v", p.Measures, p.Programs)
	}
	if !strings.Contains(p.Remarks, "Referents: ofac-10481, unsc-6908") || !strings.Contains(p.Remarks, "invented test record") {
		t.Errorf("remarks = %q", p.Remarks)
	}
	o := es[1]
	if o.ID != "opensanctions:ofac-10465" || o.Kind != vigil.KindOrganization || len(o.Names) != 3 || o.Addresses[0].Country != "IR" || len(o.Links) != 1 {
		t.Errorf("org = %+v", o)
	}
	v := es[2]
	if v.Kind != vigil.KindVessel || v.IMO != "9562233" || v.Flag != "KM" || v.VesselType != "Cargo" || !v.HasMeasure(vigil.MeasureAssetFreeze) {
		t.Errorf("vessel = %+v", v)
	}
	a := es[3]
	if a.Kind != vigil.KindAircraft || a.TailNumber != "EP-MNA" || a.SerialNumber != "1023409321" || a.Model != "IL-76TD" || len(a.Documents) != 0 {
		t.Errorf("aircraft = %+v", a)
	}
	// A PEP: no name property, so first, middle and last names make one;
	// no sanction, no measure.
	pep := es[4]
	if pep.PrimaryName() != "Anna Maria Testova" || pep.Names[0].Middle != "Maria" || len(pep.Measures) != 0 ||
		!slices.Equal(pep.Citizenships, []string{"RU", "CY"}) || pep.Documents[0].Type != vigil.DocNationalID {
		t.Errorf("pep = %+v", pep)
	}
}

func TestReadRefuses(t *testing.T) {
	good := `{"id": "a", "schema": "Person", "properties": {"name": ["A B"]}}`
	for name, c := range map[string]struct {
		in   string
		line int
		want string
	}{
		"not json":      {good + "\n{not json\n", 2, "not a FollowTheMoney entity"},
		"no id":         {good + "\n" + `{"schema": "Person", "properties": {"name": ["X"]}}`, 2, "no usable id"},
		"no name":       {good + "\n" + `{"id": "b", "schema": "Company", "properties": {"country": ["ir"]}}`, 2, "no name"},
		"no schema":     {`{"id": "b", "properties": {}}`, 1, "no schema"},
		"repeated id":   {good + "\n\n" + good, 3, "repeats line 1"},
		"nothing read":  {`{"id": "b", "schema": "Address", "properties": {}}`, 1, "no Person"},
		"empty":         {"", 0, "no Person"},
		"property type": {`{"id": "b", "schema": "Person", "properties": {"name": "not a list"}}`, 1, "not a FollowTheMoney entity"},
	} {
		_, _, err := read(t, []byte(c.in))
		var pe *lists.ParseError
		if !errors.As(err, &pe) || pe.Line != c.line || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want line %d %q", name, err, c.line, c.want)
		}
	}
	// Numbers and nested entities in properties: numbers are values, an
	// embedded entity is not.
	_, es, err := read(t, []byte(`{"id": "n", "schema": "Vessel", "properties": {"name": ["X"], "imoNumber": [9562233], "owner": [{"id": "o"}]}}`))
	if err != nil || len(es) != 1 || es[0].IMO != "9562233" {
		t.Errorf("numbers: %+v %v", es, err)
	}
}

func FuzzRead(f *testing.F) {
	b, err := os.ReadFile("testdata/opensanctions.ftm.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		meta, es, err := read(t, b)
		if meta == nil {
			t.Fatal("nil meta")
		}
		if err != nil {
			var pe *lists.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error without a line: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, e := range es {
			if e.Ref == "" || e.ID != "opensanctions:"+e.Ref || e.PrimaryName() == "" || seen[e.ID] || e.Kind == vigil.KindUnknown {
				t.Fatalf("bad entity %+v", e)
			}
			seen[e.ID] = true
		}
	})
}
