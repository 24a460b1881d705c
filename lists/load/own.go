package load

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/vigil-screening/vigil"
	"github.com/vigil-screening/vigil/lists"
	"github.com/vigil-screening/vigil/lists/ftm"
	"github.com/vigil-screening/vigil/lists/own"
)

// Own list formats: FormatFTM, or a batch format (csv, tsv, jsonl, xlsx).
const FormatFTM = "ftm"

// OwnOptions say how to read an own list's file.
type OwnOptions struct {
	// Format is csv, tsv, jsonl, xlsx or ftm; "" detects it from the
	// content and the file name.
	Format string
	// Map maps fields to columns (own.Options.Map); not for ftm.
	Map map[string]string
}

// OwnFile reads an internal watch list as a dataset of list (an own list:
// see vigil.CheckOwnListName), to import like an official list's file.
func OwnFile(path, list string, opt OwnOptions) (*Dataset, error) {
	if err := vigil.CheckOwnListName(list); err != nil {
		return nil, &FileError{Path: path, List: list, Err: err}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &FileError{Path: path, List: list, Err: err}
	}
	defer f.Close()
	h := sha256.New()
	br := bufio.NewReaderSize(io.TeeReader(f, h), 64<<10)
	format := strings.ToLower(opt.Format)
	if format == "" {
		if head, _ := br.Peek(headSize); ftm.Sniff(head) {
			format = FormatFTM
		}
	}
	var meta *lists.Meta
	var ents []vigil.Entity
	if format == FormatFTM {
		if len(opt.Map) > 0 {
			return nil, &FileError{Path: path, List: list, Err: fmt.Errorf("%s: --map is for tables, not FollowTheMoney entities", path)}
		}
		meta, err = ftm.Read(br, list, collect(&ents))
		if err != nil {
			err = nameFile(err, path)
		}
	} else {
		meta, ents, err = own.Read(br, path, list, own.Options{Format: format, Map: opt.Map})
	}
	if err != nil {
		return nil, &FileError{Path: path, List: list, Err: err}
	}
	// The hash is over the whole file, read to its end.
	if _, err := io.Copy(io.Discard, br); err != nil {
		return nil, &FileError{Path: path, List: list, Err: err}
	}
	return finish(meta, []string{path}, hex.EncodeToString(h.Sum(nil)), ents)
}
