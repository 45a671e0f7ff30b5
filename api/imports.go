package api

import (
	"context"
	"encoding/csv"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// Imports (取込み): POST /v1/imports takes a multipart/form-data body
// (register, encoding, then file) that the handler reads itself, as the
// evidence upload does (readUploadForm); the answer is the dry run. The
// commit sends back the file's SHA-256 from the dry run (JSON body
// {"sha256": …}) with If-Match: the file is not uploaded again, and a
// dry run of another file, or of a register that changed since, is
// refused with 409.

// ImportUploadPath is the path of the upload.
const ImportUploadPath = "/v1/imports"

// ImportUploadPagePath is the staff pages' upload form (api/web).
const ImportUploadPagePath = "/imports"

// importFormSlack is what the form's fields and part headers may add to
// the file's bytes.
const importFormSlack = 64 << 10

// isImportUpload reports whether r uploads an import file.
func isImportUpload(r *http.Request) bool {
	return r.Method == http.MethodPost && (r.URL.Path == ImportUploadPath || r.URL.Path == ImportUploadPagePath)
}

// isImportCommit reports whether r commits an import, through the API or
// the staff page: it writes every row of the file in one transaction, which
// for thousands of rows outlasts an ordinary request's deadline.
func isImportCommit(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	rest, ok := strings.CutPrefix(r.URL.Path, ImportUploadPath+"/")
	if !ok {
		rest, ok = strings.CutPrefix(r.URL.Path, ImportUploadPagePath+"/")
	}
	id, commit := strings.CutSuffix(rest, "/commit")
	return ok && commit && id != "" && !strings.Contains(id, "/")
}

// ImportOutput is one import with its ETag.
type ImportOutput struct {
	ETag string `header:"ETag" doc:"The import's version as a strong ETag; send it back in If-Match to commit."`
	Body *domain.Import
}

// ImportCreatedOutput is a planned import (201), or a large one a job is
// planning (202, status running).
type ImportCreatedOutput struct {
	Status   int
	ETag     string `header:"ETag" doc:"The import's version as a strong ETag."`
	Location string `header:"Location" pattern:"^/v1/imports/[0-9a-f-]{36}$" doc:"Path of the new import."`
	Body     *domain.Import
}

// ImportCommitBody confirms the file of the dry run.
type ImportCommitBody struct {
	SHA256 string `json:"sha256" minLength:"64" maxLength:"64" pattern:"^[0-9a-fA-F]{64}$" doc:"The file's SHA-256 as the dry run answered it: a commit of another file is refused with 409."`
}

// ImportRejectedOutput is the rejected rows as CSV.
type ImportRejectedOutput struct {
	ContentType        string `header:"Content-Type" doc:"text/csv; charset=utf-8"`
	ContentDisposition string `header:"Content-Disposition" doc:"attachment, named after the uploaded file."`
	Body               func(huma.Context)
}

// ImportUploadTimeout is the deadline of an upload's request.
const ImportUploadTimeout = 5 * time.Minute

func (s *Server) registerImports() {
	const tag = "Imports"
	upload := operation{
		ID: "create-import", Method: http.MethodPost, Path: ImportUploadPath, Tag: tag,
		Summary: "Upload a spreadsheet for a dry run",
		Description: "Reads a CSV (UTF-8 with or without BOM, or Shift_JIS / CP932: stated in encoding, or detected: valid UTF-8 is " +
			"UTF-8) or an XLSX workbook (its first sheet) into a register, and answers the dry run: per row what committing would " +
			"create, update or leave unchanged (matched by 法人番号 or name for vendors), and every error with its row and column. " +
			"Nothing in the register changes. A file of more than 2,000 rows is planned by a job where one runs: the answer is then 202 " +
			"with status running, and GET /v1/imports/{id} shows the progress (rows_done of rows_total) until it is a dry run. The body is multipart/form-data with register and encoding first and file last. " +
			"The header row names the columns in Japanese or English (see the README); full-width digits are accepted. " +
			"A file larger than 20 MiB is refused with 413, one that is neither CSV nor XLSX with 415, unknown columns or more " +
			"than 50,000 rows with 422. Needs the editor or admin role; the people register needs admin.",
		Permission: domain.PermWrite, Status: http.StatusCreated,
		Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity},
	}.huma()
	upload.Middlewares = huma.Middlewares{withRawRequest}
	huma.Register(s.api, upload, func(ctx context.Context, _ *struct{}) (*ImportCreatedOutput, error) {
		pair, _ := ctx.Value(rawRequestKey{}).([2]any)
		r, _ := pair[0].(*http.Request)
		w, _ := pair[1].(http.ResponseWriter)
		if r == nil {
			return nil, huma.Error500InternalServerError("internal error; the server log has the details")
		}
		im, err := s.uploadImport(ctx, w, r)
		if err != nil {
			return nil, err
		}
		status := http.StatusCreated
		if im.Status == domain.ImportRunning {
			status = http.StatusAccepted
		}
		return &ImportCreatedOutput{Status: status, ETag: etag(im.Version), Location: ImportUploadPath + "/" + im.ID, Body: im}, nil
	})
	if op := s.api.OpenAPI().Paths[ImportUploadPath]; op != nil && op.Post != nil {
		op.Post.RequestBody = importUploadBody()
		if ok := op.Post.Responses["201"]; ok != nil {
			accepted := *ok
			accepted.Description = "Accepted: a large file, planned by a job; the import's status is running, and GET /v1/imports/{id} shows the progress."
			op.Post.Responses["202"] = &accepted
		}
		op.Post.Responses["413"].Description = "Content Too Large: the file is larger than 20 MiB. Nothing is stored."
		op.Post.Responses["415"].Description = "Unsupported Media Type: the file is neither CSV nor XLSX. Nothing is stored."
	}

	huma.Register(s.api, operation{
		ID: "list-imports", Method: http.MethodGet, Path: "/v1/imports", Tag: tag,
		Summary: "List imports", Description: "Lists the uploaded files and their plans, oldest first. Any role may read.",
		Permission: domain.PermRead, Errors: errsList,
	}.huma(), func(ctx context.Context, in *struct {
		PageParams
		Register string              `query:"register" enum:"vendors,contracts,cloud-services,social-accounts,people" doc:"Only imports into this register."`
		Status   domain.ImportStatus `query:"status" enum:"running,dry_run,committed,failed,expired" doc:"Only imports in this status."`
	}) (*ListOutput[*domain.Import], error) {
		page, err := s.Imports.ListImports(ctx, domain.ImportFilter{Register: in.Register, Status: in.Status}, in.request())
		if err != nil {
			return nil, s.problem(ctx, "query", err)
		}
		return listOutput(ctx, page), nil
	})

	huma.Register(s.api, operation{
		ID: "get-import", Method: http.MethodGet, Path: "/v1/imports/{id}", Tag: tag,
		Summary: "Get an import", Description: "Returns one import: its status, progress (rows_done of rows_total) and the plan's counts. Any role may read.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *IDParam) (*ImportOutput, error) {
		im, err := s.Imports.FindImport(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return &ImportOutput{ETag: etag(im.Version), Body: im}, nil
	})

	huma.Register(s.api, operation{
		ID: "list-import-rows", Method: http.MethodGet, Path: "/v1/imports/{id}/rows", Tag: tag,
		Summary: "List the rows of an import's plan",
		Description: "Lists the plan's rows in file order: action, the matched record and how it matched, the changed fields, and the " +
			"errors with row and column. errors_only=true lists the refused rows. Any role may read.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		PageParams
		ErrorsOnly bool `query:"errors_only" doc:"Only the refused rows."`
	}) (*ListOutput[*domain.ImportRow], error) {
		page, err := s.Imports.ImportRows(ctx, in.ID, in.ErrorsOnly, in.request())
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		return listOutput(ctx, page), nil
	})

	rejected := operation{
		ID: "download-import-rejected", Method: http.MethodGet, Path: "/v1/imports/{id}/rejected.csv", Tag: tag,
		Summary: "Download the rejected rows",
		Description: "The refused rows as CSV (UTF-8 with BOM, so that Excel opens Japanese correctly): the file's columns as uploaded " +
			"and a last column with the errors (エラー, or error with locale=en), so that the rows can be corrected and uploaded again. Any role may read.",
		Permission: domain.PermRead, Errors: errsGet,
	}.huma()
	maxCSV := domain.ImportMaxBytes * 2
	rejected.Responses = map[string]*huma.Response{"200": {
		Description: "The rejected rows.",
		Content:     map[string]*huma.MediaType{"text/csv": {Schema: &huma.Schema{Type: huma.TypeString, MaxLength: &maxCSV, Description: "CSV, UTF-8 with BOM."}}},
	}}
	huma.Register(s.api, rejected, func(ctx context.Context, in *struct {
		IDParam
		Locale domain.Locale `query:"locale" enum:"ja,en" doc:"Language of the error column; ja by default."`
	}) (*ImportRejectedOutput, error) {
		im, err := s.Imports.FindImport(ctx, in.ID)
		if err != nil {
			return nil, s.problem(ctx, "path", err)
		}
		name := strings.TrimSuffix(strings.TrimSuffix(im.FileName, ".csv"), ".xlsx") + "_rejected.csv"
		return &ImportRejectedOutput{ContentType: "text/csv; charset=utf-8", ContentDisposition: ContentDisposition(name),
			Body: func(hc huma.Context) {
				hc.SetStatus(http.StatusOK)
				if err := WriteRejectedCSV(ctx, hc.BodyWriter(), s.Imports, im, in.Locale); err != nil {
					s.log.WarnContext(ctx, "rejected rows cut short", "id", im.ID, "error", err)
				}
			}}, nil
	})

	huma.Register(s.api, operation{
		ID: "commit-import", Method: http.MethodPost, Path: "/v1/imports/{id}/commit", Tag: tag,
		Summary: "Commit an import's dry run",
		Description: "Applies exactly the dry run's plan, all or nothing, in one transaction, as the caller: every create and update " +
			"row through the register's own create and replace (the same rules as the API), each audited; refused rows are left out. " +
			"The body carries the file's sha256 from the dry run; another file's is refused with 409, and so is a commit after a " +
			"matched record changed, or of an import that is not a dry run. A failure leaves nothing written and marks the import failed. " +
			"If-Match: the import's ETag. Needs the editor or admin role; the people register needs admin.",
		Permission: domain.PermWrite, Errors: []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity},
	}.huma(), func(ctx context.Context, in *struct {
		IDParam
		IfMatchParam
		Body ImportCommitBody
	}) (*ImportOutput, error) {
		v, err := in.version()
		if err != nil {
			return nil, err
		}
		im, err := s.Imports.CommitImport(ctx, in.ID, v, in.Body.SHA256)
		if err != nil {
			return nil, s.problem(ctx, "body", err)
		}
		return &ImportOutput{ETag: etag(im.Version), Body: im}, nil
	})
}

