package http

import (
	"context"
	"fmt"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
)

// listsServer returns a server over three invented lists: a UN version
// published 602 days ago, an OFAC SDN version of 1,234 entities whose file
// states no publication date, and a UK version published two days ago
// whose version 2 changed 441 listings.
func listsServer(t *testing.T, opts Options) *Server {
	t.Helper()
	st := tempStore(t)
	ctx := context.Background()
	now := time.Now()
	imp := func(v vigil.ListVersion, es []vigil.Entity) {
		t.Helper()
		if _, err := st.Import(ctx, v, es); err != nil {
			t.Fatal(err)
		}
	}
	person := func(id, name string) vigil.Entity {
		src, ref, _ := strings.Cut(id, ":")
		return vigil.Entity{ID: id, Source: src, Ref: ref, Kind: vigil.KindPerson, Names: []vigil.Name{{Full: name, Quality: vigil.QualityPrimary}}}
	}
	imp(vigil.ListVersion{List: "un", Source: "un", Format: "un_xml", Hash: "u1", Published: now.Add(-602 * 24 * time.Hour)},
		[]vigil.Entity{person("un:A.1", "Ivan Petrov")})
	var ofac []vigil.Entity
	for i := range 1234 {
		ofac = append(ofac, person(fmt.Sprintf("ofac:%d", i+1), fmt.Sprintf("Person Number %d", i+1)))
	}
	imp(vigil.ListVersion{List: "ofac_sdn", Source: "ofac", Format: "ofac_csv", Hash: "o1"}, ofac)
	var uk1, uk2 []vigil.Entity
	for i := range 500 {
		e := person(fmt.Sprintf("uk:%d", i+1), fmt.Sprintf("Listed Person %d", i+1))
		uk1 = append(uk1, e)
		if i < 441 {
			e.Remarks = "changed"
		}
		uk2 = append(uk2, e)
	}
	imp(vigil.ListVersion{List: "uk", Source: "uk", Format: "uk_csv", Hash: "k1", Published: now.Add(-5 * 24 * time.Hour)}, uk1)
	imp(vigil.ListVersion{List: "uk", Source: "uk", Format: "uk_csv", Hash: "k2", Published: now.Add(-2 * 24 * time.Hour)}, uk2)
	opts.Store = st
	opts.NoAuth = true
	s := New(opts)
	s.Swap(snapshotOf(t, st))
	return s
}

// row returns the table row of the lists page that names list.
func row(t *testing.T, body, name string) string {
	t.Helper()
	i := strings.Index(body, `<th scope="row">`+name)
	if i < 0 {
		t.Fatalf("the lists page has no row for %q", name)
	}
	end := strings.Index(body[i:], "</tr>")
	return body[i : i+end]
}

