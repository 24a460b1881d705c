package http

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vigil-screening/vigil"
)

// Listed subjects: the listings of different lists that are one person,
// organisation, vessel or aircraft (package link). Screening answers group
// their matches by subject; these routes show a subject, why its listings
// are one, and take an analyst's judgement. (Watched customers are
// /v1/subjects; listed ones are /v1/listed-subjects.)

// Links serves the listed subjects: the store's subjects and judgements,
// and clustering them again after a judgement.
type Links interface {
	ListedSubject(ctx context.Context, id string) (vigil.ListedSubject, error)
	SubjectOf(ctx context.Context, entityID string) (vigil.ListedSubject, error)
	// Judge records a judgement (by the actor ctx names), clusters the
	// subjects again and returns the lookup to serve from now on.
	Judge(ctx context.Context, j vigil.LinkJudgement) (vigil.LinkJudgement, vigil.SubjectLookup, error)
}

// ListedListing is one listing of a subject as the served lists hold it,
// with what tells it apart from another of the same name.
type ListedListing struct {
	EntityID      string       `json:"entity_id"`
	List          string       `json:"list"`
	Version       string       `json:"version"`
	Name          string       `json:"name"`
	Kind          vigil.Kind   `json:"kind"`
	BirthDates    []vigil.Date `json:"birth_dates,omitempty"`
	Nationalities []string     `json:"nationalities,omitempty"`
	Positions     []string     `json:"positions,omitempty"`
	// Served is false for a listing the served lists no longer hold.
	Served bool `json:"served"`
}

// ListedSubjectResponse answers GET /v1/listed-subjects/{id} and GET
// /v1/entities/{id}/subject: the subject, its listings, why they are one.
type ListedSubjectResponse struct {
	vigil.ListedSubject
	Listings []ListedListing `json:"listings"`
}

// JudgeRequest is the body of POST /v1/listed-subjects/judgements.
type JudgeRequest struct {
	A       string        `json:"a"`
	B       string        `json:"b"`
	Verdict vigil.Verdict `json:"verdict"`
	Reason  string        `json:"reason,omitempty"`
}

// JudgeResponse is the judgement recorded and the subjects of its two
// listings after clustering again.
type JudgeResponse struct {
	Judgement vigil.LinkJudgement     `json:"judgement"`
	Subjects  []ListedSubjectResponse `json:"subjects"`
}

// groupAll groups each query's matches by subject, setting the matches'
// Subject. ix is the index the matches came from (current or as of a date).
func groupAll(snap *Snapshot, ix Index, ms [][]vigil.Match) [][]vigil.SubjectMatch {
	out := make([][]vigil.SubjectMatch, len(ms))
	for i := range ms {
		out[i] = vigil.GroupBySubject(ms[i], snap.Subjects, ix)
	}
	return out
}

// groupMentions groups each mention's matches by listed subject.
func groupMentions(snap *Snapshot, ms []Mention) {
	for i := range ms {
		ms[i].Subjects = vigil.GroupBySubject(ms[i].Matches, snap.Subjects, snap.Index)
	}
}

// checkFilter checks a query's filter against the lists served: a list or
// measure that names nothing would make every screen come back clear.
// Measures are read as users write them ("travel ban").
func checkFilter(f *vigil.Filter, vs []vigil.ListVersion, where string) error {
	if f == nil {
		return nil
	}
	if err := vigil.CheckFilterLists(f.Lists, vs); err != nil {
		return badRequest("%sfield \"filter.lists\": %v", where, err)
	}
	for i, m := range f.Measures {
		pm, ok := vigil.ParseMeasure(string(m))
		if !ok {
			return badRequest("%sfield \"filter.measures\": %q is not travel_ban, asset_freeze or arms_embargo", where, m)
		}
		f.Measures[i] = pm
	}
	for _, p := range f.Programs {
		if strings.TrimSpace(p) == "" {
			return badRequest("%sfield \"filter.programs\" holds an empty name", where)
		}
	}
	return nil
}

func (s *Server) links(w http.ResponseWriter, r *http.Request) Links {
	if s.opts.Links == nil {
		s.writeErr(w, r, &requestError{http.StatusNotImplemented, "listed subjects are not served by this server"})
		return nil
	}
	return s.opts.Links
}

