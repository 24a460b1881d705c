package lists

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/vigil-screening/vigil"
)

var months = map[string]int{
	"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
	"may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
	"september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}

var (
	reISO      = regexp.MustCompile(`^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:T.*|[+-]\d\d:\d\d)?$`)
	reDMY      = regexp.MustCompile(`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$`)
	reDMonY    = regexp.MustCompile(`^(?:(\d{1,2})\s+)?([A-Za-z]{3,9})\.?\s+(\d{4})$`)
	reMonDY    = regexp.MustCompile(`^([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})$`)
	reRange    = regexp.MustCompile(`^(\d{4})\s*(?:to|-|–|\.\.|/|and)\s*(\d{4})$`)
	reYearOnly = regexp.MustCompile(`^(\d{4})$`)
)

// ParseDate parses the date forms lists use: "1957-03-11", "11/03/1957"
// (day first; "00" for an unknown day or month), "11 Mar 1957", "Mar 1957",
// "March 11, 1957", "1957", "1957 to 1959", "circa 1957", "Approximately
// 1957", "c. 1957". The result keeps the source text. ok is false when
// nothing could be parsed; the returned Date then carries only Text.
func ParseDate(s string) (d vigil.Date, ok bool) {
	if d, ok, done := parseDateFast(s); done {
		return d, ok
	}
	return parseDateSlow(s)
}

// parseDateSlow is ParseDate through the regular expressions: the reference
// that the fast path is tested against, and what it falls back to.
func parseDateSlow(s string) (d vigil.Date, ok bool) {
	text := CleanSpace(s)
	d.Text = text
	t := strings.ToLower(text)
	for _, p := range []string{"circa ", "circa", "approximately ", "approx. ", "approx ", "about ", "c. ", "ca. ", "~"} {
		if strings.HasPrefix(t, p) {
			d.Approx = true
			t = strings.TrimSpace(t[len(p):])
			break
		}
	}
	if strings.HasSuffix(t, " (approx)") || strings.HasSuffix(t, " approx.") || strings.HasSuffix(t, " approximately") {
		d.Approx = true
		t = strings.TrimSpace(t[:strings.LastIndexByte(t, ' ')])
	}
	var y, m, day int
	switch {
	case reYearOnly.MatchString(t):
		y, _ = strconv.Atoi(t)
	case reRange.MatchString(t):
		g := reRange.FindStringSubmatch(t)
		y, _ = strconv.Atoi(g[1])
		to, _ := strconv.Atoi(g[2])
		if to < y || y < 1000 || to > 2200 {
			return d, false
		}
		d.Year, d.ToYear = y, to
		if to == y {
			d.ToYear = 0
		}
		return d, true
	case reISO.MatchString(t):
		g := reISO.FindStringSubmatch(t)
		y, _ = strconv.Atoi(g[1])
		m, _ = strconv.Atoi(g[2])
		day, _ = strconv.Atoi(g[3])
	case reDMY.MatchString(t):
		g := reDMY.FindStringSubmatch(t)
		day, _ = strconv.Atoi(g[1])
		m, _ = strconv.Atoi(g[2])
		y, _ = strconv.Atoi(g[3])
	case reDMonY.MatchString(t):
		g := reDMonY.FindStringSubmatch(t)
		mm, found := months[g[2]]
		if !found {
			return d, false
		}
		day, _ = strconv.Atoi(g[1])
		m = mm
		y, _ = strconv.Atoi(g[3])
	case reMonDY.MatchString(t):
		g := reMonDY.FindStringSubmatch(t)
		mm, found := months[g[1]]
		if !found {
			return d, false
		}
		m = mm
		day, _ = strconv.Atoi(g[2])
		y, _ = strconv.Atoi(g[3])
	default:
		return d, false
	}
	if y < 1000 || y > 2200 || m < 0 || m > 12 || day < 0 || day > 31 || (m == 0 && day != 0) {
		if y >= 1000 && y <= 2200 && m == 0 && day != 0 {
			// "00/05/1957"-style unknown month with a known day: keep the year.
			d.Year = y
			return d, true
		}
		return d, false
	}
	d.Year, d.Month, d.Day = y, m, day
	return d, true
}

// MustDate is ParseDate for callers that keep unparsed text as a Date anyway.
func MustDate(s string) vigil.Date {
	d, _ := ParseDate(s)
	return d
}

// parseDateFast is ParseDate for the empty string and for the numeric
// layouts without spaces: YYYY, YYYY-M[M], YYYY-M[M]-D[D], D[D]/M[M]/YYYY
// (with any of / . - as separators), and the ranges YYYY-YYYY, YYYY/YYYY,
// YYYY..YYYY. done is false for anything else, which the slow path parses.
//
// It is equivalent because such a string holds only digits and - / . : it
// has no space (CleanSpace keeps it as it is), no upper-case letter
// (ToLower too), no approximation prefix or suffix (all start with a
// letter or "~", or hold a space), and of the expressions only reYearOnly,
// reRange, reISO and reDMY can match it (reDMonY and reMonDY need letters;
// the optional time or zone of reISO needs T or a colon). Its digit groups
// and separators decide which of them matches, tried in the slow path's
// order, with the same groups; the checks of the values are the slow
// path's.
func parseDateFast(s string) (d vigil.Date, ok, done bool) {
	if s == "" {
		return d, false, true
	}
	// The string as digit groups g[0..n) separated by runs of - / . .
	var g [3]string
	var sep [2]string
	n := 0
	for i := 0; ; {
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if j == i || n == len(g) {
			return d, false, false
		}
		g[n] = s[i:j]
		n++
		if j == len(s) {
			break
		}
		k := j
		for k < len(s) && (s[k] == '-' || s[k] == '/' || s[k] == '.') {
			k++
		}
		if k == j || n == len(g) {
			return d, false, false
		}
		sep[n-1] = s[j:k]
		i = k
	}
	d.Text = s
	var y, m, day int
	switch {
	case n == 1 && len(g[0]) == 4: // reYearOnly
		y = atoiDigits(g[0])
	case n == 2 && len(g[0]) == 4 && len(g[1]) == 4 && (sep[0] == "-" || sep[0] == "/" || sep[0] == ".."): // reRange
		y = atoiDigits(g[0])
		to := atoiDigits(g[1])
		if to < y || y < 1000 || to > 2200 {
			return d, false, true
		}
		d.Year, d.ToYear = y, to
		if to == y {
			d.ToYear = 0
		}
		return d, true, true
	case n >= 2 && len(g[0]) == 4 && sep[0] == "-" && len(g[1]) <= 2 && (n == 2 || sep[1] == "-" && len(g[2]) <= 2): // reISO
		y, m = atoiDigits(g[0]), atoiDigits(g[1])
		if n == 3 {
			day = atoiDigits(g[2])
		}
	case n == 3 && len(g[0]) <= 2 && len(g[1]) <= 2 && len(g[2]) == 4 && len(sep[0]) == 1 && len(sep[1]) == 1: // reDMY
		day, m, y = atoiDigits(g[0]), atoiDigits(g[1]), atoiDigits(g[2])
	default:
		return d, false, false
	}
	if y < 1000 || y > 2200 || m < 0 || m > 12 || day < 0 || day > 31 || (m == 0 && day != 0) {
		if y >= 1000 && y <= 2200 && m == 0 && day != 0 {
			d.Year = y
			return d, true, true
		}
		return d, false, true
	}
	d.Year, d.Month, d.Day = y, m, day
	return d, true, true
}

// atoiDigits returns the value of a short string of ASCII digits.
func atoiDigits(s string) int {
	v := 0
	for i := 0; i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}
