// Package lists holds what the list readers share: the metadata a reader
// returns, parse errors that name the line or element, the limits that stop
// a damaged or hostile file early (limits.go), and helpers for the dates and
// countries that every list writes in its own way.
//
// One reader per official format lives below it (lists/un, lists/ofac, …);
// lists/load detects formats from content and drives the readers.
package lists

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/vigil-screening/vigil"
)

// Meta is what a reader learns about a list file besides its entities.
type Meta struct {
	List   string // vigil.ListUN, vigil.ListOFACSDN, …
	Source string // vigil.SourceUN, vigil.SourceOFAC, … (the entity id prefix)
	Format string // "un_xml", "ofac_csv", "ofac_xml", "ofac_enhanced_xml", "us_csl_csv", "eu_fsf_xml", "uk_conlist_csv", "uk_conlist_xlsx", "uk_fcdo_xml", "ca_sema_xml", "au_dfat_xlsx"
	// Published is the date or instant the file states for itself; zero if none.
	Published time.Time
	// Declared is the record count the file states for itself, 0 if none.
	Declared int
	// Partial marks a filtered export or excerpt.
	Partial bool

	mu       sync.Mutex
	warnings map[string]int
	order    []string
}

// Warnf records a non-fatal problem (an unknown element or column, a value
// that could not be parsed). Repeated messages are counted, not repeated.
func (m *Meta) Warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.warnings == nil {
		m.warnings = map[string]int{}
	}
	if _, ok := m.warnings[msg]; !ok {
		m.order = append(m.order, msg)
	}
	m.warnings[msg]++
}

// Warnings returns the recorded warnings, each with its count when repeated.
func (m *Meta) Warnings() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.order))
	for _, w := range m.order {
		if n := m.warnings[w]; n > 1 {
			w = fmt.Sprintf("%s (%d times)", w, n)
		}
		out = append(out, w)
	}
	return out
}

// Emit receives each entity a reader decodes. Returning an error stops the
// reader, which returns that error.
type Emit func(*vigil.Entity) error

// ParseError is a reader's error for malformed input. It names the file (set
// by the caller that knows it), and the line, record or element.
type ParseError struct {
	File    string
	Line    int    // 1-based line (CSV row, XML line) when known
	Element string // XML element path, record key, sheet/row or column when known
	Err     error
}

func (e *ParseError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
	} else {
		b.WriteString("input")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Element != "" {
		fmt.Fprintf(&b, " (%s)", e.Element)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *ParseError) Unwrap() error { return e.Err }

// Errorf returns a ParseError for line and element.
func Errorf(line int, element, format string, args ...any) *ParseError {
	return &ParseError{Line: line, Element: element, Err: fmt.Errorf(format, args...)}
}

// Dedupe returns ss with empty strings and repeats removed, order kept, in
// ss's own storage: ss is overwritten (clone what others may read).
func Dedupe(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0]
	for _, s := range ss {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// CountKinds counts entities by kind.
func CountKinds(es []vigil.Entity) map[vigil.Kind]int {
	m := map[vigil.Kind]int{}
	for i := range es {
		m[es[i].Kind]++
	}
	return m
}

// SortedKeys returns a map's keys sorted, for stable output.
func SortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// CleanSpace trims s and folds runs of white space to one space.
func CleanSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
