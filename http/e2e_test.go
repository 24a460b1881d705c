package http

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vigil-screening/vigil/internal/shared"
	"github.com/vigil-screening/vigil/lists/load"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/sqlite"
)

// These tests run the server on the real parts: the SQLite store, the list
// readers, and the matcher, over the shared list snapshots (they skip when
// ../shared is absent).

// realStore imports the UN list and OFAC's IRGC Enhanced XML export (which
// gives Persian-script names) into a fresh SQLite store, once per test binary.
var realOnce struct {
	sync.Once
	st  *sqlite.Store
	err error
}

func realStore(t testing.TB) *sqlite.Store {
	t.Helper()
	un := shared.Lists(t, "un/consolidated.xml")
	irgc := shared.Lists(t, "ofac/enhanced_xml_IRGC_program_2024-08-28/IRGC_sanctions.xml")
	realOnce.Do(func() {
		dir, err := osMkdirTemp()
		if err != nil {
			realOnce.err = err
			return
		}
		st, err := sqlite.Open(filepath.Join(dir, "vigil.db"))
		if err != nil {
			realOnce.err = err
			return
		}
		dss, err := load.Paths(un, irgc)
		if err != nil {
			realOnce.err = err
			return
		}
		for _, ds := range dss {
			if _, err := load.Import(context.Background(), st, ds, load.Options{}); err != nil {
				realOnce.err = err
				return
			}
		}
		realOnce.st = st
	})
	if realOnce.err != nil {
		t.Fatal(realOnce.err)
	}
	return realOnce.st
}

// realSnapshot indexes the store's current versions with the real matcher.
func realSnapshot(t testing.TB, st *sqlite.Store) *Snapshot {
	t.Helper()
	ctx := context.Background()
	rows, err := st.CurrentEntities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entries := make([]match.Entry, len(rows))
	for i := range rows {
		entries[i] = match.Entry{Entity: &rows[i].Entity, Version: rows[i].Version.Label()}
	}
	cur, err := st.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return &Snapshot{Index: match.NewIndex(entries), Versions: cur}
}

func newRealServer(t testing.TB, opts Options) *Server {
	st := realStore(t)
	opts.Store = st
	if opts.Keys == nil && !opts.NoAuth {
		opts.Keys = newKeyStore(t) // no key yet: open
	}
	opts.MatchThreshold = match.DefaultThreshold
	opts.Reload = func(context.Context) (*Snapshot, error) { return realSnapshot(t, st), nil }
	s := New(opts)
	if err := s.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRealScreen(t *testing.T) {
	s := newRealServer(t, Options{})
	h := s.Handler()
	_, body := do(t, h, "POST", "/v1/screen", `{"name":"Qasem Soleimani","dob":"1957-03-11"}`)
	got := decode[ScreenResponse](t, body)
	if len(got.Matches) == 0 || got.Matches[0].EntityID != "un:IRi.039" && got.Matches[0].EntityID != "ofac:10481" {
		t.Fatalf("Qasem Soleimani: %s", body)
	}
	ids := map[string]bool{}
	for _, m := range got.Matches {
		ids[m.EntityID] = true
		if m.Score < match.DefaultThreshold || len(m.Explanation) == 0 {
			t.Errorf("match %s: score %v, %d features", m.EntityID, m.Score, len(m.Explanation))
		}
	}
	if !ids["un:IRi.039"] || !ids["ofac:10481"] {
		t.Errorf("want both the UN and OFAC listings: %v", ids)
	}

	// The entity page joins the UN entry to OFAC's through the matcher.
	_, body = do(t, h, "GET", "/v1/entities/un:IRi.039", "")
	er := decode[EntityResponse](t, body)
	if er.Entity.PrimaryName() == "" || !strings.HasPrefix(er.ListVersion, "un@") || len(er.History) == 0 {
		t.Errorf("entity: %+v", er)
	}
	related := false
	for _, m := range er.Related {
		related = related || m.EntityID == "ofac:10481"
	}
	if !related {
		t.Errorf("un:IRi.039 related = %+v, want ofac:10481", er.Related)
	}

	// yente's /match on the same lists.
	_, body = do(t, h, "POST", "/match/default", `{"queries":{"q":{"schema":"Person","properties":{"name":["Qasem Soleimani"],"birthDate":["1957-03-11"]}}}}`)
	yr := decode[YenteMatchResponse](t, body).Responses["q"]
	if len(yr.Results) == 0 || !yr.Results[0].Match || yr.Results[0].Schema != "Person" || len(yr.Results[0].Properties["name"]) == 0 {
		t.Errorf("yente: %s", body)
	}
	_, body = do(t, h, "POST", "/match/ofac_sdn", `{"queries":{"q":{"schema":"Person","properties":{"name":["Qasem Soleimani"]}}}}`)
	for _, r := range decode[YenteMatchResponse](t, body).Responses["q"].Results {
		if !strings.HasPrefix(r.ID, "ofac:") {
			t.Errorf("/match/ofac_sdn returned %s", r.ID)
		}
	}

	// An unrelated name finds nothing.
	_, body = do(t, h, "POST", "/v1/screen", `{"name":"Margaret Thistlewood"}`)
	if m := decode[ScreenResponse](t, body).Matches; len(m) != 0 {
		t.Errorf("Margaret Thistlewood: %+v", m)
	}
}

// TestRealKeys runs the key checks on the SQLite store the server keeps
// its lists in, as vigil serve does.
func TestRealKeys(t *testing.T) {
	st := realStore(t)
	ctx := context.Background()
	k, secret, err := st.CreateKey(ctx, "test", "screen")
	if err != nil {
		t.Fatal(err)
	}
	s := newRealServer(t, Options{Keys: st, KeyCacheTTL: -1})
	h := s.Handler()
	if res, _ := do(t, h, "POST", "/v1/screen", `{"name":"x"}`); res.StatusCode != 401 {
		t.Errorf("without a key: %d", res.StatusCode)
	}
	if res, body := do(t, h, "POST", "/v1/screen", `{"name":"Qasem Soleimani"}`, "Authorization", "Bearer "+secret); res.StatusCode != 200 {
		t.Errorf("with the key: %d %s", res.StatusCode, body)
	}
	if res, _ := do(t, h, "POST", "/v1/lists/refresh?wait=1", "", "Authorization", "Bearer "+secret); res.StatusCode != 403 {
		t.Errorf("screen key refreshing: %d", res.StatusCode)
	}
	if _, err := st.RevokeKey(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	// The store's only key is revoked: the server stays closed.
	for _, hdr := range [][]string{{"X-API-Key", secret}, nil} {
		if res, _ := do(t, h, "POST", "/v1/screen", `{"name":"x"}`, hdr...); res.StatusCode != 401 {
			t.Errorf("after revoking the only key, %v: %d", hdr, res.StatusCode)
		}
	}
}

// BenchmarkScreenHTTP measures a single-query /v1/screen round trip over
// loopback TCP with the real matcher; run with -cpu and see TestLoad for
// concurrent clients.
func BenchmarkScreenHTTP(b *testing.B) {
	s := newRealServer(b, Options{RateLimit: -1})
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	c := ts.Client()
	b.ResetTimer()
	for b.Loop() {
		res, err := c.Post(ts.URL+"/v1/screen", "application/json", strings.NewReader(`{"name":"Qasem Soleimani"}`))
		if err != nil || res.StatusCode != 200 {
			b.Fatal(err, res)
		}
		res.Body.Close()
	}
}

func osMkdirTemp() (string, error) { return os.MkdirTemp("", "vigil-http-test-") }
