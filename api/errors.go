package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// statusOf is the one place where domain error codes become HTTP statuses.
var statusOf = map[domain.ErrorCode]int{
	domain.EINVALID:      http.StatusUnprocessableEntity,
	domain.ENOTFOUND:     http.StatusNotFound,
	domain.ECONFLICT:     http.StatusConflict,
	domain.ESTALE:        http.StatusPreconditionFailed,
	domain.EUNAUTHORIZED: http.StatusUnauthorized,
	domain.EFORBIDDEN:    http.StatusForbidden,
	domain.EINTERNAL:     http.StatusInternalServerError,
}

// problem turns a service error into an RFC 9457 problem. Field errors are
// located under in ("body", "query", "path"). Errors that are not domain
// errors are logged and answered with a bare 500: their text (SQL, file
// paths) never reaches the client.
func (s *Server) problem(ctx context.Context, in string, err error) error {
	var de *domain.Error
	if !errors.As(err, &de) {
		s.log.ErrorContext(ctx, "internal error", slog.Any("error", err))
		return huma.Error500InternalServerError("internal error; the server log has the details")
	}
	status, ok := statusOf[de.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	details := make([]error, 0, len(de.Fields))
	for _, f := range de.Fields {
		details = append(details, &huma.ErrorDetail{Location: in + "." + f.Field, Message: f.Message, Value: f.Value})
	}
	return huma.NewError(status, de.Message, details...)
}

// newError replaces huma.NewError so that huma's own 500s ("unexpected error
// occurred") carry no internal detail either; all other problems pass as huma
// builds them.
func newError(status int, msg string, errs ...error) huma.StatusError {
	if status >= http.StatusInternalServerError {
		return &huma.ErrorModel{Status: status, Title: http.StatusText(status), Detail: "internal error; the server log has the details"}
	}
	return defaultNewError(status, msg, errs...)
}

var defaultNewError = huma.NewError
