package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/vigil-screening/vigil"
)

// MaxBatch is the most queries one /v1/screen request may hold.
const MaxBatch = 1000

// maxLimit caps a query's Limit.
const maxLimit = 500

// ScreenRequest is the body of POST /v1/screen: either one query's fields at
// the top level, or a "queries" array of up to MaxBatch queries.
type ScreenRequest struct {
	vigil.Query
	Queries []vigil.Query `json:"queries,omitempty"`
	// AsOf screens against the list versions in force on that date
	// (YYYY-MM-DD, the whole day) or at that instant (RFC 3339) instead of
	// the current ones.
	AsOf string `json:"as_of,omitempty"`
}

// ScreenResult is one query and the matches the matcher found for it;
// Subjects groups them by listed subject (each match names its subject).
type ScreenResult struct {
	Query    vigil.Query          `json:"query"`
	Matches  []vigil.Match        `json:"matches"`
	Subjects []vigil.SubjectMatch `json:"subjects"`
}

// ScreenResponse answers a single query: the result and the list versions
// screened against.
type ScreenResponse struct {
	ScreenResult
	Lists []string `json:"lists"`
	// ListVersions are the versions screened against, with when each came
	// into force; AsOf echoes the request's as_of.
	ListVersions []vigil.VersionRef `json:"list_versions"`
	AsOf         string             `json:"as_of,omitempty"`
}

// BatchResponse answers a batch, results in query order.
type BatchResponse struct {
	Results      []ScreenResult     `json:"results"`
	Lists        []string           `json:"lists"`
	ListVersions []vigil.VersionRef `json:"list_versions"`
	AsOf         string             `json:"as_of,omitempty"`
}

var dobRE = regexp.MustCompile(`^\d{4}(-\d{2}(-\d{2})?)?$`)

// checkLimits validates what every screening request must hold: a name of
// at most 300 characters, a threshold and a limit in range; where names
// the query in messages ("" or "queries[3]: ").
func checkLimits(q *vigil.Query, where string) error {
	q.Name = strings.TrimSpace(q.Name)
	switch {
	case q.Name == "":
		return badRequest("%sfield \"name\" is required", where)
	case utf8.RuneCountInString(q.Name) > 300:
		return badRequest("%sfield \"name\" is longer than 300 characters", where)
	case q.Threshold < 0 || q.Threshold > 1:
		return badRequest("%sfield \"threshold\" must be between 0 and 1", where)
	case q.Limit < 0 || q.Limit > maxLimit:
		return badRequest("%sfield \"limit\" must be between 0 and %d", where, maxLimit)
	}
	return nil
}

// checkQuery validates an API query's form: checkLimits, a date of birth
// written YYYY, YYYY-MM or YYYY-MM-DD, and a kind.
func checkQuery(q *vigil.Query, where string) error {
	if err := checkLimits(q, where); err != nil {
		return err
	}
	if q.DOB != "" && !dobRE.MatchString(q.DOB) {
		return badRequest("%sfield \"dob\" must be YYYY, YYYY-MM or YYYY-MM-DD, not %q", where, q.DOB)
	}
	if _, ok := vigil.ParseKind(string(q.Kind)); !ok {
		return badRequest("%sfield \"kind\" must be person, organization, vessel or aircraft, not %q", where, q.Kind)
	}
	return nil
}

// checkValues replaces q with the query ix screens, and refuses it when
// it holds a value ix cannot use (a date that is no date, a country that
// is none, …): screening without it, and echoing it back, would let the
// client believe it was weighed. The error names every such field.
func checkValues(ix Index, q *vigil.Query, where string) error {
	checked, ps := ix.CheckQuery(*q)
	if len(ps) > 0 {
		return badRequest("%s%s", where, describeProblems(ps))
	}
	*q = checked
	return nil
}

// describeProblems says what is wrong with each field, e.g. `field "dob":
// "1957-02-30" is not a date (February 1957 has 28 days)`.
func describeProblems(ps []vigil.QueryProblem) string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = fmt.Sprintf("field %q: %q %s", p.Field, p.Value, p.Reason)
	}
	return strings.Join(msgs, "; ")
}

// screenAll screens qs on up to GOMAXPROCS goroutines, stopping early when
// ctx ends. Results are in query order and never nil.
func screenAll(ctx context.Context, idx vigil.Screener, qs []vigil.Query) ([][]vigil.Match, error) {
	out := make([][]vigil.Match, len(qs))
	workers := min(runtime.GOMAXPROCS(0), len(qs))
	if len(qs) < 8 {
		workers = 1
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				out[i] = nonNil(idx.Screen(qs[i]))
			}
		})
	}
	var err error
