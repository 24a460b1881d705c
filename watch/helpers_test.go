package watch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/batch"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/sqlite"
	"github.com/vigil-screening/vigil/weights"
)

// fixture is a small invented list: a listed person with a travel ban,
// one with an asset freeze only, a namesake-prone name, an organisation.
func fixture() []vigil.Entity {
	return []vigil.Entity{
		{
			ID: "fx:1", Source: "fx", Ref: "1", Kind: vigil.KindPerson,
			Names: []vigil.Name{
				{Full: "Qasem Soleimani", Quality: vigil.QualityPrimary},
				{Full: "Qassem Suleimani", Quality: vigil.QualityStrong},
			},
			BirthDates:    []vigil.Date{{Year: 1957, Month: 3, Day: 11}},
			Nationalities: []string{"IR"},
			Documents:     []vigil.Document{{Type: vigil.DocPassport, Number: "008827", Country: "IR"}},
			Measures:      []vigil.Measure{vigil.MeasureAssetFreeze, vigil.MeasureTravelBan},
		},
		{
			ID: "fx:2", Source: "fx", Ref: "2", Kind: vigil.KindPerson,
			Names:         []vigil.Name{{Full: "Ivan Petrovich Sidorenko", Quality: vigil.QualityPrimary}},
			BirthDates:    []vigil.Date{{Year: 1961, Month: 4, Day: 4}},
			Nationalities: []string{"RU"},
			Measures:      []vigil.Measure{vigil.MeasureAssetFreeze},
		},
		{
			ID: "fx:3", Source: "fx", Ref: "3", Kind: vigil.KindPerson,
			Names:    []vigil.Name{{Full: "Marko Zelenko", Quality: vigil.QualityPrimary}},
			Measures: []vigil.Measure{vigil.MeasureTravelBan},
		},
		{
			ID: "fx:4", Source: "fx", Ref: "4", Kind: vigil.KindOrganization,
			Names:    []vigil.Name{{Full: "Northern Star Shipping LLC", Quality: vigil.QualityPrimary}},
			Measures: []vigil.Measure{vigil.MeasureAssetFreeze},
		},
	}
}

// env is a store, an engine over it and the audit records it wrote.
type env struct {
	t      testing.TB
	st     vigil.Backend
	e      *Engine
	path   string
	audits []AuditRecord
	// c is the corpus of the versions and epoch in key.
	c   *Corpus
	key string
	// wopt are the weight options corpora are built with.
	wopt weights.Options
}

func newEnv(t testing.TB) *env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "vigil.db")
	return openEnv(t, path)
}

func openEnv(t testing.TB, path string) *env {
	t.Helper()
	st, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	v := &env{t: t, st: st, path: path}
	v.e = &Engine{Store: st, Lists: st, Epochs: st, Workers: 2}
	v.e.Audit = func(_ context.Context, r AuditRecord) error {
		v.audits = append(v.audits, r)
		return nil
	}
	return v
}

// importList stores entities as a new version of list.
func (v *env) importList(list string, es []vigil.Entity) vigil.ListVersion {
	v.t.Helper()
	b, _ := json.Marshal(es)
	h := sha256.Sum256(b)
	lv, err := v.st.Import(context.Background(), vigil.ListVersion{List: list, Source: list, Format: "test", Hash: hex.EncodeToString(h[:])}, es)
	if err != nil {
		v.t.Fatal(err)
	}
	return lv
}

// corpus returns the store's current corpus (built again only when the
// current versions or the weight epoch changed).
func (v *env) corpus() *Corpus {
	v.t.Helper()
	ctx := context.Background()
	cur, err := v.st.Current(ctx)
	if err != nil {
		v.t.Fatal(err)
	}
	lists := ""
	for _, lv := range cur {
		lists += lv.Label() + ","
	}
	ep, _ := v.st.CurrentEpoch(ctx) // ID 0 when none
	if v.c == nil || v.key != fmt.Sprint(lists, ep.ID) {
		v.c = loadCorpus(v.t, v.st, v.wopt)
		v.key = fmt.Sprint(lists, v.c.Epoch.ID)
	}
	return v.c
}

// loadCorpus builds the corpus of a store's current versions, beginning a
// weight epoch when weights.For does.
func loadCorpus(t testing.TB, st vigil.Backend, wopt weights.Options) *Corpus {
	t.Helper()
	ctx := context.Background()
	cur, err := st.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := st.CurrentEntities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	es := make([]match.Entry, len(rows))
	for i := range rows {
		es[i] = match.Entry{Entity: &rows[i].Entity, Version: rows[i].Version.Label()}
	}
	ix, ep, err := weights.For(ctx, st, es, cur, wopt)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewCorpus(cur, es, ix, ep)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// importCSV imports CSV text into a set.
func (v *env) importCSV(set, csv string, sync bool) (vigil.SubjectImport, []int) {
	v.t.Helper()
	rd, err := batch.Open(strings.NewReader(csv), "subjects.csv", batch.Options{})
	if err != nil {
		v.t.Fatal(err)
	}
	var bad []int
	sum, err := v.e.Import(context.Background(), v.corpus(), rd, ImportOptions{Set: set, Sync: sync, By: "test",
		OnRowError: func(row int, _ error) { bad = append(bad, row) }})
	if err != nil {
		v.t.Fatal(err)
	}
	return sum, bad
}

func (v *env) sync(opt SyncOptions) *vigil.WatchRun {
	v.t.Helper()
	r, err := v.e.Sync(context.Background(), v.corpus(), opt)
	if err != nil {
		v.t.Fatal(err)
	}
	return r
}

// alerts returns every alert, oldest first.
func (v *env) alerts() []vigil.Alert {
	v.t.Helper()
	var out []vigil.Alert
	f := vigil.AlertFilter{Limit: 1000}
	for {
		p, err := v.st.Alerts(context.Background(), f)
		if err != nil {
			v.t.Fatal(err)
		}
		out = append(out, p.Alerts...)
		if p.Next == "" {
			break
		}
		f.After = p.Next
	}
	slices.SortFunc(out, func(a, b vigil.Alert) int { return int(a.ID - b.ID) })
	return out
}

// alert returns the alert of a pair.
func (v *env) alert(set, subject, entity string) vigil.Alert {
	v.t.Helper()
	for _, a := range v.alerts() {
		if a.Set == set && a.SubjectID == subject && a.EntityID == entity {
			return a
		}
	}
	v.t.Fatalf("no alert %s/%s %s", set, subject, entity)
	return vigil.Alert{}
}

// outcome is what two runs must agree on: every alert's pair, state,
// cause, score and fingerprints (not times, ids or the list version it was
// last screened in).
func outcome(as []vigil.Alert) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = fmt.Sprintf("%s/%s %s %s %s %.3f %s %s %q", a.Set, a.SubjectID, a.EntityID, a.State, a.Cause, a.Score,
			a.SubjectFingerprint, a.ListingFingerprint, a.Changes)
	}
	slices.Sort(out)
	return out
}

func openCSV(csv string) (batch.Reader, error) {
	return batch.Open(strings.NewReader(csv), "subjects.csv", batch.Options{})
}
