package vigil

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AuditRecord is one entry of the audit trail: who did what, with the whole
// query and a summary of the result (never a secret). Each record carries
// the hash of the record before it (Prev) and its own (Hash), so that
// changing, removing or reordering a record breaks the chain. AuditHash
// defines the hash; docs/audit.md describes it for auditors.
type AuditRecord struct {
	// Seq is the record's position in the chain, from 1; the log assigns it.
	Seq int64 `json:"seq"`
	// Time is when the action happened, in UTC to the microsecond (the
	// log sets a zero Time to now and truncates finer ones).
	Time time.Time `json:"time"`
	// Who acted: "key:<API key id>", "cli:<name>", "anon:<client address>"
	// (a service without API keys) or "vigil" (the service itself).
	Who string `json:"who"`
	// Action is what was done: one of the Audit* actions or another
	// dotted name ("alert.decide").
	Action string `json:"action"`
	// Query and Result are JSON; the log keeps them compact and byte-exact
	// (they are hashed), "null" when empty.
	Query  json.RawMessage `json:"query"`
	Result json.RawMessage `json:"result"`
	// Prev is the hex SHA-256 of the record before (AuditGenesis for the
	// first); Hash is this record's, AuditHash(record).
	Prev string `json:"prev"`
	Hash string `json:"hash"`
}

// Audited actions. Other parts of Vigil add their own dotted names.
const (
	AuditScreen   = "screen"   // names screened (API, CLI)
	AuditText     = "text"     // an article screened
	AuditManifest = "manifest" // a passenger manifest screened
	AuditMRZ      = "mrz"      // a travel document's MRZ screened
	AuditMatch    = "match"    // the yente-compatible /match API
	AuditBatch    = "batch"    // a bulk file screened (one record per run)
	// The console's screening pages.
	AuditConsoleScreen   = "console.screen"
	AuditConsoleText     = "console.text"
	AuditConsoleManifest = "console.manifest"
	// Changes to what Vigil screens against and who may use it.
	AuditImport    = "import"        // a new list version stored
	AuditRollback  = "list.rollback" // a list's current version withdrawn and an earlier content made current again
	AuditKeyCreate = "key.create"    // an API key created
	AuditKeyRevoke = "key.revoke"    // an API key revoked
)

// AuditGenesis is the Prev of the first record of a chain.
const AuditGenesis = "0000000000000000000000000000000000000000000000000000000000000000"

// AuditTimeFormat is the form of Time in the hash and in stores: UTC, six
// fractional digits, always the same width.
const AuditTimeFormat = "2006-01-02T15:04:05.000000Z"

// auditFormat names version 1 of the canonical encoding; it is the first
// field hashed, so a later encoding cannot be confused with this one.
const auditFormat = "vigil-audit-1"

