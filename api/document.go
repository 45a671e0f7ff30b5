package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/yaml"
)

// tagDescriptions describe each resource group of the document.
var tagDescriptions = map[string]string{
	"Health":                "Liveness and readiness probes.",
	"Departments":           "The body's departments (部局).",
	"People":                "Staff: owners of registers, recipients of reminders, holders of tokens.",
	"Tokens":                "API tokens and the caller's identity.",
	"Audit":                 "The hash-chained audit trail of every change.",
	"Settings":              "Policy parameters: confirmation intervals, review lead, reminder lead times, escalation delay.",
	"Clauses":               "Catalogue of contract security clauses (契約に記載すべき情報セキュリティ要件).",
	"Selection criteria":    "Catalogue of vendor selection criteria (委託事業者の選定基準).",
	"Terms checks":          "Catalogue of the terms-of-service risk checklist (約款による外部サービスの確認事項).",
	"Vendors":               "Outsourcing contractors (外部委託事業者): selection, approval, certifications, risk tier.",
	"Contracts":             "Outsourcing contracts (委託契約) and their security clauses.",
	"Confirmations":         "Security confirmations that a contractor keeps the required measures (遵守状況の確認).",
	"Corrective actions":    "Measures taken under the contract when a confirmation finds a gap (措置).",
	"Cloud services":        "Services used under the provider's standard terms (約款による外部サービス).",
	"Social-media accounts": "Official social-media accounts (ソーシャルメディアサービス) and post checks.",
	"Reviews":               "Renewal and periodic reviews that move due dates.",
	"Reminders":             "The reminder ledger and the due-scan.",
	"Evidence files":        "Files attached to records (証跡ファイル): signed contracts, certificates, contractors' reports; SHA-256 in the audit trail.",
	"Inspection checklist":  "Catalogue of the self-inspection checklist (自己点検項目).",
	"Self-inspections":      "Self-inspection campaigns (自己点検, 第7): answers pre-filled from the register, and the report.",
	"Audits":                "Audits (監査, 第7): scope, auditor, findings with their corrective actions, and the report.",
}

// Bounds given to schema values that the Go types leave open. Request
// bodies carry their own, tighter, limits on every field; these document
// what responses can hold.
const (
	defaultMaxLength = 10000
	defaultMaxItems  = 1000
	maxInt32         = 2147483647
	maxSafeInt64     = 9007199254740991
)

// maxLengthByFormat bounds strings whose format fixes their length.
var maxLengthByFormat = map[string]int{
	"uuid": 36, "date": 10, "date-time": 40, "email": 254, "uri": 2048,
}

// headerPatterns describe the form of the response headers vendorwatch sets.
var headerPatterns = map[string]string{
	"ETag":                        `^"[0-9]+"$`,
	"Link":                        `^<[^>]+>; rel="next"$`,
	"Cache-Control":               `^no-store$`,
	"Access-Control-Allow-Origin": `^https?://[^/\s]+$`,
	"Location":                    `^/v1/[!-~]+$`,
}

// uuidExceptions are "…_id" properties that are not always UUIDs.
var uuidExceptions = map[string]bool{"entity_id": true, "message_id": true, "request_id": true, "key_id": true}

// finishDocument completes the generated document: resource tags, the
// audience and contact, the rate-limit and CORS headers every response
// carries, the 429 every operation may answer, named enumerations, and
// bounds on every string, integer and array.
func finishDocument(o *huma.OpenAPI) {
	o.Info.Contact = &huma.Contact{Name: "vendorwatch maintainers", URL: "https://github.com/vendorwatch/vendorwatch"}
	for _, s := range o.Servers {
		s.Description = "This vendorwatch server (production, staging or local: wherever it runs); internal to the body."
		s.Extensions = map[string]any{"x-internal": true}
	}
	used := map[string]bool{}
	for _, path := range o.Paths {
		for _, op := range []*huma.Operation{path.Get, path.Put, path.Post, path.Patch, path.Delete} {
			if op == nil {
				continue
			}
			for _, t := range op.Tags {
				used[t] = true
			}
			finishOperation(op)
			documentExports(op)
		}
	}
	o.Tags = nil
	for name := range used {
		o.Tags = append(o.Tags, &huma.Tag{Name: name, Description: tagDescriptions[name]})
	}
	sort.Slice(o.Tags, func(i, j int) bool { return o.Tags[i].Name < o.Tags[j].Name })
	addSharedResponses(o)
	nameEnums(o)
	for _, s := range o.Components.Schemas.Map() {
		boundSchema("", s)
	}
}

