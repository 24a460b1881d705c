package http

import (
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// The console's pages of the watch: the alert queue, an alert (with the
// decision and approval forms), and a subject with every alert it had.
// They read the watch's store and decide through the Watcher, as the API
// does; the engine audits decisions and approvals.

// todo are the states of the queue's default view: the alerts that wait
// for a reviewer.
var todo = []vigil.AlertState{vigil.AlertOpen, vigil.AlertReopened, vigil.AlertEscalated, vigil.AlertPending}

// stateTab is one tab of the queue: a state (or a group of states) with
// its count and link.
type stateTab struct {
	Label   string
	Count   int
	URL     string
	Current bool
}

// alertsData is the queue page.
type alertsData struct {
	Tabs   []stateTab
	Alerts []vigil.Alert
	// The filter as chosen, and the choices. The set is typed: listing
	// the sets (Store.Sets) counts every subject and alert, which costs
	// more than the page itself on a large queue.
	State, Set, List, Measure, Since, Until, Sort, Subject, Entity string
	Lists                                                          []string
	Measures                                                       []vigil.Measure
	// From is the rank of the page's first alert, Total the alerts of the
	// selected states; Next and First link the next and the first page.
	From, Total int
	Next, First string
	// Back is the queue's query, for the alert pages to come back to.
	Back string
}

// sorts are the queue's orders, as the store names them.
var sorts = []struct{ Value, Label string }{
	{"opened", "oldest first"}, {"-opened", "newest first"}, {"-score", "highest score first"}, {"score", "lowest score first"},
}

// noWatch renders the notice of a server that keeps no watch, and reports
// whether it did.
func (c *console) noWatch(w http.ResponseWriter, r *http.Request) bool {
	if c.s.opts.Watch != nil {
		return false
	}
	c.render(w, r, http.StatusNotImplemented, "message", page{Title: "Alerts", Nav: "alerts",
		Error: "This server keeps no watch: there are no alerts. Run vigil serve with a store, and import subjects (vigil watch import)."})
	return true
}

// alerts serves the queue: counts per state, filters, sorting (oldest
// first by default), paging and keyboard navigation (static/queue.js).
func (c *console) alerts(w http.ResponseWriter, r *http.Request) {
	if c.noWatch(w, r) {
		return
	}
	v := r.URL.Query()
	d := &alertsData{State: v.Get("state"), Set: v.Get("set"), List: v.Get("list"), Measure: v.Get("measure"),
		Since: v.Get("since"), Until: v.Get("until"), Sort: v.Get("sort"), Subject: v.Get("subject"), Entity: v.Get("entity"),
		Measures: []vigil.Measure{vigil.MeasureTravelBan, vigil.MeasureAssetFreeze, vigil.MeasureArmsEmbargo}}
	p := page{Title: "Alerts", Nav: "alerts", Data: d}
	// state is one state, "all", or empty for the states that wait for a
	// reviewer; the store's filter takes the states as a list.
	q := r.Clone(r.Context())
	qv := maps.Clone(v)
	qv.Del("state")
	q.URL.RawQuery = qv.Encode()
	f, err := alertFilter(q)
	if err == nil && d.State != "" && d.State != "all" {
		st, ok := vigil.ParseAlertState(d.State)
		if !ok {
			err = badRequest("unknown state %q", d.State)
		}
		f.States = []vigil.AlertState{st}
	}
	if d.State == "" {
		f.States = todo
	}
	wt := c.s.opts.Watch
	if snap := c.s.Snapshot(); snap != nil {
		for _, v := range snap.Versions {
			d.Lists = append(d.Lists, v.List)
		}
	}
	if d.List != "" && !slices.Contains(d.Lists, d.List) {
		d.Lists = append(d.Lists, d.List)
	}
	if err != nil {
		p.Error = err.Error()
		c.render(w, r, http.StatusBadRequest, "alerts", p)
		return
	}
	res, err := wt.Store().Alerts(r.Context(), f)
	if err != nil {
		if strings.Contains(err.Error(), "cursor") {
			p.Error = "This page of the queue is no longer valid: start again from the first page."
			c.render(w, r, http.StatusBadRequest, "alerts", p)
			return
		}
		c.s.log.Error("reading the alert queue", "err", err)
		p.Error = "The alert queue cannot be read right now. Try again shortly."
		c.render(w, r, http.StatusServiceUnavailable, "alerts", p)
		return
	}
	d.Alerts = res.Alerts
	tab := func(label, state string, n int) {
		u := maps.Clone(v)
		for _, k := range []string{"state", "after", "n"} {
			u.Del(k)
		}
		if state != "" {
			u.Set("state", state)
		}
		d.Tabs = append(d.Tabs, stateTab{Label: label, Count: n, URL: queueURL(u), Current: d.State == state})
	}
	all := 0
	for _, st := range vigil.AlertStates {
		all += res.Counts[st]
	}
	waiting := 0
	for _, st := range todo {
		waiting += res.Counts[st]
	}
	tab("To do", "", waiting)
	for _, st := range vigil.AlertStates {
		tab(stateLabel(st), string(st), res.Counts[st])
	}
	tab("All", "all", all)
	for _, st := range f.States {
		d.Total += res.Counts[st]
	}
	if len(f.States) == 0 {
		d.Total = all
	}
	n, _ := strconv.Atoi(v.Get("n"))
	d.From = max(n, 0) + 1
	if res.Next != "" {
		u := maps.Clone(v)
		u.Set("after", res.Next)
		u.Set("n", strconv.Itoa(d.From-1+len(res.Alerts)))
		d.Next = queueURL(u)
	}
	if v.Get("after") != "" {
		u := maps.Clone(v)
		u.Del("after")
		u.Del("n")
		d.First = queueURL(u)
	}
	d.Back = v.Encode()
	c.render(w, r, http.StatusOK, "alerts", p)
}

// queueURL is the queue's page of the query v.
func queueURL(v url.Values) string {
	if len(v) == 0 {
		return "/alerts"
	}
	return "/alerts?" + v.Encode()
}

// stateLabel names an alert state for people.
func stateLabel(s vigil.AlertState) string {
	switch s {
	case vigil.AlertPending:
		return "Pending approval"
	case vigil.AlertFalsePositive:
		return "False positive"
	case vigil.AlertTrueMatch:
		return "True match"
	}
	str := string(s)
	return strings.ToUpper(str[:1]) + str[1:]
}

// alertData is an alert's page.
type alertData struct {
	Alert     vigil.Alert
	Decisions []vigil.Decision
	History   []vigil.AlertEvent
	// Subject is the subject as stored now (nil once it left the watch).
	Subject *vigil.StoredSubject
	// Names are the listing's names, each with its script.
	Names []scriptName
	// InIndex says whether the listing is served (its entity page exists).
	InIndex  bool
	FourEyes vigil.FourEyes
	// What the viewer may do: decide (a review key, a decidable alert),
	// approve (a review key other than the decider's); Decider says the
	// viewer took the pending decision; NoIdentity that the service has
	// no keys, so that nobody can be recorded as deciding.
	CanDecide, CanApprove, Decider, NoIdentity bool
	// The decision form as posted, when it is shown again with an error.
	As, Reason string
	Done       string // what the last form did: "decided", "approved"
	Back       string // the queue's query, to return to
}

// BackURL is the queue page the alert was opened from.
func (d *alertData) BackURL() string {
	v, _ := url.ParseQuery(d.Back)
	return queueURL(v)
}

// scriptName is a name and the script it is written in.
type scriptName struct{ Name, Script string }

// alertID reads the {id} of an alert page, rendering 404 when it is none.
func (c *console) alertID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		c.render(w, r, http.StatusNotFound, "message", page{Title: "Not found", Nav: "alerts", Error: "There is no alert " + strconv.Quote(r.PathValue("id")) + "."})
		return 0, false
	}
	return id, true
}

