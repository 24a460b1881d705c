package eval

import (
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// Generated renderings. The lists print few names in Greek, Hebrew,
// Japanese or Korean script, so the evaluation writes Latin-only OFAC names
// in those scripts itself, by reverse rules of its own, the way the press
// of those languages writes foreign names: Greek by sound (b as μπ or β, d
// as ντ or δ), Hebrew by its consonants and vowel letters, Japanese in
// katakana syllable by syllable (Vladimir as ウラジミル-like syllables, l as
// r), Korean names from their McCune-Reischauer syllables to Hangul by a
// table of name syllables, and on to Hanja by a table of the characters
// most often used for each. None of these rules is the matcher's: it reads
// Greek, Hebrew and katakana through unidecode and its own tables, Hangul
// by jamo, and the evaluation's choices (μπ or β, ו or none) are random,
// seeded, so that the matcher cannot rely on one spelling. A name the rules
// cannot write (a syllable the Korean table lacks) is left out.

// renderedPerScript is how many names each generated script writes.
const renderedPerScript = 300

// GeneratedScriptCases writes sampled Latin-only OFAC persons in Greek,
// Hebrew and katakana, and Korean ones (of a DPRK programme) in Hangul and
// Hanja.
func GeneratedScriptCases(entries []match.Entry, seed uint64) []ScriptCase {
	r := rand.New(rand.NewPCG(seed, seed^0x5bd1e995))
	var persons, korean []*vigil.Entity
	for _, en := range entries {
		e := en.Entity
		if e.Kind != vigil.KindPerson || !strings.HasPrefix(e.ID, "ofac:") || !latinOnly(e) {
			continue
		}
		if !plainLetters(e.PrimaryName()) {
			continue
		}
		persons = append(persons, e)
		for _, p := range e.Programs {
			if strings.HasPrefix(p, "DPRK") {
				korean = append(korean, e)
				break
			}
		}
	}
	sort.Slice(persons, func(i, j int) bool { return persons[i].ID < persons[j].ID })
	sort.Slice(korean, func(i, j int) bool { return korean[i].ID < korean[j].ID })
	var out []ScriptCase
	add := func(script string, pool []*vigil.Entity, write func(string, *rand.Rand) string) {
		n := 0
		for _, i := range r.Perm(len(pool)) {
			if n == renderedPerScript {
				break
			}
			e := pool[i]
			if q := write(e.PrimaryName(), r); q != "" {
				out = append(out, ScriptCase{Query: q, Script: script, Want: e.ID, From: "generated"})
				n++
			}
		}
	}
	add("Grek", persons, func(s string, r *rand.Rand) string { return eachWord(s, r, greekWord) })
	add("Hebr", persons, func(s string, r *rand.Rand) string { return eachWord(s, r, hebrewWord) })
	add("Kana", persons, func(s string, r *rand.Rand) string { return eachWord(s, r, katakanaWord) })
	add("Hang", korean, func(s string, r *rand.Rand) string { return koreanName(s, false) })
	add("Hanja", korean, func(s string, r *rand.Rand) string { return koreanName(s, true) })
	return out
}

// plainLetters reports whether s holds only ASCII letters, spaces, commas
// and hyphens.
func plainLetters(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == ' ' || c == ',' || c == '-') {
			return false
		}
	}
	return strings.TrimSpace(s) != ""
}

// eachWord writes each word of s (lower case, "SURNAME, Given" kept in that
// order) with word, "" when a word cannot be written.
func eachWord(s string, r *rand.Rand, word func(string, *rand.Rand) string) string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(c rune) bool { return c == ' ' || c == ',' || c == '-' }) {
		x := word(w, r)
		if x == "" {
			return ""
		}
		out = append(out, x)
	}
	return strings.Join(out, " ")
}

// pick returns one of the choices at random.
func pick(r *rand.Rand, choices ...string) string { return choices[r.IntN(len(choices))] }

