package store_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// An Idempotency-Key is claimed once, answers its retries with the stored
// answer, refuses another request, is held while in flight (until its
// lease passes), is forgotten when abandoned, and expires after the window.
func TestIdempotencyKeys(t *testing.T) {
	clock := &outClock{}
	storetest.Run(t, storetest.Options{Now: clock.Now}, func(t *testing.T, db *store.DB) {
		start := time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC)
		clock.Set(start)
		ctx := context.Background()
		fp := domain.IdempotencyFingerprint{Method: "POST", Path: "/v1/vendors", BodySHA256: "aa"}

		stored, err := db.BeginIdempotent(ctx, "tok1", "k1", fp)
		require.NoError(t, err)
		require.Nil(t, stored, "the first request claims the key")

		_, err = db.BeginIdempotent(ctx, "tok1", "k1", fp)
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err), "in flight")

		other := fp
		other.BodySHA256 = "bb"
		_, err = db.BeginIdempotent(ctx, "tok1", "k1", other)
		require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err), "another body")
		other = fp
		other.Path = "/v1/people"
		_, err = db.BeginIdempotent(ctx, "tok1", "k1", other)
		require.Equal(t, domain.EINVALID, domain.ErrorCodeOf(err), "another path")

		stored, err = db.BeginIdempotent(ctx, "tok2", "k1", fp)
		require.NoError(t, err)
		require.Nil(t, stored, "keys are per token")

		resp := domain.IdempotentResponse{Status: 201, Header: http.Header{"Location": {"/v1/vendors/x"}, "Etag": {`"1"`}}, Body: []byte(`{"id":"x"}`)}
		require.NoError(t, db.FinishIdempotent(ctx, "tok1", "k1", resp))
		stored, err = db.BeginIdempotent(ctx, "tok1", "k1", fp)
		require.NoError(t, err)
		require.NotNil(t, stored)
		require.Equal(t, 201, stored.Status)
		require.Equal(t, "/v1/vendors/x", stored.Header.Get("Location"))
		require.Equal(t, `"1"`, stored.Header.Get("ETag"))
		require.Equal(t, `{"id":"x"}`, string(stored.Body))

		// Abandoned: the retry runs again.
		require.NoError(t, db.AbandonIdempotent(ctx, "tok2", "k1"))
		stored, err = db.BeginIdempotent(ctx, "tok2", "k1", fp)
		require.NoError(t, err)
		require.Nil(t, stored)
		// A done key is not abandoned by mistake.
		require.NoError(t, db.AbandonIdempotent(ctx, "tok1", "k1"))
		stored, err = db.BeginIdempotent(ctx, "tok1", "k1", fp)
		require.NoError(t, err)
		require.NotNil(t, stored)

		// The holder of tok2/k1 died: after the lease a retry takes over.
		clock.Set(start.Add(domain.IdempotencyLease - time.Second))
		_, err = db.BeginIdempotent(ctx, "tok2", "k1", fp)
		require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err))
		clock.Set(start.Add(domain.IdempotencyLease + time.Second))
		stored, err = db.BeginIdempotent(ctx, "tok2", "k1", fp)
		require.NoError(t, err)
		require.Nil(t, stored, "taken over")

		// After the window, the key is forgotten and may be used again.
		clock.Set(start.Add(domain.IdempotencyWindow + time.Minute))
		n, err := db.PurgeIdempotencyKeys(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n, "tok1/k1 expired; tok2/k1 was taken over later")
		stored, err = db.BeginIdempotent(ctx, "tok1", "k1", other)
		require.NoError(t, err)
		require.Nil(t, stored, "an expired key is claimed afresh, for any request")
	})
}