func (c *console) alert(w http.ResponseWriter, r *http.Request) {
	if c.noWatch(w, r) {
		return
	}
	id, ok := c.alertID(w, r)
	if !ok {
		return
	}
	d := &alertData{Done: r.URL.Query().Get("done"), Back: backQuery(r.URL.Query().Get("back"))}
	c.showAlert(w, r, id, d, http.StatusOK, "")
}

// backQuery returns the queue query q as the queue would write it (so that
// a link back can only lead to the queue).
func backQuery(q string) string {
	v, err := url.ParseQuery(q)
	if err != nil {
		return ""
	}
	return v.Encode()
}

// showAlert renders alert id with d (its form fields and notices) and
// status, and msg as an error.
func (c *console) showAlert(w http.ResponseWriter, r *http.Request, id int64, d *alertData, status int, msg string) {
	ctx := r.Context()
	st := c.s.opts.Watch.Store()
	a, err := st.Alert(ctx, id)
	if errors.Is(err, vigil.ErrNotFound) {
		c.render(w, r, http.StatusNotFound, "message", page{Title: "Not found", Nav: "alerts", Error: "There is no alert " + strconv.FormatInt(id, 10) + "."})
		return
	}
	var ds []vigil.Decision
	var hist []vigil.AlertEvent
	if err == nil {
		ds, hist, err = st.AlertHistory(ctx, id)
	}
	if err != nil {
		c.s.log.Error("reading an alert", "alert", id, "err", err)
		c.render(w, r, http.StatusServiceUnavailable, "message", page{Title: "Alert", Nav: "alerts", Error: "The alert cannot be read right now. Try again shortly."})
		return
	}
	d.Alert, d.Decisions, d.History = a, ds, hist
	if sub, err := st.Subject(ctx, a.Set, a.SubjectID); err == nil {
		d.Subject = &sub
	}
	for _, n := range a.ListingFacts.Names {
		d.Names = append(d.Names, scriptName{n, lists.DetectScript(n)})
	}
	if snap := c.s.Snapshot(); snap != nil {
		_, _, d.InIndex = snap.Index.Entity(a.EntityID)
	}
	if cfg, err := st.SetConfig(ctx, a.Set); err == nil {
		d.FourEyes = cfg.FourEyes
	}
	k := keyFrom(ctx)
	reviewer := k != nil && k.Role >= RoleReview
	d.NoIdentity = k == nil
	d.CanDecide = reviewer && a.State.Decidable()
	pending := a.State == vigil.AlertPending && a.Decision != nil && !a.Decision.InForce()
	d.Decider = pending && k != nil && a.Decision.By == k.ID
	d.CanApprove = reviewer && pending && !d.Decider
	c.render(w, r, status, "alert", page{Title: "Alert " + strconv.FormatInt(id, 10), Nav: "alerts", Error: msg, Data: d})
}

