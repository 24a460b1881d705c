package vigil

import (
	"fmt"
	"slices"
	"testing"
)

func person(id, name string, aliases ...string) Entity {
	e := Entity{ID: id, Source: "t", Ref: id, Kind: KindPerson, Names: []Name{{Full: name, Quality: QualityPrimary}}}
	for _, a := range aliases {
		e.Names = append(e.Names, Name{Full: a, Quality: QualityStrong})
	}
	return e
}

func TestDiffEntitiesAddedRemovedChanged(t *testing.T) {
	a := person("t:1", "ALPHA ONE")
	b := person("t:2", "BRAVO TWO", "B2")
	c := person("t:3", "CHARLIE THREE")
	old := []Entity{c, a, b}

	b2 := b
	b2.Names = append(slices.Clone(b.Names), Name{Full: "B-TWO", Quality: QualityWeak})
	b2.Programs = []string{"SDGT"}
	d := person("t:4", "DELTA FOUR")
	e := person("t:0", "ECHO ZERO")
	new := []Entity{d, b2, a, e}

	got := DiffEntities("t", 1, 2, old, new)
	if got.List != "t" || got.From != 1 || got.To != 2 {
		t.Errorf("header = %q %d %d", got.List, got.From, got.To)
	}
	if want := []string{"t:0", "t:4"}; !slices.Equal(got.Added, want) {
		t.Errorf("Added = %v, want %v", got.Added, want)
	}
	if want := []string{"t:3"}; !slices.Equal(got.Removed, want) {
		t.Errorf("Removed = %v, want %v", got.Removed, want)
	}
	if len(got.Changed) != 1 || got.Changed[0].ID != "t:2" {
		t.Fatalf("Changed = %+v, want t:2 only", got.Changed)
	}
	if want := []string{"names", "programs"}; !slices.Equal(got.Changed[0].Fields, want) {
		t.Errorf("Changed fields = %v, want %v", got.Changed[0].Fields, want)
	}
}

func TestDiffEntitiesEmptyIsNotNil(t *testing.T) {
	got := DiffEntities("t", 0, 0, nil, nil)
	if got.Added == nil || got.Removed == nil || got.Changed == nil {
		t.Errorf("nil slices in %+v", got)
	}
}

func TestDiffEntitiesOrderInsensitive(t *testing.T) {
	o := person("t:1", "ALPHA", "A1", "A2", "A3")
	o.Programs = []string{"IRAN", "SDGT"}
	o.Addresses = []Address{{City: "Tehran", Country: "IR"}, {City: "Dubai", Country: "AE"}}
	n := o
	n.Names = []Name{o.Names[0], o.Names[3], o.Names[1], o.Names[2]}
	n.Programs = []string{"SDGT", "IRAN"}
	n.Addresses = []Address{o.Addresses[1], o.Addresses[0]}
	if got := DiffEntities("t", 1, 2, []Entity{o}, []Entity{n}); len(got.Changed) != 0 {
		t.Errorf("reordering reported as change: %+v", got.Changed)
	}

	// Nil and empty slices are the same.
	n2 := o
	o.Links, n2.Links = nil, []string{}
	if got := DiffEntities("t", 1, 2, []Entity{o}, []Entity{n2}); len(got.Changed) != 0 {
		t.Errorf("nil vs empty reported as change: %+v", got.Changed)
	}
}

func TestDiffEntitiesPrimaryNameMatters(t *testing.T) {
	o := person("t:1", "ALPHA", "BETA")
	n := o
	n.Names = []Name{{Full: "BETA", Quality: QualityPrimary}, {Full: "ALPHA", Quality: QualityStrong}}
	// Same qualities swapped: the set differs too, but also test pure swap.
	got := DiffEntities("t", 1, 2, []Entity{o}, []Entity{n})
	if len(got.Changed) != 1 || !slices.Equal(got.Changed[0].Fields, []string{"names"}) {
		t.Errorf("primary swap: %+v", got.Changed)
	}
	o.Names = []Name{{Full: "ALPHA"}, {Full: "BETA"}}
	n.Names = []Name{{Full: "BETA"}, {Full: "ALPHA"}}
	got = DiffEntities("t", 1, 2, []Entity{o}, []Entity{n})
	if len(got.Changed) != 1 || !slices.Equal(got.Changed[0].Fields, []string{"names"}) {
		t.Errorf("first name reorder: %+v", got.Changed)
	}
}

func TestDiffEntitiesScalarAndMultisetCounts(t *testing.T) {
	o := person("t:1", "ALPHA")
	o.Nationalities = []string{"IR", "IR", "SY"}
	n := o
	n.Nationalities = []string{"IR", "SY", "SY"} // same length, same set, different multiset
	n.Remarks = "new remark"
	n.BirthDates = []Date{{Year: 1970}}
	got := DiffEntities("t", 1, 2, []Entity{o}, []Entity{n})
	want := []string{"birth_dates", "nationalities", "remarks"}
	if len(got.Changed) != 1 || !slices.Equal(got.Changed[0].Fields, want) {
		t.Errorf("Changed = %+v, want fields %v", got.Changed, want)
	}
}

func TestDiffEntitiesDuplicateIDLastWins(t *testing.T) {
	o := person("t:1", "ALPHA")
	n1, n2 := person("t:1", "OTHER"), person("t:1", "ALPHA")
	got := DiffEntities("t", 1, 2, []Entity{o}, []Entity{n1, n2})
	if len(got.Changed)+len(got.Added)+len(got.Removed) != 0 {
		t.Errorf("want no change, got %+v", got)
	}
}

func TestEntityFieldsCoverJSON(t *testing.T) {
	// Every exported field is compared; spot-check names at both ends.
	var names []string
	for _, f := range entityFields {
		names = append(names, f.name)
	}
	for _, want := range []string{"id", "names", "imo", "links", "relations"} {
		if !slices.Contains(names, want) {
			t.Errorf("entityFields lacks %q: %v", want, names)
		}
	}
}

func BenchmarkDiffEntities(b *testing.B) {
	const n = 15000
	old := make([]Entity, n)
	new := make([]Entity, n)
	for i := range n {
		old[i] = person(fmt.Sprintf("t:%d", i), fmt.Sprintf("NAME %d", i), "ALIAS A", "ALIAS B")
		old[i].Programs = []string{"SDGT", "IRAN"}
		new[i] = old[i]
		if i%10 == 0 {
			new[i].Programs = []string{"IRAN", "SDGT"} // reorder: no change, slow path
		}
		if i%100 == 0 {
			new[i].Remarks = "changed"
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		d := DiffEntities("t", 1, 2, old, new)
		if len(d.Changed) != n/100 {
			b.Fatalf("changed = %d", len(d.Changed))
		}
	}
}
