package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/jobs"
	"github.com/vendorwatch/vendorwatch/jobs/mailtest"
)

// binDir holds the binary the tests build once and share.
var (
	binDir   string
	binOnce  sync.Once
	binPath  string
	binError error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// buildBinary builds vendorwatch once for the package's tests, so that a
// test can run it as a process and signal it.
func buildBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binError = os.MkdirTemp("", "vendorwatch-bin-")
		if binError != nil {
			return
		}
		binPath = filepath.Join(binDir, "vendorwatch")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binError = fmt.Errorf("go build: %v: %s", err, out)
		}
	})
	require.NoError(t, binError)
	return binPath
}

// child is the built binary running serve: stdout has the first start's
// token, stderr the log.
type child struct {
	cmd    *exec.Cmd
	addr   string
	stdout *storetest.LogBuffer
	stderr *storetest.LogBuffer
	done   chan error
}

// startChild runs serve on a free port (without a shutdown drain, unless
// args set one) and waits until /readyz says 200.
func startChild(t *testing.T, bin string, args ...string) *child {
	t.Helper()
	c := &child{stdout: &storetest.LogBuffer{}, stderr: &storetest.LogBuffer{}, done: make(chan error, 1)}
	c.cmd = exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--shutdown-drain", "0s"}, args...)...)
	c.cmd.Stdout = c.stdout
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
		if m := servingAddrJSON.FindStringSubmatch(c.stderr.String()); m != nil {
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
	// A drain, so that /readyz answers 503 (rather than nothing) while the
	// send is in flight.
	first := startChild(t, bin, append(args, "--shutdown-drain", "5s")...)
	c := client{T: t, Base: "http://" + first.addr, Token: firstToken(t, first.stdout)}
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

// drainClients is how many clients keep calling during the drain: a
// bounded load on loopback, enough to have requests in flight and new
// connections opening at every moment.
const drainClients = 8

// SIGTERM under load: /readyz turns 503 (shutting_down) at once; through
// the drain every request succeeds and no connection is refused, new ones
// included (answers say Connection: close, so clients reconnect); then a
// second SIGTERM cuts the drain short and the process exits cleanly.
func TestSIGTERMDrainsUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			if tg.Schema != "" {
				t.Setenv("PGOPTIONS", "-c search_path="+tg.Schema)
				t.Setenv("VENDORWATCH_AUDIT_KEY", testAuditKey) // PostgreSQL needs one, shared by the replicas
			}
			drainUnderLoad(t, bin, tg.URL)
		})
	}
}

// drainStats counts what the clients saw.
type drainStats struct {
	mu       sync.Mutex
	ok       int
	failures []string
	// afterNotReady counts the requests made once /readyz said 503.
	afterNotReady int
}

func (s *drainStats) record(err error, status int, notReady bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil:
		s.failures = append(s.failures, err.Error())
	case status != http.StatusOK:
		s.failures = append(s.failures, fmt.Sprintf("status %d", status))
	default:
		s.ok++
		if notReady {
			s.afterNotReady++
		}
	}
}

func (s *drainStats) counts() (ok, afterNotReady int, failures []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ok, s.afterNotReady, append([]string(nil), s.failures...)
}

func drainUnderLoad(t *testing.T, bin, url string) {
	dir := t.TempDir()
	// A drain long enough for the clients' quota on a loaded machine; the
	// test ends it by the quota, not by the clock.
	c := startChild(t, bin, "--database-url", url, "--outbox-dir", filepath.Join(dir, "outbox"),
		"--shutdown-drain", "15s", "--shutdown-timeout", "10s", "--rate-limit", "1000000")
	api := client{T: t, Base: "http://" + c.addr, Token: firstToken(t, c.stdout)}

	var notReady atomic.Bool
	stats := &drainStats{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	transport := &http.Transport{MaxIdleConnsPerHost: drainClients}
	defer transport.CloseIdleConnections()
	hc := &http.Client{Transport: transport, Timeout: 10 * time.Second}
	for i := range drainClients {
		wg.Go(func() {
			paths := []string{"/v1/vendors", "/v1/me", "/healthz"}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				seen := notReady.Load() // whether this request starts after the 503
				req, err := http.NewRequest(http.MethodGet, api.Base+paths[(i+n)%len(paths)], nil)
				require.NoError(t, err)
				req.Header.Set("Authorization", "Bearer "+api.Token)
				res, err := hc.Do(req)
				status := 0
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					_ = res.Body.Close()
					status = res.StatusCode
				}
				stats.record(err, status, seen)
			}
		})
	}
	waitFor(t, "the clients under way", func() bool { ok, _, _ := stats.counts(); return ok >= 5*drainClients })

	c.terminate(t)
	waitFor(t, "/readyz 503 shutting_down", func() bool {
		res, err := http.Get(api.Base + "/readyz")
		if err != nil {
			return false
		}
		defer func() { _ = res.Body.Close() }()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode == http.StatusServiceUnavailable && strings.Contains(string(body), `"reason_code":"shutting_down"`) {
			notReady.Store(true)
			return true
		}
		return false
	})
	const quota = 25 * drainClients
	waitFor(t, "requests served during the drain", func() bool { _, after, _ := stats.counts(); return after >= quota })
	close(stop)
	wg.Wait()
	ok, after, failures := stats.counts()
	require.Empty(t, failures, "no refused connection, no failed request during the drain (%d succeeded)", ok)
	require.GreaterOrEqual(t, after, quota)
	require.Contains(t, c.stderr.String(), "draining")
	// Still draining: readiness keeps saying so, the listener still takes
	// new connections.
	res, err := http.Get(api.Base + "/readyz")
	require.NoError(t, err, "the listener still serves at the end of the test's load")
	_ = res.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, res.StatusCode)
	require.True(t, res.Close, "answers during the drain close their connection")
	t.Logf("%d requests succeeded, %d of them after /readyz said 503", ok, after)

	// A second signal ends the drain early.
	c.terminate(t)
	c.exited(t)
	require.Contains(t, c.stderr.String(), "second signal: the drain ends early")
	require.Contains(t, c.stderr.String(), "stopped")
}
