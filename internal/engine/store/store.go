// Package store is the engine's persistence: one Store interface, a
// conformance suite every implementation runs (storetest), and the
// implementations (sqlite, postgres). A store is deliberately plain: it
// reads and writes rows in bulk; every decision (dedup, membership, alert
// state, remediation) is the engine's, so that all backends agree.
package store

import (
	"context"
	"io"
	"time"

	"github.com/idp/terraform-provider-idp/internal/engine"
)

// Store is one database.
type Store interface {
	// Update runs fn in a write transaction and commits when fn returns
	// nil. Writers are serialized where they could conflict (SQLite holds
	// the write lock; PostgreSQL locks what Tx.Lock names). A store may run
	// fn again after a transient conflict (PostgreSQL does on a deadlock or
	// serialization failure), so fn must not depend on having run once.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn against a consistent snapshot.
	View(ctx context.Context, fn func(Reader) error) error
	Close() error
}

// Reader reads. Lookups by key return only what exists, never an error for
// a missing key. Methods may reorder the slices they are given (stores sort
// keys to read and write in index order); callers must not rely on order.
type Reader interface {
	// Integration returns the stored settings; found is false when they
	// were never written.
	Integration(ctx context.Context) (in engine.Integration, found bool, err error)
	// Policies returns the stored policies (built-ins only once tuned).
	Policies(ctx context.Context) ([]engine.Policy, error)

	Detections(ctx context.Context, keys []engine.DetectionKey) (map[engine.DetectionKey]StoredDetection, error)
	// Members returns the members of window groups.
	Members(ctx context.Context, groups []engine.GroupKey) (map[engine.GroupKey][]engine.Member, error)
	// Alerts returns the alerts of the given groups.
	Alerts(ctx context.Context, groups []engine.GroupKey) (map[engine.GroupKey]engine.Alert, error)
	// QueryAlerts filters alerts updated at or after notBefore (retention).
	// Its total may come from the running counts (alertquery.go), which
	// is why writers move them with every alert they write.
	QueryAlerts(ctx context.Context, q engine.AlertQuery, notBefore time.Time) (engine.AlertPage, error)

	DeviceVersions(ctx context.Context, ids []string) (map[string]time.Time, error)
	// ManagedUsers returns which of the users have a device that is
	// managed and compliant.
	ManagedUsers(ctx context.Context, userIDs []string) (map[string]bool, error)

	// UserRisks returns the stored risk of the given users, or of all
	// users when ids is nil.
	UserRisks(ctx context.Context, ids []string) (map[string]engine.UserRisk, error)
	// UserRiskPage returns a page of the stored user risks, ordered by
	// user principal name then user id (byte order), and how many there
	// are in all.
	UserRiskPage(ctx context.Context, page engine.Page) ([]engine.UserRisk, int, error)
	// Remediations returns a page of the audit log, oldest first, and how
	// many entries it has in all.
	Remediations(ctx context.Context, page engine.Page) ([]engine.Remediation, int, error)
	// Quarantine returns a page of the quarantine, oldest first, with at
	// most q.RawLimit bytes of each text (at most QuarantinePartSize), and
	// the total when q.Count asks for it.
	Quarantine(ctx context.Context, q engine.QuarantineQuery) (engine.QuarantinePage, error)
	// QuarantineText writes the whole text of entry id to w, a part at a
	// time; found is false when there is no such entry.
	QuarantineText(ctx context.Context, id int64, w io.Writer) (found bool, err error)

	// PendingWriteback returns, in log order, the audit-log entries of the
	// users pending write-back: those whose latest engine.OutcomeApplied
	// entry has no engine.OutcomeGraphConfirmed entry after it. For each
	// such user, that applied entry and every entry after it; nothing of
	// the users confirmed. It reads an index AppendRemediations keeps, not
	// the whole log.
	PendingWriteback(ctx context.Context) ([]engine.Remediation, error)

	// Cursor returns a source's committed position ("" when none).
	Cursor(ctx context.Context, source string) (string, error)
	// LastSync returns the newest finished sync of the configured source;
	// nil when none ever finished.
	LastSync(ctx context.Context) (*engine.SyncRun, error)
	// Claims lists the claimed singletons (engine.ClaimIntegration,
	// engine.ClaimPolicy), sorted.
	Claims(ctx context.Context) ([]string, error)
	// DetectionRecord returns the block that keeps the full text of a
	// detection's stored copy and the text's index in it; found is false
	// when the detection is unknown, kept no text, or its block was stored
	// before notBefore (retention) or purged (kept_records.go).
	DetectionRecord(ctx context.Context, key engine.DetectionKey, notBefore time.Time) (block []byte, index int, found bool, err error)

	Browser
}

