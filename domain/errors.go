package domain

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorCode classifies a domain error. The HTTP layer maps each code to one
// status in a single place (api/errors.go); jobs and the CLI read it too.
type ErrorCode string

// Error codes returned by the services.
const (
	// EINVALID: the input breaks a rule; Fields says which and why (HTTP 422).
	EINVALID ErrorCode = "invalid"
	// ENOTFOUND: the addressed entity does not exist (HTTP 404).
	ENOTFOUND ErrorCode = "not_found"
	// ECONFLICT: a duplicate, a reference that blocks the change, or the wrong
	// state for the operation (HTTP 409).
	ECONFLICT ErrorCode = "conflict"
	// ESTALE: the caller's expected version is not the current one (HTTP 412).
	ESTALE ErrorCode = "stale"
	// EUNAUTHORIZED: no caller, or a token that is unknown or revoked (HTTP 401).
	EUNAUTHORIZED ErrorCode = "unauthorized"
	// EFORBIDDEN: the caller is known but may not do this (HTTP 403).
	EFORBIDDEN ErrorCode = "forbidden"
	// EUNAVAILABLE: the database did not answer in time or could not be
	// reached; the caller may retry later (HTTP 503 with Retry-After).
	EUNAVAILABLE ErrorCode = "unavailable"
	// ETOOLARGE: an uploaded file is larger than the settings allow (HTTP 413).
	ETOOLARGE ErrorCode = "too_large"
	// EUNSUPPORTED: an uploaded file is of a media type the settings do not
	// allow (HTTP 415).
	EUNSUPPORTED ErrorCode = "unsupported_media_type"
	// EINTERNAL: anything else; its text never leaves the process (HTTP 500).
	EINTERNAL ErrorCode = "internal"
)

// FieldError names one offending input field.
type FieldError struct {
	// Field is the JSON location of the field, such as "email" or
	// "security_roles[1]".
	Field string
	// Message says what is wrong, in a sentence a person can act on.
	Message string
	// Value is the offending value, when it helps to echo it.
	Value any
	// Ja is Message in Japanese for the staff pages, or "" when there is
	// none. The JSON API never sends it: its messages stay English.
	Ja string
}

// MessageFor returns the message in l: the Japanese text when l is Japanese
// and there is one, else the English Message.
func (f FieldError) MessageFor(l Locale) string {
	if l != LocaleEn && f.Ja != "" {
		return f.Ja
	}
	return f.Message
}

// Error is an error the services return on purpose: a code, a message meant
// for the caller, and for EINVALID the offending fields.
type Error struct {
	Code    ErrorCode
	Message string
	Fields  []FieldError
	// Err is the cause, for the log (EUNAVAILABLE keeps the driver's
	// error); it never reaches the caller.
	Err error
	// Ja is Message in Japanese for the staff pages, or "" when there is
	// none. The JSON API never sends it: its messages stay English.
	Ja string
}

// WithJa sets the Japanese text of e and returns e, so that it chains onto
// Errorf and Invalid: Errorf(ECONFLICT, "…%s…", x).WithJa("…%s…", x).
func (e *Error) WithJa(format string, args ...any) *Error {
	e.Ja = fmt.Sprintf(format, args...)
	return e
}

// Unwrap returns the cause, so that errors.Is sees through to it.
func (e *Error) Unwrap() error { return e.Err }

// Error implements error.
func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	parts := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, strings.Join(parts, "; "))
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error listing the offending fields.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: EINVALID, Message: message, Fields: fields}
}

// ErrorCodeOf returns the code of err, EINTERNAL for errors that are not an
// *Error, and "" for nil.
func ErrorCodeOf(err error) ErrorCode {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessageOf returns the caller-facing message of err; for errors that are
// not an *Error it returns a generic text, never the internal one.
func ErrorMessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// MessageFor returns the caller-facing message of err in l: the Japanese
// text when l is Japanese and err has one, else the English message. Like
// ErrorMessageOf it never returns the text of an error that is not an
// *Error.
func MessageFor(err error, l Locale) string {
	var e *Error
	if !errors.As(err, &e) {
		if l == LocaleEn {
			return "internal error"
		}
		return "内部エラーが発生しました。"
	}
	if l != LocaleEn && e.Ja != "" {
		return e.Ja
	}
	return e.Message
}

// FieldErrors collects FieldErrors while a rule function walks its input.
type FieldErrors []FieldError

// Add appends one field error.
func (fe *FieldErrors) Add(field, message string, value any) {
	*fe = append(*fe, FieldError{Field: field, Message: message, Value: value})
}

// AddJa appends one field error with its English and Japanese texts.
func (fe *FieldErrors) AddJa(field, en, ja string, value any) {
	*fe = append(*fe, FieldError{Field: field, Message: en, Value: value, Ja: ja})
}

// Err returns nil when nothing was collected, else an EINVALID *Error.
func (fe FieldErrors) Err(message string) error {
	if len(fe) == 0 {
		return nil
	}
	return Invalid(message, fe...)
}

// ErrJa is Err with the Japanese text of the message as well.
func (fe FieldErrors) ErrJa(en, ja string) error {
	if len(fe) == 0 {
		return nil
	}
	e := Invalid(en, fe...)
	e.Ja = ja
	return e
}
