package main

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// runCLI runs the command in-process and returns its exit status and
// output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, &out, &errOut)
	return exitCode(err), out.String(), errOut.String(), err
}

func TestUsageErrorsExit2AndFailuresExit1(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	cases := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"unknown command", []string{"fly"}, 2, `unknown command "fly"`},
		{"unknown token command", []string{"token", "delete"}, 2, "unknown token command"},
		{"unknown flag", []string{"migrate", "--no-such-flag"}, 2, ""},
		{"unexpected argument", []string{"migrate", "--database-url", db, "extra"}, 2, `unexpected argument "extra"`},
		{"bad flag value", []string{"serve", "--rate-limit", "many"}, 2, ""},
		{"out-of-range flag value", []string{"serve", "--rate-limit", "0"}, 2, "--rate-limit must be at least 1"},
		{"negative drain", []string{"serve", "--shutdown-drain", "-1s"}, 2, "--shutdown-drain must not be negative"},
		{"unknown time zone", []string{"migrate", "--timezone", "Mars/Olympus"}, 2, "unknown time zone"},
		{"all interfaces without a public URL", []string{"serve", "--addr", "0.0.0.0:0"}, 2, "--public-url is required"},
		{"empty host without a public URL", []string{"serve", "--addr", ":0"}, 2, "--public-url is required"},
		{"IPv6 all interfaces without a public URL", []string{"serve", "--addr", "[::]:0"}, 2, "--public-url is required"},
		{"relative public URL", []string{"serve", "--public-url", "vendorwatch.example.lg.jp"}, 2, "absolute http:// or https:// URL"},
		{"token without e-mail", []string{"token", "create", "--role", "viewer"}, 2, "--email is required"},
		{"unreachable PostgreSQL", []string{"migrate", "--database-url", "postgres://postgres@127.0.0.1:1/none?connect_timeout=2"}, 1, "not reachable"},
		{"missing SQLite directory", []string{"migrate", "--database-url", filepath.Join(dir, "no", "x.db")}, 1, "SQLite directory"},
		{"nothing listens for healthcheck", []string{"healthcheck", "--addr", closedAddr(t)}, 1, "healthcheck"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr, err := runCLI(t, c.args...)
			require.Equal(t, c.code, code, "%v\n%s", err, stderr)
			if c.want != "" {
				require.ErrorContains(t, err, c.want)
			}
		})
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

// The exit statuses are the process's, not only run's.
func TestTheBinaryExitsWithTheDocumentedStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	status := func(args ...string) (int, string) {
		out, err := exec.Command(bin, args...).CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(out)
		}
		require.NoError(t, err, "%s", out)
		return 0, string(out)
	}
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"--help"}, 0}, {[]string{"-h"}, 0}, {[]string{"help"}, 0}, {[]string{"help", "serve"}, 0}, {[]string{"serve", "-h"}, 0},
		{[]string{"version"}, 0},
		{[]string{"fly"}, 2}, {[]string{"serve", "--nope"}, 2}, {[]string{"version", "extra"}, 2}, {[]string{"serve", "--addr", "0.0.0.0:0"}, 2},
		{[]string{"healthcheck", "--addr", closedAddr(t)}, 1},
	} {
		code, out := status(c.args...)
		require.Equal(t, c.code, code, "%v: %s", c.args, out)
	}
}

