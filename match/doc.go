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
// raise forms already met once nothing they alone reach could be kept.
//
// The most promising forms by that estimate, and only those whose
// entities' evidence (date of birth, nationality, gender, kind, bounded
// first from an envelope of each form's entities' facts) lets them reach
// the threshold, are then bounded: a provable upper bound on the name
// score, from cached part similarities, must reach the bar the evidence
// sets for some entity holding the form. Only then is a form scored in full
// by aligning query parts to name parts (order-insensitive, rare parts
// weighing more, missing and extra parts penalised). The best name of each
// entity is adjusted by the secondary evidence: date of birth, nationality,
// gender, identity documents and kind.
//
// A query part queried often (the given names and surnames of a batch
// file) gets its near data: every listed part it may be aligned with, and
// what those cover of every form. When every part of a query has it, the
// part similarities are read from it, and a cheaper, conflict-aware bound
// from it (the pre-bound) drops the forms that cannot reach their bar
// before they are weighed one by one. A common part queried often gets its
// heavy posting too: its forms once each, grouped by credit and ordered by
// weight, so that retrieval credits it only to the forms other parts
// reach and, of the hundreds it alone reaches, weighs only those whose
// estimate can pass. The forms that pass the evidence envelope are bounded
// once all are known, after one pass that reads what the pre-bound reads
// of each, so that their cache misses overlap; a form the pre-bound turns
// away at the envelope's bar has its exact evidence weighed only if
// capping asks. None of this changes what a query finds: it only spares
// work on forms that could not have matched.
//
// A Memo screens as the index does, for runs of queries that repeat names
// with other evidence (batch files): from a name's second query on (its
// third while the work it keeps seldom serves again) it keeps what
// retrieval found for the name with every kind of evidence present (the
// lowest bars), the estimate of each form and the name score of those that
// may reach a bar, so that a later query of the name only weighs its own
// evidence against them. Its answers are the index's.
package match
