package http

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vigil-screening/vigil"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

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
		"join":    strings.Join,
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
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + " min"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + " h"
	}
	return strconv.Itoa(int(d.Hours()/24)) + " days"
}

// page is what every template receives.
type page struct {
	Title   string
	Nav     string
	Version string
	Authed  bool
	Error   string
	Data    any
}

// render executes a page into a buffer first, so a template error becomes
// a clean 500 rather than half a page.
func (c *console) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	p.Version = c.s.opts.Version
	_, err := r.Cookie(sessionCookie)
	p.Authed = err == nil
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
	Matches  []vigil.Match
	Lists    []string
	// Subjects are the matches grouped by listed subject, each with what
	// tells it apart from another of the same name.
	Subjects []subjectRow
	// The filter's fields: the lists served to choose from, and the
	// values chosen.
	Served                    []string
	FList, FProgram, FMeasure string
	Measures                  []vigil.Measure
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
	matches := nonNil(snap.Index.Screen(q))
	subs := vigil.GroupBySubject(matches, snap.Subjects, snap.Index)
	if err := c.s.recordScreen(r.Context(), vigil.AuditConsoleScreen, snap, vigil.ScreeningQuery{Queries: []vigil.Query{q}}, [][]vigil.Match{matches}, nil); err != nil {
		p.Error = errNotAudited.msg
		c.render(w, r, errNotAudited.status, "search", p)
		return
	}
	d.Searched, d.Matches, d.Lists = true, matches, labels(snap)
	d.Subjects = subjectRows(snap, subs, matches)
	p.Title = "Search: " + q.Name
	c.render(w, r, http.StatusOK, "search", p)
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
// list, newest first.
type listsData struct {
	Status   ListsResponse
	Versions []listVersions
}

type listVersions struct {
	List string
	Rows []versionRow
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
	d := listsData{Status: c.s.listStatus(snap)}
	for _, l := range d.Status.Lists {
		vs, err := c.s.versions(r.Context(), l.List)
		if err != nil {
			continue
		}
		cur, _ := vigil.CurrentVersion(vs)
		lv := listVersions{List: l.List}
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
	Text      string
	Segments  []segment
	Mentions  []Mention
	Hits      int
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

func (c *console) textForm(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "text", page{Title: "Article", Nav: "text", Data: &textData{Available: c.s.opts.ScanText != nil}})
}

func (c *console) textResult(w http.ResponseWriter, r *http.Request) {
	d := &textData{Available: c.s.opts.ScanText != nil}
	p := page{Title: "Article", Nav: "text", Data: d}
	r.Body = http.MaxBytesReader(w, r.Body, c.s.opts.MaxUploadBytes)
	if err := r.ParseForm(); err != nil {
		p.Error = "The text could not be read (is it larger than the limit?)."
		c.render(w, r, http.StatusBadRequest, "text", p)
		return
	}
	d.Text = r.PostForm.Get("text")
	if !d.Available || strings.TrimSpace(d.Text) == "" {
		if d.Available {
			p.Error = "Paste a text first."
		}
		c.render(w, r, http.StatusBadRequest, "text", p)
		return
	}
	snap := c.notReady(w, r, "Article", "text")
	if snap == nil {
		return
	}
	ms, err := c.s.opts.ScanText(r.Context(), snap.Index, d.Text)
	if err != nil {
		p.Error = "The text could not be screened: " + err.Error()
		c.render(w, r, http.StatusBadRequest, "text", p)
		return
	}
	if err := c.s.recordText(r.Context(), vigil.AuditConsoleText, snap, d.Text, ms); err != nil {
		p.Error = errNotAudited.msg
		c.render(w, r, errNotAudited.status, "text", p)
		return
	}
	slices.SortFunc(ms, func(a, b Mention) int { return a.Start - b.Start })
	d.Mentions, d.Segments = ms, segments(d.Text, ms)
	for _, m := range ms {
		if len(m.Matches) > 0 {
			d.Hits++
		}
	}
	c.render(w, r, http.StatusOK, "text", p)
}

// manifestData is the manifest page.
type manifestData struct {
	Available bool
	Result    *ManifestResponse
}

func (c *console) manifestForm(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "manifest", page{Title: "Manifest", Nav: "manifest", Data: &manifestData{Available: c.s.opts.ParseManifest != nil}})
}

func (c *console) manifestResult(w http.ResponseWriter, r *http.Request) {
	d := &manifestData{Available: c.s.opts.ParseManifest != nil}
	p := page{Title: "Manifest", Nav: "manifest", Data: d}
	if !d.Available {
		c.render(w, r, http.StatusNotImplemented, "manifest", p)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, c.s.opts.MaxUploadBytes)
	text := ""
	if err := r.ParseMultipartForm(1 << 20); err == nil {
		if f, _, err := r.FormFile("file"); err == nil {
			b, _ := io.ReadAll(f)
			f.Close()
			text = string(b)
		}
	} else if err := r.ParseForm(); err != nil {
		p.Error = "The upload could not be read (is it larger than the limit?)."
		c.render(w, r, http.StatusBadRequest, "manifest", p)
		return
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
		c.render(w, r, http.StatusBadRequest, "manifest", p)
	case snap == nil:
		c.notReady(w, r, "Manifest", "manifest")
	default:
		d.Result = res
		c.render(w, r, http.StatusOK, "manifest", p)
	}
}

func (c *console) loginForm(w http.ResponseWriter, r *http.Request) {
	c.render(w, r, http.StatusOK, "login", page{Title: "Sign in", Data: safeNext(r.URL.Query().Get("next"))})
}

// safeNext keeps redirects on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/"
	}
	return next
}

func (c *console) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		c.render(w, r, http.StatusBadRequest, "login", page{Title: "Sign in", Error: "The form could not be read.", Data: "/"})
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	secret := strings.TrimSpace(r.PostForm.Get("key"))
	probe := r.Clone(r.Context())
	probe.Header = http.Header{"X-Api-Key": {secret}}
	if _, status, _ := c.s.authenticate(probe); status != 0 {
		c.render(w, r, status, "login", page{Title: "Sign in", Error: "That API key is unknown or revoked.", Data: next})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true,
		Secure: r.TLS != nil, SameSite: http.SameSiteStrictMode, MaxAge: 12 * 3600})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (c *console) logout(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (c *console) static(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	c.files.ServeHTTP(w, r)
}
