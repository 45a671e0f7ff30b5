package api

import (
	"context"
	"net/url"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// PageParams are the paging query parameters every list accepts.
type PageParams struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Items per page, 1 to 200."`
	Cursor string `query:"cursor" maxLength:"200" pattern:"^[A-Za-z0-9_-]+$" doc:"Opaque cursor from the previous page's next_cursor; omit for the first page."`
	ExportParams
}

// ExportParams choose a file instead of JSON (export.go); every list takes
// them.
type ExportParams struct {
	Format  string `query:"format" enum:"json,csv,xlsx" doc:"json (the default), or csv or xlsx for the whole list (every page, with the same filters; limit and cursor are ignored) as a file download. Accept: text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet does the same."`
	Charset string `query:"charset" enum:"utf-8,shift_jis" doc:"Encoding of a CSV export: utf-8 (the default, with a byte order mark) or shift_jis (CP932, for old Excel; characters CP932 lacks become '?')."`
}

func (p PageParams) request() domain.PageRequest {
	return domain.PageRequest{Limit: p.Limit, Cursor: p.Cursor}
}

// ListBody is the body of every list response.
type ListBody[T any] struct {
	Items      []T    `json:"items" maxItems:"200" doc:"The items of this page."`
	NextCursor string `json:"next_cursor,omitempty" pattern:"^[A-Za-z0-9_-]+$" doc:"Cursor of the next page; absent on the last page."`
}

// ListOutput is every list response: the page and a Link to the next one.
type ListOutput[T any] struct {
	Link string `header:"Link" doc:"RFC 8288 link to the next page (rel=\"next\"), absent on the last page."`
	Body ListBody[T]
}

// listOutput builds the response for a page, linking the next page with the
// request's own URL and filters.
func listOutput[T any](ctx context.Context, page domain.Page[T]) *ListOutput[T] {
	out := &ListOutput[T]{Body: ListBody[T]{Items: page.Items, NextCursor: page.NextCursor}}
	if u, ok := ctx.Value(requestURLKey{}).(url.URL); ok && page.NextCursor != "" {
		q := u.Query()
		q.Set("cursor", page.NextCursor)
		next := url.URL{Path: u.Path, RawQuery: q.Encode()}
		out.Link = "<" + next.String() + `>; rel="next"`
	}
	return out
}

type requestURLKey struct{}

// withRequestURL keeps the request URL in the context, for next-page links.
func withRequestURL(ctx huma.Context, next func(huma.Context)) {
	next(huma.WithValue(ctx, requestURLKey{}, ctx.URL()))
}
