package http

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vigil-screening/vigil"
)

// Watcher keeps watch over subjects and carries their alerts; cmd/vigil
// wires the watch engine with the served lists. Reads go to its store.
type Watcher interface {
	Store() vigil.WatchStore
	// Import reads subjects (JSON Lines) into a set, screening the new
	// and changed ones, calling bad for each bad row; past maxRows it
	// stops with an error wrapping ErrTooManyRows.
	// bad is called for each row not imported, problems for each row
	// imported and screened without some of its values.
	Import(ctx context.Context, set string, jsonl io.Reader, maxRows int, by string, bad func(row int, err error),
		problems func(row int, problems []string)) (vigil.SubjectImport, error)
	// Put stores one subject from a JSON object (the fields of an import
	// row) and screens it if its screening fields changed.
	Put(ctx context.Context, set, id string, object []byte, by string) (vigil.StoredSubject, []vigil.Alert, error)
	// Remove takes a subject off the watch, returning how many of its
	// alerts closed.
	Remove(ctx context.Context, set, id, by string) (int, error)
	Decide(ctx context.Context, id int64, as vigil.AlertState, reason string, who vigil.Reviewer, version int) (vigil.Alert, error)
	Approve(ctx context.Context, id int64, who vigil.Reviewer) (vigil.Alert, error)
	// Travellers keeps watch over the travellers of a screened manifest
	// that were referred or denied, in the set "travellers".
	Travellers(ctx context.Context, ts []Traveller, by string) error
	// Status says what a re-screen is doing, for /metrics.
	Status() WatchStatus
}

// WatchStatus is what the watch engine is doing.
type WatchStatus struct {
	Running     bool
	Done, Total int64
	Runs        int64
}

// Errors a Watcher returns: ErrTooManyRows wraps Import's error when a
// request holds more rows than allowed; ErrNotReady says the lists are not
// loaded yet (503).
var (
	ErrTooManyRows = errors.New("too many rows")
	ErrNotReady    = errors.New("the lists are still loading; try again shortly")
)

// Limits of the subjects API.
const (
	// MaxSubjectRows is the most rows one bulk request may hold.
	MaxSubjectRows = 100000
	// maxSubjectBody bounds a bulk request's body.
	maxSubjectBody = 128 << 20
	// maxBadRows is how many bad rows a bulk response names.
	maxBadRows = 1000
)

// maxSubjectRows is MaxSubjectRows (tests lower it).
var maxSubjectRows = MaxSubjectRows

// watcher returns the configured Watcher, or writes 501 and returns nil.
func (s *Server) watcher(w http.ResponseWriter) Watcher {
	if s.opts.Watch == nil {
		writeError(w, http.StatusNotImplemented, "keeping watch is not configured on this server")
	}
	return s.opts.Watch
}

// writeWatchErr writes an error of the watch: 404, 409, 403, 400 and 413
// for what they mean, as writeErr otherwise.
func (s *Server) writeWatchErr(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, vigil.ErrNotFound):
		writeError(w, http.StatusNotFound, "%v", err)
	case errors.Is(err, vigil.ErrConflict):
		writeError(w, http.StatusConflict, "%v", err)
	case errors.Is(err, vigil.ErrForbidden):
		writeError(w, http.StatusForbidden, "%v", err)
	case errors.Is(err, vigil.ErrInvalid):
		writeError(w, http.StatusBadRequest, "%v", err)
	case errors.Is(err, ErrTooManyRows):
		writeError(w, http.StatusRequestEntityTooLarge, "%v", err)
	case errors.Is(err, ErrNotReady):
		w.Header().Set("Retry-After", "5")
		writeError(w, http.StatusServiceUnavailable, "%v", err)
	default:
		s.writeErr(w, r, err)
	}
}

// by is who a request is from, for the audit log ("" without keys).
func by(ctx context.Context) string {
	if k := keyFrom(ctx); k != nil {
		return k.ID
	}
	return ""
}

// BadRow is a row of a bulk request that was not imported.
type BadRow struct {
	Row   int    `json:"row"`
	Error string `json:"error"`
}

// SubjectsImportResponse answers POST /v1/subjects/{set}.
type SubjectsImportResponse struct {
	Import vigil.SubjectImport `json:"import"`
	// Errors names the bad rows (the first 1,000); Row counts lines of
	// JSON Lines, elements of an array, from 1.
	Errors []BadRow `json:"errors"`
	// Problems names the rows imported and screened without some of their
	// values (the first 1,000), and those values.
	Problems []RowProblems `json:"problems"`
}

// RowProblems is a row of a bulk request imported and screened without
// some of its values.
type RowProblems struct {
	Row      int      `json:"row"`
	Problems []string `json:"problems"`
}

