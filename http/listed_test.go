package http

import (
	"context"
	"html"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/link"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/sqlite"
	"github.com/vigil-screening/vigil/text"
)

// storeLinks serves listed subjects from a real store, clustering the
// stored links again on a judgement, as vigil serve does.
type storeLinks struct{ st *sqlite.Store }

func (s storeLinks) ListedSubject(ctx context.Context, id string) (vigil.ListedSubject, error) {
	return s.st.ListedSubject(ctx, id)
}

func (s storeLinks) SubjectOf(ctx context.Context, id string) (vigil.ListedSubject, error) {
	return s.st.SubjectOf(ctx, id)
}

func (s storeLinks) Judge(ctx context.Context, j vigil.LinkJudgement) (vigil.LinkJudgement, vigil.SubjectLookup, error) {
	j, err := s.st.Judge(ctx, j)
	if err != nil {
		return j, nil, err
	}
	if _, err := link.Rejudge(ctx, s.st, link.DefaultOptions, time.Now()); err != nil {
		return j, nil, err
	}
	ids, err := s.st.SubjectIDs(ctx)
	return j, link.NewSubjects(ids), err
}

// subjectsServer serves three lists with the real matcher and linker: one
// man on the UN, OFAC and US CSL lists (the CSL row names OFAC's ent_num;
// the UN's by name and date of birth), and a different man whose name is
// near, on the UN list without a date of birth.
func subjectsServer(t *testing.T) (*Server, *sqlite.Store) {
	t.Helper()
	st := tempStore(t)
	ctx := context.Background()
	person := func(id, name, dob string, measures ...vigil.Measure) vigil.Entity {
		src, ref, _ := vigil.SplitID(id)
		e := vigil.Entity{ID: id, Source: src, Ref: ref, Kind: vigil.KindPerson, Names: []vigil.Name{{Full: name, Quality: vigil.QualityPrimary}},
			Measures: measures, Nationalities: []string{"IR"}, Programs: []string{"IRAN"}}
		if dob != "" {
			e.BirthDates = []vigil.Date{{Year: 1957, Month: 3, Day: 11}}
		}
		return e
	}
	csl := person("us_csl:10481", "SOLEIMANI, Qasem", "1957-03-11", vigil.MeasureAssetFreeze)
	csl.Relations = []vigil.Relation{{EntityID: "ofac:10481", Type: vigil.RelationSameAs}}
	soleymani := person("un:IRi.040", "GHASEM SOLEYMANI", "", vigil.MeasureAssetFreeze, vigil.MeasureTravelBan)
	soleymani.Positions = []string{"Director of Uranium Mining Operations"}
	for _, l := range []struct {
		list string
		es   []vigil.Entity
	}{
		{"un", []vigil.Entity{person("un:IRi.039", "QASEM SOLEIMANI", "1957-03-11", vigil.MeasureAssetFreeze, vigil.MeasureTravelBan), soleymani}},
		{"ofac_sdn", []vigil.Entity{person("ofac:10481", "SOLEIMANI, Qasem", "1957-03-11", vigil.MeasureAssetFreeze)}},
		{"us_csl", []vigil.Entity{csl}},
	} {
		src, _, _ := vigil.SplitID(l.es[0].ID)
		if _, err := st.Import(ctx, vigil.ListVersion{List: l.list, Source: src, Format: "test", Hash: l.list}, l.es); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := st.CurrentEntities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entries := make([]match.Entry, len(rows))
	for i := range rows {
		entries[i] = match.Entry{Entity: &rows[i].Entity, Version: rows[i].Version.Label()}
	}
	ix := match.NewIndex(entries)
	if _, err := link.Run(ctx, st, entries, ix, link.DefaultOptions, time.Now()); err != nil {
		t.Fatal(err)
	}
	ids, err := st.SubjectIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cur, _ := st.Current(ctx)
	s := New(Options{Store: st, Keys: st, Links: storeLinks{st}}) // no key yet: open, as a new installation
	s.Swap(&Snapshot{Index: ix, Versions: cur, Subjects: link.NewSubjects(ids)})
	return s, st
}

func TestScreenBySubject(t *testing.T) {
	s, _ := subjectsServer(t)
	h := s.Handler()
	res, body := do(t, h, "POST", "/v1/screen", `{"name": "Qasem Soleimani", "dob": "1957-03-11"}`)
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	sr := decode[ScreenResponse](t, body)
	if len(sr.Subjects) != 2 || !slices.Equal(sr.Subjects[0].EntityIDs, []string{"ofac:10481", "un:IRi.039", "us_csl:10481"}) ||
		!slices.Equal(sr.Subjects[1].EntityIDs, []string{"un:IRi.040"}) {
		t.Fatalf("subjects = %+v", sr.Subjects)
	}
	one := sr.Subjects[0]
	if !slices.Equal(one.ListsImposing(vigil.MeasureTravelBan), []string{"un"}) || !slices.Equal(one.ListsImposing(vigil.MeasureAssetFreeze), []string{"ofac_sdn", "un", "us_csl"}) {
		t.Errorf("measures = %v", one.Measures)
	}
	for _, m := range sr.Matches {
		want := one.Subject
		if m.EntityID == "un:IRi.040" {
			want = sr.Subjects[1].Subject
		}
		if m.Subject != want || want == "" {
			t.Errorf("%s: subject %q, want %q", m.EntityID, m.Subject, want)
		}
	}
	// A filter keeps the listings asked for; the subject still shows them all.
	_, body = do(t, h, "POST", "/v1/screen", `{"name": "Qasem Soleimani", "filter": {"lists": ["us_csl"]}}`)
	sr = decode[ScreenResponse](t, body)
	if len(sr.Matches) != 1 || sr.Matches[0].EntityID != "us_csl:10481" || len(sr.Subjects) != 1 || len(sr.Subjects[0].EntityIDs) != 3 {
		t.Errorf("filter lists: %+v", sr)
	}
	_, body = do(t, h, "POST", "/v1/screen", `{"queries": [{"name": "Qasem Soleimani", "filter": {"measures": ["travel ban"]}}]}`)
	br := decode[BatchResponse](t, body)
	if got := br.Results[0].Matches; len(got) != 2 || !strings.HasPrefix(got[0].EntityID, "un:") || !strings.HasPrefix(got[1].EntityID, "un:") {
		t.Errorf("filter measures: %+v", got)
	}
	for _, bad := range []string{
		`{"name": "x", "filter": {"lists": ["nosuch"]}}`,
		`{"name": "x", "filter": {"measures": ["ban"]}}`,
		`{"name": "x", "filter": {"programs": [" "]}}`,
		`{"name": "x", "filter": {"list": ["un"]}}`,
	} {
		if res, body := do(t, h, "POST", "/v1/screen", bad); res.StatusCode != 400 {
			t.Errorf("%s: %d %s", bad, res.StatusCode, body)
		}
	}
	// yente's /match answers with subjects and their referents.
	_, body = do(t, h, "POST", "/match/default", `{"queries": {"q": {"schema": "Person", "properties": {"name": ["Qasem Soleimani"], "birthDate": ["1957-03-11"]}}}}`)
	ym := decode[YenteMatchResponse](t, body)
	rs := ym.Responses["q"].Results
	if len(rs) != 2 || rs[0].ID != one.Subject || !slices.Equal(rs[0].Referents, []string{"ofac:10481", "un:IRi.039", "us_csl:10481"}) ||
		!slices.Equal(rs[0].Datasets, []string{"ofac_sdn", "un", "us_csl"}) || ym.Responses["q"].Total.Value != 2 {
		t.Errorf("match = %+v", ym.Responses["q"])
	}
	if len(rs) > 0 && !slices.Contains(rs[0].Properties["alias"], "QASEM SOLEIMANI") && !slices.Contains(rs[0].Properties["name"], "QASEM SOLEIMANI") {
		t.Errorf("merged properties = %v", rs[0].Properties)
	}
}

func TestListedSubjectRoutes(t *testing.T) {
	s, st := subjectsServer(t)
	h := s.Handler()
	res, body := do(t, h, "GET", "/v1/entities/un:IRi.039/subject", "")
	if res.StatusCode != 200 {
		t.Fatalf("%d %s", res.StatusCode, body)
	}
	sub := decode[ListedSubjectResponse](t, body)
	if !slices.Equal(sub.Entities, []string{"ofac:10481", "un:IRi.039", "us_csl:10481"}) || len(sub.Listings) != 3 || !sub.Listings[1].Served ||
		sub.Listings[1].Version != "un@1" || len(sub.Links) == 0 {
		t.Fatalf("subject = %+v", sub)
	}
	rules := map[vigil.LinkRule]bool{}
	for _, l := range sub.Links {
		rules[l.Rule] = true
	}
	if !rules[vigil.RuleSameAs] || !rules[vigil.RuleScored] {
		t.Errorf("links = %+v", sub.Links)
	}
	if res, _ := do(t, h, "GET", "/v1/listed-subjects/"+sub.ID, ""); res.StatusCode != 200 {
		t.Errorf("by id: %d", res.StatusCode)
	}
	for _, p := range []string{"/v1/listed-subjects/S999", "/v1/entities/un:nope/subject"} {
		if res, _ := do(t, h, "GET", p, ""); res.StatusCode != 404 {
			t.Errorf("%s: %d", p, res.StatusCode)
		}
	}
	// The entity page's JSON names the subject.
	_, body = do(t, h, "GET", "/v1/entities/ofac:10481", "")
	if er := decode[EntityResponse](t, body); er.Subject == nil || er.Subject.ID != sub.ID {
		t.Errorf("entity response subject = %+v", er.Subject)
	}

	// A negative judgement separates the UN listing; screening sees it at
	// once, and the subject keeps its id.
	res, body = do(t, h, "POST", "/v1/listed-subjects/judgements", `{"a": "un:IRi.039", "b": "ofac:10481", "verdict": "negative", "reason": "checked"}`)
	if res.StatusCode != 200 {
		t.Fatalf("judge: %d %s", res.StatusCode, body)
	}
	jr := decode[JudgeResponse](t, body)
	if jr.Judgement.A != "ofac:10481" || jr.Judgement.Verdict != vigil.VerdictNegative || jr.Judgement.By == "" || len(jr.Subjects) != 2 {
		t.Fatalf("judge response = %+v", jr)
	}
	_, body = do(t, h, "POST", "/v1/screen", `{"name": "Qasem Soleimani", "dob": "1957-03-11"}`)
	sr := decode[ScreenResponse](t, body)
	if len(sr.Subjects) != 3 || sr.Subjects[0].Subject != sub.ID && sr.Subjects[1].Subject != sub.ID {
		t.Errorf("after the judgement: %+v", sr.Subjects)
	}
	recs, err := st.AuditLog(context.Background(), vigil.AuditFilter{Action: vigil.AuditLinkJudgement})
	if err != nil || len(recs) != 1 || recs[0].Who != jr.Judgement.By {
		t.Errorf("audit = %+v, %v", recs, err)
	}
	for _, bad := range []struct {
		body   string
		status int
	}{
		{`{"a": "un:IRi.039", "b": "un:IRi.039", "verdict": "negative"}`, 400},
		{`{"a": "un:IRi.039", "b": "ofac:10481", "verdict": "maybe not"}`, 400},
		{`{"a": "un:IRi.039", "b": "eu:nope", "verdict": "positive"}`, 404},
		{`{"a": "un:IRi.039", "b": "ofac:10481", "verdict": "positive", "extra": 1}`, 400},
	} {
		if res, body := do(t, h, "POST", "/v1/listed-subjects/judgements", bad.body); res.StatusCode != bad.status {
			t.Errorf("%s: %d %s", bad.body, res.StatusCode, body)
		}
	}
	// Without a store of subjects the routes say so.
	plain := New(Options{Store: st, Keys: st})
	if res, _ := do(t, plain.Handler(), "GET", "/v1/listed-subjects/S1", ""); res.StatusCode != 501 {
		t.Errorf("no links: %d", res.StatusCode)
	}
}

// The console's search shows one row per subject, with what tells two men
// of near names apart, and the entity page takes a judgement.
func TestConsoleSubjects(t *testing.T) {
	s, _ := subjectsServer(t)
	h := s.Handler()
	_, body := do(t, h, "GET", "/?name=Qasem+Soleimani", "")
	for _, want := range []string{"2 subjects for", "3 matching listings", "born 1957-03-11", "no date of birth", "Director of Uranium Mining Operations",
		`class="listing matched"`, "ofac_sdn, un, us_csl"} {
		if !strings.Contains(body, want) {
			t.Errorf("search lacks %q", want)
		}
	}
	if strings.Count(body, `<tbody class="subject"`) != 2 {
		t.Errorf("want 2 subject rows:\n%s", body)
	}
	// Lists are named for people where there is room: in the List field
	// and the listings' titles.
	for _, want := range []string{`<option value="ofac_sdn">` + vigil.ListName("ofac_sdn") + `</option>`, `title="` + vigil.ListName("un") + ` · un@1"`} {
		if !strings.Contains(html.UnescapeString(body), want) {
			t.Errorf("search lacks %q", want)
		}
	}
	_, body = do(t, h, "GET", "/?name=Qasem+Soleimani&list=ofac_sdn", "")
	if !strings.Contains(body, "1 subject for") || !strings.Contains(body, "1 matching listing") {
		t.Errorf("filtered search:\n%s", body)
	}
	if res, body := do(t, h, "GET", "/?name=Qasem+Soleimani&measure=ban", ""); res.StatusCode != 400 || !strings.Contains(body, "not travel_ban") {
		t.Errorf("bad measure: %d", res.StatusCode)
	}
	_, body = do(t, h, "GET", "/entities/un:IRi.039", "")
	for _, want := range []string{`id="subject"`, "gives OFAC ent_num 10481", `action="/entities/un:IRi.039/judge"`} {
		if !strings.Contains(body, want) {
			t.Errorf("entity page lacks %q", want)
		}
	}
	// A form without the page's CSRF token is refused.
	form := url.Values{"other": {"un:IRi.040"}, "verdict": {"positive"}, "reason": {"same man, says the notice"}}.Encode()
	if res, _ := do(t, h, "POST", "/entities/un:IRi.039/judge", form, "Content-Type", "application/x-www-form-urlencoded"); res.StatusCode != 403 {
		t.Errorf("judge form without a token: %d", res.StatusCode)
	}
	b := newClient(t, s)
	res, _ := b.post("/entities/un:IRi.039/judge", map[string]string{"csrf": b.csrfOf("/entities/un:IRi.039"),
		"other": "un:IRi.040", "verdict": "positive", "reason": "same man, says the notice"})
	if res.StatusCode != 303 || res.Header.Get("Location") != "/entities/un:IRi.039#subject" {
		t.Fatalf("judge form: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, body = do(t, h, "GET", "/entities/un:IRi.040", "")
	if !strings.Contains(body, "same man, says the notice") || !strings.Contains(body, "un:IRi.039") {
		t.Errorf("after the form:\n%s", body)
	}
	if res, _ := b.post("/entities/un:IRi.039/judge", map[string]string{"csrf": b.csrfOf("/entities/un:IRi.039"), "other": "eu:nope", "verdict": "positive"}); res.StatusCode != 400 {
		t.Errorf("unknown listing: %d", res.StatusCode)
	}
}

// TestBrowserSubjects: in real Chromium, a search shows the two men of near
// names as two subjects with what tells them apart, and the entity page's
// form records a judgement that joins them.
func TestBrowserSubjects(t *testing.T) {
	s, _ := subjectsServer(t)
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	ctx := browser(t)
	err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/?name=Qasem+Soleimani"),
		chromedp.WaitVisible(chromedp.CSS(`table.subjects`)),
	)
	var results, rows, subject string
	if err == nil {
		results, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`table.subjects`)))
	}
	if err == nil {
		rows, err = chromedp.Run(ctx, chromedp.Evaluate[string](`String(document.querySelectorAll("tbody.subject").length)`))
	}
	if err != nil {
		t.Fatal(err)
	}
	if rows != "2" || !strings.Contains(results, "born 1957-03-11") || !strings.Contains(results, "no date of birth") ||
		!strings.Contains(results, "Director of Uranium Mining Operations") {
		t.Fatalf("%s subject rows: %q", rows, results)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/entities/un:IRi.039"),
		chromedp.WaitVisible(chromedp.CSS(`#other`)),
		chromedp.SendKeys(chromedp.CSS(`#other`), "un:IRi.040"),
		chromedp.SetValue(chromedp.CSS(`#verdict`), "positive"),
		chromedp.SendKeys(chromedp.CSS(`#reason`), "the same man, says the notice"),
		chromedp.Submit(chromedp.CSS(`#other`)),
		// The page before the form has a #subject too: wait for the
		// answer's, the first with a judgement.
		chromedp.WaitVisible(chromedp.CSS(`#judgements`)),
	)
	if err == nil {
		subject, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#subject`)))
	}
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(subject, "un:IRi.040") || !strings.Contains(subject, "the same man, says the notice") || !strings.Contains(subject, "4 listings") {
		t.Errorf("subject after the judgement: %q", subject)
	}
}

