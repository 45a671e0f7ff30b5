package domain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// EvidenceSubject is the kind of record an evidence file is attached to.
type EvidenceSubject string

// The records that take evidence files (証跡ファイル).
const (
	EvidenceVendor           EvidenceSubject = "vendor"
	EvidenceContract         EvidenceSubject = "contract"
	EvidenceConfirmation     EvidenceSubject = "confirmation"
	EvidenceCorrectiveAction EvidenceSubject = "corrective_action"
	EvidenceCloudService     EvidenceSubject = "cloud_service"
	EvidenceSocialAccount    EvidenceSubject = "social_account"
	EvidenceIncident         EvidenceSubject = "incident"
	EvidenceInspectionAnswer EvidenceSubject = "inspection_answer"
	EvidenceAudit            EvidenceSubject = "audit"
	EvidencePolicyReview     EvidenceSubject = "policy_review"
)

// EvidenceSubjects lists every subject type, in the order of the enum tags.
var EvidenceSubjects = []EvidenceSubject{
	EvidenceVendor, EvidenceContract, EvidenceConfirmation, EvidenceCorrectiveAction, EvidenceCloudService,
	EvidenceSocialAccount, EvidenceIncident, EvidenceInspectionAnswer, EvidenceAudit, EvidencePolicyReview,
}

// Valid reports whether s is one of EvidenceSubjects.
func (s EvidenceSubject) Valid() bool { return slices.Contains(EvidenceSubjects, s) }

// DisplayName names the subject type as people read it.
func (s EvidenceSubject) DisplayName(l Locale) string {
	ja, en := string(s), string(s)
	switch s {
	case EvidenceVendor:
		ja, en = "委託事業者", "Vendor"
	case EvidenceContract:
		ja, en = "契約", "Contract"
	case EvidenceConfirmation:
		ja, en = "遵守状況の確認", "Security confirmation"
	case EvidenceCorrectiveAction:
		ja, en = "是正措置", "Corrective action"
	case EvidenceCloudService:
		ja, en = "約款による外部サービス", "Service under standard terms"
	case EvidenceSocialAccount:
		ja, en = "ソーシャルメディアのアカウント", "Social-media account"
	case EvidenceIncident:
		ja, en = "情報セキュリティインシデント", "Security incident"
	case EvidenceInspectionAnswer:
		ja, en = "自己点検の回答", "Self-inspection answer"
	case EvidenceAudit:
		ja, en = "監査", "Audit"
	case EvidencePolicyReview:
		ja, en = "情報セキュリティポリシーの見直し", "Policy review"
	}
	if l == LocaleEn {
		return en
	}
	return ja
}

// EvidenceFile is a file attached to a record: a signed contract, a
// certificate, a contractor's report. Its bytes live in the blob store; the
// row records what they must be (size and SHA-256), so that the audit
// verification can tell when they were changed in storage.
type EvidenceFile struct {
	ID          string          `json:"id" doc:"UUIDv7 of the file."`
	SubjectType EvidenceSubject `json:"subject_type" enum:"vendor,contract,confirmation,corrective_action,cloud_service,social_account,incident,inspection_answer,audit,policy_review" doc:"The kind of record the file is attached to."`
	SubjectID   string          `json:"subject_id" doc:"The record the file is attached to."`
	ItemCode    string          `json:"item_code,omitempty" pattern:"^[a-z][a-z0-9_]{1,79}$" doc:"The item of the record the file supports: for a confirmation, the clause code of one checklist answer."`
	FileName    string          `json:"file_name" maxLength:"200" doc:"The file's name as uploaded, without any folder, cleaned of control characters."`
	MediaType   string          `json:"media_type" maxLength:"200" pattern:"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+(;.*)?$" doc:"The media type sniffed from the file's bytes (never the client's Content-Type)."`
	Size        int64           `json:"size" doc:"Size in bytes."`
	SHA256      string          `json:"sha256" pattern:"^[0-9a-f]{64}$" doc:"SHA-256 of the bytes, in hex; also the ETag of the content."`
	UploadedBy  string          `json:"uploaded_by,omitempty" format:"uuid" doc:"The person who uploaded it; absent for the system."`
	Uploader    string          `json:"uploader_name" maxLength:"200" doc:"Name of the uploader at the time."`
	UploadedAt  time.Time       `json:"uploaded_at" doc:"When it was uploaded (RFC 3339, UTC)."`
	DeletedAt   *time.Time      `json:"deleted_at,omitempty" doc:"When it was deleted (RFC 3339, UTC); absent while it is live."`
	DeletedBy   string          `json:"deleted_by,omitempty" format:"uuid" doc:"Who deleted it."`
	Version     int             `json:"version" doc:"Increases with every change; sent back in If-Match."`
}

