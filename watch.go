package vigil

import (
	"context"
	"errors"
	"time"
)

// Subject is one watched customer, counterparty, employee or traveller: an
// external id, unique within its set (a portfolio such as "customers" or
// "travellers"), the screening fields of a Query and free labels.
type Subject struct {
	Set string `json:"set"`
	ID  string `json:"id"`

	Name        string `json:"name"`
	DOB         string `json:"dob,omitempty"`         // YYYY, YYYY-MM or YYYY-MM-DD
	Nationality string `json:"nationality,omitempty"` // ISO alpha-2 where known
	Gender      string `json:"gender,omitempty"`      // "male", "female" or ""
	IDNumber    string `json:"id_number,omitempty"`   // an identity document number
	Kind        Kind   `json:"kind,omitempty"`

	// Labels are free data kept with the subject (the file's other
	// columns; a traveller's flight, route and date); they are not
	// screened.
	Labels map[string]string `json:"labels,omitempty"`

	Created time.Time `json:"created,omitzero"`
	Updated time.Time `json:"updated,omitzero"`
}

// Query returns the subject's screening query.
func (s *Subject) Query() Query {
	return Query{Name: s.Name, DOB: s.DOB, Nationality: s.Nationality, Gender: s.Gender, ID: s.IDNumber, Kind: s.Kind}
}

// AlertState is where an alert stands.
type AlertState string

// Alert states. An alert is open when found; a decision makes it
// false_positive, true_match or escalated, through pending_approval when
// four eyes apply; a suppressed false positive whose data changed comes back
// reopened; closed alerts carry a cause.
const (
	AlertOpen          AlertState = "open"
	AlertReopened      AlertState = "reopened"
	AlertPending       AlertState = "pending_approval"
	AlertFalsePositive AlertState = "false_positive"
	AlertTrueMatch     AlertState = "true_match"
	AlertEscalated     AlertState = "escalated"
	AlertClosed        AlertState = "closed"
)

// AlertStates lists every state, in queue order.
var AlertStates = []AlertState{AlertOpen, AlertReopened, AlertEscalated, AlertPending, AlertTrueMatch, AlertFalsePositive, AlertClosed}

// Causes of a closed alert.
const (
	CauseDelisted       = "delisted"        // the listing left the lists
	CauseSubjectRemoved = "subject_removed" // the subject left the watch
	CauseBelowThreshold = "below_threshold" // a change of either side: no longer a match
)

// ParseAlertState reads a state name.
func ParseAlertState(s string) (AlertState, bool) {
	for _, x := range AlertStates {
		if string(x) == s {
			return x, true
		}
	}
	return "", false
}

// Decidable reports whether a reviewer may decide an alert in state s.
func (s AlertState) Decidable() bool {
	return s == AlertOpen || s == AlertReopened || s == AlertEscalated
}

// IsDecision reports whether s is an outcome a reviewer may choose.
func (s AlertState) IsDecision() bool {
	return s == AlertFalsePositive || s == AlertTrueMatch || s == AlertEscalated
}

// SubjectFacts are the subject's screening fields an alert rests on (the
// material of its subject fingerprint).
type SubjectFacts struct {
	Name        string `json:"name"`
	DOB         string `json:"dob,omitempty"`
	Nationality string `json:"nationality,omitempty"`
	Gender      string `json:"gender,omitempty"`
	IDNumber    string `json:"id_number,omitempty"`
	Kind        Kind   `json:"kind,omitempty"`
}

// ListingFacts are the listing's data an alert rests on (the material of
// its listing fingerprint): names, dates of birth, nationalities and
// documents, each sorted.
type ListingFacts struct {
	Names         []string `json:"names"`
	BirthDates    []string `json:"birth_dates,omitempty"`
	Nationalities []string `json:"nationalities,omitempty"`
	Documents     []string `json:"documents,omitempty"`
}

