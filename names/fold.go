package names

import "strings"

// foldRules rewrite spellings that romanisations of one sound vary between,
// applied left to right, longest first.
var foldRules = []struct{ from, to string }{
	{"sch", "sh"}, {"tch", "ch"}, {"dzh", "j"}, {"zh", "j"}, {"dj", "j"},
	{"ph", "f"}, {"ck", "k"}, {"kh", "h"}, {"gh", "g"}, {"dh", "d"}, {"th", "t"},
	{"ou", "u"}, {"oo", "u"}, {"ee", "i"}, {"iy", "i"}, {"yy", "i"}, {"ij", "i"},
	{"q", "k"}, {"w", "v"}, {"y", "i"},
}

// foldRulesBy holds foldRules by the first byte of from, in their order:
// only those can match at a position.
var foldRulesBy = func() (by [256][]struct{ from, to string }) {
	for _, r := range foldRules {
		by[r.from[0]] = append(by[r.from[0]], r)
	}
	return by
}()

// foldAt appends to dst what the first fold rule matching tok at i
// writes (tok[i] itself when none does) and returns where the next
// rewriting begins.
func foldAt(dst []byte, tok string, i int) ([]byte, int) {
	for _, r := range foldRulesBy[tok[i]] {
		if strings.HasPrefix(tok[i:], r.from) {
			return append(dst, r.to...), i + len(r.from)
		}
	}
	return append(dst, tok[i]), i + 1
}

// Fold returns a canonical spelling of a normalised token so that common
// romanisation and spelling variants compare equal or close: doubled letters
// are single, and sch/sh, ph/f, kh/h, q/k, w/v, y/i, ou/u, oo/u, ee/i are each
// written one way ("Yevgeniy" and "Evgeny" fold to "evgeni", "Mohammed" to
// "mohamed").
func Fold(tok string) string {
	if tok == "" {
		return ""
	}
	b := make([]byte, 0, len(tok)+2)
	for i := 0; i < len(tok); {
		b, i = foldAt(b, tok, i)
	}
	// A leading "ie"/"io" from y- (Yevgeny → ievgeni): drop the i.
	if len(b) > 3 && b[0] == 'i' && (b[1] == 'e' || b[1] == 'o' || b[1] == 'a' || b[1] == 'u') {
		b = b[1:]
	}
	// Collapse doubled letters.
	out := b[:0]
	for i := 0; i < len(b); i++ {
		if i > 0 && b[i] == b[i-1] {
			continue
		}
		out = append(out, b[i])
	}
	return string(out)
}

// skeletonMap maps letters to consonant classes; vowels (and h, w, y) map to 0
// and are dropped after the first letter.
var skeletonMap = func() [256]byte {
	var m [256]byte
	for c := 'a'; c <= 'z'; c++ {
		m[c] = byte(c)
	}
	for _, c := range "aeiouyw" {
		m[c] = 0
	}
	for _, c := range "kqgc" {
		m[c] = 'k'
	}
	m['p'], m['v'], m['z'], m['x'] = 'b', 'f', 's', 's'
	for c := '0'; c <= '9'; c++ {
		m[c] = byte(c)
	}
	return m
}()

// Skeleton returns a token's consonant skeleton, a phonetic key: the folded
// token without vowels, h, w and y, with k/q/g/c, b/p, f/v, s/z merged and
// repeats collapsed. Spellings of one name across romanisations and
// vowel-less scripts share it: Qasem, Ghasem, Kasem and قاسم (qasm) → "ksm";
// Mohammed, Muhammad, Mohamad → "mhmd". Empty for tokens without consonants.
func Skeleton(tok string) string { return SkeletonOfFold(Fold(tok)) }

// SkeletonOfFold is Skeleton of a token whose Fold is f, for a caller that
// has the Fold already.
func SkeletonOfFold(f string) string {
	b := make([]byte, len(f), 2*len(f))
	copy(b, f)
	return string(appendSkeleton(b, 0, len(f))[len(f):])
}

// commonVariants lists spellings of frequent name parts that neither Fold nor
// Skeleton bring together. Each group is one name; groups sharing a spelling
// are merged, and the first group's first member is the canonical spelling
// (the commonest Latin form, so that a typo of it stays close: "Alexender").
// Written by hand: no library carries romanisation tables of personal names.
var commonVariants = [][]string{
	{"mohammed", "muhammad", "mohamed", "mohammad", "mohamad", "muhammed", "mehmet", "mehmed", "mohamud", "mahomed", "mukhammad", "magomed", "muhamad"},
	{"yevgeny", "evgeny", "evgeniy", "yevgeniy", "evgenii", "eugene", "jewgeni"},
	{"osama", "usama", "ousama"},
	{"laden", "ladin"},
	{"abdul", "abdel", "abd", "abdal", "abdol", "abdoul"},
	{"hussein", "husayn", "hussain", "husain", "hossein", "huseyin", "hosein"},
	{"hassan", "hasan", "hasson"},
	{"qaddafi", "gaddafi", "kadhafi", "qadhafi", "gadhafi", "kaddafi"},
	{"moammar", "muammar", "mouammar"},
	{"aleksandr", "alexander", "alexandr", "aleksander", "oleksandr", "alyaksandr", "alexandre"},
	{"sergei", "sergey", "sergiy", "serhiy", "sergej", "sergejs", "serhii"},
	{"dmitry", "dmitri", "dmitriy", "dmytro"},
	{"yuri", "yury", "yuriy", "iurii", "jurij", "yuriy"},
	{"bin", "ben", "ibn", "bn"},
	{"al", "el", "ul"},
	{"ali", "aly"},
	{"jong", "jeong", "chong"},
	{"kim", "gim"},
	{"ri", "lee", "li", "yi", "rhee"},
	{"pak", "park", "bak"},
	{"choe", "choi"},
	{"un", "eun"},
	{"xi", "hsi"},
	{"jinping", "chinping"},
	{"zedong", "tsetung"},
	{"international", "intl"},
	{"organization", "organisation"},
	{"qasem", "qassem", "ghasem", "kasem", "qasim", "ghassem", "kassem", "gasem"},
}