// handleSubjectsImport reads subjects as JSON Lines or a JSON array,
// streamed: at most MaxSubjectRows rows.
func (s *Server) handleSubjectsImport(w http.ResponseWriter, r *http.Request) {
	wt := s.watcher(w)
	if wt == nil {
		return
	}
	body := bufio.NewReaderSize(http.MaxBytesReader(w, r.Body, maxSubjectBody), 64<<10)
	first, err := firstByte(body)
	if err != nil {
		s.writeErr(w, r, badRequest("the body is empty: send subjects as JSON Lines or a JSON array"))
		return
	}
	var lines io.Reader = body
	var arrayDone chan error // arrayToLines' outcome
	if first == '[' {
		pr, pw := io.Pipe()
		arrayDone = make(chan error, 1)
		go func() {
			err := arrayToLines(body, pw)
			pw.CloseWithError(err)
			arrayDone <- err
		}()
		defer pr.Close()
		lines = pr
	} else if first != '{' {
		s.writeErr(w, r, badRequest("send subjects as JSON Lines (one object a line) or a JSON array of objects"))
		return
	}
	res := SubjectsImportResponse{Errors: []BadRow{}, Problems: []RowProblems{}}
	sum, err := wt.Import(r.Context(), r.PathValue("set"), lines, maxSubjectRows, by(r.Context()), func(row int, err error) {
		if len(res.Errors) < maxBadRows {
			res.Errors = append(res.Errors, BadRow{row, strings.TrimPrefix(err.Error(), fmt.Sprintf("row %d: ", row))})
		}
	}, func(row int, ps []string) {
		if len(res.Problems) < maxBadRows {
			res.Problems = append(res.Problems, RowProblems{row, ps})
		}
	})
	res.Import = sum
	var arrayErr error
	if arrayDone != nil {
		if err != nil {
			lines.(*io.PipeReader).Close() // unblocks a writer the import left
		}
		arrayErr = <-arrayDone
	}
	// What stopped the import early: the rows before it stay imported,
	// and the response says how many.
	var mb *http.MaxBytesError
	stopped := func(status int, msg string) {
		writeJSON(w, status, struct {
			ErrorResponse
			SubjectsImportResponse
		}{ErrorResponse{status, msg}, res})
	}
	switch {
	case err == nil:
	case errors.Is(err, ErrTooManyRows):
		stopped(http.StatusRequestEntityTooLarge, err.Error())
		return
	case errors.As(err, &mb):
		stopped(http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than the limit of %d bytes; the rows before it were imported", mb.Limit))
		return
	case arrayErr != nil:
		stopped(http.StatusBadRequest, fmt.Sprintf("malformed JSON array after row %d: %v; the rows before it were imported", sum.Rows, arrayErr))
		return
	default:
		s.writeWatchErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// firstByte returns the first byte of r that is not white space (or a
// byte order mark), leaving it unread.
func firstByte(r *bufio.Reader) (byte, error) {
	for {
		b, err := r.Peek(1)
		if err != nil {
			return 0, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			r.ReadByte()
			continue
		case 0xef:
			if bom, _ := r.Peek(3); string(bom) == "\xef\xbb\xbf" {
				r.Discard(3)
				continue
			}
		}
		return b[0], nil
	}
}

// arrayToLines streams a JSON array of objects to w as JSON Lines, one
// element a line, so that element n is line n; an element that is not an
// object is written as it is (the reader then names its line).
func arrayToLines(r io.Reader, w io.Writer) error {
	dec := json.NewDecoder(r)
	if _, err := dec.Token(); err != nil { // [
		return err
	}
	bw := bufio.NewWriter(w)
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			bw.Flush()
			return err
		}
		bw.Write(compact(raw))
		bw.WriteByte('\n')
	}
	if _, err := dec.Token(); err != nil { // ]
		bw.Flush()
		return err
	}
	return bw.Flush()
}

// compact removes the insignificant white space of a JSON value, so that
// it holds on one line.
func compact(raw []byte) []byte {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return raw
	}
	return b.Bytes()
}

// SubjectResponse answers GET and PUT /v1/subjects/{set}/{id}: the subject
// and every alert it ever had.
type SubjectResponse struct {
	Subject vigil.StoredSubject `json:"subject"`
	Alerts  []vigil.Alert       `json:"alerts"`
}

func (s *Server) handleSubjectPut(w http.ResponseWriter, r *http.Request) {
	wt := s.watcher(w)
	if wt == nil {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.Contains(strings.ToLower(ct), "json") {
		writeError(w, http.StatusUnsupportedMediaType, "send a JSON object with Content-Type: application/json, not %q", ct)
		return
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	sub, alerts, err := wt.Put(r.Context(), r.PathValue("set"), r.PathValue("id"), b, by(r.Context()))
	if err != nil {
		s.writeWatchErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, SubjectResponse{sub, orEmpty(alerts)})
}

func (s *Server) handleSubjectGet(w http.ResponseWriter, r *http.Request) {
	wt := s.watcher(w)
	if wt == nil {
		return
	}
	set, id := r.PathValue("set"), r.PathValue("id")
	sub, err := wt.Store().Subject(r.Context(), set, id)
	if err != nil {
		s.writeWatchErr(w, r, err)
		return
	}
	page, err := wt.Store().Alerts(r.Context(), vigil.AlertFilter{Set: set, SubjectID: id, Limit: 1000})
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, SubjectResponse{sub, page.Alerts})
}

func (s *Server) handleSubjectDelete(w http.ResponseWriter, r *http.Request) {
	wt := s.watcher(w)
	if wt == nil {
		return
	}
	set, id := r.PathValue("set"), r.PathValue("id")
	closed, err := wt.Remove(r.Context(), set, id, by(r.Context()))
	if err != nil {
		s.writeWatchErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"set": set, "id": id, "removed": true, "alerts_closed": closed})
}

