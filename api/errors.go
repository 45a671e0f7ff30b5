package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"unicode/utf8"

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
	domain.EUNAVAILABLE:  http.StatusServiceUnavailable,
	domain.EINTERNAL:     http.StatusInternalServerError,
	domain.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	domain.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
}

// RetryAfterSeconds is the Retry-After of a 503: how long a client should
// wait before it asks again while the database is unavailable.
const RetryAfterSeconds = 5

// problem turns a service error into an RFC 9457 problem. Field errors are
// located under in ("body", "query", "path"). Errors that are not domain
// errors are logged and answered with a bare 500: their text (SQL, file
// paths) never reaches the client. A database that is unavailable is a 503
// with Retry-After; the store logs the outage once, so it is not logged
// here for every request.
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
	if status == http.StatusServiceUnavailable {
		return unavailableProblem(de.Message)
	}
	details := make([]error, 0, len(de.Fields))
	for _, f := range de.Fields {
		details = append(details, &huma.ErrorDetail{Location: in + "." + f.Field, Message: f.Message, Value: f.Value})
	}
	return huma.NewError(status, de.Message, details...)
}

// unavailableProblem is the 503 of a database that is unavailable: the
// message says so, and Retry-After says when to ask again.
func unavailableProblem(msg string) error {
	return huma.ErrorWithHeaders(huma.Error503ServiceUnavailable(msg),
		http.Header{"Retry-After": []string{strconv.Itoa(RetryAfterSeconds)}})
}

// newError replaces huma.NewError so that huma's own 500s ("unexpected error
// occurred") carry no internal detail either, and so that every problem,
// huma's schema validation and the domain's rules alike, stays small
// (boundErrors). All other problems pass as huma builds them; a 503 keeps
// its message, which only this package writes (an unavailable database, a
// service not ready).
func newError(status int, msg string, errs ...error) huma.StatusError {
	if status >= http.StatusInternalServerError && status != http.StatusServiceUnavailable {
		return &ErrorModel{ErrorModel: huma.ErrorModel{Status: status, Title: http.StatusText(status), Detail: "internal error; the server log has the details"}}
	}
	return asErrorModel(defaultNewError(status, msg, boundErrors(errs)...))
}

var defaultNewError = huma.NewError

// Bounds of a problem's errors[]: a request cannot make its answer large,
// whatever it sends (a 20 KB array once made a 65 MB answer).
const (
	// maxErrorDetails is how many field errors a problem lists; one more
	// entry then says how many were left out.
	maxErrorDetails = 100
	// maxErrorValue is how many characters of an offending value are echoed.
	maxErrorValue = 200
)

// boundErrors lists each error once (one location with one message: an
// array's items are each their own location), echoes at most
// maxErrorValue characters of a string value and no array or object value
// at all, and keeps maxErrorDetails entries, followed by one that says how
// many more there were.
func boundErrors(errs []error) []error {
	out := make([]error, 0, min(len(errs), maxErrorDetails+1))
	seen := map[string]bool{}
	more := 0
	for _, err := range errs {
		if err == nil {
			continue
		}
		d := &huma.ErrorDetail{Message: err.Error()}
		var detailer huma.ErrorDetailer
		if errors.As(err, &detailer) {
			if got := detailer.ErrorDetail(); got != nil {
				cp := *got
				d = &cp
			}
		}
		key := d.Location + "\x00" + d.Message
		if seen[key] {
			continue
		}
		seen[key] = true
		if len(out) == maxErrorDetails {
			more++
			continue
		}
		d.Message = truncateRunes(d.Message, 2*maxErrorValue)
		d.Location = truncateRunes(d.Location, 2*maxErrorValue) // a made-up property name can be long
		d.Value = boundValue(d.Value)
		out = append(out, d)
	}
	if more > 0 {
		out = append(out, &huma.ErrorDetail{Message: fmt.Sprintf("and %d more errors not listed; correct these and send again", more)})
	}
	return out
}

// boundValue is what a problem echoes of an offending value: scalars as
// they are, strings cut to maxErrorValue characters, nothing of arrays and
// objects.
func boundValue(v any) any {
	switch x := v.(type) {
	case nil, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64, json.Number:
		return v
	case string:
		return truncateRunes(x, maxErrorValue)
	case fmt.Stringer:
		return truncateRunes(x.String(), maxErrorValue)
	}
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.String {
		return truncateRunes(rv.String(), maxErrorValue)
	}
	return nil
}

// truncateRunes cuts s to n characters, marking the cut with "…".
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// problemParts takes apart what problem returned, for the middlewares that
// write a problem themselves: its status, the headers it carries
// (Retry-After) and its message.
func problemParts(perr error) (status int, headers http.Header, msg string) {
	status = http.StatusInternalServerError
	var se huma.StatusError
	if errors.As(perr, &se) {
		status = se.GetStatus()
	}
	var he huma.HeadersError
	if errors.As(perr, &he) {
		headers = he.GetHeaders()
	}
	return status, headers, perr.Error()
}
