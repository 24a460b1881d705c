package http

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigil-screening/vigil/internal/browsertest"
	"github.com/vigil-screening/vigil/sqlite"
)

// browser starts a headless Chromium (internal/browsertest).
func browser(t *testing.T) context.Context { return browsertest.New(t, 60*time.Second) }

// searchAndOpen searches the console for name, opens the entity whose link
// is href, and returns the text of its names table.
func searchAndOpen(t *testing.T, base, name, href string) (results, names, title string) {
	ctx := browser(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#name`)),
		chromedp.SendKeys(chromedp.CSS(`#name`), name),
		chromedp.Submit(chromedp.CSS(`#name`)),
		chromedp.WaitVisible(chromedp.CSS(`table.results`)),
	)
	if err == nil {
		results, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`table.results`)))
	}
	if err == nil {
		err = chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`table.results a[href="`+href+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(`table.names`)),
		)
	}
	if err == nil {
		names, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`table.names`)))
	}
	if err == nil {
		title, err = chromedp.Run(ctx, chromedp.Title())
	}
	if err != nil {
		t.Fatalf("browsing %s: %v", base, err)
	}
	return results, stripBidi(names), title
}

// stripBidi drops the bidirectional embedding marks lists put around
// right-to-left names.
func stripBidi(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '\u202a' && r <= '\u202e' || r == '\u200e' || r == '\u200f' {
			return -1
		}
		return r
	}, s)
}

// TestBrowserConsole searches the console for Soleimani in real Chromium,
// opens his entity, and finds his Persian-script alias (invented fixture).
func TestBrowserConsole(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	results, names, title := searchAndOpen(t, ts.URL, "Soleimani", "/entities/un:IRi.039")
	if !strings.Contains(results, "Qasem Soleimani") {
		t.Errorf("results table: %q", results)
	}
	if !strings.Contains(names, "قاسم سلیمانی") || !strings.Contains(names, "Arab") {
		t.Errorf("names table lacks the Persian-script alias: %q", names)
	}
	if !strings.HasPrefix(title, "Qasem Soleimani") {
		t.Errorf("title %q", title)
	}
}

// TestBrowserRealLists does the same on the real UN and OFAC lists with the
// real matcher. In the shared snapshots the Persian-script names come from
// OFAC's Enhanced XML; Qasem Soleimani's own OFAC entry (10481) has Latin
// names only, so the Persian alias checked is that of Gholamreza Soleimani
// (OFAC 27854), whom the same search finds.
func TestBrowserRealLists(t *testing.T) {
	s := newRealServer(t, Options{})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	// A surname alone is no match (issue 20): search the whole name.
	results, names, _ := searchAndOpen(t, ts.URL, "Gholamreza Soleimani", "/entities/ofac:27854")
	if up := strings.ToUpper(results); !strings.Contains(up, "GHOLAMREZA") || !strings.Contains(up, "SOLEIMANI") {
		t.Errorf("results lack Gholamreza Soleimani: %q", results)
	}
	if !strings.Contains(names, "غلامرضا سلیمانی") {
		t.Errorf("names table lacks the Persian-script name: %q", names)
	}
}