// WriteRejectedCSV writes an import's refused rows as CSV, UTF-8 with BOM,
// with an error column in locale l; the staff pages' download uses it too.
func WriteRejectedCSV(ctx context.Context, w interface{ Write([]byte) (int, error) }, svc domain.ImportService, im *domain.Import, l domain.Locale) error {
	if _, err := w.Write([]byte("\ufeff")); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	errCol := "エラー"
	if l == domain.LocaleEn {
		errCol = "error"
	}
	if err := cw.Write(append(append([]string{}, im.Headers...), errCol)); err != nil {
		return err
	}
	p := domain.PageRequest{Limit: domain.MaxPageSize}
	for {
		page, err := svc.ImportRows(ctx, im.ID, true, p)
		if err != nil {
			return err
		}
		for _, r := range page.Items {
			rec := make([]string, 0, len(im.Headers)+1)
			for _, h := range im.Headers {
				rec = append(rec, neutralize(r.Values[h]))
			}
			msgs := make([]string, 0, len(r.Errors))
			for _, e := range r.Errors {
				m := e.Message
				if l != domain.LocaleEn && e.Ja != "" {
					m = e.Ja
				}
				if e.Column != "" {
					m = e.Column + ": " + m
				}
				msgs = append(msgs, m)
			}
			if err := cw.Write(append(rec, strings.Join(msgs, "\n"))); err != nil {
				return err
			}
		}
		if page.NextCursor == "" {
			break
		}
		p.Cursor = page.NextCursor
	}
	cw.Flush()
	return cw.Error()
}