// Deleted reports whether the file was deleted.
func (f *EvidenceFile) Deleted() bool { return f.DeletedAt != nil }

// EvidenceUpload is one file to attach. Content is read once, to its end
// or to the size limit.
type EvidenceUpload struct {
	SubjectType EvidenceSubject
	SubjectID   string
	ItemCode    string
	FileName    string
	Content     io.Reader
}

// EvidenceFilter narrows ListEvidenceFiles.
type EvidenceFilter struct {
	SubjectType EvidenceSubject
	SubjectID   string
	// IncludeDeleted lists deleted files too.
	IncludeDeleted bool
}

// BlobStore keeps the bytes of evidence files under a key. Keys are
// [a-z0-9._-] only (CheckBlobKey), so no key names a path outside the store.
type BlobStore interface {
	// Put stores everything r yields under key (the store uses each key
	// once; a second Put replaces the bytes). A reader that fails leaves no
	// object behind. It returns the bytes written.
	Put(ctx context.Context, key string, r io.Reader) (int64, error)
	// Open returns the bytes stored under key; ErrBlobNotFound when none.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes key; no error when it is already gone.
	Delete(ctx context.Context, key string) error
	// Stat returns the size stored under key; ErrBlobNotFound when none.
	Stat(ctx context.Context, key string) (int64, error)
}

// ErrBlobNotFound is what a BlobStore returns for a key it does not hold.
var ErrBlobNotFound = errors.New("blob not found")

// CheckBlobKey refuses a key that is empty, long, or holds anything but
// lower-case letters, digits, '.', '_' and '-' (and does not start with '.').
func CheckBlobKey(key string) error {
	if key == "" || len(key) > 200 || key[0] == '.' {
		return fmt.Errorf("blob key %q is not valid", key)
	}
	for _, r := range key {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return fmt.Errorf("blob key %q is not valid", key)
		}
	}
	return nil
}

// EvidenceService attaches files to records.
type EvidenceService interface {
	// UploadEvidenceFile stores a file and attaches it to its record, with
	// its audit event. EINVALID (unknown subject type, no such record or
	// item, a bad name), ETOOLARGE beyond evidence_max_bytes, EUNSUPPORTED
	// for a media type evidence_media_types does not allow; a refused file
	// leaves nothing behind.
	UploadEvidenceFile(ctx context.Context, in EvidenceUpload) (*EvidenceFile, error)
	// ListEvidenceFiles returns a page of files, oldest first. EINVALID.
	ListEvidenceFiles(ctx context.Context, f EvidenceFilter, p PageRequest) (Page[*EvidenceFile], error)
	// FindEvidenceFile returns one file's record, deleted or not. ENOTFOUND.
	FindEvidenceFile(ctx context.Context, id string) (*EvidenceFile, error)
	// OpenEvidenceFile returns a live file's record and its bytes; the
	// caller closes them. ENOTFOUND (also once deleted).
	OpenEvidenceFile(ctx context.Context, id string) (*EvidenceFile, io.ReadCloser, error)
	// DeleteEvidenceFile marks a file deleted (its row and bytes stay, for
	// the audit trail). ENOTFOUND, ECONFLICT when already deleted, ESTALE.
	DeleteEvidenceFile(ctx context.Context, id string, ifVersion *int) (*EvidenceFile, error)
}

// MaxEvidenceFileName is how many characters of a file name are kept.
const MaxEvidenceFileName = 200

// SanitizeFileName keeps the last element of a client's file name (after
// any / or \), NFC-normalised, without control, bidirectional or zero-width
// characters, trimmed, and at most MaxEvidenceFileName characters with its
// extension kept. A name with nothing left becomes "file".
func SanitizeFileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "")
	name = norm.NFC.String(name)
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069,
			r == 0x200B || r == 0x200C || r == 0x200D || r == 0x2060 || r == 0xFEFF, r == '"':
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	name = strings.Trim(name, ".")
	if utf8.RuneCountInString(name) > MaxEvidenceFileName {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 20 {
			ext = ""
		}
		r := []rune(strings.TrimSuffix(name, ext))
		name = string(r[:MaxEvidenceFileName-utf8.RuneCountInString(ext)]) + ext
	}
	if name == "" {
		return "file"
	}
	return name
}

// Default evidence limits.
const (
	DefaultEvidenceMaxBytes = 20 << 20
	// MaxEvidenceMaxBytes bounds the setting: no upload beyond 1 GiB.
	MaxEvidenceMaxBytes = 1 << 30
)

