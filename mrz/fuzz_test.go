package mrz

import (
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, and that whatever it accepts has
// the line layout of its format and one check per check digit position.
func FuzzParse(f *testing.F) {
	f.Add("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10")
	f.Add("I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nERIKSSON<<ANNA<MARIA<<<<<<<<<<")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := Parse(s)
		if err != nil {
			return
		}
		want := map[string]int{TD1: 30, TD2: 36, TD3: 44, MRVA: 44, MRVB: 36}[m.Format]
		for _, l := range m.Lines {
			if len(l) != want {
				t.Fatalf("format %s accepted a line of %d characters", m.Format, len(l))
			}
		}
		for _, c := range m.Checks {
			if c.OK != (c.Want == c.Got) || c.Position < 1 || c.Position > want {
				t.Fatalf("inconsistent check %+v", c)
			}
		}
		if strings.Contains(m.Surname+m.Given+m.Number, "<") {
			t.Fatalf("filler left in a field: %+v", m)
		}
		_ = m.Query()
	})
}
