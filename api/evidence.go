package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humachi"

	"github.com/vendorwatch/vendorwatch/domain"
)

// Evidence files (証跡ファイル): POST /v1/evidence-files takes a
// multipart/form-data body that the handler reads as a stream, part by
// part, straight into the store: huma does not read it (the operation
// declares no body to huma; its request body is documented by hand), so a
// 20 MiB file is never held in memory, and rejectNUL lets it through
// uninspected. The body is bounded by the settings' evidence_max_bytes
// (plus room for the form's other fields), not by the 1 MiB of JSON bodies.

// EvidenceUploadPath is the path of the upload.
const EvidenceUploadPath = "/v1/evidence-files"

// EvidenceUploadTimeout is the deadline of an upload's request, which
// carries a file of up to evidence_max_bytes: longer than the JSON
// requests' --request-timeout.
const EvidenceUploadTimeout = 5 * time.Minute

// maxFileBytes bounds a file's bytes in the document.
var maxFileBytes = domain.MaxEvidenceMaxBytes

// evidenceFormSlack is what the form's fields and part headers may add to
// the file's bytes.
const evidenceFormSlack = 64 << 10

// EvidenceUploadPagePath is the staff pages' upload form (api/web).
const EvidenceUploadPagePath = "/evidence-files"

// isEvidenceUpload reports whether r is an upload, through the API or the
// staff pages' form, which the NUL check and the request deadline treat
// differently.
func isEvidenceUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && (r.URL.Path == EvidenceUploadPath || r.URL.Path == EvidenceUploadPagePath) || isImportUpload(r)
}

// EvidenceFileOutput is one evidence file with its ETag.
type EvidenceFileOutput struct {
	ETag string `header:"ETag" doc:"The file record's version as a strong ETag; send it back in If-Match to delete."`
	Body *domain.EvidenceFile
}

// EvidenceCreatedOutput is an uploaded file.
type EvidenceCreatedOutput struct {
	ETag     string `header:"ETag" doc:"The file record's version as a strong ETag."`
	Location string `header:"Location" pattern:"^/v1/evidence-files/[0-9a-f-]{36}$" doc:"Path of the new file's record."`
	Body     *domain.EvidenceFile
}

// EvidenceContentOutput is a file's bytes.
type EvidenceContentOutput struct {
	ContentType        string `header:"Content-Type" maxLength:"200" pattern:"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+(;.*)?$" doc:"The media type sniffed from the bytes at upload."`
	ContentLength      string `header:"Content-Length" maxLength:"20" pattern:"^[0-9]+$" doc:"Size in bytes."`
	ContentDisposition string `header:"Content-Disposition" maxLength:"2000" pattern:"^attachment; filename=\"[^\"]*\"; filename\\*=UTF-8''[A-Za-z0-9!#$&+.^_|~%-]*$" doc:"attachment, with the file's name (RFC 6266: filename*=UTF-8''…, and an ASCII filename)."`
	NoSniff            string `header:"X-Content-Type-Options" pattern:"^nosniff$" doc:"nosniff: browsers take the Content-Type as sent."`
	ETag               string `header:"ETag" pattern:"^\"[0-9a-f]{64}\"$" doc:"The file's SHA-256 in hex, as a strong ETag."`
	CacheControl       string `header:"Cache-Control" doc:"no-store: files may hold personal information, so no cache keeps them."`
	Body               func(huma.Context)
}

type rawRequestKey struct{}

// withRawRequest keeps the HTTP request in the context, for the handler
// that reads the body itself.
func withRawRequest(ctx huma.Context, next func(huma.Context)) {
	r, w := humachi.Unwrap(ctx)
	next(huma.WithValue(ctx, rawRequestKey{}, [2]any{r, w}))
}

func evidenceFileOutput(f *domain.EvidenceFile) *EvidenceFileOutput {
	return &EvidenceFileOutput{ETag: etag(f.Version), Body: f}
}

