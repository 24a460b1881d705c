package http

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// The examples the article and manifest pages offer to fill in.
var (
	//go:embed examples/article.txt
	exampleArticle string
	//go:embed examples/manifest.edi
	exampleManifest string
)

// console serves the web pages: server-rendered html/template pages and
// embedded static files, no JavaScript build step and no external assets.
type console struct {
	s     *Server
	pages map[string]*template.Template
	files http.Handler
}

func newConsole(s *Server) *console {
	funcs := template.FuncMap{
		"pct": func(f float64) string { return strconv.Itoa(int(f*100+0.5)) + "%" },
		"score": func(f float64) string {
			return strconv.FormatFloat(f, 'f', 2, 64)
		},
		"age": func(sec float64) string { return humanAge(time.Duration(sec * float64(time.Second))) },
		"date": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02 15:04")
		},
		"day": func(t time.Time) string {
			if t.IsZero() {
				return "—"
			}
			return t.UTC().Format("2006-01-02")
		},
		"deref": func(p any) any {
			switch v := p.(type) {
			case *float64:
				return *v
			case *time.Time:
				return *v
			}
			return p
		},
		"rawJSON": func(b json.RawMessage) string {
			if b == nil {
				return "—"
			}
			return string(b)
		},
		"fieldNames": func(cs []vigil.FieldChange) string {
			names := make([]string, len(cs))
			for i, c := range cs {
				names[i] = c.Field
			}
			return strings.Join(names, ", ")
		},
		"measure": func(m vigil.Measure) string { return strings.ReplaceAll(string(m), "_", " ") },
		"num":     thousands,
		"add": func(xs ...int) int {
			n := 0
			for _, x := range xs {
				n += x
			}
			return n
		},
		"listName":   vigil.ListName,
		"join":       strings.Join,
		"pathEsc":    url.PathEscape,
		"stateLabel": stateLabel,
		"alertsOf": func(entity string) string {
			return queueURL(url.Values{"entity": {entity}, "state": {"all"}})
		},
		"sorts":  func() any { return sorts },
		"signed": func(f float64) string { return fmt.Sprintf("%+.3f", f) },
		"who": func(id, name string) string {
			if name != "" && name != id {
				return name + " (" + id + ")"
			}
			return id
		},
		"listOf": func(label string) string {
			l, _, _ := strings.Cut(label, "@")
			return l
		},
	}
	c := &console{s: s, pages: map[string]*template.Template{}}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html"))
	pages, _ := fs.Glob(templateFS, "templates/*.html")
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		c.pages[name] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, p))
	}
	sub, _ := fs.Sub(staticFS, "static")
	c.files = http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return c
}

func humanAge(d time.Duration) string {
	switch {
	case d <= 0:
		return "—"
	case d < time.Minute:
		return "under a minute"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h"
	}
	return strconv.Itoa(int(d.Hours()/24)) + " days"
}

// thousands writes n with thousands separators: 14965 as "14,965".
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// page is what every template receives.
type page struct {
	Title   string
	Nav     string
	Version string
	Authed  bool
	// Alerts is set when the viewer may open the alert queue: the server
	// keeps watch and the viewer has the review role (or needs no key).
	Alerts bool
	CSRF   string // the token the page's forms carry
	Error  string
	Data   any
}

