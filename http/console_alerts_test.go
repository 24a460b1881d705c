package http

import (
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"
)

// The console's watch pages over the real parts: a SQLite store, the
// matcher and the watch engine (newWatchServer), signed in as the review
// keys alice and bob and the screen key carol.

// watchConsole returns the server with subjects imported over the API:
// twelve customers named Qasem Soleimani (a travel-ban listing) and a
// vendor named Marko Zelenko (an asset freeze), and the browsers of alice,
// bob and carol, signed in.
func watchConsole(t *testing.T) (*Server, map[string]*webClient, map[string]string) {
	t.Helper()
	s, _, keys := newWatchServer(t)
	h := s.Handler()
	var b strings.Builder
	for i := range 12 {
		fmt.Fprintf(&b, `{"id":"q%02d","name":"Qasem Soleimani","dob":"19%02d-01-01","branch":"Zurich"}`+"\n", i, 60+i)
	}
	if res, body := do(t, h, "POST", "/v1/subjects/customers", b.String(), auth(keys["carol"])...); res.StatusCode != 200 {
		t.Fatalf("import: %s", body)
	}
	if res, body := do(t, h, "PUT", "/v1/subjects/vendors/v1", `{"name":"Marko Zelenko","nationality":"HR"}`, auth(keys["carol"])...); res.StatusCode != 200 {
		t.Fatalf("put: %s", body)
	}
	browsers := map[string]*webClient{}
	for _, who := range []string{"alice", "bob", "carol"} {
		browsers[who] = newClient(t, s)
		browsers[who].signIn(keys[who])
	}
	return s, browsers, keys
}

var alertRowRE = regexp.MustCompile(`<a class="alert-link" href="/alerts/(\d+)`)

