package watch

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
)

// killList is an invented list of many listings, some of whose names the
// population below shares; version 2 adds listings and changes names, so
// that re-screening is full.
func killList(version int) []vigil.Entity {
	es := fixture()
	given := []string{"Karim", "Yusuf", "Leila", "Omar", "Farida", "Tariq", "Nadia", "Samir"}
	family := []string{"Haddad", "Nasser", "Khoury", "Saleh", "Aziz", "Rahimi", "Tahan", "Mansour"}
	n := 300
	if version > 1 {
		n = 360
	}
	for i := range n {
		name := fmt.Sprintf("%s %s %s", given[i%8], family[(i/8)%8], family[(i/64)%8])
		if version > 1 && i%4 == 0 {
			name += " Al-Amin"
		}
		es = append(es, vigil.Entity{ID: fmt.Sprintf("kl:%d", i), Source: "kl", Ref: fmt.Sprint(i), Kind: vigil.KindPerson,
			Names: []vigil.Name{{Full: name, Quality: vigil.QualityPrimary}}, BirthDates: []vigil.Date{{Year: 1950 + i%40}}})
	}
	return es
}

func killPopulation() string {
	var b strings.Builder
	b.WriteString("id,name,dob\n")
	given := []string{"Karim", "Yusuf", "Leila", "Omar", "Farida", "Tariq", "Nadia", "Samir", "John", "Maria"}
	family := []string{"Haddad", "Nasser", "Khoury", "Saleh", "Aziz", "Rahimi", "Tahan", "Mansour", "Smith", "Garcia", "Novak"}
	for i := range 6000 {
		fmt.Fprintf(&b, "p%d,%s %s %s,%d\n", i, given[i%10], family[(i/10)%11], family[(i/110)%11], 1950+i%45)
	}
	return b.String()
}

// TestKillDuringRescreen kills (SIGKILL) a process in the middle of a
// re-screen, a delta (the list change) and a full one (asked for), and
// runs the re-screen again: it resumes the same run, and the alerts and
// events end as those of a run that was never interrupted, with none
// twice.
func TestKillDuringRescreen(t *testing.T) {
	for _, mode := range []string{"delta", "full"} {
		t.Run(mode, func(t *testing.T) { killDuringRescreen(t, mode) })
	}
}

func killDuringRescreen(t *testing.T, mode string) {
	full := mode == "full"
	// A delta stores only the subjects whose alerts change (a few
	// hundred here): in blocks of 8, so that it is killed half-way.
	window := 512
	if !full {
		window = 16
	}
	dir := t.TempDir()
	killed, whole := filepath.Join(dir, "killed.db"), filepath.Join(dir, "whole.db")
	for _, p := range []string{killed, whole} {
		v := openEnv(t, p)
		v.importList("kl", killList(1))
		v.e.Window = 512
		if sum, _ := v.importCSV("people", killPopulation(), false); sum.Added != 6000 || sum.Opened == 0 {
			t.Fatalf("import: %+v", sum)
		}
		v.importList("kl", killList(2))
		v.st.Close()
	}

	cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "VIGIL_WATCH_KILL_DB="+killed, fmt.Sprintf("VIGIL_WATCH_KILL_FULL=%v", full), fmt.Sprintf("VIGIL_WATCH_KILL_WINDOW=%d", window))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	blocks := 0
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "stored block") {
			if blocks++; blocks == 4 {
				if err := cmd.Process.Kill(); err != nil { // SIGKILL
					t.Fatal(err)
				}
				break
			}
		}
	}
	go io.Copy(io.Discard, out)
	cmd.Wait()
	if blocks < 4 {
		t.Fatalf("the helper stored %d blocks before ending by itself", blocks)
	}

	k := openEnv(t, killed)
	k.e.Window = window
	run, err := k.st.LastRun(context.Background())
	if err != nil || !run.Finished.IsZero() || run.Cursor == 0 || run.Mode != mode {
		t.Fatalf("after the kill the run is %+v, %v; want a %s run stopped half-way", run, err, mode)
	}
	resumed := k.sync(SyncOptions{Full: full})
	if resumed == nil || resumed.ID != run.ID || resumed.Finished.IsZero() || resumed.Done != resumed.Total {
		t.Fatalf("resumed run %+v, want run %d finished", resumed, run.ID)
	}
	w := openEnv(t, whole)
	w.e.Window = 512
	w.sync(SyncOptions{Full: full})
	got, want := outcome(k.alerts()), outcome(w.alerts())
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("alerts after a kill and a resume differ from an uninterrupted run:\n%s", diffLines(got, want))
	}
	if ek, ew := eventCounts(t, k), eventCounts(t, w); ek != ew {
		t.Errorf("events after a kill and a resume %s, uninterrupted %s", ek, ew)
	}
}

// eventCounts counts the events by type, failing on an alert reported
// opened twice.
func eventCounts(t *testing.T, v *env) string {
	evs, err := v.st.EventsAfter(context.Background(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	opened := map[string]bool{}
	for _, e := range evs {
		n[e.Type]++
		if e.Type == vigil.EventAlertOpened {
			var a vigil.Alert
			if err := json.Unmarshal(e.Data, &a); err != nil {
				t.Fatal(err)
			}
			key := a.Set + "/" + a.SubjectID + " " + a.EntityID
			if opened[key] {
				t.Errorf("alert opened twice: %s", key)
			}
			opened[key] = true
		}
	}
	return fmt.Sprint(n)
}

// TestKillHelper is the process TestKillDuringRescreen kills: it re-screens
// the store it is given, slowly, saying when each block is stored.
func TestKillHelper(t *testing.T) {
	path := os.Getenv("VIGIL_WATCH_KILL_DB")
	if path == "" {
		t.Skip("run by TestKillDuringRescreen")
	}
	v := openEnv(t, path)
	v.e.Window, _ = strconv.Atoi(os.Getenv("VIGIL_WATCH_KILL_WINDOW"))
	v.e.blockHook = func(r *vigil.WatchRun) {
		fmt.Printf("stored block: run %d, %d of %d\n", r.ID, r.Done, r.Total)
		time.Sleep(100 * time.Millisecond)
	}
	v.sync(SyncOptions{Full: os.Getenv("VIGIL_WATCH_KILL_FULL") == "true"})
	fmt.Println("finished")
}
