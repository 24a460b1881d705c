package http

import (
	"strings"
	"testing"
)

// TestYenteDatasets (issue 23): /match/{dataset} answers for default,
// sanctions, all, a served list and its OpenSanctions name alike, drops a
// list excluded by either name, and answers 404 with a message naming the
// dataset for one that selects nothing served.
func TestYenteDatasets(t *testing.T) {
	s, _ := newTestServer(t, Options{MatchThreshold: 0.9})
	const body = `{"queries":{"q1":{"schema":"Person","properties":{"name":["Soleimani"],"birthDate":["1957-03-11"]}}}}`
	for _, path := range []string{"/match/default", "/match/sanctions", "/match/all", "/match/un", "/match/un_sc_sanctions",
		"/match/default?include_dataset=un_sc_sanctions"} {
		res, out := do(t, s.Handler(), "POST", path, body)
		if res.StatusCode != 200 {
			t.Errorf("%s: %d %s", path, res.StatusCode, out)
			continue
		}
		if r := decode[YenteMatchResponse](t, out).Responses["q1"]; len(r.Results) != 1 || r.Results[0].ID != "un:IRi.039" {
			t.Errorf("%s: q1 = %+v", path, r)
		}
	}
	for _, path := range []string{"/match/default?exclude_dataset=un_sc_sanctions", "/match/un_sc_sanctions?exclude_dataset=un"} {
		_, out := do(t, s.Handler(), "POST", path, body)
		if r := decode[YenteMatchResponse](t, out).Responses["q1"]; len(r.Results) != 0 {
			t.Errorf("%s kept %+v", path, r.Results)
		}
	}
	for path, want := range map[string]string{
		"/match/us_ofac_sdn":                    `dataset "us_ofac_sdn" is list ofac_sdn, which this server does not serve`,
		"/match/nope":                           `dataset "nope" not found`,
		"/match/default?include_dataset=eu_fsf": `dataset "eu_fsf" is list eu`,
		"/match/default?exclude_dataset=peps":   `dataset "peps" not found`,
	} {
		res, out := do(t, s.Handler(), "POST", path, body)
		if res.StatusCode != 404 || !strings.Contains(decode[struct{ Error string }](t, out).Error, want) {
			t.Errorf("%s: %d %s, want 404 with %q", path, res.StatusCode, out, want)
		}
	}
}
