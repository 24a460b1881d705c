package names

import "github.com/mozillazg/go-pinyin"

var pinyinArgs = pinyin.NewArgs()

// pinyinOf returns the toneless pinyin of each Han character of s.
func pinyinOf(s string) []string {
	return pinyin.LazyPinyin(s, pinyinArgs)
}
