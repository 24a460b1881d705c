package watch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

const customers = `id,name,dob,nationality,branch
c1,Qassem Suleimani,1957-03-11,IR,north
c2,Anna Marie O'Brien,1980-02-02,IE,south
c3,Ivan Sidorenko,1961-04-04,RU,north
c4,Marko Zelenko,,HR,east
`

func TestImportScreensAndIsIdempotent(t *testing.T) {
	v := newEnv(t)
	v.importList("fx", fixture())
	sum, bad := v.importCSV("customers", customers, false)
	if sum.Added != 4 || sum.Bad != 0 || len(bad) != 0 || sum.Opened < 3 {
		t.Fatalf("first import: %+v bad %v", sum, bad)
	}
	as := v.alerts()
	var pairs []string
	for _, a := range as {
		pairs = append(pairs, a.SubjectID+" "+a.EntityID+" "+string(a.State))
		if a.Matcher != match.Version || a.ListVersion != "fx@1" || a.SubjectFingerprint == "" || a.ListingFingerprint == "" {
			t.Errorf("alert %+v lacks its matcher, version or fingerprints", a)
		}
	}
	for _, want := range []string{"c1 fx:1 open", "c3 fx:2 open", "c4 fx:3 open"} {
		if !slices.Contains(pairs, want) {
			t.Errorf("no alert %q in %v", want, pairs)
		}
	}
	if slices.ContainsFunc(pairs, func(p string) bool { return strings.HasPrefix(p, "c2 ") }) {
		t.Errorf("Anna Marie O'Brien alerted: %v", pairs)
	}
	s, err := v.st.Subject(context.Background(), "customers", "c2")
	if err != nil || s.Labels["branch"] != "south" || s.Labels["name"] != "" || s.Nationality != "IE" {
		t.Errorf("subject c2 = %+v, %v; want labels {branch: south} only", s, err)
	}
	// The same file again changes nothing.
	sum, _ = v.importCSV("customers", customers, false)
	if sum.Unchanged != 4 || sum.Added+sum.Updated+sum.Opened+sum.Closed != 0 {
		t.Errorf("second import: %+v", sum)
	}
	if got := outcome(v.alerts()); !slices.Equal(got, outcome(as)) {
		t.Errorf("alerts moved on a second import:\n%v\nwant\n%v", got, outcome(as))
	}
}

func TestImportBadRowsAndSync(t *testing.T) {
	v := newEnv(t)
	v.importList("fx", fixture())
	v.importCSV("customers", customers, false)
	// c4 leaves, c3's date of birth is impossible (c3 is kept and screened
	// without it, and the row is named), c5 is new, c6 has no id, c1
	// repeats.
	next := `id,name,dob,nationality,branch
c1,Qassem Suleimani,1957-03-11,IR,north
c2,Anna Marie O'Brien,1980-02-02,IE,south
c3,Ivan Sidorenko,1961-13-45,RU,north
c5,Northern Star Shipping,,,west
,Nobody In Particular,,,west
c1,Qasem Soleimani,,,again
`
	sum, bad := v.importCSV("customers", next, true)
	if !slices.Equal(bad, []int{6, 7}) {
		t.Errorf("bad rows %v, want [6 7]", bad)
	}
	if sum.Added != 1 || sum.Removed != 1 || sum.Bad != 2 || sum.Problems != 1 || sum.Updated != 1 || sum.Unchanged != 2 {
		t.Errorf("sync import: %+v", sum)
	}
	if _, err := v.st.Subject(context.Background(), "customers", "c3"); err != nil {
		t.Errorf("c3, whose row was bad, was removed: %v", err)
	}
	if _, err := v.st.Subject(context.Background(), "customers", "c4"); !errors.Is(err, vigil.ErrNotFound) {
		t.Errorf("c4 still watched: %v", err)
	}
	a := v.alert("customers", "c4", "fx:3")
	if a.State != vigil.AlertClosed || a.Cause != vigil.CauseSubjectRemoved {
		t.Errorf("c4's alert is %s (%s), want closed subject_removed", a.State, a.Cause)
	}
	// An empty file never empties a set.
	rd := "id,name\n"
	if _, err := importErr(v, "customers", rd, true); !errors.Is(err, vigil.ErrInvalid) {
		t.Errorf("sync with an empty file: %v, want ErrInvalid", err)
	}
}

func importErr(v *env, set, csv string, sync bool) (vigil.SubjectImport, error) {
	rd, err := openCSV(csv)
	if err != nil {
		return vigil.SubjectImport{}, err
	}
	return v.e.Import(context.Background(), v.corpus(), rd, ImportOptions{Set: set, Sync: sync})
}