var one = 1

func stringHeader(description string, maxLength int) *huma.Param {
	return &huma.Param{Description: description, Schema: &huma.Schema{Type: huma.TypeString, MaxLength: &maxLength}}
}

func integerHeader(description string) *huma.Param {
	minimum, maximum := 0.0, float64(maxInt32)
	return &huma.Param{Description: description, Schema: &huma.Schema{Type: huma.TypeInteger, Format: "int32", Minimum: &minimum, Maximum: &maximum}}
}

// problemResponse is a documented problem answer.
func problemResponse(description string) *huma.Response {
	return &huma.Response{
		Description: description,
		Content:     map[string]*huma.MediaType{"application/problem+json": {Schema: &huma.Schema{Ref: "#/components/schemas/ErrorModel"}}},
	}
}

// statusDescriptions describe the answers the server itself (not the
// operation's handler) can give, so that every answer is documented.
var statusDescriptions = map[int]string{
	http.StatusBadRequest: "Bad Request: a query parameter the operation does not declare, a NUL character in the path, query or " +
		"body, a malformed header (If-Match, Idempotency-Key) or a body that is not well-formed.",
	http.StatusRequestTimeout:        "Request Timeout: the request body did not arrive within " + bodyReadTimeout.String() + "; the connection is closed.",
	http.StatusRequestEntityTooLarge: "Content Too Large: the request body is larger than the operation accepts.",
	http.StatusUnsupportedMediaType: "Unsupported Media Type: the request body is not of a media type the operation takes (application/json " +
		"unless stated), or a body was sent to an operation that takes none; the problem names header.Content-Type or body.",
	http.StatusNotModified: "Not Modified: the If-None-Match header matches the current ETag; no body.",
}

