package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"time"

	"github.com/gabriel-vasile/mimetype"
	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.EvidenceService = (*DB)(nil)

// Evidence files: the bytes go to the blob store (UseBlobStore) under the
// file's id, the row and its audit event to the database. An upload
// streams the body once: its first bytes are sniffed for the media type
// (the client's Content-Type is never asked), everything is hashed on its
// way to the blob store, and reading past evidence_max_bytes stops the
// write. Only then does the transaction insert the row and the audit event;
// a refusal or a failed transaction deletes what was written, so a refused
// file leaves nothing behind. The upload holds no transaction while it
// reads the body, so a slow client never holds SQLite's single writer.
//
// A delete is soft: the row is kept with deleted_at and deleted_by, and so
// are the bytes, so that the file the audit chain names can still be
// produced for an audit. Only live files are listed by default, downloaded
// and re-hashed by the audit verification.

const entityEvidenceFile = "evidence_file"

type evidenceFileRow struct {
	bun.BaseModel `bun:"table:evidence_files"`

	ID           string     `bun:"id,pk"`
	SubjectType  string     `bun:"subject_type"`
	SubjectID    string     `bun:"subject_id"`
	ItemCode     string     `bun:"item_code"`
	FileName     string     `bun:"file_name"`
	MediaType    string     `bun:"media_type"`
	Size         int64      `bun:"size"`
	SHA256       string     `bun:"sha256"`
	BlobKey      string     `bun:"blob_key"`
	UploadedBy   *string    `bun:"uploaded_by"`
	UploaderName string     `bun:"uploader_name"`
	UploadedAt   time.Time  `bun:"uploaded_at"`
	DeletedAt    *time.Time `bun:"deleted_at"`
	DeletedBy    *string    `bun:"deleted_by"`
	Version      int        `bun:"version"`
}

func (r *evidenceFileRow) toDomain() *domain.EvidenceFile {
	f := &domain.EvidenceFile{
		ID: r.ID, SubjectType: domain.EvidenceSubject(r.SubjectType), SubjectID: r.SubjectID, ItemCode: r.ItemCode,
		FileName: r.FileName, MediaType: r.MediaType, Size: r.Size, SHA256: r.SHA256, Uploader: r.UploaderName,
		UploadedAt: r.UploadedAt.UTC(), Version: r.Version,
	}
	if r.UploadedBy != nil {
		f.UploadedBy = *r.UploadedBy
	}
	if r.DeletedAt != nil {
		t := r.DeletedAt.UTC()
		f.DeletedAt = &t
	}
	if r.DeletedBy != nil {
		f.DeletedBy = *r.DeletedBy
	}
	return f
}

// evidenceSubject is where the records of one subject type live.
type evidenceSubject struct {
	table string
	// items lists the item codes a record of this type has (for item_code);
	// nil when its files cannot name an item.
	items func(ctx context.Context, tx bun.IDB, id string) ([]string, error)
}

// evidenceSubjects maps each subject type that takes files to its table.
var evidenceSubjects = map[domain.EvidenceSubject]evidenceSubject{
	domain.EvidenceVendor:           {table: "vendors"},
	domain.EvidenceContract:         {table: "contracts"},
	domain.EvidenceConfirmation:     {table: "confirmations", items: confirmationItemCodes},
	domain.EvidenceCorrectiveAction: {table: "corrective_actions"},
	domain.EvidenceCloudService:     {table: "cloud_services"},
	domain.EvidenceSocialAccount:    {table: "social_accounts"},
	domain.EvidencePolicyReview:     {table: "policy_reviews"},
	domain.EvidenceIncident:         {table: "incidents"},
	// An answer is to one checklist item, so its files name none.
	domain.EvidenceInspectionAnswer: {table: "inspection_answers"},
	domain.EvidenceAudit:            {table: "audits"},
}

