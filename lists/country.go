package lists

import (
	"strings"
	"sync"

	"github.com/biter777/countries"
)

// demonyms maps nationality adjectives used by lists ("nationality Iran" vs
// "Iranian") to ISO codes. The countries library resolves country names but not
// adjectives, so the common ones seen in sanctions lists are listed here.
var demonyms = map[string]string{
	"afghan": "AF", "algerian": "DZ", "american": "US", "belarusian": "BY", "british": "GB",
	"burmese": "MM", "chinese": "CN", "congolese": "CD", "cuban": "CU", "egyptian": "EG",
	"emirati": "AE", "eritrean": "ER", "ethiopian": "ET", "french": "FR", "german": "DE",
	"indian": "IN", "indonesian": "ID", "iranian": "IR", "iraqi": "IQ", "israeli": "IL",
	"jordanian": "JO", "kenyan": "KE", "korean": "KR", "north korean": "KP", "kuwaiti": "KW",
	"lebanese": "LB", "libyan": "LY", "malian": "ML", "moroccan": "MA", "nigerian": "NG",
	"omani": "OM", "pakistani": "PK", "palestinian": "PS", "qatari": "QA", "russian": "RU",
	"saudi": "SA", "saudi arabian": "SA", "somali": "SO", "sudanese": "SD", "south sudanese": "SS",
	"syrian": "SY", "tunisian": "TN", "turkish": "TR", "ukrainian": "UA", "venezuelan": "VE",
	"yemeni": "YE", "zimbabwean": "ZW", "nicaraguan": "NI", "libyan arab": "LY",
	"bosnian": "BA", "serbian": "RS", "kazakh": "KZ", "uzbek": "UZ", "tajik": "TJ",
	"kyrgyz": "KG", "azerbaijani": "AZ", "georgian": "GE", "armenian": "AM", "bahraini": "BH",
	"filipino": "PH", "malaysian": "MY", "thai": "TH", "vietnamese": "VN", "canadian": "CA",
	"australian": "AU", "swiss": "CH", "italian": "IT", "spanish": "ES", "dutch": "NL",
	"belgian": "BE", "swedish": "SE", "danish": "DK", "norwegian": "NO", "finnish": "FI",
	"polish": "PL", "czech": "CZ", "austrian": "AT", "greek": "GR", "cypriot": "CY",
	"maltese": "MT", "irish": "IE", "mexican": "MX", "colombian": "CO", "brazilian": "BR",
	"argentine": "AR", "argentinian": "AR", "chilean": "CL", "peruvian": "PE", "ecuadorian": "EC",
	"haitian": "HT", "mauritanian": "MR", "nigerien": "NE", "chadian": "TD", "cameroonian": "CM",
	"ugandan": "UG", "rwandan": "RW", "burundian": "BI", "tanzanian": "TZ", "mozambican": "MZ",
	"south african": "ZA", "djiboutian": "DJ", "ivorian": "CI", "guinean": "GN", "senegalese": "SN",
	"ghanaian": "GH", "liberian": "LR", "sierra leonean": "SL", "gambian": "GM", "beninese": "BJ",
	"togolese": "TG", "central african": "CF", "gabonese": "GA", "angolan": "AO", "zambian": "ZM",
	"trinidadian": "TT", "jamaican": "JM", "panamanian": "PA", "guatemalan": "GT", "honduran": "HN",
	"salvadoran": "SV", "bolivian": "BO", "paraguayan": "PY", "uruguayan": "UY", "japanese": "JP",
	"taiwanese": "TW", "singaporean": "SG", "bangladeshi": "BD", "sri lankan": "LK", "nepalese": "NP",
	"maldivian": "MV", "turkmen": "TM", "moldovan": "MD", "romanian": "RO", "bulgarian": "BG",
	"hungarian": "HU", "slovak": "SK", "slovenian": "SI", "croatian": "HR", "albanian": "AL",
	"macedonian": "MK", "montenegrin": "ME", "kosovar": "XK", "latvian": "LV", "lithuanian": "LT",
	"estonian": "EE", "portuguese": "PT", "luxembourgish": "LU", "icelandic": "IS", "new zealander": "NZ",
	"mongolian": "MN", "cambodian": "KH", "laotian": "LA", "british virgin islands": "VG",
}

