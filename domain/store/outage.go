package store

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"
)

// outageEvery is how often, at most, the outage log writes a line about
// failures: the ERROR line that an outage began, then, while it lasts, a
// WARN line with the count of failed calls.
const outageEvery = time.Minute

// outageLog turns the failures of a database that does not answer into one
// ERROR line per outage and an INFO line when it answers again, however
// many calls fail in between: a down database under load once logged 600
// ERROR lines a minute. It watches every query the store makes through bun
// (a bun.QueryHook) and the readiness ping, so it sees the recovery as soon
// as any call, or the next probe, succeeds. A database that flaps (on
// SQLite, reads answer while another process holds the write lock) still
// gets at most one line a minute: an outage that begins within a minute of
// the last line is counted, not logged, and so is its recovery.
type outageLog struct {
	// reset closes the pool's connections (PostgreSQL); nil on SQLite.
	reset func()
	log   atomic.Pointer[slog.Logger]
	down  atomic.Bool // fast path: most calls only read this
	now   func() time.Time

	mu         sync.Mutex
	since      time.Time // first failure of the current outage
	lastLogged time.Time // last ERROR or WARN line
	logged     bool      // the current outage's ERROR line was written
	failures   int       // failed calls since the last line
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
	if o.reset != nil && connectionBroken(err) {
		// A terminated backend (a failover, a restart) means the idle
		// connections are dead too: drop them all, so that the next calls
		// connect afresh instead of each failing on a dead one.
		o.reset()
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	o.failures++
	if !o.down.Load() {
		o.down.Store(true)
		o.since = now
	}
	if !o.lastLogged.IsZero() && now.Sub(o.lastLogged) < outageEvery {
		return
	}
	o.lastLogged = now
	if !o.logged {
		o.logged = true
		o.log.Load().Error("the database is unavailable; calls answer 503 until it answers again",
			"error", rootCause(err), "failed_calls", o.failures)
	} else {
		o.log.Load().Warn("the database is still unavailable", "since", o.since.UTC().Format(time.RFC3339),
			"failed_calls", o.failures, "error", rootCause(err))
	}
	o.failures = 0
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
	if o.logged {
		o.logged = false
		o.log.Load().Info("the database answers again", "outage", o.now().Sub(o.since).Round(time.Millisecond).String(),
			"failed_calls", o.failures)
		o.failures = 0
	}
}

// BeforeQuery implements bun.QueryHook.
func (o *outageLog) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

// AfterQuery implements bun.QueryHook: each query's outcome feeds the log.
func (o *outageLog) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	switch {
	case strings.HasPrefix(e.Query, "ROLLBACK"):
		// A rollback after a failed statement succeeds without the
		// database (SQLite rolls back locally, database/sql drops a
		// broken connection): it says nothing about whether it is back.
	case e.Err == nil || errors.Is(e.Err, sql.ErrNoRows):
		o.answered()
	case isUnavailable(e.Err):
		o.failed(e.Err)
	default:
		o.answered()
	}
}
