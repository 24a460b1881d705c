package link

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
	"github.com/vigil-screening/vigil/match"
)

// person makes a listed person.
func person(id, name, dob string, nats ...string) *vigil.Entity {
	src, ref, _ := vigil.SplitID(id)
	e := &vigil.Entity{ID: id, Source: src, Ref: ref, Kind: vigil.KindPerson, Names: []vigil.Name{{Full: name, Quality: vigil.QualityPrimary}}, Nationalities: nats}
	if dob != "" {
		e.BirthDates = []vigil.Date{lists.MustDate(dob)}
	}
	return e
}

func org(id, name string, countries ...string) *vigil.Entity {
	src, ref, _ := vigil.SplitID(id)
	e := &vigil.Entity{ID: id, Source: src, Ref: ref, Kind: vigil.KindOrganization, Names: []vigil.Name{{Full: name, Quality: vigil.QualityPrimary}}}
	for _, c := range countries {
		e.Addresses = append(e.Addresses, vigil.Address{Country: c})
	}
	return e
}

// listing puts an entity on a list (the list key is the id's source unless
// given).
func listing(e *vigil.Entity, list ...string) Listing {
	l := e.Source
	if len(list) > 0 {
		l = list[0]
	}
	return Listing{Entity: e, List: l}
}

// linkAll links listings with a real index over them.
func linkAll(t *testing.T, ls []Listing, js ...vigil.LinkJudgement) vigil.Linking {
	t.Helper()
	entries := make([]match.Entry, len(ls))
	for i, l := range ls {
		entries[i] = match.Entry{Entity: l.Entity, Version: l.List + "@1"}
	}
	return Link(ls, match.NewIndex(entries), js, DefaultOptions)
}

// clusterOf returns the cluster holding id.
func clusterOf(l vigil.Linking, id string) vigil.SubjectCluster {
	for _, c := range l.Clusters {
		if slices.Contains(c.Entities, id) {
			return c
		}
	}
	return vigil.SubjectCluster{}
}

func together(l vigil.Linking, ids ...string) bool {
	c := clusterOf(l, ids[0])
	for _, id := range ids[1:] {
		if !slices.Contains(c.Entities, id) {
			return false
		}
	}
	return true
}

// why returns the rule and detail of the link between a and b in their
// cluster ("" when none).
func why(l vigil.Linking, a, b string) (vigil.LinkRule, string) {
	a, b = vigil.OrderPair(a, b)
	for _, k := range clusterOf(l, a).Links {
		if k.A == a && k.B == b {
			return k.Rule, k.Detail
		}
	}
	return "", ""
}

func refusedWhy(l vigil.Linking, a, b string) string {
	a, b = vigil.OrderPair(a, b)
	for _, k := range append(l.Refused, l.Notes...) {
		if k.A == a && k.B == b {
			return k.Refused
		}
	}
	return ""
}

