package jobs_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/jobs"
	"github.com/vendorwatch/vendorwatch/jobs/mailtest"
)

// poolMailer sends to srv, keeping connections open for a minute so that a
// test decides when they are closed.
func poolMailer(t *testing.T, srv *mailtest.Server) *jobs.SMTPMailer {
	t.Helper()
	m, err := jobs.ParseSMTPURL("smtp://" + srv.Addr + "?tls=none")
	require.NoError(t, err)
	m.IdleTimeout = time.Minute
	t.Cleanup(func() { _ = m.Close() })
	return m
}

// testMessage is message i of a test, with a Message-ID of its own.
func testMessage(i int) jobs.Message {
	return jobs.Message{From: "vendorwatch@example.lg.jp", To: fmt.Sprintf("p%d@example.lg.jp", i), Subject: "【vendorwatch】期限のお知らせ（1件）",
		Text: "本文", HTML: "<p>本文</p>", MessageID: fmt.Sprintf("m%d@example.lg.jp", i)}
}

// arrivedOnce checks that messages 0..n-1 each arrived exactly once.
func arrivedOnce(t *testing.T, srv *mailtest.Server, n int) {
	t.Helper()
	copies := srv.Copies()
	require.Len(t, copies, n)
	for i := range n {
		require.Equal(t, 1, copies[fmt.Sprintf("<m%d@example.lg.jp>", i)], "message %d", i)
	}
}

func TestConsecutiveSendsShareOneConnection(t *testing.T) {
	srv := mailtest.Start(t)
	m := poolMailer(t, srv)
	for i := range 5 {
		require.NoError(t, m.Send(context.Background(), testMessage(i)))
	}
	arrivedOnce(t, srv, 5)
	require.Equal(t, 1, srv.Connections(), "one connection carries the five messages")

	require.NoError(t, m.Close())
	deadline := time.Now().Add(10 * time.Second)
	for srv.OpenConnections() > 0 {
		require.False(t, time.Now().After(deadline), "Close quits the kept connection")
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAConnectionIdleForItsTimeoutIsClosed(t *testing.T) {
	srv := mailtest.Start(t)
	m := poolMailer(t, srv)
	m.IdleTimeout = 100 * time.Millisecond
	require.NoError(t, m.Send(context.Background(), testMessage(0)))
	deadline := time.Now().Add(10 * time.Second)
	for srv.OpenConnections() > 0 {
		require.False(t, time.Now().After(deadline), "the idle connection is closed")
		time.Sleep(5 * time.Millisecond)
	}
	require.NoError(t, m.Send(context.Background(), testMessage(1)))
	arrivedOnce(t, srv, 2)
	require.Equal(t, 2, srv.Connections())
}

func TestAPooledConnectionDroppedBetweenMessagesIsReplaced(t *testing.T) {
	srv := mailtest.Start(t)
	m := poolMailer(t, srv)
	require.NoError(t, m.Send(context.Background(), testMessage(0)))
	srv.DropConnections() // the server restarts, or times the idle client out
	require.NoError(t, m.Send(context.Background(), testMessage(1)), "the dead connection is replaced, not reported")
	require.NoError(t, m.Send(context.Background(), testMessage(2)))
	arrivedOnce(t, srv, 3)
	require.Equal(t, 2, srv.Connections(), "one replacement, reused for the third message")
}

func TestConcurrentSendsThroughThePoolDeliverEachMessageOnce(t *testing.T) {
	srv := mailtest.Start(t)
	m := poolMailer(t, srv)
	m.MaxIdleConns = 4 // fewer than the senders: some connections are closed on return
	const senders, each = 16, 30
	var wg sync.WaitGroup
	errs := make(chan error, senders*each)
	for s := range senders {
		wg.Go(func() {
			for i := range each {
				errs <- m.Send(context.Background(), testMessage(s*each+i))
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	arrivedOnce(t, srv, senders*each)
	require.Less(t, srv.Connections(), senders*each/4, "connections are reused")
}

// TestADigestOnADroppedPooledConnectionIsSentOnceWithoutARetry sends a
// digest, has the server drop the connection kept for the next one, and
// sends another: it goes out on a new connection at its first attempt,
// each row sent once and none flagged possible_duplicate.
func TestADigestOnADroppedPooledConnectionIsSentOnceWithoutARetry(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-03-01"))
			// The harness's runner is replaced by one whose connections
			// stay kept until the test drops them.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			require.NoError(t, h.runner.Client.Stop(ctx))
			h.runner = h.newRunnerWith(poolMailer(t, h.smtp), jobs.Config{})
			h.start(h.runner)

			dueSoon(h, "sato")
			require.Equal(t, 1, h.scan().Digests)
			h.waitSettled()
			require.Equal(t, 1, h.smtp.Connections())
			h.smtp.DropConnections()

			dueSoon(h, "suzuki")
			require.Equal(t, 1, h.scan().Digests)
			h.waitSettled()
			msgs := h.smtp.Messages()
			require.Len(t, msgs, 2, "messages: %v", summary(msgs))
			sentOnce(h, msgs)
			for _, r := range h.reminders(domain.ReminderFilter{}) {
				require.Equal(t, 1, r.Attempts, "row %s was sent at its first attempt", r.ID)
				require.False(t, r.PossibleDuplicate, "row %s", r.ID)
			}
			require.Equal(t, 2, h.smtp.Connections(), "the dropped connection was replaced")
		})
	}
}