// TestConsoleListsPage: the Lists page names lists by name (not key),
// keeps the age of the publication apart from the time since import, marks
// a list published 602 days ago stale rather than current, says when the
// age is unknown, writes thousands with separators and counts changes in
// words.
func TestConsoleListsPage(t *testing.T) {
	s := listsServer(t, Options{})
	res, body := do(t, s.Handler(), "GET", "/lists", "")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	un := row(t, body, "UN Security Council Consolidated List")
	for _, want := range []string{"<code>un</code>", "602 days old", "stale: published more than 30 days ago"} {
		if !strings.Contains(un, want) {
			t.Errorf("UN row lacks %q:\n%s", want, un)
		}
	}
	if strings.Contains(un, `class="ok"`) || !strings.Contains(un, "under a minute ago") {
		t.Errorf("UN row: a 602-day-old list shown current, or the import's age missing:\n%s", un)
	}
	ofac := row(t, body, "OFAC Specially Designated Nationals (SDN) List")
	for _, want := range []string{"1,234", "not stated in the file", "age unknown"} {
		if !strings.Contains(ofac, want) {
			t.Errorf("OFAC row lacks %q:\n%s", want, ofac)
		}
	}
	if strings.Contains(ofac, "min old") || strings.Contains(ofac, `class="ok"`) {
		t.Errorf("OFAC row gives the import time as the publication's age, or calls it current:\n%s", ofac)
	}
	uk := row(t, body, "UK OFSI Consolidated List")
	for _, want := range []string{"2 days old", `<span class="ok">current</span>`, "0 added, 0 removed, 441 changed"} {
		if !strings.Contains(uk, want) {
			t.Errorf("UK row lacks %q:\n%s", want, uk)
		}
	}
	if strings.Contains(body, "~441") || strings.Contains(body, `<th scope="row">ofac_sdn`) {
		t.Error("the page still shows ~441 or a raw key as a list's name")
	}
	if !strings.Contains(body, "1 list was published more than 30 days ago") {
		t.Error("no warning above the table for the stale list")
	}

	// The API says the same.
	_, js := do(t, s.Handler(), "GET", "/v1/lists", "")
	lr := decode[ListsResponse](t, js)
	stale := map[string]bool{}
	for _, l := range lr.Lists {
		stale[l.List] = l.Stale
		if l.Name != vigil.ListName(l.List) {
			t.Errorf("%s: name %q", l.List, l.Name)
		}
	}
	if !stale["un"] || stale["ofac_sdn"] || stale["uk"] || lr.StaleAfterSeconds != DefaultStaleAfter.Seconds() {
		t.Errorf("stale %v, after %v s", stale, lr.StaleAfterSeconds)
	}

	// The threshold is configurable.
	s = listsServer(t, Options{StaleAfter: 1000 * 24 * time.Hour})
	_, body = do(t, s.Handler(), "GET", "/lists", "")
	if un := row(t, body, "UN Security Council Consolidated List"); !strings.Contains(un, `<span class="ok">current</span>`) || !strings.Contains(body, "within the last 1000 days") {
		t.Errorf("with a 1000-day threshold the UN list is not current:\n%s", un)
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 14965: "14,965", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestConsoleNotFound: an unknown page is an HTML page for a browser and
// JSON for an API client.
func TestConsoleNotFound(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	h := s.Handler()
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	res, body := do(t, h, "GET", "/no-such-page", "", "Accept", browser)
	if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(body, "<h1>Page not found</h1>") || !strings.Contains(body, "<code>/no-such-page</code>") || !strings.Contains(body, `href="/lists"`) {
		t.Errorf("browser: %d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	for _, accept := range []string{"", "application/json", "*/*"} {
		res, body = do(t, h, "GET", "/v1/no-such-route", "", "Accept", accept)
		if res.StatusCode != 404 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || !strings.Contains(body, "no such route") {
			t.Errorf("API client (Accept %q): %d %s %s", accept, res.StatusCode, res.Header.Get("Content-Type"), body)
		}
	}
	res, body = do(t, h, "DELETE", "/lists", "", "Accept", browser)
	if res.StatusCode != 405 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "cannot be opened with DELETE") {
		t.Errorf("browser, wrong method: %d\n%s", res.StatusCode, body)
	}
}

// TestConsoleFormsExplain: the article and manifest pages say what they
// accept and up to which size, and fill in an example when asked.
func TestConsoleFormsExplain(t *testing.T) {
	s, _ := newTestServer(t, Options{ScanText: testScanText, ParseManifest: testManifest, MaxUploadBytes: 3 << 20, MaxTextBytes: 200 << 10})
	h := s.Handler()
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/text", []string{"plain text", "at most <strong>200 KiB</strong>", "in any language and script", `href="/text?example=1"`, "more than 1,000 candidate names"}},
		{"/text?example=1", []string{"General Qassem Soleimani, the commander of the Quds Force"}},
		{"/manifest", []string{"UN/EDIFACT PAXLST", "at most <strong>3 MiB</strong>", "<b>deny</b>", `href="/manifest?example=1"`}},
		{"/manifest?example=1", []string{"UNB+UNOA:4+XXAIR:ZZ+RUBORDER:ZZ", "NAD+FL+++SOLEIMANI:QASEM"}},
	} {
		res, body := do(t, h, "GET", tc.path, "")
		body = html.UnescapeString(body)
		if res.StatusCode != 200 {
			t.Errorf("%s: %d", tc.path, res.StatusCode)
		}
		for _, w := range tc.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s lacks %q", tc.path, w)
			}
		}
	}
	if _, body := do(t, h, "GET", "/text", ""); strings.Contains(body, "Quds Force") {
		t.Error("the article form is filled in without asking")
	}
}
