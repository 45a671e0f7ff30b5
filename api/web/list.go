package web

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/vendorwatch/vendorwatch/api/export"
	"github.com/vendorwatch/vendorwatch/domain"
)

// pageSize is how many rows a list page shows.
const pageSize = 50

// listQuery is what every list page reads from its query string: the API's
// cursor and limit, the fiscal year (年度) and the search text.
type listQuery struct {
	Page       domain.PageRequest
	FiscalYear int
	Q          string
	// Values are the whole query, for the filters' current values and the
	// next page's link.
	Values url.Values
}

// readList reads the list parameters; a malformed fiscal year is ignored
// (the filter shows all years), a malformed cursor is the service's 422.
func readList(r *http.Request) listQuery {
	q := r.URL.Query()
	lq := listQuery{Page: domain.PageRequest{Limit: pageSize, Cursor: q.Get("cursor")}, Q: strings.TrimSpace(q.Get("q")), Values: q}
	if n, err := strconv.Atoi(q.Get("fiscal_year")); err == nil && n >= domain.MinFiscalYear && n <= domain.MaxFiscalYear {
		lq.FiscalYear = n
	}
	if n, err := strconv.Atoi(q.Get("limit")); err == nil && n > 0 && n <= domain.MaxPageSize {
		lq.Page.Limit = n
	}
	return lq
}

// List is what the pager and filter partials see of a list page.
type List struct {
	// Path is the list page's path.
	Path string
	// Next is the link to the next page, or "" on the last.
	Next string
	// First is the link to the first page, or "" on it.
	First string
	// FiscalYears are the years the filter offers, newest first, and the
	// one chosen (0 for all).
	FiscalYears []int
	FiscalYear  int
	Q           string
	// Query is the current filter query, to read a filter's value.
	Query url.Values
	// CSV and XLSX download the whole list with the current filters.
	CSV, XLSX string
}

// Get returns the current value of a filter.
func (l List) Get(name string) string { return l.Query.Get(name) }

// newList builds the pager of a page of results: the next page keeps the
// filters and takes the page's cursor.
func newList(path string, lq listQuery, next string, today domain.Date) List {
	l := List{Path: path, FiscalYear: lq.FiscalYear, Q: lq.Q, Query: lq.Values}
	current := domain.FiscalYearOf(today)
	for y := current + 1; y >= current-5; y-- {
		l.FiscalYears = append(l.FiscalYears, y)
	}
	keep := url.Values{}
	for k, vs := range lq.Values {
		if k != "cursor" && k != "done" && len(vs) > 0 && vs[0] != "" {
			keep[k] = vs[:1]
		}
	}
	for _, f := range []string{"csv", "xlsx"} {
		d := url.Values{}
		for k, vs := range keep {
			if k != "limit" && k != "format" && k != "charset" {
				d[k] = vs
			}
		}
		d.Set("format", f)
		if f == "csv" {
			l.CSV = path + "?" + d.Encode()
		} else {
			l.XLSX = path + "?" + d.Encode()
		}
	}
	if next != "" {
		n := url.Values{}
		for k, vs := range keep {
			n[k] = vs
		}
		n.Set("cursor", next)
		l.Next = path + "?" + n.Encode()
	}
	if lq.Page.Cursor != "" {
		l.First = path
		if len(keep) > 0 {
			l.First += "?" + keep.Encode()
		}
	}
	return l
}

// exported answers a list page's download (?format=csv or xlsx, and
// charset=shift_jis for CSV): the whole list with the page's filters,
// through the same service call as the page and the same export code as
// the API (api/export). It reports whether it answered; name is the API
// list's name (vendors, audit-events), which picks the register's columns.
func exported[T any](h *Handler, w http.ResponseWriter, r *http.Request, name string, list func(domain.PageRequest) (domain.Page[T], error)) bool {
	var f export.Format
	switch r.URL.Query().Get("format") {
	case "csv":
		f = export.CSV
	case "xlsx":
		f = export.XLSX
	default:
		return false
	}
	o := export.Options{Format: f, ShiftJIS: r.URL.Query().Get("charset") == "shift_jis", Locale: localeOf(r), Name: name, Today: h.today(),
		Lookup: export.NewLookup(r.Context(), export.Services{People: h.cfg.People, Departments: h.cfg.Departments, Vendors: h.cfg.Vendors, Contracts: h.cfg.Contracts})}
	err := export.Run(o, list, func() io.Writer {
		hd := w.Header()
		hd.Set("Content-Type", o.ContentType())
		hd.Set("Content-Disposition", o.ContentDisposition())
		w.WriteHeader(http.StatusOK)
		return w
	})
	if errors.Is(err, export.ErrCut) {
		h.log.ErrorContext(r.Context(), "export cut short", "path", r.URL.Path, "error", err)
		panic(http.ErrAbortHandler)
	}
	if err != nil {
		h.fail(w, r, err)
	}
	return true
}