// greekWord writes a Latin word as Greek writes a foreign name by sound.
func greekWord(w string, r *rand.Rand) string {
	var b strings.Builder
	for i := 0; i < len(w); {
		rest := w[i:]
		two := func(d string) bool { return strings.HasPrefix(rest, d) }
		switch {
		case two("th"):
			b.WriteString("θ")
			i += 2
		case two("ch"), two("kh"):
			b.WriteString("χ")
			i += 2
		case two("ph"):
			b.WriteString("φ")
			i += 2
		case two("ps"):
			b.WriteString("ψ")
			i += 2
		case two("sh"):
			b.WriteString("σ")
			i += 2
		case two("ou"), two("oo"):
			b.WriteString("ου")
			i += 2
		case two("ee"):
			b.WriteString("ι")
			i += 2
		case two("ai"), two("ay"):
			b.WriteString(pick(r, "αϊ", "άι", "αι"))
			i += 2
		case two("ei"), two("ey"):
			b.WriteString(pick(r, "έι", "ει"))
			i += 2
		default:
			c := w[i]
			i++
			var s string
			switch c {
			case 'a':
				s = pick(r, "α", "ά")
			case 'b':
				s = pick(r, "μπ", "β")
			case 'c':
				if i < len(w) && strings.IndexByte("eiy", w[i]) >= 0 {
					s = "σ"
				} else {
					s = "κ"
				}
			case 'd':
				s = pick(r, "ντ", "δ")
			case 'e':
				s = pick(r, "ε", "έ")
			case 'f':
				s = "φ"
			case 'g':
				s = pick(r, "γκ", "γ")
			case 'h':
				if i == 1 {
					s = "χ"
				}
			case 'i':
				s = pick(r, "ι", "ί")
			case 'j':
				s = "τζ"
			case 'k', 'q':
				s = "κ"
			case 'l':
				s = "λ"
			case 'm':
				s = "μ"
			case 'n':
				s = "ν"
			case 'o':
				s = pick(r, "ο", "ό")
			case 'p':
				s = "π"
			case 'r':
				s = "ρ"
			case 's':
				s = "σ"
			case 't':
				s = "τ"
			case 'u', 'w':
				s = "ου"
			case 'v':
				s = "β"
			case 'x':
				s = "ξ"
			case 'y':
				s = "ι"
			case 'z':
				s = "ζ"
			}
			b.WriteString(s)
		}
	}
	out := b.String()
	if strings.HasSuffix(out, "σ") {
		out = strings.TrimSuffix(out, "σ") + "ς"
	}
	return out
}

// hebrewWord writes a Latin word in Hebrew letters: consonants, ו for o and
// u, י for i (and e, at random), א for a vowel beginning the word and ה or
// א for a final a.
func hebrewWord(w string, r *rand.Rand) string {
	final := map[string]string{"כ": "ך", "מ": "ם", "נ": "ן", "פ": "ף", "צ": "ץ"}
	var out []string
	vowel := func(c byte) bool { return strings.IndexByte("aeiou", c) >= 0 }
	for i := 0; i < len(w); {
		rest := w[i:]
		var s string
		n := 1
		switch {
		case strings.HasPrefix(rest, "sh"):
			s, n = "ש", 2
		case strings.HasPrefix(rest, "ch"), strings.HasPrefix(rest, "kh"):
			s, n = pick(r, "ח", "כ"), 2
		case strings.HasPrefix(rest, "ts"), strings.HasPrefix(rest, "tz"):
			s, n = "צ", 2
		case strings.HasPrefix(rest, "th"):
			s, n = "ת", 2
		case strings.HasPrefix(rest, "ph"):
			s, n = "פ", 2
		default:
			c := w[i]
			switch {
			case vowel(c):
				switch {
				case i == 0:
					s = "א"
					if c == 'o' || c == 'u' {
						s += "ו"
					} else if c == 'i' {
						s += "י"
					}
				case c == 'o' || c == 'u':
					s = "ו"
				case c == 'i':
					s = "י"
				case c == 'e':
					s = pick(r, "", "י")
				case c == 'a' && i == len(w)-1:
					s = pick(r, "ה", "א")
				}
			default:
				s = map[byte]string{'b': "ב", 'c': "ק", 'd': "ד", 'f': "פ", 'g': "ג", 'h': "ה", 'j': "ג'", 'k': "ק", 'l': "ל",
					'm': "מ", 'n': "נ", 'p': "פ", 'q': "ק", 'r': "ר", 's': "ס", 't': pick(r, "ט", "ת"), 'v': "ו", 'w': "ו",
					'x': "קס", 'y': "י", 'z': "ז"}[c]
			}
		}
		out = append(out, s)
		i += n
	}
	if len(out) > 0 {
		if f, ok := final[out[len(out)-1]]; ok {
			out[len(out)-1] = f
		}
	}
	return strings.Join(out, "")
}