// AuditHash returns the hex SHA-256 of r's canonical encoding: the
// netstrings ("<decimal byte length>:<bytes>,") of "vigil-audit-1", Prev,
// Time in AuditTimeFormat, Who, Action, Query and Result, concatenated in
// that order. Seq and Hash are not hashed. r should be normalised
// (NormalizeAudit); the hash is over the bytes as they are.
func AuditHash(r AuditRecord) string {
	// The whole encoding in one buffer and one Sum256: hashing is on the
	// path of every screening.
	buf := make([]byte, 0, 160+len(r.Who)+len(r.Action)+len(r.Query)+len(r.Result))
	field := func(f []byte) {
		buf = strconv.AppendInt(buf, int64(len(f)), 10)
		buf = append(buf, ':')
		buf = append(buf, f...)
		buf = append(buf, ',')
	}
	field([]byte(auditFormat))
	field([]byte(r.Prev))
	var t [len(AuditTimeFormat)]byte
	field(r.Time.UTC().AppendFormat(t[:0], AuditTimeFormat))
	field([]byte(r.Who))
	field([]byte(r.Action))
	field(r.Query)
	field(r.Result)
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// NormalizeAudit checks a record before it is appended and returns it in
// the form that is hashed and stored: Time in UTC truncated to the
// microsecond (now when zero), Query and Result compact JSON ("null" when
// empty). Who and Action must be non-empty UTF-8 without control
// characters; Query and Result valid UTF-8 JSON. Seq, Prev and Hash are
// left for the log to set.
func NormalizeAudit(r AuditRecord, now time.Time) (AuditRecord, error) {
	if r.Time.IsZero() {
		r.Time = now
	}
	r.Time = r.Time.UTC().Truncate(time.Microsecond)
	if y := r.Time.Year(); y < 1 || y > 9999 {
		return r, fmt.Errorf("audit record: time %s is out of range", r.Time)
	}
	for _, f := range []struct{ name, v string }{{"who", r.Who}, {"action", r.Action}} {
		if f.v == "" {
			return r, fmt.Errorf("audit record: no %s", f.name)
		}
		if !utf8.ValidString(f.v) || strings.ContainsFunc(f.v, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
			return r, fmt.Errorf("audit record: %s %q holds invalid UTF-8 or control characters", f.name, f.v)
		}
	}
	var err error
	if r.Query, err = compactJSON("query", r.Query); err != nil {
		return r, err
	}
	if r.Result, err = compactJSON("result", r.Result); err != nil {
		return r, err
	}
	return r, nil
}

func compactJSON(field string, js json.RawMessage) (json.RawMessage, error) {
	if len(js) == 0 {
		return json.RawMessage("null"), nil
	}
	// Compact checks the JSON as it goes.
	var b bytes.Buffer
	if !utf8.Valid(js) || json.Compact(&b, js) != nil {
		return nil, fmt.Errorf("audit record: %s is not valid UTF-8 JSON", field)
	}
	return b.Bytes(), nil
}

// AuditFilter selects audit records to read.
type AuditFilter struct {
	// Action and Who, when set, keep only records with that action or
	// actor.
	Action, Who string
	// Before, when > 0, keeps records with Seq < Before (for paging).
	Before int64
	// Limit caps the records returned (all when <= 0).
	Limit int
}

// AuditLog is the tamper-evident audit trail. Implementations: sqlite (and
// later postgres); both keep the records of AuditRecord byte-exact, so that
// a chain copied from one store to another still verifies.
type AuditLog interface {
	// AppendAudit normalises rec (NormalizeAudit), appends it to the end of
	// the chain and returns it with Seq, Prev and Hash once it is durable.
	// The previous hash is read in the same write transaction, so that
	// several processes appending to one store keep one linear chain.
	AppendAudit(ctx context.Context, rec AuditRecord) (AuditRecord, error)
	// AuditLog returns the records f selects, newest first.
	AuditLog(ctx context.Context, f AuditFilter) ([]AuditRecord, error)
	// VerifyAudit walks the whole chain and reports whether it holds; the
	// error is for failures to read it, not for a broken chain.
	VerifyAudit(ctx context.Context) (AuditStatus, error)
	// ExportAudit calls fn with every record from the first whose Time is
	// at or after since (all when since is zero) to the newest, oldest
	// first, so that the records exported form an unbroken stretch of the
	// chain.
	ExportAudit(ctx context.Context, since time.Time, fn func(AuditRecord) error) error
}

// Audit appends one record to log, marshalling query and result to JSON:
// the one-line way to audit an action. who is as in AuditRecord.Who.
func Audit(ctx context.Context, log AuditLog, who, action string, query, result any) error {
	q, err := json.Marshal(query)
	if err != nil {
		return fmt.Errorf("audit %s: query: %w", action, err)
	}
	r, err := json.Marshal(result)
	if err != nil {
		return fmt.Errorf("audit %s: result: %w", action, err)
	}
	_, err = log.AppendAudit(ctx, AuditRecord{Who: who, Action: action, Query: q, Result: r})
	return err
}

// AuditStatus is the outcome of verifying an audit chain.
type AuditStatus struct {
	// Records counts the records read; First and Last are the times of the
	// first and last; Head is the hash of the last (AuditGenesis when the
	// log is empty).
	Records int64     `json:"records"`
	First   time.Time `json:"first,omitzero"`
	Last    time.Time `json:"last,omitzero"`
	Head    string    `json:"head"`
	// Break, when not nil, is the first place where the chain does not
	// hold.
	Break *AuditBreak `json:"break,omitempty"`
}

// Ways a chain breaks (AuditBreak.Kind).
const (
	// BreakChanged: the record's content does not match its own hash.
	BreakChanged = "changed"
	// BreakRemoved: records are missing (a gap in Seq, or fewer records
	// than the log's head says it holds).
	BreakRemoved = "removed"
	// BreakReordered: the record carries the hash of a record that is
	// elsewhere in the chain.
	BreakReordered = "reordered"
	// BreakUnlinked: the record does not carry the hash of the record
	// before it, and no record has the hash it carries: the record before
	// was rewritten with a new hash, or records were removed and the rest
	// renumbered.
	BreakUnlinked = "unlinked"
	// BreakAdded: records follow the one the log's head names as last.
	BreakAdded = "added"
)

// AuditBreak is where an audit chain does not hold: the first record that
// was changed, removed or moved.
type AuditBreak struct {
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

func (b *AuditBreak) Error() string {
	return fmt.Sprintf("audit record %d: %s", b.Seq, b.Detail)
}

// ErrAuditBroken is what errors.Is finds in an *AuditBreak.
var ErrAuditBroken = errors.New("the audit chain is broken")

// Is makes errors.Is(b, ErrAuditBroken) true.
func (b *AuditBreak) Is(target error) bool { return target == ErrAuditBroken }

// AuditChain checks records one at a time in Seq order: the checks of a
// chain that need nothing but the records. Stores use it in VerifyAudit
// and refine an unlinked record into a reordered one where they can find
// the record it follows.
type AuditChain struct {
	// Status so far; Status.Break is set by the first failing Add.
	Status AuditStatus
	next   int64
}

// NewAuditChain starts checking a chain from its first record.
func NewAuditChain() *AuditChain {
	return &AuditChain{Status: AuditStatus{Head: AuditGenesis}, next: 1}
}

// Add checks the next record and returns the break it shows, or nil. Once
// a break is found, later records are not checked.
func (c *AuditChain) Add(r AuditRecord) *AuditBreak {
	if c.Status.Break != nil {
		return c.Status.Break
	}
	var b *AuditBreak
	switch {
	case r.Seq > c.next:
		what := fmt.Sprintf("record %d is missing", c.next)
		if r.Seq > c.next+1 {
			what = fmt.Sprintf("records %d to %d are missing", c.next, r.Seq-1)
		}
		b = &AuditBreak{Seq: c.next, Kind: BreakRemoved, Detail: what + ": removed"}
	case r.Seq < c.next:
		b = &AuditBreak{Seq: r.Seq, Kind: BreakReordered, Detail: fmt.Sprintf("record %d comes after record %d", r.Seq, c.next-1)}
	case AuditHash(r) != r.Hash:
		b = &AuditBreak{Seq: r.Seq, Kind: BreakChanged, Detail: "its content does not match its hash: it was changed"}
	case r.Prev != c.Status.Head:
		b = &AuditBreak{Seq: r.Seq, Kind: BreakUnlinked,
			Detail: fmt.Sprintf("it does not carry the hash of record %d: record %d was rewritten with a new hash, or records were removed here and the rest renumbered", r.Seq-1, r.Seq-1)}
		if r.Seq == 1 {
			b.Detail = "the first record does not start the chain: records before it were removed and the rest renumbered"
		}
	}
	if b != nil {
		c.Status.Break = b
		return b
	}
	if c.Status.Records == 0 {
		c.Status.First = r.Time
	}
	c.Status.Records++
	c.Status.Last = r.Time
	c.Status.Head = r.Hash
	c.next = r.Seq + 1
	return nil
}

// End checks the chain's end against the log's head (the seq and hash of
// the last record, which the log keeps apart from the records): it shows
// the newest records removed or the last one replaced.
func (c *AuditChain) End(headSeq int64, headHash string) *AuditBreak {
	if c.Status.Break != nil {
		return c.Status.Break
	}
	last := c.next - 1
	var b *AuditBreak
	switch {
	case headSeq > last:
		b = &AuditBreak{Seq: last + 1, Kind: BreakRemoved,
			Detail: fmt.Sprintf("the log's head names record %d as the last, but the chain ends at record %d: the newest records were removed", headSeq, last)}
	case headSeq < last:
		b = &AuditBreak{Seq: headSeq + 1, Kind: BreakAdded,
			Detail: fmt.Sprintf("the log's head names record %d as the last: records %d to %d were added outside Vigil", headSeq, headSeq+1, last)}
	case headHash != c.Status.Head:
		b = &AuditBreak{Seq: last, Kind: BreakChanged,
			Detail: "its hash is not the one the log's head holds: the last record was replaced"}
	}
	c.Status.Break = b
	return b
}

// ScreeningQuery is the Query of a screening's audit record: every field of
// every query screened, and what identifies an input that is not itself a
// query (an article, a manifest, a bulk file).
type ScreeningQuery struct {
	Queries []Query     `json:"queries,omitempty"`
	Input   *AuditInput `json:"input,omitempty"`
	// Threshold is the command's threshold where it is not in each query.
	Threshold float64 `json:"threshold,omitempty"`
	// AsOf is the date screened as of, when not the current lists.
	AsOf string `json:"as_of,omitempty"`
}

// AuditInput identifies a file or text by name, size and SHA-256, without
// keeping its content.
type AuditInput struct {
	Name   string `json:"name,omitempty"`
	Format string `json:"format,omitempty"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	// Map is a bulk file's column mapping.
	Map map[string]string `json:"map,omitempty"`
}

// NewAuditInput describes a text held in memory.
func NewAuditInput(name string, b []byte) *AuditInput {
	sum := sha256.Sum256(b)
	return &AuditInput{Name: name, Bytes: int64(len(b)), SHA256: hex.EncodeToString(sum[:])}
}

// ScreeningResult is the Result of a screening's audit record: the list
// versions screened against and, per query in order, the entities found
// with their scores (and the recommendation, where one was made).
type ScreeningResult struct {
	Lists    []string     `json:"lists"`
	Hits     [][]AuditHit `json:"hits,omitempty"`
	Verdicts []string     `json:"verdicts,omitempty"`
	// A bulk run's counts (Batch): rows read, rows with a match, rows
	// screened without some of their values, bad rows, the output written,
	// and the error that ended the run early.
	Rows        int64       `json:"rows,omitempty"`
	HitRows     int64       `json:"hit_rows,omitempty"`
	ProblemRows int64       `json:"problem_rows,omitempty"`
	BadRows     int64       `json:"bad_rows,omitempty"`
	Output      *AuditInput `json:"output,omitempty"`
	Error       string      `json:"error,omitempty"`
}

// AuditHit is one entity a query matched.
type AuditHit struct {
	EntityID string  `json:"entity_id"`
	Score    float64 `json:"score"`
}

// NewScreeningResult summarises matches, one slice per query, against
// the list versions labelled lists.
func NewScreeningResult(lists []string, ms [][]Match) ScreeningResult {
	res := ScreeningResult{Lists: lists, Hits: make([][]AuditHit, len(ms))}
	if res.Lists == nil {
		res.Lists = []string{}
	}
	for i, m := range ms {
		hs := make([]AuditHit, len(m))
		for j, x := range m {
			hs[j] = AuditHit{EntityID: x.EntityID, Score: x.Score}
		}
		res.Hits[i] = hs
	}
	return res
}

type actorKey struct{}

// WithActor returns ctx carrying who acts (as in AuditRecord.Who), for the
// records a store writes on its own, such as imports and key changes.
func WithActor(ctx context.Context, who string) context.Context {
	return context.WithValue(ctx, actorKey{}, who)
}

// ActorFrom returns who ctx says acts, or "unknown".
func ActorFrom(ctx context.Context) string {
	if who, ok := ctx.Value(actorKey{}).(string); ok && who != "" {
		return who
	}
	return "unknown"
}
