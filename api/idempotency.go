package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

// Safe retries: a POST may carry an Idempotency-Key (draft-ietf-httpapi-
// idempotency-key-header). The first request with a key, per token, runs and
// its answer is stored; a retry with the same key, path and body within
// domain.IdempotencyWindow gets that answer again, marked
// Idempotent-Replayed: true, without running again. The same key with
// another path or body is a 422; a retry while the first is still running
// is a 409. Answers of 5xx, 408 and 429 are not stored: the retry runs
// again. Every other answer (2xx and the other 4xx, which the same request
// would get again) is stored. Multipart uploads are excluded (their body is
// streamed, not buffered): a key sent with one is a 400.

// IdempotencyKeyHeader is the request header of a safe retry.
const IdempotencyKeyHeader = "Idempotency-Key"

// IdempotentReplayedHeader marks an answer replayed from an earlier request.
const IdempotentReplayedHeader = "Idempotent-Replayed"

// maxIdempotencyKey is the longest key accepted.
const maxIdempotencyKey = 255

// replayedHeaders are the response headers stored and replayed.
var replayedHeaders = []string{"Location", "ETag", "Content-Type"}

// idempotencyKeyDoc documents the header on every POST that takes it.
var idempotencyKeyDoc = "Makes the POST safe to retry: a unique value (such as a UUID) chosen by the client, up to " +
	"255 visible ASCII characters. A retry with the same key within 24 hours, by the same token, with the same path and " +
	"body, gets the first answer again (marked Idempotent-Replayed: true) without running again; the same key with " +
	"another path or body is a 422 naming header.Idempotency-Key; a retry while the first request still runs is a 409. " +
	"Answers of 5xx, 408 and 429 are not kept, so such a retry runs again."

// takesIdempotencyKey reports whether op honours Idempotency-Key: every POST
// whose body is not multipart.
func takesIdempotencyKey(op *huma.Operation) bool {
	return op.Method == http.MethodPost && !isMultipartOperation(op)
}

// isMultipartOperation reports whether op's request body is multipart.
func isMultipartOperation(op *huma.Operation) bool {
	if op.RequestBody == nil {
		return false
	}
	for ct := range op.RequestBody.Content {
		if strings.HasPrefix(ct, "multipart/") {
			return true
		}
	}
	return false
}