// neutralize escapes a cell that a spreadsheet would read as a formula.
func neutralize(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// importUploadBody documents the multipart body of the upload.
func importUploadBody() *huma.RequestBody {
	maxFile := domain.ImportMaxBytes
	file := &huma.Schema{Type: huma.TypeString, Format: "binary", MaxLength: &maxFile,
		Description: "The CSV or XLSX file, with its name in the part's filename; at most 20 MiB and 50,000 data rows."}
	encMax := 20
	schema := &huma.Schema{
		Type: huma.TypeObject,
		Properties: map[string]*huma.Schema{
			"register": {Ref: schemaPrefix + "ImportRegister", Description: "The register the rows go into."},
			"encoding": {Type: huma.TypeString, MaxLength: &encMax, Pattern: "^[A-Za-z0-9_-]*$",
				Description: "The CSV's encoding: utf-8, or shift_jis (also cp932, sjis); omit to detect (valid UTF-8 is UTF-8, else Shift_JIS / CP932). Ignored for XLSX."},
			"file": file,
		},
		Required: []string{"register", "file"},
	}
	schema.PrecomputeMessages()
	return &huma.RequestBody{
		Required:    true,
		Description: "The fields first, then the file.",
		Content: map[string]*huma.MediaType{"multipart/form-data": {
			Schema:   schema,
			Encoding: map[string]*huma.Encoding{"file": {ContentType: "text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet, application/octet-stream"}},
		}},
	}
}

// uploadImport reads the multipart body and plans the file.
func (s *Server) uploadImport(ctx context.Context, w http.ResponseWriter, r *http.Request) (*domain.Import, error) {
	if r.ContentLength > domain.ImportMaxBytes+importFormSlack {
		w.Header().Set("Connection", "close")
		return nil, s.problem(ctx, "body", domain.ImportTooLarge())
	}
	r.Body = http.MaxBytesReader(w, r.Body, domain.ImportMaxBytes+importFormSlack)
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(ImportUploadTimeout))
	in, _, err := ReadImportForm(r)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		w.Header().Set("Connection", "close")
		return nil, s.problem(ctx, "body", domain.ImportTooLarge())
	}
	if err != nil {
		return nil, err
	}
	im, err := s.Imports.CreateImport(ctx, in)
	if errors.As(err, &mbe) {
		w.Header().Set("Connection", "close")
		return nil, s.problem(ctx, "body", domain.ImportTooLarge())
	}
	if err != nil {
		return nil, s.problem(ctx, "body", err)
	}
	return im, nil
}

// ReadImportForm reads the upload's fields (register, encoding and, for
// the staff pages, csrf, returned for the page to check before the file is
// read) and leaves the file part unread in Content.
func ReadImportForm(r *http.Request) (in domain.ImportUpload, csrf string, err error) {
	vals, file, err := readUploadForm(r, "fields register, encoding, then file", "register", "encoding", "csrf")
	in = domain.ImportUpload{Register: vals["register"], Encoding: vals["encoding"]}
	if err != nil {
		return in, vals["csrf"], err
	}
	if file == nil || file.FileName() == "" {
		return in, vals["csrf"], huma.NewError(http.StatusBadRequest, "no file was sent", &huma.ErrorDetail{Location: "body.file", Message: "is required"})
	}
	in.FileName, in.Content = file.FileName(), file
	return in, vals["csrf"], nil
}