// alertIDs returns the alerts a queue page lists, in order.
func alertIDs(body string) []string {
	var out []string
	for _, m := range alertRowRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestConsoleAlertQueue: the queue counts alerts per state, shows the
// alerts that wait for a reviewer oldest first, filters by state, set,
// list, measure and date, sorts, pages, and offers keyboard navigation.
// A screen key may not open it.
func TestConsoleAlertQueue(t *testing.T) {
	_, b, _ := watchConsole(t)
	alice := b["alice"]
	res, body := alice.get("/alerts")
	body = html.UnescapeString(body)
	if res.StatusCode != 200 {
		t.Fatalf("queue: %d\n%s", res.StatusCode, body)
	}
	for _, want := range []string{
		`<a href="/alerts" aria-current="page">To do <span class="count">13</span></a>`,
		`<a href="/alerts?state=open">Open <span class="count">13</span></a>`,
		`<a href="/alerts?state=closed">Closed <span class="count">0</span></a>`,
		`<a href="/alerts?state=all">All <span class="count">13</span></a>`,
		`<script src="/static/queue.js" defer></script>`, "<kbd>j</kbd>", "Showing 1–13 of 13",
		`<a href="/alerts" aria-current="page">Alerts</a>`, // the layout's link, for a reviewer
	} {
		if !strings.Contains(body, want) {
			t.Errorf("queue lacks %s", want)
		}
	}
	ids := alertIDs(body)
	if len(ids) != 13 {
		t.Fatalf("queue lists %d alerts", len(ids))
	}
	// Oldest first by default, newest first on request.
	_, newest := alice.get("/alerts?sort=-opened")
	if got := alertIDs(newest); len(got) != 13 || got[0] != ids[12] || got[12] != ids[0] {
		t.Errorf("newest first: %v, oldest first: %v", got, ids)
	}
	// Paging: five a page, every alert once.
	seen := map[string]bool{}
	next := "/alerts?limit=5"
	for pg := 1; next != ""; pg++ {
		_, body := alice.get(next)
		body = html.UnescapeString(body)
		got := alertIDs(body)
		want := []int{5, 5, 3}[pg-1]
		if len(got) != want || !strings.Contains(body, fmt.Sprintf("Showing %d–%d of 13", (pg-1)*5+1, (pg-1)*5+want)) {
			t.Errorf("page %d: %v\n%s", pg, got, body)
		}
		if pg > 1 && !strings.Contains(body, `<a href="/alerts?limit=5">First page</a>`) {
			t.Errorf("page %d links no first page", pg)
		}
		for _, id := range got {
			if seen[id] {
				t.Errorf("alert %s on two pages", id)
			}
			seen[id] = true
		}
		next = ""
		if m := regexp.MustCompile(`<a href="([^"]*)" rel="next">`).FindStringSubmatch(body); m != nil {
			next = m[1]
		}
		if pg > 3 {
			t.Fatal("more than 3 pages")
		}
	}
	if len(seen) != 13 {
		t.Errorf("the pages listed %d alerts, want 13", len(seen))
	}
	for _, tc := range []struct {
		query string
		n     int
	}{
		{"set=vendors", 1}, {"set=customers", 12}, {"measure=travel_ban", 12}, {"measure=asset_freeze", 1},
		{"list=wt", 13}, {"list=un", 0}, {"state=closed", 0}, {"state=all", 13},
		{"since=2000-01-01", 13}, {"until=2000-01-01", 0}, {"set=vendors&sort=-score", 1},
	} {
		res, body := alice.get("/alerts?" + tc.query)
		if got := alertIDs(body); res.StatusCode != 200 || len(got) != tc.n {
			t.Errorf("%s: %d, %d alerts, want %d", tc.query, res.StatusCode, len(got), tc.n)
		}
	}
	if _, body := alice.get("/alerts?set=vendors"); !strings.Contains(body, "Marko Zelenko") || strings.Contains(body, "Qasem") {
		t.Error("set=vendors shows other sets' alerts")
	}
	for _, q := range []string{"state=nonsense", "sort=name", "since=yesterday"} {
		if res, body := alice.get("/alerts?" + q); res.StatusCode != 400 || !strings.Contains(body, `class="error"`) {
			t.Errorf("%s: %d", q, res.StatusCode)
		}
	}
	// A screen key may not read the watch: a page says so, and its pages
	// do not link the queue.
	res, body = b["carol"].get("/alerts")
	if res.StatusCode != 403 || !strings.Contains(body, "needs the review role") || !strings.Contains(body, `action="/logout"`) {
		t.Errorf("carol's queue: %d\n%s", res.StatusCode, body)
	}
	if _, body := b["carol"].get("/"); strings.Contains(body, `href="/alerts"`) {
		t.Error("a screen key's pages link the alert queue")
	}
}

// TestConsoleAlertDecide: an alert's page shows the subject and the
// listing side by side, why they matched and the list version; a reviewer
// decides with a reason; a second reviewer approves, never the first; a
// decision on a version no longer current is refused. A screen key sees
// no form and may not post one.
func TestConsoleAlertDecide(t *testing.T) {
	_, b, _ := watchConsole(t)
	alice, bob := b["alice"], b["bob"]
	_, q := alice.get("/alerts?set=customers")
	ids := alertIDs(q)
	if len(ids) != 12 {
		t.Fatalf("customers' alerts: %v", ids)
	}
	id := ids[0]
	path := "/alerts/" + id
	res, body := alice.get(path)
	body = html.UnescapeString(body)
	if res.StatusCode != 200 {
		t.Fatalf("alert page: %d\n%s", res.StatusCode, body)
	}
	for _, want := range []string{
		`<span class="state open">Open</span>`,
		`Subject <a href="/subjects/customers/q00">customers/q00</a>`,
		`Listing <a href="/entities/wt:1">wt:1</a>`,
		`<td class="name" dir="auto">Qasem Soleimani</td>`, `<span class="name" dir="auto">Qasem Soleimani</span> <span class="script">Latn</span>`,
		"<td>1960-01-01</td><td>1957-03-11</td>", // dates of birth side by side
		`<span class="muted">branch</span> Zurich`,
		"found in <strong>wt@1</strong>", `<span class="tag">travel ban</span>`,
		`<th scope="row">name</th><td class="num">+1.000</td>`, `<th scope="row">dob</th><td class="num">-0.150</td>`,
		`<form method="post" action="/alerts/` + id + `/decide">`, `name="reason" rows="3" maxlength="4000" required`,
		`<input type="radio" name="as" value="false_positive" required>`, "a false positive on a listing with a travel ban",
		"No decision yet.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("alert page lacks %s", want)
		}
	}
	if strings.Contains(body, "/approve") {
		t.Error("an open alert offers approval")
	}
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)[1]

	// A reason is required, the decision one of the three.
	res, body = alice.post(path+"/decide", map[string]string{"as": "false_positive", "reason": "  ", "version": version})
	if res.StatusCode != 400 || !strings.Contains(body, "a decision needs a reason") || !strings.Contains(body, `value="false_positive" required checked`) {
		t.Errorf("no reason: %d\n%s", res.StatusCode, body)
	}
	res, body = alice.post(path+"/decide", map[string]string{"as": "closed", "reason": "x", "version": version})
	if res.StatusCode != 400 || !strings.Contains(body, "not a decision") {
		t.Errorf("as closed: %d", res.StatusCode)
	}
	// The form's CSRF token is checked.
	if res, _ = alice.post(path+"/decide", map[string]string{"as": "false_positive", "reason": "x", "version": version, "csrf": "forged"}); res.StatusCode != 403 {
		t.Errorf("forged token: %d", res.StatusCode)
	}
	// A screen key sees no form and may not post one.
	if res, body = b["carol"].get(path); res.StatusCode != 403 || strings.Contains(body, "/decide") {
		t.Errorf("carol's alert page: %d", res.StatusCode)
	}
	if res, _ = b["carol"].post(path+"/decide", map[string]string{"as": "false_positive", "reason": "x", "version": version}); res.StatusCode != 403 {
		t.Errorf("carol decides: %d", res.StatusCode)
	}

	const reason = "Born 1960, a Zurich customer since 1990: not the listed general"
	res, _ = alice.post(path+"/decide", map[string]string{"as": "false_positive", "reason": reason, "version": version, "back": "set=customers"})
	if loc := res.Header.Get("Location"); res.StatusCode != 303 || loc != path+"?back=set%3Dcustomers&done=decided" {
		t.Fatalf("decide: %d %q", res.StatusCode, loc)
	}
	_, body = alice.get(path + "?done=decided&back=set%3Dcustomers")
	body = html.UnescapeString(body)
	for _, want := range []string{"Decision recorded: the alert is now Pending approval, waiting for a second reviewer's approval",
		`<span class="state pending_approval">Pending approval</span>`, "You took this decision: a second reviewer must approve it.",
		reason, "awaiting a second reviewer", `<a href="/alerts?set=customers">← Alert queue</a>`} {
		if !strings.Contains(body, want) {
			t.Errorf("after deciding, the page lacks %q", want)
		}
	}
	if strings.Contains(body, "/approve") || strings.Contains(body, "/decide") {
		t.Error("the decider is offered approval, or a pending alert a decision")
	}
	// The decider cannot approve, even by posting the form.
	if res, body = alice.post(path+"/approve", nil); res.StatusCode != 403 || !strings.Contains(body, "cannot approve their own decision") {
		t.Errorf("self-approval: %d", res.StatusCode)
	}
	// A second decision on the version seen conflicts.
	if res, body = bob.post(path+"/decide", map[string]string{"as": "true_match", "reason": "same man", "version": version}); res.StatusCode != 409 || !strings.Contains(body, "nothing was recorded") {
		t.Errorf("stale decision: %d", res.StatusCode)
	}
	_, body = bob.get(path)
	if !strings.Contains(body, `action="/alerts/`+id+`/approve"`) || !strings.Contains(body, "decided <strong>False positive</strong>") {
		t.Errorf("bob is not offered the approval:\n%s", body)
	}
	if res, _ = bob.post(path+"/approve", nil); res.StatusCode != 303 {
		t.Fatalf("approve: %d", res.StatusCode)
	}
	_, body = bob.get(path + "?done=approved")
	body = html.UnescapeString(body)
	for _, want := range []string{"Approval recorded", `<span class="state false_positive">False positive</span>`, "approved by bob (key_", "decided false_positive: " + reason} {
		if !strings.Contains(body, want) {
			t.Errorf("after approval, the page lacks %q", want)
		}
	}
	_, body = alice.get("/alerts?state=false_positive")
	if got := alertIDs(body); len(got) != 1 || got[0] != id {
		t.Errorf("false positives: %v", got)
	}
}