// confirmationItemCodes lists the clause codes of a confirmation's
// checklist, the items its answers are given for.
func confirmationItemCodes(ctx context.Context, tx bun.IDB, id string) ([]string, error) {
	var checklist string
	if err := tx.NewSelect().Table("confirmations").Column("checklist").Where("id = ?", id).Scan(ctx, &checklist); err != nil {
		return nil, wrap("read confirmation checklist", err)
	}
	var items []domain.ChecklistItem
	_ = json.Unmarshal([]byte(checklist), &items)
	codes := make([]string, len(items))
	for i, it := range items {
		codes[i] = it.Code
	}
	return codes, nil
}

// checkEvidenceSubject refuses an upload whose record or item does not exist.
func checkEvidenceSubject(ctx context.Context, tx bun.IDB, st domain.EvidenceSubject, id, item string) error {
	var fe domain.FieldErrors
	subject, ok := evidenceSubjects[st]
	switch {
	case !st.Valid():
		fe.AddJa("subject_type", "is not a kind of record that takes files", "ファイルを添付できる記録の種類ではありません。", string(st))
	case !ok:
		fe.AddJa("subject_type", "records of this kind do not take files yet", "この種類の記録には、まだファイルを添付できません。", string(st))
	case id == "":
		fe.AddJa("subject_id", "is required", "入力してください。", nil)
	default:
		exists, err := tx.NewSelect().Table(subject.table).Where("id = ?", id).Exists(ctx)
		if err != nil {
			return wrap("check evidence subject", err)
		}
		if !exists {
			fe.AddJa("subject_id", "no "+string(st)+" has this id", "この"+st.DisplayName(domain.LocaleJa)+"は登録されていません。", id)
			break
		}
		if item == "" {
			break
		}
		if subject.items == nil {
			fe.AddJa("item_code", "records of this kind have no items to attach a file to", "この種類の記録には、項目ごとにファイルを添付できません。", item)
			break
		}
		codes, err := subject.items(ctx, tx, id)
		if err != nil {
			return err
		}
		if !slices.Contains(codes, item) {
			fe.AddJa("item_code", "is not an item of this "+string(st), "この"+st.DisplayName(domain.LocaleJa)+"の項目ではありません。", item)
		}
	}
	return fe.ErrJa("the file cannot be attached to this record", "この記録にはファイルを添付できません。")
}

// UseBlobStore sets where the bytes of evidence files are kept. Without
// one, uploads fail and the audit verification re-hashes no file.
func (db *DB) UseBlobStore(b domain.BlobStore) { db.blobs = b }

// BlobStore returns the store set by UseBlobStore.
func (db *DB) BlobStore() domain.BlobStore { return db.blobs }

// sniffBytes is how much of a file's start mimetype reads.
const sniffBytes = 3072

var errTooLarge = errors.New("evidence file larger than the limit")

