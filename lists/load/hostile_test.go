package load

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/internal/listtest"
	"github.com/vigil-screening/vigil/lists/un"
	"github.com/vigil-screening/vigil/lists/uscsl"
)

// maxHWM is the fail-safe bound on a hostile file's import: peak RSS
// (VmHWM) under 1 GB.
const maxHWM = 1_000_000 // kB

// hostileCase is one hostile input: a file the parent writes (make) and the
// child imports with File, or a stream the child reads (stream).
type hostileCase struct {
	name   string
	make   func(t *testing.T, dir string) string // returns the file's path
	stream func() error                          // reads a generated stream instead
	want   string                                // in the error the import must end with
}

var hostileCases = []hostileCase{
	{name: "ofac_zip_bomb", make: func(t *testing.T, dir string) string {
		// 3 GiB of XML in a ~3 MB zip, sizes declared honestly.
		return writeZipBomb(t, filepath.Join(dir, "SDN_ENHANCED.ZIP"), "SDN_ENHANCED.XML", enhancedPrefix, enhancedSuffix, 3<<10, 0)
	}, want: "zip member SDN_ENHANCED.XML): 3"},
	{name: "ofac_zip_bomb_lying", make: func(t *testing.T, dir string) string {
		// The same, declaring 10 MB: archive/zip stops at the declared size.
		return writeZipBomb(t, filepath.Join(dir, "SDN_ENHANCED.ZIP"), "SDN_ENHANCED.XML", enhancedPrefix, enhancedSuffix, 3<<10, 10<<20)
	}, want: "its size differs from the directory's 10485760 bytes"},
	{name: "xlsx_sheet_bomb", make: func(t *testing.T, dir string) string {
		// A ConList workbook whose sheet unpacks to 2 GiB.
		return writeXLSXBomb(t, filepath.Join(dir, "ConList.xlsx"), 2<<10)
	}, want: "zip member xl/worksheets/sheet1.xml): expands to 2147485801 bytes, more than the 134217728 allowed"},
	{name: "xlsx_sheet_bomb_within_size", make: func(t *testing.T, dir string) string {
		// A ConList workbook whose sheet unpacks to 100 MiB, 1000:1.
		return writeXLSXBomb(t, filepath.Join(dir, "ConList.xlsx"), 100)
	}, want: "more than 100:1"},
	{name: "xlsx_long_cell", make: func(t *testing.T, dir string) string {
		// A ConList workbook with an 8 MiB name cell, compressing 1.6:1.
		return writeXLSXLongCell(t, filepath.Join(dir, "ConList.xlsx"), 8<<20)
	}, want: "XML token too long"},
	{name: "us_csl_gzip_bomb", make: func(t *testing.T, dir string) string {
		return writeGzipBomb(t, filepath.Join(dir, "consolidated.csv.gz"), 2<<10)
	}, want: "more than 100:1"},
	{name: "us_csl_50mb_alias", make: func(t *testing.T, dir string) string {
		return writeCSL(t, filepath.Join(dir, "consolidated.csv"), strings.Repeat("QASEMSOLEIMANI", 50<<20/14))
	}, want: "a row longer than 4194304 bytes"},
	{name: "us_csl_3mb_alias", make: func(t *testing.T, dir string) string {
		return writeCSL(t, filepath.Join(dir, "consolidated.csv"), strings.Repeat("QASEMSOLEIMANI", 3<<20/14))
	}, want: "Names[1].Full holds 3145716 bytes, more than the 65536 a field may hold"},
	{name: "us_csl_many_aliases", make: func(t *testing.T, dir string) string {
		var b strings.Builder
		for i := 0; b.Len() < 3<<20; i++ {
			fmt.Fprintf(&b, "ALIAS NUMBER %d; ", i)
		}
		return writeCSL(t, filepath.Join(dir, "consolidated.csv"), b.String())
	}, want: "more than the 1048576 one entity may hold"},
	{name: "un_endless_text", stream: func() error {
		_, err := un.Read(unStream(func(w *bufio.Writer, i int) bool {
			w.WriteString(strings.Repeat("Comment ", 1<<10))
			return true
		}, "<INDIVIDUAL><DATAID>1</DATAID><REFERENCE_NUMBER>QDi.1</REFERENCE_NUMBER><FIRST_NAME>A</FIRST_NAME><COMMENTS1>"), collect(new([]vigil.Entity)))
		return err
	}, want: "a record or XML token longer than 4194304 bytes"},
	{name: "un_endless_record", stream: func() error {
		_, err := un.Read(unStream(func(w *bufio.Writer, i int) bool {
			fmt.Fprintf(w, "<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Alias %d</ALIAS_NAME></INDIVIDUAL_ALIAS>", i)
			return true
		}, "<INDIVIDUAL><DATAID>1</DATAID><REFERENCE_NUMBER>QDi.1</REFERENCE_NUMBER><FIRST_NAME>A</FIRST_NAME>"), collect(new([]vigil.Entity)))
		return err
	}, want: "a record or XML token longer than 4194304 bytes"},
	{name: "us_csl_endless_list", stream: func() error {
		// Rows of 5,000 short aliases each: every entity fits, the list
		// does not.
		var b strings.Builder
		for i := range 5000 {
			fmt.Fprintf(&b, "A%d;", i)
		}
		aliases := b.String()
		pr, pw := io.Pipe()
		go func() {
			w := bufio.NewWriterSize(pw, 64<<10)
			cw := csv.NewWriter(w)
			w.WriteString(cslHeader)
			row := make([]string, 29)
			row[1], row[3], row[5], row[22] = "Specially Designated Nationals (SDN) - Treasury Department", "Individual", "PERSON", aliases
			for i := 0; ; i++ {
				row[0] = strconv.Itoa(i)
				if cw.Write(row) != nil {
					return
				}
			}
		}()
		_, err := uscsl.Read(pr, collect(new([]vigil.Entity)))
		return err
	}, want: "more than the 201326592 one list may hold"},
}