// validIdempotencyKey reports whether key is 1 to 255 visible ASCII
// characters.
func validIdempotencyKey(key string) bool {
	if key == "" || len(key) > maxIdempotencyKey {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

// idempotency is the huma middleware of safe retries; it runs after
// authenticate, so the caller's token is known.
func (s *Server) idempotency(ctx huma.Context, next func(huma.Context)) {
	key := ctx.Header(IdempotencyKeyHeader)
	if ctx.Method() != http.MethodPost || key == "" || s.Idempotency == nil {
		next(ctx)
		return
	}
	op := ctx.Operation()
	mt, _, _ := mime.ParseMediaType(ctx.Header("Content-Type"))
	if isMultipartOperation(op) || strings.HasPrefix(mt, "multipart/") {
		_ = huma.WriteErr(s.api, ctx, http.StatusBadRequest, "Idempotency-Key is not supported on multipart uploads; send the upload without it",
			&huma.ErrorDetail{Location: "header." + IdempotencyKeyHeader, Message: "is not supported on this operation", Value: key})
		return
	}
	if !validIdempotencyKey(key) {
		_ = huma.WriteErr(s.api, ctx, http.StatusBadRequest, "Idempotency-Key must be 1 to 255 visible ASCII characters",
			&huma.ErrorDetail{Location: "header." + IdempotencyKeyHeader, Message: "must be 1 to 255 visible ASCII characters", Value: truncateRunes(key, maxErrorValue)})
		return
	}
	actor, ok := domain.ActorFrom(ctx.Context())
	if !ok || actor.TokenID == "" {
		next(ctx)
		return
	}
	maxBytes := op.MaxBodyBytes
	if maxBytes <= 0 {
		maxBytes = 1 << 20 // huma's default
	}
	body, err := io.ReadAll(io.LimitReader(ctx.BodyReader(), maxBytes+1))
	if err != nil {
		_ = huma.WriteErr(s.api, ctx, http.StatusBadRequest, "the request body could not be read")
		return
	}
	withBody := &bodyContext{humaContext: ctx, body: body}
	if int64(len(body)) > maxBytes {
		next(withBody) // huma answers 413; nothing to remember
		return
	}
	sum := sha256.Sum256(body)
	u := ctx.URL()
	fp := domain.IdempotencyFingerprint{Method: ctx.Method(), Path: u.Path, BodySHA256: hex.EncodeToString(sum[:])}
	if u.RawQuery != "" {
		fp.Path += "?" + u.RawQuery
	}
	stored, err := s.Idempotency.BeginIdempotent(ctx.Context(), actor.TokenID, key, fp)
	if err != nil {
		s.writeErr(ctx, s.problem(ctx.Context(), "header", err))
		return
	}
	if stored != nil {
		for _, name := range replayedHeaders {
			if v := stored.Header.Get(name); v != "" {
				ctx.SetHeader(name, v)
			}
		}
		ctx.SetHeader(IdempotentReplayedHeader, "true")
		ctx.SetStatus(stored.Status)
		_, _ = ctx.BodyWriter().Write(stored.Body)
		return
	}
	rec := &recordingContext{bodyContext: withBody, header: http.Header{}}
	settled := false
	defer func() {
		if settled {
			return
		}
		// A panic: forget the key so that the retry runs again.
		if err := s.Idempotency.AbandonIdempotent(context.WithoutCancel(ctx.Context()), actor.TokenID, key); err != nil {
			s.log.ErrorContext(ctx.Context(), "abandon idempotency key", slog.Any("error", err))
		}
	}()
	next(rec)
	settled = true
	bg := context.WithoutCancel(ctx.Context())
	status := rec.Status()
	if status == 0 {
		status = http.StatusOK
	}
	if status >= 500 || status == http.StatusRequestTimeout || status == http.StatusTooManyRequests {
		err = s.Idempotency.AbandonIdempotent(bg, actor.TokenID, key)
	} else {
		kept := http.Header{}
		for _, name := range replayedHeaders {
			if v := rec.header.Get(name); v != "" {
				kept.Set(name, v)
			}
		}
		err = s.Idempotency.FinishIdempotent(bg, actor.TokenID, key, domain.IdempotentResponse{Status: status, Header: kept, Body: rec.buf.Bytes()})
	}
	if err != nil {
		s.log.ErrorContext(ctx.Context(), "store idempotent answer", slog.Any("error", err))
	}
}

// writeErr writes a problem built by s.problem from a huma middleware.
func (s *Server) writeErr(ctx huma.Context, perr error) {
	status, headers, _ := problemParts(perr)
	for k, vs := range headers {
		for _, v := range vs {
			ctx.AppendHeader(k, v)
		}
	}
	ctx.SetHeader("Content-Type", "application/problem+json")
	ctx.SetStatus(status)
	_ = s.api.Marshal(ctx.BodyWriter(), "application/problem+json", perr)
}

// bodyContext is a huma context whose body has been read already.
type bodyContext struct {
	humaContext
	body []byte
}

func (c *bodyContext) BodyReader() io.Reader { return bytes.NewReader(c.body) }

// Unwrap lets humachi.Unwrap reach the request.
func (c *bodyContext) Unwrap() huma.Context { return c.humaContext }

// recordingContext keeps a copy of the answer written through it.
type recordingContext struct {
	*bodyContext
	status int
	header http.Header
	buf    bytes.Buffer
}

func (c *recordingContext) SetStatus(code int) {
	c.status = code
	c.bodyContext.SetStatus(code)
}

func (c *recordingContext) Status() int {
	if c.status != 0 {
		return c.status
	}
	return c.bodyContext.Status()
}

func (c *recordingContext) SetHeader(name, value string) {
	c.header.Set(name, value)
	c.bodyContext.SetHeader(name, value)
}

func (c *recordingContext) AppendHeader(name, value string) {
	c.header.Add(name, value)
	c.bodyContext.AppendHeader(name, value)
}

func (c *recordingContext) BodyWriter() io.Writer {
	return io.MultiWriter(c.bodyContext.BodyWriter(), &c.buf)
}

func (c *recordingContext) Unwrap() huma.Context { return c.bodyContext }