// decide records the reviewer's decision posted from an alert's page,
// then shows the alert again (303, so that a reload posts nothing).
func (c *console) decide(w http.ResponseWriter, r *http.Request) {
	if c.noWatch(w, r) {
		return
	}
	id, ok := c.alertID(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	d := &alertData{As: f.Get("as"), Reason: f.Get("reason"), Back: backQuery(f.Get("back"))}
	who, ok := reviewerOf(r)
	if !ok {
		c.showAlert(w, r, id, d, http.StatusForbidden, "A decision records who took it: sign in with a key that has the review role.")
		return
	}
	version, _ := strconv.Atoi(f.Get("version"))
	if version <= 0 {
		// Without the version seen, two reviewers deciding at once could
		// both succeed.
		c.showAlert(w, r, id, d, http.StatusBadRequest, "The form is incomplete: reload the alert and decide again.")
		return
	}
	if _, err := c.s.opts.Watch.Decide(r.Context(), id, vigil.AlertState(d.As), d.Reason, who, version); err != nil {
		c.formError(w, r, id, d, err)
		return
	}
	http.Redirect(w, r, alertURL(id, "decided", d.Back), http.StatusSeeOther)
}

// approve records the approval of the pending decision on an alert.
func (c *console) approve(w http.ResponseWriter, r *http.Request) {
	if c.noWatch(w, r) {
		return
	}
	id, ok := c.alertID(w, r)
	if !ok {
		return
	}
	d := &alertData{Back: backQuery(r.PostForm.Get("back"))}
	who, ok := reviewerOf(r)
	if !ok {
		c.showAlert(w, r, id, d, http.StatusForbidden, "An approval records who gave it: sign in with a key that has the review role.")
		return
	}
	if _, err := c.s.opts.Watch.Approve(r.Context(), id, who); err != nil {
		c.formError(w, r, id, d, err)
		return
	}
	http.Redirect(w, r, alertURL(id, "approved", d.Back), http.StatusSeeOther)
}

// formError shows the alert again with what kept a decision or approval
// from being recorded.
func (c *console) formError(w http.ResponseWriter, r *http.Request, id int64, d *alertData, err error) {
	msg := err.Error()
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, vigil.ErrNotFound):
		status = http.StatusNotFound
	case errors.Is(err, vigil.ErrConflict):
		status = http.StatusConflict
		msg = "The alert changed since you opened it (another reviewer may have decided it first); nothing was recorded. Here it is as it stands now."
	case errors.Is(err, vigil.ErrForbidden):
		status = http.StatusForbidden
	case errors.Is(err, vigil.ErrInvalid):
		status = http.StatusBadRequest
		msg = strings.TrimPrefix(msg, vigil.ErrInvalid.Error()+": ")
	case errors.Is(err, ErrNotReady):
		status = http.StatusServiceUnavailable
	default:
		c.s.log.Error("deciding an alert", "alert", id, "err", err)
		msg = "The decision could not be recorded. Try again shortly."
	}
	c.showAlert(w, r, id, d, status, msg)
}