// TestHostileFiles imports each hostile file in a child process (a re-run
// of this test binary) and checks that the import is refused with the
// expected error, that the child's peak RSS stays under 1 GB, and that no
// temporary file is left behind. The child exits as soon as its RSS passes
// the bound, so a failing reader costs a second, not the machine.
func TestHostileFiles(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("skipping: peak RSS is read from /proc/self/status (Linux)")
	}
	for _, c := range hostileCases {
		t.Run(c.name, func(t *testing.T) {
			dir, tmp := t.TempDir(), t.TempDir()
			var file string
			if c.make != nil {
				file = c.make(t, dir)
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestHostileChild$", "-test.v")
			cmd.Env = append(os.Environ(), "VIGIL_HOSTILE_CASE="+c.name, "VIGIL_HOSTILE_FILE="+file, "TMPDIR="+tmp)
			out, err := runWithin(cmd, 2*time.Minute)
			if err != nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			got := map[string]string{}
			for _, l := range strings.Split(string(out), "\n") {
				if k, v, ok := strings.Cut(l, "="); ok && (k == "HOSTILE_ERR" || k == "HOSTILE_HWM_KB") {
					got[k] = v
				}
			}
			hwm, err := strconv.Atoi(got["HOSTILE_HWM_KB"])
			if err != nil {
				t.Fatalf("no peak RSS from the child:\n%s", out)
			}
			t.Logf("peak RSS %d MB; %s", hwm/1000, got["HOSTILE_ERR"])
			if hwm >= maxHWM {
				t.Errorf("peak RSS %d kB, want < %d kB", hwm, maxHWM)
			}
			if !strings.Contains(got["HOSTILE_ERR"], c.want) {
				t.Errorf("error %q, want it to contain %q", got["HOSTILE_ERR"], c.want)
			}
			if left, _ := os.ReadDir(tmp); len(left) > 0 {
				t.Errorf("temporary files left behind: %v", left)
			}
		})
	}
}

// runWithin runs cmd, killing it after d.
func runWithin(cmd *exec.Cmd, d time.Duration) ([]byte, error) {
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.Bytes(), err
	case <-time.After(d):
		cmd.Process.Kill()
		<-done
		return out.Bytes(), fmt.Errorf("still running after %v", d)
	}
}

