package http

import (
	"context"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/link"
	"github.com/vigil-screening/vigil/match"
)

// searchServer returns a server over an invented list screened by the
// real matcher: 25 people named Ivan Petrov (each with its own birth
// year; the first three are one listed subject, as if the linker had
// found them one), 3 vessels named IVAN PETROV, one listing of Ivan Petrov
// whose kind the list does not state, and Qasem Soleimani with a birth
// date, nationality, gender and passport.
func searchServer(t *testing.T) *Server {
	t.Helper()
	st := tempStore(t)
	var es []vigil.Entity
	add := func(id string, k vigil.Kind, name string, f func(e *vigil.Entity)) {
		e := vigil.Entity{ID: "xx:" + id, Source: "xx", Ref: id, Kind: k, Names: []vigil.Name{{Full: name, Quality: vigil.QualityPrimary}}}
		if f != nil {
			f(&e)
		}
		es = append(es, e)
	}
	for i := range 25 {
		add(fmt.Sprintf("P%02d", i+1), vigil.KindPerson, "Ivan Petrov", func(e *vigil.Entity) {
			e.BirthDates = []vigil.Date{{Year: 1940 + i}}
		})
	}
	for i := range 3 {
		add(fmt.Sprintf("V%d", i+1), vigil.KindVessel, "IVAN PETROV", nil)
	}
	add("U1", vigil.KindUnknown, "Ivan Petrov", nil)
	add("S1", vigil.KindPerson, "Qasem Soleimani", func(e *vigil.Entity) {
		e.BirthDates = []vigil.Date{{Year: 1957, Month: 3, Day: 11}}
		e.Nationalities = []string{"IR"}
		e.Gender = "male"
		e.Documents = []vigil.Document{{Type: vigil.DocPassport, Number: "008827"}}
	})
	// Canada's ids hold slashes (ca:Iran/1-2/89).
	add("Iran/1-2/89", vigil.KindPerson, "Ghasem Examplezadeh", nil)
	if _, err := st.Import(context.Background(), vigil.ListVersion{List: "xx", Source: "xx", Format: "test", Hash: "x1"}, es); err != nil {
		t.Fatal(err)
	}
	s := New(Options{Store: st, NoAuth: true, MatchThreshold: match.DefaultThreshold})
	snap := realSnapshot(t, st)
	snap.Subjects = link.NewSubjects(map[string]string{"xx:P01": "S1", "xx:P02": "S1", "xx:P03": "S1"})
	s.Swap(snap)
	return s
}

var (
	resultRE  = regexp.MustCompile(`<a class="entity" href="/entities/(xx:[^"]+)"`)
	listingRE = regexp.MustCompile(`<a class="listing matched" href="/entities/(xx:[^"]+)"`)
)

// results returns the entity ids of a results page, in order.
func results(body string) []string {
	var out []string
	for _, m := range resultRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestConsoleSearchPages: a search says how many subjects and matching
// listings there are, shows ten subjects a page, and pages through all of
// them, each once, each listing in its subject's row.
func TestConsoleSearchPages(t *testing.T) {
	h := searchServer(t).Handler()
	_, body := do(t, h, "GET", "/?name=Ivan+Petrov", "")
	body = html.UnescapeString(body)
	for _, want := range []string{"27 subjects for", "(29 matching listings)", "Showing 1–10 of 27 subjects", `href="/?name=Ivan+Petrov&page=2" rel="next"`, `href="/help/score"`} {
		if !strings.Contains(body, want) {
			t.Errorf("first page lacks %q", want)
		}
	}
	if strings.Contains(body, `rel="prev"`) {
		t.Error("the first page links a previous page")
	}
	seen := map[string]bool{}
	listings := map[string]bool{}
	for pg, want := range []int{10, 10, 7} {
		_, body := do(t, h, "GET", fmt.Sprintf("/?name=Ivan+Petrov&page=%d", pg+1), "")
		body = html.UnescapeString(body)
		ids := results(body)
		if len(ids) != want {
			t.Errorf("page %d shows %d subjects, want %d", pg+1, len(ids), want)
		}
		for _, m := range listingRE.FindAllStringSubmatch(body, -1) {
			if listings[m[1]] {
				t.Errorf("listing %s shown twice", m[1])
			}
			listings[m[1]] = true
		}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("%s shown on two pages", id)
			}
			seen[id] = true
		}
		if pg == 2 && (!strings.Contains(body, "Showing 21–27 of 27 subjects") || strings.Contains(body, `rel="next"`) || !strings.Contains(body, `href="/?name=Ivan+Petrov&page=2" rel="prev"`)) {
			t.Errorf("last page:\n%s", body)
		}
	}
	if len(seen) != 27 || len(listings) != 29 {
		t.Errorf("the pages showed %d distinct subjects and %d listings, want 27 and 29", len(seen), len(listings))
	}
	// The subject of three listings is one row, which names all three.
	_, body = do(t, h, "GET", "/?name=Ivan+Petrov&dob=1940", "")
	row := body[strings.Index(body, `id="subject-S1"`):]
	row = row[:strings.Index(row, "</tbody>")]
	for _, id := range []string{"xx:P01", "xx:P02", "xx:P03"} {
		if !strings.Contains(row, `href="/entities/`+id+`"`) {
			t.Errorf("the row of subject S1 lacks %s:\n%s", id, row)
		}
	}
	// A page past the end shows the last.
	if _, body := do(t, h, "GET", "/?name=Ivan+Petrov&page=99", ""); !strings.Contains(body, "Showing 21–27 of 27 subjects") {
		t.Error("page 99 does not show the last page")
	}
	if _, body := do(t, h, "GET", "/?name=Qasem+Soleimani", ""); !strings.Contains(body, "1 subject for") || strings.Contains(body, `rel="next"`) {
		t.Error("a single match")
	}
}

