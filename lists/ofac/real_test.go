package ofac

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists"
)

// openOpt opens path below the shared lists, or returns nil (not a nil
// *os.File in an interface) when the file is absent.
func openOpt(t testing.TB, dir, name string) *os.File {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func realSet(t testing.TB, rel string, cons bool) CSVSet {
	dir := shared.Lists(t, rel)
	n := [4]string{"sdn.csv", "add.csv", "alt.csv", "sdn_comments.csv"}
	if cons {
		n = [4]string{"cons_prim.csv", "cons_add.csv", "cons_alt.csv", "cons_comments.csv"}
	}
	set := CSVSet{Cons: cons}
	if f := openOpt(t, dir, n[0]); f != nil {
		set.Primary = f
	}
	if f := openOpt(t, dir, n[1]); f != nil {
		set.Add = f
	}
	if f := openOpt(t, dir, n[2]); f != nil {
		set.Alt = f
	}
	if f := openOpt(t, dir, n[3]); f != nil {
		set.Comments = f
	}
	return set
}

func kinds(all []*vigil.Entity) map[vigil.Kind]int {
	m := map[vigil.Kind]int{}
	for _, e := range all {
		m[e.Kind]++
	}
	return m
}

func wantKinds(t *testing.T, all []*vigil.Entity, total int, want map[vigil.Kind]int) {
	t.Helper()
	if len(all) != total {
		t.Errorf("got %d entities, want %d", len(all), total)
	}
	got := kinds(all)
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%s: got %d, want %d (all: %v)", k, got[k], n, got)
		}
	}
}

func TestRealSDN2021Set(t *testing.T) {
	set := realSet(t, "ofac/sdn_2021-07-07", false)
	meta, all, by := collect(t, func(emit lists.Emit) (*lists.Meta, error) { return ReadCSV(set, emit) })
	wantKinds(t, all, 8976, map[vigil.Kind]int{vigil.KindPerson: 4620, vigil.KindOrganization: 3673, vigil.KindVessel: 406, vigil.KindAircraft: 277})
	if meta.List != vigil.ListOFACSDN {
		t.Errorf("list = %s", meta.List)
	}
	q := by["10481"]
	if q == nil || q.PrimaryName() != "SOLEIMANI, Qasem" {
		t.Fatalf("10481 = %+v", q)
	}
	strong := 0
	for _, n := range q.Names {
		if n.Quality == vigil.QualityStrong {
			strong++
		}
	}
	if strong < 6 || !hasName(q, "SOLEYMANI, Ghasem", vigil.QualityStrong) || !hasName(q, "SOLAIMANI, Qasem", vigil.QualityStrong) {
		t.Errorf("10481 aliases = %+v", q.Names)
	}
	if len(q.BirthDates) == 0 || q.BirthDates[0].String() != "1957-03-11" {
		t.Errorf("10481 dob = %+v", q.BirthDates)
	}
	if len(q.BirthPlaces) == 0 || q.BirthPlaces[0].Text != "Qom, Iran" || q.BirthPlaces[0].Country != "IR" {
		t.Errorf("10481 pob = %+v", q.BirthPlaces)
	}
	if strings.Join(q.Nationalities, ",") != "IR" {
		t.Errorf("10481 nationality = %v", q.Nationalities)
	}
	if len(q.Documents) == 0 || q.Documents[0].Type != vigil.DocPassport || q.Documents[0].Number != "008827" {
		t.Errorf("10481 documents = %+v", q.Documents)
	}
	if !strings.Contains(strings.Join(q.Programs, " "), "IRGC") {
		t.Errorf("10481 programs = %v", q.Programs)
	}
	// 12300's remarks continue in sdn_comments.csv: "...PROMO RAI" + "Z S.A.S.; Linked To: ...".
	e := by["12300"]
	found := false
	for _, r := range e.Relations {
		if r.Name == "PROMO RAIZ S.A.S." && r.EntityID != "" {
			found = true
		}
	}
	if !found {
		t.Errorf("12300: the relation cut across sdn_comments.csv was not rebuilt: %+v", e.Relations)
	}
	if qf := by["10465"]; qf == nil || !strings.Contains(qf.PrimaryName(), "QODS FORCE") {
		t.Errorf("10465 = %+v", qf)
	}
}