// SubjectsResponse answers GET /v1/subjects/{set}: a page of subjects and
// the cursor of the next.
type SubjectsResponse struct {
	Subjects []vigil.StoredSubject `json:"subjects"`
	Next     string                `json:"next,omitempty"`
}

func (s *Server) handleSubjectsList(w http.ResponseWriter, r *http.Request) {
	wt := s.watcher(w)
	if wt == nil {
		return
	}
	limit, err := intParam(r.URL.Query().Get("limit"), "limit", 100, 1, 10000)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	subs, next, err := wt.Store().Subjects(r.Context(), vigil.SubjectFilter{Set: r.PathValue("set"), After: r.URL.Query().Get("after"), Limit: limit})
	if err != nil {
		s.writeErr(w, r, badRequest("%v", err))
		return
	}
	writeJSON(w, http.StatusOK, SubjectsResponse{orEmpty(subs), next})
}

// watchTravellers keeps watch over the travellers of a screened manifest
// who were referred or denied (who matched, when there is no verdict), in
// the set "travellers": their alerts join the queue. Screening stands
// whatever befalls this; a failure is logged.
func (s *Server) watchTravellers(ctx context.Context, res *ManifestResponse) {
	if s.opts.Watch == nil {
		return
	}
	var ts []Traveller
	for _, t := range res.Travellers {
		if (t.Verdict != nil && t.Verdict.Recommendation != "clear") || (t.Verdict == nil && len(t.Matches) > 0) {
			ts = append(ts, t.Traveller)
		}
	}
	if len(ts) == 0 {
		return
	}
	if err := s.opts.Watch.Travellers(context.WithoutCancel(ctx), ts, by(ctx)); err != nil {
		s.log.Error("keeping watch over a manifest's travellers", "travellers", len(ts), "err", err)
	}
}

// WatchResponse answers GET /v1/watch: the sets with their counts, the
// last re-screen and what the engine is doing.
type WatchResponse struct {
	Sets    []vigil.SetSummary `json:"sets"`
	LastRun *vigil.WatchRun    `json:"last_run,omitempty"`
	Running bool               `json:"running"`
}

func (s *Server) handleWatch(w http.ResponseWriter, r *http.Request) {
	wt := s.watcher(w)
	if wt == nil {
		return
	}
	sets, err := wt.Store().Sets(r.Context())
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	res := WatchResponse{Sets: orEmpty(sets), Running: wt.Status().Running}
	if run, err := wt.Store().LastRun(r.Context()); err == nil {
		res.LastRun = &run
	}
	writeJSON(w, http.StatusOK, res)
}

var (
	watchRunningDesc = prometheus.NewDesc("vigil_watch_rescreen_running", "1 while the watched subjects are being re-screened.", nil, nil)
	watchDoneDesc    = prometheus.NewDesc("vigil_watch_rescreen_subjects_done", "Subjects the running (or last) re-screen has screened.", nil, nil)
	watchTotalDesc   = prometheus.NewDesc("vigil_watch_rescreen_subjects_total", "Subjects the running (or last) re-screen screens.", nil, nil)
	watchRunsDesc    = prometheus.NewDesc("vigil_watch_rescreens_total", "Re-screens finished since the service started.", nil, nil)
)

// watchCollector reports the watch engine's progress at scrape time.
type watchCollector struct{ s *Server }

func (c watchCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- watchRunningDesc
	ch <- watchDoneDesc
	ch <- watchTotalDesc
	ch <- watchRunsDesc
}

func (c watchCollector) Collect(ch chan<- prometheus.Metric) {
	if c.s.opts.Watch == nil {
		return
	}
	st := c.s.opts.Watch.Status()
	running := 0.0
	if st.Running {
		running = 1
	}
	ch <- prometheus.MustNewConstMetric(watchRunningDesc, prometheus.GaugeValue, running)
	ch <- prometheus.MustNewConstMetric(watchDoneDesc, prometheus.GaugeValue, float64(st.Done))
	ch <- prometheus.MustNewConstMetric(watchTotalDesc, prometheus.GaugeValue, float64(st.Total))
	ch <- prometheus.MustNewConstMetric(watchRunsDesc, prometheus.CounterValue, float64(st.Runs))
}

// orEmpty returns s, or an empty slice for nil (JSON [] rather than null).
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