// TestHostileChild is the child of TestHostileFiles.
func TestHostileChild(t *testing.T) {
	name := os.Getenv("VIGIL_HOSTILE_CASE")
	if name == "" {
		t.Skip("run by TestHostileFiles in a child process")
	}
	go func() {
		for {
			if hwm := vmHWM(); hwm >= maxHWM {
				fmt.Printf("\nHOSTILE_ERR=peak RSS passed 1 GB: stopped\nHOSTILE_HWM_KB=%d\n", hwm)
				os.Exit(0)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}()
	var err error
	for _, c := range hostileCases {
		if c.name != name {
			continue
		}
		if c.stream != nil {
			err = c.stream()
		} else {
			var ds *Dataset
			ds, err = File(os.Getenv("VIGIL_HOSTILE_FILE"))
			if err == nil {
				err = fmt.Errorf("imported %d entities", len(ds.Entities))
			}
		}
	}
	msg := "no error"
	if err != nil {
		msg = strings.ReplaceAll(err.Error(), "\n", " ")
	}
	fmt.Printf("\nHOSTILE_ERR=%s\nHOSTILE_HWM_KB=%d\n", msg, vmHWM())
}

// vmHWM returns the process's peak RSS in kB.
func vmHWM() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return -1
}

const (
	enhancedPrefix = `<?xml version="1.0" encoding="utf-8"?>
<sanctionsData xmlns="https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/ENHANCED_XML">
<publicationInfo><dataAsOf>2024-08-28T00:00:00</dataAsOf></publicationInfo>
<entities><entity id="1"><generalInfo><remarks>`
	enhancedSuffix = `</remarks></generalInfo></entity></entities></sanctionsData>`
)

// bombStream returns a deflate stream of prefix, mib MiB of 'a' and
// suffix, and its CRC-32. One MiB of 'a' deflates to ~1 KB of blocks that
// refer only to the 'a's before them, so that run of blocks is repeated.
func bombStream(prefix, suffix string, mib int) ([]byte, uint32, int64) {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	mb := bytes.Repeat([]byte("a"), 1<<20)
	fw.Write([]byte(prefix))
	fw.Write(mb)
	fw.Flush()
	out := bytes.Clone(buf.Bytes())
	buf.Reset()
	fw.Write(mb)
	fw.Flush()
	seg := bytes.Clone(buf.Bytes())
	buf.Reset()
	fw.Write([]byte(suffix))
	fw.Close()
	crc := crc32.Update(0, crc32.IEEETable, []byte(prefix))
	for range mib {
		crc = crc32.Update(crc, crc32.IEEETable, mb)
	}
	crc = crc32.Update(crc, crc32.IEEETable, []byte(suffix))
	out = append(out, bytes.Repeat(seg, mib-1)...)
	out = append(out, buf.Bytes()...)
	return out, crc, int64(len(prefix)) + int64(mib)<<20 + int64(len(suffix))
}

// writeZipBomb writes a zip whose member expands to mib MiB, declaring
// size declared (0: the true size).
func writeZipBomb(t *testing.T, path, member, prefix, suffix string, mib int, declared int64) string {
	data, crc, size := bombStream(prefix, suffix, mib)
	if declared == 0 {
		declared = size
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: member, Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(len(data)), UncompressedSize64: uint64(declared)})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// conListHead is the start of a ConList worksheet: the banner row and the
// 36-column header, as the sniffer wants them.
func conListHead() string {
	cols := []string{"Name 6", "Name 1", "Name 2", "Name 3", "Name 4", "Name 5", "Title", "Name Non-Latin Script",
		"Non-Latin Script Type", "Non-Latin Script Language", "DOB", "Town of Birth", "Country of Birth", "Nationality",
		"Passport Number", "Passport Details", "National Identification Number", "National Identification Details",
		"Position", "Address 1", "Address 2", "Address 3", "Address 4", "Address 5", "Address 6", "Post/Zip Code",
		"Country", "Other Information", "Group Type", "Alias Type", "Alias Quality", "Regime", "Listed On",
		"UK Sanctions List Date Designated", "Last Updated", "Group ID"}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`)
	b.WriteString(`<row r="1"><c r="A1" t="inlineStr"><is><t>Last Updated</t></is></c><c r="B1" t="inlineStr"><is><t>14/04/2025</t></is></c></row><row r="2">`)
	for _, c := range cols {
		fmt.Fprintf(&b, `<c t="inlineStr"><is><t>%s</t></is></c>`, c)
	}
	b.WriteString(`</row><row r="3"><c r="A3" t="inlineStr"><is><t>`)
	return b.String()
}

const conListTail = `</t></is></c><c r="AJ3"><v>1</v></c></row></sheetData></worksheet>`

// writeWorkbook writes a workbook made by excelize with its first sheet's
// XML replaced by a raw deflate stream (placed first, where sniffing looks).
func writeWorkbook(t *testing.T, path string, sheet []byte, crc uint32, size int64) string {
	base := listtest.XLSX(t, [][]any{{"x"}})
	zr, err := zip.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(len(sheet)), UncompressedSize64: uint64(size)})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(sheet)
	for _, m := range zr.File {
		if m.Name != "xl/worksheets/sheet1.xml" {
			if err := zw.Copy(m); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeXLSXBomb(t *testing.T, path string, mib int) string {
	data, crc, size := bombStream(conListHead(), conListTail, mib)
	return writeWorkbook(t, path, data, crc, size)
}

func writeXLSXLongCell(t *testing.T, path string, n int) string {
	rng := rand.New(rand.NewPCG(1, 2))
	cell := make([]byte, n)
	for i := range cell {
		cell[i] = 'A' + byte(rng.IntN(26))
	}
	xml := []byte(conListHead() + string(cell) + conListTail)
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	fw.Write(xml)
	fw.Close()
	return writeWorkbook(t, path, buf.Bytes(), crc32.ChecksumIEEE(xml), int64(len(xml)))
}

const cslHeader = "_id,source,entity_number,type,programs,name,title,addresses,federal_register_notice,start_date,end_date,standard_order,license_requirement,license_policy,call_sign,vessel_type,gross_tonnage,gross_registered_tonnage,vessel_flag,vessel_owner,remarks,source_list_url,alt_names,citizenships,dates_of_birth,nationalities,places_of_birth,source_information_url,ids\n"

// writeCSL writes a US CSL CSV of one row whose alt_names cell is alias.
func writeCSL(t *testing.T, path, alias string) string {
	row := make([]string, 29)
	row[0], row[1], row[3], row[4], row[5] = "10481", "Specially Designated Nationals (SDN) - Treasury Department", "Individual", "IRAN", "SOLEIMANI, Qasem"
	row[22], row[24] = alias, "1957-03-11"
	var b bytes.Buffer
	b.WriteString(cslHeader)
	cw := csv.NewWriter(&b)
	cw.Write(row)
	cw.Flush()
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeGzipBomb(t *testing.T, path string, mib int) string {
	data, crc, size := bombStream(cslHeader+`10481,SDN,,Individual,IRAN,"`, "\""+strings.Repeat(",", 23)+"\n", mib)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Close()
	empty := buf.Bytes() // a gzip header, an empty deflate stream and a trailer
	hdr := empty[:10]
	out := append(append([]byte{}, hdr...), data...)
	var tr [8]byte
	putLE32(tr[:4], crc)
	putLE32(tr[4:], uint32(size))
	out = append(out, tr[:]...)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func putLE32(b []byte, v uint32) {
	b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24)
}

// unStream returns an endless UN list: the root, prefix, then body(i) for
// i = 0, 1, … (never closed).
func unStream(body func(w *bufio.Writer, i int) bool, prefix string) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 64<<10)
		w.WriteString(`<?xml version="1.0" encoding="UTF-8"?><CONSOLIDATED_LIST dateGenerated="2026-02-27T00:00:09.554Z"><INDIVIDUALS>`)
		w.WriteString(prefix)
		for i := 0; body(w, i); i++ {
			if w.Buffered() > 32<<10 {
				if err := w.Flush(); err != nil {
					return
				}
			}
		}
	}()
	return pr
}

// Sanity: the generated bomb stream inflates to what bombStream says.
func TestBombStream(t *testing.T) {
	data, crc, size := bombStream("<x>", "</x>", 3)
	got, err := io.ReadAll(flate.NewReader(bytes.NewReader(data)))
	if err != nil || int64(len(got)) != size || crc32.ChecksumIEEE(got) != crc {
		t.Fatalf("inflated %d bytes (want %d), err %v", len(got), size, err)
	}
}