// Browser is what the console reads beyond the engine's own reads: single
// alerts, running counts (counts.go) and pages of the logs, each bounded
// by what one page shows.
type Browser interface {
	// AlertByID returns the alert with that id; found is false when none.
	AlertByID(ctx context.Context, id string) (a engine.Alert, found bool, err error)
	// AlertTotals returns the running counts per policy and status.
	AlertTotals(ctx context.Context) ([]PolicyTotal, error)
	// AlertDays returns the running counts per day and severity, summed
	// over statuses, of one policy ("" for all) from day from to day to,
	// both included. Days without alerts may be missing.
	AlertDays(ctx context.Context, policy string, from, to int64) ([]DayCount, error)
	// LastAlertDay returns the newest day that has alerts of a policy (""
	// for all); found is false when there are none.
	LastAlertDay(ctx context.Context, policy string) (day int64, found bool, err error)
	// TopAlertUsers returns up to n users with open alerts, the most open
	// high-severity alerts first, then medium, then low, then by user id.
	TopAlertUsers(ctx context.Context, n int) ([]UserCount, error)
	// AlertUser returns one user's running counts; found is false when no
	// alert of theirs was ever counted.
	AlertUser(ctx context.Context, userID string) (u UserCount, found bool, err error)
	// ExpiredAlertCounts counts the alerts last updated before cutoff:
	// those retention hides but has not purged yet.
	ExpiredAlertCounts(ctx context.Context, cutoff time.Time) (AlertCounts, error)
	// RemediationPage returns audit-log entries, newest first, and how many
	// matched.
	AuditLog(ctx context.Context, q engine.AuditLogQuery) (engine.AuditLogPage, error)
	// UserRiskPage returns stored user risks, the latest remediated first,
	// and how many there are.
	UserRisksByRecency(ctx context.Context, offset, limit int) ([]engine.UserRisk, int, error)
}

