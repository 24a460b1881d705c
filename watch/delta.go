package watch

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/names"
)

// reach is what a set of listings can be retrieved by when a query is
// screened: the retrieval keys of their name parts, their spellings
// joined, and their document numbers. A subject whose screening could meet
// one of the listings (and so find it, or have it crowd out another
// candidate) is one that reach says so of (touches); every other subject's
// screening is untouched by them.
//
// It mirrors what match.Index retrieves by, from the outside: a query part
// meets a listed part when they share a key (the canonical spelling, the
// consonant skeleton, or the folded spelling with or without one letter);
// a query part of 6 or more letters also meets names whose parts joined
// spell it, and names holding a part that spells a piece of it cut in
// two; the query's parts joined meet a listed part or name spelt so; and a
// document number meets the listings holding it. Reach errs only towards
// touching more: it keeps every piece and every join, where the index
// keeps only those that lead somewhere. TestDeltaIsFull compares delta
// and full re-screens, so that a change in how the index retrieves shows.
type reach struct {
	keys   map[string]bool // retrieval keys of the listings' parts
	joins  map[string]bool // the listings' names, parts joined
	pieces map[string]bool // the listings' part keys and joined names
	docs   map[string]bool
}

// newReach returns the reach of entities.
func newReach(entities []*vigil.Entity) *reach {
	r := &reach{keys: map[string]bool{}, joins: map[string]bool{}, pieces: map[string]bool{}, docs: map[string]bool{}}
	for _, e := range entities {
		c := classOf(e.Kind)
		for _, n := range e.Names {
			for _, alt := range alternatives(n.Full) {
				var joined strings.Builder
				parts := 0
				for _, x := range names.Parse(alt, c) {
					if !indexable(x.Tag) {
						continue
					}
					for _, k := range partKeys(&x, nil) {
						r.keys[k] = true
					}
					r.pieces[x.Key] = true
					joined.WriteString(x.Text)
					parts++
				}
				if parts >= 2 {
					r.joins[joined.String()] = true
					r.pieces[joined.String()] = true
				}
			}
		}
		for _, d := range e.Documents {
			if k := match.DocKey(d.Number); k != "" {
				r.docs[k] = true
			}
		}
		for _, s := range []string{e.IMO, e.TailNumber} {
			if k := match.DocKey(s); k != "" {
				r.docs[k] = true
			}
		}
	}
	return r
}

// touches reports whether screening the subject's name (parsed by the
// class of kind) and document could meet the reach's listings. known
// caches what a part meets, per part: parts repeat across subjects.
func (r *reach) touches(name string, kind vigil.Kind, doc string, known map[names.Part]bool) bool {
	if k := match.DocKey(doc); k != "" && r.docs[k] {
		return true
	}
	var joined strings.Builder
	parts := 0
	hit := false
	var keys []string
	for _, x := range names.Parse(name, classOf(kind)) {
		if !indexable(x.Tag) {
			continue
		}
		joined.WriteString(x.Text)
		parts++
		met, ok := known[x]
		if !ok {
			keys = partKeys(&x, keys[:0])
			for _, k := range keys {
				met = met || r.keys[k]
			}
			met = met || r.pieces[x.Text]
			if t := x.Text; len(t) >= 6 {
				met = met || r.joins[t]
				for cut := 2; cut <= len(t)-2 && !met; cut++ {
					met = r.pieces[t[:cut]] || r.pieces[t[cut:]]
				}
			}
			known[x] = met
		}
		hit = hit || met
	}
	return hit || (parts > 0 && r.pieces[joined.String()])
}

// errTooMany stops touched once more subjects are touched than wanted.
var errTooMany = errors.New("the reach touches too many subjects")

// touched returns, in row order, the rows of the subjects the reach
// touches, reading every subject's name, kind and document from st. Once
// more than most are touched it stops with errTooMany: a delta that large
// screens every subject instead, and reading on would be wasted.
func (r *reach) touched(ctx context.Context, st vigil.WatchStore, most int) ([]int64, error) {
	type item struct {
		row       int64
		name, doc string
		kind      vigil.Kind
	}
	workers := runtime.GOMAXPROCS(0)
	in := make(chan []item, workers)
	var mu sync.Mutex
	var out []int64
	var count atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			known := map[names.Part]bool{}
			var mine []int64
			for batch := range in {
				n := len(mine)
				for _, it := range batch {
					if r.touches(it.name, it.kind, it.doc, known) {
						mine = append(mine, it.row)
					}
				}
				count.Add(int64(len(mine) - n))
			}
			mu.Lock()
			out = append(out, mine...)
			mu.Unlock()
		})
	}
	var batch []item
	err := st.EachSubjectName(ctx, func(row int64, name string, kind vigil.Kind, doc string) error {
		batch = append(batch, item{row, name, doc, kind})
		if len(batch) == 1024 {
			in <- batch
			batch = nil
			if count.Load() > int64(most) {
				return errTooMany
			}
		}
		return nil
	})
	if len(batch) > 0 {
		in <- batch
	}
	close(in)
	wg.Wait()
	if err == nil && len(out) > most {
		err = errTooMany
	}
	slices.Sort(out)
	return out, err
}

// indexable reports whether a part is used for retrieval (as match.Index
// uses it).
func indexable(t names.Tag) bool {
	return t == names.TagName || t == names.TagOrgWord || t == names.TagNumber
}

// partKeys appends the retrieval keys of a part, as match.Index forms
// them: its canonical spelling, its consonant skeleton, and its folded
// spelling with and without each letter.
func partKeys(x *names.Part, keys []string) []string {
	keys = append(keys, "t"+x.Key)
	if len(x.Skel) >= 3 {
		keys = append(keys, "s"+x.Skel)
	}
	f := x.Fold
	if len(f) >= 4 && len(f) <= 24 {
		keys = append(keys, "d"+f)
	}
	if len(f) >= 5 && len(f) <= 24 {
		for i := 0; i < len(f); i++ {
			keys = append(keys, "d"+f[:i]+f[i+1:])
		}
	}
	return keys
}

// classOf is the name class the matcher parses a name of kind k by.
func classOf(k vigil.Kind) names.Class {
	switch k {
	case vigil.KindPerson:
		return names.PersonClass
	case vigil.KindOrganization, vigil.KindVessel, vigil.KindAircraft:
		return names.OrgClass
	}
	return names.AnyClass
}

// alternatives splits a listed name at slashes that separate alternative
// names, keeping the whole name first (as the matcher indexes them).
func alternatives(full string) []string {
	if !strings.Contains(full, "/") {
		return []string{full}
	}
	out := []string{full}
	for _, p := range strings.Split(full, "/") {
		if p = strings.TrimSpace(p); len(p) > 2 {
			out = append(out, p)
		}
	}
	return out
}