func (s *Server) registerEvidenceFiles() {
	const tag = "Evidence files"
	upload := operation{
		ID: "upload-evidence-file", Method: http.MethodPost, Path: EvidenceUploadPath, Tag: tag,
		Summary: "Upload an evidence file",
		Description: "Attaches a file to a record: a vendor, contract, confirmation (optionally one checklist answer: item_code is " +
			"its clause code), corrective action, cloud service, social-media account or policy review. The body is multipart/form-data with the " +
			"fields subject_type, subject_id and item_code first and the file last. The file's media type is sniffed from its " +
			"bytes (the part's Content-Type is ignored) and must be one of the settings' evidence_media_types (415 otherwise); a " +
			"file larger than evidence_max_bytes is refused with 413. A refused file leaves nothing stored. The file's SHA-256, " +
			"size, media type and uploader go into the audit trail. Needs the editor or admin role.",
		Permission: domain.PermWrite, Status: http.StatusCreated,
		Errors: []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity},
	}.huma()
	upload.Middlewares = huma.Middlewares{withRawRequest}
	huma.Register(s.api, upload, func(ctx context.Context, _ *struct{}) (*EvidenceCreatedOutput, error) {
		pair, _ := ctx.Value(rawRequestKey{}).([2]any)
		r, _ := pair[0].(*http.Request)
		w, _ := pair[1].(http.ResponseWriter)
		if r == nil {
			return nil, huma.Error500InternalServerError("internal error; the server log has the details")
		}
		f, err := s.uploadEvidence(ctx, w, r)
		if err != nil {
			return nil, err
		}
		return &EvidenceCreatedOutput{ETag: etag(f.Version), Location: EvidenceUploadPath + "/" + f.ID, Body: f}, nil
	})
	if op := s.api.OpenAPI().Paths[EvidenceUploadPath]; op != nil && op.Post != nil {
		op.Post.RequestBody = evidenceUploadBody()
		op.Post.Responses["413"].Description = "Content Too Large: the file is larger than the settings' evidence_max_bytes; the problem's errors name body.file. Nothing is stored."
		op.Post.Responses["415"].Description = "Unsupported Media Type: the type sniffed from the file's bytes is not one of the settings' evidence_media_types; the problem's errors name body.file. Nothing is stored."
	}

	huma.Register(s.api, operation{
		ID: "list-evidence-files", Method: http.MethodGet, Path: "/v1/evidence-files", Tag: tag,
		Summary:     "List evidence files",
		Description: "Lists the files attached to records, oldest first; subject_type and subject_id select one record's files. Deleted files only with include_deleted=true. Any role may read.",
		Permission:  domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		SubjectType    domain.EvidenceSubject `query:"subject_type" enum:"vendor,contract,confirmation,corrective_action,cloud_service,social_account,incident,inspection_answer,audit,policy_review" doc:"Only files attached to records of this kind."`
		SubjectID      string                 `query:"subject_id" format:"uuid" doc:"Only files attached to this record."`
		IncludeDeleted bool                   `query:"include_deleted" doc:"List deleted files too."`
	}) (*ListOutput[*domain.EvidenceFile], error) {
		return listed(ctx, s, in.PageParams, func(page domain.PageRequest) (domain.Page[*domain.EvidenceFile], error) {
			return s.Evidence.ListEvidenceFiles(ctx, domain.EvidenceFilter{SubjectType: in.SubjectType, SubjectID: in.SubjectID, IncludeDeleted: in.IncludeDeleted}, page)
		})
	})

	huma.Register(s.api, operation{
		ID: "get-evidence-file", Method: http.MethodGet, Path: "/v1/evidence-files/{id}", Tag: tag,
		Summary: "Get an evidence file's record", Description: "Returns one file's record (deleted or not), without its bytes. Any role may read.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*EvidenceFileOutput, error) {
		f, err := s.Evidence.FindEvidenceFile(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return evidenceFileOutput(f), nil
	})

	content := operation{
		ID: "download-evidence-file", Method: http.MethodGet, Path: "/v1/evidence-files/{id}/content", Tag: tag,
		Summary: "Download an evidence file",
		Description: "Sends a live file's bytes as an attachment, with the sniffed Content-Type, X-Content-Type-Options: nosniff " +
			"and the SHA-256 as ETag. 404 once the file is deleted. Any role may read.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma()
	content.Responses = map[string]*huma.Response{"200": {
		Description: "The file's bytes.",
		Content: map[string]*huma.MediaType{"*/*": {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary", MaxLength: &maxFileBytes,
			Description: "The file's bytes, served with the Content-Type sniffed at upload."}}},
	}}
	huma.Register(s.api, content, func(ctx context.Context, in *IDParam) (*EvidenceContentOutput, error) {
		f, rc, err := s.Evidence.OpenEvidenceFile(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &EvidenceContentOutput{
			ContentType: f.MediaType, ContentLength: strconv.FormatInt(f.Size, 10), ContentDisposition: ContentDisposition(f.FileName),
			NoSniff: "nosniff", ETag: `"` + f.SHA256 + `"`, CacheControl: "no-store",
			Body: func(hc huma.Context) {
				defer func() { _ = rc.Close() }()
				hc.SetStatus(http.StatusOK)
				if _, err := io.Copy(hc.BodyWriter(), rc); err != nil {
					s.log.WarnContext(ctx, "evidence file download cut short", "id", f.ID, "error", err)
				}
			},
		}, nil
	})

	huma.Register(s.api, operation{
		ID: "delete-evidence-file", Method: http.MethodDelete, Path: "/v1/evidence-files/{id}", Tag: tag,
		Summary: "Delete an evidence file",
		Description: "Marks a file deleted: it is no longer listed or downloaded, but its record (with deleted_at and deleted_by) " +
			"and its bytes are kept for the audit trail, and the deletion is audited. 409 when already deleted. Needs the editor or admin role.",
		Permission: domain.PermWrite, Errors: errsDelete,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
	}) (*EvidenceFileOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		f, err := s.Evidence.DeleteEvidenceFile(ctx, in.ID, v)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return evidenceFileOutput(f), nil
	})
}

