package main

import (
	"bytes"
	"context"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api/apitest"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// servingAddr finds the listening address in the text log, servingAddrJSON
// in the JSON log.
var (
	servingAddr     = regexp.MustCompile(`msg="vendorwatch serving" addr=(\S+)`)
	servingAddrJSON = regexp.MustCompile(`"msg":"vendorwatch serving","addr":"([^"]+)"`)
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		require.True(t, time.Now().Before(deadline), "timed out waiting for %s", what)
		time.Sleep(20 * time.Millisecond)
	}
}

// running is a serve process started by a test: stdout has the first
// start's token, stderr the log.
type running struct {
	addr   string
	stdout *storetest.LogBuffer
	stderr *storetest.LogBuffer
	stop   func()
}

// startServe starts serve on a free port (without a shutdown drain, unless
// args set one) and waits until /readyz says 200; stop cancels its signal
// context and waits for a clean exit.
func startServe(t *testing.T, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &storetest.LogBuffer{}, &storetest.LogBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--shutdown-drain", "0s"}, args...), stdout, stderr)
	}()
	r := &running{stdout: stdout, stderr: stderr}
	waitFor(t, "the serving log line", func() bool {
		select {
		case err := <-done:
			require.NoError(t, err, "serve ended early: %s", stderr.String())
		default:
		}
		m := servingAddr.FindStringSubmatch(stderr.String())
		if m != nil {
			r.addr = m[1]
		}
		return m != nil
	})
	waitFor(t, "/readyz 200", func() bool {
		res, err := http.Get("http://" + r.addr + "/readyz")
		if err != nil {
			return false
		}
		_ = res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	stopped := false
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err, "graceful shutdown: %s", stderr.String())
		case <-time.After(30 * time.Second):
			t.Fatal("serve did not stop after its context was cancelled")
		}
		require.Contains(t, stderr.String(), "stopped")
	}
	t.Cleanup(r.stop)
	return r
}

// serveOnce starts serve, waits until it is ready and stops it.
func serveOnce(t *testing.T, args ...string) *running {
	t.Helper()
	r := startServe(t, args...)
	r.stop()
	return r
}

// tokenLine finds the first start's administrator token on stdout.
var tokenLine = apitest.TokenLine

// client calls a running server's API with a token.
type client = apitest.Client

func TestFirstStartPrintsTheTokenOnce(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			url := tg.URL
			if tg.Schema != "" {
				t.Setenv("PGOPTIONS", "-c search_path="+tg.Schema)
				t.Setenv("VENDORWATCH_AUDIT_KEY", testAuditKey) // PostgreSQL needs one, shared by the replicas
			}
			first := serveOnce(t, "--database-url", url)
			m := tokenLine.FindAllStringSubmatch(first.stdout.String(), -1)
			require.Len(t, m, 1, "exactly one token on first start:\n%s", first.stdout)
			require.Contains(t, first.stdout.String(), "Authorization: Bearer "+m[0][1])
			require.NotContains(t, first.stderr.String(), m[0][1], "the token is not in the log")
			require.Contains(t, first.stderr.String(), "printed once on stdout")

			second := serveOnce(t, "--database-url", url)
			require.Empty(t, tokenLine.FindAllString(second.stdout.String(), -1), "no token on second start:\n%s", second.stdout)
			require.Contains(t, second.stderr.String(), "migrations current")

			// token create prints a new working token on stdout.
			stdout := &bytes.Buffer{}
			require.NoError(t, run(context.Background(), []string{"token", "create", "--database-url", url,
				"--email", "ADMIN@vendorwatch.invalid", "--role", "viewer"}, stdout, &bytes.Buffer{}))
			require.Regexp(t, `^vw_[A-Za-z0-9_-]{43}\n$`, stdout.String())
		})
	}
}

func TestConfigurationErrorsAreOneLine(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unsupported URL", []string{"serve", "--database-url", "mysql://u:secret@h/db"}, "unsupported database URL"},
		{"unreachable PostgreSQL", []string{"serve", "--database-url", "postgres://postgres@127.0.0.1:1/none?connect_timeout=2"}, "not reachable"},
		{"missing SQLite directory", []string{"serve", "--database-url", filepath.Join(dir, "no", "such", "dir", "x.db")}, "SQLite directory"},
		{"unknown role", []string{"token", "create", "--email", "a@b.jp", "--role", "boss"}, `unknown role "boss"`},
		{"unknown time zone", []string{"migrate", "--timezone", "Mars/Olympus"}, "unknown time zone"},
		{"unknown log format", []string{"serve", "--log-format", "xml"}, "unknown log format"},
		{"unknown command", []string{"fly"}, `unknown command "fly"`},
		{"zero request timeout", []string{"serve", "--request-timeout", "0s"}, "--request-timeout must be positive"},
		{"short digest lease", []string{"serve", "--digest-lease", "1s"}, "--digest-lease must be at least 4s"},
		{"bad trusted proxy", []string{"serve", "--trusted-proxies", "10.0.0.0/8,ingress"}, `"ingress" is neither an IP address nor a CIDR`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			args := c.args
			if args[0] == "serve" {
				// Not the default port or outbox, should one get that far.
				args = append(args, "--addr", "127.0.0.1:0", "--outbox-dir", filepath.Join(dir, "outbox"))
			}
			err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{})
			require.Error(t, err)
			require.Contains(t, err.Error(), c.want)
			require.NotContains(t, err.Error(), "\n")
			require.NotContains(t, err.Error(), "secret", "the password never appears")
		})
	}
}