// defaultEvidenceMediaTypes are the kinds of file staff attach: PDF,
// images, office documents (OOXML, legacy and ODF), text and CSV.
var defaultEvidenceMediaTypes = []string{
	"application/pdf",
	"image/png", "image/jpeg", "image/gif", "image/webp",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	"application/vnd.openxmlformats-officedocument.presentationml.presentation",
	"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
	"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
	"application/vnd.oasis.opendocument.presentation",
	"text/plain", "text/csv",
}

// DefaultEvidenceMediaTypes returns a copy of the default allowed types.
func DefaultEvidenceMediaTypes() []string { return slices.Clone(defaultEvidenceMediaTypes) }

// MediaTypeEssence is a media type without its parameters, in lower case:
// "text/plain; charset=utf-8" is "text/plain".
func MediaTypeEssence(t string) string {
	if mt, _, err := mime.ParseMediaType(t); err == nil {
		return mt
	}
	base, _, _ := strings.Cut(t, ";")
	return strings.ToLower(strings.TrimSpace(base))
}

// EvidenceTypeAllowed reports whether a sniffed media type is one the
// settings allow (compared without parameters).
func EvidenceTypeAllowed(p PolicySettings, mediaType string) bool {
	return slices.Contains(p.EvidenceMediaTypes, MediaTypeEssence(mediaType))
}

// EvidenceTooLarge is the ETOOLARGE of a file beyond the limit.
func EvidenceTooLarge(limit int64) error {
	e := &Error{Code: ETOOLARGE, Message: fmt.Sprintf("the file is larger than the limit of %s (evidence_max_bytes)", FormatBytes(limit, LocaleEn)),
		Fields: []FieldError{{Field: "file", Message: fmt.Sprintf("must be at most %d bytes", limit),
			Ja: fmt.Sprintf("%s以下のファイルにしてください。", FormatBytes(limit, LocaleJa))}}}
	return e.WithJa("ファイルが大きすぎます（上限%s）。", FormatBytes(limit, LocaleJa))
}

// EvidenceTypeRefused is the EUNSUPPORTED of a file of a type the settings
// do not allow.
func EvidenceTypeRefused(mediaType string) error {
	e := &Error{Code: EUNSUPPORTED, Message: fmt.Sprintf("files of type %s are not accepted (evidence_media_types): attach a PDF, an image, an office document, text or CSV", MediaTypeEssence(mediaType)),
		Fields: []FieldError{{Field: "file", Message: "is of type " + MediaTypeEssence(mediaType) + ", which the settings do not allow", Value: MediaTypeEssence(mediaType),
			Ja: "この種類のファイル（" + MediaTypeEssence(mediaType) + "）は添付できません。"}}}
	return e.WithJa("この種類のファイル（%s）は添付できません。PDF、画像、Office文書、テキスト又はCSVを添付してください。", MediaTypeEssence(mediaType))
}

// FormatBytes renders a size for people: 20MB, 512KB, 300 bytes (binary
// multiples, as file dialogs show them).
func FormatBytes(n int64, l Locale) string {
	unit := " bytes"
	if l != LocaleEn {
		unit = "バイト"
	}
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%dGB", n>>30)
	case n >= 1<<20:
		if n%(1<<20) == 0 {
			return fmt.Sprintf("%dMB", n>>20)
		}
		return fmt.Sprintf("%.1fMB", float64(n)/(1<<20))
	case n >= 1<<10:
		if n%(1<<10) == 0 {
			return fmt.Sprintf("%dKB", n>>10)
		}
		return fmt.Sprintf("%.1fKB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d%s", n, unit)
}

// EvidenceBrokenFile is one live file whose bytes in the blob store are
// not what its row recorded.
type EvidenceBrokenFile struct {
	ID          string          `json:"id" doc:"The evidence file."`
	SubjectType EvidenceSubject `json:"subject_type" enum:"vendor,contract,confirmation,corrective_action,cloud_service,social_account,incident,inspection_answer,audit,policy_review" doc:"The kind of record it is attached to."`
	SubjectID   string          `json:"subject_id" doc:"The record it is attached to."`
	Problem     string          `json:"problem" enum:"sha256_mismatch,missing" doc:"sha256_mismatch: the stored bytes hash to something else (changed or truncated); missing: the blob store does not hold them."`
}

// Evidence verification problems.
const (
	EvidenceSHA256Mismatch = "sha256_mismatch"
	EvidenceMissing        = "missing"
)
