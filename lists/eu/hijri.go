package eu

// hijriToGregorian converts a date of the arithmetic (tabular) Islamic
// calendar, civil epoch (1 Muharram 1 AH = 16 July 622 Julian), to the
// proleptic Gregorian calendar. The calendar actually observed (or Umm
// al-Qura) can differ by a day or two, so callers mark the result
// approximate. No maintained Go library for Hijri conversion is in the
// project's module list, and the arithmetic is a few lines.
func hijriToGregorian(y, m, d int) (gy, gm, gd int) {
	// Julian Day Number of the Hijri date.
	jdn := d + (295*(m-1)+9)/10 + (y-1)*354 + (3+11*y)/30 + 1948439
	// JDN to Gregorian (Fliegel & Van Flandern).
	l := jdn + 68569
	n := 4 * l / 146097
	l -= (146097*n + 3) / 4
	i := 4000 * (l + 1) / 1461001
	l = l - 1461*i/4 + 31
	j := 80 * l / 2447
	gd = l - 2447*j/80
	l = j / 11
	gm = j + 2 - 12*l
	gy = 100*(n-49) + i + l
	return gy, gm, gd
}