var alice = vigil.Reviewer{ID: "key_alice", Name: "alice"}
var bob = vigil.Reviewer{ID: "key_bob", Name: "bob"}

// TestSuppressionAndReopening: a false positive stays suppressed through
// re-screens while nothing it rests on changes, and reopens, saying what
// changed, when the listing gains an alias or the subject's birth date is
// corrected.
func TestSuppressionAndReopening(t *testing.T) {
	ctx := context.Background()
	v := newEnv(t)
	es := fixture()
	v.importList("fx", es)
	v.importCSV("customers", customers, false)
	a := v.alert("customers", "c3", "fx:2")
	// fx:2 carries no travel ban: a false positive needs no approval.
	d, err := v.e.Decide(ctx, a.ID, vigil.AlertFalsePositive, "another Ivan Sidorenko: born in Kyiv, not Moscow", alice, a.Version)
	if err != nil || d.State != vigil.AlertFalsePositive || d.Decision.NeedsApproval {
		t.Fatalf("decide: %+v, %v", d, err)
	}
	// A new version changing another listing leaves it suppressed.
	es2 := fixture()
	es2[3].Names = append(es2[3].Names, vigil.Name{Full: "Northern Star Shipping Company", Quality: vigil.QualityStrong})
	v.importList("fx", es2)
	v.sync(SyncOptions{})
	if got := v.alert("customers", "c3", "fx:2"); got.State != vigil.AlertFalsePositive {
		t.Fatalf("after an unrelated change the alert is %s", got.State)
	}
	// The listing gains an alias: the suppression reopens.
	es3 := fixture()
	es3[1].Names = append(es3[1].Names, vigil.Name{Full: "Ivan Sidorenko", Quality: vigil.QualityStrong})
	v.importList("fx", es3)
	v.sync(SyncOptions{})
	got := v.alert("customers", "c3", "fx:2")
	if got.State != vigil.AlertReopened || !slices.Contains(got.Changes, "listing: name added: Ivan Sidorenko") {
		t.Fatalf("after the listing gained an alias: %s %q", got.State, got.Changes)
	}
	// Decided again, then the customer's birth date is corrected.
	if _, err := v.e.Decide(ctx, got.ID, vigil.AlertFalsePositive, "still another man", bob, 0); err != nil {
		t.Fatal(err)
	}
	v.importCSV("customers", strings.Replace(customers, "c3,Ivan Sidorenko,1961-04-04", "c3,Ivan Sidorenko,1961-04-05", 1), false)
	got = v.alert("customers", "c3", "fx:2")
	if got.State != vigil.AlertReopened || !slices.Contains(got.Changes, "subject: date of birth 1961-04-04 → 1961-04-05") {
		t.Fatalf("after the subject's birth date changed: %s %q", got.State, got.Changes)
	}
	ds, hist, err := v.st.AlertHistory(ctx, got.ID)
	if err != nil || len(ds) != 2 || len(hist) < 5 {
		t.Errorf("history: %d decisions, %d entries, %v", len(ds), len(hist), err)
	}
	// Every state change was reported as an event.
	evs, err := v.st.EventsAfter(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		if strings.Contains(string(e.Data), `"subject_id":"c3"`) && strings.Contains(string(e.Data), `"entity_id":"fx:2"`) {
			types = append(types, e.Type)
		}
	}
	want := []string{vigil.EventAlertOpened, vigil.EventAlertDecided, vigil.EventAlertReopened, vigil.EventAlertDecided, vigil.EventAlertReopened}
	if !slices.Equal(types, want) {
		t.Errorf("events %v, want %v", types, want)
	}
}

