package api

import (
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rateLimiter counts requests per caller in fixed one-minute windows and
// answers 429 once a caller's window is used up. A caller is its bearer
// token (or basic-auth password) when it sends one, else its IP address.
// Counts live in the process: each replica limits on its own.
type rateLimiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	windows map[string]*rateWindow
	swept   time.Time
}

type rateWindow struct {
	start time.Time
	count int
}

func newRateLimiter(perMinute int, now func() time.Time) *rateLimiter {
	return &rateLimiter{limit: perMinute, window: time.Minute, now: now, windows: map[string]*rateWindow{}}
}

// take counts one request of key and returns what remains and when the
// window resets; ok is false when the limit is used up.
func (l *rateLimiter) take(key string) (remaining int, reset time.Duration, ok bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.window {
		// Forget finished windows, so idle callers cost no memory.
		for k, w := range l.windows {
			if now.Sub(w.start) >= l.window {
				delete(l.windows, k)
			}
		}
		l.swept = now
	}
	w, found := l.windows[key]
	if !found || now.Sub(w.start) >= l.window {
		w = &rateWindow{start: now}
		l.windows[key] = w
	}
	reset = w.start.Add(l.window).Sub(now)
	if w.count >= l.limit {
		return 0, reset, false
	}
	w.count++
	return l.limit - w.count, reset, true
}

// callerKey identifies the caller without keeping a secret in memory.
func callerKey(r *http.Request) string {
	secret := ""
	if scheme, rest, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		secret = strings.TrimSpace(rest)
	} else if _, pass, ok := r.BasicAuth(); ok {
		secret = pass
	}
	if secret != "" {
		sum := sha256.Sum256([]byte(secret))
		return "t:" + hex.EncodeToString(sum[:8])
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	return "ip:" + host
}

// limit sets the RateLimit headers on every answer and refuses requests
// beyond the limit with a 429 problem and Retry-After.
func (l *rateLimiter) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		remaining, reset, ok := l.take(callerKey(r))
		seconds := strconv.Itoa(int(reset.Round(time.Second) / time.Second))
		h := w.Header()
		h.Set("RateLimit-Limit", strconv.Itoa(l.limit))
		h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("RateLimit-Reset", seconds)
		if !ok {
			h.Set("Retry-After", seconds)
			writeProblem(w, http.StatusTooManyRequests, "rate limit of "+strconv.Itoa(l.limit)+" requests a minute reached; retry after "+seconds+" seconds")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// corsOrigins answers cross-origin requests from the configured origins
// only; other origins get no CORS headers, so browsers refuse them.
func corsOrigins(origins []string) func(http.Handler) http.Handler {
	allowed := map[string]bool{}
	for _, o := range origins {
		if o = strings.TrimSuffix(strings.TrimSpace(o), "/"); o != "" {
			allowed[o] = true
		}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			if origin == "" || !allowed[origin] {
				next.ServeHTTP(w, r)
				return
			}
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Expose-Headers", "ETag, Link, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, If-Match")
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
