package vigil

import (
	"strings"
	"testing"
	"time"
)

func TestParseAsOf(t *testing.T) {
	now := time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)
	for s, want := range map[string]string{
		"2024-06-01":                "2024-06-01T23:59:59.999999999Z",
		" 2024-06-15 ":              "2024-06-15T23:59:59.999999999Z", // today: its end, although ahead of now
		"2022-01-01T12:00:00Z":      "2022-01-01T12:00:00Z",
		"2022-01-01T12:00:00+02:00": "2022-01-01T10:00:00Z",
	} {
		got, err := ParseAsOf(s, now)
		if err != nil || got.Format(time.RFC3339Nano) != want {
			t.Errorf("ParseAsOf(%q) = %v, %v; want %s", s, got, err, want)
		}
	}
	for _, s := range []string{"2024-06-16", "2024-06-15T12:00:01Z", "yesterday", "", "2024-02-30", "01/02/2022"} {
		if got, err := ParseAsOf(s, now); err == nil {
			t.Errorf("ParseAsOf(%q) = %v, want an error", s, got)
		}
	}
}

// FuzzParseAsOf: as_of is parsed without panics; what it accepts is not in
// the future, and a date means the end of that day.
func FuzzParseAsOf(f *testing.F) {
	for _, s := range []string{"2024-06-01", "2022-01-01T12:00:00Z", "2999-01-01", "yesterday", "", "2024-02-30", "2024-06-01T00:00:00+14:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		at, err := ParseAsOf(s, time.Now())
		if err != nil {
			return
		}
		if at.After(time.Now()) && !strings.Contains(s, "T") {
			// A date of today means its end, which may be ahead.
			if d, err := time.Parse(time.DateOnly, strings.TrimSpace(s)); err != nil || d.After(time.Now()) {
				t.Errorf("%q accepted as %v, in the future", s, at)
			}
		}
		if d, err := time.Parse(time.DateOnly, strings.TrimSpace(s)); err == nil && !at.Equal(d.Add(24*time.Hour-time.Nanosecond)) {
			t.Errorf("%q means %v, want the end of the day", s, at)
		}
	})
}
