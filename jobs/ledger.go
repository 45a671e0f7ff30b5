package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	mail "github.com/wneessen/go-mail"
)

// notSentError marks a failure that happened before any of the message
// reached the server (no connection, no greeting), so that the ledger can
// put the rows back to queued instead of suspecting a delivery.
type notSentError struct{ error }

// Unwrap gives the cause.
func (e notSentError) Unwrap() error { return e.error }

// mayHaveBeenDelivered reports whether a failed send may nevertheless have
// delivered the message. Only one failure leaves that open: the whole
// message, with its final ".", was written and the server's answer to it
// never came (time-out, dropped connection, cancelled job). Any answer, and
// any failure before the final ".", means the server did not take it.
// Failures of unknown kind count as possibly delivered: a duplicate with
// the same Message-ID is the lesser harm.
func mayHaveBeenDelivered(err error) bool {
	var perm *PermanentError
	var ns notSentError
	if errors.As(err, &perm) || errors.As(err, &ns) {
		return false
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		return se.Reason == mail.ErrSMTPDataClose && se.ErrorCode() == 0
	}
	return true
}

// minRecordTime is the least time a ledger mark after a send is given, even
// when the job's own deadline is nearer.
const minRecordTime = time.Minute

// recordContext returns the context in which the outcome of a send is
// recorded: not cancelled with the job (shutdown), since a lost mark would
// send an accepted message again, and lasting as long as the job may run,
// at least minRecordTime.
func recordContext(ctx context.Context) (context.Context, context.CancelFunc) {
	deadline := time.Now().Add(minRecordTime)
	if d, ok := ctx.Deadline(); ok && d.After(deadline) {
		deadline = d
	}
	return context.WithDeadline(context.WithoutCancel(ctx), deadline)
}

// recordBackoff bounds the pause between two tries of a ledger mark. The
// cap is short: a worker waiting to record is one of the few that send, so
// the mark lands, and the worker sends again, within about a second of the
// database's return (a 5 s cap held every worker up to 5 s after a blip).
const (
	recordFirstBackoff = 50 * time.Millisecond
	recordMaxBackoff   = time.Second
)

// record runs a ledger mark until it succeeds or ctx ends, with backoff
// between tries, so that a database blip does not lose what the mail server
// said. It warns once per mark that needed more than one try.
func record(ctx context.Context, logger *slog.Logger, what string, mark func(context.Context) error) error {
	delay := recordFirstBackoff
	for try := 1; ; try++ {
		err := mark(ctx)
		if err == nil {
			if try > 1 {
				logger.InfoContext(ctx, "reminder ledger recorded after retries", "mark", what, "tries", try)
			}
			return nil
		}
		if try == 1 {
			logger.WarnContext(ctx, "reminder ledger mark failed; retrying", "mark", what, "error", err.Error())
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("jobs: record reminders %s after %d tries: %w", what, try, err)
		case <-t.C:
		}
		delay = min(delay*2, recordMaxBackoff)
	}
}