// Alert is one (subject, listed entity) pair that matched: the match, the
// list version it was found in, fingerprints of the data it rests on, and
// where it stands.
type Alert struct {
	ID int64 `json:"id"`
	// Row is the store row of the subject (0 once it left the watch).
	Row       int64  `json:"-"`
	Set       string `json:"set"`
	SubjectID string `json:"subject_id"`
	EntityID  string `json:"entity_id"`
	// List is the key of the list holding the entity ("ofac_sdn").
	List  string     `json:"list"`
	State AlertState `json:"state"`
	// Cause says why a closed alert closed.
	Cause string  `json:"cause,omitempty"`
	Score float64 `json:"score"`
	// ListVersion is the list version the match was first found in;
	// LastVersion the one it was last screened against.
	ListVersion string `json:"list_version"`
	LastVersion string `json:"last_version"`
	// Matcher is the version of the matcher that last scored the pair.
	Matcher  string    `json:"matcher"`
	Measures []Measure `json:"measures,omitempty"`
	// Match is the match as last screened: names, score, explanation.
	Match              Match        `json:"match"`
	SubjectFingerprint string       `json:"subject_fingerprint"`
	ListingFingerprint string       `json:"listing_fingerprint"`
	SubjectFacts       SubjectFacts `json:"subject_facts"`
	ListingFacts       ListingFacts `json:"listing_facts"`
	// Changes says, for a reopened alert, what changed since the decision
	// it reopened.
	Changes []string  `json:"changes,omitempty"`
	Opened  time.Time `json:"opened"`
	Updated time.Time `json:"updated"`
	// Version increases with every change; a decision names the version it
	// was taken on, so that concurrent decisions conflict.
	Version int `json:"version"`
	// Decision is the latest decision, pending or in force.
	Decision *Decision `json:"decision,omitempty"`
}

// HasMeasure reports whether the alert's listing imposes m.
func (a *Alert) HasMeasure(m Measure) bool {
	for _, x := range a.Measures {
		if x == m {
			return true
		}
	}
	return false
}

// Decision is a reviewer's decision on an alert, with the fingerprints and
// data it was taken on and, where four eyes apply, its approval.
type Decision struct {
	ID      int64      `json:"id"`
	AlertID int64      `json:"alert_id"`
	As      AlertState `json:"as"`
	Reason  string     `json:"reason"`
	// By is the identity that decided (an API key id, or a name given on
	// the command line); ByName a readable name for it.
	By     string    `json:"by"`
	ByName string    `json:"by_name,omitempty"`
	At     time.Time `json:"at"`
	// The data the decision was taken on.
	SubjectFingerprint string       `json:"subject_fingerprint"`
	ListingFingerprint string       `json:"listing_fingerprint"`
	SubjectFacts       SubjectFacts `json:"subject_facts"`
	ListingFacts       ListingFacts `json:"listing_facts"`
	// NeedsApproval is set when four eyes apply; the decision is in force
	// once ApprovedBy is set.
	NeedsApproval bool      `json:"needs_approval"`
	ApprovedBy    string    `json:"approved_by,omitempty"`
	ApprovedName  string    `json:"approved_name,omitempty"`
	ApprovedAt    time.Time `json:"approved_at,omitzero"`
}

// InForce reports whether the decision applies: approved, or needing no
// approval.
func (d *Decision) InForce() bool { return !d.NeedsApproval || d.ApprovedBy != "" }

// AlertEvent is one entry of an alert's history.
type AlertEvent struct {
	At    time.Time  `json:"at"`
	State AlertState `json:"state"`
	Cause string     `json:"cause,omitempty"`
	By    string     `json:"by,omitempty"`
	Note  string     `json:"note,omitempty"`
}

// FourEyes says which decisions of a set need a second reviewer's approval.
type FourEyes string

// Four-eyes policies.
const (
	// FourEyesDefault: a true match, and a false positive on a listing
	// that carries a travel ban.
	FourEyesDefault FourEyes = "default"
	FourEyesAll     FourEyes = "all"  // every decision but an escalation
	FourEyesNone    FourEyes = "none" // no decision
)

// ParseFourEyes reads a four-eyes policy name.
func ParseFourEyes(s string) (FourEyes, bool) {
	switch FourEyes(s) {
	case FourEyesDefault, FourEyesAll, FourEyesNone:
		return FourEyes(s), true
	}
	return "", false
}

// SetConfig is the configuration of one set of subjects.
type SetConfig struct {
	Set      string   `json:"set"`
	FourEyes FourEyes `json:"four_eyes"`
	// Recertify, when > 0, reopens false-positive suppressions older than
	// it at each re-screen.
	Recertify time.Duration `json:"recertify,omitempty"`
}

// SetSummary counts a set's subjects and open alerts.
type SetSummary struct {
	SetConfig
	Subjects int `json:"subjects"`
	// Alerts counts the set's alerts by state.
	Alerts map[AlertState]int `json:"alerts"`
}

