package store

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The outage log writes one ERROR line per outage, a WARN line at most once
// a minute while it lasts, an INFO line when the database answers again, and
// no more than one line a minute for a database that flaps.
func TestOutageLogOneLinePerOutage(t *testing.T) {
	var buf bytes.Buffer
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	o := newOutageLog(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	})))
	o.now = func() time.Time { return now }
	count := func(level string) int { return strings.Count(buf.String(), "level="+level) }

	o.answered()
	for range 600 { // ten calls a second for a minute less a tenth
		o.failed(context.DeadlineExceeded)
		now = now.Add(99 * time.Millisecond)
	}
	require.Equal(t, 1, count("ERROR"), buf.String())
	require.Equal(t, 0, count("WARN"))
	now = now.Add(time.Second)
	o.failed(context.DeadlineExceeded)
	require.Equal(t, 1, count("WARN"), "a minute on, one WARN line with the count")
	o.failed(context.Canceled) // a caller that went away says nothing
	o.answered()
	require.Equal(t, 1, count("INFO"), buf.String())
	require.Contains(t, buf.String(), "the database answers again")

	// Flapping within the minute: counted, not logged.
	for range 10 {
		now = now.Add(time.Second)
		o.failed(context.DeadlineExceeded)
		o.answered()
	}
	require.Equal(t, 1, count("ERROR"))
	require.Equal(t, 1, count("INFO"))

	// A new outage a minute after the last line is logged again.
	now = now.Add(time.Minute)
	o.failed(context.DeadlineExceeded)
	require.Equal(t, 2, count("ERROR"), buf.String())
}