feed:
	for i := range qs {
		select {
		case next <- i:
		case <-ctx.Done():
			err = ctx.Err()
			break feed
		}
	}
	close(next)
	wg.Wait()
	return out, err
}

func nonNil(m []vigil.Match) []vigil.Match {
	if m == nil {
		return []vigil.Match{}
	}
	return m
}

func labels(snap *Snapshot) []string { return versionLabels(snap.Versions) }

func versionLabels(vs []vigil.ListVersion) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Label())
	}
	return out
}

func (s *Server) handleScreen(w http.ResponseWriter, r *http.Request) {
	var req ScreenRequest
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	batch := req.Queries != nil
	qs := req.Queries
	if batch {
		if req.Query != (vigil.Query{}) {
			s.writeErr(w, r, badRequest("send either one query's fields or \"queries\", not both"))
			return
		}
		if len(qs) == 0 {
			s.writeErr(w, r, badRequest("\"queries\" is empty"))
			return
		}
		if len(qs) > MaxBatch {
			s.writeErr(w, r, &requestError{http.StatusRequestEntityTooLarge, "at most 1000 queries per request"})
			return
		}
		for i := range qs {
			if err := checkQuery(&qs[i], "queries["+strconv.Itoa(i)+"]: "); err != nil {
				s.writeErr(w, r, err)
				return
			}
		}
	} else {
		if err := checkQuery(&req.Query, ""); err != nil {
			s.writeErr(w, r, err)
			return
		}
		qs = []vigil.Query{req.Query}
	}
	snap := s.ready(w)
	if snap == nil {
		return
	}
	// The values are checked before an as-of index is built: a request
	// refused must not cost a build. Checking needs no list.
	for i := range qs {
		where := ""
		if batch {
			where = "queries[" + strconv.Itoa(i) + "]: "
		}
		if err := checkValues(snap.Index, &qs[i], where); err != nil {
			s.writeErr(w, r, err)
			return
		}
	}
	ix, vs, err := s.indexAsOf(r.Context(), snap, req.AsOf)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	for i := range qs {
		where := ""
		if batch {
			where = "queries[" + strconv.Itoa(i) + "]: "
		}
		if err := checkFilter(qs[i].Filter, vs, where); err != nil {
			s.writeErr(w, r, err)
			return
		}
	}
	ms, err := screenAll(r.Context(), ix, qs)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	subs := groupAll(snap, ix, ms)
	if err := s.recordScreen(r.Context(), vigil.AuditScreen, &Snapshot{Versions: vs}, vigil.ScreeningQuery{Queries: qs, AsOf: req.AsOf}, ms, nil); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if !batch {
		writeJSON(w, http.StatusOK, ScreenResponse{ScreenResult{qs[0], ms[0], subs[0]}, versionLabels(vs), vigil.Refs(vs), req.AsOf})
		return
	}
	res := make([]ScreenResult, len(qs))
	for i := range qs {
		res[i] = ScreenResult{qs[i], ms[i], subs[i]}
	}
	writeJSON(w, http.StatusOK, BatchResponse{res, versionLabels(vs), vigil.Refs(vs), req.AsOf})
}

// errNotAudited answers a screening whose audit record could not be
// written: an answer that leaves no trace would fail open.
var errNotAudited = &requestError{http.StatusServiceUnavailable,
	"the screening could not be written to the audit log, so its result is withheld; try again shortly"}

// recordScreen counts queries and matches and appends the screening's audit
// record (the queries, and per query the entities found; verdicts where
// the path recommends), for the actor the request context names. It
// returns errNotAudited when the record could not be written: the caller
// must not answer.
func (s *Server) recordScreen(ctx context.Context, action string, snap *Snapshot, q vigil.ScreeningQuery, ms [][]vigil.Match, verdicts []string) error {
	return s.recordResult(ctx, action, snap, q, ms, func(res *vigil.ScreeningResult) { res.Verdicts = verdicts })
}