// extraNames are country spellings the countries library does not resolve.
var extraNames = map[string]string{
	"islamic republic of iran": "IR", "korea, south": "KR", "south korea": "KR",
	"congo, democratic republic of the": "CD", "drc": "CD", "dprk": "KP",
	"bolivarian republic of venezuela": "VE", "west bank": "PS", "gaza": "PS", "gaza strip": "PS",
	"palestinian territories": "PS", "occupied palestinian territory": "PS", "crimea": "UA",
	"emirates": "AE", "uae": "AE", "u.a.e.": "AE", "usa": "US", "u.s.a.": "US", "united states of america": "US",
	"great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB", "northern ireland": "GB",
	"ussr": "SU", "soviet union": "SU", "former soviet union": "SU", "czechoslovakia": "CS",
	"yugoslavia": "YU", "federal republic of yugoslavia": "YU", "serbia and montenegro": "CS",
	"congo, republic of the": "CG", "republic of the congo": "CG", "congo-brazzaville": "CG",
	"congo-kinshasa": "CD", "ivory coast": "CI", "côte d'ivoire": "CI", "cote d ivoire": "CI",
	"burma (myanmar)": "MM", "holland": "NL", "vatican": "VA", "macao": "MO",
	"the gambia": "GM", "the bahamas": "BS", "the netherlands": "NL", "kyrgyzstan": "KG",
	"türkiye": "TR", "turkiye": "TR", "region: gaza": "PS", "region: west bank": "PS",
	"region: crimea": "UA", "region: kurdistan region": "IQ", "kurdistan region, iraq": "IQ",
	"syria arab republic": "SY", "lao pdr": "LA", "laos": "LA", "east timor": "TL",
	"swaziland": "SZ", "cape verde": "CV", "brunei darussalam": "BN", "micronesia": "FM",
	"united kingdom of great britain and northern ireland": "GB", "state of palestine": "PS",
	"united republic of tanzania": "TZ", "china, hong kong special administrative region": "HK",
	"china, macao special administrative region": "MO", "hong kong sar": "HK",
	"st. kitts and nevis": "KN", "st kitts and nevis": "KN", "st. lucia": "LC", "st. vincent and the grenadines": "VC",
}

var countryCache sync.Map // string -> string

// Country returns the ISO 3166-1 alpha-2 code for a country name, code,
// nationality adjective or common list spelling ("Iran (Islamic Republic of)",
// "Korea, North", "Iranian", "IRN"). It returns "" when the name is unknown.
func Country(name string) string {
	key := strings.ToLower(CleanSpace(strings.Trim(name, " .,;")))
	if key == "" {
		return ""
	}
	if v, ok := countryCache.Load(key); ok {
		return v.(string)
	}
	code := lookupCountry(key)
	countryCache.Store(key, code)
	return code
}

func lookupCountry(key string) string {
	if c, ok := extraNames[key]; ok {
		return c
	}
	if c, ok := demonyms[key]; ok {
		return c
	}
	if len(key) == 2 || len(key) == 3 {
		// ISO alpha-2 or alpha-3 code.
		c := countries.ByName(strings.ToUpper(key))
		if c != countries.Unknown {
			return c.Alpha2()
		}
		if key == "xk" || key == "xkx" || key == "rks" {
			return "XK"
		}
		if key == "uk" {
			return "GB"
		}
		return ""
	}
	if c := countries.ByName(key); c != countries.Unknown {
		return c.Alpha2()
	}
	// "Congo, Democratic Republic of the" -> "Democratic Republic of the Congo".
	if a, b, ok := strings.Cut(key, ", "); ok {
		if c := lookupCountry(strings.TrimSpace(b + " " + a)); c != "" {
			return c
		}
	}
	// "Iran (Islamic Republic of)" -> "Iran".
	if i := strings.IndexByte(key, '('); i > 0 {
		if c := lookupCountry(strings.TrimSpace(key[:i])); c != "" {
			return c
		}
	}
	// "Region: Gaza", "reportedly Iran".
	if i := strings.LastIndexByte(key, ':'); i > 0 && i < len(key)-1 {
		return lookupCountry(strings.TrimSpace(key[i+1:]))
	}
	return ""
}
