// Package names normalises, transliterates and tags personal and organisation
// names for matching. Its functions are pure and safe for concurrent use.
//
// The pipeline is: Unicode NFKC and width folding (golang.org/x/text), script
// transliteration to Latin (pinyin for Han via github.com/mozillazg/go-pinyin,
// own tables for Arabic/Persian and Hangul, github.com/mozillazg/go-unidecode
// for every other script), diacritic removal, case folding, punctuation and
// spacing cleanup. On top of the normalised tokens it offers spelling folds
// (Fold), consonant skeletons (Skeleton) that make romanisation variants
// (Qasem/Ghasem/Kasem, Mohammed/Muhammad) meet, and word classes: stopwords,
// titles and honorifics, particles and legal forms of organisations.
package names