// TestConsoleSubjectPage: a subject's page shows its data and every alert
// it had, closed ones included, and stays after it left the watch.
func TestConsoleSubjectPage(t *testing.T) {
	s, b, keys := watchConsole(t)
	alice := b["alice"]
	res, body := alice.get("/subjects/customers/q03")
	body = html.UnescapeString(body)
	for _, want := range []string{`<h1 dir="auto">Qasem Soleimani</h1>`, "<dt>Date of birth</dt><dd>1963-01-01</dd>", "<dt>branch</dt><dd>Zurich</dd>",
		"Every alert it had (1)", `<span class="state open">Open</span>`, "wt:1"} {
		if res.StatusCode != 200 || !strings.Contains(body, want) {
			t.Errorf("subject page (%d) lacks %q", res.StatusCode, want)
		}
	}
	if res, _ = alice.get("/subjects/customers/nobody"); res.StatusCode != 404 {
		t.Errorf("unknown subject: %d", res.StatusCode)
	}
	// Renamed, the subject no longer matches: its alert closes and stays.
	// Then it leaves the watch: its page keeps the alerts.
	h := s.Handler()
	if res, body := do(t, h, "PUT", "/v1/subjects/customers/q03", `{"name":"Anna Marie O'Brien"}`, auth(keys["carol"])...); res.StatusCode != 200 {
		t.Fatalf("rename: %s", body)
	}
	_, body = alice.get("/subjects/customers/q03")
	if !strings.Contains(body, "Anna Marie O&#39;Brien") || !strings.Contains(body, `<span class="state closed">Closed</span>`) || !strings.Contains(body, "below_threshold") {
		t.Errorf("renamed subject's page:\n%s", body)
	}
	if res, body := do(t, h, "DELETE", "/v1/subjects/customers/q03", "", auth(keys["carol"])...); res.StatusCode != 200 {
		t.Fatalf("delete: %s", body)
	}
	res, body = alice.get("/subjects/customers/q03")
	if res.StatusCode != 200 || !strings.Contains(body, "no longer watched") || !strings.Contains(body, `<span class="state closed">Closed</span>`) {
		t.Errorf("removed subject's page: %d\n%s", res.StatusCode, body)
	}
	// Ids with a slash (travellers: flight/date/document) have pages too.
	if res, body := do(t, h, "PUT", "/v1/subjects/travellers/XX0112%2F2030-03-01%2Fdoc:T1", `{"name":"Qasem Soleimani"}`, auth(keys["carol"])...); res.StatusCode != 200 {
		t.Fatalf("traveller: %d %s", res.StatusCode, body)
	}
	_, body = alice.get("/alerts?set=travellers")
	if !strings.Contains(body, "travellers/XX0112/2030-03-01/doc:T1") {
		t.Fatalf("traveller's alert:\n%s", body)
	}
	id := alertIDs(body)[0]
	_, body = alice.get("/alerts/" + id)
	link := regexp.MustCompile(`Subject <a href="([^"]*)">`).FindStringSubmatch(body)
	if link == nil || link[1] != "/subjects/travellers/XX0112%2f2030-03-01%2fdoc:T1" && link[1] != "/subjects/travellers/XX0112%2F2030-03-01%2Fdoc:T1" {
		t.Fatalf("traveller's subject link: %v", link)
	}
	if res, body := alice.get(link[1]); res.StatusCode != 200 || !strings.Contains(body, "travellers/XX0112/2030-03-01/doc:T1") {
		t.Errorf("traveller's page: %d\n%s", res.StatusCode, body)
	}
}