// finishOperation adds the headers and responses every operation has.
func finishOperation(op *huma.Operation) {
	if op.Security == nil {
		// Public: say so, rather than leave it to the document's default.
		op.Security = []map[string][]string{}
	}
	add := func(code int, r *huma.Response) {
		if _, ok := op.Responses[strconv.Itoa(code)]; !ok {
			op.Responses[strconv.Itoa(code)] = r
		}
	}
	add(http.StatusBadRequest, problemResponse(statusDescriptions[http.StatusBadRequest]))
	for _, code := range []int{http.StatusRequestTimeout, http.StatusUnsupportedMediaType} {
		add(code, &huma.Response{Ref: "#/components/responses/" + sharedResponses[code]})
	}
	if op.RequestBody != nil {
		add(http.StatusRequestEntityTooLarge, &huma.Response{Ref: "#/components/responses/" + sharedResponses[http.StatusRequestEntityTooLarge]})
	}
	for code, r := range op.Responses {
		if n, err := strconv.Atoi(code); err == nil && r.Description == http.StatusText(n) && statusDescriptions[n] != "" {
			r.Description = statusDescriptions[n]
		}
	}
	if ok, has := op.Responses["200"]; has && (op.Method == http.MethodGet) && ok.Headers["ETag"] != nil {
		add(http.StatusNotModified, &huma.Response{Ref: "#/components/responses/" + sharedResponses[http.StatusNotModified]})
	}
	if op.Method == http.MethodPost {
		if r, ok := op.Responses["201"]; ok {
			if r.Headers == nil {
				r.Headers = map[string]*huma.Param{}
			}
			if r.Headers["Location"] == nil {
				r.Headers["Location"] = stringHeader("Path of the created resource.", 2048)
			}
		}
	}
	if takesIdempotencyKey(op) {
		maxKey := maxIdempotencyKey
		op.Parameters = append(op.Parameters, &huma.Param{
			Name: IdempotencyKeyHeader, In: "header", Description: idempotencyKeyDoc,
			Schema: &huma.Schema{Type: huma.TypeString, MinLength: &one, MaxLength: &maxKey, Pattern: `^[!-~]{1,255}$`},
		})
		add(http.StatusConflict, problemResponse("Conflict"))
		add(http.StatusUnprocessableEntity, problemResponse("Unprocessable Entity"))
		op.Responses["409"].Description += "; or a request with the same Idempotency-Key is still being processed (retry shortly)."
		op.Responses["422"].Description += "; or the Idempotency-Key was used for a request with another path or body (header.Idempotency-Key)."
		for code, r := range op.Responses {
			if r.Ref == "" && (strings.HasPrefix(code, "2") || strings.HasPrefix(code, "4")) {
				if r.Headers == nil {
					r.Headers = map[string]*huma.Param{}
				}
				r.Headers[IdempotentReplayedHeader] = &huma.Param{
					Description: "true when this is the stored answer to an earlier request with the same Idempotency-Key.",
					Schema:      &huma.Schema{Type: huma.TypeString, Pattern: "^true$"},
				}
			}
		}
	}
	if _, ok := op.Responses["429"]; !ok && op.Metadata[unlimitedKey] == nil {
		op.Responses["429"] = &huma.Response{
			Description: "Too Many Requests: the caller's rate limit is used up; retry after Retry-After seconds.",
			Headers:     map[string]*huma.Param{"Retry-After": integerHeader("Seconds until the limit resets.")},
			Content:     map[string]*huma.MediaType{"application/problem+json": {Schema: &huma.Schema{Ref: "#/components/schemas/ErrorModel"}}},
		}
	}
	if r, ok := op.Responses["503"]; ok {
		if r.Description == http.StatusText(http.StatusServiceUnavailable) {
			r.Description = "Service Unavailable: the database is unavailable (unreachable, or not answering within the request's deadline), or the server is still starting (see /readyz); retry after Retry-After seconds."
		}
		if r.Headers == nil {
			r.Headers = map[string]*huma.Param{}
		}
		r.Headers["Retry-After"] = integerHeader("Seconds to wait before asking again.")
	}
	for code, r := range op.Responses {
		if r.Ref == "" {
			finishResponse(code, r)
			if op.Metadata[unlimitedKey] != nil {
				// Never counted, so never told how much is left.
				delete(r.Headers, "RateLimit-Limit")
				delete(r.Headers, "RateLimit-Remaining")
				delete(r.Headers, "RateLimit-Reset")
			}
		}
	}
	for _, p := range op.Parameters {
		if p.Schema != nil {
			boundSchema(p.Name, p.Schema)
		}
	}
}

// sharedResponses name the answers in components/responses that many
// operations refer to.
var sharedResponses = map[int]string{
	http.StatusNotModified:           "NotModified",
	http.StatusRequestTimeout:        "RequestTimeout",
	http.StatusRequestEntityTooLarge: "ContentTooLarge",
	http.StatusUnsupportedMediaType:  "UnsupportedMediaType",
}

// addSharedResponses puts the shared answers into the components.
func addSharedResponses(o *huma.OpenAPI) {
	if o.Components.Responses == nil {
		o.Components.Responses = map[string]*huma.Response{}
	}
	for code, name := range sharedResponses {
		r := problemResponse(statusDescriptions[code])
		if code == http.StatusNotModified {
			r = &huma.Response{Description: statusDescriptions[code], Headers: map[string]*huma.Param{
				"ETag": stringHeader("The current version as a strong ETag.", 100)}}
		}
		finishResponse(strconv.Itoa(code), r)
		o.Components.Responses[name] = r
	}
}