func TestEnvironmentSetsFlagsAndFlagsWin(t *testing.T) {
	t.Setenv("VENDORWATCH_LOG_FORMAT", "xml")
	err := run(context.Background(), []string{"migrate", "--database-url", filepath.Join(t.TempDir(), "x.db")}, &bytes.Buffer{}, &bytes.Buffer{})
	require.ErrorContains(t, err, "unknown log format")

	out := &bytes.Buffer{}
	require.NoError(t, run(context.Background(), []string{"migrate", "--log-format", "json", "--database-url", filepath.Join(t.TempDir(), "x.db")}, out, &bytes.Buffer{}))
	require.Contains(t, out.String(), "applied vendorwatch migration 0001_foundation")
}

func TestOpenAPICommandPrintsBothVersions(t *testing.T) {
	out := &bytes.Buffer{}
	require.NoError(t, run(context.Background(), []string{"openapi"}, out, &bytes.Buffer{}))
	require.True(t, strings.HasPrefix(out.String(), "components:") || strings.Contains(out.String(), "openapi: 3.1.0"))
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"openapi", "--v3.0"}, out, &bytes.Buffer{}))
	require.Contains(t, out.String(), "openapi: 3.0.3")
}

func TestCommittedOpenAPIDocumentsAreCurrent(t *testing.T) {
	for file, args := range map[string][]string{
		"openapi.yaml":     {"openapi"},
		"openapi-3.0.yaml": {"openapi", "--v3.0"},
	} {
		out := &bytes.Buffer{}
		require.NoError(t, run(context.Background(), args, out, &bytes.Buffer{}))
		committed, err := os.ReadFile(filepath.Join("..", "..", "openapi", file))
		require.NoError(t, err, "openapi/%s is committed", file)
		require.Equal(t, string(committed), out.String(),
			"openapi/%s is stale: run go run ./cmd/vendorwatch openapi > openapi/openapi.yaml (and --v3.0 > openapi/openapi-3.0.yaml)", file)
	}
}

func TestServeWithoutMigrateWaitsForTheMigrateStep(t *testing.T) {
	dbFile := filepath.Join(t.TempDir(), "v.db")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &storetest.LogBuffer{}, &storetest.LogBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--migrate=false", "--shutdown-drain", "0s", "--database-url", dbFile}, stdout, stderr)
	}()
	var addr string
	waitFor(t, "the serving log line", func() bool {
		m := servingAddr.FindStringSubmatch(stderr.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	status := func(path string) int {
		res, err := http.Get("http://" + addr + path)
		require.NoError(t, err)
		_ = res.Body.Close()
		return res.StatusCode
	}
	require.Equal(t, http.StatusOK, status("/healthz"))
	require.Equal(t, http.StatusServiceUnavailable, status("/readyz"))

	require.NoError(t, run(context.Background(), []string{"migrate", "--database-url", dbFile}, &bytes.Buffer{}, &bytes.Buffer{}))
	waitFor(t, "/readyz 200 after migrate", func() bool { return status("/readyz") == http.StatusOK })
	require.Len(t, tokenLine.FindAllString(stdout.String(), -1), 1, "the first start still prints its token")
	cancel()
	require.NoError(t, <-done)
}

func TestParseTrustedProxies(t *testing.T) {
	got, err := parseTrustedProxies(" 10.1.0.0/16, 192.0.2.7 ,::ffff:10.2.0.0/112,2001:db8::/32,")
	require.NoError(t, err)
	want := []netip.Prefix{
		netip.MustParsePrefix("10.1.0.0/16"), netip.MustParsePrefix("192.0.2.7/32"),
		netip.MustParsePrefix("10.2.0.0/16"), netip.MustParsePrefix("2001:db8::/32"),
	}
	require.Equal(t, want, got)
	none, err := parseTrustedProxies("")
	require.NoError(t, err)
	require.Empty(t, none)
}
