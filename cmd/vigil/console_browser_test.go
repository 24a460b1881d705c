package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/vigil-screening/vigil/internal/browsertest"
)

// storyVersions returns three versions of the UN list fixture: without Ivan
// Primerov (a Libya listing, in Latin and Cyrillic script), with him, and
// with him and a new alias, Ivan Primerow.
func storyVersions(t *testing.T) (v1, v2, v3 string) {
	t.Helper()
	b, err := os.ReadFile("../../lists/un/testdata/sample.xml")
	if err != nil {
		t.Fatal(err)
	}
	full := string(b)
	dated := func(s, day string) string {
		return strings.Replace(s, `dateGenerated="2030-01-02T03:04:05.678Z"`, `dateGenerated="`+day+`T06:00:00.000Z"`, 1)
	}
	start := strings.Index(full, "<INDIVIDUAL>\n      <DATAID>9000002")
	end := start + strings.Index(full[start:], "</INDIVIDUAL>") + len("</INDIVIDUAL>")
	if start < 0 || end < start {
		t.Fatal("the fixture has no Ivan Primerov")
	}
	ivan := full[start:end]
	withAlias := strings.Replace(ivan, "<INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>",
		"<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Ivan Primerow</ALIAS_NAME></INDIVIDUAL_ALIAS>", 1)
	if withAlias == ivan {
		t.Fatal("no alias slot in Ivan Primerov's record")
	}
	v1 = dated(full[:start]+full[end:], "2025-01-01")
	v2 = dated(full, "2025-02-01")
	v3 = dated(full[:start]+withAlias+full[end:], "2025-03-01")
	return v1, v2, v3
}

// serveInProcess runs vigil serve (runServe, with its flags' defaults) on
// a free loopback port until the test ends, and returns its address once
// it answers ready.
func serveInProcess(t *testing.T, c serveConfig) string {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runServe(ctx, c, pw)
		pw.Close()
	}()
	addr := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`msg=listening addr=(http://\S+)`)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && err != http.ErrServerClosed {
			t.Logf("vigil serve: %v", err)
		}
	})
	var base string
	select {
	case base = <-addr:
	case err := <-done:
		t.Fatalf("vigil serve ended: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("vigil serve did not listen within a minute")
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if res, err := http.Get(base + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("vigil serve not ready within a minute")
		}
	}
}