// TestFourEyes: a true match, and a false positive on a travel-ban
// listing, wait for a second reviewer; the decider cannot approve; a
// decided alert cannot be decided again; per-set policies apply.
func TestFourEyes(t *testing.T) {
	ctx := context.Background()
	v := newEnv(t)
	v.importList("fx", fixture())
	v.importCSV("customers", customers, false)
	soleimani := v.alert("customers", "c1", "fx:1") // travel ban
	a, err := v.e.Decide(ctx, soleimani.ID, vigil.AlertFalsePositive, "namesake", alice, 0)
	if err != nil || a.State != vigil.AlertPending || !a.Decision.NeedsApproval {
		t.Fatalf("false positive on a travel ban: %s, %v", a.State, err)
	}
	if _, err := v.e.Approve(ctx, a.ID, alice); !errors.Is(err, vigil.ErrForbidden) {
		t.Errorf("self-approval: %v, want ErrForbidden", err)
	}
	if _, err := v.e.Decide(ctx, a.ID, vigil.AlertTrueMatch, "no, him", bob, 0); !errors.Is(err, vigil.ErrConflict) {
		t.Errorf("deciding a pending alert: %v, want ErrConflict", err)
	}
	a, err = v.e.Approve(ctx, a.ID, bob)
	if err != nil || a.State != vigil.AlertFalsePositive || a.Decision.ApprovedBy != bob.ID {
		t.Fatalf("approval: %+v, %v", a, err)
	}
	if _, err := v.e.Approve(ctx, a.ID, bob); !errors.Is(err, vigil.ErrConflict) {
		t.Errorf("approving twice: %v, want ErrConflict", err)
	}
	// A true match needs approval even without a travel ban.
	ivan := v.alert("customers", "c3", "fx:2")
	if a, err = v.e.Decide(ctx, ivan.ID, vigil.AlertTrueMatch, "same passport", alice, 0); err != nil || a.State != vigil.AlertPending {
		t.Errorf("true match: %s, %v", a.State, err)
	}
	// Escalation needs none; a reason is required.
	marko := v.alert("customers", "c4", "fx:3")
	if _, err := v.e.Decide(ctx, marko.ID, vigil.AlertEscalated, "  ", alice, 0); !errors.Is(err, vigil.ErrInvalid) {
		t.Errorf("no reason: %v, want ErrInvalid", err)
	}
	if _, err := v.e.Decide(ctx, marko.ID, vigil.AlertClosed, "x", alice, 0); !errors.Is(err, vigil.ErrInvalid) {
		t.Errorf("closing by decision: %v, want ErrInvalid", err)
	}
	if a, err = v.e.Decide(ctx, marko.ID, vigil.AlertEscalated, "ask the MLRO", alice, 0); err != nil || a.State != vigil.AlertEscalated {
		t.Errorf("escalation: %s, %v", a.State, err)
	}
	// A stale version conflicts; an escalated alert is decided again
	// only at its version.
	if _, err := v.e.Decide(ctx, marko.ID, vigil.AlertFalsePositive, "x", bob, marko.Version); !errors.Is(err, vigil.ErrConflict) {
		t.Errorf("deciding an old version: %v, want ErrConflict", err)
	}
	if _, err := v.e.Decide(ctx, marko.ID, vigil.AlertFalsePositive, "x", bob, 0); !errors.Is(err, vigil.ErrConflict) {
		t.Errorf("deciding an escalated alert without its version: %v, want ErrConflict", err)
	}
	if a, err = v.e.Decide(ctx, marko.ID, vigil.AlertFalsePositive, "the MLRO says: another Marko", bob, a.Version); err != nil || a.State != vigil.AlertPending {
		t.Errorf("deciding an escalated alert at its version: %s, %v", a.State, err)
	}
	// A set with four eyes off.
	if err := v.e.Configure(ctx, vigil.SetConfig{Set: "staff", FourEyes: vigil.FourEyesNone}, "admin"); err != nil {
		t.Fatal(err)
	}
	v.importCSV("staff", "id,name\ns1,Qasem Soleimani\n", false)
	s1 := v.alert("staff", "s1", "fx:1")
	if a, err = v.e.Decide(ctx, s1.ID, vigil.AlertTrueMatch, "it is him", alice, 0); err != nil || a.State != vigil.AlertTrueMatch {
		t.Errorf("four eyes off: %s, %v", a.State, err)
	}
}

// TestDelistedCloses: a listing that leaves the lists closes its alerts as
// delisted (kept, with history); one that comes back reopens them.
func TestDelistedCloses(t *testing.T) {
	v := newEnv(t)
	v.importList("fx", fixture())
	v.importCSV("customers", customers, false)
	without := slices.DeleteFunc(fixture(), func(e vigil.Entity) bool { return e.ID == "fx:2" })
	v.importList("fx", without)
	run := v.sync(SyncOptions{})
	a := v.alert("customers", "c3", "fx:2")
	if a.State != vigil.AlertClosed || a.Cause != vigil.CauseDelisted || run.Closed != 1 {
		t.Fatalf("after fx:2 was delisted its alert is %s (%s); run %+v", a.State, a.Cause, run)
	}
	if other := v.alert("customers", "c1", "fx:1"); other.State != vigil.AlertOpen {
		t.Errorf("an alert on a listing that stayed is %s", other.State)
	}
	back := fixture()
	back[3].Remarks = "another version, with fx:2 listed again"
	v.importList("fx", back)
	v.sync(SyncOptions{})
	a = v.alert("customers", "c3", "fx:2")
	if a.State != vigil.AlertReopened || len(a.Changes) == 0 || !strings.Contains(a.Changes[0], "delisted") {
		t.Errorf("after fx:2 came back: %s %q", a.State, a.Changes)
	}
}

