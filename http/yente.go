package http

import (
	"encoding/json"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/vigil-screening/vigil"
)

// The /match/{dataset} endpoint follows OpenSanctions yente's match API:
// FollowTheMoney-style example entities in, scored entities out, so that yente
// clients can point at Vigil without code changes. Scores are Vigil's
// matcher's; "match" is true from Options.MatchThreshold (or ?threshold=).

// YenteMatchRequest is the body of POST /match/{dataset}.
type YenteMatchRequest struct {
	// Weights and Config are accepted for compatibility and ignored: Vigil's
	// matcher has its own weights.
	Weights map[string]float64     `json:"weights,omitempty"`
	Config  json.RawMessage        `json:"config,omitempty"`
	Queries map[string]YenteEntity `json:"queries"`
}

// YenteEntity is a FollowTheMoney-style entity: a schema and multi-valued
// properties.
type YenteEntity struct {
	ID         string            `json:"id,omitempty"`
	Schema     string            `json:"schema"`
	Properties map[string]Values `json:"properties"`
}

// Values is a property's values; in requests a single string is accepted
// for a one-element list, as yente does.
type Values []string

// UnmarshalJSON accepts a string, a number, or an array of them.
func (v *Values) UnmarshalJSON(b []byte) error {
	var one any
	if err := json.Unmarshal(b, &one); err != nil {
		return err
	}
	conv := func(x any) (string, bool) {
		switch t := x.(type) {
		case string:
			return t, true
		case float64:
			return strconv.FormatFloat(t, 'f', -1, 64), true
		case nil:
			return "", true
		}
		return "", false
	}
	if arr, ok := one.([]any); ok {
		out := make(Values, 0, len(arr))
		for _, x := range arr {
			s, ok := conv(x)
			if !ok {
				return &json.UnmarshalTypeError{Value: "array element", Type: stringType}
			}
			if s != "" {
				out = append(out, s)
			}
		}
		*v = out
		return nil
	}
	s, ok := conv(one)
	if !ok {
		return &json.UnmarshalTypeError{Value: "object", Type: stringType}
	}
	*v = nil
	if s != "" {
		*v = Values{s}
	}
	return nil
}

// YenteResult is one scored entity.
type YenteResult struct {
	ID           string                      `json:"id"`
	Caption      string                      `json:"caption"`
	Schema       string                      `json:"schema"`
	Properties   map[string][]string         `json:"properties"`
	Datasets     []string                    `json:"datasets"`
	Referents    []string                    `json:"referents"`
	Target       bool                        `json:"target"`
	Score        float64                     `json:"score"`
	Features     map[string]float64          `json:"features"`
	Explanations map[string]YenteExplanation `json:"explanations"`
	Match        bool                        `json:"match"`
}

// YenteExplanation explains one feature's score.
type YenteExplanation struct {
	Score  float64 `json:"score"`
	Detail string  `json:"detail"`
}

// YenteTotal counts the results.
type YenteTotal struct {
	Value    int    `json:"value"`
	Relation string `json:"relation"`
}

// YenteMatches answers one query.
type YenteMatches struct {
	Status  int           `json:"status"`
	Results []YenteResult `json:"results"`
	Total   YenteTotal    `json:"total"`
	Query   YenteEntity   `json:"query"`
}

// YenteFeatureDoc describes a matcher feature.
type YenteFeatureDoc struct {
	Description string  `json:"description"`
	Coefficient float64 `json:"coefficient"`
}

// YenteMatchResponse is the body POST /match/{dataset} answers with.
type YenteMatchResponse struct {
	Responses map[string]YenteMatches    `json:"responses"`
	Matcher   map[string]YenteFeatureDoc `json:"matcher"`
	Limit     int                        `json:"limit"`
}

var stringType = reflect.TypeFor[string]()

// yenteKinds maps FollowTheMoney schemata to kinds.
var yenteKinds = map[string]vigil.Kind{
	"Person": vigil.KindPerson, "Organization": vigil.KindOrganization, "Company": vigil.KindOrganization,
	"PublicBody": vigil.KindOrganization, "LegalEntity": vigil.KindUnknown, "Thing": vigil.KindUnknown,
	"Vessel": vigil.KindVessel, "Airplane": vigil.KindAircraft,
}

