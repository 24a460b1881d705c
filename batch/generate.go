package batch

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"strconv"
)

// Name parts from many naming traditions, for generated customer files.
var (
	genGiven = []string{"James", "Maria", "Mohammed", "Fatima", "Wei", "Li", "Olga", "Ivan", "Aisha", "Juan",
		"Sofia", "Hiroshi", "Yuki", "Chinedu", "Amara", "Lars", "Ingrid", "Priya", "Rahul", "Ahmed",
		"Leila", "Kwame", "Ana", "Pedro", "Elena", "Dmitri", "Anna", "Omar", "Mei", "Thomas",
		"Sarah", "David", "Nguyen", "Hassan", "Zainab", "Pierre", "Claire", "Giovanni", "Lucia", "Mehmet"}
	genMiddle  = []string{"", "", "", "", "A.", "Marie", "Ali", "José", "Petrovich", "Lee", "Kumar", "Anne"}
	genSurname = []string{"Smith", "Garcia", "Müller", "Rossi", "Kim", "Wang", "Ivanova", "Petrov", "Okafor", "Mensah",
		"Haddad", "Khan", "Patel", "Tanaka", "Sato", "Nguyen", "Silva", "Santos", "Johansson", "Larsen",
		"Dubois", "Martin", "Novak", "Kowalski", "Yilmaz", "Rahman", "Hussein", "Cohen", "O'Brien", "Fernández",
		"Abdullah", "Chen", "Park", "Schmidt", "Moreau", "Popescu", "Horvat", "Andersson", "Mwangi", "Diallo"}
	genCountries = []string{"US", "GB", "DE", "FR", "IT", "ES", "RU", "CN", "IN", "BR", "NG", "KE", "JP", "TR", "IR",
		"AE", "SA", "PK", "EG", "MX", "Germany", "France", "United Kingdom", "Iran", ""}
)

// Generate writes a realistic CSV of n customer rows to w for benchmarks
// and demos: columns id, name, dob, nationality, gender, passport. Names are
// random combinations across naming traditions (14,400 of them, and as
// many written "SURNAME, Given"), so that a large file repeats names as
// customer and payment files do; about one row in fifty takes a name from
// names (e.g. listed persons), so screening has hits to find. The same
// seed gives the same file.
func Generate(w io.Writer, n int, seed int64, names []string) error {
	return generate(w, n, seed, names, false)
}

// GenerateDistinct is Generate with every name distinct, and none from a
// list: given name, middle name or none, surname and a second surname or
// none (590,400 names; past that they repeat), for measuring what
// screening costs when no name repeats.
func GenerateDistinct(w io.Writer, n int, seed int64) error {
	return generate(w, n, seed, nil, true)
}

func generate(w io.Writer, n int, seed int64, names []string, distinct bool) error {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	bw := bufio.NewWriterSize(w, 256<<10)
	cw := csv.NewWriter(bw)
	if err := cw.Write([]string{"id", "name", "dob", "nationality", "gender", "passport"}); err != nil {
		return err
	}
	rec := make([]string, 6)
	for i := 1; i <= n; i++ {
		rec[0] = "C" + strconv.Itoa(1000000+i)
		gender := "M"
		if rng.IntN(2) == 0 {
			gender = "F"
		}
		if distinct {
			rec[1] = distinctName(i - 1)
		} else if len(names) > 0 && rng.IntN(50) == 0 {
			rec[1] = names[rng.IntN(len(names))]
		} else {
			given := genGiven[rng.IntN(len(genGiven))]
			if m := genMiddle[rng.IntN(len(genMiddle))]; m != "" {
				given += " " + m
			}
			rec[1] = given + " " + genSurname[rng.IntN(len(genSurname))]
			if rng.IntN(20) == 0 {
				// Some systems export "SURNAME, Given".
				rec[1] = genSurname[rng.IntN(len(genSurname))] + ", " + given
			}
		}
		y, m, d := 1940+rng.IntN(66), 1+rng.IntN(12), 1+rng.IntN(28)
		switch rng.IntN(20) {
		case 0:
			rec[2] = ""
		case 1:
			rec[2] = strconv.Itoa(y)
		case 2:
			rec[2] = fmt.Sprintf("%02d/%02d/%04d", d, m, y)
		default:
			rec[2] = fmt.Sprintf("%04d-%02d-%02d", y, m, d)
		}
		rec[3] = genCountries[rng.IntN(len(genCountries))]
		rec[4] = gender
		rec[5] = ""
		if rng.IntN(3) > 0 {
			rec[5] = fmt.Sprintf("%c%c%07d", 'A'+rng.IntN(26), 'A'+rng.IntN(26), rng.IntN(10000000))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// distinctMiddle are genMiddle without repeats.
var distinctMiddle = []string{"", "A.", "Marie", "Ali", "José", "Petrovich", "Lee", "Kumar", "Anne"}

// distinctName is the i-th of GenerateDistinct's names: i in mixed radix
// over the name parts, scrambled by a multiplier prime to their count so
// that neighbouring rows differ in every part.
func distinctName(i int) string {
	nSur2 := len(genSurname) + 1
	total := len(genGiven) * len(distinctMiddle) * len(genSurname) * nSur2
	k := (i * 104729) % total
	given := genGiven[k%len(genGiven)]
	k /= len(genGiven)
	middle := distinctMiddle[k%len(distinctMiddle)]
	k /= len(distinctMiddle)
	surname := genSurname[k%len(genSurname)]
	k /= len(genSurname)
	name := given
	if middle != "" {
		name += " " + middle
	}
	name += " " + surname
	if k > 0 {
		name += " " + genSurname[k-1]
	}
	return name
}