// alertURL is the page of alert id after a form did done.
func alertURL(id int64, done, back string) string {
	v := url.Values{"done": {done}}
	if back != "" {
		v.Set("back", back)
	}
	return "/alerts/" + strconv.FormatInt(id, 10) + "?" + v.Encode()
}

// subjectData is a subject's page: its data and every alert it had.
type subjectData struct {
	Set, ID string
	Subject *vigil.StoredSubject // nil once it left the watch
	Labels  []label
	Alerts  []vigil.Alert
	More    bool // more alerts than shown
}

type label struct{ Key, Value string }

// maxSubjectAlerts is how many alerts a subject's page lists.
const maxSubjectAlerts = 1000

func (c *console) subject(w http.ResponseWriter, r *http.Request) {
	if c.noWatch(w, r) {
		return
	}
	ctx := r.Context()
	st := c.s.opts.Watch.Store()
	d := &subjectData{Set: r.PathValue("set"), ID: r.PathValue("id")}
	sub, err := st.Subject(ctx, d.Set, d.ID)
	switch {
	case err == nil:
		d.Subject = &sub
		for k, v := range sub.Labels {
			d.Labels = append(d.Labels, label{k, v})
		}
		slices.SortFunc(d.Labels, func(a, b label) int { return strings.Compare(a.Key, b.Key) })
	case !errors.Is(err, vigil.ErrNotFound):
		c.s.log.Error("reading a subject", "set", d.Set, "id", d.ID, "err", err)
		c.render(w, r, http.StatusServiceUnavailable, "message", page{Title: "Subject", Nav: "alerts", Error: "The subject cannot be read right now. Try again shortly."})
		return
	}
	res, err := st.Alerts(ctx, vigil.AlertFilter{Set: d.Set, SubjectID: d.ID, Limit: maxSubjectAlerts})
	if err != nil {
		c.s.log.Error("reading a subject's alerts", "set", d.Set, "id", d.ID, "err", err)
		c.render(w, r, http.StatusServiceUnavailable, "message", page{Title: "Subject", Nav: "alerts", Error: "The subject's alerts cannot be read right now. Try again shortly."})
		return
	}
	d.Alerts, d.More = res.Alerts, res.Next != ""
	if d.Subject == nil && len(d.Alerts) == 0 {
		c.render(w, r, http.StatusNotFound, "message", page{Title: "Not found", Nav: "alerts",
			Error: "No subject " + strconv.Quote(d.ID) + " is or was watched in the set " + strconv.Quote(d.Set) + "."})
		return
	}
	title := d.ID
	if d.Subject != nil {
		title = d.Subject.Name
	}
	c.render(w, r, http.StatusOK, "subject", page{Title: title, Nav: "alerts", Data: d})
}