// render executes a page into a buffer first, so a template error becomes
// a clean 500 rather than half a page.
func (c *console) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	p.Version = c.s.opts.Version
	p.Authed = keyFrom(r.Context()) != nil
	viewer, _ := r.Context().Value(viewerCtx{}).(Role)
	p.Alerts = c.s.opts.Watch != nil && viewer >= RoleReview
	secret, _ := r.Context().Value(csrfCtx{}).(string)
	p.CSRF = csrfToken(secret)
	var buf bytes.Buffer
	if err := c.pages[name].ExecuteTemplate(&buf, "layout.html", p); err != nil {
		c.s.log.Error("rendering a console page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cache-Control", "no-store") // results and names screened stay out of caches
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// notReady renders the loading notice when no snapshot is served yet.
func (c *console) notReady(w http.ResponseWriter, r *http.Request, title, nav string) *Snapshot {
	snap := c.s.Snapshot()
	if snap == nil {
		c.render(w, r, http.StatusServiceUnavailable, "message", page{Title: title, Nav: nav,
			Error: "The lists are still loading. Reload this page in a moment."})
	}
	return snap
}

// searchData is the search page's form and results. Problems name the
// values of the form the search could not use: it ran without them, and
// the page says so above the results.
type searchData struct {
	Q        vigil.Query
	Kinds    []vigil.Kind
	Searched bool
	Problems []string
	// Matches are every match of the query of the kind asked for (Capped:
	// the search stopped at maxLimit, there may be more), Total the
	// subjects they group into; Subjects are the page's subjects, From the
	// 1-based rank of its first; Prev and Next link the pages around.
	Matches     []vigil.Match
	Subjects    []subjectRow
	From, Total int
	Capped      bool
	Limit       int // the most matches a search finds
	Prev, Next  string
	// OtherKinds counts the matches hidden for being of another kind than
	// the one asked for; AllKinds links the search without the kind.
	OtherKinds int
	AllKinds   string
	Lists      []string
	// The filter's fields: the lists served to choose from, and the
	// values chosen.
	Served                    []string
	FList, FProgram, FMeasure string
	Measures                  []vigil.Measure
}

// searchPage is how many subjects a page of search results shows.
const searchPage = 10

// ofKind keeps the matches of kind k, and those whose kind the list does
// not state (they may be of k: when unsure, show); it returns how many it
// dropped. The matcher only weighs the kind (a listing of another kind
// loses 0.2), so that a vessel query would otherwise list people of the
// name.
func ofKind(ms []vigil.Match, k vigil.Kind) ([]vigil.Match, int) {
	if k == vigil.KindUnknown {
		return ms, 0
	}
	out := ms[:0:0]
	for _, m := range ms {
		if m.Kind == k || m.Kind == vigil.KindUnknown {
			out = append(out, m)
		}
	}
	return out, len(ms) - len(out)
}

// pageURL returns the search URL of v with page set to n (1: none).
func pageURL(v url.Values, key string, n int) string {
	v = maps.Clone(v)
	if n <= 1 {
		v.Del(key)
	} else {
		v.Set(key, strconv.Itoa(n))
	}
	return "/?" + v.Encode()
}

func (c *console) search(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	d := searchData{Kinds: vigil.Kinds, Q: vigil.Query{
		Name: v.Get("name"), DOB: strings.TrimSpace(v.Get("dob")), Nationality: strings.TrimSpace(v.Get("nationality")),
		Gender: v.Get("gender"), ID: strings.TrimSpace(v.Get("id")), Kind: vigil.Kind(v.Get("kind")),
	}, FList: strings.TrimSpace(v.Get("list")), FProgram: strings.TrimSpace(v.Get("program")), FMeasure: strings.TrimSpace(v.Get("measure")),
		Measures: []vigil.Measure{vigil.MeasureTravelBan, vigil.MeasureAssetFreeze, vigil.MeasureArmsEmbargo}}
	if snap := c.s.Snapshot(); snap != nil {
		for _, v := range snap.Versions {
			d.Served = append(d.Served, v.List)
		}
	}
	p := page{Title: "Search", Nav: "search", Data: &d}
	if strings.TrimSpace(d.Q.Name) == "" {
		c.render(w, r, http.StatusOK, "search", p)
		return
	}
	if t := v.Get("threshold"); t != "" {
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			f = -1
		}
		d.Q.Threshold = f
	}
	q := d.Q
	var err error
	if err = checkLimits(&q, ""); err != nil {
		p.Error = err.Error()
		c.render(w, r, http.StatusBadRequest, "search", p)
		return
	}
	snap := c.notReady(w, r, "Search", "search")
	if snap == nil {
		return
	}
	// The search runs on the values it can use; the page names the others
	// above the results, and the audit record carries the query as
	// screened.
	q, ps := snap.Index.CheckQuery(q)
	for _, x := range ps {
		if x.Field == "name" {
			p.Error = "The name " + strconv.Quote(x.Value) + " " + x.Reason + "."
			c.render(w, r, http.StatusBadRequest, "search", p)
			return
		}
		d.Problems = append(d.Problems, x.String())
	}
	if q.Filter, err = consoleFilter(&d, snap); err != nil {
		p.Error = err.Error()
		c.render(w, r, http.StatusBadRequest, "search", p)
		return
	}
	// Every match up to maxLimit, so that the page can say how many there
	// are and page through their subjects; the audit record carries the
	// matches of the kind asked for, which the pages show.
	q.Limit = maxLimit
	all := snap.Index.Screen(q)
	d.Capped, d.Limit = len(all) >= maxLimit, maxLimit
	matches, other := ofKind(nonNil(all), q.Kind)
	subs := vigil.GroupBySubject(matches, snap.Subjects, snap.Index)
	if err := c.s.recordScreen(r.Context(), vigil.AuditConsoleScreen, snap, vigil.ScreeningQuery{Queries: []vigil.Query{q}}, [][]vigil.Match{matches}, nil); err != nil {
		p.Error = errNotAudited.msg
		c.render(w, r, errNotAudited.status, "search", p)
		return
	}
	d.Searched, d.Matches, d.Total, d.OtherKinds, d.Lists = true, matches, len(subs), other, labels(snap)
	if other > 0 {
		d.AllKinds = pageURL(withoutKey(v, "kind"), "page", 1)
	}
	pg, _ := strconv.Atoi(v.Get("page"))
	pages := max(1, (len(subs)+searchPage-1)/searchPage)
	pg = min(max(pg, 1), pages)
	lo, hi := (pg-1)*searchPage, min(pg*searchPage, len(subs))
	// Only the page's subjects are looked up for what tells them apart.
	d.Subjects, d.From = subjectRows(snap, subs[lo:hi], matches), lo+1
	if pg > 1 {
		d.Prev = pageURL(v, "page", pg-1)
	}
	if pg < pages {
		d.Next = pageURL(v, "page", pg+1)
	}
	p.Title = "Search: " + q.Name
	c.render(w, r, http.StatusOK, "search", p)
}

