package jobs_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/jobs/mailtest"
)

// blipRecipients is how many digests are queued when the database goes away.
const blipRecipients = 22

// blipFor is how long the database stays unreachable.
const blipFor = 5 * time.Second

// postgresTarget returns the PostgreSQL target, skipping the test without one.
func postgresTarget(t *testing.T) storetest.Target {
	t.Helper()
	for _, tg := range storetest.Targets(t) {
		if tg.Name == "postgres" {
			return tg
		}
	}
	t.Skipf("set %s to cut the database through a proxy", storetest.PostgresURLEnv)
	return storetest.Target{}
}

// fault makes the database unavailable and, when it returns, available
// again; the harness's proxy on PostgreSQL.
type fault struct {
	start, end func()
}

// proxyCut cuts the harness's proxy: the database is unreachable.
func proxyCut(h *harness) fault { return fault{start: h.proxy.Cut, end: h.proxy.Restore} }

// deliverThroughABlip queues one digest for each of blipRecipients owners,
// cuts the database in the middle of their delivery for blipFor, restores
// it, and checks that every Message-ID arrived once and every ledger row is
// sent. extra runners (other replicas) share the work. It returns the
// figures the test logs.
func deliverThroughABlip(h *harness, extra int, f fault, wantMarkRetries bool) {
	h.t.Helper()
	t := h.t
	for range extra {
		h.start(h.newRunner())
	}
	names := make([]string, blipRecipients)
	for i := range names {
		names[i] = fmt.Sprintf("owner%02d", i)
	}
	dueSoon(h, names...)
	// Each answer to the final "." comes a little late, so that sends are
	// in flight (the message at the server, its answer not yet back) when
	// the database goes away.
	h.smtp.DelayEveryDataReply(500 * time.Millisecond)
	require.Equal(t, blipRecipients, h.scan().Digests)

	h.waitUntil("a quarter of the digests have arrived and three more are in flight", func() bool {
		return len(h.smtp.Messages()) >= blipRecipients/4 && h.smtp.Replying() >= 3
	})
	before := len(h.smtp.Messages())
	inFlight := h.smtp.Replying()
	f.start()
	time.Sleep(blipFor) // the fault's duration, not a synchronisation
	during := len(h.smtp.Messages()) - before
	f.end()
	restored := time.Now()

	h.waitSettled()
	h.waitUntil("every digest has arrived", func() bool { return len(h.smtp.Copies()) == blipRecipients })
	if wantMarkRetries {
		require.Contains(t, h.logs.String(), "reminder ledger mark failed; retrying", "the cut caught sends between their 250 and its mark")
	}
	msgs := h.smtp.Messages()
	sentOnce(h, msgs)
	require.Len(t, msgs, blipRecipients, "one copy each: %v", summary(msgs))

	statuses := map[domain.ReminderStatus]int{}
	flagged := 0
	for _, r := range h.reminders(domain.ReminderFilter{}) {
		statuses[r.Status]++
		if r.PossibleDuplicate {
			flagged++
			t.Logf("flagged possible_duplicate: attempts %d, error %q, %d copies", r.Attempts, r.Error, h.smtp.Copies()["<"+r.MessageID+">"])
		}
	}
	maxCopies := 0
	for _, n := range h.smtp.Copies() {
		maxCopies = max(maxCopies, n)
	}
	t.Logf("%d digests: %d arrived before the %s fault, %d of them awaiting their 250 at its start, %d arrived during it; at most %d copy per Message-ID, ledger %v, %d flagged possible_duplicate; last delivery %.2f s after the fault's end",
		blipRecipients, before, blipFor, inFlight, during, maxCopies, statuses, flagged, lastDelivery(msgs).Sub(restored).Seconds())
}

// lastDelivery is when the last of msgs arrived.
func lastDelivery(msgs []mailtest.Message) time.Time {
	var last time.Time
	for _, m := range msgs {
		if m.Received.After(last) {
			last = m.Received
		}
	}
	return last
}

func TestADatabaseBlipDuringDeliverySendsEachMessageOnce(t *testing.T) {
	t.Parallel() // mostly waiting out the fault
	h := newHarnessWith(t, postgresTarget(t), day("2027-03-01"), harnessOptions{proxy: true})
	deliverThroughABlip(h, 0, proxyCut(h), true)
}

func TestTwoClientsThroughADatabaseBlipSendEachMessageOnce(t *testing.T) {
	t.Parallel() // mostly waiting out the fault
	h := newHarnessWith(t, postgresTarget(t), day("2027-03-01"), harnessOptions{proxy: true})
	deliverThroughABlip(h, 1, proxyCut(h), true)
}

// writeLock holds SQLite's write lock from another connection, as another
// process writing to the file would, until its end is called.
func writeLock(h *harness) fault {
	var conn *sql.Conn
	other, err := sql.Open("sqlite", "file:"+h.target.URL+"?_pragma=busy_timeout(10000)")
	require.NoError(h.t, err)
	h.t.Cleanup(func() { _ = other.Close() })
	return fault{
		start: func() {
			ctx := context.Background()
			conn, err = other.Conn(ctx)
			require.NoError(h.t, err)
			_, err = conn.ExecContext(ctx, "BEGIN IMMEDIATE")
			require.NoError(h.t, err)
		},
		end: func() {
			_, err := conn.ExecContext(context.Background(), "ROLLBACK")
			require.NoError(h.t, err)
			require.NoError(h.t, conn.Close())
		},
	}
}

func TestASQLiteWriteLockHeldDuringDeliverySendsEachMessageOnce(t *testing.T) {
	t.Parallel() // mostly waiting out the fault
	// SQLite has one writer: while another connection holds the write lock,
	// every write of the store and of River waits (busy_timeout), the marks
	// after a 250 included.
	h := newHarness(t, storetest.Targets(t)[0], day("2027-03-01"))
	require.Equal(t, "sqlite", h.target.Name)
	deliverThroughABlip(h, 0, writeLock(h), false)
}

func TestADatabaseHangDuringDeliverySendsEachMessageOnce(t *testing.T) {
	t.Parallel() // mostly waiting out the fault
	// The database stops answering for 5 s, connections open: statements
	// wait rather than fail.
	h := newHarnessWith(t, postgresTarget(t), day("2027-03-01"), harnessOptions{proxy: true})
	deliverThroughABlip(h, 0, fault{start: h.proxy.Hang, end: h.proxy.Restore}, false)
}