// TestRecertify: false-positive suppressions decided longer ago than a
// set's recertification age reopen at the next re-screen, saying why;
// younger ones stay.
func TestRecertify(t *testing.T) {
	ctx := context.Background()
	v := newEnv(t)
	now := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	v.e.Now = func() time.Time { return now }
	v.importList("fx", fixture())
	v.importCSV("customers", customers, false)
	if err := v.e.Configure(ctx, vigil.SetConfig{Set: "customers", FourEyes: vigil.FourEyesNone, Recertify: 365 * 24 * time.Hour}, "admin"); err != nil {
		t.Fatal(err)
	}
	old := v.alert("customers", "c3", "fx:2")
	if _, err := v.e.Decide(ctx, old.ID, vigil.AlertFalsePositive, "another Ivan", alice, 0); err != nil {
		t.Fatal(err)
	}
	now = now.AddDate(0, 6, 0)
	young := v.alert("customers", "c4", "fx:3")
	if _, err := v.e.Decide(ctx, young.ID, vigil.AlertFalsePositive, "another Marko", alice, 0); err != nil {
		t.Fatal(err)
	}
	now = now.AddDate(0, 7, 0) // 13 months after the first decision, 7 after the second
	es := fixture()
	es[3].Remarks = "a change that moves no alert"
	v.importList("fx", es)
	run := v.sync(SyncOptions{})
	got := v.alert("customers", "c3", "fx:2")
	if got.State != vigil.AlertReopened || len(got.Changes) != 1 || !strings.Contains(got.Changes[0], "recertification") || !strings.Contains(got.Changes[0], "2026-01-10") {
		t.Errorf("the year-old suppression: %s %q", got.State, got.Changes)
	}
	if y := v.alert("customers", "c4", "fx:3"); y.State != vigil.AlertFalsePositive {
		t.Errorf("the 7-month-old suppression is %s", y.State)
	}
	if run == nil || run.Reopened != 1 {
		t.Errorf("run %+v: want 1 reopened", run)
	}
	// The command's own recertification, by age.
	n, err := v.e.Recertify(ctx, "customers", 30*24*time.Hour, "cli")
	if err != nil || n != 1 {
		t.Errorf("recertify 30d: %d, %v; want 1 (c4's)", n, err)
	}
}

// TestDeltaScreensTheChanges: a list change is re-screened by delta, names
// changed included: every subject is screened against the listings that
// changed, and only their alerts move. A listing renamed away from its
// subject closes as below_threshold, one removed as delisted, one gaining
// a namesake's name opens, and the alerts of unchanged listings stay as
// they were.
func TestDeltaScreensTheChanges(t *testing.T) {
	v := newEnv(t)
	v.importList("fx", fixture())
	v.importCSV("customers", customers, false)
	before := v.alerts()
	if len(before) != 3 {
		t.Fatalf("%d alerts, want c1's, c3's and c4's", len(before))
	}
	es := fixture()
	es[0].BirthDates = []vigil.Date{{Year: 1958}}                                                  // c1 still matches
	es[1].Names = []vigil.Name{{Full: "Pyotr Ivanovich Kuznetsov", Quality: vigil.QualityPrimary}} // c3 no longer
	es = append(es[:2], es[3:]...)                                                                 // fx:3 (c4's) removed
	es = append(es, vigil.Entity{ID: "fx:5", Source: "fx", Ref: "5", Kind: vigil.KindPerson,
		Names: []vigil.Name{{Full: "Anna Maria OBrien", Quality: vigil.QualityPrimary}}}) // c2's namesake
	v.importList("fx", es)
	run := v.sync(SyncOptions{})
	if run.Mode != "delta" || run.Done != 4 || run.Opened != 1 || run.Closed != 2 {
		t.Errorf("run %+v: want a delta over the 4 subjects, 1 opened, 2 closed", run)
	}
	want := map[string]string{"c1 fx:1": "open", "c3 fx:2": "closed below_threshold", "c4 fx:3": "closed delisted", "c2 fx:5": "open"}
	for _, a := range v.alerts() {
		got := string(a.State)
		if a.Cause != "" {
			got += " " + a.Cause
		}
		if k := a.SubjectID + " " + a.EntityID; want[k] != got {
			t.Errorf("%s: %s, want %q", k, got, want[k])
		}
	}
	if a := v.alert("customers", "c1", "fx:1"); a.ListingFingerprint == before[0].ListingFingerprint {
		t.Errorf("c1's alert kept the old listing's fingerprint")
	}
	// Nothing changed: nothing to do.
	if run := v.sync(SyncOptions{}); run != nil {
		t.Errorf("a second sync ran %+v", run)
	}
}

