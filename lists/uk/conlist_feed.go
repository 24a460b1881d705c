package uk

import (
	"time"

	"github.com/vigil-screening/vigil/lists"
)

// conFeed takes ConList rows in file order, from CSV or XLSX alike: the
// optional "Last Updated" banner, the header, then data rows.
type conFeed struct {
	meta  *lists.Meta
	c     *conList
	rows  int
	width int // the header's field count
}

// row handles one row; line is its 1-based line (CSV) or sheet row (XLSX).
func (f *conFeed) row(rec []string, line int) error {
	f.rows++
	if f.c != nil {
		return f.c.add(rec, line)
	}
	if d, ok := published(rec); ok && f.rows == 1 {
		f.meta.Published = time.Date(d.Year, time.Month(d.Month), d.Day, 0, 0, 0, 0, time.UTC)
		return nil
	}
	if !isConListHeader(rec) {
		return lists.Errorf(line, "header", "expected the ConList header row (Name 6 … Group ID)")
	}
	c, err := newConList(rec, line, f.meta)
	f.c, f.width = c, len(rec)
	return err
}

// finish checks that a header was seen and emits the groups.
func (f *conFeed) finish(emit lists.Emit) error {
	if f.c == nil {
		return lists.Errorf(f.rows, "header", "no ConList header row")
	}
	return f.c.finish(emit)
}