func TestSameAs(t *testing.T) {
	eu := person("eu:EU.1.1", "Abu Zayd Umar DORDA", "1944-04-04")
	eu.Relations = []vigil.Relation{{EntityID: "un:LYi.006", Type: vigil.RelationSameAs}, {EntityID: "un:LYi.999", Type: vigil.RelationSameAs}}
	un := person("un:LYi.006", "ABU ZAYD UMAR DORDA", "")
	csl := person("us_csl:12632", "DORDA, Abu Zaid", "")
	csl.Relations = []vigil.Relation{{EntityID: "ofac:12632", Type: vigil.RelationSameAs}}
	ofac := person("ofac:12632", "Completely Other Name", "1950")
	// OFAC's "Linked To" is a relation, not an identity.
	linked := person("ofac:7", "DORDA, Abu", "")
	linked.Relations = []vigil.Relation{{EntityID: "un:LYi.006", Type: "linked_to"}}
	// A ship the UK gives its owner's UN reference is not its owner.
	owner := org("un:KPe.070", "PHYONGCHON SHIPPING & MARINE")
	ship := &vigil.Entity{ID: "uk:13655", Source: "uk", Kind: vigil.KindVessel, Names: []vigil.Name{{Full: "JI SONG 6"}},
		Relations: []vigil.Relation{{EntityID: "un:KPe.070", Type: vigil.RelationSameAs}}}
	l := linkAll(t, []Listing{listing(eu), listing(un), listing(csl), listing(ofac, "ofac_sdn"), listing(linked, "ofac_sdn"), listing(owner), listing(ship)})
	if !together(l, "eu:EU.1.1", "un:LYi.006") || !together(l, "us_csl:12632", "ofac:12632") {
		t.Errorf("clusters = %+v", l.Clusters)
	}
	if r, d := why(l, "un:LYi.006", "eu:EU.1.1"); r != vigil.RuleSameAs || !strings.Contains(d, "UN reference number LYi.006") {
		t.Errorf("why = %s %q", r, d)
	}
	if r, d := why(l, "ofac:12632", "us_csl:12632"); r != vigil.RuleSameAs || !strings.Contains(d, "OFAC ent_num 12632") {
		t.Errorf("why = %s %q", r, d)
	}
	if together(l, "ofac:7", "un:LYi.006") || together(l, "eu:EU.1.1", "us_csl:12632") {
		t.Errorf("linked too much: %+v", l.Clusters)
	}
	if together(l, "uk:13655", "un:KPe.070") || !strings.Contains(refusedWhy(l, "uk:13655", "un:KPe.070"), "kinds differ") {
		t.Errorf("ship joined its owner: %+v refused %+v", l.Clusters, l.Refused)
	}
	if len(l.Clusters) != 5 {
		t.Errorf("%d clusters, want 5: %+v", len(l.Clusters), l.Clusters)
	}
}

