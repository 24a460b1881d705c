package download

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultSources(t *testing.T) {
	srcs := DefaultSources()
	lists := map[string]int{}
	for _, s := range srcs {
		if err := s.Validate(); err != nil {
			t.Error(err)
		}
		for _, f := range s.Files {
			if !strings.HasPrefix(f.URL, "https://") {
				t.Errorf("%s %s: not https: %s", s.List, f.Name, f.URL)
			}
		}
		lists[s.List] = len(s.Files)
	}
	want := map[string]int{"un": 1, "ofac_sdn": 4, "ofac_cons": 4, "us_csl": 1, "eu": 1, "uk_fcdo": 1}
	for l, n := range want {
		if lists[l] != n {
			t.Errorf("%s: %d files, want %d", l, lists[l], n)
		}
	}
	// Callers get a fresh table each time.
	srcs[0].Files[0].URL = "http://changed"
	if DefaultSources()[0].Files[0].URL == "http://changed" {
		t.Error("DefaultSources shares its table")
	}
}

func TestMirror(t *testing.T) {
	def := DefaultSources()
	m := Mirror(def, "http://127.0.0.1:8080/mirror/")
	un, _ := Find(m, "un")
	if got := un.Files[0].URL; got != "http://127.0.0.1:8080/mirror/un/consolidated.xml" {
		t.Errorf("mirror URL = %s", got)
	}
	if strings.HasPrefix(def[0].Files[0].URL, "http://127") {
		t.Error("Mirror changed its input")
	}
}

func writeConfig(t *testing.T, js string) string {
	p := filepath.Join(t.TempDir(), "sources.json")
	if err := os.WriteFile(p, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfig(t *testing.T) {
	p := writeConfig(t, `{"sources": [
		{"list": "un", "format": "un_xml", "files": [{"name": "un.xml", "url": "https://example.org/un.xml"}]},
		{"list": "ca", "files": [{"name": "sema.xml", "url": "https://example.org/sema.xml"}]}
	]}`)
	srcs, err := LoadConfig(p, DefaultSources())
	if err != nil {
		t.Fatal(err)
	}
	un, _ := Find(srcs, "un")
	ca, okCA := Find(srcs, "ca")
	sdn, okSDN := Find(srcs, "ofac_sdn")
	if un.Files[0].URL != "https://example.org/un.xml" || !okCA || ca.Files[0].Name != "sema.xml" || !okSDN || len(sdn.Files) != 4 {
		t.Errorf("merged = %+v", srcs)
	}
	if len(srcs) != len(DefaultSources())+1 {
		t.Errorf("%d sources", len(srcs))
	}

	p = writeConfig(t, `{"mirror": "http://localhost:9/m"}`)
	srcs, err = LoadConfig(p, DefaultSources())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range srcs {
		if !strings.HasPrefix(s.Files[0].URL, "http://localhost:9/m/"+s.List+"/") {
			t.Errorf("%s not mirrored: %s", s.List, s.Files[0].URL)
		}
	}
}

func TestLoadConfigErrors(t *testing.T) {
	for name, js := range map[string]string{
		"unknown key":  `{"mirrror": "http://x"}`,
		"not json":     `{"sources": [`,
		"escape":       `{"sources": [{"list": "un", "files": [{"name": "../../etc/passwd", "url": "https://x"}]}]}`,
		"bad list key": `{"sources": [{"list": "a/b", "files": [{"name": "f", "url": "https://x"}]}]}`,
		"no files":     `{"sources": [{"list": "un"}]}`,
		"ftp":          `{"sources": [{"list": "un", "files": [{"name": "f", "url": "ftp://x/f"}]}]}`,
		"twice":        `{"sources": [{"list": "un", "files": [{"name": "f", "url": "https://x"}, {"name": "f", "url": "https://y"}]}]}`,
	} {
		if _, err := LoadConfig(writeConfig(t, js), DefaultSources()); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "none.json"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// FuzzLoadConfig checks that no accepted configuration can name a file or
// list folder outside the download archive.
func FuzzLoadConfig(f *testing.F) {
	f.Add([]byte(`{"mirror": "http://localhost/m"}`))
	f.Add([]byte(`{"sources": [{"list": "un", "files": [{"name": "a.xml", "url": "https://x/a"}]}]}`))
	f.Add([]byte(`{"sources": [{"list": "..", "files": [{"name": "../a", "url": "https://x/a"}]}]}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "c.json")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		srcs, err := LoadConfig(p, DefaultSources())
		if err != nil {
			return
		}
		for _, s := range srcs {
			for _, fl := range s.Files {
				full := filepath.Join(dir, s.List, "snap", fl.Name)
				if rel, err := filepath.Rel(filepath.Join(dir, s.List, "snap"), full); err != nil || rel != fl.Name {
					t.Errorf("list %q file %q escapes the archive", s.List, fl.Name)
				}
				if filepath.Dir(filepath.Join(dir, s.List)) != dir {
					t.Errorf("list %q escapes the archive", s.List)
				}
			}
		}
	})
}