func TestHelpListsTheCommandsAndEachCommandsFlags(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, stdout, _, err := runCLI(t, args...)
		require.Equal(t, 0, code, "%v: %v", args, err)
		for _, c := range commands {
			require.Contains(t, stdout, "  "+c.name, "%v lists %s", args, c.name)
		}
		require.Contains(t, stdout, "2 usage error")
	}
	for _, c := range commands {
		code, stdout, _, err := runCLI(t, "help", c.name)
		require.Equal(t, 0, code, "help %s: %v", c.name, err)
		require.Contains(t, stdout, "Usage: vendorwatch "+c.name, "help %s", c.name)
	}
	_, stdout, _, _ := runCLI(t, "help", "serve")
	for _, want := range []string{"--shutdown-drain duration", "(default 5s) (env VENDORWATCH_SHUTDOWN_DRAIN)",
		"(env VENDORWATCH_DATABASE_URL)", "--public-url", "VENDORWATCH_<FLAG>_FILE"} {
		require.Contains(t, stdout, want)
	}
	_, stdout, _, _ = runCLI(t, "help", "token")
	require.Contains(t, stdout, "--email string")
	code, _, stderr, err := runCLI(t, "serve", "-h")
	require.Equal(t, 0, code, "%v", err)
	require.Contains(t, stderr, "(env VENDORWATCH_ADDR)")
	code, _, _, err = runCLI(t, "help", "fly")
	require.Equal(t, 2, code, "%v", err)
}

func TestFlagsReadFromFiles(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "from-file.db")
	file := filepath.Join(dir, "database-url")
	require.NoError(t, os.WriteFile(file, []byte(db+"\n"), 0o600))
	t.Setenv("VENDORWATCH_DATABASE_URL_FILE", file)
	code, stdout, _, err := runCLI(t, "migrate")
	require.Equal(t, 0, code, "%v", err)
	require.Contains(t, stdout, "applied vendorwatch migration")
	require.FileExists(t, db, "the trailing newline is trimmed")

	// A CRLF file too.
	require.NoError(t, os.WriteFile(file, []byte(db+"\r\n"), 0o600))
	code, _, _, err = runCLI(t, "migrate")
	require.Equal(t, 0, code, "%v", err)

	// Both set: a usage error naming both, never the value.
	t.Setenv("VENDORWATCH_DATABASE_URL", "postgres://u:hunter2@db/x")
	code, _, _, err = runCLI(t, "migrate")
	require.Equal(t, 2, code)
	require.ErrorContains(t, err, "VENDORWATCH_DATABASE_URL and VENDORWATCH_DATABASE_URL_FILE are both set")
	require.NotContains(t, err.Error(), "hunter2")

	// A file that is not there.
	os.Unsetenv("VENDORWATCH_DATABASE_URL")
	t.Setenv("VENDORWATCH_DATABASE_URL_FILE", filepath.Join(dir, "missing"))
	code, _, _, err = runCLI(t, "migrate")
	require.Equal(t, 2, code)
	require.ErrorContains(t, err, "VENDORWATCH_DATABASE_URL_FILE")

	// A secret's file sets its flag: serve refuses an OIDC secret without an
	// issuer, which shows the file's value arrived.
	os.Unsetenv("VENDORWATCH_DATABASE_URL_FILE")
	secret := filepath.Join(dir, "oidc-secret")
	require.NoError(t, os.WriteFile(secret, []byte("s3cret\n"), 0o600))
	t.Setenv("VENDORWATCH_OIDC_CLIENT_SECRET_FILE", secret)
	_, _, _, err = runCLI(t, "serve", "--addr", "127.0.0.1:0", "--database-url", filepath.Join(dir, "serve.db"), "--outbox-dir", filepath.Join(dir, "outbox"))
	require.ErrorContains(t, err, "--oidc-client-id and --oidc-client-secret need --oidc-issuer")
	require.NotContains(t, err.Error(), "s3cret")
}

func TestVersionLine(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-01T09:00:00Z"},
		{Key: "vcs.modified", Value: "true"},
	}}
	require.Equal(t, "vendorwatch v1.4.0 (revision 0123456789abcdef0123456789abcdef01234567, committed 2026-12-01T09:00:00Z, with uncommitted changes) "+runtime.Version(),
		versionLine(bi))
	bi.Settings[2].Value = "false"
	require.NotContains(t, versionLine(bi), "uncommitted")
	require.Equal(t, "vendorwatch dev "+runtime.Version(), versionLine(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}))

	version = "v9.9.9"
	defer func() { version = "" }()
	require.True(t, strings.HasPrefix(versionLine(bi), "vendorwatch v9.9.9 (revision 0123456789abcdef"), "-ldflags wins, the revision stays")
}