// recordResult is recordScreen, with edit completing the result before it
// is written.
func (s *Server) recordResult(ctx context.Context, action string, snap *Snapshot, q vigil.ScreeningQuery, ms [][]vigil.Match, edit func(*vigil.ScreeningResult)) error {
	n := 0
	for _, m := range ms {
		n += len(m)
	}
	s.metrics.queries.WithLabelValues(action).Add(float64(len(ms)))
	s.metrics.matches.WithLabelValues(action).Add(float64(n))
	if s.opts.Audit == nil {
		return nil
	}
	res := vigil.NewScreeningResult(labels(snap), ms)
	edit(&res)
	qj, err := json.Marshal(q)
	if err == nil {
		var rj []byte
		if rj, err = json.Marshal(res); err == nil {
			// The record must outlive a client that hangs up.
			_, err = s.opts.Audit.AppendAudit(context.WithoutCancel(ctx),
				vigil.AuditRecord{Who: vigil.ActorFrom(ctx), Action: action, Query: qj, Result: rj})
		}
	}
	if err != nil {
		s.metrics.auditErrors.Inc()
		s.log.Error("writing the audit record; the screening is not answered", "action", action, "err", err)
		return errNotAudited
	}
	return nil
}

// Mention is one stretch of a text that may name a listed entity: byte
// offsets into the text, the words found, and the matcher's matches.
type Mention struct {
	Start   int           `json:"start"`
	End     int           `json:"end"`
	Text    string        `json:"text"`
	Matches []vigil.Match `json:"matches"`
	// Subjects groups the matches by listed subject.
	Subjects []vigil.SubjectMatch `json:"subjects"`
}

// DefaultMaxTextBytes is the largest text /v1/text and the console's
// article page screen by default: a long report is a few hundred KiB.
const DefaultMaxTextBytes = 1 << 20

// TextLimits bound the work of scanning one text.
type TextLimits struct {
	// MaxQueries is the most candidate names sent to the matcher, each
	// from a fraction of a millisecond to a few milliseconds of CPU (a 1 MB
	// news text needs some 600; a pasted list of listed names two or three
	// per name).
	MaxQueries int
	// MaxMentions is the most mentions returned.
	MaxMentions int
}

// DefaultTextLimits are the text limits when Options set none.
//
// 1,000 queries cover a 1 MB news text; a 1 MB run of listed names in
// capitals, the costliest text measured, reaches them in about 2.5 s of CPU.
var DefaultTextLimits = TextLimits{MaxQueries: 1000, MaxMentions: 1000}

// TextScan is what a TextScanner found: the mentions, in text order, and
// whether a limit stopped the scan after the first ScreenedTo bytes.
type TextScan struct {
	Mentions   []Mention
	Truncated  bool
	ScreenedTo int
	// Why says which limits stopped a truncated scan, for people.
	Why string
}

// TextScanner finds the names in a text and screens each with idx, within
// lim; it stops with ctx's error when ctx ends.
type TextScanner func(ctx context.Context, idx vigil.Screener, text string, lim TextLimits) (TextScan, error)

// TextRequest is the JSON body of POST /v1/text (a text/plain body works too).
type TextRequest struct {
	Text string `json:"text"`
}

// TextResponse lists the mentions found in a text. When Truncated, a limit
// on the work of one request stopped the scan: the mentions are those of
// the text's first ScreenedTo bytes, and Message says so.
type TextResponse struct {
	Mentions   []Mention `json:"mentions"`
	Lists      []string  `json:"lists"`
	Truncated  bool      `json:"truncated"`
	ScreenedTo int       `json:"screened_to"`
	Message    string    `json:"message,omitempty"`
}

// readText returns the text of a JSON {"text"} body or of a plain body.
func readText(w http.ResponseWriter, r *http.Request, limit int64, field string) (string, error) {
	ct := strings.ToLower(r.Header.Get("Content-Type"))
	if strings.Contains(ct, "json") {
		var req map[string]string
		if err := decodeJSON(w, r, limit, &req); err != nil {
			return "", err
		}
		for k := range req {
			if k != field {
				return "", badRequest("unknown field %q; send {%q: \"…\"}", k, field)
			}
		}
		return req[field], nil
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return "", err
	}
	if !utf8.Valid(b) {
		return "", badRequest("the body is not UTF-8 text")
	}
	return string(b), nil
}

