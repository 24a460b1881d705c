package eval

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/vigil-screening/vigil/lists/load"
	"github.com/vigil-screening/vigil/match"
)

// LoadLists reads every list below listsDir (shared/data/lists) with
// lists/load and keeps one version per list, chosen as the store's Current
// chooses it: the newest complete version, or the newest partial one where
// none is complete. Entries are labelled "LIST@DATE" (or "LIST@1" where no
// date is known). Files that fail to read are an error only when they leave
// a list with no version at all (the shared folder holds a deliberately
// incomplete OFAC CSV set).
func LoadLists(listsDir string) ([]match.Entry, error) {
	ds, err := load.Paths(listsDir)
	if len(ds) == 0 {
		if err == nil {
			err = errors.New("no list files")
		}
		return nil, fmt.Errorf("%s: %w", listsDir, err)
	}
	cur := Current(ds)
	var out []match.Entry
	for _, d := range cur {
		label := d.Meta.List + "@1"
		if t := datasetDate(d); !t.IsZero() {
			label = d.Meta.List + "@" + t.Format("2006-01-02")
		}
		for i := range d.Entities {
			out = append(out, match.Entry{Entity: &d.Entities[i], Version: label})
		}
	}
	return out, nil
}

// Current picks one dataset per list: complete before partial, then the
// newest (publication date, else a date in the file's folder name), then
// the last path, ordered by list.
func Current(ds []*load.Dataset) []*load.Dataset {
	best := map[string]*load.Dataset{}
	for _, d := range ds {
		b := best[d.Meta.List]
		if b == nil || newer(d, b) {
			best[d.Meta.List] = d
		}
	}
	out := make([]*load.Dataset, 0, len(best))
	for _, d := range best {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Meta.List < out[j].Meta.List })
	return out
}

func newer(a, b *load.Dataset) bool {
	if a.Meta.Partial != b.Meta.Partial {
		return !a.Meta.Partial
	}
	ta, tb := datasetDate(a), datasetDate(b)
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	return strings.Join(a.Files, " ") > strings.Join(b.Files, " ")
}

var pathDate = regexp.MustCompile(`(\d{4}-\d{2}-\d{2})`)

// datasetDate is the dataset's publication date, or the date its folder or
// file name carries ("sdn_2024-05-03"), or zero.
func datasetDate(d *load.Dataset) time.Time {
	if !d.Meta.Published.IsZero() {
		return d.Meta.Published
	}
	if len(d.Files) == 0 {
		return time.Time{}
	}
	f := d.Files[0]
	for _, s := range []string{filepath.Base(filepath.Dir(f)), filepath.Base(f)} {
		if m := pathDate.FindString(s); m != "" {
			if t, err := time.Parse("2006-01-02", m); err == nil {
				return t
			}
		}
	}
	return time.Time{}
}
