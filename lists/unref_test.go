package lists

import (
	"slices"
	"testing"

	"github.com/vigil-screening/vigil"
)

func TestUNRefs(t *testing.T) {
	for in, want := range map[string][]string{
		"IRi.039":                      {"IRi.039"},
		" QDE.131 ":                    {"QDe.131"},
		"CDi. 038":                     {"CDi.038"},
		"qde.128 and TAi.002; QDe.128": {"QDe.128", "TAi.002"},
		"QI.A.151.03":                  nil, // a pre-2014 reference
		"E.29.I.11":                    nil,
		"KPv.001":                      nil, // no UN listing is a vessel
		"XQDi.001":                     nil,
		"Tax ID No. XC6QLI.00000.LE.643 (Russia)": nil,
	} {
		if got := UNRefs(in); !slices.Equal(got, want) {
			t.Errorf("UNRefs(%q) = %q, want %q", in, got, want)
		}
	}
	var e vigil.Entity
	SameAsUN(&e, "IRi.039")
	SameAsUN(&e, "IRi.039, IRe.001")
	want := []vigil.Relation{{EntityID: "un:IRi.039", Type: vigil.RelationSameAs}, {EntityID: "un:IRe.001", Type: vigil.RelationSameAs}}
	if !slices.Equal(e.Relations, want) {
		t.Errorf("relations = %+v, want %+v", e.Relations, want)
	}
}

func FuzzUNRefs(f *testing.F) {
	for _, s := range []string{"(UN Ref):QDi.241. Member of QDe.128", "CDi. 038", "QI.A.151.03", "KPv.001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, ref := range UNRefs(s) {
			// Every reference read is in the UN's spelling and reads back
			// as itself.
			if got := UNRefs(ref); len(got) != 1 || got[0] != ref {
				t.Fatalf("UNRefs(%q) = %q, whose %q reads back as %q", s, UNRefs(s), ref, got)
			}
		}
	})
}
