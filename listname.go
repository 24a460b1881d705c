package vigil

// listNames are the names people know the official lists by, keyed by
// list key: the one place the console, the CLI and the API take them from.
var listNames = map[string]string{
	ListUN:       "UN Security Council Consolidated List",
	ListOFACSDN:  "OFAC Specially Designated Nationals (SDN) List",
	ListOFACCons: "OFAC Consolidated (non-SDN) Sanctions List",
	ListUSCSL:    "US Consolidated Screening List (trade.gov)",
	ListEU:       "EU Consolidated Financial Sanctions List",
	ListUK:       "UK OFSI Consolidated List",
	ListUKFCDO:   "UK Sanctions List (FCDO)",
	ListCA:       "Canada Consolidated Autonomous Sanctions List (SEMA)",
	ListAU:       "Australia DFAT Consolidated List",
}

// ListName returns the name of the list with key list ("ofac_sdn": "OFAC
// Specially Designated Nationals (SDN) List"), or the key itself for a list
// Vigil has no name for (an own list).
func ListName(list string) string {
	if n, ok := listNames[list]; ok {
		return n
	}
	return list
}
