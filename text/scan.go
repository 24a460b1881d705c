package text

import (
	"cmp"
	"context"
	"encoding/binary"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/names"
)

// maxMatches caps the entities one mention may name: enough for one person
// or body listed by every source, with homonyms.
const maxMatches = 50

// Mention is one place in the text that names listed entities.
type Mention struct {
	// Start and End are byte offsets into the text: Text is text[Start:End].
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
	// Matches are the listed entities the mention names, best first, as the
	// matching core scored and explained them.
	Matches []vigil.Match `json:"matches"`
	// Antecedent, for a short mention resolved by coreference ("Soleimani
	// said"), is the full mention it refers to.
	Antecedent *Span `json:"antecedent,omitempty"`
	// Subjects are the Matches grouped by listed subject, when the
	// screening path groups them (see vigil.SubjectMatch).
	Subjects []vigil.SubjectMatch `json:"subjects,omitempty"`
}

// Span is a located piece of the text.
type Span struct {
	Start int    `json:"start"`
	End   int    `json:"end"`
	Text  string `json:"text"`
}

// word is the matching form of a token in a candidate span: interned ids of
// its phonetic key (-1 when no listed name has it) and folded spelling (-1
// when none has it), and the spelling's first byte.
type word struct {
	tok        int // index into the tokens
	skel, fold int32
	spelling   int32 // the scan's id of the folded spelling
	first      byte
	form       *wordForm
}

// scanState is what one scan works out once and reuses.
type scanState struct {
	forms    map[string][]wordInfo // token text → its words
	spelling map[string]int32      // folded spelling → the scan's id of it
	similar  map[uint64]bool       // scan spelling id, name spelling id → alike
	// memo holds the candidates of a span by its words, relative to its
	// first token (spanSignature).
	memo map[string][]candidate
}

// candidate is a token range of a span worth asking the matcher about.
type candidate struct {
	first, last int // token indexes, inclusive
	kind        vigil.Kind
	entities    map[int32]bool
}

// Scan returns the mentions of listed entities in text, in text order. It
// is safe for concurrent use. The matches' explanations, measures and
// programs are shared with the Scanner's cache: treat them as read-only.
func (s *Scanner) Scan(text string) []Mention {
	r, _ := s.ScanContext(context.Background(), text, Limits{}) // no deadline, no limit: no error
	return r.Mentions
}

// Limits bound the work of one scan; a zero field sets no bound.
type Limits struct {
	// MaxQueries is the most span texts one scan may ask the matching core
	// about (answers from the cache do not count): the bulk of a scan's
	// work, about a millisecond each.
	MaxQueries int
	// MaxMentions is the most mentions one scan returns.
	MaxMentions int
}

// Result is what a scan found.
type Result struct {
	Mentions []Mention `json:"mentions"`
	// Truncated is set when a limit stopped the scan before the end of the
	// text: the mentions are those of text[:ScreenedTo] only.
	Truncated bool `json:"truncated"`
	// ScreenedTo is the byte offset up to which the mentions are complete:
	// len(text) unless Truncated.
	ScreenedTo int `json:"screened_to"`
}

