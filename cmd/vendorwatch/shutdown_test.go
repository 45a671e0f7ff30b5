package main

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/jobs"
	"github.com/vendorwatch/vendorwatch/jobs/mailtest"
)

// buildBinary builds vendorwatch into the test's folder, so a test can run
// it as a process and signal it.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "vendorwatch")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// child is the built binary running serve.
type child struct {
	cmd    *exec.Cmd
	addr   string
	stderr *storetest.LogBuffer
	done   chan error
}

// startChild runs serve on a free port and waits until /readyz says 200.
func startChild(t *testing.T, bin string, args ...string) *child {
	t.Helper()
	c := &child{stderr: &storetest.LogBuffer{}, done: make(chan error, 1)}
	c.cmd = exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	c.cmd.Stdout = io.Discard
	c.cmd.Stderr = c.stderr
	require.NoError(t, c.cmd.Start())
	go func() { c.done <- c.cmd.Wait() }()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			_ = c.cmd.Process.Kill()
			<-c.done
		}
	})
	waitFor(t, "the serving log line", func() bool {
		select {
		case err := <-c.done:
			t.Fatalf("serve ended early (%v): %s", err, c.stderr.String())
		default:
		}
		if m := servingAddr.FindStringSubmatch(c.stderr.String()); m != nil {
			c.addr = m[1]
		}
		return c.addr != ""
	})
	waitFor(t, "/readyz 200", func() bool { return c.readyz() == http.StatusOK })
	return c
}

// readyz answers /readyz's status, or 0 when nothing answers.
func (c *child) readyz() int {
	res, err := http.Get("http://" + c.addr + "/readyz")
	if err != nil {
		return 0
	}
	_ = res.Body.Close()
	return res.StatusCode
}

// terminate sends SIGTERM.
func (c *child) terminate(t *testing.T) {
	t.Helper()
	require.NoError(t, c.cmd.Process.Signal(syscall.SIGTERM))
}

// exited waits for the process to end and requires a clean exit.
func (c *child) exited(t *testing.T) {
	t.Helper()
	select {
	case err := <-c.done:
		require.NoError(t, err, "a clean exit: %s", c.stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("serve did not stop after SIGTERM: %s", c.stderr.String())
	}
}

func TestSIGTERMLetsTheSendInFlightFinishAndBeMarked(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			url := tg.URL
			if tg.Schema != "" {
				t.Setenv("PGOPTIONS", "-c search_path="+tg.Schema) // the child inherits it
				t.Setenv("VENDORWATCH_AUDIT_KEY", testAuditKey)    // PostgreSQL needs one, shared by the replicas
			}
			sigtermWhileSending(t, bin, url)
		})
	}
}

// sigtermWhileSending runs the binary on the database at url, sends SIGTERM
// while a digest waits for the SMTP server's answer, and starts it again.
func sigtermWhileSending(t *testing.T, bin, url string) {
	smtp := mailtest.Start(t)
	args := []string{"--database-url", url, "--smtp-url", "smtp://" + smtp.Addr + "?tls=none",
		"--mail-from", "vendorwatch@example.lg.jp", "--shutdown-timeout", "30s"}
	first := startChild(t, bin, args...)
	c := client{T: t, Base: "http://" + first.addr, Token: firstToken(t, &running{stderr: first.stderr})}
	contractDueInFiveDays(c)

	// The server takes 3 s to answer the final ".": SIGTERM comes while the
	// whole message has gone and its answer is awaited.
	smtp.DelayEveryDataReply(3 * time.Second)
	c.Call("POST", "/v1/jobs/due-scan", nil, 200)
	waitFor(t, "the message waits for its answer", func() bool { return smtp.Replying() == 1 })
	first.terminate(t)
	waitFor(t, "/readyz 503 at the signal", func() bool { return first.readyz() == http.StatusServiceUnavailable })
	require.Equal(t, 1, smtp.Replying(), "readiness turned 503 while the send was in flight")
	first.exited(t)
	require.Len(t, smtp.Messages(), 1, "the send finished")
	require.NotContains(t, first.stderr.String(), "context canceled")

	// After the restart, the row is sent and nothing goes out again.
	smtp.DelayEveryDataReply(0)
	second := startChild(t, bin, args...)
	waitFor(t, "the start-up scan", func() bool { return strings.Contains(second.stderr.String(), `msg="due scan done"`) })
	c.Base = "http://" + second.addr
	rows := c.Call("GET", "/v1/reminders", nil, 200)["items"].([]any)
	require.Len(t, rows, 1)
	require.Equal(t, "sent", rows[0].(map[string]any)["status"], "marked before the process ended")
	require.Contains(t, second.stderr.String(), "requeued=0", "the start-up catch-up finds nothing to send again")
	require.Len(t, smtp.Messages(), 1, "no resend")
	second.terminate(t)
	second.exited(t)
}

func TestSMTPDataTimeoutReachesTheMailer(t *testing.T) {
	cfg := serveConfig{SMTPURL: "smtp://127.0.0.1:2525?tls=none", SMTPDataTimeout: 42 * time.Second}
	m, err := cfg.mailer()
	require.NoError(t, err)
	smtp := m.(*jobs.SMTPMailer)
	want := jobs.DefaultSMTPTimeouts
	want.DataEnd = 42 * time.Second
	require.Equal(t, want, smtp.Timeouts, "RFC 5321's other timeouts, the configured data timeout")

	err = run(context.Background(), []string{"serve", "--smtp-url", cfg.SMTPURL, "--smtp-data-timeout", "0s"}, io.Discard, io.Discard)
	require.ErrorContains(t, err, "--smtp-data-timeout must be positive")
}
