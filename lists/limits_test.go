package lists

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/vigil-screening/vigil"
)

// TestInput: a record may be as long as MaxRecordBytes from its mark; one
// byte more is refused, and each Mark starts a new record.
func TestInput(t *testing.T) {
	data := bytes.Repeat([]byte("x"), MaxRecordBytes+MaxRecordBytes/2)
	in := NewInput(bytes.NewReader(data), CSVRow)
	if n, err := io.ReadFull(in, make([]byte, MaxRecordBytes)); err != nil || n != MaxRecordBytes {
		t.Fatalf("first record: %d, %v", n, err)
	}
	if _, err := in.Read(make([]byte, 1)); err == nil || !strings.Contains(err.Error(), "a row longer than 4194304 bytes") {
		t.Fatalf("past the limit without a mark: %v", err)
	}
	in.Mark()
	if n, err := io.ReadAll(in); err != nil || len(n) != MaxRecordBytes/2 {
		t.Fatalf("after a mark: %d, %v", len(n), err)
	}
}

// TestTally: a long cell, one entity's rows and all rows are each refused
// past their limit, and not before.
func TestTally(t *testing.T) {
	var ta Tally
	if err := ta.Add("1", []string{strings.Repeat("x", MaxFieldBytes)}); err != nil {
		t.Fatalf("a cell at the limit: %v", err)
	}
	if err := ta.Add("1", []string{"a", strings.Repeat("x", MaxFieldBytes+1)}); err == nil || !strings.Contains(err.Error(), "cell 2 holds 65537 bytes") {
		t.Fatalf("a cell past the limit: %v", err)
	}

	cell := strings.Repeat("x", MaxFieldBytes-rowOverhead)
	var one Tally
	var err error
	rows := 0
	for err == nil {
		err = one.Add("uk:1", []string{cell})
		rows++
	}
	if want := MaxMergedBytes/MaxFieldBytes + 1; rows != want || !strings.Contains(err.Error(), "the rows of uk:1 hold more than 16777216 bytes") {
		t.Fatalf("one entity: refused at row %d (want %d): %v", rows, want, err)
	}

	var all Tally
	err, rows = nil, 0
	for i := 0; err == nil; i++ {
		err = all.Add(strings.Repeat("k", i%7)+string(rune('a'+i%20))+strings.Repeat("z", i/140), []string{cell})
		rows++
	}
	if want := MaxDatasetBytes/MaxFieldBytes + 1; rows != want || !strings.Contains(err.Error(), "more than 201326592 bytes") {
		t.Fatalf("all rows: refused at row %d (want %d): %v", rows, want, err)
	}
}

// TestCheckEntity: the longest field is named; an entity of many small
// names is refused by its estimated size.
func TestCheckEntity(t *testing.T) {
	e := &vigil.Entity{ID: "un:1", Names: []vigil.Name{{Full: "A"}, {Full: "B"}}, Addresses: []vigil.Address{{City: "Qom"}}}
	small, err := CheckEntity(e)
	if err != nil || small < int64(len("un:1")) {
		t.Fatalf("small entity: %d, %v", small, err)
	}
	e.Addresses[0].Street = strings.Repeat("s", MaxFieldBytes+1)
	if _, err := CheckEntity(e); err == nil || !strings.Contains(err.Error(), "entity un:1: Addresses[0].Street holds 65537 bytes") {
		t.Fatalf("long street: %v", err)
	}
	e.Addresses[0].Street = ""
	for len(e.Names) < 10000 {
		e.Names = append(e.Names, vigil.Name{Full: "ALIAS"})
	}
	if _, err := CheckEntity(e); err == nil || !strings.Contains(err.Error(), "(10000 names), more than the 1048576 one entity may hold") {
		t.Fatalf("10,000 names: %v", err)
	}
	if EntitySize(e) <= small+10000*int64(len("ALIAS")) {
		t.Errorf("EntitySize = %d: the names' structs are not counted", EntitySize(e))
	}
}