// The built binary: -ldflags sets the version, and a build from a clone is
// stamped with its revision.
func TestVersionOfTheBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "vendorwatch")
	out, err := exec.Command("go", "build", "-buildvcs=auto", "-ldflags", "-X main.version=v9.9.9-test", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	got, err := exec.Command(bin, "version").Output()
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(got), "vendorwatch v9.9.9-test"), "%s", got)
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil || !strings.Contains(string(got), "revision") {
		// Go stamps no VCS data in a git worktree, outside a clone, or
		// with -buildvcs=false in GOFLAGS.
		t.Logf("no VCS stamp in this build: %s", got)
		return
	}
	require.Contains(t, string(got), "revision "+strings.TrimSpace(string(head)))
}

func TestHealthcheckAsksTheLocalServer(t *testing.T) {
	dir := t.TempDir()
	r := startServe(t, "--database-url", filepath.Join(dir, "v.db"), "--outbox-dir", filepath.Join(dir, "outbox"))
	_, port, err := net.SplitHostPort(r.addr)
	require.NoError(t, err)
	for _, args := range [][]string{
		{"healthcheck", "--addr", r.addr},
		{"healthcheck", "--addr", r.addr, "--ready"},
		{"healthcheck", "--addr", "0.0.0.0:" + port}, // asked on loopback
		{"healthcheck", "--addr", ":" + port},
	} {
		code, stdout, _, err := runCLI(t, args...)
		require.Equal(t, 0, code, "%v: %v", args, err)
		require.Contains(t, stdout, "200 OK")
	}
	// The same VENDORWATCH_ADDR as serve.
	t.Setenv("VENDORWATCH_ADDR", "0.0.0.0:"+port)
	code, _, _, err := runCLI(t, "healthcheck")
	require.Equal(t, 0, code, "%v", err)
	t.Setenv("VENDORWATCH_ADDR", closedAddr(t))
	code, _, _, err = runCLI(t, "healthcheck", "--timeout", "500ms")
	require.Equal(t, 1, code, "%v", err)
}

// Before it migrates anything serve binds its port and checks its outbox:
// a start that cannot serve leaves the database as it was.
func TestServeChecksPortAndOutboxBeforeMigrating(t *testing.T) {
	dir := t.TempDir()
	notADir := filepath.Join(dir, "a-file")
	require.NoError(t, os.WriteFile(notADir, nil, 0o600))

	db := filepath.Join(dir, "outbox.db")
	code, _, _, err := runCLI(t, "serve", "--addr", "127.0.0.1:0", "--database-url", db, "--outbox-dir", filepath.Join(notADir, "outbox"))
	require.Equal(t, 1, code)
	require.ErrorContains(t, err, "--outbox-dir")
	require.NoFileExists(t, db, "nothing opened, nothing migrated")

	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { _ = busy.Close() }()
	db = filepath.Join(dir, "port.db")
	code, _, _, err = runCLI(t, "serve", "--addr", busy.Addr().String(), "--database-url", db, "--outbox-dir", filepath.Join(dir, "outbox"))
	require.Equal(t, 1, code)
	require.ErrorContains(t, err, "listen on")
	require.NoFileExists(t, db, "nothing opened, nothing migrated")

	// A missing outbox folder is created (and the check leaves nothing in it).
	fresh := filepath.Join(dir, "new", "outbox")
	startServe(t, "--database-url", filepath.Join(dir, "ok.db"), "--outbox-dir", fresh).stop()
	entries, err := os.ReadDir(fresh)
	require.NoError(t, err)
	require.Empty(t, entries)
}
