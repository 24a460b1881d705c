// Package eu reads the EU Financial Sanctions Files XML 1.1
// (FORMATS.md §3.1): root export (namespace
// http://eu.europa.ec/fpi/fsd/export, attribute generationDate) with one
// sanctionEntity per listing.
//
// Mapping choices:
//   - Ref is euReferenceNumber ("EU.3579.2"), else logicalId.
//   - The file marks no primary name. Names[0] is the strong, Latin-script
//     nameAlias with the lowest logicalId: the alias recorded first, which
//     is the designation's own name in every case seen (Khalid Sheikh
//     MOHAMMED, Parchin Chemical Industries (PCI), Ibrahim Hassan Tali
//     Al-Asiri…). Other aliases follow in file order.
//   - strong="false", or a remark saying "low quality" (or the "lo quality"
//     typo), makes a weak alias; nameLanguage becomes Lang (lower case).
//   - citizenship becomes Nationalities (the EU uses the word for
//     nationality, as FollowTheMoney does).
//   - birthdate: GREGORIAN dates are read from birthdate, or from
//     year/monthOfYear/dayOfMonth, or yearRangeFrom..yearRangeTo; circa sets
//     Approx. ISLAMIC dates are converted with the arithmetic (tabular) Hijri
//     calendar and marked Approx, since the observed calendar can differ from
//     the tabular one by a day or two; Text keeps the Hijri date. Other
//     calendars keep Text only.
//   - unitedNationId becomes a Relation {EntityID "un:<id>", Type "same_as"}
//     linking the entry to the UN listing it implements.
//   - Every EU FSF listing is an asset freeze (Measures = asset_freeze).
//   - Regulation publicationUrl and WEB contacts become Links; other contact
//     details (PHONE, FAX, EMAIL) go to Remarks, as Entity has no field.
//   - Partial stays false: an excerpt cannot be told from content.
package eu
