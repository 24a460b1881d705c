package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
	out, stderr, err := run(t, "keys", "create", "--db", db, "--name", "ops", "--role", "admin")
	if err != nil || !strings.HasPrefix(out, "vgl_") || !strings.Contains(stderr, "shown only this once") {
		t.Fatalf("create: %v %q %q", err, out, stderr)
	}
	id := strings.Fields(strings.TrimPrefix(stderr, "Created key "))[0]
	for _, tc := range []struct {
		args []string
		want string
		err  bool
	}{
		{[]string{"revoke", id}, "Revoked key " + id, false},
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
}
