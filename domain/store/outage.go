package store

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
)

// outageReminder is how often, at most, a continuing outage is logged again
// (at WARN, with the count of failed calls); the ERROR line is once per outage.
const outageReminder = time.Minute

// outageLog turns the failures of a database that does not answer into one
// ERROR line per outage and an INFO line when it answers again, however
// many calls fail in between: a down database under load once logged 600
// ERROR lines a minute. It watches every query the store makes through bun
// (a bun.QueryHook) and the readiness ping, so it sees the recovery as soon
// as any call, or the next probe, succeeds.
type outageLog struct {
	log  atomic.Pointer[slog.Logger]
	down atomic.Bool // fast path: most calls only read this
	now  func() time.Time

	mu         sync.Mutex
	since      time.Time // first failure of the current outage
	lastLogged time.Time
	failures   int
}

func newOutageLog(l *slog.Logger) *outageLog {
	o := &outageLog{now: time.Now}
	o.setLogger(l)
	return o
}

func (o *outageLog) setLogger(l *slog.Logger) {
	if l == nil {
		l = slog.Default()
	}
	o.log.Store(l)
}

// failed records a call that failed. Only a failure that says the database
// is unavailable counts, and not a call its caller cancelled (a client that
// went away, a shutdown): those say nothing about the database.
func (o *outageLog) failed(err error) {
	if !isUnavailable(err) || errors.Is(err, context.Canceled) {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	o.failures++
	if !o.down.Load() {
		o.down.Store(true)
		o.since, o.lastLogged, o.failures = now, now, 1
		o.log.Load().Error("the database is unavailable; calls answer 503 until it answers again", "error", rootCause(err))
		return
	}
	if now.Sub(o.lastLogged) >= outageReminder {
		o.lastLogged = now
		o.log.Load().Warn("the database is still unavailable", "since", o.since.UTC().Format(time.RFC3339),
			"failed_calls", o.failures, "error", rootCause(err))
	}
}

// answered records a call the database answered (with rows, none, or an
// error of its own such as a duplicate key): it is up.
func (o *outageLog) answered() {
	if !o.down.Load() {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.down.Load() {
		return
	}
	o.down.Store(false)
	o.log.Load().Info("the database answers again", "outage", o.now().Sub(o.since).Round(time.Millisecond).String(),
		"failed_calls", o.failures)
}

// BeforeQuery implements bun.QueryHook.
func (o *outageLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

// AfterQuery implements bun.QueryHook: each query's outcome feeds the log.
func (o *outageLog) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	switch {
	case e.Err == nil || errors.Is(e.Err, sql.ErrNoRows):
		o.answered()
	case isUnavailable(e.Err):
		o.failed(e.Err)
	default:
		o.answered()
	}
}
