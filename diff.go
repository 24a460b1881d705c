package vigil

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
)

// DiffEntities compares two versions of a list by entity id: ids only in new
// are Added, ids only in old are Removed, and ids in both whose content
// differs are Changed, each with the Entity JSON field names that differ (in
// the order Entity declares them). Added, Removed and Changed are sorted by
// id and never nil; each change holds the old and new values of its fields.
// When an id occurs more than once in a slice, the last
// occurrence wins (readers are expected to emit unique ids).
//
// Slice fields are compared as multisets: the lists do not give their order
// any meaning, so reordered aliases, addresses or programmes are no change.
// The one exception is Names, whose first element is the primary name: a
// different primary name is a change of "names" even when the set of names
// is the same. Nil and empty slices are equal.
func DiffEntities(list string, from, to int, old, new []Entity) Diff {
	d := Diff{List: list, From: from, To: to, Added: []string{}, Removed: []string{}, Changed: []Change{}}
	oldByID := make(map[string]*Entity, len(old))
	for i := range old {
		oldByID[old[i].ID] = &old[i]
	}
	newByID := make(map[string]*Entity, len(new))
	for i := range new {
		newByID[new[i].ID] = &new[i]
	}
	for id, n := range newByID {
		o, ok := oldByID[id]
		if !ok {
			d.Added = append(d.Added, id)
			continue
		}
		if c, ok := EntityChange(o, n); ok {
			d.Changed = append(d.Changed, c)
		}
	}
	for id := range oldByID {
		if _, ok := newByID[id]; !ok {
			d.Removed = append(d.Removed, id)
		}
	}
	slices.Sort(d.Added)
	slices.Sort(d.Removed)
	slices.SortFunc(d.Changed, func(a, b Change) int { return strings.Compare(a.ID, b.ID) })
	return d
}

// entityFields holds, for each field of Entity in declaration order, its
// index and JSON name.
var entityFields = func() []struct {
	index int
	name  string
} {
	t := reflect.TypeFor[Entity]()
	var fs []struct {
		index int
		name  string
	}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fs = append(fs, struct {
			index int
			name  string
		}{i, name})
	}
	return fs
}()

// EntityChange compares two states of one entity with the rules of
// DiffEntities and returns the fields that differ with their old and new
// values; ok is false when nothing differs.
func EntityChange(old, new *Entity) (c Change, ok bool) {
	fields := changedFields(old, new)
	if len(fields) == 0 {
		return Change{ID: new.ID}, false
	}
	c = Change{ID: new.ID, Fields: fields, Changes: make([]FieldChange, len(fields))}
	vo, vn := reflect.ValueOf(old).Elem(), reflect.ValueOf(new).Elem()
	for i, name := range fields {
		f := entityField(name)
		c.Changes[i] = FieldChange{Field: name, Old: fieldJSON(vo.Field(f)), New: fieldJSON(vn.Field(f))}
	}
	return c, true
}

// entityField returns the index of the Entity field with a JSON name.
func entityField(name string) int {
	for _, f := range entityFields {
		if f.name == name {
			return f.index
		}
	}
	panic("vigil: no Entity field " + name)
}

// fieldJSON encodes a field's value, or nil for an empty one. Fields are
// plain data, so encoding cannot fail; should it, the error stands in.
func fieldJSON(v reflect.Value) json.RawMessage {
	if v.IsZero() || (v.Kind() == reflect.Slice && v.Len() == 0) {
		return nil
	}
	b, err := json.Marshal(v.Interface())
	if err != nil {
		b, _ = json.Marshal("!" + err.Error())
	}
	return b
}

// changedFields returns the JSON names of the fields that differ between a
// and b, in declaration order, with the comparison rules of DiffEntities.
// It walks Entity's fields by reflection so that a field added to Entity
// later is compared without a change here.
func changedFields(a, b *Entity) []string {
	if reflect.DeepEqual(a, b) {
		return nil
	}
	va, vb := reflect.ValueOf(a).Elem(), reflect.ValueOf(b).Elem()
	var out []string
	for _, f := range entityFields {
		fa, fb := va.Field(f.index), vb.Field(f.index)
		if !fieldEqual(fa, fb, f.name == "names") {
			out = append(out, f.name)
		}
	}
	return out
}

// fieldEqual compares one field; slices as multisets, with the first element
// compared positionally when firstMatters is set.
func fieldEqual(a, b reflect.Value, firstMatters bool) bool {
	if a.Kind() != reflect.Slice {
		return reflect.DeepEqual(a.Interface(), b.Interface())
	}
	if a.Len() != b.Len() {
		return false
	}
	if a.Len() == 0 {
		return true
	}
	if firstMatters && !reflect.DeepEqual(a.Index(0).Interface(), b.Index(0).Interface()) {
		return false
	}
	if reflect.DeepEqual(a.Interface(), b.Interface()) {
		return true
	}
	ka, kb := elementKeys(a), elementKeys(b)
	return slices.Equal(ka, kb)
}

// elementKeys returns the sorted canonical JSON encodings of a slice's
// elements: a multiset that ignores order. Element types are plain data
// (strings and small structs), so encoding cannot fail; should it, the
// element's %v form stands in.
func elementKeys(v reflect.Value) []string {
	keys := make([]string, v.Len())
	for i := range keys {
		b, err := json.Marshal(v.Index(i).Interface())
		if err != nil {
			keys[i] = "!" + err.Error()
			continue
		}
		keys[i] = string(b)
	}
	slices.Sort(keys)
	return keys
}

// Elements returns, for a field holding a list (names, addresses, …), the
// elements only in the old value and those only in the new one, compared as
// multisets; ok is false for a field that is not a list.
func (c FieldChange) Elements() (removed, added []json.RawMessage, ok bool) {
	var o, n []json.RawMessage
	if (c.Old != nil && json.Unmarshal(c.Old, &o) != nil) || (c.New != nil && json.Unmarshal(c.New, &n) != nil) {
		return nil, nil, false
	}
	if c.Old == nil && c.New == nil {
		return nil, nil, false
	}
	left := map[string]int{}
	for _, e := range n {
		left[string(e)]++
	}
	for _, e := range o {
		if left[string(e)] > 0 {
			left[string(e)]--
			continue
		}
		removed = append(removed, e)
	}
	seen := map[string]int{}
	for _, e := range o {
		seen[string(e)]++
	}
	for _, e := range n {
		if seen[string(e)] > 0 {
			seen[string(e)]--
			continue
		}
		added = append(added, e)
	}
	return removed, added, true
}