// evidenceUploadBody documents the multipart body of the upload.
func evidenceUploadBody() *huma.RequestBody {
	str := func(desc string, max int) *huma.Schema {
		return &huma.Schema{Type: huma.TypeString, Description: desc, MaxLength: &max}
	}
	subjectID := str("The record the file is attached to.", 36)
	subjectID.Format = "uuid"
	item := str("For a confirmation: the clause code of the checklist answer the file supports.", 80)
	item.Pattern = "^[a-z][a-z0-9_]{1,79}$"
	maxFile := domain.MaxEvidenceMaxBytes
	file := &huma.Schema{Type: huma.TypeString, Format: "binary", MaxLength: &maxFile,
		Description: "The file, with its name in the part's filename. Its media type is sniffed from its bytes; it may be as large as the settings' evidence_max_bytes."}
	schema := &huma.Schema{
		Type: huma.TypeObject,
		Properties: map[string]*huma.Schema{
			"subject_type": {Ref: schemaPrefix + "EvidenceSubject", Description: "The kind of record."},
			"subject_id":   subjectID,
			"item_code":    item,
			"file":         file,
		},
		Required: []string{"subject_type", "subject_id", "file"},
	}
	schema.PrecomputeMessages()
	return &huma.RequestBody{
		Required:    true,
		Description: "The fields first, then the file.",
		Content: map[string]*huma.MediaType{"multipart/form-data": {
			Schema:   schema,
			Encoding: map[string]*huma.Encoding{"file": {ContentType: "application/octet-stream"}},
		}},
	}
}

// uploadEvidence reads the multipart body as a stream and hands the file
// part to the store.
func (s *Server) uploadEvidence(ctx context.Context, w http.ResponseWriter, r *http.Request) (*domain.EvidenceFile, error) {
	settings, err := s.Settings.GetSettings(ctx)
	if err != nil {
		return nil, s.problem(ctx, "body", err)
	}
	limit := settings.EvidenceMaxBytes
	if r.ContentLength > limit+evidenceFormSlack {
		w.Header().Set("Connection", "close")
		return nil, s.problem(ctx, "body", domain.EvidenceTooLarge(limit))
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+evidenceFormSlack)
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(EvidenceUploadTimeout))
	in, err := readEvidenceForm(r)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		w.Header().Set("Connection", "close")
		return nil, s.problem(ctx, "body", domain.EvidenceTooLarge(limit))
	}
	if err != nil {
		return nil, err
	}
	f, err := s.Evidence.UploadEvidenceFile(ctx, in)
	switch {
	case errors.As(err, &mbe):
		return nil, s.problem(ctx, "body", domain.EvidenceTooLarge(limit))
	case err != nil:
		if code := domain.ErrorCodeOf(err); code == domain.ETOOLARGE || code == domain.EUNSUPPORTED {
			// The rest of the body is not read: close the connection
			// after answering rather than drain it.
			w.Header().Set("Connection", "close")
		}
		return nil, s.problem(ctx, "body", err)
	}
	return f, nil
}

