package watch

import (
	"errors"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
)

// FuzzSubjectFromJSON reads arbitrary objects as subjects: either a valid
// subject of the path's id, or ErrInvalid; never a panic.
func FuzzSubjectFromJSON(f *testing.F) {
	f.Add("c1", `{"name":"Qasem Soleimani","dob":"1957-03-11"}`)
	f.Add("", `{"id":"a","first_name":"Ivan","last_name":"Sidorenko"}`)
	f.Add("x", `{"id":"y","name":"z"}`)
	f.Add("x", `[]`)
	f.Fuzz(func(t *testing.T, id, object string) {
		s, err := SubjectFromJSON("set", id, []byte(object))
		if err != nil {
			if !errors.Is(err, vigil.ErrInvalid) {
				t.Fatalf("%q %q: %v is not ErrInvalid", id, object, err)
			}
			return
		}
		if checkSubject(&s) != nil || (id != "" && s.ID != strings.TrimSpace(id)) || s.Set != "set" {
			t.Fatalf("%q %q: accepted %+v", id, object, s)
		}
	})
}

// FuzzParseAge: a positive duration or an error.
func FuzzParseAge(f *testing.F) {
	for _, s := range []string{"365d", "1d", "12h", "0d", "-1d", "d", "1.5d", "99999999999999d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseAge(s)
		if err == nil && d <= 0 {
			t.Fatalf("%q: %v, no error", s, d)
		}
	})
}
