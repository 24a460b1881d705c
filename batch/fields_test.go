package batch

import "testing"

func TestFieldOf(t *testing.T) {
	opts := Options{Map: map[string]string{"name": "Customer"}}
	for _, c := range []struct{ header, want string }{
		{"Customer", "name"},
		{"Name", ""}, // the map reads the name from Customer
		{"Date of Birth", "dob"},
		{"passport", "id_number"},
		{"Branch", ""},
	} {
		if got := FieldOf(c.header, opts); got != c.want {
			t.Errorf("FieldOf(%q) = %q, want %q", c.header, got, c.want)
		}
	}
	if got := FieldOf("Name", Options{}); got != "name" {
		t.Errorf("FieldOf(Name) without a map = %q, want name", got)
	}
}
