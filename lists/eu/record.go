package eu

import "encoding/xml"

// sanctionEntity is one listing. Unknown collects children that no field
// names, so they can be reported with Meta.Warnf.
type sanctionEntity struct {
	DesignationDate    string           `xml:"designationDate,attr"`
	DesignationDetails string           `xml:"designationDetails,attr"`
	UNID               string           `xml:"unitedNationId,attr"`
	EURef              string           `xml:"euReferenceNumber,attr"`
	LogicalID          string           `xml:"logicalId,attr"`
	DelistingDate      string           `xml:"delistingDate,attr"`
	Remarks            []string         `xml:"remark"`
	AddInfo            []keyValue       `xml:"additionalInformation"`
	Regulations        []regulation     `xml:"regulation"`
	SubjectType        []subjectType    `xml:"subjectType"`
	Names              []nameAlias      `xml:"nameAlias"`
	Citizenships       []citizenship    `xml:"citizenship"`
	Birthdates         []birthdate      `xml:"birthdate"`
	IDs                []identification `xml:"identification"`
	Addresses          []address        `xml:"address"`
	Summary            []xml.Name       `xml:"regulationSummary"`
	Unknown            []unknown        `xml:",any"`
}

type unknown struct {
	XMLName xml.Name
}

type keyValue struct {
	Key   string `xml:"key,attr"`
	Value string `xml:"value,attr"`
}

type regulation struct {
	Programme string    `xml:"programme,attr"`
	URL       []string  `xml:"publicationUrl"`
	Unknown   []unknown `xml:",any"`
}

type subjectType struct {
	Code           string `xml:"code,attr"`
	Classification string `xml:"classificationCode,attr"`
}

type nameAlias struct {
	First     string    `xml:"firstName,attr"`
	Middle    string    `xml:"middleName,attr"`
	Last      string    `xml:"lastName,attr"`
	Whole     string    `xml:"wholeName,attr"`
	Function  string    `xml:"function,attr"`
	Gender    string    `xml:"gender,attr"`
	Title     string    `xml:"title,attr"`
	Language  string    `xml:"nameLanguage,attr"`
	Strong    string    `xml:"strong,attr"`
	LogicalID string    `xml:"logicalId,attr"`
	Remarks   []string  `xml:"remark"`
	Summary   []known   `xml:"regulationSummary"`
	Unknown   []unknown `xml:",any"`
}

type citizenship struct {
	Country     string    `xml:"countryIso2Code,attr"`
	Description string    `xml:"countryDescription,attr"`
	Region      string    `xml:"region,attr"`
	Remarks     []string  `xml:"remark"`
	Summary     []known   `xml:"regulationSummary"`
	Unknown     []unknown `xml:",any"`
}

type birthdate struct {
	Circa       string    `xml:"circa,attr"`
	Calendar    string    `xml:"calendarType,attr"`
	City        string    `xml:"city,attr"`
	Place       string    `xml:"place,attr"`
	Region      string    `xml:"region,attr"`
	ZipCode     string    `xml:"zipCode,attr"`
	Date        string    `xml:"birthdate,attr"`
	Day         string    `xml:"dayOfMonth,attr"`
	Month       string    `xml:"monthOfYear,attr"`
	Year        string    `xml:"year,attr"`
	From        string    `xml:"yearRangeFrom,attr"`
	To          string    `xml:"yearRangeTo,attr"`
	Country     string    `xml:"countryIso2Code,attr"`
	Description string    `xml:"countryDescription,attr"`
	Remarks     []string  `xml:"remark"`
	Summary     []known   `xml:"regulationSummary"`
	Unknown     []unknown `xml:",any"`
}

type identification struct {
	Number          string    `xml:"number,attr"`
	LatinNumber     string    `xml:"latinNumber,attr"`
	TypeCode        string    `xml:"identificationTypeCode,attr"`
	TypeDescription string    `xml:"identificationTypeDescription,attr"`
	Country         string    `xml:"countryIso2Code,attr"`
	Description     string    `xml:"countryDescription,attr"`
	IssuedBy        string    `xml:"issuedBy,attr"`
	IssueDate       string    `xml:"issueDate,attr"`
	ValidFrom       string    `xml:"validFrom,attr"`
	ValidTo         string    `xml:"validTo,attr"`
	NameOnDocument  string    `xml:"nameOnDocument,attr"`
	Region          string    `xml:"region,attr"`
	Diplomatic      string    `xml:"diplomatic,attr"`
	KnownExpired    string    `xml:"knownExpired,attr"`
	KnownFalse      string    `xml:"knownFalse,attr"`
	ReportedLost    string    `xml:"reportedLost,attr"`
	Revoked         string    `xml:"revokedByIssuer,attr"`
	Remarks         []string  `xml:"remark"`
	Summary         []known   `xml:"regulationSummary"`
	Unknown         []unknown `xml:",any"`
}

type address struct {
	Street      string     `xml:"street,attr"`
	City        string     `xml:"city,attr"`
	PoBox       string     `xml:"poBox,attr"`
	ZipCode     string     `xml:"zipCode,attr"`
	Region      string     `xml:"region,attr"`
	Place       string     `xml:"place,attr"`
	Country     string     `xml:"countryIso2Code,attr"`
	Description string     `xml:"countryDescription,attr"`
	Contacts    []keyValue `xml:"contactInfo"`
	Remarks     []string   `xml:"remark"`
	Summary     []known    `xml:"regulationSummary"`
	Unknown     []unknown  `xml:",any"`
}

// known is an element that is recognised but not used (regulationSummary:
// the act that introduced an item).
type known struct{}