// TestEveryMatchIsAnAlert: a subject matching more listings than a query
// returns by default gets an alert for each, through every path.
func TestEveryMatchIsAnAlert(t *testing.T) {
	var es []vigil.Entity
	for i := range 14 {
		es = append(es, vigil.Entity{ID: fmt.Sprintf("mx:%d", i), Source: "mx", Ref: fmt.Sprint(i), Kind: vigil.KindPerson,
			Names: []vigil.Name{{Full: "Qasem Soleimani", Quality: vigil.QualityPrimary}}})
	}
	v := newEnv(t)
	v.importList("mx", es)
	v.importCSV("customers", "id,name\nc1,Qasem Soleimani\n", false)
	if n := len(v.alerts()); n != 14 {
		t.Errorf("import: %d alerts, want 14", n)
	}
	if _, _, err := v.e.Put(context.Background(), v.corpus(), vigil.Subject{Set: "staff", ID: "s1", Name: "Qasem Soleimani"}, "test"); err != nil {
		t.Fatal(err)
	}
	v.sync(SyncOptions{Full: true})
	if n := len(v.alerts()); n != 28 {
		t.Errorf("after a put and a full re-screen: %d alerts, want 28", n)
	}
}

// TestBusyEngineHonoursContext: a subject write waiting for a re-screen
// gives up when its request ends, rather than outliving it.
func TestBusyEngineHonoursContext(t *testing.T) {
	v := newEnv(t)
	v.importList("fx", fixture())
	c := v.corpus()
	if err := v.e.lock(context.Background()); err != nil { // a run in progress
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := v.e.Put(ctx, c, vigil.Subject{Set: "customers", ID: "c1", Name: "Qasem Soleimani"}, "test")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "waiting") {
		t.Errorf("put while busy: %v", err)
	}
	v.e.unlock()
	if _, _, err := v.e.Put(context.Background(), c, vigil.Subject{Set: "customers", ID: "c1", Name: "Qasem Soleimani"}, "test"); err != nil {
		t.Errorf("put once free: %v", err)
	}
}

// TestFingerprints: a change of any fingerprinted field changes the
// fingerprint; moving text between fields does too.
func TestFingerprints(t *testing.T) {
	base := vigil.SubjectFacts{Name: "Ivan Sidorenko", DOB: "1961-04-04", Nationality: "RU", Gender: "male", IDNumber: "X1", Kind: vigil.KindPerson}
	seen := map[string]string{Fingerprint(base): "base"}
	for name, f := range map[string]vigil.SubjectFacts{
		"name": {Name: "Ivan Sidorenk", DOB: base.DOB, Nationality: "RU", Gender: "male", IDNumber: "X1", Kind: vigil.KindPerson},
		"dob":  {Name: base.Name, DOB: "1961-04-05", Nationality: "RU", Gender: "male", IDNumber: "X1", Kind: vigil.KindPerson},
		"nat":  {Name: base.Name, DOB: base.DOB, Nationality: "UA", Gender: "male", IDNumber: "X1", Kind: vigil.KindPerson},
		"doc":  {Name: base.Name, DOB: base.DOB, Nationality: "RU", Gender: "male", IDNumber: "X2", Kind: vigil.KindPerson},
		"kind": {Name: base.Name, DOB: base.DOB, Nationality: "RU", Gender: "male", IDNumber: "X1"},
		"move": {Name: base.Name + "1961-04-04", Nationality: "RU", Gender: "male", IDNumber: "X1", Kind: vigil.KindPerson},
	} {
		fp := Fingerprint(f)
		if other, ok := seen[fp]; ok {
			t.Errorf("%s hashes as %s", name, other)
		}
		seen[fp] = name
	}
	l := vigil.ListingFacts{Names: []string{"A", "B"}, BirthDates: []string{"1960"}}
	m := vigil.ListingFacts{Names: []string{"A"}, BirthDates: []string{"B", "1960"}}
	if Fingerprint(l) == Fingerprint(m) {
		t.Error("a name moved into the birth dates hashes alike")
	}
	if Fingerprint(l) != Fingerprint(ListingFacts(&vigil.Entity{Names: []vigil.Name{{Full: "B"}, {Full: "A"}}, BirthDates: []vigil.Date{{Year: 1960}}})) {
		t.Error("the listing's facts are not sorted before hashing")
	}
}
