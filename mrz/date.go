package mrz

import (
	"fmt"
	"strconv"
	"time"
)

// birth reads a YYMMDD date of birth. The century is the latest one that
// does not put the date after now (a person cannot be born in the future).
func (m *MRZ) birth(now time.Time, raw string) {
	m.BirthDateRaw = raw
	m.BirthDate = m.date(raw, "birth_date", func(yy int) int {
		y := now.Year()/100*100 + yy
		if y > now.Year() {
			y -= 100
		}
		return y
	})
}

// expiry reads a YYMMDD expiry date. Documents are valid for at most a few
// decades and may have expired, so the century chosen puts the year within
// 50 years before to 49 years after now.
func (m *MRZ) expiry(now time.Time, raw string) {
	m.ExpiryRaw = raw
	m.Expiry = m.date(raw, "expiry_date", func(yy int) int {
		y := now.Year()/100*100 + yy
		switch {
		case y > now.Year()+49:
			y -= 100
		case y < now.Year()-50:
			y += 100
		}
		return y
	})
}

// date formats a YYMMDD field as YYYY-MM-DD, YYYY-MM or YYYY when the day or
// month are fillers, and "" when the year is unknown. An impossible date is
// recorded as a warning.
func (m *MRZ) date(raw, field string, century func(int) int) string {
	yy, err := strconv.Atoi(raw[0:2])
	if err != nil {
		if raw != "<<<<<<" {
			m.Warnings = append(m.Warnings, fmt.Sprintf("%s %q: year is not numeric", field, raw))
		}
		return ""
	}
	y := century(yy)
	mm, errM := strconv.Atoi(raw[2:4])
	if errM != nil {
		return fmt.Sprintf("%04d", y)
	}
	if mm < 1 || mm > 12 {
		m.Warnings = append(m.Warnings, fmt.Sprintf("%s %q: month %02d is impossible", field, raw, mm))
		return fmt.Sprintf("%04d", y)
	}
	dd, errD := strconv.Atoi(raw[4:6])
	if errD != nil {
		return fmt.Sprintf("%04d-%02d", y, mm)
	}
	t := time.Date(y, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	if dd < 1 || t.Day() != dd {
		m.Warnings = append(m.Warnings, fmt.Sprintf("%s %q: day %02d is impossible", field, raw, dd))
		return fmt.Sprintf("%04d-%02d", y, mm)
	}
	return t.Format("2006-01-02")
}
