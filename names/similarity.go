package names

// Distance returns the optimal-string-alignment edit distance between a and
// b (insertions, deletions, substitutions and adjacent transpositions each
// cost 1), over bytes: use it on normalised ASCII tokens.
func Distance(a, b string) int {
	if a == b {
		return 0
	}
	if len(a) == 0 {
		return len(b)
	}
	if len(b) == 0 {
		return len(a)
	}
	var buf [3 * 64]int
	var p2, p1, cur []int
	n := len(b) + 1
	if 3*n <= len(buf) {
		p2, p1, cur = buf[0:n], buf[n:2*n], buf[2*n:3*n]
	} else {
		p2, p1, cur = make([]int, n), make([]int, n), make([]int, n)
	}
	for j := range p1 {
		p1[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(p1[j]+1, cur[j-1]+1, p1[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, p2[j-2]+1)
			}
			cur[j] = v
		}
		p2, p1, cur = p1, cur, p2
	}
	return p1[len(b)]
}

// Similarity returns 1 - d / max(len(a), len(b)), in 0..1, d the
// optimal-string-alignment distance with an adjacent transposition costing
// half an edit: two letters swapped are the commonest typing slip and keep
// every letter (Faiz typed Afiz).
func Similarity(a, b string) float64 {
	if a == b {
		return 1
	}
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	var buf [3 * 64]float64
	var p2, p1, cur []float64
	n := len(b) + 1
	if 3*n <= len(buf) {
		p2, p1, cur = buf[0:n], buf[n:2*n], buf[2*n:3*n]
	} else {
		p2, p1, cur = make([]float64, n), make([]float64, n), make([]float64, n)
	}
	for j := range p1 {
		p1[j] = float64(j)
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = float64(i)
		for j := 1; j <= len(b); j++ {
			cost := 1.0
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(p1[j]+1, cur[j-1]+1, p1[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, p2[j-2]+0.5)
			}
			cur[j] = v
		}
		p2, p1, cur = p1, cur, p2
	}
	return 1 - p1[len(b)]/float64(max(len(a), len(b)))
}

func isVowel(c byte) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// VowelSimilarity is Similarity with a vowel written as another vowel
// costing half an edit: romanisations disagree most about vowels (Qaeda and
// Qaida, Mitsotakis and Mitsotakos).
func VowelSimilarity(a, b string) float64 {
	if a == b {
		return 1
	}
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	var buf [3 * 64]float64
	var p2, p1, cur []float64
	n := len(b) + 1
	if 3*n <= len(buf) {
		p2, p1, cur = buf[0:n], buf[n:2*n], buf[2*n:3*n]
	} else {
		p2, p1, cur = make([]float64, n), make([]float64, n), make([]float64, n)
	}
	for j := range p1 {
		p1[j] = float64(j)
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = float64(i)
		for j := 1; j <= len(b); j++ {
			cost := 1.0
			if a[i-1] == b[j-1] {
				cost = 0
			} else if isVowel(a[i-1]) && isVowel(b[j-1]) {
				cost = 0.5
			}
			v := min(p1[j]+1, cur[j-1]+1, p1[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, p2[j-2]+1)
			}
			cur[j] = v
		}
		p2, p1, cur = p1, cur, p2
	}
	return 1 - p1[len(b)]/float64(max(len(a), len(b)))
}

// JaroWinkler returns the Jaro-Winkler similarity of a and b (prefix scale
// 0.1, prefix up to 4), over bytes.
func JaroWinkler(a, b string) float64 {
	if a == b {
		return 1
	}
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	window := max(len(b)/2-1, 0)
	var am, bm [64]bool
	var amS, bmS []bool
	if len(b) <= 64 {
		amS, bmS = am[:len(a)], bm[:len(b)]
	} else {
		amS, bmS = make([]bool, len(a)), make([]bool, len(b))
	}
	m := 0
	for i := 0; i < len(a); i++ {
		lo, hi := max(0, i-window), min(len(b), i+window+1)
		for j := lo; j < hi; j++ {
			if !bmS[j] && a[i] == b[j] {
				amS[i], bmS[j] = true, true
				m++
				break
			}
		}
	}
	if m == 0 {
		return 0
	}
	t, j := 0, 0
	for i := 0; i < len(a); i++ {
		if !amS[i] {
			continue
		}
		for !bmS[j] {
			j++
		}
		if a[i] != b[j] {
			t++
		}
		j++
	}
	mf := float64(m)
	jaro := (mf/float64(len(a)) + mf/float64(len(b)) + (mf-float64(t)/2)/mf) / 3
	p := 0
	for p < 4 && p < len(a) && a[p] == b[p] {
		p++
	}
	return jaro + float64(p)*0.1*(1-jaro)
}
