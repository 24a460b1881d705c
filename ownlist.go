package vigil

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// OfficialLists are the keys and id prefixes of the official lists Vigil
// reads; an own list may not take one.
var OfficialLists = []string{
	ListUN, ListOFACSDN, ListOFACCons, ListUSCSL, ListEU, ListUK, ListUKFCDO, ListCA, ListAU,
	SourceOFAC,
}

var reOwnList = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,39}$`)

// CheckOwnListName checks the name of an own list (an internal watch list
// imported as a list of its own): lower-case letters, digits, "_" and "-",
// starting with a letter, at most 40 characters, and not the key or id
// prefix of an official list. The name is the list key and the prefix of
// its entity ids ("blacklist:C-1041").
func CheckOwnListName(name string) error {
	if !reOwnList.MatchString(name) {
		return fmt.Errorf("list name %q: want lower-case letters, digits, _ and -, starting with a letter, at most 40 characters", name)
	}
	if slices.Contains(OfficialLists, name) {
		return fmt.Errorf("list name %q is an official list's (%s): choose another", name, strings.Join(OfficialLists, ", "))
	}
	return nil
}

// ParseMeasure reads a measure as lists and users write it ("travel ban",
// "Asset freeze", "arms_embargo").
func ParseMeasure(s string) (Measure, bool) {
	k := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(s)))
	switch k {
	case "travel_ban", "travelban", "entry_ban":
		return MeasureTravelBan, true
	case "asset_freeze", "assetfreeze", "freeze", "blocking":
		return MeasureAssetFreeze, true
	case "arms_embargo", "armsembargo":
		return MeasureArmsEmbargo, true
	}
	return "", false
}

// CheckFilterLists checks that each name of a filter's Lists is a list key
// or source that held names: a filter naming no list would make every
// screen come back clear.
func CheckFilterLists(names []string, held []ListVersion) error {
	for _, n := range names {
		ok := false
		for _, v := range held {
			ok = ok || v.List == n || v.Source == n
		}
		if !ok {
			var keys []string
			for _, v := range held {
				keys = append(keys, v.List)
			}
			return fmt.Errorf("no list %q (held: %s)", n, strings.Join(keys, ", "))
		}
	}
	return nil
}