// ScanContext is Scan within limits: it stops when ctx ends (returning
// ctx's error) and, when a limit is reached, returns the mentions of the
// text up to there with Truncated set. Within limits, the text is worked
// through in batches of spans of about batchTokens tokens, each screened
// before the next is looked at, so that a scan a limit stops early does not
// first work out the candidates of the whole text.
func (s *Scanner) ScanContext(ctx context.Context, text string, lim Limits) (Result, error) {
	toks := Tokenize(text)
	spans := nameSpans(toks)
	wins := windows(spans, maxRun)
	st := &scanState{forms: map[string][]wordInfo{}, spelling: map[string]int32{}, similar: map[uint64]bool{},
		memo: map[string][]candidate{}}
	var lower map[string]bool // lower-case words of the text, worked out when first needed
	var ms []Mention
	local := map[string][]vigil.Match{} // this scan's answers, without locking
	var qb strings.Builder
	cut, queries := len(text), 0
	batch := cmp.Or(s.batch, batchTokens)
	if lim == (Limits{}) && s.batch == 0 {
		batch = len(toks) // nothing stops the scan early: one batch
	}
scan:
	for b0, b1 := 0, 0; b0 < len(wins); b0 = b1 {
		if err := ctx.Err(); err != nil {
			return Result{}, err
		}
		for n := 0; b1 < len(wins) && n < batch; b1++ {
			n += wins[b1][1] - wins[b1][0] + 1
		}
		bw := wins[b0:b1]
		words := make([][]word, len(bw))
		for i, sp := range bw {
			words[i] = s.spanWords(toks, sp, st)
		}
		cands := s.candidates(bw, words, st)
		for i, c := range cands {
			if len(c.entities) == 0 {
				continue
			}
			if err := ctx.Err(); err != nil {
				return Result{}, err
			}
			if c.first == c.last {
				if lower == nil {
					lower = lowerWords(toks)
				}
				if lower[strings.ToLower(toks[c.first].Text)] {
					// A single word also written in lower case in this text
					// is a common word, capitalised here only to start a
					// sentence.
					continue
				}
			}
			start, end := toks[c.first].Start, toks[c.last].End
			q := spaced(&qb, text[start:end])
			if lim.MaxMentions > 0 && len(ms) >= lim.MaxMentions ||
				lim.MaxQueries > 0 && queries >= lim.MaxQueries && !s.known(c.kind, q, local) {
				// Candidates come span by span, not strictly in text
				// order: the mentions are complete up to the first one
				// left, here or in the spans not yet looked at.
				for _, d := range cands[i:] {
					cut = min(cut, toks[d.first].Start)
				}
				if b1 < len(wins) {
					cut = min(cut, toks[wins[b1][0]].Start)
				}
				break scan
			}
			got, asked := s.screen(c.kind, q, local)
			if asked {
				queries++
			}
			var keep []vigil.Match
			for _, m := range got {
				if m.Score >= s.threshold && c.entities[s.entityIndex(m.EntityID)] {
					keep = append(keep, m)
				}
			}
			if len(keep) > 0 {
				ms = append(ms, Mention{Start: start, End: end, Text: text[start:end], Matches: keep})
			}
		}
	}
	if cut < len(text) {
		ms = slices.DeleteFunc(ms, func(m Mention) bool { return m.End > cut })
	}
	ms = resolveOverlaps(ms)
	sort.Slice(ms, func(i, j int) bool { return ms[i].Start < ms[j].Start })
	budget := -1
	if lim.MaxMentions > 0 {
		budget = lim.MaxMentions // the cap below keeps the first in text order
	}
	coref, cut := s.coreference(text, toks, spans, ms, cut, budget)
	ms = append(ms, coref...)
	sort.Slice(ms, func(i, j int) bool { return ms[i].Start < ms[j].Start })
	if lim.MaxMentions > 0 && len(ms) > lim.MaxMentions {
		// Mentions do not overlap: those kept end before the first cut off.
		cut = min(cut, ms[lim.MaxMentions].Start)
		ms = ms[:lim.MaxMentions]
	}
	for len(ms) > 0 && ms[len(ms)-1].End > cut {
		ms = ms[:len(ms)-1]
	}
	return Result{Mentions: ms, Truncated: cut < len(text), ScreenedTo: cut}, nil
}

// batchTokens is about how many tokens of spans a scan within limits works
// out the candidates of at a time: few enough that a scan stopped by a limit
// has not worked through much more text than it screened (some 30 KB of a
// run of names, 80 KB of news), many enough that the automaton pass, which
// evicts the name records from the CPU caches, runs seldom: batches of 256
// spans cost 40% more CPU on 1 MB of news than one batch, these about 7%.
const batchTokens = 8192

