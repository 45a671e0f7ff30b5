package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/api/export"
	"github.com/vendorwatch/vendorwatch/domain"
)

// ExportTimeout is the deadline of an export (a list as CSV or XLSX), which
// walks every page of a list that may be long.
const ExportTimeout = 10 * time.Minute

// exportFormat is the file format a request asks for: ?format= first, else
// the Accept header's preferred one of JSON, CSV and XLSX; "" for JSON.
func exportFormat(format, accept string) export.Format {
	switch format {
	case "csv":
		return export.CSV
	case "xlsx":
		return export.XLSX
	case "json":
		return ""
	}
	best, bestQ := export.Format(""), 0.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		var f export.Format
		switch mt {
		case export.CSVType:
			f = export.CSV
		case export.XLSXType:
			f = export.XLSX
		case "application/json", "application/*", "*/*":
			f = ""
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = f, q
		}
	}
	return best
}

// isExport reports whether a request asks a list for a file, for the
// longer deadline. The staff pages' downloads take ?format= too.
func isExport(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	return exportFormat(r.URL.Query().Get("format"), r.Header.Get("Accept")) != ""
}

// exportTarget is the real response of a list operation asked for a file:
// listed writes the file to it, and the JSON huma writes after is dropped.
type exportTarget struct {
	ctx     huma.Context
	format  export.Format
	started bool
}

type exportTargetKey struct{}

// exportContext drops what huma writes once the file has begun.
type exportContext struct {
	humaContext
	t *exportTarget
}

// humaContext names the embedded context (a field named Context would hide
// its Context method).
type humaContext = huma.Context

func (c *exportContext) SetStatus(code int) {
	if !c.t.started {
		c.humaContext.SetStatus(code)
	}
}

func (c *exportContext) SetHeader(name, value string) {
	if !c.t.started {
		c.humaContext.SetHeader(name, value)
	}
}

func (c *exportContext) AppendHeader(name, value string) {
	if !c.t.started {
		c.humaContext.AppendHeader(name, value)
	}
}

func (c *exportContext) BodyWriter() io.Writer {
	if c.t.started {
		return io.Discard
	}
	return c.humaContext.BodyWriter()
}

// withExport prepares a list operation's request for a file answer.
func withExport(ctx huma.Context, next func(huma.Context)) {
	if !strings.HasPrefix(ctx.Operation().OperationID, "list-") {
		next(ctx)
		return
	}
	f := exportFormat(ctx.Query("format"), ctx.Header("Accept"))
	if f == "" {
		next(ctx)
		return
	}
	t := &exportTarget{ctx: ctx, format: f}
	next(&exportContext{humaContext: huma.WithValue(ctx, exportTargetKey{}, t), t: t})
}

// listed answers a list operation: one page as JSON, or, when the request
// asks for CSV or XLSX, the whole list as a file, walked page by page with
// the same service call (list, with the filters bound) and written as it
// goes. Every list operation goes through it.
func listed[T any](ctx context.Context, s *Server, p PageParams, list func(domain.PageRequest) (domain.Page[T], error)) (*ListOutput[T], error) {
	t, _ := ctx.Value(exportTargetKey{}).(*exportTarget)
	if t == nil {
		page, err := list(p.request())
		if err != nil {
			return nil, s.problem(ctx, "query", err)
		}
		return listOutput(ctx, page), nil
	}
	if err := runExport(ctx, s, t, p.ExportParams, list); err != nil {
		return nil, err
	}
	return &ListOutput[T]{}, nil
}

// exportAll answers a list operation without pages (catalogues, a
// contract's clauses, an audit's findings) as a file when the request asks
// for one; it reports whether it did.
func exportAll[T any](ctx context.Context, s *Server, p ExportParams, items []T) (bool, error) {
	t, _ := ctx.Value(exportTargetKey{}).(*exportTarget)
	if t == nil {
		return false, nil
	}
	return true, runExport(ctx, s, t, p, func(domain.PageRequest) (domain.Page[T], error) {
		return domain.Page[T]{Items: items}, nil
	})
}