// TestBrowserWatchStory walks the keep-watch story in headless Chromium
// against vigil serve over a SQLite store and list files: a watch file with
// a listed person and a namesake; a newer list version, refreshed by the
// service, raises their alerts; alice opens the namesake's with the
// keyboard, decides it a false positive and cannot approve it; bob, signed
// in with a second key, approves it; a version in which the listing gains
// an alias reopens it, saying what changed.
func TestBrowserWatchStory(t *testing.T) {
	browsertest.Path(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "vigil.db")
	lists := filepath.Join(dir, "lists")
	if err := os.Mkdir(lists, 0o755); err != nil {
		t.Fatal(err)
	}
	v1, v2, v3 := storyVersions(t)
	writeList := func(s string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(lists, "un.xml"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeList(v1)
	keys := map[string]string{}
	for _, k := range [][2]string{{"alice", "review"}, {"bob", "review"}, {"ops", "admin"}} {
		out, _, err := run(t, "keys", "create", "--db", db, "--name", k[0], "--role", k[1])
		if err != nil {
			t.Fatal(err)
		}
		keys[k[0]] = strings.TrimSpace(out)
	}
	base := serveInProcess(t, serveConfig{db: db, addr: "127.0.0.1:0", listsDir: lists, rate: -1, staleAfter: "3650d", logFormat: "text"})

	// The watch file: the listed person (Libyan) and a namesake.
	file := filepath.Join(dir, "customers.csv")
	os.WriteFile(file, []byte("id,name,dob,nationality,branch\nc-1,Ivan Primerov,,LY,Tripoli\nc-2,Ivan Primerov,1990-05-05,GB,Manchester\n"), 0o644)
	if _, _, err := run(t, "watch", "config", "--db", db, "customers", "--four-eyes", "all"); err != nil {
		t.Fatal(err)
	}
	if out, _, err := run(t, "watch", "import", "--db", db, "--set", "customers", file); err != nil || !strings.Contains(out, "2 added") || !strings.Contains(out, "0 opened") {
		t.Fatalf("watch import: %v\n%s", err, out)
	}

	// refresh asks the service to read the lists folder again, as an
	// operator (or --refresh) does.
	refresh := func() {
		t.Helper()
		req, _ := http.NewRequest("POST", base+"/v1/lists/refresh?wait=true", nil)
		req.Header.Set("Authorization", "Bearer "+keys["ops"])
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("refresh: %d %s", res.StatusCode, b)
		}
	}
	ctx := browsertest.New(t, 3*time.Minute)
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	signIn := func(who, next string) {
		t.Helper()
		do("signing in as "+who, chromedp.Navigate(base+"/login?next="+next), chromedp.WaitVisible("#key"),
			chromedp.SendKeys("#key", keys[who]), chromedp.Submit("#key"), chromedp.WaitVisible("form.logout"))
	}
	// until reloads path until js is true.
	until := func(path, js, what string) {
		t.Helper()
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
			do("opening "+path, chromedp.Navigate(base+path), chromedp.WaitReady("body"))
			if eval(`String(`+js+`)`) == "true" {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within a minute; the page says:\n%s", what, text("main"))
			}
		}
	}

	signIn("alice", "/alerts")
	if got := text("main"); !strings.Contains(got, "No alert waits for a reviewer") {
		t.Fatalf("the queue before the new version:\n%s", got)
	}
	do("lists page", chromedp.Navigate(base+"/lists"), chromedp.WaitVisible("table.lists"))
	if got := text("table.lists"); !strings.Contains(got, "UN Security Council Consolidated List") || !strings.Contains(got, "current") {
		t.Errorf("lists page (stale after 3650 days):\n%s", got)
	}

	// A newer version lists Ivan Primerov: both customers get an alert.
	writeList(v2)
	refresh()
	until("/alerts", `document.querySelectorAll("a.alert-link").length == 2`, "the alerts of un@2")
	queue := text("table.queue")
	for _, want := range []string{"customers/c-1", "customers/c-2", "un@2", "Open"} {
		if !strings.Contains(queue, want) {
			t.Errorf("queue lacks %q:\n%s", want, queue)
		}
	}
	// Alice moves to the namesake's alert with the keyboard and opens it.
	row := eval(`String([...document.querySelectorAll("table.queue tbody tr")].findIndex(r => r.textContent.includes("customers/c-2")))`)
	var idx int
	fmt.Sscan(row, &idx)
	href := eval(`document.querySelectorAll("a.alert-link")[` + row + `].getAttribute("href")`)
	for range idx + 1 {
		do("pressing j", chromedp.KeyEvent("j"))
	}
	if got := eval(`document.activeElement.getAttribute("href")`); got != href {
		t.Fatalf("after %d j the focus is on %q, want %q", idx+1, got, href)
	}
	do("pressing Enter", chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible("table.side"))
	alertPath := eval(`location.pathname`)
	if !strings.HasPrefix(href, alertPath) {
		t.Fatalf("Enter opened %s, want %s", alertPath, href)
	}
	side := text("table.side")
	for _, want := range []string{"customers/c-2", "Ivan Primerov", "Иван Примеров", "Cyrl", "1990-05-05", "GB", "Manchester"} {
		if !strings.Contains(side, want) {
			t.Errorf("the alert's subject and listing lack %q:\n%s", want, side)
		}
	}
	if got := text("main"); !strings.Contains(got, "found in un@2") || !strings.Contains(got, "Why it matched") {
		t.Errorf("alert page:\n%s", got)
	}

	// Alice decides it a false positive; four eyes: it waits for approval,
	// and she is offered none.
	const reason = "Manchester customer born 1990; the listing is a Libya designation"
	do("deciding", chromedp.Click(`input[name="as"][value="false_positive"]`), chromedp.SendKeys("#reason", reason),
		chromedp.Click(`section.decide button[type="submit"]`), chromedp.WaitVisible(`p.notice[role="status"]`))
	if got := text("main"); !strings.Contains(got, "Decision recorded") || !strings.Contains(got, "Pending approval") ||
		!strings.Contains(got, "You took this decision") || strings.Contains(got, "Approve this decision") {
		t.Fatalf("after deciding:\n%s", got)
	}

	// Bob signs in with the second key and approves.
	do("signing out", chromedp.Click(`form.logout button`), chromedp.WaitVisible("#key"))
	signIn("bob", alertPath)
	do("approving", chromedp.Click(`form[action$="/approve"] button`), chromedp.WaitVisible(`p.notice[role="status"]`))
	if got := text("main"); !strings.Contains(got, "Approval recorded") || !strings.Contains(got, "False positive") || !strings.Contains(got, "approved by bob") {
		t.Fatalf("after approving:\n%s", got)
	}

	// The listing gains an alias: the suppression no longer holds.
	writeList(v3)
	refresh()
	until(alertPath, `document.querySelector("h1").textContent.includes("Reopened")`, "the reopened alert")
	changes := text("section.changes")
	if !strings.Contains(changes, "name added: Ivan Primerow") || !strings.Contains(changes, reason) {
		t.Errorf("what changed:\n%s", changes)
	}
	do("the queue", chromedp.Navigate(base+"/alerts?state=reopened"), chromedp.WaitVisible("table.queue"))
	if got := text("table.queue"); !strings.Contains(got, "customers/c-2") || strings.Contains(got, "customers/c-1") {
		t.Errorf("reopened alerts:\n%s", got)
	}

	// The service said how old the lists are with the threshold it was
	// given.
	req, _ := http.NewRequest("GET", base+"/v1/lists", nil)
	req.Header.Set("Authorization", "Bearer "+keys["ops"])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var lr struct {
		StaleAfter float64 `json:"stale_after_seconds"`
	}
	json.NewDecoder(res.Body).Decode(&lr)
	res.Body.Close()
	if lr.StaleAfter != 3650*24*3600 {
		t.Errorf("stale_after_seconds %v with --stale-after 3650d", lr.StaleAfter)
	}
}