// AlertFilter selects and orders alerts for a queue page.
type AlertFilter struct {
	States    []AlertState // any of these; none: every state
	Set       string
	SubjectID string
	EntityID  string
	List      string
	Measure   Measure   // alerts whose listing imposes it
	Since     time.Time // opened at or after
	Until     time.Time // opened before
	// Sort is "opened" (oldest first, the default), "-opened" (newest
	// first), "score" (lowest first) or "-score" (highest first).
	Sort string
	// After is the cursor of the last alert of the previous page ("" for
	// the first page); Limit the page size (default 50, at most 1,000).
	After string
	Limit int
}

// AlertPage is one page of alerts, with the cursor of the next page ("" at
// the end) and the counts per state of every alert the filter selects but
// its states.
type AlertPage struct {
	Alerts []Alert            `json:"alerts"`
	Next   string             `json:"next,omitempty"`
	Counts map[AlertState]int `json:"counts"`
}

// SubjectImport is what an import of subjects did: rows read, subjects
// added, updated (and screened again), unchanged, removed, bad rows, and
// the alerts opened, reopened and closed.
type SubjectImport struct {
	Set       string `json:"set"`
	Rows      int    `json:"rows"`
	Added     int    `json:"added"`
	Updated   int    `json:"updated"`
	Unchanged int    `json:"unchanged"`
	Removed   int    `json:"removed"`
	Bad       int    `json:"bad"`
	// Problems counts rows stored and screened without some of their
	// values (an impossible date of birth, a country that is none): the
	// values screening could not use are named row by row.
	Problems int     `json:"problems"`
	Opened   int     `json:"opened"`
	Reopened int     `json:"reopened"`
	Closed   int     `json:"closed"`
	Seconds  float64 `json:"seconds"`
}

// SubjectFilter selects subjects for a listing.
type SubjectFilter struct {
	Set   string
	After string // cursor of the last subject of the previous page
	Limit int    // default 100, at most 10,000
}

// WatchRun is one re-screening of the watched subjects: why, in which mode,
// from which list versions to which, and how far it got. A run that did not
// finish is resumed, not repeated.
type WatchRun struct {
	ID int64 `json:"id"`
	// Mode is "full" or "delta".
	Mode   string `json:"mode"`
	Reason string `json:"reason"`
	// From and To map each list key to the version screened against
	// before and after the run.
	From map[string]int `json:"from"`
	To   map[string]int `json:"to"`
	// Epoch is the weight epoch, Matcher the matcher version and
	// Threshold the threshold the run screened with.
	Epoch     int64     `json:"epoch"`
	Matcher   string    `json:"matcher"`
	Threshold float64   `json:"threshold"`
	Started   time.Time `json:"started"`
	Finished  time.Time `json:"finished,omitzero"`
	// Cursor is the last subject row the run completed (subjects are
	// screened in row order); Total the subjects it screens; Done those
	// screened so far.
	Cursor int64 `json:"cursor"`
	Total  int   `json:"total"`
	Done   int   `json:"done"`
	// Counts of the alert changes the run made.
	Opened   int `json:"opened"`
	Reopened int `json:"reopened"`
	Closed   int `json:"closed"`
}

// StoredSubject is a subject with its store row and fingerprint.
type StoredSubject struct {
	Subject
	Row         int64  `json:"-"`
	Fingerprint string `json:"fingerprint"`
	// LabelsHash hashes the labels, so that an import can tell a row
	// whose labels alone changed.
	LabelsHash string `json:"-"`
}

// Errors of the watch stores.
var (
	// ErrConflict: the alert changed since it was read (another reviewer
	// decided it first).
	ErrConflict = errors.New("the alert changed meanwhile")
	// ErrForbidden: who asks may not do this (approve their own
	// decision, decide without an identity).
	ErrForbidden = errors.New("not allowed")
	// ErrInvalid: the request is malformed (an unknown decision, no
	// reason).
	ErrInvalid = errors.New("invalid")
)