func TestRealSDN2024(t *testing.T) {
	set := realSet(t, "ofac/sdn_2024-05-03", false)
	_, all, by := collect(t, func(emit lists.Emit) (*lists.Meta, error) { return ReadCSV(set, emit) })
	wantKinds(t, all, 14965, map[vigil.Kind]int{vigil.KindPerson: 6854, vigil.KindOrganization: 6884, vigil.KindVessel: 851, vigil.KindAircraft: 376})
	p := by["35096"]
	if p == nil || p.PrimaryName() != "PUTIN, Vladimir Vladimirovich" || p.Names[0].Family != "PUTIN" {
		t.Fatalf("35096 = %+v", p)
	}
	if len(p.BirthDates) == 0 || p.BirthDates[0].Year != 1952 || strings.Join(p.Nationalities, ",") != "RU" || p.Gender != "male" {
		t.Errorf("35096 dob %+v nat %v gender %q", p.BirthDates, p.Nationalities, p.Gender)
	}
	if by["10465"] == nil || by["10481"] == nil {
		t.Error("10465 or 10481 missing")
	}
	// Structured facts were read: most individuals have a birth date, most vessels an IMO.
	withDOB, vessels, withIMO, links, resolved := 0, 0, 0, 0, 0
	for _, e := range all {
		if e.Kind == vigil.KindPerson && len(e.BirthDates) > 0 {
			withDOB++
		}
		if e.Kind == vigil.KindVessel {
			vessels++
			if e.IMO != "" {
				withIMO++
			}
		}
		for _, r := range e.Relations {
			links++
			if r.EntityID != "" {
				resolved++
			}
		}
	}
	if withDOB*10 < 6854*8 || withIMO*10 < vessels*9 || resolved*10 < links*9 {
		t.Errorf("dob %d/6854, imo %d/%d, relations resolved %d/%d", withDOB, withIMO, vessels, resolved, links)
	}
	t.Logf("individuals with DOB %d/6854, vessels with IMO %d/%d, relations resolved %d/%d", withDOB, withIMO, vessels, resolved, links)
}

func TestRealPartialSetRefused(t *testing.T) {
	set := realSet(t, "ofac/sdn_2025-12-24_partial", false)
	if set.Primary != nil {
		t.Fatal("the partial set unexpectedly has an sdn.csv")
	}
	_, err := ReadCSV(set, func(*vigil.Entity) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "sdn.csv is missing") {
		t.Errorf("err = %v", err)
	}
}

func readCons(t testing.TB) (csv, xml, enh map[string]*vigil.Entity) {
	d := shared.Lists(t, "ofac/consolidated_non_sdn")
	toMap := func(all []*vigil.Entity) map[string]*vigil.Entity {
		m := map[string]*vigil.Entity{}
		for _, e := range all {
			m[e.ID] = e
		}
		return m
	}
	_, c, _ := collect(t, func(emit lists.Emit) (*lists.Meta, error) {
		return ReadCSV(realSet(t, "ofac/consolidated_non_sdn", true), emit)
	})
	_, x, _ := collect(t, func(emit lists.Emit) (*lists.Meta, error) {
		return ReadXML(openT(t, filepath.Join(d, "consolidated.xml")), emit)
	})
	_, z, _ := collect(t, func(emit lists.Emit) (*lists.Meta, error) {
		return ReadEnhanced(openT(t, filepath.Join(d, "CONS_ENHANCED.ZIP")), emit)
	})
	return toMap(c), toMap(x), toMap(z)
}

func TestRealConsolidated(t *testing.T) {
	d := shared.Lists(t, "ofac/consolidated_non_sdn")
	meta, all, _ := collect(t, func(emit lists.Emit) (*lists.Meta, error) {
		return ReadCSV(realSet(t, "ofac/consolidated_non_sdn", true), emit)
	})
	wantKinds(t, all, 442, map[vigil.Kind]int{vigil.KindPerson: 79, vigil.KindOrganization: 363})
	if meta.List != vigil.ListOFACCons {
		t.Errorf("csv list = %s", meta.List)
	}

	meta, all, _ = collect(t, func(emit lists.Emit) (*lists.Meta, error) {
		return ReadXML(openT(t, filepath.Join(d, "consolidated.xml")), emit)
	})
	wantKinds(t, all, 443, map[vigil.Kind]int{vigil.KindPerson: 80, vigil.KindOrganization: 363})
	if meta.List != vigil.ListOFACCons || meta.Declared != 443 || !meta.Published.Equal(time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("xml meta = %+v", meta)
	}

	meta, all, _ = collect(t, func(emit lists.Emit) (*lists.Meta, error) {
		return ReadEnhanced(openT(t, filepath.Join(d, "CONS_ENHANCED.ZIP")), emit)
	})
	wantKinds(t, all, 443, map[vigil.Kind]int{vigil.KindPerson: 80, vigil.KindOrganization: 363})
	if meta.List != vigil.ListOFACCons || meta.Partial || !meta.Published.Equal(time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("enhanced meta = %+v", meta)
	}
}