// TestConsoleSubjectSlashIDs: the entity page's subject section, its
// judgement form and the form's answer link ids with slashes (Canada's) so
// that their pages open.
func TestConsoleSubjectSlashIDs(t *testing.T) {
	st := tempStore(t)
	ctx := context.Background()
	const slashed = "ca:Iran/1-2/89"
	for _, id := range []string{"un:IRi.039", slashed} {
		src, ref, _ := vigil.SplitID(id)
		e := vigil.Entity{ID: id, Source: src, Ref: ref, Kind: vigil.KindPerson, Names: []vigil.Name{{Full: "Qasem Soleimani", Quality: vigil.QualityPrimary}},
			BirthDates: []vigil.Date{{Year: 1957, Month: 3, Day: 11}}, Nationalities: []string{"IR"}}
		if _, err := st.Import(ctx, vigil.ListVersion{List: src, Source: src, Format: "test", Hash: src}, []vigil.Entity{e}); err != nil {
			t.Fatal(err)
		}
	}
	snap := realSnapshot(t, st)
	rows, err := st.CurrentEntities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entries := make([]match.Entry, len(rows))
	for i := range rows {
		entries[i] = match.Entry{Entity: &rows[i].Entity, Version: rows[i].Version.Label()}
	}
	if _, err := link.Run(ctx, st, entries, snap.Index, link.DefaultOptions, time.Now()); err != nil {
		t.Fatal(err)
	}
	ids, err := st.SubjectIDs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if ids[slashed] == "" || ids[slashed] != ids["un:IRi.039"] {
		t.Fatalf("the linker did not make the two listings one subject: %v", ids)
	}
	snap.Subjects = link.NewSubjects(ids)
	s := New(Options{Store: st, Keys: st, Links: storeLinks{st}})
	s.Swap(snap)
	h := s.Handler()
	esc := "/entities/ca:Iran%2F1-2%2F89"
	_, body := do(t, h, "GET", "/entities/un:IRi.039", "")
	sub := body[strings.Index(body, `id="subject"`):]
	sub = sub[:strings.Index(sub, "</section>")]
	if !strings.Contains(strings.ToUpper(sub), strings.ToUpper(`href="`+esc+`"`)) {
		t.Errorf("the subject section does not link %s as %s:\n%s", slashed, esc, sub)
	}
	if strings.Contains(body, `/entities/`+slashed) {
		t.Errorf("the entity page links %s unescaped:\n%s", slashed, sub)
	}
	res, body := do(t, h, "GET", esc, "")
	if res.StatusCode != 200 || !strings.Contains(strings.ToUpper(body), strings.ToUpper(`action="`+esc+`/judge"`)) {
		t.Fatalf("the entity page of %s: %d, or its form posts elsewhere", slashed, res.StatusCode)
	}
	b := newClient(t, s)
	res, _ = b.post(esc+"/judge", map[string]string{"csrf": b.csrfOf(esc), "other": "un:IRi.039", "verdict": "negative", "reason": "another man"})
	if res.StatusCode != 303 || !strings.EqualFold(res.Header.Get("Location"), esc+"#subject") {
		t.Errorf("judge form: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

// TestConsoleManifestSubjects: a traveller who matches one man on three
// lists is shown one subject, with the three lists, on the manifest page.
func TestConsoleManifestSubjects(t *testing.T) {
	s, _ := subjectsServer(t)
	s.opts.ParseManifest = testManifest
	b := newClient(t, s)
	res, body := b.post("/manifest", map[string]string{"csrf": b.csrfOf("/manifest"), "manifest": "Qasem Soleimani|1957-03-11\nJohn Example|1980-01-01"})
	if res.StatusCode != 200 {
		t.Fatalf("manifest: %d\n%s", res.StatusCode, body)
	}
	rows := strings.Split(body, "<tr")
	var qasem, john string
	for _, r := range rows {
		switch {
		case strings.Contains(r, "<td>Qasem Soleimani</td>"):
			qasem = r
		case strings.Contains(r, "<td>John Example</td>"):
			john = r
		}
	}
	// The man of three listings is one subject; the near name without a
	// date of birth, another.
	if n := strings.Count(qasem, `class="entity"`); n != 2 {
		t.Errorf("Qasem Soleimani's row shows %d subjects, want 2:\n%s", n, qasem)
	}
	for _, l := range []string{"ofac:10481", "un:IRi.039", "us_csl:10481"} {
		if !strings.Contains(qasem, `class="listing matched" href="/entities/`+l+`"`) {
			t.Errorf("Qasem Soleimani's row lacks the matched listing %s:\n%s", l, qasem)
		}
	}
	if !strings.Contains(john, `<span class="ok">none</span>`) {
		t.Errorf("John Example's row:\n%s", john)
	}
}

// TestConsoleTextSubjects: on the article page, a man named in the text who
// is on three lists is one subject naming the three lists.
func TestConsoleTextSubjects(t *testing.T) {
	s, st := subjectsServer(t)
	rows, err := st.CurrentEntities(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ptrs := make([]*vigil.Entity, len(rows))
	for i := range rows {
		ptrs[i] = &rows[i].Entity
	}
	sc, err := text.New(ptrs, s.Snapshot().Index, text.Options{CacheSize: -1})
	if err != nil {
		t.Fatal(err)
	}
	s.opts.ScanText = scanTextWith(sc)
	b := newClient(t, s)
	res, body := b.post("/text", map[string]string{"csrf": b.csrfOf("/text"), "text": "Yesterday Qasem Soleimani, born 11 March 1957, met reporters in Tehran."})
	if res.StatusCode != 200 || !strings.Contains(body, `<ul class="mentions">`) {
		t.Fatalf("text: %d\n%s", res.StatusCode, body)
	}
	list := body[strings.Index(body, `<ul class="mentions">`):]
	list = list[:strings.Index(list, "</ul>")]
	if n := strings.Count(list, `class="entity"`); n < 1 || n > 2 {
		t.Errorf("the mention shows %d subjects, want the man (and perhaps his namesake):\n%s", n, list)
	}
	for _, l := range []string{"ofac:10481", "un:IRi.039", "us_csl:10481"} {
		if !strings.Contains(list, `class="listing matched" href="/entities/`+l+`"`) {
			t.Errorf("the mention lacks the matched listing %s:\n%s", l, list)
		}
	}
}