func (s *Server) handleListedSubject(w http.ResponseWriter, r *http.Request) {
	ls := s.links(w, r)
	if ls == nil {
		return
	}
	sub, err := ls.ListedSubject(r.Context(), r.PathValue("id"))
	s.answerSubject(w, r, sub, err, "no subject "+strconv.Quote(r.PathValue("id")))
}

func (s *Server) handleEntitySubject(w http.ResponseWriter, r *http.Request) {
	ls := s.links(w, r)
	if ls == nil {
		return
	}
	sub, err := ls.SubjectOf(r.Context(), r.PathValue("id"))
	s.answerSubject(w, r, sub, err, "no subject holds "+strconv.Quote(r.PathValue("id")))
}

func (s *Server) answerSubject(w http.ResponseWriter, r *http.Request, sub vigil.ListedSubject, err error, notFound string) {
	if errors.Is(err, vigil.ErrNotFound) {
		s.writeErr(w, r, &requestError{http.StatusNotFound, notFound})
		return
	}
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	snap := s.ready(w)
	if snap == nil {
		return
	}
	writeJSON(w, http.StatusOK, subjectResponse(snap, sub))
}

// subjectResponse adds to a subject its listings as served.
func subjectResponse(snap *Snapshot, sub vigil.ListedSubject) ListedSubjectResponse {
	res := ListedSubjectResponse{ListedSubject: sub, Listings: []ListedListing{}}
	for _, id := range sub.Entities {
		l := ListedListing{EntityID: id}
		if e, label, ok := snap.Index.Entity(id); ok {
			l.List, _, _ = strings.Cut(label, "@")
			l.Version, l.Name, l.Kind, l.Served = label, e.PrimaryName(), e.Kind, true
			l.BirthDates, l.Nationalities, l.Positions = e.BirthDates, append(append([]string(nil), e.Nationalities...), e.Citizenships...), e.Positions
		}
		res.Listings = append(res.Listings, l)
	}
	return res
}

func (s *Server) handleJudge(w http.ResponseWriter, r *http.Request) {
	ls := s.links(w, r)
	if ls == nil {
		return
	}
	var req JudgeRequest
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	if len(req.Reason) > 1000 {
		s.writeErr(w, r, badRequest("field \"reason\" is longer than 1000 characters"))
		return
	}
	j, err := vigil.CheckJudgement(vigil.LinkJudgement{A: req.A, B: req.B, Verdict: req.Verdict, Reason: strings.TrimSpace(req.Reason)})
	if err != nil {
		s.writeErr(w, r, badRequest("%v", err))
		return
	}
	snap := s.ready(w)
	if snap == nil {
		return
	}
	for _, id := range []string{j.A, j.B} {
		if _, _, ok := snap.Index.Entity(id); !ok {
			s.writeErr(w, r, &requestError{http.StatusNotFound, "no served list holds " + strconv.Quote(id)})
			return
		}
	}
	j, err = s.judge(r.Context(), ls, j)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	res := JudgeResponse{Judgement: j, Subjects: []ListedSubjectResponse{}}
	snap = s.Snapshot()
	seen := map[string]bool{}
	for _, id := range []string{j.A, j.B} {
		if sub, err := ls.SubjectOf(r.Context(), id); err == nil && !seen[sub.ID] {
			seen[sub.ID] = true
			res.Subjects = append(res.Subjects, subjectResponse(snap, sub))
		}
	}
	writeJSON(w, http.StatusOK, res)
}

// judge records a judgement and serves the subjects clustered again: the
// served snapshot is replaced by one with the same index and lists and the
// new subjects. Judgements are taken one at a time; a refresh that ends
// meanwhile serves the subjects it read, and the next one the judgement's
// (subjects only group matches: no match is lost either way).
func (s *Server) judge(ctx context.Context, ls Links, j vigil.LinkJudgement) (vigil.LinkJudgement, error) {
	s.judgeMu.Lock()
	defer s.judgeMu.Unlock()
	j.By = vigil.ActorFrom(ctx)
	j, subs, err := ls.Judge(ctx, j)
	if err != nil {
		return j, err
	}
	if old := s.Snapshot(); old != nil {
		next := *old
		next.Subjects = subs
		s.Swap(&next)
	}
	return j, nil
}

