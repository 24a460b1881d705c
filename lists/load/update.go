package load

import (
	"context"
	"fmt"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/download"
)

// Outcome is what an update did with one list.
type Outcome struct {
	List  string   `json:"list"`
	Files []string `json:"files,omitempty"`
	// Unchanged: the download was the version the store already holds.
	Unchanged bool               `json:"unchanged,omitempty"`
	Version   *vigil.ListVersion `json:"version,omitempty"`
	// Outcome and Message say what the import did (see Result).
	Outcome  vigil.ImportOutcome `json:"outcome,omitempty"`
	Message  string              `json:"message,omitempty"`
	Warnings []string            `json:"warnings,omitempty"`
	Err      error               `json:"-"`
	Error    string              `json:"error,omitempty"`
}

// Update downloads each source, and reads and imports what changed, each
// download as an import run of its own (see ImportAll: a download whose
// content was current before is restored). A failed download, a file that
// does not parse, a file of the wrong list, or a version that shrank too
// much (unless opt.Force) leaves the list's last good version in force; the
// outcome says why.
func Update(ctx context.Context, st vigil.Store, d *download.Downloader, srcs []download.Source, opt Options) []Outcome {
	cur, err := st.Current(ctx)
	if err != nil {
		return []Outcome{{Err: err, Error: err.Error()}}
	}
	held := map[string]string{} // list -> hash of its current version
	for _, v := range cur {
		held[v.List] = v.Hash
	}
	var out []Outcome
	for _, src := range srcs {
		o := update(ctx, st, d, src, held[src.List], opt)
		if o.Err != nil {
			o.Error = o.Err.Error()
		}
		out = append(out, o)
	}
	return out
}

func update(ctx context.Context, st vigil.Store, d *download.Downloader, src download.Source, heldHash string, opt Options) Outcome {
	o := Outcome{List: src.List}
	res, err := d.Fetch(ctx, src)
	if err != nil {
		o.Err = fmt.Errorf("download failed: %w", err)
		return o
	}
	o.Files = res.Files
	if res.Hash == heldHash {
		o.Unchanged = true
		return o
	}
	dss, err := Paths(res.Files...)
	if err != nil {
		o.Err = err
		return o
	}
	if len(dss) != 1 {
		o.Err = fmt.Errorf("the download holds %d lists, want one %s list", len(dss), src.List)
		return o
	}
	ds := dss[0]
	if ds.Meta.List != src.List {
		o.Err = fmt.Errorf("the download for %s is a %s list (%s): refused", src.List, ds.Meta.List, ds.Meta.Format)
		return o
	}
	r := ImportAll(ctx, st, []*Dataset{ds}, opt)[0]
	o.Outcome, o.Message, o.Warnings = r.Outcome, r.Message(), r.Warnings
	if r.Err != nil {
		o.Err = r.Err
		return o
	}
	o.Unchanged = !r.Added()
	o.Version = &r.Version
	return o
}
