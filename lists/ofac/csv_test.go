package ofac

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

func openT(t testing.TB, path string) io.Reader {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// collect reads with read and returns the entities by ref, in order.
func collect(t testing.TB, read func(lists.Emit) (*lists.Meta, error)) (*lists.Meta, []*vigil.Entity, map[string]*vigil.Entity) {
	t.Helper()
	var all []*vigil.Entity
	byRef := map[string]*vigil.Entity{}
	meta, err := read(func(e *vigil.Entity) error {
		all = append(all, e)
		byRef[e.Ref] = e
		return nil
	})
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return meta, all, byRef
}

func fixtureSet(t testing.TB) CSVSet {
	d := filepath.Join("testdata", "csv")
	return CSVSet{Primary: openT(t, filepath.Join(d, "sdn.csv")), Add: openT(t, filepath.Join(d, "add.csv")),
		Alt: openT(t, filepath.Join(d, "alt.csv")), Comments: openT(t, filepath.Join(d, "sdn_comments.csv"))}
}

func hasName(e *vigil.Entity, full string, q vigil.NameQuality) bool {
	for _, n := range e.Names {
		if n.Full == full && n.Quality == q {
			return true
		}
	}
	return false
}

func TestReadCSVFixture(t *testing.T) {
	meta, all, by := collect(t, func(emit lists.Emit) (*lists.Meta, error) { return ReadCSV(fixtureSet(t), emit) })
	if meta.List != vigil.ListOFACSDN || meta.Source != vigil.SourceOFAC || meta.Format != "ofac_csv" {
		t.Errorf("meta = %+v", meta)
	}
	if len(all) != 6 {
		t.Fatalf("got %d entities, want 6", len(all))
	}
	doe := by["1001"]
	if doe.ID != "ofac:1001" || doe.Kind != vigil.KindPerson {
		t.Errorf("doe id/kind = %s %s", doe.ID, doe.Kind)
	}
	if n := doe.Names[0]; n.Full != "DOE, John Quincy" || n.Family != "DOE" || n.Given != "John Quincy" || n.Quality != vigil.QualityPrimary {
		t.Errorf("primary name = %+v", n)
	}
	for _, c := range []struct {
		full string
		q    vigil.NameQuality
	}{{"DOE, Johnny", vigil.QualityStrong}, {"SMITH, John", vigil.QualityFormerly}, {"DOC", vigil.QualityWeak},
		{"ABU-'UMAR", vigil.QualityWeak}, {"OLD NAME", vigil.QualityFormerly}} {
		if !hasName(doe, c.full, c.q) {
			t.Errorf("doe lacks name %q (%s): %+v", c.full, c.q, doe.Names)
		}
	}
	if got := strings.Join(doe.Programs, ","); got != "SDGT,IRGC" {
		t.Errorf("programs = %s", got)
	}
	if len(doe.BirthDates) != 4 {
		t.Fatalf("birth dates = %+v", doe.BirthDates)
	}
	if d := doe.BirthDates[0]; d.Year != 1970 || d.Month != 3 || d.Day != 5 {
		t.Errorf("dob0 = %+v", d)
	}
	if d := doe.BirthDates[1]; d.Year != 1971 || !d.Approx {
		t.Errorf("dob1 = %+v", d)
	}
	if d := doe.BirthDates[2]; d.Year != 1957 || d.ToYear != 1959 {
		t.Errorf("dob2 = %+v", d)
	}
	if d := doe.BirthDates[3]; d.Year != 1960 || d.ToYear != 0 || d.Month != 0 {
		t.Errorf("dob3 = %+v", d)
	}
	if len(doe.BirthPlaces) != 1 || doe.BirthPlaces[0].Country != "IR" {
		t.Errorf("pob = %+v", doe.BirthPlaces)
	}
	if strings.Join(doe.Nationalities, ",") != "IR" || strings.Join(doe.Citizenships, ",") != "IQ" || doe.Gender != "male" {
		t.Errorf("nat %v cit %v gender %q", doe.Nationalities, doe.Citizenships, doe.Gender)
	}
	if !strings.Contains(doe.Remarks, "alt. nationality Utopia") || !strings.Contains(doe.Remarks, "Additional Sanctions Information - Subject to Secondary Sanctions") ||
		!strings.Contains(doe.Remarks, "Member of the Example Council") || strings.Contains(doe.Remarks, "DOB") {
		t.Errorf("remarks = %q", doe.Remarks)
	}
	if len(doe.Documents) != 3 {
		t.Fatalf("documents = %+v", doe.Documents)
	}
	if p := doe.Documents[0]; p.Type != vigil.DocPassport || p.Number != "X0000001" || p.Country != "IR" || p.Issued != "2010-02-02" || p.Expires != "2030-01-01" {
		t.Errorf("passport = %+v", p)
	}
	if p := doe.Documents[1]; p.Type != vigil.DocNationalID || p.Number != "12345" || p.Country != "IQ" {
		t.Errorf("national id = %+v", p)
	}
	if p := doe.Documents[2]; p.Type != vigil.DocTaxID || p.Number != "T-9" {
		t.Errorf("tax id = %+v", p)
	}
	if strings.Join(doe.Links, " ") != "mailto:john@example.org www.example.org" {
		t.Errorf("links = %v", doe.Links)
	}
	if len(doe.Relations) != 2 || doe.Relations[0].EntityID != "ofac:1002" || doe.Relations[1].EntityID != "" || doe.Relations[1].Name != "NOBODY KNOWN" {
		t.Errorf("relations = %+v", doe.Relations)
	}
	if len(doe.Addresses) != 2 || doe.Addresses[0].Country != "IR" || doe.Addresses[0].Full != "1 Example Street, Tehran, Iran" || doe.Addresses[1].Full != "Iraq" {
		t.Errorf("addresses = %+v", doe.Addresses)
	}
	if !doe.HasMeasure(vigil.MeasureAssetFreeze) {
		t.Error("SDN entry lacks the asset freeze")
	}

	llc := by["1002"]
	if llc.Kind != vigil.KindOrganization {
		t.Errorf("llc kind = %s", llc.Kind)
	}
	if !hasName(llc, "EXAMPLE GENERAL TRADING LLC", vigil.QualityStrong) || len(llc.Names) != 2 {
		t.Errorf("llc names (the alias equal to the primary name must be dropped) = %+v", llc.Names)
	}
	// Forward and backward "Linked To:", and "S.A." whose period merged with the final one.
	if len(llc.Relations) != 2 || llc.Relations[0].EntityID != "ofac:1001" || llc.Relations[1].EntityID != "ofac:1005" {
		t.Errorf("llc relations = %+v", llc.Relations)
	}
	var kinds []string
	for _, d := range llc.Documents {
		kinds = append(kinds, d.Type+":"+d.TypeText+":"+d.Number+":"+d.Country)
	}
	if got := strings.Join(kinds, "|"); got != "registration:Registration Number:998877:AE|other:SWIFT/BIC:EXMPAEAD:|other:Digital Currency Address - XBT:1ExampleAddr:" {
		t.Errorf("llc documents = %s", got)
	}
	if llc.Remarks != "Organization Established Date 2001." {
		t.Errorf("llc remarks = %q", llc.Remarks)
	}
	if len(llc.Addresses) != 1 || llc.Addresses[0].Full != "PO Box 1, Dubai, United Arab Emirates (registered office)" {
		t.Errorf("llc addresses = %+v", llc.Addresses)
	}

	ship := by["1003"]
	if ship.Kind != vigil.KindVessel || ship.IMO != "9123456" || ship.CallSign != "9XYZ" || ship.Flag != "PA" || ship.VesselType != "Crude Oil Tanker" ||
		ship.Tonnage != "150,000" || ship.GrossTonnage != "80,000" || ship.Owner != "EXAMPLE TRADING LLC" {
		t.Errorf("vessel = %+v", ship)
	}
	if len(ship.Documents) != 1 || ship.Documents[0].TypeText != "MMSI" || ship.Documents[0].Number != "352001234" {
		t.Errorf("vessel documents = %+v", ship.Documents)
	}

	plane := by["1004"]
	if plane.Kind != vigil.KindAircraft || plane.Model != "A300B4-622R" || plane.SerialNumber != "727" || plane.TailNumber != "EP-ABC" {
		t.Errorf("aircraft = %+v", plane)
	}
	if plane.Remarks != "Aircraft Manufacture Date 1992." {
		t.Errorf("aircraft remarks = %q", plane.Remarks)
	}
	if len(plane.Relations) != 2 || plane.Relations[0].Type != "operator" || plane.Relations[0].Name != "EXAMPLE AIR" {
		t.Errorf("aircraft relations = %+v", plane.Relations)
	}

	// sdn_comments.csv continues the cut remarks mid-word.
	bank := by["1005"]
	if len(bank.Relations) != 1 || bank.Relations[0].EntityID != "ofac:1002" || bank.Gender != "female" {
		t.Errorf("bank relations %+v gender %q", bank.Relations, bank.Gender)
	}
	if roe := by["1006"]; len(roe.Positions) != 1 || roe.Positions[0] != "Minister of Examples" || roe.Remarks != "" {
		t.Errorf("roe = %+v", roe)
	}
	warned := false
	for _, w := range meta.Warnings() {
		if strings.Contains(w, "add.csv: 1 ent_num values are not in sdn.csv") {
			warned = true
		}
	}
	if !warned {
		t.Errorf("no warning about the orphan address: %v", meta.Warnings())
	}
}

func TestReadCSVCons(t *testing.T) {
	set := CSVSet{Primary: openT(t, "testdata/csv/sdn.csv"), Cons: true}
	meta, all, _ := collect(t, func(emit lists.Emit) (*lists.Meta, error) { return ReadCSV(set, emit) })
	if meta.List != vigil.ListOFACCons {
		t.Errorf("list = %s", meta.List)
	}
	if all[0].HasMeasure(vigil.MeasureAssetFreeze) {
		t.Error("a non-SDN entry got the SDN asset freeze")
	}
}

func TestReadCSVMissingPrimary(t *testing.T) {
	set := CSVSet{Add: openT(t, "testdata/csv/add.csv"), Alt: openT(t, "testdata/csv/alt.csv")}
	_, err := ReadCSV(set, func(*vigil.Entity) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "sdn.csv is missing") {
		t.Fatalf("err = %v", err)
	}
	_, err = ReadCSV(CSVSet{Cons: true}, func(*vigil.Entity) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "cons_prim.csv is missing") {
		t.Fatalf("cons err = %v", err)
	}
}

func TestReadCSVErrors(t *testing.T) {
	for _, c := range []struct {
		file, want string
		line       int
	}{
		{"bad_quote.csv", `extraneous or missing " in quoted-field`, 2},
		{"truncated.csv", "row has 6 columns, want 12", 2},
		{"unterminated.csv", `extraneous or missing " in quoted-field`, 1},
		{"noname.csv", "has no name", 1},
	} {
		t.Run(c.file, func(t *testing.T) {
			_, err := ReadCSV(CSVSet{Primary: openT(t, "testdata/csv/"+c.file)}, func(*vigil.Entity) error { return nil })
			var pe *lists.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a ParseError", err)
			}
			if pe.Line != c.line || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v (line %d), want line %d and %q", err, pe.Line, c.line, c.want)
			}
		})
	}
	// A companion with the wrong shape is an error naming it.
	_, err := ReadCSV(CSVSet{Primary: openT(t, "testdata/csv/sdn.csv"), Alt: openT(t, "testdata/csv/add.csv")}, func(*vigil.Entity) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "alt.csv") {
		t.Errorf("wrong companion err = %v", err)
	}
	// emit's error stops the reader.
	stop := errors.New("stop")
	if _, err := ReadCSV(fixtureSet(t), func(*vigil.Entity) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("emit error = %v", err)
	}
}