func TestDocuments(t *testing.T) {
	withDoc := func(e *vigil.Entity, typ, num, country string) *vigil.Entity {
		e.Documents = append(e.Documents, vigil.Document{Type: typ, Number: num, Country: country})
		return e
	}
	a := withDoc(person("un:IRi.039", "QASEM SOLEIMANI", "1957-03-11"), vigil.DocPassport, "008827", "IR")
	b := withDoc(person("ofac:10481", "SOLEIMANI, Qasem", ""), vigil.DocPassport, "00-8827", "")
	// The same number on a different person: OFAC gives Tabatabaei a
	// passport the UN gives Aghajani.
	c := withDoc(person("un:IRi.003", "AZIM AGHAJANI", ""), vigil.DocPassport, "6620505", "")
	d := withDoc(person("ofac:13106", "TABATABAEI, Sayyid Ali Akbar", ""), vigil.DocPassport, "6620505", "")
	// The same number, a date of birth against it.
	e := withDoc(person("uk:1", "Ivan PETROV", "1960-01-01"), vigil.DocNationalID, "123456789", "")
	f := withDoc(person("eu:1", "PETROV Ivan", "1970-01-01"), vigil.DocNationalID, "123456789", "")
	// Issued by different countries.
	g := withDoc(person("uk:2", "Ali HASSAN", ""), vigil.DocPassport, "A1234567", "SY")
	h := withDoc(person("eu:2", "HASSAN Ali", ""), vigil.DocPassport, "A1234567", "IQ")
	// Vessels: one IMO number whatever the name (vessels are renamed).
	v1 := &vigil.Entity{ID: "ofac:47716", Kind: vigil.KindVessel, Names: []vigil.Name{{Full: "OLD NAME"}}, IMO: "7612448"}
	v2 := &vigil.Entity{ID: "ca:Russia/1.1/1", Kind: vigil.KindVessel, Names: []vigil.Name{{Full: "NEW NAME"}}, IMO: "IMO 7612448"}
	// Aircraft: a serial number of the same model only.
	p1 := &vigil.Entity{ID: "ofac:15431", Kind: vigil.KindAircraft, Names: []vigil.Name{{Full: "EP-ABC"}}, SerialNumber: "1023409321", Model: "IL76-TD"}
	p2 := &vigil.Entity{ID: "uk:15431", Kind: vigil.KindAircraft, Names: []vigil.Name{{Full: "IL-76"}}, SerialNumber: "1023409321", Model: "Ilyushin IL-76TD"}
	p3 := &vigil.Entity{ID: "eu:15431", Kind: vigil.KindAircraft, Names: []vigil.Name{{Full: "B737"}}, SerialNumber: "1023409321", Model: "Boeing 737"}
	ls := []Listing{listing(a), listing(b, "ofac_sdn"), listing(c), listing(d, "ofac_sdn"), listing(e), listing(f), listing(g), listing(h),
		listing(v1, "ofac_sdn"), listing(v2, "ca"), listing(p1, "ofac_sdn"), listing(p2, "uk"), listing(p3, "eu")}
	l := Link(ls, nil, nil, DefaultOptions) // documents alone: no index
	if r, d := why(l, "un:IRi.039", "ofac:10481"); r != vigil.RuleDocument || !strings.Contains(d, "passport 008827") || !strings.Contains(d, "names agree") {
		t.Errorf("Soleimani: %s %q; clusters %+v", r, d, l.Clusters)
	}
	for _, p := range [][2]string{{"un:IRi.003", "ofac:13106"}, {"uk:1", "eu:1"}, {"uk:2", "eu:2"}, {"ofac:15431", "eu:15431"}} {
		if together(l, p[0], p[1]) {
			t.Errorf("%s and %s linked", p[0], p[1])
		}
	}
	if r, d := why(l, "ofac:47716", "ca:Russia/1.1/1"); r != vigil.RuleDocument || !strings.Contains(d, "IMO number 7612448") {
		t.Errorf("vessel: %s %q", r, d)
	}
	if r, _ := why(l, "ofac:15431", "uk:15431"); r != vigil.RuleDocument {
		t.Errorf("aircraft: %s", r)
	}
	// A number held by more listings than MaxHolders identifies no one.
	var many []Listing
	for i := range DefaultOptions.MaxHolders + 1 {
		src := []string{"un", "eu", "uk", "au", "ca", "ofac", "us_csl", "x", "y", "z"}[i]
		many = append(many, listing(withDoc(person(src+":1", "Same Name", ""), vigil.DocTaxID, "7750004150", "")))
	}
	if l := Link(many, nil, nil, DefaultOptions); len(l.Clusters) != len(many) {
		t.Errorf("a number on %d listings linked them: %+v", len(many), l.Clusters)
	}
}

