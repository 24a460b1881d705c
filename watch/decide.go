package watch

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
)

// maxReason bounds a decision's reason.
const maxReason = 4000

// needsApproval reports whether deciding alert a as as needs a second
// reviewer under policy p.
func needsApproval(p vigil.FourEyes, as vigil.AlertState, a *vigil.Alert) bool {
	switch p {
	case vigil.FourEyesNone:
		return false
	case vigil.FourEyesAll:
		return as != vigil.AlertEscalated
	}
	return as == vigil.AlertTrueMatch || (as == vigil.AlertFalsePositive && a.HasMeasure(vigil.MeasureTravelBan))
}

// Decide records a reviewer's decision on an alert: false_positive,
// true_match or escalated, with a reason. Where four eyes apply (the set's
// policy) the alert waits in pending_approval for a second reviewer. An
// alert that is not open or reopened (or escalated, when version names
// its version), or when version > 0 is no longer at that version, is not
// decided: ErrConflict, as when another reviewer decided it first.
func (e *Engine) Decide(ctx context.Context, id int64, as vigil.AlertState, reason string, who vigil.Reviewer, version int) (vigil.Alert, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case !as.IsDecision():
		return vigil.Alert{}, fmt.Errorf("%w: %q is not a decision (false_positive, true_match or escalated)", vigil.ErrInvalid, as)
	case reason == "":
		return vigil.Alert{}, fmt.Errorf("%w: a decision needs a reason", vigil.ErrInvalid)
	case len(reason) > maxReason:
		return vigil.Alert{}, fmt.Errorf("%w: the reason is longer than %d bytes", vigil.ErrInvalid, maxReason)
	case who.ID == "":
		return vigil.Alert{}, fmt.Errorf("%w: a decision needs to know who decides", vigil.ErrForbidden)
	}
	var out vigil.Alert
	err := e.Store.Update(ctx, func(tx vigil.WatchTx) error {
		a, err := tx.Alert(id)
		if err != nil {
			return err
		}
		if !a.State.Decidable() {
			return fmt.Errorf("alert %d is %s, not open: %w", id, a.State, vigil.ErrConflict)
		}
		if version > 0 && a.Version != version {
			return fmt.Errorf("alert %d is at version %d, not %d: %w", id, a.Version, version, vigil.ErrConflict)
		}
		if version == 0 && a.State == vigil.AlertEscalated {
			// Deciding an escalated alert again must say which decision
			// it overrides: two reviewers deciding an open alert at once
			// must not both succeed, one escalating it, the other then
			// deciding it unaware.
			return fmt.Errorf("alert %d is escalated (version %d): name the version to decide it again: %w", id, a.Version, vigil.ErrConflict)
		}
		cfg, err := tx.SetConfig(a.Set)
		if err != nil {
			return err
		}
		now := e.now()
		d := vigil.Decision{AlertID: a.ID, As: as, Reason: reason, By: who.ID, ByName: who.Name, At: now,
			SubjectFingerprint: a.SubjectFingerprint, ListingFingerprint: a.ListingFingerprint,
			SubjectFacts: a.SubjectFacts, ListingFacts: a.ListingFacts, NeedsApproval: needsApproval(cfg.FourEyes, as, &a)}
		next := a
		next.State, next.Changes, next.Updated = as, nil, now
		if d.NeedsApproval {
			next.State = vigil.AlertPending
		}
		if err := tx.UpdateAlert(&next, a.State); err != nil {
			return err
		}
		if err := tx.AddDecision(&d); err != nil {
			return err
		}
		next.Decision = &d
		ap := &applier{tx: tx, now: now, by: who.ID}
		if err := ap.record(&next, vigil.EventAlertDecided, fmt.Sprintf("decided %s: %s", as, reason)); err != nil {
			return err
		}
		out = next
		return nil
	})
	if err != nil {
		return vigil.Alert{}, err
	}
	return out, e.audit(ctx, AuditRecord{Action: "alert.decide", By: who.ID,
		Query:  map[string]any{"alert": id, "as": as, "reason": reason, "subject": out.Set + "/" + out.SubjectID, "entity": out.EntityID},
		Result: map[string]any{"state": out.State, "needs_approval": out.Decision.NeedsApproval, "decision": out.Decision.ID}})
}

