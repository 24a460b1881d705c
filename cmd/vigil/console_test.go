package main

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	vhttp "github.com/vigil-screening/vigil/http"
	"github.com/vigil-screening/vigil/match"
)

// formClient is a browser without JavaScript: it keeps cookies and posts
// forms with the CSRF token of the page they are on.
type formClient struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newFormClient(t *testing.T, base string) *formClient {
	jar, _ := cookiejar.New(nil)
	return &formClient{t: t, base: base, c: &http.Client{Jar: jar}}
}

func (f *formClient) get(path string) (int, string) {
	f.t.Helper()
	res, err := f.c.Get(f.base + path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// post posts fields to action with the token of the form on page.
func (f *formClient) post(page, action string, fields url.Values) (int, string) {
	f.t.Helper()
	_, body := f.get(page)
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		f.t.Fatalf("%s has no form token", page)
	}
	fields.Set("csrf", html.UnescapeString(m[1]))
	res, err := f.c.PostForm(f.base+action, fields)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, html.UnescapeString(string(b))
}

// TestConsoleManifestHeader: the console's manifest result, as vigil serve
// wires it, heads the travellers with their flight and route, as vigil
// manifest does, and shows each traveller's document number; the API
// answers the flights too. The manifest is the page's own example.
func TestConsoleManifestHeader(t *testing.T) {
	listed := &vigil.Entity{ID: "un:IRi.039", Source: "un", Ref: "IRi.039", Kind: vigil.KindPerson,
		Names:      []vigil.Name{{Full: "QASEM SOLEIMANI", Quality: vigil.QualityPrimary}},
		BirthDates: []vigil.Date{{Year: 1957, Month: 3, Day: 11}},
		Measures:   []vigil.Measure{vigil.MeasureAssetFreeze, vigil.MeasureTravelBan}}
	srv := vhttp.New(vhttp.Options{NoAuth: true, ParseManifest: parseManifest, Assess: assess})
	srv.Swap(&vhttp.Snapshot{Index: match.NewIndex([]match.Entry{{Entity: listed, Version: "un@1"}}), Versions: []vigil.ListVersion{{List: "un", Version: 1}}})
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	example, err := os.ReadFile("../../http/examples/manifest.edi")
	if err != nil {
		t.Fatal(err)
	}

	b := newFormClient(t, ts.URL)
	status, body := b.post("/manifest", "/manifest", url.Values{"manifest": {string(example)}})
	if status != 200 {
		t.Fatalf("manifest: %d\n%s", status, body)
	}
	for _, want := range []string{
		`<h3 class="flight">Flight XX0112 <span class="route">IKA 2030-03-01T02:00 → SVO 2030-03-01T06:40</span> <span class="muted">· 2 travellers</span></h3>`,
		`<td class="doc">T88240217</td>`, `<td class="doc">PX1234567</td>`, `<strong class="verdict deny">deny</strong>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the result lacks %s", want)
		}
	}
	if strings.Contains(body, "Travellers without a flight") {
		t.Error("travellers of the flight are listed as without one")
	}

	res, err := http.Post(ts.URL+"/v1/manifest", "text/plain", strings.NewReader(string(example)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var mr vhttp.ManifestResponse
	if err := json.NewDecoder(res.Body).Decode(&mr); err != nil {
		t.Fatal(err)
	}
	if len(mr.Flights) != 1 || mr.Flights[0].Ident != "XX0112" || len(mr.Flights[0].Legs) != 1 || mr.Flights[0].Legs[0].To != "SVO" ||
		len(mr.Flights[0].Travellers) != 2 {
		t.Errorf("API flights: %+v", mr.Flights)
	}
}
