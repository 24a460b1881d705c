package screen

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
	"github.com/vigil-screening/vigil/match"
)

// Recommendation is what to do with a traveller or document holder.
type Recommendation string

// Recommendations, strongest first.
const (
	// Deny: a strong match to a listing that carries a travel ban, with the
	// date of birth or a document number agreeing.
	Deny Recommendation = "deny"
	// Refer: a possible match that an officer must look at.
	Refer Recommendation = "refer"
	// Clear: no listing matches at or above the threshold.
	Clear Recommendation = "clear"
)

// StrongName is the name score at or above which a match is strong enough
// to deny boarding or entry when the date of birth or a document agrees.
const StrongName = 0.9

// Verdict is the outcome of screening one person.
type Verdict struct {
	Recommendation Recommendation `json:"recommendation"`
	// Reasons say, in words, why: for deny the listing, its travel ban and
	// the evidence that agrees; for refer what is uncertain.
	Reasons []string `json:"reasons"`
	// Matches are the matches at or above the threshold, best first.
	Matches []vigil.Match `json:"matches"`
	// Deciding is the entity id of the match the recommendation rests on.
	Deciding string `json:"deciding,omitempty"`
	// Subjects are the Matches grouped by listed subject, when the
	// screening path groups them.
	Subjects []vigil.SubjectMatch `json:"subjects,omitempty"`
}

// Subject is a person to screen: the query, and what of them could not be
// read, used or checked.
type Subject struct {
	Query vigil.Query `json:"query"`
	// Problems each make the recommendation at least refer, and come
	// first among its reasons: a record read in part, a value dropped, a
	// document expired.
	Problems []string `json:"problems,omitempty"`
	// Misread marks data that may be misread (an MRZ whose check digits
	// fail): a deny resting on it is referred too.
	Misread bool `json:"misread,omitempty"`
	// OtherIDs are document numbers besides Query.ID (an identity card
	// beside the passport), each screened too: a listing may name any.
	OtherIDs []string `json:"other_ids,omitempty"`
}

// Assess screens q and recommends deny, refer or clear. threshold <= 0
// means match.DefaultThreshold (q.Threshold, when set, wins). It is
// AssessSubject of q with no problems: a value of q the matcher cannot use
// still makes it refer.
func Assess(ix Matcher, q vigil.Query, threshold float64) Verdict {
	return AssessSubject(ix, Subject{Query: q}, threshold)
}

// AssessSubject screens s.Query (see Assess) and makes the verdict at
// least refer when anything could not be read, used or checked: each of
// s.Problems, and each value of the query the matcher cannot use (which is
// screened without it), comes first among the reasons. A clear becomes
// refer; a deny stays deny unless s.Misread. A query whose name has
// nothing to screen is not screened: refer.
func AssessSubject(ix Matcher, s Subject, threshold float64) Verdict {
	q, ps := match.CheckQuery(s.Query)
	problems := slices.Clone(s.Problems)
	for _, p := range ps {
		if p.Field == "name" {
			why := p.String() + ": not screened; an officer decides"
			if strings.TrimSpace(p.Value) == "" {
				why = "no name to screen: not screened; an officer decides"
			}
			return Verdict{Recommendation: Refer, Matches: []vigil.Match{}, Reasons: append(problems, why)}
		}
		problems = append(problems, p.String()+"; screened without it")
	}
	v := assess(ix, q, s.OtherIDs, threshold)
	if len(problems) == 0 {
		return v
	}
	switch {
	case v.Recommendation == Deny && s.Misread:
		v.Recommendation = Refer
		v.Reasons = append(v.Reasons, "would be deny, but the data may be misread: an officer decides")
	case v.Recommendation == Clear:
		v.Recommendation = Refer
		v.Reasons = append(v.Reasons, "would be clear, but not everything could be read or checked: an officer decides")
	}
	v.Reasons = append(problems, v.Reasons...)
	return v
}

// assess is Assess of a checked query, screened with each of its other
// document numbers too.
func assess(ix Matcher, q vigil.Query, otherIDs []string, threshold float64) Verdict {
	if q.Threshold <= 0 {
		q.Threshold = threshold
	}
	if q.Threshold <= 0 {
		q.Threshold = match.DefaultThreshold
	}
	ms := screenIDs(ix, q, otherIDs)
	ids := append([]string{q.ID}, otherIDs...)
	v := Verdict{Recommendation: Clear, Matches: ms}
	if len(ms) == 0 {
		v.Reasons = []string{fmt.Sprintf("no listing scores %.2f or more", q.Threshold)}
		return v
	}
	// Deny on the best match that qualifies; otherwise refer on the best.
	for _, m := range ms {
		e, _, ok := ix.Entity(m.EntityID)
		if !ok {
			continue
		}
		name := nameScore(m)
		if name < StrongName || !hasMeasure(m, e, vigil.MeasureTravelBan) {
			continue
		}
		var agree []string
		if s := dobAgrees(q.DOB, e.BirthDates); s != "" {
			agree = append(agree, s)
		}
		for _, id := range ids {
			if s := docAgrees(id, e.Documents); s != "" {
				agree = append(agree, s)
			}
		}
		if len(agree) == 0 {
			continue
		}
		v.Recommendation, v.Deciding = Deny, m.EntityID
		v.Reasons = append([]string{
			fmt.Sprintf("strong match (name %.2f, score %.2f) to %s %q, whose listing carries a travel ban (%s)",
				name, m.Score, m.EntityID, m.Name, listing(m, e)),
		}, agree...)
		if s := others(ms, m.EntityID); s != "" {
			v.Reasons = append(v.Reasons, s)
		}
		return v
	}
	best := ms[0]
	e, _, _ := ix.Entity(best.EntityID)
	v.Recommendation, v.Deciding = Refer, best.EntityID
	name := nameScore(best)
	switch {
	case e != nil && name >= StrongName && !hasMeasure(best, e, vigil.MeasureTravelBan):
		v.Reasons = append(v.Reasons, fmt.Sprintf("strong match (name %.2f, score %.2f) to %s %q, a listing without a travel ban (%s): an officer decides",
			name, best.Score, best.EntityID, best.Name, listing(best, e)))
	case e != nil && name >= StrongName:
		v.Reasons = append(v.Reasons, fmt.Sprintf("strong name match (%.2f) to %s %q, listed with a travel ban (%s), but neither date of birth nor document agrees: an officer decides",
			name, best.EntityID, best.Name, listing(best, e)))
	default:
		v.Reasons = append(v.Reasons, fmt.Sprintf("possible match (name %.2f, score %.2f) to %s %q (%s): an officer decides",
			name, best.Score, best.EntityID, best.Name, listing(best, e)))
	}
	for _, f := range best.Explanation {
		if f.Feature != "name" && f.Score < 0 {
			v.Reasons = append(v.Reasons, "against: "+f.Detail)
		}
	}
	if s := others(ms, best.EntityID); s != "" {
		v.Reasons = append(v.Reasons, s)
	}
	return v
}