// capReader yields at most limit bytes of r and fails with errTooLarge as
// soon as r holds a byte more.
type capReader struct {
	r    io.Reader
	left int64
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		n, err := io.ReadFull(c.r, one[:])
		if n > 0 {
			return 0, errTooLarge
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = io.EOF
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// countingHash hashes and counts what passes through it.
type countingHash struct {
	h hash.Hash
	n int64
}

func (c *countingHash) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}

// SniffMediaType returns the media type of a file from its first bytes.
func SniffMediaType(head []byte) string {
	return mimetype.Detect(head).String()
}

// UploadEvidenceFile implements domain.EvidenceService.
func (db *DB) UploadEvidenceFile(ctx context.Context, in domain.EvidenceUpload) (*domain.EvidenceFile, error) {
	if in.Content == nil {
		return nil, domain.Invalid("no file was sent", domain.FieldError{Field: "file", Message: "is required", Ja: "ファイルを選んでください。"}).
			WithJa("ファイルが送られていません。")
	}
	if db.blobs == nil {
		return nil, errors.New("store: no blob store for evidence files (UseBlobStore)")
	}
	name := domain.SanitizeFileName(in.FileName)
	if err := checkEvidenceSubject(ctx, db.bun, in.SubjectType, in.SubjectID, in.ItemCode); err != nil {
		return nil, err
	}
	settings, err := db.settings(ctx, db.bun)
	if err != nil {
		return nil, err
	}
	limit := settings.EvidenceMaxBytes
	capped := &capReader{r: in.Content, left: limit}
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(capped, head)
	switch {
	case errors.Is(err, errTooLarge):
		return nil, domain.EvidenceTooLarge(limit)
	case err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF):
		return nil, wrap("read evidence file", err)
	}
	head = head[:n]
	mediaType := SniffMediaType(head)
	if !domain.EvidenceTypeAllowed(settings.PolicySettings, mediaType) {
		return nil, domain.EvidenceTypeRefused(mediaType)
	}

	id := uuid.Must(uuid.NewV7()).String()
	sum := &countingHash{h: sha256.New()}
	body := io.TeeReader(io.MultiReader(bytes.NewReader(head), capped), sum)
	if _, err := db.blobs.Put(ctx, id, body); err != nil {
		db.dropBlob(ctx, id)
		if errors.Is(err, errTooLarge) {
			return nil, domain.EvidenceTooLarge(limit)
		}
		return nil, wrap("store evidence file", err)
	}
	var out *domain.EvidenceFile
	err = db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		if err := checkEvidenceSubject(ctx, tx, in.SubjectType, in.SubjectID, in.ItemCode); err != nil {
			return err
		}
		actor := actorOf(ctx)
		row := &evidenceFileRow{
			ID: id, SubjectType: string(in.SubjectType), SubjectID: in.SubjectID, ItemCode: in.ItemCode, FileName: name,
			MediaType: mediaType, Size: sum.n, SHA256: hex.EncodeToString(sum.h.Sum(nil)), BlobKey: id,
			UploaderName: actor.Name, UploadedAt: db.Now(), Version: 1,
		}
		if actor.PersonID != "" {
			row.UploadedBy = &actor.PersonID
		}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return wrap("insert evidence file", translate(err))
		}
		out = row.toDomain()
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditCreate, EntityType: entityEvidenceFile, EntityID: id, After: out})
	})
	if err != nil {
		db.dropBlob(ctx, id)
		return nil, err
	}
	return out, nil
}

// dropBlob deletes what a failed upload wrote, even once the request's
// context has ended.
func (db *DB) dropBlob(ctx context.Context, key string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := db.blobs.Delete(ctx, key); err != nil {
		db.outage.log.Load().ErrorContext(ctx, "evidence file left in the blob store after a failed upload", "key", key, "error", err)
	}
}

// ListEvidenceFiles implements domain.EvidenceService.
func (db *DB) ListEvidenceFiles(ctx context.Context, f domain.EvidenceFilter, p domain.PageRequest) (domain.Page[*domain.EvidenceFile], error) {
	var rows []*evidenceFileRow
	q := db.bun.NewSelect().Model(&rows)
	if f.SubjectType != "" {
		q = q.Where("subject_type = ?", string(f.SubjectType))
	}
	if f.SubjectID != "" {
		q = q.Where("subject_id = ?", f.SubjectID)
	}
	if !f.IncludeDeleted {
		q = q.Where("deleted_at IS NULL")
	}
	return listPage(ctx, q, &rows, p, "list evidence files", (*evidenceFileRow).toDomain,
		func(e *domain.EvidenceFile) string { return e.ID })
}

// FindEvidenceFile implements domain.EvidenceService.
func (db *DB) FindEvidenceFile(ctx context.Context, id string) (*domain.EvidenceFile, error) {
	var row evidenceFileRow
	if err := loadRow(ctx, db.bun, &row, entityEvidenceFile, id); err != nil {
		return nil, err
	}
	return row.toDomain(), nil
}

