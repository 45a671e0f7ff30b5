package domain

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
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
	// AuditSeqVoid is the event the sealer puts at a seq that a
	// transaction took and did not commit (entity AuditChainEntity, entity
	// id the seq), so that the chain numbers its events without gaps.
	AuditSeqVoid = "seq_void"
)

// AuditChainEntity is the entity type of the chain's own events
// (AuditSeqVoid).
const AuditChainEntity = "audit_chain"

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
	PrevHash   string          `json:"prev_hash" pattern:"^([0-9a-f]{64})?$" doc:"Hash of the previous event; empty for the first, and while the event is not sealed yet."`
	Hash       string          `json:"hash" pattern:"^([0-9a-f]{64})?$" doc:"HMAC-SHA-256 under the audit key of key_id over this event and prev_hash; plain SHA-256 for events of the legacy, unkeyed segment. Empty while the event is not sealed yet: on PostgreSQL a change's event is chained by the sealer, within seconds of its commit."`
	KeyID      string          `json:"key_id,omitempty" pattern:"^([0-9a-f]{16})?$" doc:"Id (fingerprint) of the audit key whose segment the event belongs to; absent for the legacy, unkeyed segment and while the event is not sealed yet."`
}

// ComputeHash returns the hash the event must carry given its fields and
// PrevHash. Fields are length-prefixed so that no two events share an input.
// Under a key the hash is an HMAC-SHA-256 and covers KeyID too; with a nil
// key it is the plain SHA-256 of the legacy segment, over the fields as they
// were before keys existed, so that old events keep their hashes.
func (e *AuditEvent) ComputeHash(key *AuditKey) string {
	actor := ""
	if e.ActorID != nil {
		actor = *e.ActorID
	}
	parts := []string{
		strconv.FormatInt(e.Seq, 10), e.ID, e.OccurredAt.UTC().Format(time.RFC3339Nano),
		actor, e.ActorName, e.Action, e.EntityType, e.EntityID, e.Reason,
		string(e.Before), string(e.After), e.PrevHash,
	}
	if key != nil {
		parts = append(parts, e.KeyID)
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(strconv.Itoa(len(p)))
		b.WriteByte(':')
		b.WriteString(p)
	}
	if key != nil {
		return key.macHex([]byte(b.String()))
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
	OK      bool `json:"ok" doc:"True when every event's hash and link are intact, the head points at the last event, every checkpoint agrees with the chain, and every live evidence file's bytes match their sha256."`
	Checked int  `json:"checked" doc:"How many events were checked."`
	// FirstBroken is the first event whose hash or link does not hold.
	FirstBroken *AuditBrokenLink `json:"first_broken,omitempty" doc:"The first event whose hash or link does not hold; absent when the chain holds."`
	// HeadSeq and HeadHash are the last event checked: what a checkpoint
	// signs when the chain holds.
	HeadSeq  int64  `json:"head_seq" doc:"Seq of the last event checked."`
	HeadHash string `json:"head_hash" pattern:"^([0-9a-f]{64})?$" doc:"Hash of the last event checked; empty for an empty chain."`
	// KeyID is the key of the last event: the segment the chain is in now.
	KeyID string `json:"key_id,omitempty" pattern:"^([0-9a-f]{16})?$" doc:"Key id of the last event checked (the chain's current segment); absent for the legacy, unkeyed segment."`
	// Unsealed counts the events after the head not sealed yet: the
	// normal tail on PostgreSQL while the sealer catches up, not a break.
	Unsealed int `json:"unsealed" doc:"How many events after the head are not sealed yet (on PostgreSQL the sealer chains committed events within seconds; verification seals what it can first). Not a break."`
	// UnsealedBeforeHead is true when an unsealed event sits where the
	// chain is sealed: tampering (FirstBroken names it).
	UnsealedBeforeHead bool `json:"unsealed_before_head" doc:"True when an event at or below the head is unsealed, which the sealer never leaves: tampering; first_broken names it (unsealed_before_head)."`
	// CheckpointsChecked and CheckpointsBroken are the signed checkpoints
	// (database and checkpoint folder) compared with the chain.
	CheckpointsChecked int                     `json:"checkpoints_checked" doc:"How many signed checkpoints (database and checkpoint folder) were compared with the chain."`
	CheckpointsBroken  []AuditCheckpointBroken `json:"checkpoints_broken" maxItems:"1000" doc:"Every checkpoint whose signature does not hold, whose key is unknown, or that contradicts the chain; ok is false when any is."`
	// FilesChecked and FilesBroken are the evidence files re-hashed: every
	// live file's bytes in the blob store against its recorded SHA-256.
	FilesChecked int                  `json:"files_checked" doc:"How many live evidence files were re-hashed."`
	FilesBroken  []EvidenceBrokenFile `json:"files_broken" maxItems:"1000" doc:"Every live evidence file whose stored bytes no longer match its recorded sha256, or that is missing from storage (at most 1000 listed); ok is false when any is."`
}

// AuditCheckpointBroken is one checkpoint that does not agree.
type AuditCheckpointBroken struct {
	Source  string `json:"source" maxLength:"255" doc:"Where it was read: database, or the file name in the checkpoint folder."`
	Seq     int64  `json:"seq" doc:"The seq it signs."`
	KeyID   string `json:"key_id" maxLength:"64" doc:"The key id it names (as read, so a forged file may name anything)."`
	Problem string `json:"problem" enum:"bad_signature,unknown_key,mismatch,unreadable" doc:"bad_signature, unreadable (a file that is not a checkpoint), unknown_key (signed under a key the verifier has not), or mismatch (the chain's event at seq has another hash, or the chain is shorter)."`
}

// AuditBrokenLink describes where the chain breaks.
type AuditBrokenLink struct {
	Seq     int64  `json:"seq" doc:"Position of the broken event."`
	ID      string `json:"id" doc:"ID of the broken event."`
	Problem string `json:"problem" enum:"hash_mismatch,link_mismatch,sequence_gap,unknown_key,key_mismatch,head_mismatch,unkeyed_tail,unsealed_before_head" doc:"What does not hold: hash_mismatch, link_mismatch, sequence_gap, unknown_key (the event names a key the verifier has not), key_mismatch (the key changes other than at an audit_key_rotated event, or back to a key already left, or an unkeyed event follows keyed ones), head_mismatch (the stored head's seq or hash is not the last event's), unkeyed_tail (a key is configured but no event is under one), or unsealed_before_head (an event the head has passed carries no hash: unsealed or inserted after sealing)."`
}

// Audit chain problems reported by VerifyAuditChain.
const (
	AuditHashMismatch = "hash_mismatch"
	AuditLinkMismatch = "link_mismatch"
	AuditSequenceGap  = "sequence_gap"
	AuditUnknownKey   = "unknown_key"
	AuditKeyMismatch  = "key_mismatch"
	AuditHeadMismatch = "head_mismatch"
	AuditUnkeyedTail  = "unkeyed_tail"
	// AuditUnsealedBeforeHead: an event at or below the head is unsealed
	// (its hash is empty), which the sealer never leaves behind.
	AuditUnsealedBeforeHead = "unsealed_before_head"
)

// AuditChainVerifier checks events in chain order. Feed it every event from
// seq 1 upward; it remembers the previous one so it needs no whole table.
//
// The chain is segments: the legacy, unkeyed one (plain SHA-256), only ever
// at the start, then one per key, each begun by an audit_key_rotated event
// under its key. A key once left does not come back. Each event is checked
// under the key its KeyID names, which the Keys must hold.
type AuditChainVerifier struct {
	// Keys are the keys the chain may be under.
	Keys AuditKeyring

	prevSeq     int64
	prevHash    string
	prevKey     string
	left        map[string]bool
	checked     int
	broken      *AuditBrokenLink
	checkpoints map[int64][]sourcedCheckpoint
	cpChecked   int
	cpBroken    []AuditCheckpointBroken
}

type sourcedCheckpoint struct {
	source string
	cp     AuditCheckpoint
}

// AddCheckpoint registers a checkpoint read from source, to be compared
// with the chain as the events pass. Its signature is checked now.
func (v *AuditChainVerifier) AddCheckpoint(source string, cp AuditCheckpoint) {
	v.cpChecked++
	if p := v.Keys.checkCheckpoint(cp); p != "" {
		v.cpBroken = append(v.cpBroken, AuditCheckpointBroken{Source: source, Seq: cp.Seq, KeyID: keyIDAsRead(cp.KeyID), Problem: p})
		return
	}
	if v.checkpoints == nil {
		v.checkpoints = map[int64][]sourcedCheckpoint{}
	}
	v.checkpoints[cp.Seq] = append(v.checkpoints[cp.Seq], sourcedCheckpoint{source, cp})
}

// AddUnreadableCheckpoint registers a checkpoint file that does not parse.
func (v *AuditChainVerifier) AddUnreadableCheckpoint(source string) {
	v.cpChecked++
	v.cpBroken = append(v.cpBroken, AuditCheckpointBroken{Source: source, Problem: CheckpointUnreadable})
}

// Check verifies the next event and reports whether the chain still holds.
func (v *AuditChainVerifier) Check(e *AuditEvent) bool {
	if v.broken != nil {
		return false
	}
	v.checked++
	fail := func(problem string) { v.broken = &AuditBrokenLink{Seq: e.Seq, ID: e.ID, Problem: problem} }
	key := v.Keys.Lookup(e.KeyID)
	switch {
	case e.Seq != v.prevSeq+1:
		fail(AuditSequenceGap)
	case e.Hash == "":
		fail(AuditUnsealedBeforeHead)
	case e.PrevHash != v.prevHash:
		fail(AuditLinkMismatch)
	case e.KeyID != "" && key == nil:
		fail(AuditUnknownKey)
	case e.KeyID != v.prevKey && (e.KeyID == "" || v.left[e.KeyID] || e.Action != AuditKeyRotated ||
		e.EntityType != AuditKeyEntity || e.EntityID != e.KeyID):
		fail(AuditKeyMismatch)
	case e.ComputeHash(key) != e.Hash:
		fail(AuditHashMismatch)
	}
	if v.broken != nil {
		return false
	}
	if e.KeyID != v.prevKey {
		if v.left == nil {
			v.left = map[string]bool{}
		}
		v.left[v.prevKey] = true
	}
	for _, c := range v.checkpoints[e.Seq] {
		if c.cp.Hash != e.Hash {
			v.cpBroken = append(v.cpBroken, AuditCheckpointBroken{Source: c.source, Seq: c.cp.Seq, KeyID: keyIDAsRead(c.cp.KeyID), Problem: CheckpointMismatch})
		}
	}
	delete(v.checkpoints, e.Seq)
	v.prevSeq, v.prevHash, v.prevKey = e.Seq, e.Hash, e.KeyID
	return true
}

// Finish compares the stored head (headSeq, headHash) with the last event,
// so that a moved head or a cut tail is found; requires a keyed tail when
// the verifier has a key; and reports the checkpoints past the chain's end.
// Call it once, after the last Check.
func (v *AuditChainVerifier) Finish(headSeq int64, headHash string) {
	if v.broken != nil {
		return
	}
	switch {
	case headSeq != v.prevSeq || headHash != v.prevHash:
		v.broken = &AuditBrokenLink{Seq: headSeq, Problem: AuditHeadMismatch}
	case v.Keys.Keyed() && v.prevSeq > 0 && v.prevKey == "":
		v.broken = &AuditBrokenLink{Seq: v.prevSeq, Problem: AuditUnkeyedTail}
	}
	for _, cs := range v.checkpoints {
		for _, c := range cs {
			if c.cp.Seq > v.prevSeq {
				v.cpBroken = append(v.cpBroken, AuditCheckpointBroken{Source: c.source, Seq: c.cp.Seq, KeyID: keyIDAsRead(c.cp.KeyID), Problem: CheckpointMismatch})
			}
		}
	}
	v.checkpoints = nil
}

// Result returns what the verifier found so far.
func (v *AuditChainVerifier) Result() AuditVerification {
	cps := v.cpBroken
	if cps == nil {
		cps = []AuditCheckpointBroken{}
	}
	slices.SortFunc(cps, func(a, b AuditCheckpointBroken) int { return cmp.Compare(a.Seq, b.Seq) })
	return AuditVerification{OK: v.broken == nil && len(cps) == 0, Checked: v.checked, FirstBroken: v.broken,
		UnsealedBeforeHead: v.broken != nil && v.broken.Problem == AuditUnsealedBeforeHead,
		HeadSeq:            v.prevSeq, HeadHash: v.prevHash, KeyID: v.prevKey,
		CheckpointsChecked: v.cpChecked, CheckpointsBroken: cps, FilesBroken: []EvidenceBrokenFile{}}
}

// BreakFingerprint identifies what a verification found broken, so that the
// same break is reported once however often it is found again; "" when it
// holds.
func (v AuditVerification) BreakFingerprint() string {
	if v.OK {
		return ""
	}
	var b strings.Builder
	if v.FirstBroken != nil {
		fmt.Fprintf(&b, "chain %d %s %s\n", v.FirstBroken.Seq, v.FirstBroken.ID, v.FirstBroken.Problem)
	}
	for _, c := range v.CheckpointsBroken {
		fmt.Fprintf(&b, "checkpoint %s %d %s %s\n", c.Source, c.Seq, c.KeyID, c.Problem)
	}
	for _, f := range v.FilesBroken {
		fmt.Fprintf(&b, "file %s %s\n", f.ID, f.Problem)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
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

// AuditSealer chains the events that writes append unsealed (PostgreSQL),
// in seq order, and moves the chain's head.
type AuditSealer interface {
	// SealAudit chains every event committed so far and returns how many
	// it chained; EUNAVAILABLE when it cannot go on (the segment's key is
	// not this process's, a break above the head, writers that keep the
	// chain lock).
	SealAudit(ctx context.Context) (int, error)
}

// AuditCheckpointer keeps the signed checkpoints of the chain and the
// breaks already reported; the verification job uses it.
type AuditCheckpointer interface {
	// RecordAuditCheckpoint signs the head of a verification that held and
	// keeps it (database, checkpoint folder), at most one a day; created is
	// false when today's exists (returned) or nothing was signed (nil: no
	// key, a broken or empty chain).
	RecordAuditCheckpoint(ctx context.Context, v AuditVerification) (cp *AuditCheckpoint, created bool, err error)
	// AuditBreakKnown reports whether a break with this fingerprint was
	// noted before.
	AuditBreakKnown(ctx context.Context, fingerprint string) (bool, error)
	// NoteAuditBreak records a break by its fingerprint, once it has been
	// reported.
	NoteAuditBreak(ctx context.Context, fingerprint string) error
}

// keyIDAsRead bounds a key id read from a checkpoint, which a forged file
// may make as long as it likes, to what the report documents.
func keyIDAsRead(id string) string {
	if len(id) > 64 {
		return id[:64]
	}
	return id
}