func TestSniffCSV(t *testing.T) {
	for file, want := range map[string]string{"sdn.csv": "primary", "add.csv": "add", "alt.csv": "alt", "sdn_comments.csv": "comments"} {
		data, err := os.ReadFile("testdata/csv/" + file)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := SniffCSV(data); !ok || got != want {
			t.Errorf("SniffCSV(%s) = %q, %v; want %q", file, got, ok, want)
		}
	}
	// A first row longer than the head.
	if got, ok := SniffCSV([]byte(`12300,"` + strings.Repeat("x", 100))); !ok || got != "comments" {
		t.Errorf("long comment head = %q %v", got, ok)
	}
	if got, ok := SniffCSV([]byte(`12300,"SOME NAME","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 1970; ` + strings.Repeat("x", 100))); !ok || got != "primary" {
		t.Errorf("long primary head = %q %v", got, ok)
	}
	for _, bad := range []string{"", "name,type\n1,2\n", "<?xml version=\"1.0\"?><sdnList/>", "1,2,3\n", `1,2,"zzz","x",-0- ` + "\n"} {
		if got, ok := SniffCSV([]byte(bad)); ok {
			t.Errorf("SniffCSV(%q) = %q, want no match", bad, got)
		}
	}
}

// TestReadCSVMissingCompanions: a set without alt.csv, add.csv or
// sdn_comments.csv reads, with a warning naming what is lost; the complete
// set has none of these warnings.
func TestReadCSVMissingCompanions(t *testing.T) {
	d := filepath.Join("testdata", "csv")
	full := fixtureSet(t)
	tests := []struct {
		name string
		set  CSVSet
		want []string
	}{
		{"complete", full, nil},
		{"no alt", CSVSet{Primary: openT(t, filepath.Join(d, "sdn.csv")), Add: openT(t, filepath.Join(d, "add.csv")),
			Comments: openT(t, filepath.Join(d, "sdn_comments.csv"))}, []string{"alt.csv is missing: aliases are not imported"}},
		{"sdn.csv alone", CSVSet{Primary: openT(t, filepath.Join(d, "sdn.csv"))},
			[]string{"alt.csv is missing: aliases are not imported", "add.csv is missing: addresses are not imported", "sdn_comments.csv is missing"}},
	}
	for _, tc := range tests {
		meta, _, _ := collect(t, func(emit lists.Emit) (*lists.Meta, error) { return ReadCSV(tc.set, emit) })
		ws := strings.Join(meta.Warnings(), "\n")
		for _, w := range tc.want {
			if !strings.Contains(ws, w) {
				t.Errorf("%s: warnings %q lack %q", tc.name, meta.Warnings(), w)
			}
		}
		if tc.want == nil && strings.Contains(ws, "is missing") {
			t.Errorf("%s: warnings %q", tc.name, meta.Warnings())
		}
	}
}

// TestReadCSVCompanionsBounded: alt.csv rows for one entry are counted as
// they are read: endless aliases of one ent_num are refused at
// lists.MaxMergedBytes.
func TestReadCSVCompanionsBounded(t *testing.T) {
	var alt strings.Builder
	long := strings.Repeat("ALIAS ", 10000)
	for i := range 300 {
		fmt.Fprintf(&alt, "306,%d,\"aka\",\"%s %d\",-0- \r\n", i, long, i)
	}
	d := filepath.Join("testdata", "csv")
	_, err := ReadCSV(CSVSet{Primary: openT(t, filepath.Join(d, "sdn.csv")), Alt: strings.NewReader(alt.String())}, func(*vigil.Entity) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "alt.csv") || !strings.Contains(err.Error(), "the rows of 306 hold more than 16777216 bytes") {
		t.Fatalf("err = %v", err)
	}
}
