package web

import (
	"crypto/hmac"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/domain"
)

// Evidence files on the staff pages: a section on each record's page
// (templates/partials/evidence.html, filled by evidenceSection) lists the
// record's files with their download links and, for editors, a delete
// button and an upload form. The upload form is multipart/form-data, which
// checkCSRF does not read: its first field is the CSRF token, checked here
// before anything else is read, and the file streams from the request to
// the blob store as in the API.

// evidencePagePath is the upload form's target.
const evidencePagePath = api.EvidenceUploadPagePath

func (h *Handler) evidenceRoutes(r chi.Router) {
	r.With(h.needs(domain.PermWrite)).Post(evidencePagePath, h.evidenceUpload)
	r.With(h.needs(domain.PermRead)).Get(evidencePagePath+"/{id}/content", h.evidenceDownload)
	r.With(h.needs(domain.PermWrite)).Post(evidencePagePath+"/{id}/delete", h.evidenceDelete)
}

// isEvidenceUpload reports whether r is the upload form, whose CSRF token
// the handler checks in the multipart body itself.
func isEvidenceUpload(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return r.Method == http.MethodPost && (r.URL.Path == evidencePagePath || r.URL.Path == importsPagePath) && mt == "multipart/form-data"
}

// EvidenceSection is a record's files, for the evidence partial.
type EvidenceSection struct {
	SubjectType domain.EvidenceSubject
	SubjectID   string
	Rows        []evidenceRow
	// More says the record has more files than are listed.
	More bool
	// Items are the parts of the record a file may be given for (a
	// confirmation's checklist items); empty for none.
	Items []EvidenceItem
	// MaxSize is the settings' limit, for people (20MB).
	MaxSize string
	// Failed says the files could not be read; the section says so.
	Failed bool
}

// EvidenceItem is one part of a record a file may support.
type EvidenceItem struct {
	Code, Title string
}

type evidenceRow struct {
	F    *domain.EvidenceFile
	Size string
	Type string
	Item string
}

// evidenceRef is a page and its evidence section, for the partial.
type evidenceRef struct {
	P *Page
	S *EvidenceSection
}

// evidenceSection reads a record's live files for its page; items are the
// record's parts a file may be given for (nil for none). Any detail page
// calls it and passes the result to {{template "evidence" (evidenceArg . $d.Evidence)}}.
func (h *Handler) evidenceSection(r *http.Request, st domain.EvidenceSubject, id string, items []EvidenceItem) *EvidenceSection {
	l := localeOf(r)
	s := &EvidenceSection{SubjectType: st, SubjectID: id, Items: items}
	if h.cfg.Evidence == nil {
		return nil
	}
	if settings, err := h.cfg.Settings.GetSettings(r.Context()); err == nil {
		s.MaxSize = domain.FormatBytes(settings.EvidenceMaxBytes, l)
	}
	page, err := h.cfg.Evidence.ListEvidenceFiles(r.Context(), domain.EvidenceFilter{SubjectType: st, SubjectID: id}, domain.PageRequest{Limit: domain.MaxPageSize})
	if err != nil {
		h.log.WarnContext(r.Context(), "web: evidence files of a record", "subject_type", st, "subject_id", id, "error", err)
		s.Failed = true
		return s
	}
	titles := map[string]string{}
	for _, it := range items {
		titles[it.Code] = it.Title
	}
	for _, f := range page.Items {
		row := evidenceRow{F: f, Size: domain.FormatBytes(f.Size, l), Type: mediaTypeLabel(f.MediaType, l), Item: f.ItemCode}
		if t, ok := titles[f.ItemCode]; ok {
			row.Item = t
		}
		s.Rows = append(s.Rows, row)
	}
	s.More = page.NextCursor != ""
	return s
}

// mediaTypeLabel names a media type as people know it.
func mediaTypeLabel(mt string, l domain.Locale) string {
	switch domain.MediaTypeEssence(mt) {
	case "application/pdf":
		return "PDF"
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return translate(l, "evidence.type_image", strings.ToUpper(strings.TrimPrefix(domain.MediaTypeEssence(mt), "image/")))
	case "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "application/msword", "application/vnd.oasis.opendocument.text":
		return "Word"
	case "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/vnd.ms-excel", "application/vnd.oasis.opendocument.spreadsheet":
		return "Excel"
	case "application/vnd.openxmlformats-officedocument.presentationml.presentation", "application/vnd.ms-powerpoint", "application/vnd.oasis.opendocument.presentation":
		return "PowerPoint"
	case "text/csv":
		return "CSV"
	case "text/plain":
		return translate(l, "evidence.type_text")
	}
	return domain.MediaTypeEssence(mt)
}

