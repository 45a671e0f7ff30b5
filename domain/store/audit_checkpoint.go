package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

type auditCheckpointRow struct {
	bun.BaseModel `bun:"table:audit_checkpoints"`

	ID        string    `bun:"id,pk"`
	Seq       int64     `bun:"seq"`
	Hash      string    `bun:"hash"`
	SignedAt  time.Time `bun:"signed_at"`
	KeyID     string    `bun:"key_id"`
	PublicKey string    `bun:"public_key"`
	Signature string    `bun:"signature"`
}

func (r *auditCheckpointRow) toDomain() domain.AuditCheckpoint {
	at := r.SignedAt.UTC()
	return domain.AuditCheckpoint{Seq: r.Seq, Hash: r.Hash, At: at, KeyID: r.KeyID, PublicKey: r.PublicKey,
		Signature: r.Signature, Message: domain.CheckpointMessage(r.Seq, r.Hash, at, r.KeyID)}
}

// UseAuditCheckpointDir sets the folder that every checkpoint is written to
// as a JSON file, and that VerifyAuditChain reads them back from, beside
// the database's. It should be somewhere whoever can write the database
// cannot rewrite (another volume, a write-once store). The folder is
// created when missing.
func (db *DB) UseAuditCheckpointDir(dir string) error {
	if dir == "" {
		db.checkpointDir = ""
		return nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("store: audit checkpoint folder: %w", err)
	}
	db.checkpointDir = dir
	return nil
}

// checkpointSourceDB names the database as a checkpoint's source.
const checkpointSourceDB = "database"

// addCheckpoints hands every checkpoint, from the database and from the
// folder, to the verifier.
func (db *DB) addCheckpoints(ctx context.Context, v *domain.AuditChainVerifier) error {
	var rows []*auditCheckpointRow
	if err := db.bun.NewSelect().Model(&rows).Order("signed_at ASC").Scan(ctx); err != nil {
		return wrap("read audit checkpoints", err)
	}
	for _, r := range rows {
		v.AddCheckpoint(checkpointSourceDB, r.toDomain())
	}
	if db.checkpointDir == "" {
		return nil
	}
	names, err := filepath.Glob(filepath.Join(db.checkpointDir, "*.json"))
	if err != nil {
		return fmt.Errorf("store: read audit checkpoint folder: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("store: read audit checkpoint: %w", err)
		}
		var cp domain.AuditCheckpoint
		if err := json.Unmarshal(b, &cp); err != nil {
			v.AddUnreadableCheckpoint(filepath.Base(name))
			continue
		}
		v.AddCheckpoint(filepath.Base(name), cp)
	}
	return nil
}

// RecordAuditCheckpoint signs the head of a verification that held (its
// HeadSeq and HeadHash) under the current audit key, keeps it in the
// database and writes it to the checkpoint folder. One a day, counted in
// the body's time zone: when today has one already, that one is returned
// with created false. Nothing without a key, or for a verification that
// did not hold, or for an empty chain.
func (db *DB) RecordAuditCheckpoint(ctx context.Context, v domain.AuditVerification) (*domain.AuditCheckpoint, bool, error) {
	key := db.auditKeys.Current
	if key == nil || !v.OK || v.HeadSeq == 0 {
		return nil, false, nil
	}
	now := db.Now()
	var latest auditCheckpointRow
	err := db.bun.NewSelect().Model(&latest).Order("signed_at DESC").Limit(1).Scan(ctx)
	switch {
	case err == nil && domain.DateOf(latest.SignedAt, db.location) == domain.DateOf(now, db.location):
		cp := latest.toDomain()
		return &cp, false, nil
	case err != nil && !isNoRows(err):
		return nil, false, wrap("read audit checkpoints", err)
	}
	cp := key.SignCheckpoint(v.HeadSeq, v.HeadHash, now)
	// The file first: a checkpoint in the folder but not in the database
	// costs nothing, and the next day's run writes both again.
	if db.checkpointDir != "" {
		if err := writeCheckpointFile(db.checkpointDir, cp); err != nil {
			return nil, false, err
		}
	}
	row := &auditCheckpointRow{ID: uuid.Must(uuid.NewV7()).String(), Seq: cp.Seq, Hash: cp.Hash, SignedAt: cp.At,
		KeyID: cp.KeyID, PublicKey: cp.PublicKey, Signature: cp.Signature}
	if _, err := db.bun.NewInsert().Model(row).Exec(ctx); err != nil {
		return nil, false, wrap("record audit checkpoint", err)
	}
	return &cp, true, nil
}

// CheckpointFileName is the name a checkpoint is written under in the
// folder: its seq and time, so that names sort in chain order.
func CheckpointFileName(cp domain.AuditCheckpoint) string {
	return fmt.Sprintf("audit-checkpoint-%012d-%s.json", cp.Seq, cp.At.UTC().Format("20060102T150405.000000Z"))
}

// writeCheckpointFile writes cp into dir through a temporary file, so that
// a crash leaves no half-written checkpoint.
func writeCheckpointFile(dir string, cp domain.AuditCheckpoint) error {
	b, err := json.MarshalIndent(cp, "", "  ")
	if err != nil {
		return fmt.Errorf("store: encode audit checkpoint: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".checkpoint-*")
	if err != nil {
		return fmt.Errorf("store: write audit checkpoint: %w", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	serr := tmp.Sync()
	cerr := tmp.Close()
	if err := errors.Join(werr, serr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("store: write audit checkpoint: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("store: write audit checkpoint: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, CheckpointFileName(cp))); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("store: write audit checkpoint: %w", err)
	}
	return nil
}

// AuditBreakKnown implements domain.AuditCheckpointer.
func (db *DB) AuditBreakKnown(ctx context.Context, fingerprint string) (bool, error) {
	n, err := db.bun.NewSelect().Model((*auditAlertRow)(nil)).Where("fingerprint = ?", fingerprint).Count(ctx)
	if err != nil {
		return false, wrap("read audit alerts", err)
	}
	return n > 0, nil
}

// NoteAuditBreak implements domain.AuditCheckpointer: a break noted twice
// is kept once.
func (db *DB) NoteAuditBreak(ctx context.Context, fingerprint string) error {
	if strings.TrimSpace(fingerprint) == "" {
		return nil
	}
	_, err := db.bun.NewInsert().Model(&auditAlertRow{Fingerprint: fingerprint, FirstSeen: db.Now()}).
		On("CONFLICT (fingerprint) DO NOTHING").Exec(ctx)
	return wrap("note audit break", err)
}

type auditAlertRow struct {
	bun.BaseModel `bun:"table:audit_alerts"`

	Fingerprint string    `bun:"fingerprint,pk"`
	FirstSeen   time.Time `bun:"first_seen"`
}
