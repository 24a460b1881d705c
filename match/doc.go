// Package match finds the listed entities a query may be and says why.
//
// Names are parsed into tagged parts by package names. Candidates come from an
// in-memory inverted index over each part's canonical spelling, its consonant
// skeleton (a phonetic key that meets across romanisations and vowel-less
// scripts), its one-deletion neighbourhood (the character-level key that lets
// one or two typos through) and each name's joined form. Each candidate name
// is then scored by aligning query parts to name parts (order-insensitive,
// rare parts weighing more, missing and extra parts penalised) and the best
// name of each entity is adjusted by secondary evidence: date of birth,
// nationality, gender, identity documents and kind.
package match
