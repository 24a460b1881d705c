package eval

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
)

// Pair is one labelled name pair of name_bench.
type Pair struct {
	Group, Schema, Name1, Name2 string
	Match                       bool
	Quality, Category           string
	Line                        int
}

// ReadPairs reads name_bench_cases.csv (columns case_group, schema, name1,
// name2, is_match, quality, category, notes; found by header name).
func ReadPairs(r io.Reader) ([]Pair, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("name_bench: header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, need := range []string{"name1", "name2", "is_match"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("name_bench: missing column %q", need)
		}
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	var out []Pair
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("name_bench: line %d: %w", line, err)
		}
		m := strings.ToLower(strings.TrimSpace(get(rec, "is_match")))
		if m != "true" && m != "false" {
			return nil, fmt.Errorf("name_bench: line %d: is_match %q is neither true nor false", line, m)
		}
		out = append(out, Pair{
			Group: get(rec, "case_group"), Schema: get(rec, "schema"),
			Name1: get(rec, "name1"), Name2: get(rec, "name2"), Match: m == "true",
			Quality: get(rec, "quality"), Category: get(rec, "category"), Line: line,
		})
	}
	return out, nil
}

// SchemaKind maps a FollowTheMoney schema name to a kind.
func SchemaKind(schema string) vigil.Kind {
	switch schema {
	case "Person":
		return vigil.KindPerson
	case "Company", "Organization", "PublicBody":
		return vigil.KindOrganization
	case "Vessel":
		return vigil.KindVessel
	case "Airplane":
		return vigil.KindAircraft
	}
	return vigil.KindUnknown
}

// ScoredPair is a pair with its score.
type ScoredPair struct {
	Pair
	Score float64
}

// BenchResult is the outcome of the name_bench evaluation.
type BenchResult struct {
	Threshold float64
	All       Counts
	ByGroup   map[string]*Counts
	ByQuality map[string]*Counts
	// Wrong lists the misjudged pairs, STRONG first.
	Wrong []ScoredPair
}

// NameBench scores every pair with match.Compare and judges it at threshold.
func NameBench(pairs []Pair, threshold float64) BenchResult {
	res := BenchResult{Threshold: threshold, ByGroup: map[string]*Counts{}, ByQuality: map[string]*Counts{}}
	for _, p := range pairs {
		s := match.Compare(p.Name1, p.Name2, SchemaKind(p.Schema))
		pred := s >= threshold
		res.All.Add(pred, p.Match)
		for _, m := range []struct {
			m map[string]*Counts
			k string
		}{{res.ByGroup, p.Group}, {res.ByQuality, p.Quality}} {
			if m.m[m.k] == nil {
				m.m[m.k] = &Counts{}
			}
			m.m[m.k].Add(pred, p.Match)
		}
		if pred != p.Match {
			res.Wrong = append(res.Wrong, ScoredPair{p, s})
		}
	}
	sort.SliceStable(res.Wrong, func(i, j int) bool {
		return res.Wrong[i].Quality == "STRONG" && res.Wrong[j].Quality != "STRONG"
	})
	return res
}

// ReadPairsFile reads name_bench pairs from a file.
func ReadPairsFile(path string) ([]Pair, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadPairs(f)
}
