package api

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// rejectUnknownQuery answers 400 naming every query parameter the operation
// does not declare, so that a mistyped filter (?fiscal_yaer=2026, ?sort=name)
// never silently returns everything. The names come from the registered
// operation's parameters, so a parameter added to an input struct is known
// at once.
func (s *Server) rejectUnknownQuery(ctx huma.Context, next func(huma.Context)) {
	u := ctx.URL()
	query := u.Query()
	if len(query) == 0 {
		next(ctx)
		return
	}
	known := queryParameters(ctx.Operation())
	var unknown []string
	for name := range query {
		if !slices.Contains(known, name) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		next(ctx)
		return
	}
	slices.Sort(unknown)
	takes := "it takes no query parameters"
	if len(known) > 0 {
		takes = "it takes " + strings.Join(known, ", ")
	}
	details := make([]error, 0, len(unknown))
	for _, name := range unknown {
		details = append(details, &huma.ErrorDetail{Location: "query." + truncateRunes(name, maxErrorValue), Message: "unknown query parameter"})
	}
	named := unknown
	if len(named) > 10 {
		named = append(named[:10:10], fmt.Sprintf("and %d more", len(unknown)-10))
	}
	_ = huma.WriteErr(s.api, ctx, http.StatusBadRequest, "unknown query parameter "+truncateRunes(strings.Join(named, ", "), 4*maxErrorValue)+"; "+takes, details...)
}

// queryParameters returns the names of an operation's query parameters, in
// sorted order.
func queryParameters(op *huma.Operation) []string {
	var out []string
	for _, p := range op.Parameters {
		if p != nil && p.In == "query" {
			out = append(out, p.Name)
		}
	}
	slices.Sort(out)
	return out
}
