package match

// Version identifies how the matcher scores. Bump it with every change
// that may move a score or a match: the rules of compare, the bounds,
// retrieval, evidence, the built-in rarity factors or how rarity tables
// are derived. Keeping watch records it with every alert and re-screening
// run, and a new version re-screens every watched subject with weights
// derived afresh.
const Version = "match-2026.2"
