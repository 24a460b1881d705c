package watch

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/batch"
	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists/load"
	"github.com/vigil-screening/vigil/weights"
)

// realList reads one shared list snapshot (a file or an OFAC CSV folder),
// once per test binary.
var realLists sync.Map

func realList(t testing.TB, rel string) *load.Dataset {
	t.Helper()
	p := shared.Lists(t, rel)
	if d, ok := realLists.Load(p); ok {
		return d.(*load.Dataset)
	}
	ds, err := load.Paths(p)
	if err != nil || len(ds) != 1 {
		t.Fatalf("reading %s: %d datasets, %v", rel, len(ds), err)
	}
	realLists.Store(p, ds[0])
	return ds[0]
}

// importReal imports a shared snapshot as the next version of its list.
func (v *env) importReal(rel string) vigil.ListVersion {
	v.t.Helper()
	lv, err := load.Import(context.Background(), v.st, realList(v.t, rel), load.Options{Force: true})
	if err != nil {
		v.t.Fatalf("importing %s: %v", rel, err)
	}
	return lv
}

// population writes a CSV of subjects drawn from the listed names of the
// given datasets (as written, misspelt, reordered, with and without the
// listed date of birth) and of invented distinct names: people on the
// lists, their namesakes, and people on none.
func population(t testing.TB, n int, seed int64, dss ...*load.Dataset) string {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	var es []*vigil.Entity
	for _, ds := range dss {
		for i := range ds.Entities {
			if len(ds.Entities[i].Names) > 0 {
				es = append(es, &ds.Entities[i])
			}
		}
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"id", "name", "dob", "nationality", "kind", "segment"})
	var gen bytes.Buffer
	if err := batch.GenerateDistinct(&gen, n/3, seed); err != nil {
		t.Fatal(err)
	}
	rd, err := batch.Open(&gen, "gen.csv", batch.Options{})
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for {
		rec, err := rd.Next()
		if err != nil {
			break
		}
		i++
		w.Write([]string{fmt.Sprintf("g%d", i), rec.Query.Name, rec.Query.DOB, rec.Query.Nationality, "", "retail"})
	}
	for j := 0; i < n; j++ {
		i++
		e := es[rng.Intn(len(es))]
		name := e.Names[rng.Intn(len(e.Names))].Full
		switch rng.Intn(4) {
		case 1: // a letter dropped
			if r := []rune(name); len(r) > 6 {
				k := 1 + rng.Intn(len(r)-2)
				name = string(append(r[:k:k], r[k+1:]...))
			}
		case 2: // words reversed
			ws := strings.Fields(name)
			slices.Reverse(ws)
			name = strings.Join(ws, " ")
		}
		dob := ""
		if len(e.BirthDates) > 0 && e.BirthDates[0].Day != 0 && rng.Intn(2) == 0 {
			dob = e.BirthDates[0].String()
		}
		kind := ""
		if rng.Intn(3) == 0 {
			kind = string(e.Kind)
		}
		w.Write([]string{fmt.Sprintf("l%d", i), name, dob, "", kind, "listed"})
	}
	w.Flush()
	return b.String()
}