// TestConsoleEntityLinksAlerts: the entity page links the alerts on the
// listing for a reviewer, not for a screen key.
func TestConsoleEntityLinksAlerts(t *testing.T) {
	_, b, _ := watchConsole(t)
	_, body := b["alice"].get("/entities/wt:1")
	body = html.UnescapeString(body)
	if !strings.Contains(body, `<a href="/alerts?entity=wt%3A1&state=all">Alerts on this listing</a>`) {
		t.Errorf("alice's entity page:\n%s", body)
	}
	if _, body := b["carol"].get("/entities/wt:1"); strings.Contains(body, "Alerts on this listing") {
		t.Error("carol's entity page links the alerts")
	}
	_, body = b["alice"].get("/alerts?entity=wt:1&state=all")
	if got := alertIDs(body); len(got) != 12 || !strings.Contains(body, "listing <strong>wt:1</strong>") {
		t.Errorf("alerts on wt:1: %d", len(got))
	}
}

// BenchmarkConsoleAlertsPage measures the console's queue page over
// 100,000 alerts, in the server (session, store, template): the default
// view (the alerts waiting for a reviewer, oldest first, 50 a page) and a
// set's travel bans, as BenchmarkAlertsPage measures the API.
func BenchmarkConsoleAlertsPage(b *testing.B) {
	s, st, keys := newWatchServer(b)
	fillAlerts(b, st, 100000)
	br := newClient(b, s)
	br.signIn(keys["alice"])
	for _, url := range []string{"/alerts", "/alerts?set=travellers&measure=travel_ban&state=open"} {
		b.Run(url, func(b *testing.B) {
			for b.Loop() {
				res, body := br.get(url)
				if res.StatusCode != 200 || !strings.Contains(body, `rel="next"`) {
					b.Fatalf("%d %.300s", res.StatusCode, body)
				}
			}
		})
	}
}
