package match_test

import (
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// pair is a query, a listed name, and whether they should match at the
// default threshold.
type pair struct {
	query, listed string
	match         bool
}

func checkPairs(t *testing.T, pairs []pair) {
	t.Helper()
	for _, c := range pairs {
		s := match.Compare(c.query, c.listed, vigil.KindPerson)
		if got := s >= match.DefaultThreshold; got != c.match {
			t.Errorf("Compare(%q, %q) = %.3f, want match %v", c.query, c.listed, s, c.match)
		}
	}
}

// TestChineseAndKoreanSyllables checks that names written in Chinese
// characters or Hangul do not match listed names that differ in a
// syllable (another character) or lack one of their syllables, while the
// same name in another romanisation still matches.
func TestChineseAndKoreanSyllables(t *testing.T) {
	checkPairs(t, []pair{
		{"鹏 高", "DENG, Gao", false},        // peng is not deng
		{"玉 张", "Fang Yu", false},          // zhang is not fang
		{"斌 莉 徐", "XU, Bin", false},        // given name 斌莉, not 斌
		{"静 林", "LIN, Jinghe", false},      // 静 is not 静和
		{"수빈 최", "Su Bin", false},          // the surname 최 is missing
		{"정수 박", "In Su PAK", false},       // 정수 is not 인수
		{"习近平", "XI Jinping", true},        // the same name
		{"김정은", "KIM Jong Un", true},       // Revised and McCune-Reischauer
		{"최룡해", "CHOE Ryong Hae", true},    // idem
		{"In Su PAK", "PAK In Su", true},   // "In" is a given name, not a stopword
		{"Kim Su Bin", "KIM Su Bin", true}, // "Bin" in a Korean name
	})
}

// TestInitials checks that an initial stands for a name but is weak
// evidence: it completes a match, and two initials aligned crosswise do not
// make one.
func TestInitials(t *testing.T) {
	checkPairs(t, []pair{
		{"J. Smith", "John Smith", true},
		{"Vladimir V. Putin", "PUTIN, Vladimir Vladimirovich", true},
		{"Hassan A. Sato", "AHMED, Adnan S. Hasan", false},
		{"Ahmed A. Smith", "AHMED, Adnan S. Hasan", false},
	})
}
