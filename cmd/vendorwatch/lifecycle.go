package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/vendorwatch/vendorwatch/api"
)

// DefaultShutdownDrain is how long serve keeps serving after SIGTERM with
// /readyz answering 503, so that load balancers notice and stop sending
// before the listener closes.
const DefaultShutdownDrain = 5 * time.Second

// hurryKey carries the channel that a second signal closes.
type hurryKey struct{}

// withHurry attaches the channel that cuts the shutdown drain short.
func withHurry(ctx context.Context, hurry <-chan struct{}) context.Context {
	return context.WithValue(ctx, hurryKey{}, hurry)
}

// hurryOf is the channel a second signal closes; nil (never) when the
// caller is not main (tests cancel the context instead).
func hurryOf(ctx context.Context) <-chan struct{} {
	ch, _ := ctx.Value(hurryKey{}).(<-chan struct{})
	return ch
}

// lifecycle is where serve is between start and stop: the readiness
// check's answer and the gate in front of the handler follow it.
type lifecycle struct {
	started, stopping atomic.Bool
}

// ready is the readiness check: draining first (the process is going away
// whatever the database says), then the database and its migrations, then
// start-up.
func (l *lifecycle) ready(dbReady func(context.Context) error) func(context.Context) error {
	return func(ctx context.Context) error {
		if l.stopping.Load() {
			return api.ErrShuttingDown
		}
		if err := dbReady(ctx); err != nil {
			return err
		}
		if !l.started.Load() {
			return api.ErrStarting
		}
		return nil
	}
}

// gate sits in front of the whole handler. Until start-up is done only the
// probes are answered (the schema may still be migrating), everything else
// is a 503 with Retry-After. While draining every answer says
// Connection: close, so that clients holding a connection open move to
// another replica instead of keeping this one busy until the listener
// closes.
func (l *lifecycle) gate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		probe := r.URL.Path == api.HealthPath || r.URL.Path == api.ReadyPath
		if !l.started.Load() && !l.stopping.Load() && !probe {
			w.Header().Set("Retry-After", strconv.Itoa(api.RetryAfterSeconds))
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(map[string]any{"title": http.StatusText(http.StatusServiceUnavailable),
				"status": http.StatusServiceUnavailable, "detail": "still starting; retry after " + strconv.Itoa(api.RetryAfterSeconds) + " seconds (see " + api.ReadyPath + ")"})
			return
		}
		if l.stopping.Load() {
			w.Header().Set("Connection", "close")
		}
		next.ServeHTTP(w, r)
	})
}

// drain waits out the drain period while the listener keeps serving; a
// second signal ends it early.
func drain(ctx context.Context, log *slog.Logger, d time.Duration) {
	if d <= 0 {
		return
	}
	log.Info("draining: /readyz answers 503, requests are still served", "drain", d.String())
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-hurryOf(ctx):
		log.Info("second signal: the drain ends early")
	}
}

// checkOutbox makes sure the outbox folder exists and takes files, before
// anything else happens: a read-only volume fails the start, not the first
// reminder hours later.
func checkOutbox(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("--outbox-dir %s cannot be created: %w", dir, pathReason(err))
	}
	f, err := os.CreateTemp(dir, ".vendorwatch-write-check-*")
	if err != nil {
		return fmt.Errorf("--outbox-dir %s is not writable: %w", dir, pathReason(err))
	}
	_, werr := f.WriteString("vendorwatch checks that it can write here\n")
	cerr := f.Close()
	rerr := os.Remove(f.Name())
	if err := errors.Join(werr, cerr, rerr); err != nil {
		return fmt.Errorf("--outbox-dir %s is not writable: %w", dir, pathReason(err))
	}
	return nil
}

// pathReason is a file error without the path the message already names.
func pathReason(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// listensOnAllInterfaces reports whether addr's host is empty, 0.0.0.0 or
// ::, where the listening address says nothing about how staff reach the
// server.
func listensOnAllInterfaces(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}

// checkPublicURL enforces the rule that links in e-mails need an address
// staff can open: --public-url is required when --addr listens on all
// interfaces, and must be an absolute http(s) URL when set.
func checkPublicURL(addr, publicURL string) error {
	if publicURL == "" {
		if listensOnAllInterfaces(addr) {
			return usagef("--public-url is required when --addr listens on all interfaces (%q): e-mailed links and the OIDC callback need the address staff open, e.g. --public-url https://vendorwatch.example.lg.jp (or VENDORWATCH_PUBLIC_URL)", addr)
		}
		return nil
	}
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return usagef("--public-url must be an absolute http:// or https:// URL, not %q", publicURL)
	}
	return nil
}