// katakanaWord writes a Latin word in katakana: syllables of a consonant
// and a vowel, a consonant with no vowel after it followed by u (o after t
// and d), l as r, v as b, a final n as ン.
func katakanaWord(w string, r *rand.Rand) string {
	rows := map[string]string{
		"": "アイウエオ", "k": "カキクケコ", "g": "ガギグゲゴ", "s": "サシスセソ", "z": "ザジズゼゾ", "t": "タチツテト",
		"d": "ダヂヅデド", "n": "ナニヌネノ", "h": "ハヒフヘホ", "b": "バビブベボ", "p": "パピプペポ", "m": "マミムメモ",
		"y": "ヤイユエヨ", "r": "ラリルレロ", "w": "ワイウエオ", "f": "ファフィフフェフォ",
	}
	vowelIx := map[byte]int{'a': 0, 'i': 1, 'u': 2, 'e': 3, 'o': 4}
	syl := func(cons string, v byte) string {
		switch cons {
		case "sh":
			return []string{"シャ", "シ", "シュ", "シェ", "ショ"}[vowelIx[v]]
		case "ch":
			return []string{"チャ", "チ", "チュ", "チェ", "チョ"}[vowelIx[v]]
		case "j":
			return []string{"ジャ", "ジ", "ジュ", "ジェ", "ジョ"}[vowelIx[v]]
		case "ts":
			return []string{"ツァ", "ツィ", "ツ", "ツェ", "ツォ"}[vowelIx[v]]
		case "f":
			return []string{"ファ", "フィ", "フ", "フェ", "フォ"}[vowelIx[v]]
		}
		row, ok := rows[cons]
		if !ok {
			return ""
		}
		rs := []rune(row)
		return string(rs[vowelIx[v]])
	}
	var b strings.Builder
	for i := 0; i < len(w); {
		// The consonant (or none), then the vowel.
		cons := ""
		switch rest := w[i:]; {
		case strings.HasPrefix(rest, "sh"), strings.HasPrefix(rest, "ch"), strings.HasPrefix(rest, "ts"):
			cons = rest[:2]
			i += 2
		case strings.HasPrefix(rest, "kh"):
			cons = "h"
			i += 2
		case strings.HasPrefix(rest, "th"):
			cons = "s"
			i += 2
		case strings.HasPrefix(rest, "ph"):
			cons = "f"
			i += 2
		case strings.IndexByte("aeiou", w[i]) < 0:
			c := w[i]
			i++
			switch c {
			case 'l':
				c = 'r'
			case 'v':
				c = 'b'
			case 'c', 'q', 'x':
				c = 'k'
			case 'j':
				cons = "j"
			}
			if cons == "" {
				cons = string(c)
			}
			if c == 'n' && (i == len(w) || strings.IndexByte("aeiouy", w[i]) < 0) {
				b.WriteString("ン")
				continue
			}
			if i < len(w) && w[i] == w[i-1] {
				b.WriteString("ッ") // a doubled consonant
				i++
			}
		}
		v := byte('u')
		switch cons {
		case "t", "d":
			v = 'o'
		case "ch", "sh", "j":
			v = 'i' // a final ch, sh or j is チ, シ, ジ
		}
		if i < len(w) && strings.IndexByte("aeiou", w[i]) >= 0 {
			v = w[i]
			i++
		} else if cons == "" {
			continue
		} else if cons == "y" {
			cons, v = "", 'i' // y after a vowel: イ
		}
		if cons == "y" && v == 'i' {
			cons = ""
		}
		s := syl(cons, v)
		if s == "" {
			return ""
		}
		b.WriteString(s)
	}
	return b.String()
}