// Reviewer is who decides on or approves an alert: an identity (an API key
// id, or a name given on the command line) and a readable name.
type Reviewer struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// WatchStore keeps the watched subjects, their alerts and decisions, the
// sets' configuration and the re-screening runs. Every change goes through
// Update, one transaction, so that a subject, its alerts, their history and
// the events reporting them change together or not at all.
type WatchStore interface {
	// Update runs fn in one write transaction, committed when fn returns
	// nil and rolled back otherwise.
	Update(ctx context.Context, fn func(tx WatchTx) error) error

	Subject(ctx context.Context, set, id string) (StoredSubject, error)
	Subjects(ctx context.Context, f SubjectFilter) ([]StoredSubject, string, error)
	// SubjectsAfter returns up to limit subjects with a row above after,
	// in row order; SubjectsByRow those of the given rows, in row order.
	// Both return what screening reads: no labels, no times.
	SubjectsAfter(ctx context.Context, after int64, limit int) ([]StoredSubject, error)
	SubjectsByRow(ctx context.Context, rows []int64) ([]StoredSubject, error)
	// SubjectKeys returns, per subject id of a set, its fingerprint and
	// labels hash (for an import to tell what changed).
	SubjectKeys(ctx context.Context, set string) (map[string][2]string, error)
	// SubjectRows returns the rows of a set's subjects, ascending.
	SubjectRows(ctx context.Context, set string) ([]int64, error)
	// EachSubjectName calls fn with every subject's row, name, kind and
	// identity document number, in row order.
	EachSubjectName(ctx context.Context, fn func(row int64, name string, kind Kind, idNumber string) error) error
	// CountSubjects counts the subjects of a set ("" for all).
	CountSubjects(ctx context.Context, set string) (int, error)

	AlertStore

	Sets(ctx context.Context) ([]SetSummary, error)
	SetConfig(ctx context.Context, set string) (SetConfig, error)

	// LastRun returns the newest run (finished or not), or ErrNotFound;
	// LastFinishedRun the newest finished one.
	LastRun(ctx context.Context) (WatchRun, error)
	LastFinishedRun(ctx context.Context) (WatchRun, error)
}

// AlertStore reads alerts.
type AlertStore interface {
	Alert(ctx context.Context, id int64) (Alert, error)
	Alerts(ctx context.Context, f AlertFilter) (AlertPage, error)
	// AlertHistory returns an alert's decisions and state changes,
	// oldest first.
	AlertHistory(ctx context.Context, id int64) ([]Decision, []AlertEvent, error)
}

// WatchTx is what a WatchStore transaction may read and write.
type WatchTx interface {
	// PutSubject inserts or replaces a subject (by set and id) with its
	// fingerprint and labels hash, returning its row; PutSubjects does so
	// for many (ids unique among them), setting each one's Row.
	PutSubject(s *Subject, fingerprint, labelsHash string) (int64, error)
	PutSubjects(subs []*StoredSubject) error
	// DeleteSubject removes a subject, returning its row (ErrNotFound
	// when absent). Its alerts stay, for history.
	DeleteSubject(set, id string) (int64, error)

	// AlertsOfRows returns the alerts of the subjects in rows (rows
	// ascending) whatever their state.
	AlertsOfRows(rows []int64) (map[int64][]Alert, error)
	// AlertsOfSubject returns the alerts of one subject by set and id.
	AlertsOfSubject(set, id string) ([]Alert, error)
	// AlertsOfEntities returns the alerts not closed on these entities.
	AlertsOfEntities(ids []string) ([]Alert, error)
	// Alert reads one alert, decision included.
	Alert(id int64) (Alert, error)
	// InsertAlert stores a new alert for the subject row, setting its ID
	// and Version (1).
	InsertAlert(row int64, a *Alert) error
	// UpdateAlert stores a changed alert if its stored version is still
	// a.Version and its stored state is from; it then increases
	// a.Version. Otherwise it returns ErrConflict and changes nothing.
	UpdateAlert(a *Alert, from AlertState) error
	// DetachAlerts unsets the subject row of a removed subject's alerts.
	DetachAlerts(row int64) error

	// AddDecision stores a decision (setting its ID) and makes it the
	// alert's latest; ApproveDecision records an approval.
	AddDecision(d *Decision) error
	ApproveDecision(id int64, by, name string, at time.Time) error
	// AddHistory appends to an alert's history.
	AddHistory(alert int64, e AlertEvent) error
	// SuppressedBefore returns the ids of false-positive alerts whose
	// decision in force was taken before t, in set.
	SuppressedBefore(set string, t time.Time) ([]int64, error)

	// AppendEvent appends to the event log within the transaction.
	AppendEvent(e Event) error

	SetConfig(set string) (SetConfig, error)
	// SetConfigs returns every stored set configuration.
	SetConfigs() ([]SetConfig, error)
	PutSetConfig(c SetConfig) error

	// StartRun stores a new run (setting its ID); SaveRun its progress
	// (and its mode and reason, which a delta touching most subjects
	// turns full).
	StartRun(r *WatchRun) error
	SaveRun(r *WatchRun) error
}