func TestScored(t *testing.T) {
	ls := []Listing{
		// One man: names agree, a full date of birth agrees.
		listing(person("un:IRi.039", "QASEM SOLEIMANI", "1957-03-11")),
		listing(person("ca:Iran/1-2/89", "Soleimani, Qasem", "1957")),
		listing(person("au:1", "Qasem SOLEIMANI", "1957-03-11", "IR")),
		// Another man whose name is near: no date of birth, so the name
		// alone, which never links persons.
		listing(person("un:IRi.040", "GHASEM SOLEYMANI", "")),
		listing(person("uk:40", "Ghasem SOLEYMANI", "")),
		// The same name, a different date of birth.
		listing(person("eu:5", "Qasem Soleimani", "1960-01-01")),
		// A year alone needs names that agree better (0.95).
		listing(person("uk:7", "Tariq Anwar al-Sayyid AHMAD", "1963")),
		listing(person("au:7", "TARIQ ANWAR EL SAYED AHMED", "1963")),
		// The same name, nationalities apart.
		listing(person("uk:8", "Ivan PETROV", "1960-01-01", "RU")),
		listing(person("au:8", "Ivan Petrov", "1960-01-01", "UA")),
		// Organisations: names both ways.
		listing(org("ofac:10465", "ISLAMIC REVOLUTIONARY GUARD CORPS (IRGC)-QODS FORCE"), "ofac_sdn"),
		listing(org("uk:11241", "ISLAMIC REVOLUTIONARY GUARD CORPS (IRGC) QODS FORCE", "IR")),
		listing(org("au:99", "ISLAMIC REVOLUTIONARY GUARD CORPS")),
		// Numbers in names tell units apart.
		listing(org("ofac:24812", "99TH LIGHT INFANTRY DIVISION OF THE BURMESE ARMY"), "ofac_sdn"),
		listing(org("uk:24811", "33RD LIGHT INFANTRY DIVISION OF THE BURMESE ARMY")),
		// Countries apart.
		listing(org("uk:50", "Al-Aqsa Foundation", "DK")),
		listing(org("au:50", "AL-AQSA FOUNDATION", "SE")),
	}
	l := linkAll(t, ls)
	if !together(l, "un:IRi.039", "ca:Iran/1-2/89", "au:1") {
		t.Errorf("Soleimani not one subject: %+v", clusterOf(l, "un:IRi.039"))
	}
	if r, d := why(l, "un:IRi.039", "au:1"); r != vigil.RuleScored || !strings.Contains(d, "date of birth 1957-03-11 on both") {
		t.Errorf("why = %s %q", r, d)
	}
	for _, p := range [][2]string{
		{"un:IRi.039", "un:IRi.040"}, {"un:IRi.040", "uk:40"}, {"un:IRi.039", "uk:40"}, {"un:IRi.039", "eu:5"},
		{"uk:7", "au:7"}, {"uk:8", "au:8"}, {"au:99", "uk:11241"}, {"ofac:24812", "uk:24811"}, {"uk:50", "au:50"},
	} {
		if together(l, p[0], p[1]) {
			t.Errorf("%s and %s linked: %+v", p[0], p[1], clusterOf(l, p[0]))
		}
	}
	if r, d := why(l, "ofac:10465", "uk:11241"); r != vigil.RuleScored || !strings.Contains(d, "both organization") {
		t.Errorf("Quds Force: %s %q", r, d)
	}
}

func TestOneListingPerList(t *testing.T) {
	// Two AU listings of near names each link to the UN one by name and
	// date of birth; only the better joins it.
	ls := []Listing{
		listing(person("un:1", "Jamal Mustafa Abdallah Sultan AL-TIKRITI", "1955-05-04", "IQ")),
		listing(person("au:1", "JAMAL MUSTAFA ABDALLAH SULTAN AL-TIKRITI", "1955-05-04", "IQ")),
		listing(person("au:2", "KAMAL MUSTAFA ABDALLAH SULTAN AL-TIKRITI", "1955-05-04", "IQ")),
	}
	l := linkAll(t, ls)
	if !together(l, "un:1", "au:1") || together(l, "au:1", "au:2") {
		t.Errorf("clusters = %+v", l.Clusters)
	}
	if r := refusedWhy(l, "un:1", "au:2"); !strings.Contains(r, "two listings of au") {
		t.Errorf("refused = %+v", l.Refused)
	}
}