// readEvidenceForm reads the form's fields up to the file part, which it
// leaves unread in Content.
func readEvidenceForm(r *http.Request) (domain.EvidenceUpload, error) {
	vals, file, err := readUploadForm(r, "fields subject_type, subject_id, item_code, then file", "subject_type", "subject_id", "item_code")
	in := domain.EvidenceUpload{SubjectType: domain.EvidenceSubject(vals["subject_type"]), SubjectID: vals["subject_id"], ItemCode: vals["item_code"]}
	if err != nil {
		return in, err
	}
	if file == nil {
		if err := checkEvidenceFields(in); err != nil {
			return in, err
		}
		return in, huma.NewError(http.StatusBadRequest, "no file was sent", &huma.ErrorDetail{Location: "body.file", Message: "is required"})
	}
	_, st := vals["subject_type"]
	_, si := vals["subject_id"]
	if !st || !si {
		return in, huma.NewError(http.StatusBadRequest, "send subject_type and subject_id before the file",
			&huma.ErrorDetail{Location: "body.file", Message: "must come after subject_type and subject_id"})
	}
	in.FileName = file.FileName()
	in.Content = file
	return in, checkEvidenceFields(in)
}

// readUploadForm reads a multipart/form-data body as a stream: the named
// short text fields, in any order, up to the part named file, which it
// returns unread (nil when the body has none). The uploads of evidence
// files and imports share it; hint says what the form holds.
func readUploadForm(r *http.Request, hint string, fields ...string) (map[string]string, *multipart.Part, error) {
	vals := map[string]string{}
	bad := func(msg string, details ...error) (map[string]string, *multipart.Part, error) {
		return vals, nil, huma.NewError(http.StatusBadRequest, msg, details...)
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return bad("send the file as multipart/form-data ("+hint+")",
			&huma.ErrorDetail{Location: "header.Content-Type", Message: "must be multipart/form-data", Value: r.Header.Get("Content-Type")})
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return bad("the multipart body cannot be read: " + err.Error())
	}
	known := map[string]bool{}
	for _, f := range fields {
		known[f] = true
	}
	seen := map[string]bool{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return vals, nil, nil
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return vals, nil, err
		}
		if err != nil {
			return bad("the multipart body cannot be read: " + err.Error())
		}
		name := part.FormName()
		if seen[name] {
			return bad("each field may be sent once", &huma.ErrorDetail{Location: "body." + name, Message: "is sent more than once"})
		}
		seen[name] = true
		switch {
		case known[name]:
			v, err := formValue(part)
			if err != nil {
				return bad("the multipart body cannot be read", &huma.ErrorDetail{Location: "body." + name, Message: err.Error()})
			}
			vals[name] = v
		case name == "file":
			return vals, part, nil
		default:
			return bad("unknown form field", &huma.ErrorDetail{Location: "body." + truncateRunes(name, 100), Message: "is not a field of this form"})
		}
	}
}

// checkEvidenceFields checks the form's fields as huma would check a JSON
// body's: 422 naming each.
func checkEvidenceFields(in domain.EvidenceUpload) error {
	var details []error
	if !in.SubjectType.Valid() {
		details = append(details, &huma.ErrorDetail{Location: "body.subject_type", Message: "must be one of vendor, contract, confirmation, corrective_action, cloud_service, social_account, incident, inspection_answer, audit, policy_review", Value: string(in.SubjectType)})
	}
	if !uuidLike(in.SubjectID) {
		details = append(details, &huma.ErrorDetail{Location: "body.subject_id", Message: "must be a UUID", Value: in.SubjectID})
	}
	if in.ItemCode != "" && !itemCodeLike(in.ItemCode) {
		details = append(details, &huma.ErrorDetail{Location: "body.item_code", Message: "must match ^[a-z][a-z0-9_]{1,79}$", Value: in.ItemCode})
	}
	if len(details) > 0 {
		return huma.NewError(http.StatusUnprocessableEntity, "validation failed", details...)
	}
	return nil
}

// formValue reads a short text field.
func formValue(p *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, 201))
	if err != nil {
		return "", err
	}
	if len(b) > 200 {
		return "", errors.New("is longer than 200 bytes")
	}
	return strings.TrimSpace(string(b)), nil
}

func uuidLike(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
				return false
			}
		}
	}
	return true
}

func itemCodeLike(s string) bool {
	if len(s) < 2 || len(s) > 80 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return false
		}
	}
	return true
}

// ContentDisposition is the attachment header of a download: an ASCII
// fallback name and the UTF-8 name (RFC 6266, RFC 8187).
func ContentDisposition(name string) string {
	fallback := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' || r == ';' {
			return '_'
		}
		return r
	}, name)
	const hex = "0123456789ABCDEF"
	var ext strings.Builder
	for _, b := range []byte(name) {
		if b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("!#$&+-.^_|~", b) >= 0 {
			ext.WriteByte(b)
			continue
		}
		ext.WriteByte('%')
		ext.WriteByte(hex[b>>4])
		ext.WriteByte(hex[b&15])
	}
	return `attachment; filename="` + fallback + `"; filename*=UTF-8''` + ext.String()
}