// TestDeltaIsFull follows real consecutive list versions (OFAC SDN 2021 →
// 2024, UK ConList 2014 → 2018 → 2025) and versions derived from them
// with a watched population drawn from those lists, under one weight
// epoch: every step is re-screened by delta, names changed included, and
// after every step the alerts must be exactly what a full re-screen of the
// same history gives, closed and reopened alerts included, and what
// screening every subject from scratch against the current lists (with
// the epoch's weights) gives.
func TestDeltaIsFull(t *testing.T) {
	if testing.Short() {
		t.Skip("screens thousands of subjects against real lists several times")
	}
	ofac21, ofac24 := realList(t, "ofac/sdn_2021-07-07"), realList(t, "ofac/sdn_2024-05-03")
	uk14, uk18, uk25 := realList(t, "uk/conlist_csv_2014-04-02"), realList(t, "uk/conlist_csv_2018-04-13"), realList(t, "uk/ConList.xlsx")
	un := realList(t, "un/consolidated.xml")
	subjects := population(t, 3000, 7, ofac21, ofac24, uk14, uk18, uk25, un)
	ctx := context.Background()

	// Two stores follow the same history: d re-screens as the engine
	// chooses, f always in full.
	// The real versions drift from the first epoch's weights by more than
	// weights.MaxDrift (logged below), which would begin a new epoch and a
	// full re-screen (TestDriftRescreensInFull): here the epoch stays, so
	// that every change is a delta.
	d, f := newEnv(t), newEnv(t)
	d.wopt.MaxDrift, f.wopt.MaxDrift = -1, -1
	for _, v := range []*env{d, f} {
		v.importReal("un/consolidated.xml")
		v.importReal("ofac/sdn_2021-07-07")
		v.importReal("uk/conlist_csv_2014-04-02")
		if sum, _ := v.importCSV("customers", subjects, false); sum.Added != 3000 {
			t.Fatalf("import: %+v", sum)
		}
		if err := v.e.Configure(ctx, vigil.SetConfig{Set: "customers", FourEyes: vigil.FourEyesNone}, "test"); err != nil {
			t.Fatal(err)
		}
	}
	if len(d.alerts()) < 500 {
		t.Fatalf("only %d alerts: the population does not exercise the lists", len(d.alerts()))
	}
	// The same false-positive decisions in both, so that suppressions
	// and reopenings are compared too: every fifth alert.
	decideSome := func() {
		for _, v := range []*env{d, f} {
			for i, a := range v.alerts() {
				if i%5 == 0 && a.State.Decidable() {
					if _, err := v.e.Decide(ctx, a.ID, vigil.AlertFalsePositive, "namesake", alice, 0); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
	}
	decideSome()
	check := func(step string, wantMode string) {
		t.Helper()
		rd := d.sync(SyncOptions{Reason: step})
		rf := f.sync(SyncOptions{Full: true, Reason: step})
		if rd == nil || rf == nil {
			t.Fatalf("%s: no re-screen run", step)
		}
		if rd.Mode != wantMode {
			t.Errorf("%s: the engine re-screened by %s (%s), want %s", step, rd.Mode, rd.Reason, wantMode)
		}
		c := d.corpus()
		drift, part := weights.Table(c.Epoch).Drift(c.Index.RarityTable())
		t.Logf("%s: the weights drifted by %.3f (%q) from the epoch", step, drift, part)
		got, want := outcome(d.alerts()), outcome(f.alerts())
		if !slices.Equal(got, want) {
			t.Errorf("%s: %s re-screen differs from a full one:\n%s", step, rd.Mode, diffLines(got, want))
		}
		// From scratch: the subjects screened against the current lists
		// alone, with d's weights; the pairs not closed must be the same,
		// with their scores.
		s := newEnv(t)
		ep, err := d.st.CurrentEpoch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.st.AddEpoch(ctx, &ep, 0); err != nil {
			t.Fatal(err)
		}
		s.wopt.MaxDrift = -1
		for _, lv := range mustCurrent(t, d) {
			es, err := d.st.Entities(ctx, lv.List, lv.Version)
			if err != nil {
				t.Fatal(err)
			}
			s.importList(lv.List, es)
		}
		s.importCSV("customers", subjects, false)
		if got, want := pairs(d.alerts()), pairs(s.alerts()); !slices.Equal(got, want) {
			t.Errorf("%s: alerts differ from screening from scratch:\n%s", step, diffLines(got, want))
		}
		t.Logf("%s: %s re-screen of %d subjects: %d opened, %d reopened, %d closed", step, rd.Mode, rd.Done, rd.Opened, rd.Reopened, rd.Closed)
	}

	for _, v := range []*env{d, f} {
		v.importReal("ofac/sdn_2024-05-03")
	}
	check("OFAC SDN 2021 → 2024", "delta")
	decideSome()
	for _, v := range []*env{d, f} {
		v.importReal("uk/conlist_csv_2018-04-13")
	}
	check("UK 2014 → 2018", "delta")
	for _, v := range []*env{d, f} {
		v.importReal("uk/ConList.xlsx")
	}
	check("UK 2018 → 2025", "delta")
	decideSome()

	// Derived from OFAC 2024: dates of birth, nationalities, documents
	// and measures altered, and listings renumbered (removed under one id,
	// added under another with the same names).
	cur := mustEntities(t, d, "ofac_sdn")
	rng := rand.New(rand.NewSource(11))
	derived := make([]vigil.Entity, 0, len(cur))
	for i, e := range cur {
		switch {
		case len(e.BirthDates) > 0 && i%7 == 0:
			e.BirthDates = []vigil.Date{{Year: e.BirthDates[0].Year + 1 + rng.Intn(3), Month: 1 + rng.Intn(12), Day: 1 + rng.Intn(28)}}
		case e.Kind == vigil.KindPerson && i%11 == 0:
			e.BirthDates = append(e.BirthDates, vigil.Date{Year: 1950 + rng.Intn(40)})
			e.Nationalities = []string{"ZZ"}
		case i%13 == 0:
			e.Documents = append(e.Documents, vigil.Document{Type: vigil.DocPassport, Number: fmt.Sprintf("DX%07d", i)})
			e.Measures = append(e.Measures, vigil.MeasureTravelBan)
		case i%17 == 0:
			e.ID, e.Ref = e.ID+"R", e.Ref+"R"
		}
		derived = append(derived, e)
	}
	for _, v := range []*env{d, f} {
		v.importList("ofac_sdn", derived)
	}
	check("OFAC 2024 with dates, nationalities, documents and ids altered", "delta")

	// Derived again: a tenth of the listings dropped and aliases added.
	var fewer []vigil.Entity
	for i, e := range derived {
		if i%10 == 3 {
			continue
		}
		if i%9 == 0 {
			e.Names = append(slices.Clone(e.Names), vigil.Name{Full: e.PrimaryName() + " Jr", Quality: vigil.QualityWeak})
		}
		fewer = append(fewer, e)
	}
	for _, v := range []*env{d, f} {
		v.importList("ofac_sdn", fewer)
	}
	check("OFAC 2024 derived: listings dropped, aliases added", "delta")
}

// pairs lists the alerts not closed by pair and score.
func pairs(as []vigil.Alert) []string {
	var out []string
	for _, a := range as {
		if a.State != vigil.AlertClosed {
			out = append(out, fmt.Sprintf("%s/%s %s %.3f", a.Set, a.SubjectID, a.EntityID, a.Score))
		}
	}
	slices.Sort(out)
	return out
}

func diffLines(got, want []string) string {
	var b strings.Builder
	n := 0
	for _, g := range got {
		if _, ok := slices.BinarySearch(want, g); !ok && n < 20 {
			fmt.Fprintf(&b, "  + %s\n", g)
			n++
		}
	}
	for _, w := range want {
		if _, ok := slices.BinarySearch(got, w); !ok && n < 40 {
			fmt.Fprintf(&b, "  - %s\n", w)
			n++
		}
	}
	return fmt.Sprintf("%d got, %d want\n%s", len(got), len(want), b.String())
}

func mustCurrent(t testing.TB, v *env) []vigil.ListVersion {
	t.Helper()
	cur, err := v.st.Current(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cur
}

func mustEntities(t testing.TB, v *env, list string) []vigil.Entity {
	t.Helper()
	for _, lv := range mustCurrent(t, v) {
		if lv.List == list {
			es, err := v.st.Entities(context.Background(), list, lv.Version)
			if err != nil {
				t.Fatal(err)
			}
			return es
		}
	}
	t.Fatalf("no list %s", list)
	return nil
}
