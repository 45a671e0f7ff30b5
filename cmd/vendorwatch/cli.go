package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/vendorwatch/vendorwatch/api"
)

// version is set at build time with -ldflags "-X main.version=…"; otherwise
// it comes from the module's build information.
var version = ""

// buildVersion is the version of this build: the -ldflags one, else the
// module's (a tag, or Go's pseudo-version of the commit), else "dev".
func buildVersion() string {
	bi, _ := debug.ReadBuildInfo()
	return versionOf(bi)
}

func versionOf(bi *debug.BuildInfo) string {
	if version != "" {
		return version
	}
	if bi != nil && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// versionLine is what "vendorwatch version" prints: the version, then what
// the Go toolchain stamped about the source tree (vcs.revision, vcs.time,
// vcs.modified; absent when built outside a clone or with -buildvcs=false),
// and the Go release.
func versionLine(bi *debug.BuildInfo) string {
	var b strings.Builder
	b.WriteString("vendorwatch " + versionOf(bi))
	var revision, at string
	modified := false
	if bi != nil {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				revision = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if revision != "" {
		b.WriteString(" (revision " + revision)
		if at != "" {
			b.WriteString(", committed " + at)
		}
		if modified {
			b.WriteString(", with uncommitted changes")
		}
		b.WriteString(")")
	}
	b.WriteString(" " + runtime.Version())
	return b.String()
}

func runVersion(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vendorwatch version", flag.ContinueOnError)
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	bi, _ := debug.ReadBuildInfo()
	_, err := fmt.Fprintln(stdout, versionLine(bi))
	return err
}

// healthcheckTimeout bounds the whole check: a container runtime's own
// timeout is usually 30 s, a hung server should fail well before.
const healthcheckTimeout = 3 * time.Second

// runHealthcheck asks the local server's probe and succeeds on 200: the
// image is distroless, so HEALTHCHECK has no curl to call.
func runHealthcheck(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("vendorwatch healthcheck", flag.ContinueOnError)
	addr := fs.String("addr", defaultAddr, "the address serve listens on (the same VENDORWATCH_ADDR); 0.0.0.0, :: or an empty host is asked on loopback")
	timeout := fs.Duration("timeout", healthcheckTimeout, "how long to wait for the answer")
	ready := fs.Bool("ready", false, "ask "+api.ReadyPath+" (ready to take traffic) instead of "+api.HealthPath+" (alive)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if *timeout <= 0 {
		return usagef("--timeout must be positive, not %s", *timeout)
	}
	host, port, err := net.SplitHostPort(*addr)
	if err != nil {
		return usagef("--addr %q is not host:port", *addr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
		if ip != nil && ip.To4() == nil {
			host = "::1"
		}
	}
	path := api.HealthPath
	if *ready {
		path = api.ReadyPath
	}
	url := "http://" + net.JoinHostPort(host, port) + path
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	// Loopback, never through a proxy the environment may name.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer func() { _ = res.Body.Close() }()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", url, res.Status)
	}
	_, err = fmt.Fprintf(stdout, "%s: %s\n", url, res.Status)
	return err
}
