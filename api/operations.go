package api

import (
	"net/http"
	"slices"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// operation describes one API operation; newOperation fills in what every
// operation of vendorwatch shares.
type operation struct {
	ID          string
	Method      string
	Path        string
	Tag         string
	Summary     string
	Description string
	// Permission is what the caller's role must allow; "" for public.
	Permission domain.Permission
	// Status is the success status; 200 (204 without body) when zero.
	Status int
	// Errors are the statuses the operation documents besides 401/403.
	Errors []int
}

func (o operation) huma() huma.Operation {
	op := huma.Operation{
		OperationID:   o.ID,
		Method:        o.Method,
		Path:          o.Path,
		Tags:          []string{o.Tag},
		Summary:       o.Summary,
		Description:   o.Description,
		DefaultStatus: o.Status,
		Errors:        append([]int(nil), o.Errors...),
		Metadata:      map[string]any{},
	}
	if o.Permission != "" {
		op.Security = []map[string][]string{{bearerScheme: {}}}
		op.Metadata[permissionKey] = o.Permission
		op.Errors = append(op.Errors, http.StatusUnauthorized, http.StatusForbidden)
		if !slices.Contains(op.Errors, http.StatusServiceUnavailable) {
			// Authenticating reads the database: while it is unavailable,
			// every authenticated operation answers 503 with Retry-After.
			op.Errors = append(op.Errors, http.StatusServiceUnavailable)
		}
	}
	if !slices.Contains(op.Errors, http.StatusBadRequest) {
		// Any operation answers 400 to a query parameter it does not
		// declare (rejectUnknownQuery), or to a NUL character.
		op.Errors = append(op.Errors, http.StatusBadRequest)
	}
	op.Errors = append(op.Errors, http.StatusInternalServerError)
	return op
}

// Statuses that many operations document.
var (
	errsList   = []int{http.StatusBadRequest, http.StatusUnprocessableEntity}
	errsGet    = []int{http.StatusNotFound, http.StatusUnprocessableEntity}
	errsCreate = []int{http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity}
	errsWrite  = []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity}
	errsDelete = []int{http.StatusNotFound, http.StatusConflict, http.StatusPreconditionFailed, http.StatusUnprocessableEntity}
)
