package batch

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil/internal/listtest"
)

// TestInputByField (issue 23): with InputByField, every format keys a
// record's Input by the fields its columns are read into (as --map or the
// header aliases say), keeps other columns under their headers, and keys a
// column named like a field but not read "HEADER (not screened)"; without
// it, Input is keyed by header.
func TestInputByField(t *testing.T) {
	m := map[string]string{"id": "Ref", "name": "Customer", "dob": "Born"}
	want := map[string]string{"id": "R1", "name": "Jane Roe", "dob": "1970-02-03", "Branch": "Leeds", "name (not screened)": "x"}
	raw := map[string]string{"Ref": "R1", "Customer": "Jane Roe", "Born": "1970-02-03", "Branch": "Leeds", "name": "x"}
	xlsx := listtest.XLSX(t, [][]any{{"Ref", "Customer", "Born", "Branch", "name"}, {"R1", "Jane Roe", "1970-02-03", "Leeds", "x"}})
	inputs := []struct{ name, data string }{
		{"x.csv", "Ref,Customer,Born,Branch,name\nR1,Jane Roe,1970-02-03,Leeds,x\n"},
		{"x.tsv", "Ref\tCustomer\tBorn\tBranch\tname\nR1\tJane Roe\t1970-02-03\tLeeds\tx\n"},
		{"x.jsonl", `{"Ref":"R1","Customer":"Jane Roe","Born":"1970-02-03","Branch":"Leeds","name":"x"}` + "\n"},
		{"x.xlsx", string(xlsx)},
	}
	for _, in := range inputs {
		for _, byField := range []bool{true, false} {
			_, recs := readAll(t, bytes.NewReader([]byte(in.data)), in.name, Options{Map: m, InputByField: byField})
			if len(recs) != 1 || recs[0].Err != nil || recs[0].Query.Name != "Jane Roe" {
				t.Fatalf("%s: records %+v", in.name, recs)
			}
			w := raw
			if byField {
				w = want
			}
			if !reflect.DeepEqual(recs[0].Input, w) {
				t.Errorf("%s (InputByField %v): input %v, want %v", in.name, byField, recs[0].Input, w)
			}
		}
	}
	// Without a map, the header aliases name the fields.
	_, recs := readAll(t, strings.NewReader("Full Name,Passport No,Notes\nJane Roe,X1,n\n"), "x.csv", Options{InputByField: true})
	if w := map[string]string{"name": "Jane Roe", "id_number": "X1", "Notes": "n"}; len(recs) != 1 || !reflect.DeepEqual(recs[0].Input, w) {
		t.Errorf("aliases: %+v, want input %v", recs, w)
	}
}
