// Package un reads the UN Security Council Consolidated List XML
// (consolidated.xml, FORMATS.md §1): the root CONSOLIDATED_LIST with its
// dateGenerated attribute, INDIVIDUALS/INDIVIDUAL and ENTITIES/ENTITY records.
//
// Mapping choices:
//   - Ref is the trimmed REFERENCE_NUMBER ("IRi.039"); Programs holds the
//     UN_LIST_TYPE ("Iran"), Measures come from the regime table in
//     measures.go (the file has no structured measures field).
//   - The primary name is FIRST_NAME..FOURTH_NAME joined by spaces. The four
//     parts are positional, not given/family names (FORMATS.md §1.3), so
//     Name.Given/Family are left empty rather than guessed.
//   - NAME_ORIGINAL_SCRIPT is a strong name with Script detected; no Lang
//     (Arabic script may be Arabic, Persian or Pashto).
//   - ALIAS_NAME is split on ";". Quality Good and a.k.a. are strong, Low is
//     weak, f.k.a. is formerly.
//   - Alias-specific birth data (DATE_OF_BIRTH, CITY_OF_BIRTH,
//     COUNTRY_OF_BIRTH, NOTE on an alias) is kept on that alias in
//     Name.Note, and the date and place are also added (deduplicated) to the
//     entity's BirthDates and BirthPlaces: they describe the same listed
//     person under another identity, so a screen on that date must hit.
//   - Dates of birth: EXACT DATE/YEAR, APPROXIMATELY (Approx), BETWEEN
//     (Year..ToYear); a NOTE-only date is parsed with lists.ParseDate where
//     possible and otherwise kept as Text (e.g. Hijri dates).
//   - URLs quoted in COMMENTS1 (INTERPOL notices) become Links.
package un
