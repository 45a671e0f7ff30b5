package sdk

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// maxProblemBody is how much of a plain client's error answer ProblemOf
// reads: a problem is small, and a proxy's error page need not be read whole.
const maxProblemBody = 1 << 20

// Problem is an error answer of the API (RFC 9457 problem details) as a Go
// error. Every field is a value, so a tool reads Status, Detail and Errors
// without nil checks; members the body left out are zero.
type Problem struct {
	// Status is the HTTP status code of the answer.
	Status int
	// Title is the problem's short summary; the status text when the body
	// gave none.
	Title string
	// Detail explains this occurrence, e.g. what was not found, or which
	// version a 412 refused; empty when the body gave none.
	Detail string
	// Type and Instance are the problem's URI references, when given.
	Type, Instance string
	// Errors lists each offending field of a 422 or 400 (query.limit,
	// body.name, …); nil when the problem names none, as a 404 or a 412.
	Errors []FieldError
	// Model is the body as the API sent it, with any member this type does
	// not copy; zero when the body was not a problem (e.g. a proxy's page).
	Model ErrorModel
}

// FieldError is one entry of a problem's errors: where and what.
type FieldError struct {
	// Location is where the error is, e.g. "body.name", "query.limit", or
	// "body" for a missing property.
	Location string
	// Message says what is wrong.
	Message string
	// Value is the offending value as the API echoed it (strings cut
	// short); nil when none was echoed.
	Value any
}

// ProblemOf returns the problem that an answer carries, and false for an
// answer below 400. res and body are a ...WithResponse result's
// HTTPResponse and Body. With a plain client's *http.Response, pass a nil
// body: for an error answer ProblemOf then reads (at most 1 MiB of)
// res.Body, which the caller still closes.
//
// It never fails: a body that is not a problem (a proxy's HTML 502, an
// empty 503) still gives a Problem with the answer's status and its status
// text as the title, and a problem without errors (or with "errors": null)
// gives nil Errors. The answer's status wins over the body's status member.
func ProblemOf(res *http.Response, body []byte) (*Problem, bool) {
	if res == nil || res.StatusCode < 400 {
		return nil, false
	}
	if body == nil && res.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(res.Body, maxProblemBody))
	}
	p := &Problem{Status: res.StatusCode}
	if isJSON(res.Header.Get("Content-Type")) && json.Unmarshal(body, &p.Model) == nil {
		p.Title = deref(p.Model.Title)
		p.Detail = deref(p.Model.Detail)
		p.Type = deref(p.Model.Type)
		p.Instance = deref(p.Model.Instance)
		if p.Model.Errors != nil {
			for _, d := range *p.Model.Errors {
				p.Errors = append(p.Errors, FieldError{Location: deref(d.Location), Message: deref(d.Message), Value: d.Value})
			}
		}
	} else {
		p.Model = ErrorModel{}
	}
	if p.Title == "" {
		p.Title = http.StatusText(p.Status)
	}
	return p, true
}

// Error says the status, the detail and each field error on one line, e.g.
// "422 Unprocessable Entity: validation failed (body.name: expected length >= 1)".
func (p *Problem) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d", p.Status)
	if p.Title != "" {
		b.WriteString(" " + p.Title)
	}
	if p.Detail != "" {
		b.WriteString(": " + p.Detail)
	}
	var fields []string
	for _, e := range p.Errors {
		switch {
		case e.Location != "" && e.Message != "":
			fields = append(fields, e.Location+": "+e.Message)
		case e.Location != "" || e.Message != "":
			fields = append(fields, e.Location+e.Message)
		}
	}
	if len(fields) > 0 {
		b.WriteString(" (" + strings.Join(fields, "; ") + ")")
	}
	return b.String()
}

// isJSON reports whether a Content-Type is JSON: application/problem+json,
// as the API answers, or application/json.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// deref is the value p points at, or the zero value for nil.
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