func TestJudgements(t *testing.T) {
	un := person("un:QDi.1", "Abu ALPHA", "1970-01-01")
	uk := person("uk:1", "Abu ALPHA", "1970-01-01")
	uk.Relations = []vigil.Relation{{EntityID: "un:QDi.1", Type: vigil.RelationSameAs}}
	au := person("au:1", "ABU ALPHA", "1970-01-01")
	ca := person("ca:1", "Someone Else Entirely", "")
	ls := []Listing{listing(un), listing(uk), listing(au), listing(ca)}
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	j := func(a, b string, v vigil.Verdict) vigil.LinkJudgement {
		return vigil.LinkJudgement{A: a, B: b, Verdict: v, By: "alice", At: at, Reason: "checked"}
	}
	base := linkAll(t, ls)
	if !together(base, "un:QDi.1", "uk:1", "au:1") || together(base, "ca:1", "un:QDi.1") {
		t.Fatalf("base clusters = %+v", base.Clusters)
	}
	// A negative judgement beats what the list says.
	l := linkAll(t, ls, j("uk:1", "un:QDi.1", vigil.VerdictNegative))
	if together(l, "uk:1", "un:QDi.1") {
		t.Errorf("negative judgement did not separate: %+v", l.Clusters)
	}
	if r := refusedWhy(l, "uk:1", "un:QDi.1"); !strings.Contains(r, "alice judged uk:1 and un:QDi.1 different subjects") {
		t.Errorf("refused = %+v", l.Refused)
	}
	// ...and holds through a third listing: au:1 joins one of them only.
	if together(l, "au:1", "un:QDi.1") && together(l, "au:1", "uk:1") {
		t.Errorf("joined through au:1: %+v", l.Clusters)
	}
	// A positive judgement links what nothing else would.
	l = linkAll(t, ls, j("ca:1", "au:1", vigil.VerdictPositive))
	if !together(l, "ca:1", "au:1", "un:QDi.1", "uk:1") {
		t.Errorf("positive judgement: %+v", l.Clusters)
	}
	if r, d := why(l, "au:1", "ca:1"); r != vigil.RuleJudgement || !strings.Contains(d, "alice judged") || !strings.Contains(d, "2026-03-01: checked") {
		t.Errorf("why = %s %q", r, d)
	}
	// Unsure changes nothing but is shown.
	l = linkAll(t, ls, j("uk:1", "un:QDi.1", vigil.VerdictUnsure))
	if !together(l, "un:QDi.1", "uk:1", "au:1") {
		t.Errorf("unsure changed the clusters: %+v", l.Clusters)
	}
	found := false
	for _, k := range clusterOf(l, "uk:1").Links {
		found = found || strings.Contains(k.Detail, "unsure")
	}
	if !found {
		t.Errorf("unsure judgement not shown: %+v", clusterOf(l, "uk:1").Links)
	}
	// A judgement on a listing not present is set aside.
	l = linkAll(t, ls, j("uk:1", "eu:gone", vigil.VerdictPositive))
	if len(l.Clusters) != len(base.Clusters) {
		t.Errorf("absent listing: %+v", l.Clusters)
	}
}

func TestOrderDoesNotMatter(t *testing.T) {
	var ls []Listing
	for _, n := range []struct{ id, name, dob string }{
		{"un:1", "Abu ALPHA", "1970-01-01"}, {"uk:1", "ALPHA, Abu", "1970-01-01"}, {"au:1", "Abu Alfa", "1970-01-01"},
		{"un:2", "Omar BETA", "1980"}, {"uk:2", "BETA Omar", "1980"}, {"ca:2", "Omar Betta", "1980-02-02"},
		{"eu:3", "Jamal GAMMA", "1955-05-04"}, {"au:3", "Kamal GAMMA", "1955-05-04"}, {"au:4", "Jamal GAMMA", "1955-05-04"},
	} {
		ls = append(ls, listing(person(n.id, n.name, n.dob)))
	}
	want := linkAll(t, ls)
	r := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		r.Shuffle(len(ls), func(i, j int) { ls[i], ls[j] = ls[j], ls[i] })
		got := linkAll(t, ls)
		if !equalLinking(got, want) {
			t.Fatalf("order changed the result:\n%+v\nwant\n%+v", got, want)
		}
	}
}

func equalLinking(a, b vigil.Linking) bool {
	if len(a.Clusters) != len(b.Clusters) || !slices.Equal(a.Refused, b.Refused) || !slices.Equal(a.Notes, b.Notes) {
		return false
	}
	for i := range a.Clusters {
		if !slices.Equal(a.Clusters[i].Entities, b.Clusters[i].Entities) || !slices.Equal(a.Clusters[i].Links, b.Clusters[i].Links) {
			return false
		}
	}
	return true
}

