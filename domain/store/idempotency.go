package store

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/uptrace/bun"

	"github.com/vendorwatch/vendorwatch/domain"
)

var _ domain.IdempotencyService = (*DB)(nil)

type idempotencyRow struct {
	bun.BaseModel `bun:"table:idempotency_keys"`

	TokenID    string    `bun:"token_id,pk"`
	Key        string    `bun:"idem_key,pk"`
	Method     string    `bun:"method"`
	Path       string    `bun:"path"`
	BodySHA256 string    `bun:"body_sha256"`
	State      string    `bun:"state"`
	Status     int       `bun:"status"`
	Headers    string    `bun:"headers"`
	Body       []byte    `bun:"body"`
	CreatedAt  time.Time `bun:"created_at"`
}

const (
	idempotencyInFlight = "in_flight"
	idempotencyDone     = "done"
)

// BeginIdempotent implements domain.IdempotencyService. The claim is one
// INSERT … ON CONFLICT DO NOTHING, so of concurrent requests with one key
// exactly one inserts the row and runs; the others read it.
func (db *DB) BeginIdempotent(ctx context.Context, tokenID, key string, fp domain.IdempotencyFingerprint) (*domain.IdempotentResponse, error) {
	now := db.Now()
	if _, err := db.bun.NewDelete().Model((*idempotencyRow)(nil)).
		Where("created_at < ?", now.Add(-domain.IdempotencyWindow)).Exec(ctx); err != nil {
		return nil, translate(fmt.Errorf("store: purge idempotency keys: %w", err))
	}
	row := &idempotencyRow{
		TokenID: tokenID, Key: key, Method: fp.Method, Path: fp.Path, BodySHA256: fp.BodySHA256,
		State: idempotencyInFlight, Headers: "{}", CreatedAt: now,
	}
	for attempt := 0; attempt < 3; attempt++ {
		res, err := db.bun.NewInsert().Model(row).On("CONFLICT (token_id, idem_key) DO NOTHING").Exec(ctx)
		if err != nil {
			return nil, translate(fmt.Errorf("store: claim idempotency key: %w", err))
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil, nil
		}
		var cur idempotencyRow
		err = db.bun.NewSelect().Model(&cur).Where("token_id = ? AND idem_key = ?", tokenID, key).Scan(ctx)
		if err != nil {
			if isNoRows(err) {
				continue // abandoned between the insert and the read: claim again
			}
			return nil, translate(fmt.Errorf("store: read idempotency key: %w", err))
		}
		if cur.Method != fp.Method || cur.Path != fp.Path || cur.BodySHA256 != fp.BodySHA256 {
			return nil, domain.IdempotencyKeyMismatch()
		}
		if cur.State == idempotencyDone {
			h := http.Header{}
			if err := json.Unmarshal([]byte(cur.Headers), &h); err != nil {
				return nil, fmt.Errorf("store: idempotency headers: %w", err)
			}
			return &domain.IdempotentResponse{Status: cur.Status, Header: h, Body: cur.Body}, nil
		}
		if cur.CreatedAt.After(now.Add(-domain.IdempotencyLease)) {
			return nil, domain.IdempotencyKeyInFlight()
		}
		// The first request has held the key longer than any request
		// runs: its process died. Take the key over, if no other retry
		// did first (compare-and-swap on created_at).
		res, err = db.bun.NewUpdate().Model((*idempotencyRow)(nil)).Set("created_at = ?", now).
			Where("token_id = ? AND idem_key = ? AND state = ? AND created_at = ?", tokenID, key, idempotencyInFlight, cur.CreatedAt).Exec(ctx)
		if err != nil {
			return nil, translate(fmt.Errorf("store: take over idempotency key: %w", err))
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil, nil
		}
	}
	return nil, domain.IdempotencyKeyInFlight()
}

// FinishIdempotent implements domain.IdempotencyService.
func (db *DB) FinishIdempotent(ctx context.Context, tokenID, key string, resp domain.IdempotentResponse) error {
	h, err := json.Marshal(resp.Header)
	if err != nil {
		return fmt.Errorf("store: idempotency headers: %w", err)
	}
	body := resp.Body
	if body == nil {
		body = []byte{}
	}
	_, err = db.bun.NewUpdate().Model((*idempotencyRow)(nil)).
		Set("state = ?", idempotencyDone).Set("status = ?", resp.Status).Set("headers = ?", string(h)).Set("body = ?", body).
		Where("token_id = ? AND idem_key = ? AND state = ?", tokenID, key, idempotencyInFlight).Exec(ctx)
	return translate(err)
}

// AbandonIdempotent implements domain.IdempotencyService.
func (db *DB) AbandonIdempotent(ctx context.Context, tokenID, key string) error {
	_, err := db.bun.NewDelete().Model((*idempotencyRow)(nil)).
		Where("token_id = ? AND idem_key = ? AND state = ?", tokenID, key, idempotencyInFlight).Exec(ctx)
	return translate(err)
}

// PurgeIdempotencyKeys implements domain.IdempotencyService.
func (db *DB) PurgeIdempotencyKeys(ctx context.Context) (int, error) {
	res, err := db.bun.NewDelete().Model((*idempotencyRow)(nil)).
		Where("created_at < ?", db.Now().Add(-domain.IdempotencyWindow)).Exec(ctx)
	if err != nil {
		return 0, translate(err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
