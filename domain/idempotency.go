package domain

import (
	"context"
	"net/http"
	"time"
)

// IdempotencyWindow is how long an Idempotency-Key is remembered for its
// token: a retry within it with the same key gets the first answer; after
// it the key is forgotten (purged) and may be used again.
const IdempotencyWindow = 24 * time.Hour

// IdempotencyLease is how long a request holding a key may run before a
// retry may take the key over: longer than any request's deadline, so that
// a key whose first request died with its process is not stuck in flight
// for the whole window.
const IdempotencyLease = 2 * time.Minute

// IdempotencyFingerprint identifies the request a key was first used for.
type IdempotencyFingerprint struct {
	Method string
	Path   string
	// BodySHA256 is the hex SHA-256 of the request body.
	BodySHA256 string
}

// IdempotentResponse is the stored first answer to a request with a key.
type IdempotentResponse struct {
	Status int
	// Header holds the headers that matter for a replay: Location, ETag
	// and Content-Type.
	Header http.Header
	Body   []byte
}

// IdempotencyService remembers, per token, the requests sent with an
// Idempotency-Key and their answers.
type IdempotencyService interface {
	// BeginIdempotent claims key for tokenID and the request fp. It returns
	// (nil, nil) when the caller holds the key now and must run the
	// request, then call FinishIdempotent or AbandonIdempotent; the stored
	// answer when the key was used for the same request before; ECONFLICT
	// while the first request with the key is still running; EINVALID
	// (field Idempotency-Key) when the key was used for a different
	// request (method, path or body).
	BeginIdempotent(ctx context.Context, tokenID, key string, fp IdempotencyFingerprint) (*IdempotentResponse, error)
	// FinishIdempotent stores the answer of the request holding key.
	FinishIdempotent(ctx context.Context, tokenID, key string, resp IdempotentResponse) error
	// AbandonIdempotent forgets key, so that a retry runs the request
	// again (after a 5xx answer or a panic).
	AbandonIdempotent(ctx context.Context, tokenID, key string) error
	// PurgeIdempotencyKeys deletes the keys older than IdempotencyWindow
	// and returns how many it deleted. BeginIdempotent purges too, so
	// calling it is optional.
	PurgeIdempotencyKeys(ctx context.Context) (int, error)
}

// IdempotencyKeyMismatch is the error of a key reused for another request.
func IdempotencyKeyMismatch() *Error {
	return Invalid("this Idempotency-Key was used for a different request",
		FieldError{Field: "Idempotency-Key", Message: "was used with a different method, path or body; send a new key for a new request",
			Ja: "別の要求（メソッド、パスまたは本文が異なる）に使われたキーです。新しい要求には新しいキーを送ってください。"}).
		WithJa("この Idempotency-Key は別の要求に使われています。")
}

// IdempotencyKeyInFlight is the error of a retry that arrives while the
// first request with its key is still running.
func IdempotencyKeyInFlight() *Error {
	e := Errorf(ECONFLICT, "a request with this Idempotency-Key is still being processed; retry it shortly").
		WithJa("同じ Idempotency-Key の要求を処理中です。しばらくしてから再送してください。")
	e.Fields = []FieldError{{Field: "Idempotency-Key", Message: "is held by a request still being processed",
		Ja: "処理中の要求が使っているキーです。"}}
	return e
}
