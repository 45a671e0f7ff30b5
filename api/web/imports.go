package web

import (
	"crypto/hmac"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/domain"
)

// Imports (取込み) on the staff pages: the upload form and the list of
// imports, one import's dry run (counts, the rows with their errors, the
// rejected rows as CSV) with its commit button. The upload streams its
// multipart form as the API's does (api.ReadImportForm); its CSRF token is
// checked before the file is read.

const importsPagePath = api.ImportUploadPagePath

func (h *Handler) importRoutes(r chi.Router) {
	r.With(h.needs(domain.PermWrite)).Get(importsPagePath, h.importList)
	r.With(h.needs(domain.PermWrite)).Post(importsPagePath, h.importUpload)
	r.With(h.needs(domain.PermWrite)).Get(importsPagePath+"/{id}", h.importPage)
	r.With(h.needs(domain.PermWrite)).Get(importsPagePath+"/{id}/rejected.csv", h.importRejected)
	r.With(h.needs(domain.PermWrite)).Post(importsPagePath+"/{id}/commit", h.importCommit)
}

// importListData is the upload page's data.
type importListData struct {
	Imports   []*domain.Import
	Registers []string
	List      List
	Error     string
}

func (h *Handler) importList(w http.ResponseWriter, r *http.Request) {
	h.renderImportList(w, r, http.StatusOK, "")
}

func (h *Handler) renderImportList(w http.ResponseWriter, r *http.Request, status int, msg string) {
	lq := readList(r)
	page, err := h.cfg.Imports.ListImports(r.Context(), domain.ImportFilter{}, lq.Page)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := importListData{Imports: page.Items, Registers: domain.ImportRegisters, List: newList(importsPagePath, lq, page.NextCursor, h.today()), Error: msg}
	h.render(w, r, status, &Page{Name: "imports_list.html", Data: d})
}

func (h *Handler) importUpload(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > domain.ImportMaxBytes+64<<10 {
		w.Header().Set("Connection", "close")
		h.renderImportList(w, r, http.StatusRequestEntityTooLarge, domain.MessageFor(domain.ImportTooLarge(), localeOf(r)))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, domain.ImportMaxBytes+64<<10)
	in, token, err := api.ReadImportForm(r)
	want := stateOf(r).csrf
	if want == "" || !hmac.Equal([]byte(token), []byte(want)) {
		h.renderError(w, r, http.StatusForbidden, "error.csrf")
		return
	}
	var mbe *http.MaxBytesError
	var he huma.StatusError
	switch {
	case errors.As(err, &mbe):
		h.renderImportList(w, r, http.StatusRequestEntityTooLarge, domain.MessageFor(domain.ImportTooLarge(), localeOf(r)))
		return
	case errors.As(err, &he):
		h.renderImportList(w, r, http.StatusBadRequest, translate(localeOf(r), "import.choose_file"))
		return
	case err != nil:
		h.fail(w, r, err)
		return
	}
	im, err := h.cfg.Imports.CreateImport(r.Context(), in)
	if errors.As(err, &mbe) {
		err = domain.ImportTooLarge()
	}
	if err != nil {
		status := http.StatusUnprocessableEntity
		switch domain.ErrorCodeOf(err) {
		case domain.ETOOLARGE:
			status = http.StatusRequestEntityTooLarge
		case domain.EUNSUPPORTED:
			status = http.StatusUnsupportedMediaType
		case domain.EFORBIDDEN:
			status = http.StatusForbidden
		case domain.EINTERNAL, domain.EUNAVAILABLE:
			h.fail(w, r, err)
			return
		}
		msg := domain.MessageFor(err, localeOf(r))
		if de, ok := errorsAs(err); ok {
			for _, f := range de.Fields {
				msg += " " + f.MessageFor(localeOf(r))
			}
		}
		h.renderImportList(w, r, status, msg)
		return
	}
	flash := "import_planned"
	if im.Status == domain.ImportRunning {
		flash = "import_running"
	}
	redirect(w, r, importsPagePath+"/"+im.ID, flash)
}

// importPageData is one import's page.
type importPageData struct {
	Import     *domain.Import
	Rows       []*domain.ImportRow
	ErrorsOnly bool
	More       bool
	Next       string
	CanCommit  bool
	Error      string
}

func (h *Handler) importPage(w http.ResponseWriter, r *http.Request) {
	h.renderImportPage(w, r, http.StatusOK, "")
}

func (h *Handler) renderImportPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	id := chi.URLParam(r, "id")
	im, err := h.cfg.Imports.FindImport(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	errorsOnly := r.URL.Query().Get("errors") == "1"
	page, err := h.cfg.Imports.ImportRows(r.Context(), id, errorsOnly, domain.PageRequest{Limit: domain.MaxPageSize, Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	actor := stateOf(r).actor
	d := importPageData{Import: im, Rows: page.Items, ErrorsOnly: errorsOnly, More: page.NextCursor != "", Next: page.NextCursor, Error: msg,
		CanCommit: im.Status == domain.ImportDryRun && (im.Register != domain.RegisterPeople || actor.Role == domain.RoleAdmin)}
	h.render(w, r, status, &Page{Name: "imports_show.html", Data: d})
}

func (h *Handler) importRejected(w http.ResponseWriter, r *http.Request) {
	im, err := h.cfg.Imports.FindImport(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	name := strings.TrimSuffix(strings.TrimSuffix(im.FileName, ".csv"), ".xlsx") + "_rejected.csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", api.ContentDisposition(name))
	if err := api.WriteRejectedCSV(r.Context(), w, h.cfg.Imports, im, localeOf(r)); err != nil {
		h.log.WarnContext(r.Context(), "web: rejected rows cut short", "id", im.ID, "error", err)
	}
}

func (h *Handler) importCommit(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	v, err := strconv.Atoi(r.PostForm.Get("version"))
	if err != nil {
		h.renderError(w, r, http.StatusBadRequest, "error.invalid")
		return
	}
	if _, err := h.cfg.Imports.CommitImport(r.Context(), id, &v, r.PostForm.Get("sha256")); err != nil {
		switch domain.ErrorCodeOf(err) {
		case domain.ECONFLICT, domain.ESTALE, domain.EINVALID:
			h.renderImportPage(w, r, http.StatusConflict, domain.MessageFor(err, localeOf(r)))
		default:
			h.fail(w, r, err)
		}
		return
	}
	redirect(w, r, importsPagePath+"/"+id, "import_committed")
}
