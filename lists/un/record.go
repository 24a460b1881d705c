package un

import "encoding/xml"

// record is one INDIVIDUAL or ENTITY element. Repeated elements are slices;
// Unknown collects children the format description does not name, so they
// can be reported with Meta.Warnf.
type record struct {
	DataID      string      `xml:"DATAID"`
	VersionNum  string      `xml:"VERSIONNUM"`
	First       string      `xml:"FIRST_NAME"`
	Second      string      `xml:"SECOND_NAME"`
	Third       string      `xml:"THIRD_NAME"`
	Fourth      string      `xml:"FOURTH_NAME"`
	Regime      string      `xml:"UN_LIST_TYPE"`
	Ref         string      `xml:"REFERENCE_NUMBER"`
	ListedOn    string      `xml:"LISTED_ON"`
	Gender      string      `xml:"GENDER"`
	Original    []string    `xml:"NAME_ORIGINAL_SCRIPT"`
	Comments    string      `xml:"COMMENTS1"`
	Title       []valueList `xml:"TITLE"`
	Designation []valueList `xml:"DESIGNATION"`
	Nationality []valueList `xml:"NATIONALITY"`
	ListType    []valueList `xml:"LIST_TYPE"`
	LastUpdated []valueList `xml:"LAST_DAY_UPDATED"`
	IndAliases  []alias     `xml:"INDIVIDUAL_ALIAS"`
	EntAliases  []alias     `xml:"ENTITY_ALIAS"`
	IndAddress  []address   `xml:"INDIVIDUAL_ADDRESS"`
	EntAddress  []address   `xml:"ENTITY_ADDRESS"`
	DOBs        []dob       `xml:"INDIVIDUAL_DATE_OF_BIRTH"`
	POBs        []address   `xml:"INDIVIDUAL_PLACE_OF_BIRTH"`
	Documents   []document  `xml:"INDIVIDUAL_DOCUMENT"`
	SortKey     string      `xml:"SORT_KEY"`
	SortKeyMod  string      `xml:"SORT_KEY_LAST_MOD"`
	Unknown     []unknown   `xml:",any"`
}

// unknown captures an element no field names.
type unknown struct {
	XMLName xml.Name
}

type valueList struct {
	Values  []string  `xml:"VALUE"`
	Unknown []unknown `xml:",any"`
}

type alias struct {
	Quality   string    `xml:"QUALITY"`
	Name      string    `xml:"ALIAS_NAME"`
	DOB       string    `xml:"DATE_OF_BIRTH"`
	CityOfB   string    `xml:"CITY_OF_BIRTH"`
	CountryOB string    `xml:"COUNTRY_OF_BIRTH"`
	Note      string    `xml:"NOTE"`
	Unknown   []unknown `xml:",any"`
}

// address is an address or a place of birth (same children, minus ZIP_CODE
// for places).
type address struct {
	Street  string    `xml:"STREET"`
	City    string    `xml:"CITY"`
	State   string    `xml:"STATE_PROVINCE"`
	Zip     string    `xml:"ZIP_CODE"`
	Country string    `xml:"COUNTRY"`
	Note    string    `xml:"NOTE"`
	Unknown []unknown `xml:",any"`
}

type dob struct {
	Type     string    `xml:"TYPE_OF_DATE"`
	Date     string    `xml:"DATE"`
	Year     string    `xml:"YEAR"`
	FromYear string    `xml:"FROM_YEAR"`
	ToYear   string    `xml:"TO_YEAR"`
	Note     string    `xml:"NOTE"`
	Unknown  []unknown `xml:",any"`
}

type document struct {
	Type      string    `xml:"TYPE_OF_DOCUMENT"`
	Type2     string    `xml:"TYPE_OF_DOCUMENT2"`
	Number    string    `xml:"NUMBER"`
	Issuing   string    `xml:"ISSUING_COUNTRY"`
	CountryOI string    `xml:"COUNTRY_OF_ISSUE"`
	Issued    string    `xml:"DATE_OF_ISSUE"`
	City      string    `xml:"CITY_OF_ISSUE"`
	Note      string    `xml:"NOTE"`
	Unknown   []unknown `xml:",any"`
}