// Approve approves the pending decision on an alert, which then takes
// effect. The approver must be another identity than the decider
// (ErrForbidden); an alert not pending approval is ErrConflict.
func (e *Engine) Approve(ctx context.Context, id int64, who vigil.Reviewer) (vigil.Alert, error) {
	if who.ID == "" {
		return vigil.Alert{}, fmt.Errorf("%w: an approval needs to know who approves", vigil.ErrForbidden)
	}
	var out vigil.Alert
	err := e.Store.Update(ctx, func(tx vigil.WatchTx) error {
		a, err := tx.Alert(id)
		if err != nil {
			return err
		}
		d := a.Decision
		if a.State != vigil.AlertPending || d == nil || d.InForce() {
			return fmt.Errorf("alert %d is %s, not pending approval: %w", id, a.State, vigil.ErrConflict)
		}
		if d.By == who.ID {
			return fmt.Errorf("%w: %s decided alert %d and cannot approve their own decision; a second reviewer must", vigil.ErrForbidden, nameOf(who), id)
		}
		now := e.now()
		next := a
		next.State, next.Updated = d.As, now
		if err := tx.UpdateAlert(&next, a.State); err != nil {
			return err
		}
		if err := tx.ApproveDecision(d.ID, who.ID, who.Name, now); err != nil {
			return err
		}
		dd := *d
		dd.ApprovedBy, dd.ApprovedName, dd.ApprovedAt = who.ID, who.Name, now
		next.Decision = &dd
		ap := &applier{tx: tx, now: now, by: who.ID}
		if err := ap.record(&next, vigil.EventAlertApproved, fmt.Sprintf("approved %s decided by %s", d.As, d.By)); err != nil {
			return err
		}
		out = next
		return nil
	})
	if err != nil {
		return vigil.Alert{}, err
	}
	return out, e.audit(ctx, AuditRecord{Action: "alert.approve", By: who.ID,
		Query:  map[string]any{"alert": id, "decision": out.Decision.ID, "decided_by": out.Decision.By},
		Result: map[string]any{"state": out.State}})
}

func nameOf(r vigil.Reviewer) string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

// Recertify reopens, for review, the false-positive suppressions of set
// whose decision is older than age; it returns how many.
func (e *Engine) Recertify(ctx context.Context, set string, age time.Duration, by string) (int, error) {
	if age <= 0 {
		return 0, fmt.Errorf("%w: a recertification age must be positive", vigil.ErrInvalid)
	}
	var n int
	err := e.Store.Update(ctx, func(tx vigil.WatchTx) error {
		var err error
		n, err = e.recertify(tx, set, age, by)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, e.audit(ctx, AuditRecord{Action: "alerts.recertify", By: by,
		Query: map[string]any{"set": set, "older_than": age.String()}, Result: map[string]any{"reopened": n}})
}

func (e *Engine) recertify(tx vigil.WatchTx, set string, age time.Duration, by string) (int, error) {
	now := e.now()
	ids, err := tx.SuppressedBefore(set, now.Add(-age))
	if err != nil {
		return 0, err
	}
	ap := &applier{tx: tx, now: now, by: by}
	for _, id := range ids {
		a, err := tx.Alert(id)
		if err != nil {
			return 0, err
		}
		since := a.Decision.At
		if !a.Decision.ApprovedAt.IsZero() {
			since = a.Decision.ApprovedAt
		}
		why := fmt.Sprintf("recertification: suppressed as a false positive since %s, more than %s ago", since.Format(time.DateOnly), days(age))
		if err := ap.reopen(&a, why); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// recertifyAll recertifies every set configured to.
func (e *Engine) recertifyAll(tx vigil.WatchTx) (int, error) {
	cs, err := tx.SetConfigs()
	if err != nil {
		return 0, err
	}
	total := 0
	for _, c := range cs {
		if c.Recertify <= 0 {
			continue
		}
		n, err := e.recertify(tx, c.Set, c.Recertify, "")
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

// days writes a duration in whole days when it is some ("365d").
func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

// ParseAge reads an age as "365d", "12h" or any time.Duration.
func ParseAge(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		var d int
		if _, err := fmt.Sscanf(n, "%d", &d); err != nil || d <= 0 || d > 100*366 || fmt.Sprint(d) != n {
			return 0, fmt.Errorf("bad age %q: want e.g. 365d (at most 100 years)", s)
		}
		return time.Duration(d) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad age %q: want e.g. 365d or 720h", s)
	}
	return d, nil
}
