package http

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/sqlite"
	"github.com/vigil-screening/vigil/text"
)

// testIndex is a small Index for handler tests: a query matches an entity
// when its lower-cased name equals one of the entity's names (score 1) or
// is contained in one (score 0.8). It stands in for the real matcher, which
// end-to-end tests use.
type testIndex struct {
	label    string
	entities []vigil.Entity
}

func (x *testIndex) Screen(q vigil.Query) []vigil.Match {
	var out []vigil.Match
	qn := strings.ToLower(strings.TrimSpace(q.Name))
	for i := range x.entities {
		e := &x.entities[i]
		best, matched := 0.0, ""
		for _, n := range e.Names {
			fn := strings.ToLower(n.Full)
			s := 0.0
			switch {
			case fn == qn:
				s = 1
			case strings.Contains(fn, qn):
				s = 0.8
			}
			if s > best {
				best, matched = s, n.Full
			}
		}
		th := q.Threshold
		if th == 0 {
			th = 0.5
		}
		if best >= th && (q.Kind == "" || q.Kind == e.Kind) {
			out = append(out, vigil.Match{EntityID: e.ID, Source: e.Source, Ref: e.Ref, Kind: e.Kind,
				Name: e.PrimaryName(), MatchedName: matched, Score: best, ListVersion: x.label,
				Explanation: []vigil.Feature{{Feature: "name", Score: best, Detail: "test: " + matched}},
				Measures:    e.Measures})
		}
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out
}

func (x *testIndex) Entity(id string) (*vigil.Entity, string, bool) {
	for i := range x.entities {
		if x.entities[i].ID == id {
			return &x.entities[i], x.label, true
		}
	}
	return nil, "", false
}

// CheckQuery is the real matcher's: which values a query may hold does
// not depend on the index.
func (x *testIndex) CheckQuery(q vigil.Query) (vigil.Query, []vigil.QueryProblem) {
	return match.CheckQuery(q)
}

// testEntities are invented entities (one modelled on a well-known UN
// listing) in several scripts.
func testEntities() []vigil.Entity {
	return []vigil.Entity{
		{ID: "un:IRi.039", Source: "un", Ref: "IRi.039", Kind: vigil.KindPerson,
			Names: []vigil.Name{
				{Full: "Qasem Soleimani", Quality: vigil.QualityPrimary, Script: "Latn"},
				{Full: "Qasim Soleimany", Quality: vigil.QualityStrong, Script: "Latn"},
				{Full: "قاسم سلیمانی", Quality: vigil.QualityStrong, Script: "Arab", Lang: "fa"},
			},
			BirthDates:    []vigil.Date{{Year: 1957, Month: 3, Day: 11}},
			Nationalities: []string{"IR"}, Measures: []vigil.Measure{vigil.MeasureTravelBan, vigil.MeasureAssetFreeze},
			Programs: []string{"IRAN"}, ListedOn: "2007-03-24"},
		{ID: "un:QDe.001", Source: "un", Ref: "QDe.001", Kind: vigil.KindOrganization,
			Names: []vigil.Name{{Full: "Example Trading Company", Quality: vigil.QualityPrimary}}},
		{ID: "un:TEST.9", Source: "un", Ref: "TEST.9", Kind: vigil.KindPerson,
			Names: []vigil.Name{{Full: "Ivan Petrov", Quality: vigil.QualityPrimary}, {Full: "Иван Петров", Quality: vigil.QualityStrong}}},
	}
}

// tempStore opens a SQLite store in a temporary folder: handler tests use
// the real store.
func tempStore(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "vigil.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// snapshotOf indexes the current versions of a store with testIndex.
func snapshotOf(t testing.TB, st vigil.Store) *Snapshot {
	t.Helper()
	cur, _ := st.Current(context.Background())
	slices.SortFunc(cur, func(a, b vigil.ListVersion) int { return strings.Compare(a.List, b.List) })
	var es []vigil.Entity
	label := ""
	for _, v := range cur {
		e, _ := st.Entities(context.Background(), v.List, v.Version)
		es = append(es, e...)
		label = v.Label()
	}
	return &Snapshot{Index: &testIndex{label: label, entities: es}, Versions: cur}
}

// newTestServer returns a server over two versions of an invented "un" list
// (version 2 adds Ivan Petrov and changes Soleimani's programmes).
func newTestServer(t testing.TB, opts Options) (*Server, *sqlite.Store) {
	t.Helper()
	st := tempStore(t)
	es := testEntities()
	v1 := slices.Clone(es[:2])
	v1[0].Programs = nil
	ctx := context.Background()
	if _, err := st.Import(ctx, vigil.ListVersion{List: "un", Source: "un", Format: "un_xml", Hash: "h1",
		Published: time.Now().Add(-72 * time.Hour)}, v1); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Import(ctx, vigil.ListVersion{List: "un", Source: "un", Format: "un_xml", Hash: "h2",
		Published: time.Now().Add(-36 * time.Hour)}, es); err != nil {
		t.Fatal(err)
	}
	opts.Store = st
	if opts.Keys == nil && !opts.NoAuth {
		opts.Keys = st // no key yet: open, as a new installation
	}
	if opts.Reload == nil {
		opts.Reload = func(context.Context) (*Snapshot, error) { return snapshotOf(t, st), nil }
	}
	s := New(opts)
	s.Swap(snapshotOf(t, st))
	return s, st
}

// do sends a request to h and returns the response and its body.
func do(t testing.TB, h http.Handler, method, target, body string, header ...string) (*http.Response, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	if body != "" && strings.HasPrefix(strings.TrimSpace(body), "{") {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// decode unmarshals a JSON body, failing the test on error.
func decode[T any](t testing.TB, body string) T {
	t.Helper()
	var v T
	if err := json.NewDecoder(bytes.NewReader([]byte(body))).Decode(&v); err != nil {
		t.Fatalf("decoding %q: %v", body, err)
	}
	return v
}

// newKeyStore returns a fresh SQLite store for API keys and sessions.
func newKeyStore(t testing.TB) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "keys.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// createKey creates a key in st and returns its secret.
func createKey(t testing.TB, st vigil.KeyStore, name, role string) (vigil.Key, string) {
	t.Helper()
	k, secret, err := st.CreateKey(context.Background(), name, role)
	if err != nil {
		t.Fatal(err)
	}
	return k, secret
}

// scanTextWith serves /v1/text with a real text.Scanner, as cmd/vigil does.
func scanTextWith(sc *text.Scanner) TextScanner {
	return func(ctx context.Context, _ vigil.Screener, s string, lim TextLimits) (TextScan, error) {
		r, err := sc.ScanContext(ctx, s, text.Limits{MaxQueries: lim.MaxQueries, MaxMentions: lim.MaxMentions})
		if err != nil {
			return TextScan{}, err
		}
		out := TextScan{Mentions: make([]Mention, len(r.Mentions)), Truncated: r.Truncated, ScreenedTo: r.ScreenedTo}
		for i, m := range r.Mentions {
			out.Mentions[i] = Mention{Start: m.Start, End: m.End, Text: m.Text, Matches: m.Matches}
		}
		return out, nil
	}
}

// testScanner returns a real text.Scanner over the test entities, deciding
// with sc, without a cache across scans.
func testScanner(t testing.TB, sc vigil.Screener) *text.Scanner {
	t.Helper()
	x, err := newTestScanner(sc)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func newTestScanner(sc vigil.Screener) (*text.Scanner, error) {
	es := testEntities()
	ptrs := make([]*vigil.Entity, len(es))
	for i := range es {
		ptrs[i] = &es[i]
	}
	return text.New(ptrs, sc, text.Options{CacheSize: -1})
}

// testScanText scans with a real text.Scanner over the test entities,
// deciding with the index the request is served from.
func testScanText(ctx context.Context, idx vigil.Screener, s string, lim TextLimits) (TextScan, error) {
	x, ok := testScanners.Load(idx)
	if !ok {
		sc, err := newTestScanner(idx)
		if err != nil {
			return TextScan{}, err
		}
		x, _ = testScanners.LoadOrStore(idx, sc)
	}
	return scanTextWith(x.(*text.Scanner))(ctx, idx, s, lim)
}

var testScanners sync.Map // vigil.Screener → *text.Scanner