func TestCompareDOBs(t *testing.T) {
	d := func(ss ...string) []vigil.Date {
		var out []vigil.Date
		for _, s := range ss {
			out = append(out, lists.MustDate(s))
		}
		return out
	}
	for _, c := range []struct {
		a, b []vigil.Date
		want dobAgreement
	}{
		{d("1957-03-11"), d("1957-03-11"), dobExact},
		{d("1957-03-11"), d("1957"), dobPartial},
		{d("1957-03"), d("1957-03-11"), dobPartial},
		{d("1957-03-11"), d("1957-03-12"), dobConflict},
		{d("1957-04"), d("1957-03-11"), dobConflict},
		{d("1950", "1957-03-11"), d("1957-03-11"), dobExact},
		{d("1955..1958"), d("1957-03-11"), dobPartial},
		{d("1960..1962"), d("1957"), dobConflict},
		{nil, d("1957"), dobUnknown},
	} {
		if got, _ := compareDOBs(c.a, c.b); got != c.want {
			t.Errorf("compareDOBs(%v, %v) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// graphOf is what a store keeps of a linking for Recluster.
func graphOf(l vigil.Linking) vigil.LinkGraph {
	g := vigil.LinkGraph{Parts: l.Parts, Notes: l.Notes, Versions: l.Versions}
	for _, c := range l.Clusters {
		g.Links = append(g.Links, c.Links...)
	}
	return vigil.LinkGraph{Parts: g.Parts, Links: append(g.Links, l.Refused...), Notes: g.Notes, Versions: g.Versions}
}

// Clustering the stored links again under new judgements gives what
// linking from scratch with them gives.
func TestReclusterMatchesLink(t *testing.T) {
	var ls []Listing
	for _, n := range []struct{ id, name, dob string }{
		{"un:1", "Abu ALPHA", "1970-01-01"}, {"uk:1", "ALPHA, Abu", "1970-01-01"}, {"au:1", "Abu Alfa", "1970-01-01"},
		{"un:2", "Omar BETA", "1980"}, {"uk:2", "BETA Omar", "1980"}, {"ca:2", "Omar Betta", "1980-02-02"},
		{"eu:3", "Jamal GAMMA", "1955-05-04"}, {"au:3", "Kamal GAMMA", "1955-05-04"}, {"au:4", "Jamal GAMMA", "1955-05-04"},
	} {
		ls = append(ls, listing(person(n.id, n.name, n.dob)))
	}
	ls[1].Entity.Relations = []vigil.Relation{{EntityID: "un:1", Type: vigil.RelationSameAs}}
	g := graphOf(linkAll(t, ls))
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, js := range [][]vigil.LinkJudgement{
		nil,
		{{A: "uk:1", B: "un:1", Verdict: vigil.VerdictNegative, By: "a", At: at}},
		{{A: "au:1", B: "uk:1", Verdict: vigil.VerdictNegative, By: "a", At: at}, {A: "au:3", B: "eu:3", Verdict: vigil.VerdictPositive, By: "b", At: at}},
		{{A: "au:4", B: "eu:3", Verdict: vigil.VerdictNegative, By: "a", At: at}, {A: "ca:2", B: "un:2", Verdict: vigil.VerdictUnsure, By: "c", At: at}},
	} {
		want := linkAll(t, ls, js...)
		got := Recluster(g, js)
		if !equalLinking(got, want) {
			t.Errorf("judgements %+v:\nrecluster %+v\nlink      %+v", js, got, want)
		}
		// And again from what that linking stored.
		if again := Recluster(graphOf(got), js); !equalLinking(again, want) {
			t.Errorf("judgements %+v: recluster of a recluster differs", js)
		}
	}
}
