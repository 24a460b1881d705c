package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/vigil-screening/vigil"
)

// printEntity prints a listing for a reader: its names by script, then
// what identifies it (dates, places, documents, vessel and aircraft
// details), its measures and programs, the list version that holds it, and
// the subject it belongs to (sub.ID is "" when it belongs to none).
func printEntity(w io.Writer, e vigil.Entity, v vigil.ListVersion, sub vigil.ListedSubject) error {
	fmt.Fprintf(w, "%s  %s\n", e.ID, e.PrimaryName())
	fmt.Fprintf(w, "%s on %s (%s)", cmp.Or(string(e.Kind), "entity of unknown kind"), v.List, v.Label())
	if e.ListedOn != "" {
		fmt.Fprintf(w, ", listed since %s", e.ListedOn)
	}
	fmt.Fprintln(w)

	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nnames")
	names := slices.Clone(e.Names)
	// By script, in the order the scripts first appear (the primary
	// name's first); within a script, in the list's order.
	order := map[string]int{}
	for _, n := range names {
		if _, ok := order[n.Script]; !ok {
			order[n.Script] = len(order)
		}
	}
	slices.SortStableFunc(names, func(a, b vigil.Name) int { return order[a.Script] - order[b.Script] })
	for i, n := range names {
		script := cmp.Or(n.Script, "?")
		if i > 0 && names[i-1].Script == n.Script {
			script = ""
		}
		full := n.Full
		if n.Lang != "" {
			full += " [" + n.Lang + "]"
		}
		if n.Note != "" {
			full += " (" + n.Note + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", script, n.Quality, full)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	var rows [][2]string
	add := func(label string, vals ...string) {
		vals = slices.DeleteFunc(vals, func(s string) bool { return s == "" })
		if len(vals) > 0 {
			// A value's further lines go in the value column.
			rows = append(rows, [2]string{label, strings.ReplaceAll(strings.Join(vals, "; "), "\n", "\n\t")})
		}
	}
	var dates []string
	for _, d := range e.BirthDates {
		dates = append(dates, d.String())
	}
	add("born", dates...)
	var places []string
	for _, p := range e.BirthPlaces {
		places = append(places, p.Text)
	}
	add("born in", places...)
	add("nationality", e.Nationalities...)
	add("citizenship", e.Citizenships...)
	add("gender", e.Gender)
	add("positions", e.Positions...)
	for _, d := range e.Documents {
		s := cmp.Or(d.TypeText, d.Type) + " " + d.Number
		var more []string
		for _, x := range []string{d.Country, prefixed("issued ", d.Issued), prefixed("expires ", d.Expires), d.Note} {
			if x != "" {
				more = append(more, x)
			}
		}
		if len(more) > 0 {
			s += " (" + strings.Join(more, ", ") + ")"
		}
		add("document", s)
	}
	for _, a := range e.Addresses {
		add("address", cmp.Or(a.Full, strings.Join(slices.DeleteFunc([]string{a.Street, a.City, a.Region, a.PostalCode, a.Country},
			func(s string) bool { return s == "" }), ", ")))
	}
	add("IMO", e.IMO)
	add("call sign", e.CallSign)
	add("flag", e.Flag)
	add("vessel type", e.VesselType)
	add("tonnage", e.Tonnage)
	add("gross tonnage", e.GrossTonnage)
	add("owner", e.Owner)
	add("tail number", e.TailNumber)
	add("serial number", e.SerialNumber)
	add("model", e.Model)
	var measures []string
	for _, m := range e.Measures {
		measures = append(measures, string(m))
	}
	add("measures", cmp.Or(strings.Join(measures, ", "), "none stated"))
	add("programs", strings.Join(e.Programs, ", "))
	for _, r := range e.Relations {
		add("related", strings.TrimSpace(r.Type+": "+strings.TrimSpace(r.Name+" "+r.EntityID)))
	}
	add("links", e.Links...)
	add("remarks", e.Remarks)
	if sub.ID != "" {
		others := slices.DeleteFunc(slices.Clone(sub.Entities), func(id string) bool { return id == e.ID })
		s := sub.ID + ": no other listing"
		if len(others) > 0 {
			s = sub.ID + ", also listed as " + strings.Join(others, ", ")
		}
		add("subject", s+" (vigil subjects show "+sub.ID+")")
	}
	fmt.Fprintln(w)
	for _, r := range rows {
		if _, err := fmt.Fprintf(tw, "%s\t%s\n", r[0], r[1]); err != nil {
			return err
		}
	}
	return tw.Flush()
}

func prefixed(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}
