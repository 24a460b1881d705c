package names

import (
	"sort"
	"strings"
)

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// stopwords carry no identifying weight in a name.
var stopwords = set(`the of and for in on at to a an de del della der des di du la le les los las y et und von van da dos das zu im`)

// titles are honorifics, ranks and forms of address that lists and users put
// before names (normalised spellings).
var titles = set(`mr mrs ms miss mx dr doctor prof professor sir dame lord lady rev reverend
	general gen colonel col major maj captain capt lieutenant lt sergeant sgt admiral adm brigadier marshal commander cmdr
	president minister prime senator governor ambassador judge justice mayor chairman director
	haji hajji hadji alhaj alhaji hajj sheikh shaikh shaykh sheik cheikh mullah mulla maulavi mawlawi maulvi moulvi mawlavi
	maulana mawlana qari imam ayatollah hojatoleslam mufti amir emir emeer sayyid sayed syed seyed
	prince princess king queen monsieur madame mme mlle herr frau senor senora dom don dona
	praesident prasident president presidente ustad ustaz mohtaram
	prezident prezydent predsedatel predsjednik predsednik premijer premier premyer ministr ministar ministre ministro
	polkovnik pukovnik podpolkovnik doktor deputat prezes presidente coronel capitan teniente
	riys rais raees rayis shikh dktur duktur dktr lwa liwa aqid haj muhandis mhnds mohandes srdar sardar srtip sartip
	ayt hjt lh aslam`)

// Titles in other languages appear as Vigil reads them: Президент and
// Predsjednik as prezident and predsjednik, الرئيس as al riys, دکتر as dktr,
// سردار as srdar, آیت الله as ayt al lh; an article before a title goes
// with it (see Parse).

// particles are name connectors: kept for order, weighed low.
var particles = set(`al el ul ad ar as az an ash ath bin ben ibn bint abu abou bou
	van von der den de del della di da dos das du le la mac mc ap ter ten st`)

// legalForms maps spellings of legal forms (already normalised, multi-word
// forms space-joined) to a canonical class; forms in one class are treated as
// equivalent.
var legalForms = map[string]string{
	"llc": "llc", "l l c": "llc", "limited liability company": "llc", "ooo": "llc", "obshchestvo s ogranichennoi otvetstvennostiu": "llc",
	"obshchestvo s ogranichennoy otvetstvennostyu": "llc", "too": "llc", "tov": "llc",
	"ltd": "ltd", "limited": "ltd", "co ltd": "ltd", "company limited": "ltd", "pty ltd": "ltd", "pte ltd": "ltd", "pvt ltd": "ltd", "private limited": "ltd",
	"plc": "plc", "public limited company": "plc",
	"inc": "inc", "incorporated": "inc",
	"corp": "corp", "corporation": "corp",
	"co": "co", "company": "co", "cie": "co",
	"jsc": "jsc", "joint stock company": "jsc", "ao": "jsc", "zao": "jsc", "cjsc": "jsc", "closed joint stock company": "jsc",
	"ojsc": "jsc", "oao": "jsc", "open joint stock company": "jsc", "pjsc": "jsc", "pao": "jsc", "public joint stock company": "jsc",
	"aktsionernoe obshchestvo": "jsc", "publichnoe aktsionernoe obshchestvo": "jsc",
	"ag": "ag", "aktiengesellschaft": "ag", "akg": "ag",
	"gmbh": "gmbh", "gesellschaft mit beschrankter haftung": "gmbh",
	"sa": "sa", "societe anonyme": "sa", "sociedad anonima": "sa", "sas": "sa", "sarl": "sarl", "srl": "srl", "societatea cu raspundere limitata": "srl",
	"spa": "spa", "bv": "bv", "nv": "nv", "ab": "ab", "as": "as", "asa": "as", "oy": "oy", "oyj": "oy", "kg": "kg", "se": "se", "lp": "lp", "llp": "llp",
	"spzoo": "spzoo", "sp z o o": "spzoo", "sp zoo": "spzoo", "sp z oo": "spzoo", "na": "na", "sa de cv": "sa", "de cv": "sa",
	"pt": "pt", "fze": "fze", "fzco": "fze", "fzc": "fze", "fz llc": "fze", "dmcc": "fze", "kft": "kft", "doo": "doo", "d o o": "doo",
	"ano": "ano", "gup": "gup", "fgup": "gup", "nko": "ano", "pc": "pc", "pllc": "llc",
}

// maxLegalFormWords is the longest legal form in words.
var maxLegalFormWords = func() int {
	n := 0
	for k := range legalForms {
		n = max(n, len(strings.Fields(k)))
	}
	return n
}()

// orgWords are common words of organisation names: real parts of a name, but
// weak evidence on their own.
var orgWords = set(`group holding holdings international intl company enterprise enterprises industries industry industrial
	trading trade services service bank banking trust fund foundation association organization organisation
	corporation national global general management solutions systems technologies technology partners capital
	investment investments finance financial insurance shipping marine logistics import export development
	construction engineering energy oil gas petroleum resources mining chemical chemicals pharmaceutical
	agency authority institute ministry department office center centre committee council union
	factory plant works manufacturing production business commercial products product consulting
	airlines airline aviation transport motors motor electronics electric media network networks
	society community
	llc ltd inc corp co jsc ag gmbh sa plc`)

// IsStopword reports whether the normalised token is a function word of names
// ("the", "of", "and", "de", "von"…).
func IsStopword(tok string) bool { return stopwords[tok] }

// IsTitle reports whether the normalised token is a title or honorific
// ("mr", "dr", "general", "haji", "sheikh", "maulavi", "mullah"…).
func IsTitle(tok string) bool { return titles[tok] }

// IsParticle reports whether the normalised token is a name particle ("al",
// "bin", "ibn", "abu", "van", "de"…).
func IsParticle(tok string) bool { return particles[tok] }

// IsLegalForm reports whether the normalised token or space-joined token run
// is the spelling of an organisation's legal form ("llc", "ooo", "gmbh",
// "joint stock company"…).
func IsLegalForm(s string) bool { _, ok := legalForms[s]; return ok }

// LegalForm returns the canonical class of a legal form ("ooo" and "limited
// liability company" → "llc"), or "" when s is not one.
func LegalForm(s string) string { return legalForms[s] }

// IsOrgWord reports whether the normalised token is a common word of
// organisation names ("group", "bank", "international"…).
func IsOrgWord(tok string) bool { return orgWords[tok] }

// LegalFormSpellings returns the spellings of the legal-form class cls
// ("llc" → "limited liability company", "llc", "ooo", …), sorted; none for
// an unknown class.
func LegalFormSpellings(cls string) []string {
	var out []string
	for k, c := range legalForms {
		if c == cls {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
