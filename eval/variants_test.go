package eval

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/match"
	"github.com/vigil-screening/vigil/names"
)

func entity(id string, kind vigil.Kind, full ...string) match.Entry {
	e := &vigil.Entity{ID: id, Kind: kind}
	for _, f := range full {
		e.Names = append(e.Names, vigil.Name{Full: f})
	}
	return match.Entry{Entity: e, Version: "test@1"}
}

func TestAmbiguousVariants(t *testing.T) {
	entries := []match.Entry{
		entity("a", vigil.KindPerson, "Kim Mun Chol"),
		entity("b", vigil.KindPerson, "KIM, Chol"),
		entity("c", vigil.KindPerson, "Ivan Petrovich Sidorov"),
		entity("d", vigil.KindPerson, "Ivan Petrovich Sidorov Bogdanovich Smirnov"),
	}
	ns := newNameSets(entries)
	if got := ns.other(entries[0].Entity, "Kim Chol", "Kim Mun Chol", names.PersonClass); got != "b" {
		t.Errorf("Kim Chol: ambiguous with %q, want b", got)
	}
	if got := ns.other(entries[1].Entity, "Chol Kim", "KIM, Chol", names.PersonClass); got != "" {
		t.Errorf("Chol Kim from KIM, Chol: ambiguous with %q (Kim Mun Chol has more words)", got)
	}
	// d holds every word but has more words than the source name.
	if got := ns.other(entries[2].Entity, "Ivan Sidorov", "Ivan Petrovich Sidorov", names.PersonClass); got != "" {
		t.Errorf("Ivan Sidorov: ambiguous with %q", got)
	}
}

func TestOrgVariants(t *testing.T) {
	ps := names.Parse("JSC Sberbank", names.OrgClass)
	if got := moveLegalForm(ps); got != "sberbank jsc" {
		t.Errorf("moveLegalForm = %q", got)
	}
	if got := moveLegalForm(names.Parse("Tactical Missiles", names.OrgClass)); got != "" {
		t.Errorf("moveLegalForm without a legal form = %q, want none", got)
	}
	vs := Variants([]match.Entry{entity("x", vigil.KindOrganization, "Rassvet OOO")}, 1, 1)
	for _, v := range vs {
		if v.Kind != "legal_form" {
			continue
		}
		ps := names.Parse(v.Query, names.OrgClass)
		legal := 0
		for _, p := range ps {
			if p.Tag == names.TagLegal {
				legal++
				if p.Key != "llc" || p.Text == "ooo" {
					t.Errorf("legal_form variant %q: form %q (%s), want another llc spelling", v.Query, p.Text, p.Key)
				}
			}
		}
		if legal != 1 {
			t.Errorf("legal_form variant %q has %d legal forms, want 1", v.Query, legal)
		}
	}
}

func TestTypoVariantsKeepUTF8(t *testing.T) {
	vs := Variants([]match.Entry{entity("p", vigil.KindPerson, "Žofie Dvořáková-Šťastná")}, 1, 3)
	typos := 0
	for _, v := range vs {
		if !utf8.ValidString(v.Query) || !strings.Contains(v.Query, " ") {
			t.Errorf("variant %s %q broken", v.Kind, v.Query)
		}
		if v.Kind == "typo" {
			typos++
			if !strings.Contains(v.Query, "Dvořáková-Šťastná") {
				t.Errorf("typo %q landed in a word with punctuation", v.Query)
			}
		}
	}
	if typos != 1 {
		t.Errorf("%d typo variants, want 1", typos)
	}
}
