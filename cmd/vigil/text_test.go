package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTextCommand screens a small invented article against the UN fixture.
func TestTextCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "v.db")
	if _, _, err := run(t, "lists", "import", "--db", db, "../../lists/un/testdata/sample.xml"); err != nil {
		t.Fatal(err)
	}
	article := "Officials said Ivan Primerov met John Smith in Vienna. Primerov's visit was not announced.\n"
	in := filepath.Join(dir, "a.txt")
	os.WriteFile(in, []byte(article), 0o644)

	out, _, err := run(t, "text", "--db", db, "--json", in)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Mentions []struct {
			Start, End int
			Text       string
			Matches    []struct {
				EntityID string `json:"entity_id"`
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(res.Mentions) != 2 {
		t.Fatalf("want 2 mentions (full name, then surname), got %+v", res.Mentions)
	}
	for _, m := range res.Mentions {
		if article[m.Start:m.End] != m.Text || !strings.Contains(m.Text, "Primerov") || len(m.Matches) == 0 || !strings.HasPrefix(m.Matches[0].EntityID, "un:") {
			t.Errorf("mention %+v", m)
		}
	}
	out, _, err = run(t, "text", "--db", db, in)
	if err != nil || !strings.Contains(out, "[[Ivan Primerov]]") || strings.Contains(out, "[[John Smith]]") {
		t.Errorf("human output: %v\n%s", err, out)
	}
}
