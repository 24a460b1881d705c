package match

import (
	"fmt"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
	"github.com/vigil-screening/vigil/names"
)

// CheckQuery returns q as the matcher uses it, and a problem for each value
// it cannot use. The date of birth must be a date (YYYY, YYYY-MM,
// YYYY-MM-DD or another form lists.ParseDate reads; a real day of the
// calendar; not after today); the nationality an ISO code, a country name
// or a nationality adjective (it becomes the ISO alpha-2 code, so that
// "UK" is GB); the gender male or female (m, f; "x", "u", "unknown",
// "unspecified" and "other" state that it is not known and are left out
// without a problem); the kind one vigil.ParseKind reads (it becomes the
// canonical kind). A value with a problem is left out of the query
// returned; screening q as given would silently ignore it, or — for a
// two-letter code that names no country, or a kind spelt otherwise —
// weigh it against every listing as a mismatch.
//
// A name with no letter or digit (punctuation or symbols alone) is a
// problem too: the matcher can find nothing for it, so that screening it
// would look like "no match". It is kept in the query; the caller must not
// take its empty result as clear.
func CheckQuery(q vigil.Query) (vigil.Query, []vigil.QueryProblem) {
	return checkQuery(q, time.Now())
}

// CheckQuery is match.CheckQuery, so that servers holding an Index can
// check queries without importing the package.
func (ix *Index) CheckQuery(q vigil.Query) (vigil.Query, []vigil.QueryProblem) {
	return CheckQuery(q)
}

// unstatedGenders are the values that say a gender is not known or not
// male or female: nothing to compare, and nothing wrong.
var unstatedGenders = map[string]bool{"x": true, "u": true, "unknown": true, "unspecified": true, "other": true, "not known": true}

func checkQuery(q vigil.Query, now time.Time) (vigil.Query, []vigil.QueryProblem) {
	var ps []vigil.QueryProblem
	add := func(field, value, reason string, args ...any) {
		ps = append(ps, vigil.QueryProblem{Field: field, Value: value, Reason: fmt.Sprintf(reason, args...)})
	}
	if n := strings.TrimSpace(q.Name); n == "" {
		add("name", q.Name, "is empty (nothing to screen)")
	} else if !names.HasWords(n) {
		add("name", q.Name, "has no letter or digit (nothing to screen)")
	}
	if d := strings.TrimSpace(q.DOB); d != "" {
		if why := dobProblem(d, now); why != "" {
			add("dob", q.DOB, "%s", why)
			q.DOB = ""
		} else {
			q.DOB = d
		}
	} else {
		q.DOB = ""
	}
	if n := strings.TrimSpace(q.Nationality); n != "" {
		if c := lists.Country(n); c != "" {
			q.Nationality = c
		} else {
			add("nationality", q.Nationality, "is not a country (want an ISO code such as IR or IRN, a country name or a nationality)")
			q.Nationality = ""
		}
	} else {
		q.Nationality = ""
	}
	if g := strings.ToLower(strings.TrimSpace(q.Gender)); g != "" {
		switch {
		case normGender(g) != "":
			q.Gender = normGender(g)
		case unstatedGenders[g]:
			q.Gender = ""
		default:
			add("gender", q.Gender, "is not male or female")
			q.Gender = ""
		}
	} else {
		q.Gender = ""
	}
	if k, ok := vigil.ParseKind(string(q.Kind)); ok {
		q.Kind = k
	} else {
		add("kind", string(q.Kind), "is not person, organization, vessel or aircraft")
		q.Kind = vigil.KindUnknown
	}
	return q, ps
}

// dobProblem says why s cannot be a date of birth, or "".
func dobProblem(s string, now time.Time) string {
	d, ok := lists.ParseDate(s)
	if !ok || d.Year == 0 {
		return "is not a date (want YYYY, YYYY-MM or YYYY-MM-DD)"
	}
	if d.Month != 0 && d.Day != 0 {
		if last := time.Date(d.Year, time.Month(d.Month)+1, 0, 0, 0, 0, 0, time.UTC).Day(); d.Day > last {
			return fmt.Sprintf("is not a date (%s %d has %d days)", time.Month(d.Month), d.Year, last)
		}
	}
	// The first day the date may mean must not be after today.
	m, day := max(d.Month, 1), max(d.Day, 1)
	if time.Date(d.Year, time.Month(m), day, 0, 0, 0, 0, time.UTC).After(now) {
		return "is in the future"
	}
	return ""
}
