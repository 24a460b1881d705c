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

// Person is one row of the negatives set: a synthetic person on no list.
type Person struct {
	Name, Gender, DOB, Nationality string
	Line                           int
}

// ReadPeople reads negatives_dev_global.csv (columns full_name, gender,
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

// ReadPeopleFile reads the negatives set from a file.
func ReadPeopleFile(path string) ([]Person, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadPeople(f)
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

// Negatives screens every person and counts those with any match at the
// screener's default threshold.
func Negatives(s vigil.Screener, people []Person) NegResult {
	var res NegResult
	for _, p := range people {
		res.N++
		ms := s.Screen(vigil.Query{Name: p.Name, Kind: vigil.KindPerson})
		q := vigil.Query{Name: p.Name, Kind: vigil.KindPerson, DOB: p.DOB, Gender: p.Gender}
		if p.Nationality != "" {
			q.Nationality = lists.Country(p.Nationality)
		}
		withEv := len(s.Screen(q)) > 0
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