// TestRealConsolidatedAcrossFormats compares the one list in its three
// formats. consolidated.xml (2025-06-30) and CONS_ENHANCED.ZIP (2025-01-10)
// hold the same 443 ids; the CSV set (committed 2025-12-19) lacks exactly one,
// ofac:26182 KAYAKIRAN, Evren (FSE-IR), delisted between those dates.
func TestRealConsolidatedAcrossFormats(t *testing.T) {
	c, x, z := readCons(t)
	missing := func(a, b map[string]*vigil.Entity) []string {
		var out []string
		for id := range a {
			if b[id] == nil {
				out = append(out, id)
			}
		}
		sort.Strings(out)
		return out
	}
	if d := missing(x, z); len(d) != 0 {
		t.Errorf("in consolidated.xml, not in CONS_ENHANCED: %v", d)
	}
	if d := missing(z, x); len(d) != 0 {
		t.Errorf("in CONS_ENHANCED, not in consolidated.xml: %v", d)
	}
	if d := missing(c, x); len(d) != 0 {
		t.Errorf("in cons_prim.csv, not in consolidated.xml: %v", d)
	}
	if d := missing(x, c); strings.Join(d, ",") != "ofac:26182" {
		t.Errorf("in consolidated.xml, not in cons_prim.csv: %v (want only ofac:26182)", d)
	}
	year := func(e *vigil.Entity) int {
		if len(e.BirthDates) == 0 {
			return 0
		}
		return e.BirthDates[0].Year
	}
	compared := 0
	for id, e := range x {
		if e.Kind != vigil.KindPerson {
			continue
		}
		for name, other := range map[string]map[string]*vigil.Entity{"csv": c, "enhanced": z} {
			o := other[id]
			if o == nil {
				continue
			}
			compared++
			if o.PrimaryName() != e.PrimaryName() || o.Kind != e.Kind {
				t.Errorf("%s: xml name %q, %s name %q", id, e.PrimaryName(), name, o.PrimaryName())
			}
			if year(o) != year(e) {
				t.Errorf("%s: xml birth year %d, %s %d", id, year(e), name, year(o))
			}
		}
	}
	if compared < 150 {
		t.Errorf("compared only %d individuals", compared)
	}
}

func TestRealEnhancedIRGC(t *testing.T) {
	p := shared.Lists(t, "ofac/enhanced_xml_IRGC_program_2024-08-28/IRGC_sanctions.xml")
	meta, all, by := collect(t, func(emit lists.Emit) (*lists.Meta, error) { return ReadEnhanced(openT(t, p), emit) })
	wantKinds(t, all, 293, map[vigil.Kind]int{vigil.KindPerson: 165, vigil.KindOrganization: 84, vigil.KindAircraft: 44})
	if !meta.Partial || meta.List != vigil.ListOFACSDN || !meta.Published.Equal(time.Date(2024, 8, 28, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("meta = %+v", meta)
	}
	q := by["10481"]
	if q == nil || q.PrimaryName() != "SOLEIMANI, Qasem" || len(q.Names) < 7 || len(q.BirthDates) != 1 || q.BirthDates[0].String() != "1957-03-11" ||
		strings.Join(q.Nationalities, ",") != "IR" || q.ListedOn != "2007-10-25" {
		t.Errorf("10481 = %+v", q)
	}
	if by["10465"] == nil {
		t.Error("10465 missing")
	}
	for _, e := range all {
		if e.Kind == vigil.KindPerson && len(e.Names) > 0 && e.Names[0].Script == "" {
			t.Errorf("%s: no script on the primary name", e.ID)
			break
		}
	}
}

func TestRealSniff(t *testing.T) {
	head := func(rel string) []byte {
		f, err := os.Open(shared.Lists(t, rel))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		b := make([]byte, 8192)
		n, _ := f.Read(b)
		return b[:n]
	}
	for rel, want := range map[string]string{
		"ofac/sdn_2021-07-07/sdn.csv": "primary", "ofac/sdn_2021-07-07/add.csv": "add", "ofac/sdn_2021-07-07/alt.csv": "alt",
		"ofac/sdn_2021-07-07/sdn_comments.csv": "comments", "ofac/consolidated_non_sdn/cons_prim.csv": "primary",
		"ofac/consolidated_non_sdn/cons_comments.csv": "comments", "ofac/sdn_2025-12-24_partial/sdn_comments.csv": "comments",
	} {
		if got, ok := SniffCSV(head(rel)); !ok || got != want {
			t.Errorf("SniffCSV(%s) = %q %v, want %q", rel, got, ok, want)
		}
	}
	if !SniffXML(head("ofac/consolidated_non_sdn/consolidated.xml")) || SniffEnhanced(head("ofac/consolidated_non_sdn/consolidated.xml")) {
		t.Error("consolidated.xml sniffed wrong")
	}
	for _, rel := range []string{"ofac/consolidated_non_sdn/CONS_ENHANCED.ZIP", "ofac/enhanced_xml_IRGC_program_2024-08-28/IRGC_sanctions.xml"} {
		if !SniffEnhanced(head(rel)) || SniffXML(head(rel)) {
			t.Errorf("%s sniffed wrong", rel)
		}
		if _, ok := SniffCSV(head(rel)); ok {
			t.Errorf("%s sniffed as CSV", rel)
		}
	}
}