// maxRun is the most tokens of a run of name-like words that candidates()
// takes as one span, since its work grows with the square of a span's
// words. A longer run (a pasted list of names, a text in capitals) is cut
// into windows of maxRun tokens, each overlapping the next by half, so that
// every stretch of up to maxRun/2+1 tokens lies wholly in one window; the
// longest listed name in the shared lists is 27 tokens, and news prose
// never has such runs.
const maxRun = 64

// windows returns spans with each span longer than n tokens cut into
// windows of n tokens overlapping by half.
func windows(spans [][2]int, n int) [][2]int {
	out := make([][2]int, 0, len(spans))
	for _, sp := range spans {
		if sp[1]-sp[0] < n {
			out = append(out, sp)
			continue
		}
		for a := sp[0]; ; a += n / 2 {
			b := min(a+n-1, sp[1])
			out = append(out, [2]int{a, b})
			if b == sp[1] {
				break
			}
		}
	}
	return out
}

// screen asks the matcher about a span text of a kind once per scan and,
// through the Scanner's LRU cache, once across scans. The answers are
// shared: callers copy matches before changing them. asked reports whether
// the matching core was asked.
func (s *Scanner) screen(kind vigil.Kind, q string, local map[string][]vigil.Match) (got []vigil.Match, asked bool) {
	key := string(kind) + "\x00" + q
	if got, ok := local[key]; ok {
		return got, false
	}
	if s.screened != nil {
		if got, ok := s.screened.Get(key); ok {
			local[key] = got
			return got, false
		}
	}
	got = s.sc.Screen(vigil.Query{Name: q, Kind: kind, Threshold: s.threshold, Limit: maxMatches})
	local[key] = got
	if s.screened != nil {
		s.screened.Add(key, got)
	}
	return got, true
}

// known reports whether screen would answer a span text of a kind without
// asking the matching core.
func (s *Scanner) known(kind vigil.Kind, q string, local map[string][]vigil.Match) bool {
	key := string(kind) + "\x00" + q
	if _, ok := local[key]; ok {
		return true
	}
	return s.screened != nil && s.screened.Contains(key)
}