// withoutKey returns a copy of v without key.
func withoutKey(v url.Values, key string) url.Values {
	v = maps.Clone(v)
	v.Del(key)
	return v
}

// scoreHelp is "How to read a score", with the threshold the console's
// searches start at.
func (c *console) scoreHelp(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "help-score", page{Title: "How to read a score", Nav: "search", Data: c.s.opts.MatchThreshold})
}

func (c *console) entity(w http.ResponseWriter, r *http.Request) {
	snap := c.notReady(w, r, "Entity", "")
	if snap == nil {
		return
	}
	id := r.PathValue("id")
	info, ok := c.s.entityInfo(r.Context(), snap, id)
	if !ok {
		c.render(w, r, http.StatusNotFound, "message", page{Title: "Not found", Error: "No listed entity has the id " + strconv.Quote(id) + "."})
		return
	}
	c.render(w, r, http.StatusOK, "entity", page{Title: info.Entity.PrimaryName(), Data: entityPage{info, c.s.opts.Links != nil}})
}

// entityPage is the entity page: the entity, and whether the server takes
// judgements on its subject.
type entityPage struct {
	*EntityResponse
	CanJudge bool
}

// listsData is the lists page: what is served and every version of each
// list, newest first; how many lists are stale, and beyond which age.
type listsData struct {
	Status     ListsResponse
	Versions   []listVersions
	Stale      int
	StaleAfter string
}

type listVersions struct {
	List, Name string
	Rows       []versionRow
}

// versionRow is a version with its place in its list.
type versionRow struct {
	vigil.ListVersion
	// Status is current, superseded, historical, withdrawn or partial.
	Status string
}