// TestConsoleSearchKind: the Kind field filters. The matcher only lowers
// another kind's score, so that without the filter a vessel search lists
// the people of the name; a listing whose kind is not stated stays.
func TestConsoleSearchKind(t *testing.T) {
	h := searchServer(t).Handler()
	_, body := do(t, h, "GET", "/?name=Ivan+Petrov&kind=vessel", "")
	body = html.UnescapeString(body)
	ids := results(body)
	got := strings.Join(ids, ",")
	if got != "xx:U1,xx:V1,xx:V2,xx:V3" && got != "xx:V1,xx:V2,xx:V3,xx:U1" {
		t.Errorf("kind=vessel shows %v, want the three vessels and the listing of no stated kind", ids)
	}
	if !strings.Contains(body, "4 subjects for") || !strings.Contains(body, "25 matching listings are of another kind than vessel and not shown") ||
		!strings.Contains(body, `<a href="/?name=Ivan+Petrov">show every kind</a>`) {
		t.Errorf("kind=vessel page:\n%s", body)
	}
	_, body = do(t, h, "GET", "/?name=Ivan+Petrov&kind=person", "")
	if !strings.Contains(body, "24 subjects for") || !strings.Contains(body, "(26 matching listings)") || !strings.Contains(body, "3 matching listings are of another kind") {
		t.Errorf("kind=person: %v", results(body))
	}
	for _, id := range results(body) {
		if strings.HasPrefix(id, "xx:V") {
			t.Errorf("kind=person shows vessel %s", id)
		}
	}
}

// TestScoreHelp: the help page is linked from results, and every figure it
// gives is the real matcher's, as its explanations show them.
func TestScoreHelp(t *testing.T) {
	h := searchServer(t).Handler()
	res, page := do(t, h, "GET", "/help/score", "")
	if res.StatusCode != 200 || !strings.Contains(page, "<h1>How to read a score</h1>") || !strings.Contains(page, `<th scope="row">0.78</th>`) {
		t.Fatalf("help page %d:\n%s", res.StatusCode, page)
	}
	// feature screens Qasem Soleimani with the query values through the
	// API (whose matches are not filtered by kind) and returns the score
	// the named feature adds.
	feature := func(values, name string) float64 {
		t.Helper()
		_, body := do(t, h, "POST", "/v1/screen", `{"name":"Qasem Soleimani",`+values+`}`)
		for _, m := range decode[ScreenResponse](t, body).Matches {
			for _, f := range m.Explanation {
				if f.Feature == name {
					return f.Score
				}
			}
		}
		t.Fatalf("%s: no %s feature in %s", values, name, body)
		return 0
	}
	sign := func(f float64) string {
		if f < 0 {
			return fmt.Sprintf("−%.2f", -f)
		}
		return fmt.Sprintf("+%.2f", f)
	}
	for _, tc := range []struct{ values, feature, row string }{
		{`"dob":"1957-03-11"`, "dob", "dob"},
		{`"dob":"1957"`, "dob", "dob"},
		{`"dob":"1970-01-01"`, "dob", "dob"},
		{`"nationality":"IR"`, "nationality", "nationality"},
		{`"nationality":"GB"`, "nationality", "nationality"},
		{`"gender":"male"`, "gender", "gender"},
		{`"gender":"female"`, "gender", "gender"},
		{`"kind":"organization"`, "kind", "kind"},
	} {
		f := feature(tc.values, tc.feature)
		i := strings.Index(page, `<th scope="row">`+tc.row+`</th>`)
		rowText := page[i : i+strings.Index(page[i:], "</tr>")]
		if want := "<b>" + sign(f) + "</b>"; !strings.Contains(rowText, want) {
			t.Errorf("%s gives %s %v: the help's %s row lacks %s:\n%s", tc.values, tc.feature, f, tc.row, want, rowText)
		}
	}
	// A listed document number: at least 0.97 whatever the name.
	_, body := do(t, h, "GET", "/?name=Kasim+Sulaymanov&id=008827", "")
	s := regexp.MustCompile(`<span class="score">([0-9.]+)</span>`).FindStringSubmatch(body)
	if s == nil || s[1] != "0.97" || !strings.Contains(page, "at least <b>0.97</b>") {
		t.Errorf("a listed document: score %v; the help says 0.97", s)
	}
}

// TestConsoleSlashIDs: an entity whose id holds slashes (Canada's) is
// linked so that its page opens.
func TestConsoleSlashIDs(t *testing.T) {
	h := searchServer(t).Handler()
	_, body := do(t, h, "GET", "/?name=Ghasem+Examplezadeh", "")
	ids := results(body)
	if len(ids) != 1 || !strings.EqualFold(ids[0], "xx:Iran%2f1-2%2f89") {
		t.Fatalf("results %v", ids)
	}
	res, body := do(t, h, "GET", "/entities/"+ids[0], "")
	if res.StatusCode != 200 || !strings.Contains(body, "Ghasem Examplezadeh") {
		t.Errorf("the entity page of xx:Iran/1-2/89: %d", res.StatusCode)
	}
}
