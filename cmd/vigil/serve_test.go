package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	vhttp "github.com/vigil-screening/vigil/http"
	"github.com/vigil-screening/vigil/match"
)

// TestServeManifestVerdicts checks the server's wiring of the manifest and
// MRZ endpoints to the screening paths: the same deny/refer/clear as the CLI.
func TestServeManifestVerdicts(t *testing.T) {
	listed := &vigil.Entity{ID: "un:IRi.039", Source: "un", Ref: "IRi.039", Kind: vigil.KindPerson,
		Names:      []vigil.Name{{Full: "QASEM SOLEIMANI", Quality: vigil.QualityPrimary}},
		BirthDates: []vigil.Date{{Year: 1957, Month: 3, Day: 11}},
		Measures:   []vigil.Measure{vigil.MeasureAssetFreeze, vigil.MeasureTravelBan}}
	ix := match.NewIndex([]match.Entry{{Entity: listed, Version: "un@1"}})
	srv := vhttp.New(vhttp.Options{ParseManifest: parseManifest, ParseMRZ: parseMRZ, Assess: assess})
	srv.Swap(&vhttp.Snapshot{Index: ix, Versions: []vigil.ListVersion{{List: "un", Version: 1}}})
	h := srv.Handler()

	msg, err := os.ReadFile("../../paxlst/testdata/soleimani.edi")
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/v1/manifest", strings.NewReader(string(msg)))
	req.Header.Set("Content-Type", "text/plain")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("manifest: %d %s", rec.Code, rec.Body)
	}
	var res vhttp.ManifestResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tr := range res.Travellers {
		if tr.Verdict == nil {
			t.Fatalf("traveller %s has no verdict", tr.Label)
		}
		got[tr.Query.Name] = tr.Verdict.Recommendation
	}
	var deny, clear int
	for name, r := range got {
		switch {
		case strings.Contains(strings.ToUpper(name), "SOLEIMANI") && r == "deny":
			deny++
		case r == "clear":
			clear++
		default:
			t.Errorf("%s: %s", name, r)
		}
	}
	if deny != 1 || clear < 1 {
		t.Errorf("verdicts %v", got)
	}

	req = httptest.NewRequest("POST", "/v1/mrz", strings.NewReader(`{"lines":["P<IRNSOLEIMANI<<QASEM<<<<<<<<<<<<<<<<<<<<<<<","T882402175IRN5703111M3201015<<<<<<<<<<<<<<<8"]}`))
	req.Header.Set("Content-Type", "application/json")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var mr vhttp.MRZResponse
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &mr) != nil || mr.Verdict == nil || len(mr.Matches) == 0 {
		t.Fatalf("mrz: %d %s", rec.Code, rec.Body)
	}
	if mr.Verdict.Recommendation == "clear" {
		t.Errorf("mrz verdict %+v", mr.Verdict)
	}
}