func (c *console) lists(w http.ResponseWriter, r *http.Request) {
	snap := c.notReady(w, r, "Lists", "lists")
	if snap == nil {
		return
	}
	d := listsData{Status: c.s.listStatus(snap), StaleAfter: humanAge(c.s.opts.StaleAfter)}
	for _, l := range d.Status.Lists {
		if l.Stale {
			d.Stale++
		}
		vs, err := c.s.versions(r.Context(), l.List)
		if err != nil {
			continue
		}
		cur, _ := vigil.CurrentVersion(vs)
		lv := listVersions{List: l.List, Name: l.Name}
		for i := len(vs) - 1; i >= 0; i-- {
			lv.Rows = append(lv.Rows, versionRow{vs[i], vs[i].Status(cur)})
		}
		d.Versions = append(d.Versions, lv)
	}
	c.render(w, r, http.StatusOK, "lists", page{Title: "Lists", Nav: "lists", Data: &d})
}

func (c *console) diff(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d, err := c.s.diffFor(r.Context(), r.PathValue("list"), q.Get("from"), q.Get("to"))
	if err != nil {
		status, msg := http.StatusInternalServerError, "The diff could not be computed."
		if re, ok := err.(*requestError); ok {
			status, msg = re.status, re.msg
		}
		c.render(w, r, status, "message", page{Title: "Diff", Nav: "lists", Error: msg})
		return
	}
	c.render(w, r, http.StatusOK, "diff", page{Title: "Diff " + d.List, Nav: "lists", Data: &d})
}

// textData is the article page: the text cut into plain and marked
// segments.
type textData struct {
	Available bool
	Limit     string // the size limit, for people
	MaxNames  int    // the most candidate names one text is screened for
	Text      string
	Segments  []segment
	Mentions  []Mention
	Hits      int
	// Truncated, ScreenedTo and Why say that a limit stopped the scan.
	Truncated  bool
	ScreenedTo int
	Why        string
}

type segment struct {
	Text    string
	Mention *Mention
}

// segments cuts text at the mentions that have matches.
func segments(text string, ms []Mention) []segment {
	var out []segment
	pos := 0
	for i := range ms {
		m := &ms[i]
		if len(m.Matches) == 0 || m.Start < pos || m.End > len(text) || m.Start >= m.End {
			continue
		}
		if m.Start > pos {
			out = append(out, segment{Text: text[pos:m.Start]})
		}
		out = append(out, segment{Text: text[m.Start:m.End], Mention: m})
		pos = m.End
	}
	if pos < len(text) {
		out = append(out, segment{Text: text[pos:]})
	}
	return out
}

func (c *console) newTextData() *textData {
	return &textData{Available: c.s.opts.ScanText != nil, Limit: byteSize(c.s.opts.MaxTextBytes),
		MaxNames: c.s.opts.TextLimits.MaxQueries}
}

func (c *console) textForm(w http.ResponseWriter, r *http.Request) {
	d := c.newTextData()
	if r.URL.Query().Get("example") != "" {
		d.Text = exampleArticle
	}
	c.render(w, r, http.StatusOK, "text", page{Title: "Article", Nav: "text", Data: d})
}