// finishResponse adds the headers every answer has, and bounds them.
func finishResponse(code string, r *huma.Response) {
	if r.Headers == nil {
		r.Headers = map[string]*huma.Param{}
	}
	if strings.HasPrefix(code, "2") || strings.HasPrefix(code, "4") {
		r.Headers["RateLimit-Limit"] = integerHeader("Requests allowed per window for this caller.")
		r.Headers["RateLimit-Remaining"] = integerHeader("Requests left in the current window.")
		r.Headers["RateLimit-Reset"] = integerHeader("Seconds until the window resets.")
	}
	r.Headers["Access-Control-Allow-Origin"] = stringHeader("Present when the request's Origin is one of the configured CORS origins.", 2048)
	for name, h := range r.Headers {
		if h.Schema == nil {
			continue
		}
		if p, ok := headerPatterns[name]; ok && h.Schema.Pattern == "" && len(h.Schema.Enum) == 0 {
			h.Schema.Pattern = p
		}
		boundSchema("", h.Schema)
	}
	if code == strconv.Itoa(http.StatusNoContent) || code == strconv.Itoa(http.StatusNotModified) {
		r.Content = nil
	}
}

// boundSchema gives strings a length, integers a range and arrays a size,
// where the Go types leave them open, recursively.
func boundSchema(name string, s *huma.Schema) {
	if s == nil || s.Ref != "" {
		return
	}
	switch s.Type {
	case huma.TypeString:
		if s.Format == "" && (name == "id" || strings.HasSuffix(name, "_id")) && !uuidExceptions[name] && len(s.Enum) == 0 {
			s.Format = "uuid"
		}
		if s.MaxLength == nil && len(s.Enum) == 0 {
			n := defaultMaxLength
			if byFormat, ok := maxLengthByFormat[s.Format]; ok {
				n = byFormat
			}
			s.MaxLength = &n
		}
	case huma.TypeInteger:
		if s.Minimum == nil && s.ExclusiveMinimum == nil {
			zero := 0.0
			s.Minimum = &zero
		}
		if s.Maximum == nil && s.ExclusiveMaximum == nil {
			m := float64(maxSafeInt64)
			if s.Format == "int32" {
				m = maxInt32
			}
			s.Maximum = &m
		}
	case huma.TypeArray:
		if s.MaxItems == nil {
			n := defaultMaxItems
			s.MaxItems = &n
		}
		if s.Items != nil {
			itemName := name
			if strings.HasSuffix(name, "_ids") {
				itemName = strings.TrimSuffix(name, "s")
			}
			boundSchema(itemName, s.Items)
		}
	}
	for prop, p := range s.Properties {
		boundSchema(prop, p)
	}
	if ap, ok := s.AdditionalProperties.(*huma.Schema); ok {
		boundSchema("", ap) // a map's values
	}
	for _, sub := range append(append(s.OneOf, s.AnyOf...), s.AllOf...) {
		boundSchema(name, sub)
	}
	s.PrecomputeMessages()
}

// DowngradeYAML renders o as OpenAPI 3.0.3 YAML: huma's downgrade, then
// what 3.0 does not allow undone the 3.0 way. A $ref with siblings (a
// property's description or default next to the schema it refers to) is
// wrapped in allOf, keeping the siblings, since 3.0 ignores everything next
// to a $ref; contentMediaType (3.1 only) becomes format: binary.
func DowngradeYAML(o *huma.OpenAPI) ([]byte, error) {
	b, err := downgradeJSON(o)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = yaml.Convert(&buf, bytes.NewReader(b))
	return buf.Bytes(), err
}

// downgradeJSON is the 3.0.3 document as JSON.
func downgradeJSON(o *huma.OpenAPI) ([]byte, error) {
	b, err := o.Downgrade()
	if err != nil {
		return nil, err
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, err
	}
	fixFor30(v, "")
	return json.Marshal(v)
}

// fixFor30 rewrites, in place, what OpenAPI 3.0 does not allow; parent is
// the key v is under.
func fixFor30(v any, parent string) {
	switch t := v.(type) {
	case map[string]any:
		if ref, ok := t["$ref"]; ok && len(t) > 1 && parent != "responses" && parent != "parameters" {
			delete(t, "$ref")
			t["allOf"] = []any{map[string]any{"$ref": ref}}
		}
		if _, ok := t["contentMediaType"]; ok {
			delete(t, "contentMediaType")
			if t["type"] == "string" {
				if _, has := t["format"]; !has {
					t["format"] = "binary"
				}
			}
		}
		for k, sub := range t {
			fixFor30(sub, k)
		}
	case []any:
		for _, sub := range t {
			fixFor30(sub, parent)
		}
	}
}