func (s *Server) handleText(w http.ResponseWriter, r *http.Request) {
	if s.opts.ScanText == nil {
		writeError(w, http.StatusNotImplemented, "text screening is not available on this server")
		return
	}
	// JSON escapes may take six bytes for one: the text's own size is
	// checked once decoded.
	limit := s.opts.MaxTextBytes
	if strings.Contains(strings.ToLower(r.Header.Get("Content-Type")), "json") {
		limit = 6*limit + 1024
	}
	text, err := readText(w, r, limit, "text")
	var mb *http.MaxBytesError
	if errors.As(err, &mb) || err == nil && int64(len(text)) > s.opts.MaxTextBytes {
		s.writeErr(w, r, &requestError{http.StatusRequestEntityTooLarge,
			fmt.Sprintf("the text is larger than the limit of %d bytes; screen it in parts", s.opts.MaxTextBytes)})
		return
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	if strings.TrimSpace(text) == "" {
		s.writeErr(w, r, badRequest("the text is empty"))
		return
	}
	snap := s.ready(w)
	if snap == nil {
		return
	}
	res, err := s.scanText(r.Context(), vigil.AuditText, snap, text)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	out := TextResponse{Mentions: res.Mentions, Lists: labels(snap), Truncated: res.Truncated, ScreenedTo: res.ScreenedTo}
	if res.Truncated {
		out.Message = truncatedMessage(res, len(text))
	}
	writeJSON(w, http.StatusOK, out)
}

// scanText scans a text within the server's limits and appends its audit
// record (action names the path: the API or the console). It returns
// errNotAudited when the record could not be written: the caller must not
// answer.
func (s *Server) scanText(ctx context.Context, action string, snap *Snapshot, text string) (TextScan, error) {
	lim := s.opts.TextLimits
	res, err := s.opts.ScanText(ctx, snap.Index, text, lim)
	if err != nil {
		return res, err
	}
	if res.Mentions == nil {
		res.Mentions = []Mention{}
	}
	if res.Truncated && res.Why == "" {
		res.Why = fmt.Sprintf("one request screens at most %d candidate names and returns at most %d mentions", lim.MaxQueries, lim.MaxMentions)
	}
	slices.SortFunc(res.Mentions, func(a, b Mention) int { return a.Start - b.Start })
	groupMentions(snap, res.Mentions)
	if err := s.recordText(ctx, action, snap, text, res); err != nil {
		return res, err
	}
	return res, nil
}

// recordText audits a text screened: the text's size and SHA-256 (not the
// text), the name screened for each mention and what it matched, and, when
// a limit stopped the scan, how much of the text was screened (in Error).
func (s *Server) recordText(ctx context.Context, action string, snap *Snapshot, text string, scan TextScan) error {
	ms := scan.Mentions
	q := vigil.ScreeningQuery{Queries: make([]vigil.Query, len(ms)), Input: vigil.NewAuditInput("text", []byte(text))}
	found := make([][]vigil.Match, len(ms))
	for i, m := range ms {
		q.Queries[i], found[i] = vigil.Query{Name: m.Text}, m.Matches
	}
	return s.recordResult(ctx, action, snap, q, found, func(res *vigil.ScreeningResult) {
		if scan.Truncated {
			res.Error = truncatedMessage(scan, len(text))
		}
	})
}

// truncatedMessage says how much of a text of n bytes a stopped scan
// screened, and why.
func truncatedMessage(scan TextScan, n int) string {
	return fmt.Sprintf("only the first %d of %d bytes were screened: %s; screen the rest separately", scan.ScreenedTo, n, scan.Why)
}

// Traveller is one person a manifest names, or the holder of a document:
// a label for people ("2. DOE JOHN, seat 12A"), the fields as the manifest
// states them, the query screened for them, and what of them could not be
// read or checked.
type Traveller struct {
	Label  string            `json:"label"`
	Fields map[string]string `json:"fields,omitempty"`
	Query  vigil.Query       `json:"query"`
	// Problems are what of the person could not be read, used or checked
	// (a value dropped, an expired document, a failed check digit); the
	// Assessor makes each verdict with problems at least refer.
	Problems []string `json:"problems,omitempty"`
	// NotScreened marks a record that could not be read at all: its Query
	// has no name, and a traveller it may hold was not screened.
	NotScreened bool `json:"not_screened,omitempty"`
	// Misread marks data that may be misread (failed check digits): the
	// Assessor refers what it would deny.
	Misread bool `json:"-"`
	// OtherIDs are document numbers besides Query.ID, screened too.
	OtherIDs []string `json:"other_ids,omitempty"`
	// Flights are the manifest flights the traveller (or the record not
	// read) is on, shared by the travellers of each, for the result's
	// headers; none when the manifest states none.
	Flights []*Flight `json:"-"`
}

// Flight is a flight of a manifest: its designator and route.
type Flight struct {
	Ident string      `json:"ident"` // "XX0112"
	Legs  []FlightLeg `json:"legs"`
	// Travellers are the indexes, in the response's travellers, of those
	// on the flight.
	Travellers []int `json:"travellers"`
}

// FlightLeg is one leg of a flight: airports and local times as the
// manifest states them.
type FlightLeg struct {
	From      string `json:"from"`
	Departure string `json:"departure,omitempty"`
	To        string `json:"to"`
	Arrival   string `json:"arrival,omitempty"`
}

// ManifestParser reads a passenger manifest (UN/EDIFACT PAXLST): its
// travellers, and a NotScreened entry for each record it could not read.
type ManifestParser func(r io.Reader) ([]Traveller, error)

// Verdict is a recommendation for a traveller or document holder.
type Verdict struct {
	// Recommendation is "deny", "refer" or "clear".
	Recommendation string   `json:"recommendation"`
	Reasons        []string `json:"reasons"`
	// Deciding is the entity id the recommendation rests on.
	Deciding string `json:"deciding,omitempty"`
}

// Assessor screens a traveller or document holder and recommends what to
// do, returning the matches it rests on: at least refer when t has
// problems or is not screened.
type Assessor func(ix Index, t Traveller) (Verdict, []vigil.Match)

// ManifestResult is one traveller, their matches and, where the server
// assesses travellers, the recommendation.
type ManifestResult struct {
	Traveller
	Matches []vigil.Match `json:"matches"`
	// Subjects groups the matches by listed subject.
	Subjects []vigil.SubjectMatch `json:"subjects"`
	Verdict  *Verdict             `json:"verdict,omitempty"`
}

// ManifestResponse answers POST /v1/manifest.
type ManifestResponse struct {
	Travellers []ManifestResult `json:"travellers"`
	// Hits counts the travellers with at least one match.
	Hits int `json:"hits"`
	// NotScreened counts the records that could not be read.
	NotScreened int `json:"not_screened"`
	// Recommendation is the strongest of the travellers' verdicts (deny,
	// refer, clear), where the server assesses travellers.
	Recommendation string   `json:"recommendation,omitempty"`
	Lists          []string `json:"lists"`
	// Flights are the manifest's flights with their travellers.
	Flights []Flight `json:"flights,omitempty"`
}

func (s *Server) handleManifest(w http.ResponseWriter, r *http.Request) {
	if s.opts.ParseManifest == nil {
		writeError(w, http.StatusNotImplemented, "manifest screening is not available on this server")
		return
	}
	text, err := readText(w, r, s.opts.MaxUploadBytes, "manifest")
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	res, snap, err := s.screenManifest(r.Context(), vigil.AuditManifest, text)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	if snap == nil {
		s.ready(w)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// screenManifest parses, screens and audits (as action) a manifest; a nil
// snapshot means the lists are not loaded.
func (s *Server) screenManifest(ctx context.Context, action, text string) (*ManifestResponse, *Snapshot, error) {
	if strings.TrimSpace(text) == "" {
		return nil, nil, badRequest("the manifest is empty")
	}
	ts, err := s.opts.ParseManifest(strings.NewReader(text))
	if err != nil {
		return nil, nil, badRequest("the manifest cannot be read: %v", err)
	}
	snap := s.Snapshot()
	if snap == nil {
		return nil, nil, nil
	}
	// qs are the queries as screened (without the values the matcher
	// cannot use, which the Assessor names as problems): what the audit
	// record carries.
	qs := make([]vigil.Query, len(ts))
	for i, t := range ts {
		qs[i], _ = snap.Index.CheckQuery(t.Query)
	}
	res := &ManifestResponse{Travellers: make([]ManifestResult, len(ts)), Lists: labels(snap)}
	var ms [][]vigil.Match
	if s.opts.Assess != nil {
		ms = make([][]vigil.Match, len(ts))
		rank := map[string]int{"clear": 1, "refer": 2, "deny": 3}
		for i, t := range ts {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
			v, m := s.opts.Assess(snap.Index, t)
			ms[i] = nonNil(m)
			res.Travellers[i].Verdict = &v
			if rank[v.Recommendation] > rank[res.Recommendation] {
				res.Recommendation = v.Recommendation
			}
		}
	} else {
		var err error
		if ms, err = screenAll(ctx, snap.Index, qs); err != nil {
			return nil, nil, err
		}
	}
	var verdicts []string
	if s.opts.Assess != nil {
		verdicts = make([]string, len(ts))
		for i := range ts {
			verdicts[i] = res.Travellers[i].Verdict.Recommendation
		}
	}
	aq := vigil.ScreeningQuery{Queries: qs, Input: vigil.NewAuditInput("manifest", []byte(text))}
	if err := s.recordScreen(ctx, action, snap, aq, ms, verdicts); err != nil {
		return nil, nil, err
	}
	flight := map[*Flight]int{}
	subs := groupAll(snap, snap.Index, ms)
	for i, t := range ts {
		for _, f := range t.Flights {
			j, ok := flight[f]
			if !ok {
				j = len(res.Flights)
				flight[f] = j
				res.Flights = append(res.Flights, Flight{Ident: f.Ident, Legs: f.Legs})
			}
			res.Flights[j].Travellers = append(res.Flights[j].Travellers, i)
		}
		res.Travellers[i].Traveller = t
		res.Travellers[i].Matches, res.Travellers[i].Subjects = ms[i], subs[i]
		if len(ms[i]) > 0 {
			res.Hits++
		}
		if t.NotScreened {
			res.NotScreened++
		}
	}
	s.watchTravellers(ctx, res)
	return res, snap, nil
}

// MRZParser reads the machine-readable zone of a travel document, returning
// its holder (the query, and what could not be read or checked: failed
// check digits, an expired document) and the decoded document (shown as
// is).
type MRZParser func(lines ...string) (Traveller, any, error)

// MRZRequest is the body of POST /v1/mrz: the zone's lines, either as an
// array or as one string with line breaks.
type MRZRequest struct {
	MRZ   string   `json:"mrz,omitempty"`
	Lines []string `json:"lines,omitempty"`
}

// MRZResponse answers POST /v1/mrz.
type MRZResponse struct {
	Document any         `json:"document"`
	Query    vigil.Query `json:"query"`
	// Problems are what of the zone could not be read or checked.
	Problems []string      `json:"problems,omitempty"`
	Matches  []vigil.Match `json:"matches"`
	// Subjects groups the matches by listed subject.
	Subjects []vigil.SubjectMatch `json:"subjects"`
	Verdict  *Verdict             `json:"verdict,omitempty"`
	Lists    []string             `json:"lists"`
}

func (s *Server) handleMRZ(w http.ResponseWriter, r *http.Request) {
	if s.opts.ParseMRZ == nil {
		writeError(w, http.StatusNotImplemented, "MRZ screening is not available on this server")
		return
	}
	var req MRZRequest
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	lines := req.Lines
	if req.MRZ != "" {
		if lines != nil {
			s.writeErr(w, r, badRequest("send either \"mrz\" or \"lines\", not both"))
			return
		}
		lines = strings.Fields(req.MRZ)
	}
	if len(lines) == 0 {
		s.writeErr(w, r, badRequest("field \"mrz\" or \"lines\" is required"))
		return
	}
	holder, doc, err := s.opts.ParseMRZ(lines...)
	if err != nil {
		s.writeErr(w, r, badRequest("the MRZ cannot be read: %v", err))
		return
	}
	snap := s.ready(w)
	if snap == nil {
		return
	}
	q := holder.Query
	// checked is the query as screened, which the audit record carries.
	checked, _ := snap.Index.CheckQuery(q)
	var verdict *Verdict
	var ms []vigil.Match
	if s.opts.Assess != nil {
		v, m := s.opts.Assess(snap.Index, holder)
		verdict, ms = &v, nonNil(m)
	} else {
		ms = nonNil(snap.Index.Screen(checked))
	}
	var verdicts []string
	if verdict != nil {
		verdicts = []string{verdict.Recommendation}
	}
	aq := vigil.ScreeningQuery{Queries: []vigil.Query{checked}, Input: vigil.NewAuditInput("mrz", []byte(strings.Join(lines, "\n")))}
	if err := s.recordScreen(r.Context(), vigil.AuditMRZ, snap, aq, [][]vigil.Match{ms}, verdicts); err != nil {
		s.writeErr(w, r, err)
		return
	}
	subs := vigil.GroupBySubject(ms, snap.Subjects, snap.Index)
	writeJSON(w, http.StatusOK, MRZResponse{doc, q, holder.Problems, ms, subs, verdict, labels(snap)})
}
