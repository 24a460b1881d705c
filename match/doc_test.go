package match

import (
	"testing"

	"github.com/vigil-screening/vigil"
)

// TestDocumentBringsEntity: a listed identity document number brings its
// entity in whatever the name, and the name cut does not drop it.
func TestDocumentBringsEntity(t *testing.T) {
	e := &vigil.Entity{ID: "t:1", Kind: vigil.KindPerson,
		Names:     []vigil.Name{{Full: "QASEM SOLEIMANI", Quality: vigil.QualityPrimary}},
		Documents: []vigil.Document{{Type: vigil.DocPassport, Number: "T88240217"}}}
	other := &vigil.Entity{ID: "t:2", Kind: vigil.KindPerson, Names: []vigil.Name{{Full: "JOHN SMITH", Quality: vigil.QualityPrimary}}}
	ix := NewIndex([]Entry{{Entity: e, Version: "t@1"}, {Entity: other, Version: "t@1"}})
	for _, name := range []string{"Qasem Soleimani", "Q Sol", "Anna Maria Eriksson"} {
		ms := ix.Screen(vigil.Query{Name: name, ID: "T 8824-0217", DOB: "1960-01-01", Nationality: "SE"})
		if len(ms) == 0 || ms[0].EntityID != "t:1" || ms[0].Score < 0.97 {
			t.Errorf("%q with the listed passport: %+v", name, ms)
		}
	}
	if ms := ix.Screen(vigil.Query{Name: "Anna Maria Eriksson", ID: "X0000000"}); len(ms) != 0 {
		t.Errorf("unlisted document and name matched %+v", ms)
	}
}
