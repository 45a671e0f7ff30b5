package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/vendorwatch/vendorwatch/domain"
)

//go:embed templates
var templateFS embed.FS

// templates holds one parsed template set per page: the layout, the
// partials and the page's own file, which defines "title" and "content".
type templates struct {
	byPage map[string]*template.Template
}

// funcs are the helpers every template may call that need no request;
// the request's locale is reached through the page's methods (.T, .Date).
var funcs = template.FuncMap{
	"add":  func(a, b int) int { return a + b },
	"join": strings.Join,
	// fieldArg passes a page and a field name to the field-error partial.
	"fieldArg": func(p *Page, name string) fieldRef { return fieldRef{P: p, Name: name} },
	// listArg passes a page and its List to the list partials.
	"listArg": func(p *Page, l List) listRef { return listRef{P: p, L: l} },
	// evidenceArg passes a page and a record's files to the evidence partial.
	"evidenceArg": func(p *Page, s *EvidenceSection) evidenceRef { return evidenceRef{P: p, S: s} },
	"deref": func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	},
}

// fieldRef is one field of a page's form, for the partials.
type fieldRef struct {
	P    *Page
	Name string
}

// listRef is a page and one of its lists, for the list partials.
type listRef struct {
	P *Page
	L List
}

func parseTemplates() (*templates, error) {
	base, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse layout: %w", err)
	}
	files, err := fs.Glob(templateFS, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	out := &templates{byPage: map[string]*template.Template{}}
	for _, f := range files {
		t, err := template.Must(base.Clone()).ParseFS(templateFS, f)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", f, err)
		}
		out.byPage[path.Base(f)] = t
	}
	return out, nil
}

// Page is what every page template sees: the signed-in person, the
// language, the CSRF token, the form errors and the page's own Data.
type Page struct {
	// Name is the page's template file, such as "home.html".
	Name string
	// Title is the page's title, already translated; empty to take the
	// template's "title".
	Title string
	// Me is the signed-in person; nil on the sign-in pages.
	Me    *domain.Person
	Actor domain.Actor
	// Locale is the language of the page.
	Locale domain.Locale
	// Era writes Japanese dates with the era (settings.japanese_era_dates).
	Era bool
	// CSRF is the token each form posts back as "csrf".
	CSRF string
	// Path is the request's path, for the navigation's current item and
	// for returning to the page after a form.
	Path string
	// Flash is a translated notice shown at the top (after a redirect).
	Flash string
	// Form holds the submitted values and errors of a refused form.
	Form *Form
	// Today is the body's calendar day.
	Today domain.Date
	// Data is the page's own data.
	Data any
}

// T translates key into the page's language; args fill its %s/%d verbs.
func (p *Page) T(key string, args ...any) string { return translate(p.Locale, key, args...) }

// Date writes a date as people in the page's language read it:
// 2027年4月1日（木） (with the era when the setting asks for it), or
// Thu 1 Apr 2027.
func (p *Page) Date(d domain.Date) string { return d.FormatFor(p.Locale, p.Era) }

// DatePtr writes an optional date; empty for nil.
func (p *Page) DatePtr(d *domain.Date) string {
	if d == nil {
		return ""
	}
	return p.Date(*d)
}

// Time writes an instant in the body's time zone, to the minute.
func (p *Page) Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	local := t.In(tokyo)
	if p.Locale == domain.LocaleEn {
		return local.Format("2 Jan 2006 15:04")
	}
	return local.Format("2006年1月2日 15:04")
}

// TimePtr writes an optional instant; empty for nil.
func (p *Page) TimePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return p.Time(*t)
}

// DaysLeft words the days from today to d: あと3日, 本日が期限, 5日超過.
func (p *Page) DaysLeft(d domain.Date) string {
	return domain.DueWording(p.Locale, p.Today.DaysUntil(d))
}

// Overdue reports whether d is before today.
func (p *Page) Overdue(d domain.Date) bool { return d.Before(p.Today) }

// Can reports whether the signed-in person's role has permission perm
// ("read", "write", "audit", "admin"): pages show only the forms a person
// may send; the service refuses the others anyway.
func (p *Page) Can(perm string) bool { return p.Actor.Role.Allows(domain.Permission(perm)) }

// HasRole reports whether the signed-in person holds a security role.
func (p *Page) HasRole(r string) bool {
	return p.Me != nil && p.Me.HasSecurityRole(domain.SecurityRole(r))
}

