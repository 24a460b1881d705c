package names

import (
	"math/rand"
	"testing"
)

// TestAbjadUpperBounds checks AbjadUpper against AbjadSimilarityOf over
// random pairs of Arabic, Hebrew and katakana words and Latin spellings.
func TestAbjadUpperBounds(t *testing.T) {
	ar := []string{"محمد", "احمد", "حسین", "پرویز", "مرتضی", "کریمی", "סימנוב", "פרנקו", "קרניר", "שרון", "ウラジミル", "プーチン", "ファッタフ", "ジャンコビク", "سنوار", "فضل", "الدين", "عبد", "یوسف", "جمیله", "ظریف", "ثروت", "قاسم", "گل", "بخت", "حقانی", "لادن", "نصیر"}
	lat := []string{"mohammed", "ahmad", "hossein", "parviz", "morteza", "karimi", "karim", "sinwar", "fazl", "fadl", "uddin", "abdul", "yousef", "djamila", "zarif", "tharwat", "qasem", "gul", "bakht", "haqqani", "ladin", "nasir", "smith", "yahya", "x", "hh", "aeiou", "bbbbb", "zzz", "shah"}
	r := rand.New(rand.NewSource(1))
	for i := 0; i < 5000; i++ {
		w := Words(ar[r.Intn(len(ar))])[0]
		l := lat[r.Intn(len(lat))]
		if i%3 == 0 {
			b := []byte(l)
			b[r.Intn(len(b))] = byte('a' + r.Intn(26))
			l = string(b)
		}
		s, _ := AbjadSimilarityOf(w, l)
		if ub := AbjadUpper(w, l); ub < s-1e-12 {
			t.Fatalf("%s ~ %s: bound %.4f below %.4f", w.Orig, l, ub, s)
		}
	}
}
