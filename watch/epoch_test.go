package watch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/weights"
)

// zorvaths returns 1,500 invented listed people, common of them named
// Zorvath (a part the world does not know: its weight comes from the list
// alone).
func zorvaths(common int) []vigil.Entity {
	es := make([]vigil.Entity, 1500)
	for i := range es {
		last := fmt.Sprintf("Qelmarin%c%c", 'a'+i%26, 'a'+i/26%26)
		if i < common {
			last = "Zorvath"
		}
		es[i] = vigil.Entity{ID: fmt.Sprintf("zv:%d", i), Source: "zv", Ref: fmt.Sprint(i), Kind: vigil.KindPerson,
			Names: []vigil.Name{{Full: fmt.Sprintf("Ubrecht%c%c %s", 'a'+i%26, 'a'+i/26%26, last), Quality: vigil.QualityPrimary}}}
	}
	return es
}

// TestDriftRescreensInFull: list changes that keep the weights are
// re-screened by delta; one that drifts them past weights.MaxDrift begins
// a new epoch and re-screens every subject in full; so does a new epoch
// asked for (Reweigh). A corpus built with an epoch that is no longer
// current is refused.
func TestDriftRescreensInFull(t *testing.T) {
	ctx := context.Background()
	v := newEnv(t)
	v.importList("zv", zorvaths(60)) // 4% hold Zorvath
	v.importCSV("customers", "id,name\nc1,Ubrechtba Zorvath\nc2,Ubrechtcd Qelmarincd\nc3,Someone Else\n", false)
	first := v.corpus().Epoch
	if a := v.alert("customers", "c1", "zv:1"); first.ID == 0 || a.State != vigil.AlertOpen || a.Score != 1 {
		t.Fatalf("epoch %d, c1's alert on zv:1 %+v", first.ID, a)
	}

	// One listing more holds Zorvath: the weights stay, a delta.
	v.importList("zv", zorvaths(61))
	if run := v.sync(SyncOptions{}); run == nil || run.Mode != "delta" || run.Epoch != first.ID {
		t.Fatalf("a small change ran %+v; want a delta in epoch %d", run, first.ID)
	}

	// Half as many: Zorvath's factor moves by about 0.14.
	v.importList("zv", zorvaths(30))
	run := v.sync(SyncOptions{})
	if run == nil || run.Mode != "full" || run.Epoch == first.ID || !strings.Contains(run.Reason, "drifted") || run.Done != 3 {
		t.Fatalf("the drift ran %+v; want a full run over 3 subjects in a new epoch", run)
	}
	ep, err := v.st.CurrentEpoch(ctx)
	if err != nil || ep.ID != run.Epoch {
		t.Fatalf("current epoch %+v, %v; the run screened with %d", ep, err, run.Epoch)
	}
	if a := v.alert("customers", "c1", "zv:1"); a.State != vigil.AlertOpen {
		t.Errorf("c1's alert after the full run: %+v", a)
	}

	// Another process begins an epoch: the corpus built before is stale.
	stale := v.corpus()
	cur, err := v.st.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := weights.Reweigh(ctx, v.st, stale.entries, cur, "asked", weights.Options{}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.e.Sync(ctx, stale, SyncOptions{}); !errors.Is(err, ErrStaleWeights) {
		t.Fatalf("a stale corpus synced: %v", err)
	}
	run = v.sync(SyncOptions{}) // with the new epoch's corpus
	if run == nil || run.Mode != "full" || !strings.Contains(run.Reason, "asked") {
		t.Fatalf("after Reweigh: %+v; want a full run", run)
	}

	// A run recorded by another matcher version (stored as the last run)
	// re-screens in full.
	fin, err := v.st.LastFinishedRun(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fin.ID, fin.Matcher = 0, "match-0"
	if err := v.st.Update(ctx, func(tx vigil.WatchTx) error { return tx.StartRun(&fin) }); err != nil {
		t.Fatal(err)
	}
	if run := v.sync(SyncOptions{}); run == nil || run.Mode != "full" || !strings.Contains(run.Reason, "match-0 → "+match.Version) {
		t.Fatalf("after a matcher change: %+v", run)
	}
}
