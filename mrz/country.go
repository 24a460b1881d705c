package mrz

import (
	"strings"

	"github.com/vigil-screening/vigil/lists"
)

// icaoCodes are the ICAO Doc 9303 Part 3 codes that are not ISO 3166-1
// alpha-3 codes but name a country that has an ISO alpha-2 code. Codes for
// organisations, stateless persons and refugees (UNO, XXA, XXB, …) and the
// specimen state UTO have no country and map to "".
var icaoCodes = map[string]string{
	"D":   "DE", // Germany
	"GBD": "GB", // British Overseas Territories citizen
	"GBN": "GB", // British National (Overseas)
	"GBO": "GB", // British Overseas citizen
	"GBP": "GB", // British protected person
	"GBS": "GB", // British subject
	"RKS": "XK", // Kosovo
	"UNK": "XK", // resident of Kosovo, UNMIK document
}

// Country returns the ISO 3166-1 alpha-2 code for an ICAO 9303 state code as
// it appears in an MRZ or a PAXLST message ("IRN", "D<<", "D", "GBN"), or ""
// for codes that name no country (UTO, XXA, UNO, …) or are unknown.
func Country(code string) string {
	c := strings.ToUpper(strings.TrimSpace(strings.TrimRight(code, "<")))
	if c == "" {
		return ""
	}
	if iso, ok := icaoCodes[c]; ok {
		return iso
	}
	if len(c) != 3 || strings.HasPrefix(c, "XX") || c == "UTO" || strings.HasPrefix(c, "UN") || c == "EUE" {
		return ""
	}
	return lists.Country(c)
}

// NoCountry reports whether code is an ICAO 9303 code that names no
// country by design: a stateless person (XXA), a refugee (XXB, XXC), an
// unspecified nationality (XXX), an organisation (UNO, UNA, EUE, …) or
// the specimen state UTO. Such a nationality is no error, and nothing to
// compare either.
func NoCountry(code string) bool {
	c := strings.ToUpper(strings.TrimSpace(strings.TrimRight(code, "<")))
	if _, ok := icaoCodes[c]; ok || len(c) != 3 {
		return false
	}
	return strings.HasPrefix(c, "XX") || c == "UTO" || strings.HasPrefix(c, "UN") || c == "EUE"
}
