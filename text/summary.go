package text

import (
	"sort"
	"strings"

	"github.com/vigil-screening/vigil"
)

// EntityHits groups the mentions of one listed entity.
type EntityHits struct {
	EntityID string     `json:"entity_id"`
	Kind     vigil.Kind `json:"kind"`
	Name     string     `json:"name"`
	// BestScore is the highest score of any mention of the entity.
	BestScore float64 `json:"best_score"`
	// Mentions counts the mentions, Coref those of them resolved by
	// coreference; Texts are the distinct texts that named it.
	Mentions int             `json:"mentions"`
	Coref    int             `json:"coref"`
	Texts    []string        `json:"texts"`
	Measures []vigil.Measure `json:"measures,omitempty"`
	Programs []string        `json:"programs,omitempty"`
}

// Summarize groups mentions by entity, most mentioned first.
func Summarize(ms []Mention) []EntityHits {
	by := map[string]*EntityHits{}
	var order []string
	for _, m := range ms {
		for _, x := range m.Matches {
			h := by[x.EntityID]
			if h == nil {
				h = &EntityHits{EntityID: x.EntityID, Kind: x.Kind, Name: x.Name, Measures: x.Measures, Programs: x.Programs}
				by[x.EntityID] = h
				order = append(order, x.EntityID)
			}
			h.Mentions++
			if m.Antecedent != nil {
				h.Coref++
			}
			h.BestScore = max(h.BestScore, x.Score)
			if !containsString(h.Texts, m.Text) {
				h.Texts = append(h.Texts, m.Text)
			}
		}
	}
	out := make([]EntityHits, 0, len(order))
	for _, id := range order {
		out = append(out, *by[id])
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Mentions != out[j].Mentions {
			return out[i].Mentions > out[j].Mentions
		}
		return out[i].EntityID < out[j].EntityID
	})
	return out
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// SubjectHits groups the mentions of one listed subject.
type SubjectHits struct {
	// Subject is the subject's id ("" for a listing never linked, which
	// EntityIDs then holds alone).
	Subject   string     `json:"subject"`
	Kind      vigil.Kind `json:"kind"`
	Name      string     `json:"name"`
	EntityIDs []string   `json:"entity_ids"`
	BestScore float64    `json:"best_score"`
	Mentions  int        `json:"mentions"`
	Coref     int        `json:"coref"`
	Texts     []string   `json:"texts"`
	// Measures are the measures with the lists that impose them.
	Measures []vigil.MeasureLists `json:"measures"`
}

// SummarizeSubjects groups mentions by the subjects their matches were
// grouped into (Mention.Subjects), most mentioned first.
func SummarizeSubjects(ms []Mention) []SubjectHits {
	by := map[string]*SubjectHits{}
	var order []string
	for _, m := range ms {
		for _, s := range m.Subjects {
			key := s.Subject
			if key == "" {
				key = "\x00" + s.EntityID
			}
			h := by[key]
			if h == nil {
				h = &SubjectHits{Subject: s.Subject, Kind: s.Kind, Name: s.Name, EntityIDs: s.EntityIDs, Measures: s.Measures}
				by[key] = h
				order = append(order, key)
			}
			h.Mentions++
			if m.Antecedent != nil {
				h.Coref++
			}
			if s.Score > h.BestScore {
				h.BestScore, h.Name = s.Score, s.Name
			}
			if !containsString(h.Texts, m.Text) {
				h.Texts = append(h.Texts, m.Text)
			}
		}
	}
	out := make([]SubjectHits, 0, len(order))
	for _, k := range order {
		out = append(out, *by[k])
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Mentions != out[j].Mentions {
			return out[i].Mentions > out[j].Mentions
		}
		return out[i].BestScore > out[j].BestScore
	})
	return out
}

// Mark returns text with each mention written as [[mention]]{id, id, …},
// or, when its matches were grouped by subject, [[mention]]{S17: id, id, …;
// S18: id}.
func Mark(text string, ms []Mention) string {
	var b strings.Builder
	pos := 0
	for _, m := range ms {
		if m.Start < pos || m.End > len(text) {
			continue
		}
		b.WriteString(text[pos:m.Start])
		b.WriteString("[[")
		b.WriteString(text[m.Start:m.End])
		b.WriteString("]]{")
		if len(m.Subjects) > 0 {
			// By subject: "S17: un:IRi.039, ofac:10481; S18: …".
			for i, x := range m.Subjects {
				if i > 0 {
					b.WriteString("; ")
				}
				if x.Subject != "" {
					b.WriteString(x.Subject + ": ")
				}
				b.WriteString(strings.Join(x.EntityIDs, ", "))
			}
		} else {
			for i, x := range m.Matches {
				if i > 0 {
					b.WriteString(", ")
				}
				b.WriteString(x.EntityID)
			}
		}
		b.WriteString("}")
		pos = m.End
	}
	b.WriteString(text[pos:])
	return b.String()
}