// textResult screens the posted text, which wrap has parsed.
func (c *console) textResult(w http.ResponseWriter, r *http.Request) {
	d := c.newTextData()
	p := page{Title: "Article", Nav: "text", Data: d}
	d.Text = r.PostForm.Get("text")
	if !d.Available || strings.TrimSpace(d.Text) == "" {
		if d.Available {
			p.Error = "Paste a text first."
		}
		c.render(w, r, http.StatusBadRequest, "text", p)
		return
	}
	if int64(len(d.Text)) > c.s.opts.MaxTextBytes {
		p.Error = "The text is " + byteSize(int64(len(d.Text))) + "; the limit is " + d.Limit + ". Screen it in parts."
		d.Text = ""
		c.render(w, r, http.StatusRequestEntityTooLarge, "text", p)
		return
	}
	snap := c.notReady(w, r, "Article", "text")
	if snap == nil {
		return
	}
	res, err := c.s.scanText(r.Context(), vigil.AuditConsoleText, snap, d.Text)
	switch {
	case errors.Is(err, errNotAudited):
		p.Error = errNotAudited.msg
		c.render(w, r, errNotAudited.status, "text", p)
		return
	case err != nil:
		p.Error = "The text could not be screened: " + err.Error()
		status := http.StatusBadRequest
		if r.Context().Err() != nil {
			status, p.Error = http.StatusServiceUnavailable, "Screening the text took longer than the limit of "+c.s.opts.RequestTimeout.String()+"."
		}
		c.render(w, r, status, "text", p)
		return
	}
	ms := res.Mentions
	d.Mentions, d.Segments = ms, segments(d.Text, ms)
	d.Truncated, d.ScreenedTo, d.Why = res.Truncated, res.ScreenedTo, res.Why
	for _, m := range ms {
		if len(m.Matches) > 0 {
			d.Hits++
		}
	}
	c.render(w, r, http.StatusOK, "text", p)
}

// byteSize writes n bytes for people: "1 MiB", "300 KiB", "12 bytes".
func byteSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10:
		return strconv.FormatInt((n+512)>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// manifestData is the manifest page: the form (with the upload limit, and
// the example when asked for) and the result, its travellers grouped by
// flight as the CLI prints them.
type manifestData struct {
	Available bool
	Limit     string
	Text      string
	Result    *ManifestResponse
	Groups    []flightGroup
}

// flightGroup is a flight of a manifest and its travellers; Flight is nil
// for the travellers of no flight.
type flightGroup struct {
	Flight *Flight
	Rows   []ManifestResult
}

// groupByFlight groups a result's travellers under their flights (a
// traveller of several flights under each), and those of none last.
func groupByFlight(res *ManifestResponse) []flightGroup {
	var out []flightGroup
	placed := make([]bool, len(res.Travellers))
	for i := range res.Flights {
		g := flightGroup{Flight: &res.Flights[i]}
		for _, j := range res.Flights[i].Travellers {
			g.Rows = append(g.Rows, res.Travellers[j])
			placed[j] = true
		}
		out = append(out, g)
	}
	var rest flightGroup
	for j, ok := range placed {
		if !ok {
			rest.Rows = append(rest.Rows, res.Travellers[j])
		}
	}
	if len(rest.Rows) > 0 {
		out = append(out, rest)
	}
	return out
}

func (c *console) newManifestData() *manifestData {
	return &manifestData{Available: c.s.opts.ParseManifest != nil, Limit: byteSize(c.s.opts.MaxUploadBytes)}
}

func (c *console) manifestForm(w http.ResponseWriter, r *http.Request) {
	d := c.newManifestData()
	if r.URL.Query().Get("example") != "" {
		d.Text = exampleManifest
	}
	c.render(w, r, http.StatusOK, "manifest", page{Title: "Manifest", Nav: "manifest", Data: d})
}

func (c *console) manifestResult(w http.ResponseWriter, r *http.Request) {
	d := c.newManifestData()
	p := page{Title: "Manifest", Nav: "manifest", Data: d}
	if !d.Available {
		c.render(w, r, http.StatusNotImplemented, "manifest", p)
		return
	}
	// wrap has parsed the form, files included, within MaxUploadBytes.
	text := ""
	if r.MultipartForm != nil {
		if f, _, err := r.FormFile("file"); err == nil {
			b, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				p.Error = "The uploaded file could not be read."
				c.render(w, r, http.StatusBadRequest, "manifest", p)
				return
			}
			text = string(b)
		}
	}
	if strings.TrimSpace(text) == "" {
		text = r.FormValue("manifest")
	}
	res, snap, err := c.s.screenManifest(r.Context(), vigil.AuditConsoleManifest, text)
	switch {
	case errors.Is(err, errNotAudited):
		p.Error = errNotAudited.msg
		c.render(w, r, errNotAudited.status, "manifest", p)
	case err != nil:
		p.Error = err.Error()
		d.Text = r.FormValue("manifest") // to correct it
		c.render(w, r, http.StatusBadRequest, "manifest", p)
	case snap == nil:
		c.notReady(w, r, "Manifest", "manifest")
	default:
		d.Result, d.Groups = res, groupByFlight(res)
		c.render(w, r, http.StatusOK, "manifest", p)
	}
}