// runExport writes the file of a list operation to its real response.
func runExport[T any](ctx context.Context, s *Server, t *exportTarget, p ExportParams, list func(domain.PageRequest) (domain.Page[T], error)) error {
	o := export.Options{
		Format: t.format, ShiftJIS: p.Charset == "shift_jis", Locale: s.exportLocale(ctx, t.ctx.Header("Accept-Language")),
		Name: strings.TrimPrefix(t.ctx.Operation().OperationID, "list-"), Today: s.today(),
		Lookup: export.NewLookup(ctx, export.Services{People: s.People, Departments: s.Departments, Vendors: s.Vendors, Contracts: s.Contracts}),
	}
	err := export.Run(o, list, func() io.Writer {
		t.ctx.SetHeader("Content-Type", o.ContentType())
		t.ctx.SetHeader("Content-Disposition", o.ContentDisposition())
		t.ctx.SetHeader("Cache-Control", "no-store")
		t.ctx.SetStatus(http.StatusOK)
		t.started = true
		return t.ctx.BodyWriter()
	})
	if errors.Is(err, export.ErrCut) {
		s.log.ErrorContext(ctx, "export cut short", "operation", t.ctx.Operation().OperationID, "error", err)
		// The status has been sent: abort the response so that the client
		// sees a broken transfer, not a short file.
		panic(http.ErrAbortHandler)
	}
	if err != nil {
		return s.problem(ctx, "query", err)
	}
	return nil
}

// exportLocale is the language of an export's headers: Accept-Language
// when it names ja or en first, else the caller's person's locale, else
// Japanese.
func (s *Server) exportLocale(ctx context.Context, acceptLanguage string) domain.Locale {
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "ja"):
			return domain.LocaleJa
		case strings.HasPrefix(tag, "en"):
			return domain.LocaleEn
		}
	}
	if a, ok := domain.ActorFrom(ctx); ok && a.PersonID != "" && s.People != nil {
		if p, err := s.People.FindPerson(ctx, a.PersonID); err == nil && p.Locale != "" {
			return p.Locale
		}
	}
	return domain.LocaleJa
}

// today is the body's calendar day, for export file names.
func (s *Server) today() domain.Date {
	now := time.Now
	if s.now != nil {
		now = s.now
	}
	return domain.DateOf(now(), tokyo)
}

var tokyo = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Tokyo"); err == nil {
		return l
	}
	return time.Local
}()

// documentExports adds the CSV and XLSX answers to every list operation's
// 200 in the document.
func documentExports(op *huma.Operation) {
	if !strings.HasPrefix(op.OperationID, "list-") {
		return
	}
	r := op.Responses["200"]
	if r == nil || r.Content == nil || !hasParam(op, "format") {
		return
	}
	maxLen := 1 << 40
	r.Content[export.CSVType] = &huma.MediaType{Schema: &huma.Schema{Type: huma.TypeString, Format: "binary", MaxLength: &maxLen,
		Description: "The whole list as CSV (?format=csv or Accept: text/csv): UTF-8 with a byte order mark, or CP932 with charset=shift_jis; " +
			"headers in the caller's language; cells starting with =, +, -, @, tab or CR prefixed with an apostrophe."}}
	r.Content[export.XLSXType] = &huma.MediaType{Schema: &huma.Schema{Type: huma.TypeString, Format: "binary", MaxLength: &maxLen,
		Description: "The whole list as an Excel workbook (?format=xlsx or Accept), one sheet, headers in the caller's language, formulas neutralised."}}
	if r.Headers == nil {
		r.Headers = map[string]*huma.Param{}
	}
	cd := stringHeader("With a file export: attachment; filename=\"<list>-<YYYY-MM-DD>.csv\" (or .xlsx).", 200)
	cd.Schema.Pattern = `^attachment; filename="[a-z-]+-[0-9]{4}-[0-9]{2}-[0-9]{2}\.(csv|xlsx)"$`
	r.Headers["Content-Disposition"] = cd
}

func hasParam(op *huma.Operation, name string) bool {
	for _, p := range op.Parameters {
		if p != nil && p.In == "query" && p.Name == name {
			return true
		}
	}
	return false
}
