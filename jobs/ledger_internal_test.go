package jobs

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAMarkLandsWithinASecondOfTheDatabasesReturn(t *testing.T) {
	// The database is back 3.3 s after the first try. A backoff that kept
	// doubling to 5 s would next try at 6.35 s, keeping the worker (and its
	// next sends) waiting three seconds after the database's return.
	start := time.Now()
	back := start.Add(3300 * time.Millisecond)
	var recorded time.Time
	err := record(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)), "sent", func(context.Context) error {
		if time.Now().Before(back) {
			return errors.New("connection refused")
		}
		recorded = time.Now()
		return nil
	})
	require.NoError(t, err)
	late := recorded.Sub(back)
	require.Less(t, late, 1200*time.Millisecond, "recorded %s after the database returned", late)
}