// checkForm parses a console POST form within limit bytes and checks its
// CSRF token against the browser's secret (its session's, or its CSRF
// cookie's); on failure it renders why and returns false.
func (c *console) checkForm(w http.ResponseWriter, r *http.Request, limit int64, secret string) bool {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	var err error
	if ct := r.Header.Get("Content-Type"); strings.HasPrefix(strings.ToLower(ct), "multipart/form-data") {
		err = r.ParseMultipartForm(1 << 20)
	} else {
		err = r.ParseForm()
	}
	var mb *http.MaxBytesError
	switch {
	case errors.As(err, &mb):
		c.render(w, r, http.StatusRequestEntityTooLarge, "message", page{Title: "Too large",
			Error: "The form is larger than the limit of " + byteSize(mb.Limit) + "."})
		return false
	case err != nil:
		c.render(w, r, http.StatusBadRequest, "message", page{Title: "Bad form", Error: "The form could not be read."})
		return false
	case !validCSRF(secret, r.FormValue("csrf")):
		c.render(w, r, http.StatusForbidden, "message", page{Title: "Form expired",
			Error: "This form is not from your current session (it may have expired, or come from another site). Reload the page and try again."})
		return false
	}
	return true
}

func (c *console) loginForm(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "login", page{Title: "Sign in", Data: safeNext(r.URL.Query().Get("next"))})
}

// login signs a browser in: it checks the key (failed attempts count
// against the address) and starts a session, whose random secret, not the
// key, goes in the cookie.
func (c *console) login(w http.ResponseWriter, r *http.Request) {
	next := safeNext(r.PostForm.Get("next"))
	fail := func(status int, msg string) {
		c.render(w, r, status, "login", page{Title: "Sign in", Error: msg, Data: next})
	}
	if c.s.opts.Keys == nil {
		fail(http.StatusServiceUnavailable, "This server has no API keys to sign in with.")
		return
	}
	secret := strings.TrimSpace(r.PostForm.Get("key"))
	info, aerr := c.s.lookupKey(r, secret)
	if aerr != nil {
		if aerr == errTooManyFail {
			c.s.metrics.shed.WithLabelValues("failed_auth").Inc()
			w.Header().Set("Retry-After", strconv.Itoa(int(failedEvery.Seconds())))
			fail(aerr.status, "Too many failed sign-ins from this address. Wait a minute and try again.")
			return
		}
		if aerr == errStoreDown {
			fail(aerr.status, "API keys cannot be checked right now. Try again shortly.")
			return
		}
		fail(http.StatusUnauthorized, "That API key is unknown or revoked.")
		return
	}
	ttl := c.s.opts.SessionTTL
	session, err := c.s.opts.Keys.CreateSession(r.Context(), info.ID, time.Now().Add(ttl))
	if err != nil {
		c.s.log.Error("starting a console session", "key_id", info.ID, "err", err)
		fail(http.StatusServiceUnavailable, "The sign-in could not be recorded. Try again shortly.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookieName(r), Value: session, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: int(ttl.Seconds())})
	c.s.log.Info("console sign-in", "key_id", info.ID)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// logout ends the browser's session in the store, not only its cookie.
func (c *console) logout(w http.ResponseWriter, r *http.Request) {
	if ck, err := r.Cookie(sessionCookieName(r)); err == nil && c.s.opts.Keys != nil {
		if err := c.s.opts.Keys.EndSession(r.Context(), ck.Value); err != nil {
			c.s.log.Error("ending a console session", "err", err)
		}
	}
	clearCookie(w, r, sessionCookieName(r))
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (c *console) static(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	c.files.ServeHTTP(w, r)
}