// OpenEvidenceFile implements domain.EvidenceService.
func (db *DB) OpenEvidenceFile(ctx context.Context, id string) (*domain.EvidenceFile, io.ReadCloser, error) {
	var row evidenceFileRow
	if err := loadRow(ctx, db.bun, &row, entityEvidenceFile, id); err != nil {
		return nil, nil, err
	}
	if row.DeletedAt != nil {
		return nil, nil, domain.Errorf(domain.ENOTFOUND, "evidence file %s was deleted", id).
			WithJa("この証跡ファイル（%s）は削除されています。", row.FileName)
	}
	if db.blobs == nil {
		return nil, nil, errors.New("store: no blob store for evidence files (UseBlobStore)")
	}
	rc, err := db.blobs.Open(ctx, row.BlobKey)
	if err != nil {
		return nil, nil, fmt.Errorf("store: open evidence file %s: %w", id, err)
	}
	return row.toDomain(), rc, nil
}

// DeleteEvidenceFile implements domain.EvidenceService.
func (db *DB) DeleteEvidenceFile(ctx context.Context, id string, ifVersion *int) (*domain.EvidenceFile, error) {
	var out *domain.EvidenceFile
	err := db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error {
		var row evidenceFileRow
		if err := loadRow(ctx, tx, &row, entityEvidenceFile, id); err != nil {
			return err
		}
		if err := checkVersion(entityEvidenceFile, row.Version, ifVersion); err != nil {
			return err
		}
		if row.DeletedAt != nil {
			return domain.Errorf(domain.ECONFLICT, "evidence file %s is already deleted", id).
				WithJa("この証跡ファイル（%s）は既に削除されています。", row.FileName)
		}
		before := row.toDomain()
		now := db.Now()
		row.DeletedAt = &now
		if a := actorOf(ctx); a.PersonID != "" {
			row.DeletedBy = &a.PersonID
		}
		read := row.Version
		row.Version = read + 1
		if err := updateRow(ctx, tx, &row, entityEvidenceFile, id, read, ifVersion); err != nil {
			return err
		}
		out = row.toDomain()
		return db.appendAudit(ctx, tx, auditEntry{Action: domain.AuditDelete, EntityType: entityEvidenceFile, EntityID: id, Before: before, After: out})
	})
	return out, err
}

// maxBrokenFiles bounds the files a verification lists.
const maxBrokenFiles = 1000

// verifyEvidenceFiles re-hashes every live file's bytes in the blob store
// against the recorded SHA-256 and size, in batches of rows.
func (db *DB) verifyEvidenceFiles(ctx context.Context, res *domain.AuditVerification) error {
	if db.blobs == nil {
		return nil
	}
	last := ""
	for {
		var rows []*evidenceFileRow
		err := db.bun.NewSelect().Model(&rows).Where("deleted_at IS NULL").Where("id > ?", last).Order("id ASC").Limit(verifyBatch).Scan(ctx)
		if err != nil {
			return wrap("verify evidence files", err)
		}
		for _, r := range rows {
			problem, err := db.checkBlob(ctx, r)
			if err != nil {
				return err
			}
			res.FilesChecked++
			if problem != "" {
				res.OK = false
				if len(res.FilesBroken) < maxBrokenFiles {
					res.FilesBroken = append(res.FilesBroken, domain.EvidenceBrokenFile{
						ID: r.ID, SubjectType: domain.EvidenceSubject(r.SubjectType), SubjectID: r.SubjectID, Problem: problem,
					})
				}
			}
			last = r.ID
		}
		if len(rows) < verifyBatch {
			return nil
		}
	}
}

// checkBlob returns the problem of one file's bytes, "" when they match.
func (db *DB) checkBlob(ctx context.Context, r *evidenceFileRow) (string, error) {
	rc, err := db.blobs.Open(ctx, r.BlobKey)
	if errors.Is(err, domain.ErrBlobNotFound) {
		return domain.EvidenceMissing, nil
	}
	if err != nil {
		return "", fmt.Errorf("store: verify evidence file %s: %w", r.ID, err)
	}
	defer func() { _ = rc.Close() }()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return "", fmt.Errorf("store: verify evidence file %s: %w", r.ID, err)
	}
	if n != r.Size || hex.EncodeToString(h.Sum(nil)) != r.SHA256 {
		return domain.EvidenceSHA256Mismatch, nil
	}
	return "", nil
}
