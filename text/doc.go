// Package text finds listed persons and organisations mentioned in free text
// such as news articles.
//
// A Scanner is built once from the listed entities. It tokenises an article
// with byte offsets, takes the runs of name-like (capitalised or caseless
// script) words as candidate spans, and finds in them, with one Aho-Corasick
// pass (github.com/coregx/ahocorasick), the phonetic keys of the words of
// every listed name. A span is screened only where it holds enough of one
// listed name's words, at least one of them distinctive; the matching core
// (a vigil.Screener) then decides every candidate. Finally a later
// surname-only mention ("Soleimani said") of a person named in full resolves
// to the same entities.
package text