// spaced returns q with every run of white space (a line break inside a
// name) as one space, so that one name written across lines is screened
// and cached once.
func spaced(b *strings.Builder, q string) string {
	clean := true
	for i := 0; i < len(q); i++ {
		if c := q[i]; c == '\n' || c == '\r' || c == '\t' || c == ' ' && i+1 < len(q) && q[i+1] == ' ' || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return q
	}
	b.Reset()
	space := false
	for _, r := range q {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// entityIndex maps an entity id to the scanner's index of it, or -1.
func (s *Scanner) entityIndex(id string) int32 {
	if i, ok := s.byID[id]; ok {
		return i
	}
	return -1
}

// nameSpans returns the maximal runs of name-like tokens, as inclusive
// token ranges. Lower-case particles and function words ("al", "bin",
// "of") and lower-case words hyphenated to a name ("Jong-un") may sit inside
// a run but never start or end one.
func nameSpans(toks []Token) [][2]int {
	var spans [][2]int
	start := -1
	lastCap := -1
	flush := func() {
		if start >= 0 && lastCap >= start {
			spans = append(spans, [2]int{start, lastCap})
		}
		start, lastCap = -1, -1
	}
	for i, t := range toks {
		if start >= 0 && t.Join == JoinNone {
			flush()
		}
		switch {
		case t.Cap:
			if start < 0 {
				start = i
			}
			lastCap = i
		case start >= 0 && (t.Join == JoinHyphen || connector(t.Text)):
			if t.Join == JoinHyphen {
				lastCap = i
			}
		case start < 0 && connector(t.Text) && i+1 < len(toks) && toks[i+1].Join == JoinHyphen && toks[i+1].Cap:
			// "al-Assad" opens with a lower-case particle.
			start = i
		default:
			flush()
		}
	}
	flush()
	return spans
}

// connector reports whether a lower-case word may stand inside a name:
// particles ("al", "bin", "van") and the few function words of organisation
// names ("Bank of Iran", "Foundation for the Oppressed").
func connector(w string) bool {
	l := strings.ToLower(w)
	return names.IsParticle(l) || l == "of" || l == "the" || l == "for"
}

// wordInfo is the matching form of one word of a token.
type wordInfo struct {
	form       wordForm
	skel, fold int32
	spelling   int32
}

// spanWords returns the matching forms of a span's words, leaving out
// particles, function words and single letters, which no listed name's
// distinctive words include, titles and offices ("General", "Minister"),
// which in running text describe a person rather than name one ("Defence
// Minister" must not become a "Ministry of Defence"), and words whose key no
// listed name has. Token forms are worked out once per scan in forms.
func (s *Scanner) spanWords(toks []Token, sp [2]int, st *scanState) []word {
	var out []word
	for i := sp[0]; i <= sp[1]; i++ {
		infos, ok := st.forms[toks[i].Text]
		if !ok {
			infos = s.tokenForms(toks[i].Text)
			for k := range infos {
				id, ok := st.spelling[infos[k].form.fold]
				if !ok {
					id = int32(len(st.spelling))
					st.spelling[infos[k].form.fold] = id
				}
				infos[k].spelling = id
			}
			st.forms[toks[i].Text] = infos
		}
		for k := range infos {
			in := &infos[k]
			if in.skel < 0 {
				continue
			}
			out = append(out, word{tok: i, skel: in.skel, fold: in.fold, spelling: in.spelling, first: in.form.fold[0], form: &in.form})
		}
	}
	return out
}

// tokenForms works out the matching forms of one token's words.
func (s *Scanner) tokenForms(tok string) []wordInfo {
	var out []wordInfo
	for _, w := range names.Words(tok) {
		if len(w.Text) < 2 && w.Script == "Latn" || names.IsParticle(w.Text) || names.IsStopword(w.Text) || names.IsTitle(w.Text) {
			continue
		}
		canon := names.Canonical(w.Text)
		k := wordKey(canon)
		f := names.Fold(canon)
		if k == "" || f == "" {
			continue
		}
		in := wordInfo{form: wordForm{skel: k, fold: f}, skel: -1, fold: -1}
		if id, ok := s.skelID[k]; ok {
			in.skel = id
		}
		if id, ok := s.foldID[f]; ok {
			in.fold = id
		}
		out = append(out, in)
	}
	if out == nil {
		out = []wordInfo{} // remembered as worked out
	}
	return out
}

// candidates finds the listed names each span may hold (through the pairs
// of its words' keys, and one automaton pass over its words' rare-word
// keys), and returns the token ranges that hold
// enough of some name to be screened.
func (s *Scanner) candidates(spans [][2]int, words [][]word, st *scanState) []candidate {
	var hay []byte
	nominated := make([][]int32, len(spans))
	spanAt := make([]int, len(spans)) // haystack offset where each span starts
	for si, ws := range words {
		spanAt[si] = len(hay)
		for i, w := range ws {
			f := w.form
			for _, v := range ws[i+1:] {
				nominated[si] = append(nominated[si], s.pairs[pairID(w.skel, v.skel)]...)
			}
			hay = append(hay, ' ', keyFirst)
			hay = append(hay, f.skel...)
			hay = append(hay, keyFieldS, f.fold[0], ' ', keySpelt)
			hay = append(hay, f.skel...)
			hay = append(hay, keyFieldS)
			hay = append(hay, f.fold...)
		}
		hay = append(hay, ' ', '\n')
	}
	if s.ac != nil {
		for _, h := range s.ac.FindAllOverlapping(hay) {
			si := sort.SearchInts(spanAt, h.Start+1) - 1
			nominated[si] = append(nominated[si], s.postings[h.PatternID]...)
		}
	}
	var out []candidate
	memo := st.memo
	var sig []byte
	for si, nom := range nominated {
		if len(nom) == 0 {
			continue
		}
		base := spans[si][0]
		sig = spanSignature(sig[:0], words[si], base)
		rel, ok := memo[string(sig)]
		if !ok {
			slices.Sort(nom)
			rel = s.spanCandidates(slices.Compact(nom), words[si], base, st)
			memo[string(sig)] = rel
		}
		for _, c := range rel {
			c.first += base
			c.last += base
			out = append(out, c)
		}
	}
	return out
}

// spanSignature identifies a span by what span checks read of its words:
// their keys, spellings and token places relative to the span's start.
func spanSignature(b []byte, ws []word, base int) []byte {
	for _, w := range ws {
		b = binary.LittleEndian.AppendUint32(b, uint32(w.tok-base))
		b = binary.LittleEndian.AppendUint32(b, uint32(w.skel))
		b = binary.LittleEndian.AppendUint32(b, uint32(w.spelling))
	}
	return b
}

// spanCandidates returns the candidates among the names nominated for one
// span, with token indexes relative to base.
func (s *Scanner) spanCandidates(nom []int32, ws []word, base int, st *scanState) []candidate {
	byRange := map[[2]int]*candidate{}
	var order [][2]int
	for _, ni := range nom {
		n := &s.names[ni]
		first, last, ok := s.covers(n, ws, st)
		if !ok {
			continue
		}
		partial := n.kind != vigil.KindPerson && !coversAll(n, ws)
		first, last = first-base, last-base
		kind := n.kind
		if kind == vigil.KindUnknown {
			kind = vigil.KindOrganization
		}
		r := [2]int{first, last}
		if kind == vigil.KindOrganization {
			r[0] = -r[0] - 1 // a separate key per kind
		}
		if partial {
			r[1] = -r[1] - 1 // and for bodies named only in part
		}
		c := byRange[r]
		if c == nil {
			c = &candidate{first: first, last: last, kind: kind, entities: map[int32]bool{}}
			byRange[r] = c
			order = append(order, r)
		}
		c.entities[n.entity] = true
	}
	sort.Slice(order, func(i, j int) bool {
		return order[i][0] < order[j][0] || order[i][0] == order[j][0] && order[i][1] < order[j][1]
	})
	var out []candidate
	for _, r := range order {
		c := byRange[r]
		// A span that names a listed person in full names that person, not
		// a body named after him ("Qassem Soleimani Foundation").
		if r[0] < 0 && r[1] < 0 && byRange[[2]int{c.first, c.last}] != nil {
			continue
		}
		out = append(out, *c)
	}
	return out
}

// coversAll reports whether every distinctive word of a name occurs in the
// span.
func coversAll(n *nameRec, ws []word) bool {
	for _, nw := range n.words {
		found := false
		for _, w := range ws {
			if w.skel == nw.skel {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// covers reports whether a span holds enough of a listed name to be worth
// screening, and the token range that holds it. Words meet by phonetic key,
// each span word standing for one name word. A hit is strong when the
// spellings agree after folding, or the keys are of three consonants or more
// and the words start alike (Soleimani/Suleimani, Quds/Qods); only a strong
// hit on a rare word is distinctive. A person needs two words, one
// distinctive, or every word of a name of two or more: a lone given name or
// surname is never enough. An organisation needs every word, or half of them
// with one distinctive; a one-word name must be spelt as listed. Whatever
// the rule, one of the words hit must be selective: a name made only of
// words thousands of names share is never screened. Words that share a key
// but are too unalike for the matching core to align (Ahmad/Imed) are no
// hit: they cannot add to the name's score.
func (s *Scanner) covers(n *nameRec, ws []word, st *scanState) (first, last int, ok bool) {
	first, last = -1, -1
	hits, rare, exact, sel := 0, false, false, false
	var used uint64 // span words already standing for a name word
	for _, nw := range n.words {
		for wi, w := range ws {
			if w.skel != nw.skel || wi < 64 && used&(1<<wi) != 0 || w.fold != nw.fold && !s.alike(w, nw, st) {
				continue
			}
			if wi < 64 {
				used |= 1 << wi
			}
			hits++
			strong := w.fold == nw.fold || nw.long && w.first == nw.first
			rare = rare || strong && nw.rare
			exact = exact || w.fold == nw.fold
			sel = sel || nw.sel
			if first < 0 || w.tok < first {
				first = w.tok
			}
			last = max(last, w.tok)
			break
		}
	}
	d := len(n.words)
	switch {
	case hits == 0 || !sel:
		return 0, 0, false
	case n.kind == vigil.KindPerson:
		ok = hits >= 2 && (rare || hits == d)
	case d == 1:
		ok = exact && rare && n.words[0].foldLen >= 4
	default:
		ok = hits == d || hits >= 2 && 2*hits >= d && rare
	}
	return first, last, ok
}

// minSimilarity is the least likeness of two words of one key at which the
// matching core aligns them at all (match's minPairSim): a word less alike
// than that adds nothing to a name's score, so it is no hit.
const minSimilarity = 0.62

// alike reports whether a span word can be aligned with a name word of the
// same key: it is worked out once per scan for each pair of spellings, as
// the matching core would see them: words of four letters or more whose key
// has three consonants or more get its skeleton credit (0.82, above the
// floor) however they are spelt (Becker/Bechir); others need the edit
// similarity of their folded spellings (vowel for vowel at half cost).
func (s *Scanner) alike(w word, nw nameWord, st *scanState) bool {
	k := uint64(uint32(w.spelling))<<32 | uint64(uint32(nw.fold))
	v, ok := st.similar[k]
	if !ok {
		a, b := w.form.fold, s.folds[nw.fold]
		v = nw.long && len(a) >= 4 && len(b) >= 4 ||
			max(names.VowelSimilarity(a, b), names.Similarity(a, b)) >= minSimilarity
		st.similar[k] = v
	}
	return v
}

// lowerWords returns the words the text writes in lower case (not
// name-like), lower-cased.
func lowerWords(toks []Token) map[string]bool {
	m := map[string]bool{}
	for _, t := range toks {
		if !t.Cap {
			m[strings.ToLower(t.Text)] = true
		}
	}
	return m
}

// resolveOverlaps settles mentions that overlap: one inside another gives
// its matches to the outer one ("Hezbollah" inside "Lebanese Hezbollah");
// of two that cross, the one with the better score (the longer on a tie)
// stays.
func resolveOverlaps(ms []Mention) []Mention {
	sort.SliceStable(ms, func(i, j int) bool {
		li, lj := ms[i].End-ms[i].Start, ms[j].End-ms[j].Start
		if li != lj {
			return li > lj
		}
		return best(ms[i]) > best(ms[j])
	})
	var out []Mention
	for _, m := range ms {
		keep := true
		for k := range out {
			o := &out[k]
			if m.Start >= o.End || o.Start >= m.End {
				continue
			}
			keep = false
			if o.Start <= m.Start && m.End <= o.End {
				o.Matches = mergeMatches(o.Matches, m.Matches)
			} else if best(m) > best(*o) {
				*o = m
			}
			break
		}
		if keep {
			out = append(out, m)
		}
	}
	return out
}

// mergeMatches adds to a the matches of b for entities a lacks, keeping the
// best first.
func mergeMatches(a, b []vigil.Match) []vigil.Match {
	for _, x := range b {
		found := false
		for i := range a {
			if a[i].EntityID == x.EntityID {
				found = true
				if x.Score > a[i].Score {
					a[i] = x
				}
			}
		}
		if !found {
			a = append(a, x)
		}
	}
	sort.SliceStable(a, func(i, j int) bool { return a[i].Score > a[j].Score })
	return a
}

func best(m Mention) float64 {
	b := 0.0
	for _, x := range m.Matches {
		b = max(b, x.Score)
	}
	return b
}