// subjectRow is a subject on the console: its matches and what tells it
// apart from another subject of the same name.
type subjectRow struct {
	vigil.SubjectMatch
	Born, Nationality, Role string
	Matches                 []vigil.Match
}

// subjectRows makes the console's rows of subjects; facts come from every
// listing of each subject the index serves.
func subjectRows(snap *Snapshot, subs []vigil.SubjectMatch, ms []vigil.Match) []subjectRow {
	out := make([]subjectRow, len(subs))
	for i, sm := range subs {
		row := subjectRow{SubjectMatch: sm}
		var born, nats, roles []string
		for _, id := range sm.EntityIDs {
			e, _, ok := snap.Index.Entity(id)
			if !ok {
				continue
			}
			for _, d := range e.BirthDates {
				born = addNew(born, d.String())
			}
			for _, n := range append(append([]string(nil), e.Nationalities...), e.Citizenships...) {
				nats = addNew(nats, n)
			}
			for _, p := range e.Positions {
				roles = addNew(roles, p)
			}
		}
		row.Born, row.Nationality = strings.Join(born, "; "), strings.Join(nats, ", ")
		if len(roles) > 0 {
			row.Role = roles[0]
			if len(roles) > 1 {
				row.Role += " (and " + strconv.Itoa(len(roles)-1) + " more)"
			}
		}
		for _, m := range ms {
			if m.Subject == sm.Subject && (sm.Subject != "" || m.EntityID == sm.EntityID) {
				row.Matches = append(row.Matches, m)
			}
		}
		out[i] = row
	}
	return out
}

func addNew(ss []string, s string) []string {
	for _, x := range ss {
		if x == s {
			return ss
		}
	}
	return append(ss, s)
}

// consoleFilter reads the search page's list, programme and measure.
func consoleFilter(d *searchData, snap *Snapshot) (*vigil.Filter, error) {
	f := &vigil.Filter{}
	if d.FList != "" {
		f.Lists = strings.Split(d.FList, ",")
	}
	if d.FProgram != "" {
		f.Programs = []string{d.FProgram}
	}
	if d.FMeasure != "" {
		f.Measures = []vigil.Measure{vigil.Measure(d.FMeasure)}
	}
	if f.Empty() {
		return nil, nil
	}
	if err := checkFilter(f, snap.Versions, ""); err != nil {
		var re *requestError
		if errors.As(err, &re) {
			return nil, errors.New(re.msg)
		}
		return nil, err
	}
	return f, nil
}

// judge takes the entity page's judgement form and shows the entity again.
func (c *console) judge(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	ls := c.s.opts.Links
	if ls == nil {
		c.render(w, r, http.StatusNotImplemented, "message", page{Title: "Judge", Error: "This server does not take judgements."})
		return
	}
	// The form was read, and its CSRF token checked, before (checkForm).
	snap := c.notReady(w, r, "Judge", "")
	if snap == nil {
		return
	}
	other := strings.TrimSpace(r.PostForm.Get("other"))
	reason := strings.TrimSpace(r.PostForm.Get("reason"))
	j, err := vigil.CheckJudgement(vigil.LinkJudgement{A: id, B: other, Verdict: vigil.Verdict(r.PostForm.Get("verdict")), Reason: reason})
	if err == nil && len(reason) > 1000 {
		err = errors.New("the reason is longer than 1000 characters")
	}
	for _, x := range []string{id, other} {
		if _, _, ok := snap.Index.Entity(x); err == nil && !ok {
			err = errors.New("no served list holds " + strconv.Quote(x))
		}
	}
	if err != nil {
		c.render(w, r, http.StatusBadRequest, "message", page{Title: "Judge", Error: "Not recorded: " + err.Error() + "."})
		return
	}
	if _, err := c.s.judge(r.Context(), ls, j); err != nil {
		c.s.log.Error("recording a judgement", "err", err)
		c.render(w, r, http.StatusInternalServerError, "message", page{Title: "Judge", Error: "The judgement could not be recorded."})
		return
	}
	http.Redirect(w, r, "/entities/"+url.PathEscape(id)+"#subject", http.StatusSeeOther)
}
