package lists

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"io"
)

// WorksheetHead returns the start of the first worksheet's XML found in the
// raw bytes of an XLSX (zip) file, inflating as much as head holds. Sniffing
// needs this because the zip directory sits at the end of the file, out of
// reach of an 8 KiB head; archive/zip needs the directory, so local file
// headers are walked by hand.
func WorksheetHead(head []byte) []byte {
	const sig = "PK\x03\x04"
	for len(head) >= 30 && string(head[:4]) == sig {
		method := binary.LittleEndian.Uint16(head[8:])
		csize := int(binary.LittleEndian.Uint32(head[18:]))
		nlen := int(binary.LittleEndian.Uint16(head[26:]))
		xlen := int(binary.LittleEndian.Uint16(head[28:]))
		if 30+nlen+xlen > len(head) {
			return nil
		}
		name := string(head[30 : 30+nlen])
		data := head[30+nlen+xlen:]
		if bytes.HasPrefix([]byte(name), []byte("xl/worksheets/sheet")) {
			if method == 0 {
				return data
			}
			out, _ := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(data)), 64<<10))
			return out
		}
		if csize == 0 {
			// Sizes deferred to a data descriptor: find the next entry.
			i := bytes.Index(data, []byte(sig))
			if i < 0 {
				return nil
			}
			head = data[i:]
			continue
		}
		if csize > len(data) {
			return nil
		}
		head = data[csize:]
		if !bytes.HasPrefix(head, []byte(sig)) {
			// Skip a data descriptor (flag bit 3).
			i := bytes.Index(head, []byte(sig))
			if i < 0 {
				return nil
			}
			head = head[i:]
		}
	}
	return nil
}

// RowCells counts the cells of the first two <row> elements of a worksheet
// head; -1 when a row is not in reach.
func RowCells(ws []byte) (first, second int) {
	first, second = -1, -1
	rows := bytes.Split(ws, []byte("<row "))
	if len(rows) > 1 && bytes.Contains(rows[1], []byte("</row>")) {
		first = bytes.Count(rows[1], []byte("<c "))
	}
	if len(rows) > 2 && bytes.Contains(rows[2], []byte("</row>")) {
		second = bytes.Count(rows[2], []byte("<c "))
	}
	return first, second
}
