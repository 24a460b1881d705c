// Package text finds listed persons and organisations mentioned in free text
// such as news articles.
//
// A Scanner is built once from the listed entities: every listed name is
// reduced to its distinctive words, interned as integer ids (phonetic key,
// folded spelling, rarity). Scan tokenises an article with byte offsets,
// takes the runs of name-like (capitalised or caseless script) words as
// candidate spans, and nominates listed names for each span through selective
// keys only: the pair of a name's two rarest phonetic keys (looked up by key
// ids), and, in one Aho-Corasick pass (github.com/coregx/ahocorasick), the
// key and spelling of each rare name word. A span is screened only where it
// holds enough of one nominated name's words, at least one of them
// distinctive (integer comparisons); the matching core (a vigil.Screener)
// then decides every candidate, once per span text and kind in an article
// and, through a bounded LRU cache, across articles. Finally a later
// surname-only mention ("Soleimani said") of a person named in full resolves
// to the same entities.
package text