// koreanSyllables are the Hangul and the usual Hanja of the syllables of
// North Korean names as the lists print them (McCune-Reischauer without
// marks), written for this evaluation from a Korean name dictionary's
// commonest readings.
var koreanSyllables = map[string][2]string{
	"kim": {"김", "金"}, "ri": {"리", "李"}, "pak": {"박", "朴"}, "choe": {"최", "崔"}, "jong": {"정", "鄭"}, "chong": {"정", "正"},
	"kang": {"강", "姜"}, "han": {"한", "韓"}, "o": {"오", "吳"}, "jang": {"장", "張"}, "yun": {"윤", "尹"}, "hwang": {"황", "黃"},
	"kwon": {"권", "權"}, "ko": {"고", "高"}, "mun": {"문", "文"}, "song": {"송", "宋"}, "yang": {"양", "梁"}, "so": {"소", "蘇"},
	"chol": {"철", "哲"}, "il": {"일", "日"}, "su": {"수", "秀"}, "yong": {"영", "英"}, "ho": {"호", "浩"}, "nam": {"남", "南"},
	"sik": {"식", "植"}, "chun": {"춘", "春"}, "hui": {"희", "熙"}, "un": {"은", "恩"}, "sun": {"순", "順"}, "hyok": {"혁", "赫"},
	"myong": {"명", "明"}, "kwang": {"광", "光"}, "jin": {"진", "眞"}, "min": {"민", "民"}, "man": {"만", "萬"}, "hak": {"학", "學"},
	"guk": {"국", "國"}, "kuk": {"국", "國"}, "sok": {"석", "錫"}, "ung": {"웅", "雄"}, "hun": {"훈", "勳"}, "ok": {"옥", "玉"},
	"bok": {"복", "福"}, "pok": {"복", "福"}, "chang": {"창", "昌"}, "thae": {"태", "泰"}, "tae": {"태", "泰"}, "hyon": {"현", "賢"},
	"hae": {"해", "海"}, "ryong": {"룡", "龍"}, "gil": {"길", "吉"}, "kil": {"길", "吉"}, "dok": {"덕", "德"}, "tok": {"덕", "德"},
	"jae": {"재", "在"}, "chae": {"채", "蔡"}, "won": {"원", "元"}, "sang": {"상", "相"}, "se": {"세", "世"}, "hyong": {"형", "亨"},
	"ju": {"주", "柱"}, "chu": {"주", "朱"}, "gwang": {"광", "光"}, "dong": {"동", "東"}, "tong": {"동", "東"}, "pyong": {"병", "炳"},
	"byong": {"병", "炳"}, "yon": {"연", "延"}, "ha": {"하", "河"}, "in": {"인", "仁"}, "hong": {"홍", "洪"}, "no": {"노", "盧"},
	"sin": {"신", "申"}, "im": {"임", "林"}, "rim": {"림", "林"}, "ryu": {"류", "柳"}, "an": {"안", "安"}, "ku": {"구", "具"},
	"cha": {"차", "車"}, "mi": {"미", "美"}, "hyang": {"향", "香"}, "ryon": {"련", "蓮"}, "kyong": {"경", "京"}, "gyong": {"경", "京"},
	"chan": {"찬", "贊"},
}

// koreanName writes a romanised Korean name in Hangul (hanja: in Hanja),
// each name word split at hyphens into syllables; "" when a syllable is
// not in the table or the name is not Korean-shaped (one to four syllables
// a word).
func koreanName(s string, hanja bool) string {
	k := 0
	if hanja {
		k = 1
	}
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(c rune) bool { return c == ' ' || c == ',' }) {
		var b strings.Builder
		for _, sy := range strings.Split(w, "-") {
			x, ok := koreanSyllables[sy]
			if !ok || x[k] == "" {
				return ""
			}
			b.WriteString(x[k])
		}
		words = append(words, b.String())
	}
	if len(words) < 2 {
		return ""
	}
	return strings.Join(words, " ")
}