// Tx reads its own writes and writes.
type Tx interface {
	Reader
	// Lock takes the locks a batch needs before it reads what it will
	// change, so that concurrent writers on a shared database serialize on
	// the detections and groups they share and on nothing else. It may be
	// called several times per transaction, always in the order
	// detections, groups, users, so that lock order is the same everywhere.
	Lock(ctx context.Context, keys LockKeys) error

	PutIntegration(ctx context.Context, in engine.Integration) error
	PutPolicy(ctx context.Context, p engine.Policy) error
	DeletePolicy(ctx context.Context, id string) error

	// UpsertDetections writes each detection that is newer than the stored
	// copy (or new) and returns, for every one it wrote, what it replaced:
	// nil for a new detection. Detections that are not newer are left alone
	// and not returned. One statement both looks up and writes, which is
	// what makes ingest fast: most detections are new. Keys must be unique.
	UpsertDetections(ctx context.Context, ds []StoredDetection) (map[engine.DetectionKey]*StoredDetection, error)
	// RecordBlockIDs reserves n ids for record blocks: ids never given out
	// before, not even to blocks since purged, so that a detection's
	// RecordRef never names another block than its own.
	RecordBlockIDs(ctx context.Context, n int) ([]int64, error)
	// PutRecordBlocks stores record blocks under their reserved ids.
	PutRecordBlocks(ctx context.Context, bs []RecordBlock) error
	// PurgeRecordBlocks deletes the record blocks stored before cutoff.
	PurgeRecordBlocks(ctx context.Context, cutoff time.Time) (int64, error)
	// PutMembers inserts or replaces members by group and detection.
	PutMembers(ctx context.Context, ms []MemberRow) error
	DeleteMembers(ctx context.Context, refs []MemberRef) error
	// PutAlerts inserts or replaces alerts by group.
	PutAlerts(ctx context.Context, as []engine.Alert) error
	DeleteAlerts(ctx context.Context, groups []engine.GroupKey) error
	// PurgeAlerts deletes alerts last updated before cutoff and, when
	// purged is not nil, counts each alert it deleted into it.
	PurgeAlerts(ctx context.Context, cutoff time.Time, purged *AlertCounts) (int64, error)
	// AddAlertCounts moves the running counts (counts.go) by a change.
	AddAlertCounts(ctx context.Context, c AlertCounts) error

	PutDevices(ctx context.Context, ds []engine.Device) error
	PutUserRisks(ctx context.Context, us []engine.UserRisk) error
	// AppendRemediations appends to the audit log, in order, and keeps the
	// index PendingWriteback reads.
	AppendRemediations(ctx context.Context, rs []engine.Remediation) error
	// AppendQuarantine adds entries, skipping those whose digest is stored.
	AppendQuarantine(ctx context.Context, qs []QuarantineRecord) error
	// PurgeQuarantine deletes the entries quarantined before cutoff.
	PurgeQuarantine(ctx context.Context, cutoff time.Time) (int64, error)
	SetCursor(ctx context.Context, source, cursor string) error
	// TakeLease gives the lease name to holder until expires unless
	// another holder has it at now (a lease is free from its expiry on),
	// and reports whether holder has it. It takes no other lock: writers on
	// a shared database wait on the lease alone, and what a transaction
	// reads after taking it includes everything the previous holder
	// committed.
	TakeLease(ctx context.Context, name, holder string, now, expires time.Time) (bool, error)
	// ReleaseLease frees the lease name if holder has it.
	ReleaseLease(ctx context.Context, name, holder string) error
	// PutLastSync records a finished sync, replacing the one before.
	PutLastSync(ctx context.Context, run engine.SyncRun) error
	// PutClaim and DeleteClaim take and release a singleton's claim; both
	// are idempotent.
	PutClaim(ctx context.Context, name string) error
	DeleteClaim(ctx context.Context, name string) error
}

// StoredDetection is what the store keeps of a detection: enough to tell a
// newer copy from a duplicate and to undo its group memberships when a newer
// copy moves it.
type StoredDetection struct {
	Key     engine.DetectionKey
	Version time.Time
	Groups  []engine.GroupKey
	// Record is where the full text of this copy is kept.
	Record RecordRef
}

// MemberRow is a member on its way in, its fields already packed (see
// PackedMember).
type MemberRow struct {
	Group     engine.GroupKey
	Detection engine.DetectionKey
	Payload   PackedMember
}

// MemberRef names one member of one group.
type MemberRef struct {
	Group     engine.GroupKey
	Detection engine.DetectionKey
}

// QuarantineRecord is a quarantine entry on its way in: its text comes from
// a reader so that a record of any size is stored without being held in
// memory at once. Digest identifies the entry (its source, line and text):
// a store keeps one entry per digest (ShortDigest of it), so re-ingesting
// an input does not quarantine its bad records twice. Entry's ID and Size
// are the store's to set.
type QuarantineRecord struct {
	Entry  engine.QuarantineEntry
	Raw    io.Reader
	Digest [32]byte
}

// LockKeys names what a batch is about to change.
type LockKeys struct {
	Detections []engine.DetectionKey
	Groups     []engine.GroupKey
	// Users are the users a batch may remediate.
	Users []string
	// Settings locks the integration and policies for a change.
	Settings bool
}
