package domain

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Audit actions recorded by the services.
const (
	AuditCreate = "create"
	AuditUpdate = "update"
	AuditDelete = "delete"
	AuditRevoke = "revoke"
	AuditSeed   = "seed"
)

// AuditEvent records one change: who, what, before and after. Events form a
// hash chain: each Hash covers the event's fields and the previous Hash, so
// changing or removing a stored event breaks every link after it.
type AuditEvent struct {
	Seq        int64           `json:"seq" doc:"Position in the chain, from 1 without gaps."`
	ID         string          `json:"id" doc:"UUIDv7 of the event."`
	OccurredAt time.Time       `json:"occurred_at" doc:"When the change was committed (RFC 3339, UTC)."`
	ActorID    *string         `json:"actor_id,omitempty" doc:"The person who made the change; absent for the system."`
	ActorName  string          `json:"actor_name" doc:"Name of the actor at the time."`
	Action     string          `json:"action" pattern:"^[a-z_]+$" doc:"What happened: create, update, delete, or an operation name such as revoke."`
	EntityType string          `json:"entity_type" pattern:"^[a-z_]+$" doc:"Kind of the changed entity, such as person or token."`
	EntityID   string          `json:"entity_id" doc:"ID of the changed entity."`
	Reason     string          `json:"reason,omitempty" doc:"Why, where the change carries a reason."`
	Before     json.RawMessage `json:"before,omitempty" doc:"The entity before the change; absent on create."`
	After      json.RawMessage `json:"after,omitempty" doc:"The entity after the change; absent on delete."`
	PrevHash   string          `json:"prev_hash" pattern:"^([0-9a-f]{64})?$" doc:"Hash of the previous event; empty for the first."`
	Hash       string          `json:"hash" pattern:"^[0-9a-f]{64}$" doc:"SHA-256 over this event and PrevHash."`
}

// ComputeHash returns the hash the event must carry given its fields and
// PrevHash. Fields are length-prefixed so that no two events share an input.
func (e *AuditEvent) ComputeHash() string {
	actor := ""
	if e.ActorID != nil {
		actor = *e.ActorID
	}
	parts := []string{
		strconv.FormatInt(e.Seq, 10), e.ID, e.OccurredAt.UTC().Format(time.RFC3339Nano),
		actor, e.ActorName, e.Action, e.EntityType, e.EntityID, e.Reason,
		string(e.Before), string(e.After), e.PrevHash,
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(strconv.Itoa(len(p)))
		b.WriteByte(':')
		b.WriteString(p)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// AuditFilter narrows ListAuditEvents; zero values do not filter.
type AuditFilter struct {
	EntityType string
	EntityID   string
	ActorID    string
	Since      *time.Time
	// FiscalYear keeps the events of that fiscal year (年度), counted in the
	// body's time zone; 0 for all.
	FiscalYear int
}

// AuditVerification is the result of recomputing the hash chain.
type AuditVerification struct {
	OK      bool `json:"ok" doc:"True when every event's hash and link are intact and every live evidence file's bytes match their sha256."`
	Checked int  `json:"checked" doc:"How many events were checked."`
	// FirstBroken is the first event whose hash or link does not hold.
	FirstBroken *AuditBrokenLink `json:"first_broken,omitempty" doc:"The first event whose hash or link does not hold; absent when the chain holds."`
	// FilesChecked and FilesBroken are the evidence files re-hashed: every
	// live file's bytes in the blob store against its recorded SHA-256.
	FilesChecked int                  `json:"files_checked" doc:"How many live evidence files were re-hashed."`
	FilesBroken  []EvidenceBrokenFile `json:"files_broken" maxItems:"1000" doc:"Every live evidence file whose stored bytes no longer match its recorded sha256, or that is missing from storage (at most 1000 listed); ok is false when any is."`
}

// AuditBrokenLink describes where the chain breaks.
type AuditBrokenLink struct {
	Seq     int64  `json:"seq" doc:"Position of the broken event."`
	ID      string `json:"id" doc:"ID of the broken event."`
	Problem string `json:"problem" enum:"hash_mismatch,link_mismatch,sequence_gap" doc:"What does not hold: hash_mismatch, link_mismatch or sequence_gap."`
}

// Audit chain problems reported by VerifyAuditChain.
const (
	AuditHashMismatch = "hash_mismatch"
	AuditLinkMismatch = "link_mismatch"
	AuditSequenceGap  = "sequence_gap"
)

// AuditChainVerifier checks events in chain order. Feed it every event from
// seq 1 upward; it remembers the previous one so it needs no whole table.
type AuditChainVerifier struct {
	prevSeq  int64
	prevHash string
	checked  int
	broken   *AuditBrokenLink
}

// Check verifies the next event and reports whether the chain still holds.
func (v *AuditChainVerifier) Check(e *AuditEvent) bool {
	if v.broken != nil {
		return false
	}
	v.checked++
	switch {
	case e.Seq != v.prevSeq+1:
		v.broken = &AuditBrokenLink{Seq: e.Seq, ID: e.ID, Problem: AuditSequenceGap}
	case e.PrevHash != v.prevHash:
		v.broken = &AuditBrokenLink{Seq: e.Seq, ID: e.ID, Problem: AuditLinkMismatch}
	case e.ComputeHash() != e.Hash:
		v.broken = &AuditBrokenLink{Seq: e.Seq, ID: e.ID, Problem: AuditHashMismatch}
	}
	v.prevSeq, v.prevHash = e.Seq, e.Hash
	return v.broken == nil
}

// Result returns what the verifier found so far.
func (v *AuditChainVerifier) Result() AuditVerification {
	return AuditVerification{OK: v.broken == nil, Checked: v.checked, FirstBroken: v.broken, FilesBroken: []EvidenceBrokenFile{}}
}

// AuditService reads the audit log. Events are written by the other services,
// in the transaction of the change they record.
type AuditService interface {
	// ListAuditEvents returns a page of events in chain order. EINVALID for a
	// malformed cursor.
	ListAuditEvents(ctx context.Context, f AuditFilter, p PageRequest) (Page[*AuditEvent], error)
	// VerifyAuditChain recomputes the whole chain and reports the first broken
	// link, if any, and re-hashes every live evidence file's bytes, reporting
	// each one that no longer matches its recorded SHA-256 or is missing.
	VerifyAuditChain(ctx context.Context) (AuditVerification, error)
}
