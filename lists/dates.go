package lists

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/vigil-screening/vigil"
)

const mon = `(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*`

// dateExpr matches one date expression in free text. Go's regexp alternation
// is leftmost-first, so the alternatives are ordered from most to least
// specific: a year alone matches only where nothing fuller does.
var dateExpr = regexp.MustCompile(`(?i)` +
	`(?:between\s+)?(?:` + mon + `\.?\s+)?(\d{4})\s*(?:to|and|–|-)\s*(?:` + mon + `\.?\s+)?(\d{4})` + // 1-4: year range
	`|(\d{1,2})[\s-]*` + mon + `\.?[\s,-]*(\d{4}|\d{2})\b` + // 5-7: 11 Mar 1957, 23-Apr-68
	`|` + mon + `\.?\s+(\d{1,2}),?\s+(\d{4})` + // 8-10: March 11, 1957
	`|(\d{4}),?\s+(\d{1,2})\s+` + mon + // 11-13: 1965, 29 March
	`|(\d{1,2})\s*[/.]\s*(\d{1,2})\s*[/.]\s*(\d{4}|\d{2})\b` + // 14-16: 11/03/1957
	`|(\d{4})-(\d{2})-(\d{2})` + // 17-19: 1957-03-11
	`|` + mon + `\.?,?\s+(\d{4})` + // 20-21: Mar 1957
	`|\b(\d{1,2})/(\d{4})\b` + // 22-23: 03/1965
	`|\b(\d{4})\b`) // 24: 1957

var approxMark = regexp.MustCompile(`(?i)\b(?:c\.|ca\.|circa|approx|approximately|about)`)

// ParseDates extracts every date in a free-text date field: "1965 or 1966",
// "c. 1957 or 14 March 1942", "alt DOB: 19/11/1956", "Between 1963 to 1968",
// "1965, 29 March", "23-Apr-68". Each date keeps its own text; "c." or
// "approximately" before a date marks it approximate. Dates in the Hijri
// calendar are not converted: the result is then empty. ok is false when no
// date was found.
func ParseDates(s string) (ds []vigil.Date, ok bool) {
	if strings.Contains(strings.ToLower(s), "hijri") {
		return nil, false
	}
	idx := dateExpr.FindAllStringSubmatchIndex(s, -1)
	prev := 0
	for _, m := range idx {
		g := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return s[m[2*i]:m[2*i+1]]
		}
		d := vigil.Date{Text: CleanSpace(s[m[0]:m[1]])}
		var y, mo, day int
		switch {
		case g(2) != "":
			y, _ = strconv.Atoi(g(2))
			to, _ := strconv.Atoi(g(4))
			if to > y {
				d.ToYear = to
			}
		case g(5) != "":
			day, _ = strconv.Atoi(g(5))
			mo = months[strings.ToLower(g(6))]
			y = fullYear(g(7))
		case g(8) != "":
			mo = months[strings.ToLower(g(8))]
			day, _ = strconv.Atoi(g(9))
			y, _ = strconv.Atoi(g(10))
		case g(11) != "":
			y, _ = strconv.Atoi(g(11))
			day, _ = strconv.Atoi(g(12))
			mo = months[strings.ToLower(g(13))]
		case g(14) != "":
			day, _ = strconv.Atoi(g(14))
			mo, _ = strconv.Atoi(g(15))
			y = fullYear(g(16))
		case g(17) != "":
			y, _ = strconv.Atoi(g(17))
			mo, _ = strconv.Atoi(g(18))
			day, _ = strconv.Atoi(g(19))
		case g(20) != "":
			mo = months[strings.ToLower(g(20))]
			y, _ = strconv.Atoi(g(21))
		case g(22) != "":
			mo, _ = strconv.Atoi(g(22))
			y, _ = strconv.Atoi(g(23))
		default:
			y, _ = strconv.Atoi(g(24))
		}
		if y < 1850 || y > 2100 || mo < 0 || mo > 12 || day < 0 || day > 31 {
			continue
		}
		if mo == 0 {
			day = 0
		}
		d.Year, d.Month, d.Day = y, mo, day
		if approxMark.MatchString(s[prev:m[0]]) {
			d.Approx = true
		}
		prev = m[1]
		ds = append(ds, d)
	}
	return ds, len(ds) > 0
}

// fullYear reads a four-digit year, or a two-digit one as 19YY (dates of
// birth written "23-Apr-68").
func fullYear(s string) int {
	y, _ := strconv.Atoi(s)
	if len(s) == 2 {
		y += 1900
	}
	return y
}