var kindSchemata = map[vigil.Kind]string{
	vigil.KindPerson: "Person", vigil.KindOrganization: "Organization",
	vigil.KindVessel: "Vessel", vigil.KindAircraft: "Airplane", vigil.KindUnknown: "LegalEntity",
}

// maxYenteQueries caps the queries of one /match request.
const maxYenteQueries = 100

func (s *Server) handleYenteMatch(w http.ResponseWriter, r *http.Request) {
	var req YenteMatchRequest
	if err := decodeJSON(w, r, s.opts.MaxBodyBytes, &req); err != nil {
		s.writeErr(w, r, err)
		return
	}
	p := r.URL.Query()
	limit, err := intParam(p.Get("limit"), "limit", 5, 1, maxLimit)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	threshold, err := floatParam(p.Get("threshold"), "threshold", s.opts.MatchThreshold)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	cutoff, err := floatParam(p.Get("cutoff"), "cutoff", 0)
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	if len(req.Queries) == 0 {
		s.writeErr(w, r, badRequest("field \"queries\" must hold at least one entity"))
		return
	}
	if len(req.Queries) > maxYenteQueries {
		s.writeErr(w, r, &requestError{http.StatusRequestEntityTooLarge, "at most " + strconv.Itoa(maxYenteQueries) + " queries per request"})
		return
	}
	snap := s.ready(w)
	if snap == nil {
		return
	}
	keep, err := datasetFilter(snap, r.PathValue("dataset"), p["include_dataset"], p["exclude_dataset"])
	if err != nil {
		s.writeErr(w, r, err)
		return
	}
	res := YenteMatchResponse{Responses: map[string]YenteMatches{}, Matcher: map[string]YenteFeatureDoc{}, Limit: limit}
	var audited []vigil.Query
	var found [][]vigil.Match
	for _, key := range slices.Sorted(maps.Keys(req.Queries)) {
		ex := req.Queries[key]
		names, qs, err := yenteQuery(snap.Index, key, ex)
		if err != nil {
			s.writeErr(w, r, err)
			return
		}
		best := map[string]vigil.Match{}
		for _, n := range names {
			for _, q := range qs {
				q.Name, q.Threshold = n, cutoff
				if err := r.Context().Err(); err != nil {
					s.writeErr(w, r, err)
					return
				}
				var kept []vigil.Match
				for _, m := range snap.Index.Screen(q) {
					if !keep(m) {
						continue
					}
					kept = append(kept, m)
					if m.Score > best[m.EntityID].Score {
						best[m.EntityID] = m
					}
				}
				// Every name, with each combination of the other values,
				// is a query of its own in the audit record.
				audited = append(audited, q)
				found = append(found, kept)
			}
		}
		ms := make([]vigil.Match, 0, len(best))
		for _, m := range best {
			ms = append(ms, m)
		}
		slices.SortFunc(ms, func(a, b vigil.Match) int {
			if a.Score != b.Score {
				if a.Score > b.Score {
					return -1
				}
				return 1
			}
			return strings.Compare(a.EntityID, b.EntityID)
		})
		// One result per listed subject, as OpenSanctions merges one
		// person's listings into one entity with their referents.
		subs := vigil.GroupBySubject(ms, snap.Subjects, snap.Index)
		total := len(subs)
		subs = subs[:min(limit, len(subs))]
		out := YenteMatches{Status: 200, Results: []YenteResult{}, Total: YenteTotal{total, "eq"}, Query: ex}
		for _, sm := range subs {
			m := best[sm.EntityID]
			yr := yenteSubject(snap, sm, m, threshold)
			for _, f := range m.Explanation {
				if _, ok := res.Matcher[f.Feature]; !ok {
					res.Matcher[f.Feature] = YenteFeatureDoc{Description: "Vigil matcher feature " + f.Feature}
				}
			}
			out.Results = append(out.Results, yr)
		}
		res.Responses[key] = out
	}
	if err := s.recordScreen(r.Context(), vigil.AuditMatch, snap, vigil.ScreeningQuery{Queries: audited}, found, nil); err != nil {
		s.writeErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// openSanctionsDatasets maps the OpenSanctions dataset names of the lists
// Vigil reads to Vigil's list keys, so that a yente client's dataset
// (/match/us_ofac_sdn, include_dataset=eu_fsf) selects the same list here.
var openSanctionsDatasets = map[string]string{
	"un_sc_sanctions":         "un",
	"us_ofac_sdn":             "ofac_sdn",
	"us_ofac_cons":            "ofac_cons",
	"us_trade_csl":            "us_csl",
	"eu_fsf":                  "eu",
	"gb_hmt_sanctions":        "uk",
	"gb_fcdo_sanctions":       "uk_fcdo",
	"ca_dfatd_sema_sanctions": "ca",
	"au_dfat_sanctions":       "au",
}

// datasetFilter returns which matches a dataset selection keeps: "default",
// "sanctions" and "all" keep every list; a list key, a source or the
// OpenSanctions name of a list (openSanctionsDatasets) keeps its own. A
// name that selects nothing served is a 404, not an empty answer.
func datasetFilter(snap *Snapshot, dataset string, include, exclude []string) (func(vigil.Match) bool, error) {
	known := map[string]bool{}
	for _, v := range snap.Versions {
		known[v.List], known[v.Source] = true, true
	}
	resolve := func(ds string) (string, error) {
		if known[ds] {
			return ds, nil
		}
		if l, ok := openSanctionsDatasets[ds]; ok {
			if known[l] {
				return l, nil
			}
			return "", &requestError{http.StatusNotFound, "dataset " + strconv.Quote(ds) + " is list " + l + ", which this server does not serve"}
		}
		return "", &requestError{http.StatusNotFound, "dataset " + strconv.Quote(ds) + " not found; use default, sanctions, all, a served list or source, or its OpenSanctions name"}
	}
	var only, out []string
	switch dataset {
	case "default", "sanctions", "all":
	default:
		l, err := resolve(dataset)
		if err != nil {
			return nil, err
		}
		only = []string{l}
	}
	for _, ds := range include {
		l, err := resolve(ds)
		if err != nil {
			return nil, err
		}
		only = append(only, l)
	}
	for _, ds := range exclude {
		l, err := resolve(ds)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	in := func(m vigil.Match, set []string) bool {
		list, _, _ := strings.Cut(m.ListVersion, "@")
		return slices.Contains(set, m.Source) || slices.Contains(set, list)
	}
	return func(m vigil.Match) bool {
		return (len(only) == 0 || in(m, only)) && !in(m, out)
	}, nil
}

// maxYenteVariants caps the combinations of evidence values one /match
// query is screened with, per name.
const maxYenteVariants = 9

// yenteQuery turns an example entity into the names to screen and the
// queries holding its other properties, checked by ix: one query per
// combination of its dates of birth, nationalities, genders and document
// numbers, so that a listing agreeing with any value is weighed with it
// (a dual national is screened with each nationality). A value the matcher
// cannot use is refused, naming the query and property: yente clients
// would otherwise read the results as weighed with it.
func yenteQuery(ix Index, key string, ex YenteEntity) ([]string, []vigil.Query, error) {
	kind, ok := yenteKinds[ex.Schema]
	if !ok {
		return nil, nil, badRequest("query %q: schema %q is not supported; use Person, Organization, Company, LegalEntity, Vessel or Airplane", key, ex.Schema)
	}
	pr := ex.Properties
	first := func(props ...string) string {
		for _, p := range props {
			for _, v := range pr[p] {
				if v = strings.TrimSpace(v); v != "" {
					return v
				}
			}
		}
		return ""
	}
	var names []string
	for _, p := range []string{"name", "alias", "previousName"} {
		for _, n := range pr[p] {
			if n = strings.TrimSpace(n); n != "" && !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	if full := strings.TrimSpace(strings.Join([]string{first("firstName"), first("middleName"), first("lastName")}, " ")); len(names) == 0 && full != "" {
		names = append(names, strings.Join(strings.Fields(full), " "))
	}
	if len(names) == 0 {
		return nil, nil, badRequest("query %q has no name: set properties.name", key)
	}
	names = names[:min(len(names), 5)]
	for _, n := range names {
		if _, ps := ix.CheckQuery(vigil.Query{Name: n}); len(ps) > 0 {
			return nil, nil, badRequest("query %q: property \"name\": %q %s", key, n, ps[0].Reason)
		}
	}
	dobs, err := evidenceValues(ix, key, pr, "dob", "birthDate")
	if err != nil {
		return nil, nil, err
	}
	nats, err := evidenceValues(ix, key, pr, "nationality", "nationality", "citizenship", "country", "jurisdiction")
	if err != nil {
		return nil, nil, err
	}
	genders, err := evidenceValues(ix, key, pr, "gender", "gender")
	if err != nil {
		return nil, nil, err
	}
	var ids []string
	for _, p := range []string{"passportNumber", "idNumber", "registrationNumber", "imoNumber", "taxNumber"} {
		for _, v := range pr[p] {
			if v = strings.TrimSpace(v); v != "" && !slices.Contains(ids, v) {
				ids = append(ids, v)
			}
		}
	}
	if len(ids) == 0 {
		ids = []string{""}
	}
	if n := len(dobs) * len(nats) * len(genders) * len(ids); n > maxYenteVariants {
		return nil, nil, badRequest("query %q: %d dates of birth × %d countries × %d genders × %d document numbers are %d combinations to screen; send at most %d",
			key, len(dobs), len(nats), len(genders), len(ids), n, maxYenteVariants)
	}
	var qs []vigil.Query
	for _, d := range dobs {
		for _, n := range nats {
			for _, g := range genders {
				for _, id := range ids {
					qs = append(qs, vigil.Query{DOB: d, Nationality: n, Gender: g, ID: id, Kind: kind})
				}
			}
		}
	}
	return names, qs, nil
}

// evidenceValues returns the distinct values of props for a query's field
// ("dob", "nationality" or "gender"), each as ix uses it, or an error
// naming the first value it cannot use; [""] when there are none.
func evidenceValues(ix Index, key string, pr map[string]Values, field string, props ...string) ([]string, error) {
	var out []string
	for _, p := range props {
		for _, v := range pr[p] {
			if v = strings.TrimSpace(v); v == "" {
				continue
			}
			q := vigil.Query{Name: "x"}
			switch field {
			case "dob":
				d, ok := ftmDate(v)
				if !ok {
					return nil, badRequest("query %q: property %q: %q is not a date (want YYYY, YYYY-MM or YYYY-MM-DD)", key, p, v)
				}
				q.DOB = d
			case "nationality":
				q.Nationality = v
			case "gender":
				q.Gender = v
			}
			q, ps := ix.CheckQuery(q)
			if len(ps) > 0 {
				return nil, badRequest("query %q: property %q: %q %s", key, p, v, ps[0].Reason)
			}
			u := map[string]string{"dob": q.DOB, "nationality": q.Nationality, "gender": q.Gender}[field]
			if u != "" && !slices.Contains(out, u) {
				out = append(out, u)
			}
		}
	}
	if len(out) == 0 {
		out = []string{""}
	}
	return out, nil
}

// ftmDate reads a FollowTheMoney date: YYYY, YYYY-MM or YYYY-MM-DD,
// perhaps followed by a time ("1957-03-11T00:00:00").
func ftmDate(v string) (string, bool) {
	if d, _, ok := strings.Cut(v, "T"); ok && len(d) == 10 {
		v = d
	}
	return v, dobRE.MatchString(v)
}

// yenteSubject describes a listed subject as a FollowTheMoney entity, as
// OpenSanctions describes a merged one: the subject's id, its listings as
// referents, their lists as datasets and their properties together; score,
// features and caption are its best match's. A listing never linked is
// described alone, under its own id.
func yenteSubject(snap *Snapshot, sm vigil.SubjectMatch, best vigil.Match, threshold float64) YenteResult {
	yr := yenteResult(snap, best, threshold)
	if sm.Subject == "" {
		return yr
	}
	yr.ID, yr.Referents, yr.Datasets = sm.Subject, sm.EntityIDs, nil
	for _, l := range sm.Lists {
		if !slices.Contains(yr.Datasets, l.List) {
			yr.Datasets = append(yr.Datasets, l.List)
		}
		if l.EntityID == best.EntityID {
			continue
		}
		other := yenteResult(snap, vigil.Match{EntityID: l.EntityID, ListVersion: l.Version}, threshold)
		for _, prop := range slices.Sorted(maps.Keys(other.Properties)) {
			to := prop
			if prop == "name" {
				to = "alias" // another listing's name is an alias of the subject
			}
			for _, v := range other.Properties[prop] {
				if !slices.Contains(yr.Properties[to], v) && !slices.Contains(yr.Properties["name"], v) {
					yr.Properties[to] = append(yr.Properties[to], v)
				}
			}
		}
	}
	return yr
}

// yenteResult describes a match as a FollowTheMoney entity.
func yenteResult(snap *Snapshot, m vigil.Match, threshold float64) YenteResult {
	list, _, _ := strings.Cut(m.ListVersion, "@")
	yr := YenteResult{
		ID: m.EntityID, Caption: m.Name, Schema: kindSchemata[m.Kind],
		Properties: map[string][]string{}, Datasets: []string{list}, Referents: []string{},
		Target: true, Score: m.Score, Match: m.Score >= threshold,
		Features: map[string]float64{}, Explanations: map[string]YenteExplanation{},
	}
	if yr.Schema == "" {
		yr.Schema = "LegalEntity"
	}
	for _, f := range m.Explanation {
		yr.Features[f.Feature] = f.Score
		yr.Explanations[f.Feature] = YenteExplanation{f.Score, f.Detail}
	}
	e, _, ok := snap.Index.Entity(m.EntityID)
	if !ok {
		yr.Properties["name"] = []string{m.Name}
		return yr
	}
	add := func(prop string, vals ...string) {
		for _, v := range vals {
			if v != "" && !slices.Contains(yr.Properties[prop], v) {
				yr.Properties[prop] = append(yr.Properties[prop], v)
			}
		}
	}
	for i, n := range e.Names {
		switch {
		case i == 0:
			add("name", n.Full)
		case n.Quality == vigil.QualityWeak:
			add("weakAlias", n.Full)
		case n.Quality == vigil.QualityFormerly:
			add("previousName", n.Full)
		default:
			add("alias", n.Full)
		}
	}
	for _, d := range e.BirthDates {
		add("birthDate", d.String())
	}
	for _, p := range e.BirthPlaces {
		add("birthPlace", p.Text)
	}
	nat := "nationality"
	if e.Kind != vigil.KindPerson {
		nat = "country"
	}
	add(nat, e.Nationalities...)
	add("citizenship", e.Citizenships...)
	add("gender", e.Gender)
	add("position", e.Positions...)
	for _, a := range e.Addresses {
		add("address", a.Full)
	}
	for _, d := range e.Documents {
		switch d.Type {
		case vigil.DocPassport:
			add("passportNumber", d.Number)
		case vigil.DocTaxID:
			add("taxNumber", d.Number)
		case vigil.DocRegistration:
			add("registrationNumber", d.Number)
		default:
			add("idNumber", d.Number)
		}
	}
	add("imoNumber", e.IMO)
	add("callSign", e.CallSign)
	add("flag", e.Flag)
	add("programId", e.Programs...)
	add("sourceUrl", e.Links...)
	add("notes", e.Remarks)
	add("topics", "sanction")
	return yr
}

func intParam(v, name string, def, lo, hi int) (int, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("parameter %q must be a whole number from %d to %d, not %q", name, lo, hi, v)
	}
	return n, nil
}

func floatParam(v, name string, def float64) (float64, error) {
	if v == "" {
		return def, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1 {
		return 0, badRequest("parameter %q must be a number from 0 to 1, not %q", name, v)
	}
	return f, nil
}
