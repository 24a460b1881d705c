package match_test

import (
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// TestChineseAndKoreanSyllables checks that names written in Chinese
// characters or Hangul do not match listed names that differ in a
// syllable (another character) or lack one of their syllables, while the
// same name in another romanisation still matches.
func TestChineseAndKoreanSyllables(t *testing.T) {
	for _, c := range []struct {
		query, listed string
		match         bool
	}{
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
	} {
		s := match.Compare(c.query, c.listed, vigil.KindPerson)
		if got := s >= match.DefaultThreshold; got != c.match {
			t.Errorf("Compare(%q, %q) = %.3f, want match %v", c.query, c.listed, s, c.match)
		}
	}
}
