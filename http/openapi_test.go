package http

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIDescribesEveryRoute checks the hand-written OpenAPI document
// against the route table, both ways, and that every $ref resolves.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	res, body := do(t, s.Handler(), "GET", "/openapi.json", "")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	registered := map[string]bool{}
	for _, r := range s.Routes() {
		if !r.Documented {
			continue
		}
		key := strings.ToLower(r.Method) + " " + r.Pattern
		registered[key] = true
		if _, ok := doc.Paths[r.Pattern][strings.ToLower(r.Method)]; !ok {
			t.Errorf("route %s %s is not in the OpenAPI document", r.Method, r.Pattern)
		}
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if !registered[method+" "+path] {
				t.Errorf("the document describes %s %s, which is not a route", method, path)
			}
			// Path parameters are declared.
			for _, seg := range strings.Split(path, "/") {
				if strings.HasPrefix(seg, "{") && !strings.Contains(string(op), `"name": "`+strings.Trim(seg, "{}")+`"`) {
					t.Errorf("%s %s does not declare parameter %s", method, path, seg)
				}
			}
		}
	}
	for _, ref := range refs(body) {
		if _, ok := doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]; !ok {
			t.Errorf("unresolved $ref %s", ref)
		}
	}
	if len(registered) < 15 {
		t.Errorf("only %d documented routes", len(registered))
	}
}

func refs(doc string) []string {
	var out []string
	for rest := doc; ; {
		i := strings.Index(rest, `"$ref": "`)
		if i < 0 {
			break
		}
		rest = rest[i+9:]
		ref := rest[:strings.IndexByte(rest, '"')]
		if !slices.Contains(out, ref) {
			out = append(out, ref)
		}
	}
	return out
}

// TestOpenAPILintRules checks, without npm, what `npx @redocly/cli lint
// http/openapi.json` checks beyond validity and the tests above: a licence
// with a name and URL, a unique operationId on every operation, and at
// least one 4xx response on every operation.
func TestOpenAPILintRules(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	_, body := do(t, s.Handler(), "GET", "/openapi.json", "")
	var doc struct {
		Info struct {
			License struct{ Name, URL string } `json:"license"`
		} `json:"info"`
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatal(err)
	}
	if l := doc.Info.License; l.Name == "" || !strings.HasPrefix(l.URL, "https://") {
		t.Errorf("info.license = %+v: a name and a URL are required", l)
	}
	ids := map[string]string{}
	n := 0
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			if !slices.Contains([]string{"get", "put", "post", "delete", "patch", "head", "options"}, method) {
				continue
			}
			n++
			var op struct {
				OperationID string                     `json:"operationId"`
				Responses   map[string]json.RawMessage `json:"responses"`
			}
			if err := json.Unmarshal(raw, &op); err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			where := method + " " + path
			switch prev, dup := ids[op.OperationID]; {
			case op.OperationID == "":
				t.Errorf("%s has no operationId", where)
			case dup:
				t.Errorf("%s and %s share the operationId %q", prev, where, op.OperationID)
			}
			ids[op.OperationID] = where
			if !slices.ContainsFunc(slices.Collect(maps.Keys(op.Responses)), func(c string) bool { return strings.HasPrefix(c, "4") }) {
				t.Errorf("%s has no 4xx response", where)
			}
		}
	}
	if n < 15 {
		t.Errorf("only %d operations", n)
	}
}
