package eval

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
)

// Person is one row of a negatives set: a synthetic person on no list.
type Person struct {
	Name, Gender, DOB, Nationality string
	Line                           int
}

// ReadPeople reads a negatives file (columns full_name, gender,
// date_of_birth, nationality, … found by header name).
func ReadPeople(r io.Reader) ([]Person, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("negatives: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	if _, ok := col["full_name"]; !ok {
		return nil, fmt.Errorf("negatives: missing column full_name")
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []Person
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("negatives: line %d: %w", line, err)
		}
		out = append(out, Person{Name: get(rec, "full_name"), Gender: get(rec, "gender"), DOB: get(rec, "date_of_birth"), Nationality: get(rec, "nationality"), Line: line})
	}
	return out, nil
}

// ReadPeopleFile reads a negatives set from a file.
func ReadPeopleFile(path string) ([]Person, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	people, err := ReadPeople(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return people, nil
}

// NegResult is the outcome of the negatives evaluation.
type NegResult struct {
	N int
	// NameOnly counts rows with any match when only the name is screened;
	// WithEvidence when date of birth, nationality and gender are given too.
	NameOnly, WithEvidence int
	// Hits describes every false alarm (name-only; "+evidence" marks those
	// that remain with the row's own fields), for inspection.
	Hits []string
}

// Query is the screening query of a person: with evidence, its date of
// birth, gender and nationality (a country name mapped to its ISO code);
// always of kind person.
func (p Person) Query(evidence bool) vigil.Query {
	q := vigil.Query{Name: p.Name, Kind: vigil.KindPerson}
	if evidence {
		q.DOB, q.Gender = p.DOB, p.Gender
		if p.Nationality != "" {
			q.Nationality = lists.Country(p.Nationality)
		}
	}
	return q
}

// Negatives screens every person twice (the name alone, and with the row's
// own fields) and counts those with any match at the screener's default
// threshold.
func Negatives(s vigil.Screener, people []Person) NegResult {
	var res NegResult
	for _, p := range people {
		res.N++
		ms := s.Screen(p.Query(false))
		withEv := len(s.Screen(p.Query(true))) > 0
		if withEv {
			res.WithEvidence++
		}
		if len(ms) > 0 {
			res.NameOnly++
			mark := ""
			if withEv {
				mark = " +evidence"
			}
			res.Hits = append(res.Hits, fmt.Sprintf("%s → %s %q %.3f%s", p.Name, ms[0].EntityID, ms[0].MatchedName, ms[0].Score, mark))
		}
	}
	return res
}

// Rate is a count over n as a fraction.
func Rate(count, n int) float64 { return float64(count) / float64(max(n, 1)) }

// NegScores screens every person at CurveFrom, by name alone and with the
// row's own fields, and returns each row's best score (0: no match), from
// which the false-alarm rate at any higher threshold is read.
func NegScores(s vigil.Screener, people []Person) (name, ev []float64) {
	top := func(q vigil.Query) float64 {
		q.Threshold, q.Limit = CurveFrom, 1
		if ms := s.Screen(q); len(ms) > 0 {
			return ms[0].Score
		}
		return 0
	}
	for _, p := range people {
		name = append(name, top(p.Query(false)))
		ev = append(ev, top(p.Query(true)))
	}
	return name, ev
}