// TestBrowserCSRF replays the attacks of issue 18 in real Chromium: a page
// on another port of the same host posts forms to the console of a
// signed-in administrator (refresh the lists, sign out, screen a text), and
// a page posts the sign-in form with the attacker's key to a browser that is
// not signed in. None may take effect.
func TestBrowserCSRF(t *testing.T) {
	ks := newKeyStore(t)
	_, admin := createKey(t, ks, "victim", "admin")
	_, attackerKey := createKey(t, ks, "attacker", "screen")
	var reloads atomic.Int64
	var s *Server
	var st *sqlite.Store
	s, st = newTestServer(t, Options{Keys: ks, ScanText: testScanText, Reload: func(context.Context) (*Snapshot, error) {
		reloads.Add(1)
		return snapshotOf(t, st), nil
	}})
	app := httptest.NewServer(s.Handler())
	defer app.Close()
	forms := map[string]string{
		"/refresh": `<form method="post" action="` + app.URL + `/v1/lists/refresh"></form>`,
		"/logout":  `<form method="post" action="` + app.URL + `/logout"></form>`,
		"/text":    `<form method="post" action="` + app.URL + `/text"><input name="text" value="Ivan Petrov"></form>`,
		"/login":   `<form method="post" action="` + app.URL + `/login"><input name="key" value="` + attackerKey + `"><input name="next" value="/"></form>`,
	}
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(w, `<!doctype html><body>%s<script>document.forms[0].submit()</script></body>`, forms[r.URL.Path])
	}))
	defer evil.Close()
	if strings.Split(app.URL, ":")[1] != strings.Split(evil.URL, ":")[1] {
		t.Fatalf("the pages are not on one host: %s %s", app.URL, evil.URL)
	}

	// attack opens the attacker's page and waits until its form has been
	// answered, returning what the browser shows.
	attack := func(ctx context.Context, path string) string {
		err := chromedp.Do(ctx,
			chromedp.Navigate(evil.URL+path),
			chromedp.Poll[chromedp.Void](`location.href.startsWith("`+app.URL+`") && document.readyState === "complete"`),
		)
		var body string
		// The answer's page replaces the attacker's: a read that lands
		// while the old page's context goes away is tried again.
		for try := 0; err == nil || strings.Contains(err.Error(), "Cannot find context"); try++ {
			if body, err = chromedp.Run(ctx, chromedp.Text(`body`)); err == nil || try == 20 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Fatalf("attack %s: %v", path, err)
		}
		return body
	}
	signedIn := func(ctx context.Context) bool {
		err := chromedp.Do(ctx, chromedp.Navigate(app.URL+"/lists"), chromedp.WaitReady(`body`))
		var loc string
		if err == nil {
			loc, err = chromedp.Run(ctx, chromedp.Location())
		}
		if err != nil {
			t.Fatal(err)
		}
		return strings.HasSuffix(loc, "/lists")
	}

	victim := browser(t)
	err := chromedp.Do(victim,
		chromedp.Navigate(app.URL+"/login?next=/lists"),
		chromedp.WaitVisible(`#key`),
		chromedp.SendKeys(`#key`, admin),
		chromedp.Submit(`#key`),
		chromedp.WaitVisible(`form.logout`),
	)
	if err != nil || !signedIn(victim) {
		t.Fatalf("signing in: %v", err)
	}
	for _, path := range []string{"/refresh", "/logout", "/text"} {
		// Chromium marks the posts as same-site, not same-origin: the
		// origin check refuses them before any handler (the CSRF tokens,
		// which the forged forms lack, would refuse them next).
		body := attack(victim, path)
		if !strings.Contains(body, "cross-origin request refused") {
			t.Errorf("%s: the forged form was not refused as cross-origin: %.300s", path, body)
		}
	}
	if n := reloads.Load(); n != 0 {
		t.Errorf("the forged refresh ran %d reloads", n)
	}
	if !signedIn(victim) {
		t.Error("the forged sign-out ended the session")
	}

	fresh := browser(t)
	attack(fresh, "/login")
	if signedIn(fresh) {
		t.Error("another site signed the browser in with its key")
	}
}

// TestBrowserWarnsOfUnusedValues: in real Chromium, a search with a value
// it could not use shows the warning, above the results and visible.
func TestBrowserWarnsOfUnusedValues(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	ctx := browser(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/?name=Soleimani&dob=1957-02-30&nationality=Narnia"),
		chromedp.WaitVisible(chromedp.CSS(`#problems`)),
	)
	var warning, results string
	if err == nil {
		warning, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#problems`)))
	}
	if err == nil {
		results, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`table.results`)))
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Not used in this search", `dob "1957-02-30" is not a date (February 1957 has 28 days)`, `nationality "Narnia" is not a country`} {
		if !strings.Contains(warning, want) {
			t.Errorf("warning lacks %q: %q", want, warning)
		}
	}
	if !strings.Contains(results, "Qasem Soleimani") {
		t.Errorf("results %q", results)
	}
}
