// Package match finds the listed entities a query may be and says why.
//
// Names are parsed into tagged parts by package names. Every distinct part of
// the listed names is interned once and indexed under its retrieval keys: its
// canonical spelling, its consonant skeleton (a phonetic key that meets
// across romanisations and vowel-less scripts) and its one-deletion
// neighbourhood (the character-level key that lets one or two typos
// through); each name's parts joined without spaces are indexed too. A query
// part looks up its keys, finds the listed parts near it (remembered across
// queries: names share their parts far more than whole names), weighs each
// by its similarity to the query part, and credits the distinct names
// (forms) holding them; the parts that can add least come last and only
// raise forms already met once nothing they alone reach could be kept. The
// most promising forms by that estimate are then bounded
// (a provable upper bound on the name score, from cached part similarities)
// and only those that can reach the threshold for some entity holding them,
// given what the query's date of birth, nationality and gender would add or
// take for that entity (weighed against each form's entities' facts, packed
// and shared by the lists that list one person alike), are scored in full by aligning query parts to name
// parts (order-insensitive, rare parts weighing more, missing and extra
// parts penalised). The best name of each entity is adjusted by the
// secondary evidence: date of birth, nationality, gender, identity documents
// and kind.
package match