// screenIDs screens q, and q with each of ids as its document number, and
// returns each entity's best match, best first (then by entity id), at most
// q.Limit (or the matcher's default); never nil.
func screenIDs(ix Matcher, q vigil.Query, ids []string) []vigil.Match {
	ms := slices.Clone(ix.Screen(q))
	if len(ids) == 0 {
		if ms == nil {
			ms = []vigil.Match{}
		}
		return ms
	}
	at := map[string]int{}
	for i, m := range ms {
		at[m.EntityID] = i
	}
	for _, id := range ids {
		qq := q
		qq.ID = id
		for _, m := range ix.Screen(qq) {
			if i, ok := at[m.EntityID]; ok {
				if m.Score > ms[i].Score {
					ms[i] = m
				}
				continue
			}
			at[m.EntityID] = len(ms)
			ms = append(ms, m)
		}
	}
	slices.SortStableFunc(ms, func(a, b vigil.Match) int {
		if a.Score != b.Score {
			return cmp.Compare(b.Score, a.Score)
		}
		return strings.Compare(a.EntityID, b.EntityID)
	})
	limit := q.Limit
	if limit <= 0 {
		limit = match.DefaultLimit
	}
	if ms == nil {
		ms = []vigil.Match{}
	}
	return ms[:min(len(ms), limit)]
}

// others names the matches other than the deciding one.
func others(ms []vigil.Match, deciding string) string {
	var ids []string
	for _, m := range ms {
		if m.EntityID != deciding {
			ids = append(ids, fmt.Sprintf("%s (%.2f)", m.EntityID, m.Score))
		}
	}
	if len(ids) == 0 {
		return ""
	}
	return "also matching: " + strings.Join(ids, ", ")
}

// nameScore is the score of the match's name feature, or its overall score.
func nameScore(m vigil.Match) float64 {
	for _, f := range m.Explanation {
		if f.Feature == "name" {
			return f.Score
		}
	}
	return m.Score
}

func hasMeasure(m vigil.Match, e *vigil.Entity, x vigil.Measure) bool {
	for _, y := range m.Measures {
		if y == x {
			return true
		}
	}
	return e != nil && e.HasMeasure(x)
}

// listing describes a listing's measures and programmes.
func listing(m vigil.Match, e *vigil.Entity) string {
	var parts []string
	ms := m.Measures
	if len(ms) == 0 && e != nil {
		ms = e.Measures
	}
	for _, x := range ms {
		parts = append(parts, strings.ReplaceAll(string(x), "_", " "))
	}
	if len(parts) == 0 {
		parts = append(parts, "no measures stated")
	}
	s := strings.Join(parts, ", ")
	if len(m.Programs) > 0 {
		s += "; programmes " + strings.Join(m.Programs, ", ")
	}
	if m.ListVersion != "" {
		s += "; " + m.ListVersion
	}
	return s
}

// dobAgrees returns a reason when the query's date of birth agrees with a
// listed one: the same year, and the same month and day wherever both state
// them. Ranges and approximate dates do not count as agreement.
func dobAgrees(dob string, listed []vigil.Date) string {
	if strings.TrimSpace(dob) == "" {
		return ""
	}
	q, ok := lists.ParseDate(dob)
	if !ok || q.Year == 0 {
		return ""
	}
	for _, d := range listed {
		if d.Year != q.Year || d.Approx || (d.ToYear != 0 && d.ToYear != d.Year) {
			continue
		}
		if d.Month != 0 && q.Month != 0 && d.Month != q.Month {
			continue
		}
		if d.Day != 0 && q.Day != 0 && d.Day != q.Day {
			continue
		}
		if d.Day != 0 && q.Day != 0 {
			return fmt.Sprintf("date of birth %s is listed", q.String())
		}
		return fmt.Sprintf("date of birth %s agrees with the listed %s (as precise as the listing)", q.String(), d.String())
	}
	return ""
}

// docAgrees returns a reason when the document number is listed.
func docAgrees(num string, docs []vigil.Document) string {
	k := match.DocKey(num)
	if k == "" {
		return ""
	}
	for _, d := range docs {
		if match.DocKey(d.Number) == k {
			t := d.Type
			if t == "" {
				t = "document"
			}
			return fmt.Sprintf("%s number %s is listed", strings.ReplaceAll(t, "_", " "), d.Number)
		}
	}
	return ""
}
