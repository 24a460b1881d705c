package vigil

import "testing"

func TestListName(t *testing.T) {
	for _, k := range []string{ListUN, ListOFACSDN, ListOFACCons, ListUSCSL, ListEU, ListUK, ListUKFCDO, ListCA, ListAU} {
		if n := ListName(k); n == k || n == "" {
			t.Errorf("list %q has no name: %q", k, n)
		}
	}
	if got := ListName(ListOFACSDN); got != "OFAC Specially Designated Nationals (SDN) List" {
		t.Errorf("ofac_sdn: %q", got)
	}
	if got := ListName("staff_watch"); got != "staff_watch" {
		t.Errorf("an own list keeps its key: %q", got)
	}
}
