package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
	vhttp "github.com/vigil-screening/vigil/http"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/mrz"
	"github.com/vigil-screening/vigil/paxlst"
	"github.com/vigil-screening/vigil/screen"
)

// TestServeManifestVerdicts checks the server's wiring of the manifest and
// MRZ endpoints to the screening paths: the same deny/refer/clear as the CLI.
func TestServeManifestVerdicts(t *testing.T) {
	listed := &vigil.Entity{ID: "un:IRi.039", Source: "un", Ref: "IRi.039", Kind: vigil.KindPerson,
		Names:      []vigil.Name{{Full: "QASEM SOLEIMANI", Quality: vigil.QualityPrimary}},
		BirthDates: []vigil.Date{{Year: 1957, Month: 3, Day: 11}},
		Measures:   []vigil.Measure{vigil.MeasureAssetFreeze, vigil.MeasureTravelBan}}
	ix := match.NewIndex([]match.Entry{{Entity: listed, Version: "un@1"}})
	srv := vhttp.New(vhttp.Options{NoAuth: true, ParseManifest: parseManifest, ParseMRZ: parseMRZ, Assess: assess})
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

func TestCheckExposure(t *testing.T) {
	for _, tc := range []struct {
		name   string
		c      serveConfig
		active int
		tls    bool
		want   string // "" for no error
	}{
		{"loopback without keys", serveConfig{}, 0, false, ""},
		{"loopback, --no-auth", serveConfig{noAuth: true}, 2, false, ""},
		{"remote, --no-auth", serveConfig{allowRemote: true, noAuth: true}, 1, true, "--no-auth refuses --allow-remote"},
		{"remote without keys", serveConfig{allowRemote: true}, 0, true, "needs an active API key"},
		{"remote without TLS", serveConfig{allowRemote: true}, 1, false, "needs TLS"},
		{"remote, TLS by a proxy", serveConfig{allowRemote: true, insecureRemote: true}, 1, false, ""},
		{"remote with TLS", serveConfig{allowRemote: true}, 1, true, ""},
	} {
		err := checkExposure(tc.c, tc.active, tc.tls)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestServeRefuses runs vigil serve with settings that would open the
// service: each is refused before anything listens, with a clear error.
func TestServeRefuses(t *testing.T) {
	dir := t.TempDir()
	withKey := filepath.Join(dir, "keys.db")
	if _, _, err := run(t, "keys", "create", "--db", withKey, "--name", "ops", "--role", "admin"); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.db")
	token := filepath.Join(dir, "token")
	os.WriteFile(token, []byte("\n"), 0o600)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"remote without keys", []string{"--db", empty, "--addr", "0.0.0.0:0", "--allow-remote", "--insecure-remote"}, "needs an active API key"},
		{"remote without TLS", []string{"--db", withKey, "--addr", "0.0.0.0:0", "--allow-remote"}, "needs TLS"},
		{"remote, --no-auth", []string{"--db", withKey, "--addr", "0.0.0.0:0", "--allow-remote", "--no-auth", "--insecure-remote"}, "--no-auth refuses --allow-remote"},
		{"not loopback", []string{"--db", withKey, "--addr", "0.0.0.0:0"}, "not a loopback address"},
		{"half of TLS", []string{"--db", withKey, "--tls-cert", "cert.pem"}, "go together"},
		{"bad certificate", []string{"--db", withKey, "--tls-cert", token, "--tls-key", token}, "--tls-cert " + token},
		{"empty metrics token", []string{"--db", withKey, "--metrics-token-file", token}, "is empty"},
		{"bad stale age", []string{"--db", withKey, "--stale-after", "soon"}, "--stale-after: bad age"},
	} {
		_, _, err := run(t, append([]string{"serve"}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestKeysCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "v.db")
	if _, _, err := run(t, "keys", "create", "--db", db, "--role", "admin"); err == nil || !strings.Contains(err.Error(), "--name is required") {
		t.Errorf("create without --name: %v", err)
	}
	if _, _, err := run(t, "keys", "create", "--db", db, "--name", "  "); err == nil {
		t.Error("create with a blank --name succeeded")
	}
	out, stderr, err := run(t, "keys", "create", "--db", db, "--by", "grace", "--name", "ops", "--role", "admin")
	if err != nil || !strings.HasPrefix(out, "vgl_") || !strings.Contains(stderr, "shown only this once") {
		t.Fatalf("create: %v %q %q", err, out, stderr)
	}
	id := strings.Fields(strings.TrimPrefix(stderr, "Created key "))[0]
	for _, tc := range []struct {
		args []string
		want string
		err  bool
	}{
		{[]string{"revoke", "--by", "heidi", id}, "Revoked key " + id, false},
		{[]string{"revoke", id}, "is already revoked", false},
		{[]string{"revoke", "key_nope"}, `no API key has the id "key_nope"`, true},
		{[]string{"list"}, "Every key is revoked", false},
	} {
		out, _, err := run(t, append([]string{"keys", "--db", db}, tc.args...)...)
		got := out
		if err != nil {
			got = err.Error()
		}
		if (err != nil) != tc.err || !strings.Contains(got, tc.want) {
			t.Errorf("keys %v: %v %q, want %q", tc.args, err, out, tc.want)
		}
	}
	// The creation and the revocation are audited as who ran them; the
	// refused creations and revocations are not.
	var audited []string
	for _, r := range records(t, db) {
		audited = append(audited, r.Who+" "+r.Action+" "+string(r.Query))
	}
	want := []string{`cli:grace key.create {"name":"ops","role":"admin"}`, `cli:heidi key.revoke {"id":"` + id + `"}`}
	if strings.Join(audited, "\n") != strings.Join(want, "\n") {
		t.Errorf("audit records:\n%s\nwant:\n%s", strings.Join(audited, "\n"), strings.Join(want, "\n"))
	}
}

// TestServeRefersWhatCLIRefers: the server's manifest and MRZ endpoints
// give each traveller and holder the verdict and reasons vigil manifest
// and vigil mrz give: a record not read, a traveller read in part, an
// expired document and a misread zone are referred by both, and the
// manifest's recommendation is the CLI's exit status.
func TestServeRefersWhatCLIRefers(t *testing.T) {
	listed := &vigil.Entity{ID: "un:IRi.039", Source: "un", Ref: "IRi.039", Kind: vigil.KindPerson,
		Names:      []vigil.Name{{Full: "QASEM SOLEIMANI", Quality: vigil.QualityPrimary}},
		BirthDates: []vigil.Date{{Year: 1957, Month: 3, Day: 11}},
		Documents:  []vigil.Document{{Type: vigil.DocPassport, Number: "008827"}},
		Measures:   []vigil.Measure{vigil.MeasureAssetFreeze, vigil.MeasureTravelBan}}
	ix := match.NewIndex([]match.Entry{{Entity: listed, Version: "un@1"}})
	srv := vhttp.New(vhttp.Options{NoAuth: true, ParseManifest: parseManifest, ParseMRZ: parseMRZ, Assess: assess})
	srv.Swap(&vhttp.Snapshot{Index: ix, Versions: []vigil.ListVersion{{List: "un", Version: 1}}})
	h := srv.Handler()
	post := func(path, ct, body string, hdr ...string) []byte {
		t.Helper()
		req := httptest.NewRequest("POST", path, strings.NewReader(body))
		req.Header.Set("Content-Type", ct)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", path, rec.Code, rec.Body)
		}
		return rec.Body.Bytes()
	}
	for _, name := range []string{"soleimani.edi", "broken_traveller.edi", "expired.edi"} {
		raw, err := os.ReadFile("../../paxlst/testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := paxlst.Parse(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		cli := screen.Manifest(ix, msg, screen.Options{})
		var api vhttp.ManifestResponse
		if err := json.Unmarshal(post("/v1/manifest", "text/plain", string(raw)), &api); err != nil {
			t.Fatal(err)
		}
		if len(api.Travellers) != len(cli.Travellers)+len(cli.NotScreened) || api.NotScreened != len(cli.NotScreened) || api.Recommendation != string(cli.Worst()) {
			t.Errorf("%s: API %d entries, %d not screened, %s; CLI %d travellers, %d not screened, %s", name,
				len(api.Travellers), api.NotScreened, api.Recommendation, len(cli.Travellers), len(cli.NotScreened), cli.Worst())
			continue
		}
		for i, tr := range api.Travellers {
			var want screen.Verdict
			if i < len(cli.Travellers) {
				want = cli.Travellers[i].Verdict
			} else {
				want = screen.Verdict{Recommendation: screen.Refer}
				if !tr.NotScreened || tr.Query.Name != "" {
					t.Errorf("%s: entry %d = %+v, want the record not screened", name, i, tr)
				}
			}
			if tr.Verdict == nil || tr.Verdict.Recommendation != string(want.Recommendation) || i < len(cli.Travellers) && !slices.Equal(tr.Verdict.Reasons, want.Reasons) {
				t.Errorf("%s: %s: API %+v, CLI %s %q", name, tr.Label, tr.Verdict, want.Recommendation, want.Reasons)
			}
		}
	}
	// The console's manifest page says so too (its form carries the CSRF
	// token of the page that shows it, tied to the browser's cookie).
	raw, _ := os.ReadFile("../../paxlst/testdata/broken_traveller.edi")
	form := httptest.NewRecorder()
	h.ServeHTTP(form, httptest.NewRequest("GET", "/manifest", nil))
	tok := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(form.Body.String())
	cookies := form.Result().Cookies()
	if tok == nil || len(cookies) == 0 {
		t.Fatalf("the manifest form has no CSRF token: %v %s", cookies, form.Body)
	}
	page := string(post("/manifest", "application/x-www-form-urlencoded", url.Values{"manifest": {string(raw)}, "csrf": {tok[1]}}.Encode(),
		"Cookie", cookies[0].Name+"="+cookies[0].Value))
	for _, want := range []string{`Recommendation for the manifest: <strong class="verdict refer">refer</strong>`,
		"1 record of this manifest could not be read", "record at segment 15 (NAD), not read",
		`segment 21 DTM: date of birth &#34;71AB01&#34; cannot be read; screened without it`} {
		if !strings.Contains(page, want) {
			t.Errorf("console manifest page lacks %q", want)
		}
	}

	// A listed holder whose zone fails a check digit: refer, as vigil mrz
	// says (the API denied before).
	l1 := "P<IRNSOLEIMANI<<QASEM<<<<<<<<<<<<<<<<<<<<<<<"
	l2 := "008827<<<0IRN5703111M3201015<<<<<<<<<<<<<<<0"
	z, err := mrz.Parse(l1, l2)
	if err != nil {
		t.Fatal(err)
	}
	cli := screen.MRZ(ix, z, screen.Options{})
	var mr vhttp.MRZResponse
	if err := json.Unmarshal(post("/v1/mrz", "application/json", `{"lines":["`+l1+`","`+l2+`"]}`), &mr); err != nil {
		t.Fatal(err)
	}
	if len(z.Failed()) == 0 || cli.Recommendation != screen.Refer || mr.Verdict == nil || mr.Verdict.Recommendation != "refer" ||
		!slices.Equal(mr.Verdict.Reasons, cli.Reasons) || !slices.Equal(mr.Problems, cli.Problems) {
		t.Errorf("mrz: failed %v; CLI %s %q; API %+v %q", z.Failed(), cli.Recommendation, cli.Reasons, mr.Verdict, mr.Problems)
	}
}
