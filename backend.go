package vigil

import "context"

// Entry is one entity of a list's current version, with that version.
type Entry struct {
	Entity  Entity
	Version ListVersion
}

// Backend is everything an installation keeps in its store: list versions,
// API keys and sessions, the audit chain, the event log, watched subjects
// and their alerts, webhooks, and what processes sharing the store need to
// take turns. Implementations: sqlite (one file, the default) and postgres
// (shared by several replicas); the conformance suite in internal/storetest
// runs against both.
type Backend interface {
	Store
	// CurrentEntities loads every entity of every list's current version,
	// grouped by list (in list order) and sorted by id within a list, read
	// in one snapshot so that versions and entities agree.
	CurrentEntities(ctx context.Context) ([]Entry, error)
	KeyStore
	AuditLog
	EventLog
	WatchStore
	WebhookStore
	LinkStore
	EpochStore
	Coordinator
	// SchemaVersion returns the schema version of the store (the number of
	// migrations applied).
	SchemaVersion(ctx context.Context) (int, error)
}

// Change topics a Coordinator announces to every process sharing a store.
const (
	// TopicLists: a list version was added or withdrawn.
	TopicLists = "lists"
	// TopicKeys: an API key was created or revoked.
	TopicKeys = "keys"
	// TopicJobs: re-screening jobs are waiting to be taken.
	TopicJobs = "jobs"
	// TopicSubjects: the listed subjects were linked again (new versions
	// or a judgement).
	TopicSubjects = "subjects"
	// TopicResync is passed to a listener after it lost its connection
	// and listens again: notices may have been missed meanwhile.
	TopicResync = "resync"
)

// Coordinator lets several processes sharing one store take turns and
// learn of each other's changes.
type Coordinator interface {
	// Lead makes this store handle the leader for name (such as "lists",
	// whose leader downloads and imports) unless another handle is: it
	// returns whether this handle leads. A handle keeps the lead until it
	// is closed or its process ends, when another handle's next Lead takes
	// it over.
	Lead(ctx context.Context, name string) (bool, error)
	// Listen calls fn with the topic of every change that any handle
	// sharing the store makes (TopicLists, TopicKeys, TopicJobs) until ctx
	// ends, and with TopicResync when notices may have been missed. A store
	// that cannot announce changes returns when ctx ends: its users poll.
	Listen(ctx context.Context, fn func(topic string)) error
}

// CopyTables are the tables vigil store copy moves from one store to
// another, in an order in which every row's references are copied before
// it. Every store keeps them under these names, with the same columns.
var CopyTables = []string{
	"versions", "blobs", "spans", "members",
	"audit", "audit_head",
	"api_keys", "auth_state", "sessions",
	"events",
	"subjects", "alerts", "decisions", "alert_history", "watch_sets", "watch_runs",
	"webhooks", "webhook_events", "webhook_secrets", "webhook_cursor", "webhook_deliveries", "webhook_attempts",
	"listed_subjects", "subject_members", "subject_links", "link_judgements", "subject_state",
	"weight_epochs",
}

// TableFunc receives one table of a store: its name, its columns and its
// rows, read one at a time by next until it returns io.EOF.
type TableFunc func(table string, cols []string, next func() ([]any, error)) error

// TableCopier is a store that can be copied into another, row for row.
type TableCopier interface {
	// DumpTables reads every table of CopyTables, in that order and in one
	// snapshot, and passes each to fn.
	DumpTables(ctx context.Context, fn TableFunc) error
	// LoadTables fills an empty store, in one transaction: feed is called
	// with a TableFunc that writes each table passed to it (replacing the
	// rows a new store starts with, such as the audit chain's head). An
	// error from feed, or a store that is not empty, writes nothing.
	LoadTables(ctx context.Context, feed func(load TableFunc) error) error
}
