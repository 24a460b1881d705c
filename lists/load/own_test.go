package load

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
)

// An own list is versioned and diffed like an official one, and a bad file
// leaves the version in force.
func TestOwnListVersions(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	imp := func(path string, opt OwnOptions) Result {
		t.Helper()
		ds, err := OwnFile(path, "blacklist", opt)
		if err != nil {
			return Result{Err: err}
		}
		return ImportAll(ctx, st, []*Dataset{ds}, Options{Now: func() time.Time { return time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC) }})[0]
	}
	v1 := write("v1.csv", "ref,name,dob\nC-1,Ivan SIDOROV,1971-04-02\nC-2,Acme Front Trading,\nC-3,Maria GONZALEZ,1980\n")
	r := imp(v1, OwnOptions{})
	if r.Err != nil || r.Version.Version != 1 || r.Version.List != "blacklist" || r.Version.Format != "own_csv" || r.Version.Entities != 3 {
		t.Fatalf("v1 = %+v", r)
	}
	// The same file again adds nothing.
	if r := imp(v1, OwnOptions{}); r.Err != nil || r.Added() {
		t.Errorf("again = %+v", r)
	}
	// A new version: C-1 changed, C-3 removed, C-4 added.
	v2 := write("v2.csv", "ref,name,dob\nC-1,Ivan SIDOROV,1971-04-03\nC-2,Acme Front Trading,\nC-4,Omar NEW,1990\n")
	r = imp(v2, OwnOptions{})
	if r.Err != nil || r.Version.Version != 2 || r.Version.Base != 1 || r.Version.Added != 1 || r.Version.Removed != 1 || r.Version.Changed != 1 {
		t.Fatalf("v2 = %+v", r.Version)
	}
	d, err := st.Diff(ctx, "blacklist", 1, 2)
	if err != nil || d.Added[0] != "blacklist:C-4" || d.Removed[0] != "blacklist:C-3" || d.Changed[0].ID != "blacklist:C-1" ||
		!strings.Contains(string(d.Changed[0].Changes[0].New), "1971-04-03") {
		t.Errorf("diff = %+v, %v", d, err)
	}
	// A bad row refuses the file; version 2 stays in force.
	bad := write("v3.csv", "ref,name,dob\nC-1,Ivan SIDOROV,1971-04-03\n,No Ref,\n")
	r = imp(bad, OwnOptions{})
	var fe *FileError
	if !errors.As(r.Err, &fe) || fe.Path != bad || !strings.Contains(r.Err.Error(), "row 3: no ref") {
		t.Errorf("bad = %v", r.Err)
	}
	cur, _ := st.Current(ctx)
	if len(cur) != 1 || cur[0].Version != 2 {
		t.Errorf("current = %+v", cur)
	}
	// A version losing more than a fifth of the list is refused as
	// suspicious, as for official lists.
	small := write("v4.csv", "ref,name\nC-1,Ivan SIDOROV\n")
	if r := imp(small, OwnOptions{}); r.Err == nil || !strings.Contains(r.Err.Error(), "fewer") {
		t.Errorf("shrunk: %+v", r)
	}
	// FollowTheMoney, detected from the content.
	ftmPath := write("os.json", `{"id": "C-1", "schema": "Person", "properties": {"name": ["Ivan Sidorov"], "birthDate": ["1971-04-03"]}}`+"\n"+
		`{"id": "C-2", "schema": "Company", "properties": {"name": ["Acme Front Trading"]}}`+"\n"+
		`{"id": "C-4", "schema": "Person", "properties": {"name": ["Omar New"], "topics": ["sanction"]}}`+"\n")
	r = imp(ftmPath, OwnOptions{})
	if r.Err != nil || r.Version.Format != "ftm_json" || r.Version.Version != 3 {
		t.Errorf("ftm = %+v %v", r.Version, r.Err)
	}
	if _, err := OwnFile(ftmPath, "blacklist", OwnOptions{Format: "ftm", Map: map[string]string{"name": "x"}}); err == nil {
		t.Error("--map with ftm: no error")
	}
	// An own list may not take an official list's name.
	if _, err := OwnFile(v1, "ofac_sdn", OwnOptions{}); err == nil || !strings.Contains(err.Error(), "official") {
		t.Errorf("official name: %v", err)
	}
	e, _, err := st.Entity(ctx, "blacklist:C-4")
	if err != nil || !e.HasMeasure(vigil.MeasureAssetFreeze) {
		t.Errorf("C-4 = %+v, %v", e, err)
	}
}
