package paxlst

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-screening/vigil/lists"
)

func itoa(n int) string { return strconv.Itoa(n) }

// mrzCountryName resolves a country given by name or alpha-2 code, which
// some senders use instead of alpha-3.
func mrzCountryName(s string) string {
	if len(s) == 3 {
		return "" // an alpha-3 code mrz.Country did not know
	}
	return lists.Country(s)
}

// parseDateTime reads a DTM value in format 201 (YYMMDDHHMM), 203
// (CCYYMMDDHHMM), 102 (CCYYMMDD) or 101 (YYMMDD) — guessed from the length
// when no format is given — as "YYYY-MM-DDTHH:MM" or "YYYY-MM-DD". Two-digit
// years of flights are in this century.
func parseDateTime(v, format string) (string, bool) {
	v = strings.TrimSpace(v)
	for _, c := range v {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	if format == "" || format == "201" || format == "203" || format == "102" || format == "101" {
		switch len(v) {
		case 10, 6:
			v = "20" + v
		case 12, 8:
		default:
			return "", false
		}
	} else {
		return "", false
	}
	layout := "200601021504"
	out := "2006-01-02T15:04"
	if len(v) == 8 {
		layout, out = "20060102", "2006-01-02"
	}
	t, err := time.Parse(layout, v)
	if err != nil {
		return "", false
	}
	return t.Format(out), true
}

// parseDate reads a date of birth or document date: YYMMDD (format 101 or
// none) or CCYYMMDD (102). For a date of birth the century is the latest
// that puts the date on or before now; other dates fall within 50 years
// either side of now.
func parseDate(v, format string, now time.Time, birth bool) (string, bool) {
	v = strings.TrimSpace(v)
	if len(v) == 8 && (format == "" || format == "102") {
		t, err := time.Parse("20060102", v)
		if err != nil {
			return "", false
		}
		return t.Format("2006-01-02"), true
	}
	if len(v) != 6 || (format != "" && format != "101") {
		return "", false
	}
	yy, err := strconv.Atoi(v[:2])
	if err != nil || v[0] == '+' || v[0] == '-' {
		return "", false
	}
	y := now.Year()/100*100 + yy
	if birth {
		if fmt.Sprintf("%04d%s", y, v[2:]) > now.Format("20060102") {
			y -= 100
		}
	} else if y > now.Year()+49 {
		y -= 100
	} else if y < now.Year()-50 {
		y += 100
	}
	t, err := time.Parse("20060102", fmt.Sprintf("%04d%s", y, v[2:]))
	if err != nil {
		return "", false
	}
	return t.Format("2006-01-02"), true
}
