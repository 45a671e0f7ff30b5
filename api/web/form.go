package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/domain"
)

// Form is a submitted form that a service refused: what the person typed,
// each field's error by its name (the JSON name the service reports, such
// as "clauses[2].status"), and the errors that belong to no field, shown in
// the summary at the top.
type Form struct {
	Values url.Values
	Errors map[string]string
	// Order lists the fields with errors in the order the service named
	// them, for the summary.
	Order []string
	// General is the message of a refusal that names no field (a 409 or
	// 403 from a rule).
	General string
}

// HasErrors reports whether the form has anything to show.
func (f *Form) HasErrors() bool { return f != nil && (len(f.Errors) > 0 || f.General != "") }

// formOf turns a service error into a Form: EINVALID fields next to their
// controls, any other refusal (EFORBIDDEN, ECONFLICT, ESTALE) as the
// summary. It returns nil for errors no form shows (ENOTFOUND, internal,
// unavailable): fail renders those.
func formOf(r *http.Request, err error) *Form {
	e, ok := errorsAs(err)
	if !ok {
		return nil
	}
	switch e.Code {
	case domain.EINVALID, domain.EFORBIDDEN, domain.ECONFLICT, domain.ESTALE:
	default:
		return nil
	}
	l := localeOf(r)
	f := &Form{Values: r.PostForm, Errors: map[string]string{}}
	for _, fe := range e.Fields {
		name := strings.TrimPrefix(fe.Field, "body.")
		if _, dup := f.Errors[name]; dup {
			continue
		}
		f.Errors[name] = fe.MessageFor(l)
		f.Order = append(f.Order, name)
	}
	if len(e.Fields) == 0 || e.Code != domain.EINVALID {
		f.General = domain.MessageFor(err, l)
	}
	return f
}

// refused renders page again with the refused form, or the error page for
// errors no form shows. data is the page's data, reloaded by the caller.
func (h *Handler) refused(w http.ResponseWriter, r *http.Request, name string, data any, err error) {
	f := formOf(r, err)
	if f == nil {
		h.fail(w, r, err)
		return
	}
	status := http.StatusUnprocessableEntity
	switch domain.ErrorCodeOf(err) {
	case domain.EFORBIDDEN:
		status = http.StatusForbidden
	case domain.ECONFLICT:
		status = http.StatusConflict
	case domain.ESTALE:
		status = http.StatusPreconditionFailed
	}
	h.render(w, r, status, &Page{Name: name, Form: f, Data: data})
}

// formFields collects the errors of values that cannot even be read
// (a malformed date or number), named like the service's fields.
type formFields struct {
	r      *http.Request
	errors domain.FieldErrors
	locale domain.Locale
}

func newFormFields(r *http.Request) *formFields { return &formFields{r: r, locale: localeOf(r)} }

// String returns the trimmed value of name.
func (ff *formFields) String(name string) string { return strings.TrimSpace(ff.r.PostForm.Get(name)) }

// OptString returns nil for an empty value.
func (ff *formFields) OptString(name string) *string {
	if v := ff.String(name); v != "" {
		return &v
	}
	return nil
}

// Date reads a yyyy-mm-dd field (an <input type="date">); required fields
// are reported when empty.
func (ff *formFields) Date(name string, required bool) *domain.Date {
	v := ff.String(name)
	if v == "" {
		if required {
			ff.errors.Add(name, translate(ff.locale, "form.required"), v)
		}
		return nil
	}
	d, err := domain.ParseDate(v)
	if err != nil {
		ff.errors.Add(name, translate(ff.locale, "form.bad_date"), v)
		return nil
	}
	return &d
}

// Int reads a whole number field.
func (ff *formFields) Int(name string) int {
	v := ff.String(name)
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		ff.errors.Add(name, translate(ff.locale, "form.bad_number"), v)
	}
	return n
}

// Bool reads a checkbox.
func (ff *formFields) Bool(name string) bool {
	v := ff.String(name)
	return v == "1" || v == "on" || v == "true"
}

// Version reads the hidden version field that forms send back as the
// API's If-Match, so a change made meanwhile is refused as stale.
func (ff *formFields) Version() *int {
	v := ff.String("version")
	if v == "" {
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		ff.errors.Add("version", translate(ff.locale, "form.bad_number"), v)
		return nil
	}
	return &n
}

// Err returns the collected errors as one EINVALID error, or nil.
func (ff *formFields) Err() error { return ff.errors.Err(translate(ff.locale, "form.fix_fields")) }

// pathf builds a page path.
func pathf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// recordPage is a record's page that carries forms: its template, its
// path (with %s for the id), and what loads its data.
type recordPage struct {
	Template string
	Path     string
	Load     func(r *http.Request, id string) (any, error)
}

// recordForm runs one form of a record's page: call reads the form and
// makes the service call for the record named by the path's {id}. On a
// refusal the page is loaded and shown again with the errors on the form's
// own field names (rename, nil for none); only then, so a success costs no
// page load. On success the browser goes back to the record's page with the
// flash message.
func (h *Handler) recordForm(w http.ResponseWriter, r *http.Request, p recordPage, flash string, rename func(string) string,
	call func(ctx context.Context, ff *formFields, id string, version *int) error) {
	id := chi.URLParam(r, "id")
	ff := newFormFields(r)
	err := call(r.Context(), ff, id, ff.Version())
	if err == nil {
		redirect(w, r, pathf(p.Path, id), flash)
		return
	}
	d, lerr := p.Load(r, id)
	if lerr != nil {
		h.fail(w, r, lerr)
		return
	}
	if rename != nil {
		err = renameFields(err, rename)
	}
	h.refused(w, r, p.Template, d, err)
}