// nicknames are short forms of given names. They canonicalise person names
// only: "Will", "Bill" and "Rob" are also ordinary words of organisation
// names ("Good Will Company").
var nicknames = [][]string{
	{"william", "bill", "billy", "will"},
	{"robert", "bob", "bobby", "rob"},
	{"theodore", "ted", "teddy"},
	{"james", "jim", "jimmy"},
	{"michael", "mike"},
	{"benjamin", "bibi", "benny"},
	{"alexander", "alex", "sasha"},
}

// variantOf maps each spelling of commonVariants to its merged group's
// canonical spelling; personVariantOf does the same over commonVariants and
// nicknames together.
var variantOf, personVariantOf = mergeGroups(commonVariants), mergeGroups(commonVariants, nicknames)

// mergeGroups merges the groups of the tables that share a spelling (union
// by a spelling's first group) and maps every spelling to its merged group's
// canonical spelling: the first member of the first group in table order.
func mergeGroups(tables ...[][]string) map[string]string {
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		p, ok := parent[x]
		if !ok || p == x {
			parent[x] = x
			return x
		}
		r := find(p)
		parent[x] = r
		return r
	}
	for _, t := range tables {
		for _, g := range t {
			root := find(g[0])
			for _, v := range g[1:] {
				if r := find(v); r != root {
					parent[r] = root
				}
			}
		}
	}
	m := make(map[string]string, len(parent))
	for v := range parent {
		m[v] = find(v)
	}
	return m
}

// Canonical returns the canonical spelling of a normalised token of a
// person's name where it is a known variant or nickname of a frequent name
// part ("muhammad" → "mohammed", "ibn" → "bin", "bill" → "william"),
// otherwise the token itself.
func Canonical(tok string) string { return CanonicalFor(tok, PersonClass) }

// CanonicalFor is Canonical for a name of class c: nicknames count for
// persons and unknown names, not for organisations.
func CanonicalFor(tok string, c Class) string {
	m := personVariantOf
	if c == OrgClass {
		m = variantOf
	}
	if v, ok := m[tok]; ok {
		return v
	}
	return tok
}

// Variants returns the romanisation variants of a normalised token that Vigil
// knows: the spellings of its merged group in the variant and nickname tables
// (Qasem, Qassem, Ghasem, Kasem…), or just the token. The token itself comes
// first, then the others in table order.
func Variants(tok string) []string {
	c, ok := personVariantOf[tok]
	if !ok {
		return []string{tok}
	}
	out := []string{tok}
	seen := map[string]bool{tok: true}
	for _, t := range [][][]string{commonVariants, nicknames} {
		for _, g := range t {
			for _, v := range g {
				if !seen[v] && personVariantOf[v] == c {
					seen[v] = true
					out = append(out, v)
				}
			}
		}
	}
	return out
}

// foldSecond holds, for each first byte of a rule of foldRules, the set of
// second bytes of its rules of two letters or more, as a bit set over 'a'
// to 'z' (bit 26 for any other byte); foldSingle whether it has a
// one-letter rule. A position whose next byte is not in the set can only
// match a one-letter rule.
var foldSecond, foldSingle = func() (second [256]uint32, single [256]bool) {
	for _, r := range foldRules {
		if len(r.from) == 1 {
			single[r.from[0]] = true
		} else {
			second[r.from[0]] |= foldBit(r.from[1])
		}
	}
	return second, single
}()

// foldBit is the bit of byte c in foldSecond.
func foldBit(c byte) uint32 {
	if c >= 'a' && c <= 'z' {
		return 1 << (c - 'a')
	}
	return 1 << 26
}

// appendFold appends Fold(tok) to dst: the same rewriting, done in dst
// instead of a buffer of its own.
func appendFold(dst []byte, tok string) []byte {
	if tok == "" {
		return dst
	}
	start := len(dst)
	for i := 0; i < len(tok); {
		c := tok[i]
		if !foldSingle[c] && (i+1 == len(tok) || foldSecond[c]&foldBit(tok[i+1]) == 0) {
			// No rule can match here.
			dst = append(dst, c)
			i++
			continue
		}
		dst, i = foldAt(dst, tok, i)
	}
	src := dst[start:]
	// A leading "ie"/"io" from y- (Yevgeny → ievgeni): drop the i.
	if len(src) > 3 && src[0] == 'i' && (src[1] == 'e' || src[1] == 'o' || src[1] == 'a' || src[1] == 'u') {
		src = src[1:]
	}
	// Collapse doubled letters, writing from start: a write never
	// overtakes the bytes still to be read.
	w := start
	for i := 0; i < len(src); i++ {
		if i > 0 && src[i] == src[i-1] {
			continue
		}
		dst[w] = src[i]
		w++
	}
	return dst[:w]
}

// appendSkeleton appends SkeletonOfFold(string(dst[fs:fe])) to dst.
func appendSkeleton(dst []byte, fs, fe int) []byte {
	var last byte
	for i := fs; i < fe; i++ {
		c := skeletonMap[dst[i]]
		if c == 'h' && i > fs {
			c = 0 // h counts only as a first letter (Hasan: hsn)
		}
		if c == 0 {
			last = 0
			continue
		}
		if c == last {
			continue
		}
		dst = append(dst, c)
		last = c
	}
	return dst
}