// Current reports whether the page is under prefix, for aria-current in
// the navigation.
func (p *Page) Current(prefix string) bool {
	if prefix == "/" {
		return p.Path == "/"
	}
	return p.Path == prefix || strings.HasPrefix(p.Path, prefix+"/")
}

// Err is the error of the form field name, or "".
func (p *Page) Err(name string) string {
	if p.Form == nil {
		return ""
	}
	return p.Form.Errors[name]
}

// Value is the submitted value of the form field name, so that a refused
// form keeps what the person typed; fallback when nothing was submitted.
func (p *Page) Value(name string, fallback ...any) string {
	if p.Form != nil && p.Form.Values != nil {
		if vs, ok := p.Form.Values[name]; ok && len(vs) > 0 {
			return vs[0]
		}
	}
	if len(fallback) > 0 && fallback[0] != nil {
		return fmt.Sprint(fallback[0])
	}
	return ""
}

// Label translates an enum value through the key prefix.value, falling
// back to the value itself.
func (p *Page) Label(prefix string, value any) string {
	v := fmt.Sprint(value)
	key := prefix + "." + v
	if out := translate(p.Locale, key); out != key {
		return out
	}
	return v
}

// tokyo is the body's time zone for times shown on pages.
var tokyo = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return l
	}
	return time.FixedZone("JST", 9*3600)
}()

// render writes the page with status.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, p *Page) {
	h.fillPage(r, p)
	t, ok := h.pages.byPage[p.Name]
	if !ok {
		h.log.ErrorContext(r.Context(), "web: no such page template", "page", p.Name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		h.log.ErrorContext(r.Context(), "web: render page", "page", p.Name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// page renders a page with status 200.
func (h *Handler) page(w http.ResponseWriter, r *http.Request, name string, data any) {
	h.render(w, r, http.StatusOK, &Page{Name: name, Data: data})
}

// fillPage sets what every page has from the request.
func (h *Handler) fillPage(r *http.Request, p *Page) {
	rs := stateOf(r)
	p.Me, p.Actor, p.CSRF, p.Era = rs.me, rs.actor, rs.csrf, rs.era
	if p.Locale == "" {
		p.Locale = localeOf(r)
	}
	p.Path = r.URL.Path
	p.Today = h.today()
	if p.Flash == "" {
		if f := r.URL.Query().Get("done"); f != "" && isFlashKey(f) {
			p.Flash = translate(p.Locale, "flash."+f)
		}
	}
}

// isFlashKey accepts the notices a redirect may ask for by name, so that
// a crafted link cannot put arbitrary text on a page.
func isFlashKey(k string) bool {
	_, ok := messages["flash."+k]
	return ok
}

// renderError renders the error page with status and the message key.
func (h *Handler) renderError(w http.ResponseWriter, r *http.Request, status int, key string) {
	h.render(w, r, status, &Page{Name: "error.html", Data: errorData{Status: status, Key: key}})
}

type errorData struct {
	Status  int
	Key     string
	Message string
}

// fail renders the answer to a service error that no form shows: 404 for
// ENOTFOUND, 403, 409, 503 with the service's message, and 500 without it.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := domain.ErrorCodeOf(err)
	status, key := http.StatusInternalServerError, "error.internal"
	switch code {
	case domain.ENOTFOUND:
		status, key = http.StatusNotFound, "error.not_found"
	case domain.EFORBIDDEN:
		status, key = http.StatusForbidden, "error.forbidden"
	case domain.ECONFLICT, domain.ESTALE:
		status, key = http.StatusConflict, "error.conflict"
	case domain.EINVALID:
		status, key = http.StatusUnprocessableEntity, "error.invalid"
	case domain.EUNAUTHORIZED:
		status, key = http.StatusUnauthorized, "error.unauthorized"
	case domain.EUNAVAILABLE:
		status, key = http.StatusServiceUnavailable, "error.unavailable"
		w.Header().Set("Retry-After", "5")
	}
	d := errorData{Status: status, Key: key}
	if code != domain.EINTERNAL {
		d.Message = domain.MessageFor(err, localeOf(r))
	} else {
		h.log.ErrorContext(r.Context(), "web: internal error", "path", r.URL.Path, "error", err)
	}
	h.render(w, r, status, &Page{Name: "error.html", Data: d})
}

// redirect answers a successful form with 303 to target, with a notice.
func redirect(w http.ResponseWriter, r *http.Request, target, flash string) {
	if flash != "" {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + "done=" + flash
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// errorsAs is errors.As for *domain.Error.
func errorsAs(err error) (*domain.Error, bool) {
	var e *domain.Error
	ok := errors.As(err, &e)
	return e, ok
}
