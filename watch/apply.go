package watch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/screen"
)

// applier carries screening outcomes into alerts within one transaction,
// counting what it changed.
type applier struct {
	tx  vigil.WatchTx
	c   *Corpus
	now time.Time
	by  string
	// Changes made.
	opened, reopened, closed int
}

func (e *Engine) newApplier(tx vigil.WatchTx, c *Corpus) *applier {
	return &applier{tx: tx, c: c, now: e.now()}
}

// applyBlock applies the matches of a block of screened subjects (subs[i]
// is the subject of block[i]; nil for a bad row).
func (ap *applier) applyBlock(subs []*vigil.StoredSubject, block []screen.BatchRow) error {
	rows := make([]int64, 0, len(subs))
	for i, s := range subs {
		if s != nil && block[i].Record.Err == nil {
			rows = append(rows, s.Row)
		}
	}
	slices.Sort(rows)
	existing, err := ap.tx.AlertsOfRows(rows)
	if err != nil {
		return err
	}
	for i, s := range subs {
		if s == nil || block[i].Record.Err != nil {
			continue
		}
		if err := ap.apply(s, block[i].Matches, existing[s.Row]); err != nil {
			return err
		}
	}
	return nil
}

// apply brings a subject's alerts in line with its matches: a new pair
// opens an alert; a pair alerted before is updated, a suppressed one
// reopening when either side's data changed since the decision and a
// closed one coming back; an alert whose pair no longer matches closes,
// as delisted when its listing left the lists.
func (ap *applier) apply(sub *vigil.StoredSubject, ms []vigil.Match, existing []vigil.Alert) error {
	byEntity := make(map[string]*vigil.Alert, len(existing))
	for i := range existing {
		byEntity[existing[i].EntityID] = &existing[i]
	}
	sf := SubjectFacts(&sub.Subject)
	sfp := sub.Fingerprint
	if sfp == "" {
		sfp = Fingerprint(sf)
	}
	seen := make(map[string]bool, len(ms))
	for _, m := range ms {
		if seen[m.EntityID] {
			continue // listed twice under one id: the best (first) stands
		}
		seen[m.EntityID] = true
		var lf vigil.ListingFacts
		if e, _, ok := ap.c.Index.Entity(m.EntityID); ok {
			lf = ListingFacts(e)
		}
		next := vigil.Alert{Set: sub.Set, SubjectID: sub.ID, EntityID: m.EntityID, List: listOf(m.ListVersion), State: vigil.AlertOpen,
			Score: m.Score, ListVersion: m.ListVersion, LastVersion: m.ListVersion, Matcher: match.Version, Measures: m.Measures,
			Match: m, SubjectFingerprint: sfp, ListingFingerprint: Fingerprint(lf), SubjectFacts: sf, ListingFacts: lf,
			Opened: ap.now, Updated: ap.now}
		a := byEntity[m.EntityID]
		if a == nil {
			if err := ap.tx.InsertAlert(sub.Row, &next); err != nil {
				return err
			}
			ap.opened++
			if err := ap.record(&next, vigil.EventAlertOpened, "found"); err != nil {
				return err
			}
			continue
		}
		if err := ap.update(a, next); err != nil {
			return err
		}
	}
	for i := range existing {
		a := &existing[i]
		if seen[a.EntityID] || a.State == vigil.AlertClosed {
			continue
		}
		cause := vigil.CauseBelowThreshold
		if _, _, ok := ap.c.Index.Entity(a.EntityID); !ok {
			cause = vigil.CauseDelisted
		}
		if err := ap.close(a, cause); err != nil {
			return err
		}
	}
	return nil
}

// update carries a new screening of a pair alerted before into its alert.
func (ap *applier) update(a *vigil.Alert, fresh vigil.Alert) error {
	next := *a
	next.List, next.Score, next.LastVersion, next.Matcher = fresh.List, fresh.Score, fresh.LastVersion, fresh.Matcher
	next.Measures, next.Match = fresh.Measures, fresh.Match
	next.SubjectFingerprint, next.ListingFingerprint = fresh.SubjectFingerprint, fresh.ListingFingerprint
	next.SubjectFacts, next.ListingFacts = fresh.SubjectFacts, fresh.ListingFacts
	d := a.Decision
	event, note := "", ""
	switch a.State {
	case vigil.AlertFalsePositive:
		if d != nil && (d.SubjectFingerprint != next.SubjectFingerprint || d.ListingFingerprint != next.ListingFingerprint) {
			next.State = vigil.AlertReopened
			next.Changes = changes(d.SubjectFacts, next.SubjectFacts, d.ListingFacts, next.ListingFacts)
			event, note = vigil.EventAlertReopened, "the data the false-positive decision rests on changed"
		}
	case vigil.AlertClosed:
		next.Cause = ""
		if d != nil && d.As == vigil.AlertFalsePositive && d.InForce() &&
			d.SubjectFingerprint == next.SubjectFingerprint && d.ListingFingerprint == next.ListingFingerprint {
			next.State, note = vigil.AlertFalsePositive, "matches again; the false-positive decision still holds"
			break
		}
		next.State = vigil.AlertReopened
		next.Changes = append([]string{"matches again since it closed (" + a.Cause + ")"},
			changes(a.SubjectFacts, next.SubjectFacts, a.ListingFacts, next.ListingFacts)...)
		event, note = vigil.EventAlertReopened, "matches again"
	}
	if sameAlert(a, &next) {
		return nil
	}
	next.Updated = ap.now
	if err := ap.tx.UpdateAlert(&next, a.State); err != nil {
		return err
	}
	changedState := next.State != a.State
	*a = next
	if !changedState {
		return nil
	}
	if next.State == vigil.AlertReopened {
		ap.reopened++
	}
	return ap.record(a, event, note)
}

// close closes an alert with a cause.
func (ap *applier) close(a *vigil.Alert, cause string) error {
	next := *a
	next.State, next.Cause, next.Changes, next.Updated = vigil.AlertClosed, cause, nil, ap.now
	if err := ap.tx.UpdateAlert(&next, a.State); err != nil {
		return err
	}
	*a = next
	ap.closed++
	return ap.record(a, vigil.EventAlertClosed, "")
}

// reopen reopens a suppressed alert for review, saying why.
func (ap *applier) reopen(a *vigil.Alert, why string) error {
	next := *a
	next.State, next.Changes, next.Updated = vigil.AlertReopened, []string{why}, ap.now
	if err := ap.tx.UpdateAlert(&next, a.State); err != nil {
		return err
	}
	*a = next
	ap.reopened++
	return ap.record(a, vigil.EventAlertReopened, why)
}

// record appends an alert's state to its history and, when event is set,
// the event to the event log.
func (ap *applier) record(a *vigil.Alert, event, note string) error {
	if err := ap.tx.AddHistory(a.ID, vigil.AlertEvent{At: ap.now, State: a.State, Cause: a.Cause, By: ap.by, Note: note}); err != nil {
		return err
	}
	if event == "" {
		return nil
	}
	data, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("alert %d: %w", a.ID, err)
	}
	return ap.tx.AppendEvent(vigil.Event{Type: event, Time: ap.now, Data: data})
}

// sameAlert reports whether b stores what a does (but the times).
func sameAlert(a, b *vigil.Alert) bool {
	x, y := *a, *b
	x.Updated, y.Updated = time.Time{}, time.Time{}
	bx, err1 := json.Marshal(x)
	by, err2 := json.Marshal(y)
	return err1 == nil && err2 == nil && bytes.Equal(bx, by)
}
