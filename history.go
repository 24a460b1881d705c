package vigil

import "time"

// EntityState is an entity as one list version held it; Entity is nil when
// the version does not hold it.
type EntityState struct {
	Version ListVersion
	Entity  *Entity
}

// Listing changes in an entity's history.
const (
	ChangeListed   = "listed"
	ChangeChanged  = "changed"
	ChangeDelisted = "delisted"
)

// HistoryEvent is one version of a list that listed, changed or delisted
// an entity.
type HistoryEvent struct {
	// Version is the list version's label ("ofac_sdn@3"), in force from
	// InForceFrom.
	Version     string    `json:"version"`
	InForceFrom time.Time `json:"in_force_from"`
	Imported    time.Time `json:"imported"`
	Change      string    `json:"change"`
	// Changes are the fields that changed with their old and new values.
	Changes []FieldChange `json:"changes,omitempty"`
}

// ListingPeriod is a stretch of versions of one list that held an entity:
// listed from Listed's version, until the version that delisted it (none
// while it is still listed).
type ListingPeriod struct {
	Listed     time.Time  `json:"listed"`
	ListedIn   string     `json:"listed_in"`
	Delisted   *time.Time `json:"delisted,omitempty"`
	DelistedIn string     `json:"delisted_in,omitempty"`
}

// ListHistory is an entity's history on one list.
type ListHistory struct {
	List string `json:"list"`
	// Listed says whether the list's newest version in its timeline holds
	// the entity.
	Listed  bool            `json:"listed"`
	Periods []ListingPeriod `json:"periods"`
	Events  []HistoryEvent  `json:"events"`
}

// EntityHistory is an entity's history on every list that held it.
type EntityHistory struct {
	ID string `json:"id"`
	// Entity is its newest state on any list.
	Entity *Entity       `json:"entity,omitempty"`
	Lists  []ListHistory `json:"lists"`
}

// HistoryOf builds an entity's history from its states (Store.EntityStates:
// grouped by list, each list in timeline order): the versions that listed,
// changed or delisted it, with the fields that changed and their values,
// and the periods it was listed on each list.
func HistoryOf(id string, states []EntityState) EntityHistory {
	h := EntityHistory{ID: id, Lists: []ListHistory{}}
	var newest time.Time
	for i := 0; i < len(states); {
		list := states[i].Version.List
		j := i
		for j < len(states) && states[j].Version.List == list {
			j++
		}
		lh := ListHistory{List: list, Periods: []ListingPeriod{}, Events: []HistoryEvent{}}
		var prev *Entity
		for _, s := range states[i:j] {
			v := s.Version
			ev := HistoryEvent{Version: v.Label(), InForceFrom: v.InForceFrom, Imported: v.Imported}
			switch {
			case prev == nil && s.Entity != nil:
				ev.Change = ChangeListed
				lh.Periods = append(lh.Periods, ListingPeriod{Listed: v.InForceFrom, ListedIn: v.Label()})
			case prev != nil && s.Entity == nil:
				ev.Change = ChangeDelisted
				p := &lh.Periods[len(lh.Periods)-1]
				t := v.InForceFrom
				p.Delisted, p.DelistedIn = &t, v.Label()
			case prev != nil:
				c, ok := EntityChange(prev, s.Entity)
				if !ok {
					continue
				}
				ev.Change, ev.Changes = ChangeChanged, c.Changes
			default:
				continue
			}
			lh.Events = append(lh.Events, ev)
			if s.Entity != nil && (h.Entity == nil || !v.InForceFrom.Before(newest)) {
				h.Entity, newest = s.Entity, v.InForceFrom
			}
			prev = s.Entity
		}
		lh.Listed = prev != nil
		h.Lists = append(h.Lists, lh)
		i = j
	}
	return h
}