// evidenceUpload reads the multipart form as a stream: csrf first, then the
// fields, then the file, which goes to the service unread.
func (h *Handler) evidenceUpload(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	limit := int64(domain.DefaultEvidenceMaxBytes)
	if s, err := h.cfg.Settings.GetSettings(ctx); err == nil {
		limit = s.EvidenceMaxBytes
	}
	const slack = 64 << 10
	if r.ContentLength > limit+slack {
		w.Header().Set("Connection", "close")
		h.evidenceRefused(w, r, "/", domain.EvidenceTooLarge(limit))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit+slack)
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(api.EvidenceUploadTimeout))
	mr, err := r.MultipartReader()
	if err != nil {
		h.renderError(w, r, http.StatusBadRequest, "error.invalid")
		return
	}
	part, err := mr.NextPart()
	if err != nil || part.FormName() != "csrf" {
		h.renderError(w, r, http.StatusForbidden, "error.csrf")
		return
	}
	token, err := shortField(part)
	want := stateOf(r).csrf
	if err != nil || want == "" || !hmac.Equal([]byte(token), []byte(want)) {
		h.renderError(w, r, http.StatusForbidden, "error.csrf")
		return
	}
	var in domain.EvidenceUpload
	back := "/"
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			h.evidenceRefused(w, r, back, domain.EvidenceTooLarge(limit))
			return
		}
		if err != nil {
			h.renderError(w, r, http.StatusBadRequest, "error.invalid")
			return
		}
		if part.FormName() == "file" {
			in.FileName, in.Content = part.FileName(), part
			if in.FileName == "" {
				in.Content = nil // the form was sent without choosing a file
			}
			break
		}
		v, err := shortField(part)
		if err != nil {
			h.renderError(w, r, http.StatusBadRequest, "error.invalid")
			return
		}
		switch part.FormName() {
		case "back":
			back = localNext(v)
		case "subject_type":
			in.SubjectType = domain.EvidenceSubject(v)
		case "subject_id":
			in.SubjectID = v
		case "item_code":
			in.ItemCode = v
		}
	}
	if _, err := h.cfg.Evidence.UploadEvidenceFile(ctx, in); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = domain.EvidenceTooLarge(limit)
		}
		h.evidenceRefused(w, r, back, err)
		return
	}
	redirect(w, r, back, "evidence_uploaded")
}

// shortField reads a text field of the upload form.
func shortField(p io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, 1001))
	if err != nil {
		return "", err
	}
	if len(b) > 1000 {
		return "", errors.New("field too long")
	}
	return strings.TrimSpace(string(b)), nil
}

// evidenceRefusedData is the page of a refused upload.
type evidenceRefusedData struct {
	Status  int
	Message string
	Details []string
	Back    string
}

// evidenceRefused answers a refused upload: 413 (too large), 415 (a type
// that is not allowed) or 422, with what to do in the person's language and
// a link back to the record; anything else as the error page.
func (h *Handler) evidenceRefused(w http.ResponseWriter, r *http.Request, back string, err error) {
	status := 0
	switch domain.ErrorCodeOf(err) {
	case domain.ETOOLARGE:
		status = http.StatusRequestEntityTooLarge
		w.Header().Set("Connection", "close")
	case domain.EUNSUPPORTED:
		status = http.StatusUnsupportedMediaType
		w.Header().Set("Connection", "close")
	case domain.EINVALID:
		status = http.StatusUnprocessableEntity
	default:
		h.fail(w, r, err)
		return
	}
	l := localeOf(r)
	d := evidenceRefusedData{Status: status, Message: domain.MessageFor(err, l), Back: back}
	if e, ok := errorsAs(err); ok && e.Code == domain.EINVALID {
		for _, f := range e.Fields {
			d.Details = append(d.Details, f.MessageFor(l))
		}
	}
	h.render(w, r, status, &Page{Name: "evidence_refused.html", Data: d})
}

// evidenceDownload sends a file as an attachment.
func (h *Handler) evidenceDownload(w http.ResponseWriter, r *http.Request) {
	f, rc, err := h.cfg.Evidence.OpenEvidenceFile(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	defer func() { _ = rc.Close() }()
	hd := w.Header()
	hd.Set("Content-Type", f.MediaType)
	hd.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	hd.Set("Content-Disposition", api.ContentDisposition(f.FileName))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("ETag", `"`+f.SHA256+`"`)
	hd.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, rc); err != nil {
		h.log.WarnContext(r.Context(), "web: evidence file download cut short", "id", f.ID, "error", err)
	}
}

// evidenceDelete marks a file deleted and returns to the record.
func (h *Handler) evidenceDelete(w http.ResponseWriter, r *http.Request) {
	ff := newFormFields(r)
	version := ff.Version()
	back := localNext(ff.String("back"))
	if err := ff.Err(); err != nil {
		h.fail(w, r, err)
		return
	}
	if _, err := h.cfg.Evidence.DeleteEvidenceFile(r.Context(), chi.URLParam(r, "id"), version); err != nil {
		h.fail(w, r, err)
		return
	}
	redirect(w, r, back, "evidence_deleted")
}
