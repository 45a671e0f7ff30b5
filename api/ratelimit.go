package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// rateLimiter counts requests per caller in fixed one-minute windows and
// answers 429 once a caller's window is used up. A caller is its bearer
// token (or basic-auth password) when it sends one, else its IP address.
// Since anyone can make up tokens, answers of 401 are also counted per IP
// address, and an address whose failed authentications used up its window
// is refused for tokens that have not yet authenticated: made-up tokens buy
// no extra requests, and callers with real tokens behind the same address
// (a proxy) are not locked out by them.
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
	// trusted is set once the token authenticated; it outlives a window's
	// reset and goes when the caller idles long enough to be swept.
	trusted bool
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
	if !found {
		w = &rateWindow{start: now}
		l.windows[key] = w
	} else if now.Sub(w.start) >= l.window {
		w.start, w.count = now, 0
	}
	reset = w.start.Add(l.window).Sub(now)
	if w.count >= l.limit {
		return 0, reset, false
	}
	w.count++
	return l.limit - w.count, reset, true
}

// trust marks key as a token that authenticated.
func (l *rateLimiter) trust(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if w, ok := l.windows[key]; ok {
		w.trusted = true
	}
}

// trusted reports whether key is a token that authenticated.
func (l *rateLimiter) trusted(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	w, ok := l.windows[key]
	return ok && w.trusted
}

// usedUp reports whether key's window is used up, without counting, and
// when the window resets.
func (l *rateLimiter) usedUp(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	w, found := l.windows[key]
	if !found || now.Sub(w.start) >= l.window {
		return false, 0
	}
	return w.count >= l.limit, w.start.Add(l.window).Sub(now)
}

// callerKey identifies the caller without keeping a secret in memory: the
// token's key when it sends a token, else its address's.
func callerKey(r *http.Request) (key string, withToken bool) {
	if secret := presentedSecret(r); secret != "" {
		sum := sha256.Sum256([]byte(secret))
		return "t:" + hex.EncodeToString(sum[:8]), true
	}
	return "ip:" + remoteHost(r), false
}

// failedAuthKey counts the answers of 401 to one address.
func failedAuthKey(r *http.Request) string { return "401:" + remoteHost(r) }

func remoteHost(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// presentedSecret is the token a request presents: a bearer token, or the
// password of HTTP basic authentication (River's UI in a browser).
func presentedSecret(r *http.Request) string {
	if scheme, rest, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(rest)
	}
	if _, pass, ok := r.BasicAuth(); ok {
		return pass
	}
	return ""
}

// authSeen carries, from the authentication back to the rate limiter,
// whether the request's token authenticated.
type authSeen struct{ ok atomic.Bool }

type authSeenKey struct{}

// markAuthenticated tells the rate limiter that the request's token is real.
func markAuthenticated(ctx context.Context) {
	if seen, ok := ctx.Value(authSeenKey{}).(*authSeen); ok {
		seen.ok.Store(true)
	}
}

// statusRecorder remembers the status of an answer.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// middleware sets the RateLimit headers on every answer and refuses requests
// beyond the limit with a 429 problem and Retry-After.
func (l *rateLimiter) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key, withToken := callerKey(r)
		if withToken && !l.trusted(key) {
			if blocked, reset := l.usedUp(failedAuthKey(r)); blocked {
				l.refuse(w, reset, "too many failed authentications from this address")
				return
			}
		}
		remaining, reset, ok := l.take(key)
		h := w.Header()
		h.Set("RateLimit-Limit", strconv.Itoa(l.limit))
		h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("RateLimit-Reset", resetSeconds(reset))
		if !ok {
			l.refuse(w, reset, "rate limit of "+strconv.Itoa(l.limit)+" requests a minute reached")
			return
		}
		if !withToken {
			next.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{ResponseWriter: w}
		seen := &authSeen{}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), authSeenKey{}, seen)))
		switch {
		case seen.ok.Load():
			l.trust(key)
		case rec.status == http.StatusUnauthorized:
			l.take(failedAuthKey(r))
		}
	})
}

// refuse answers 429 with Retry-After.
func (l *rateLimiter) refuse(w http.ResponseWriter, reset time.Duration, why string) {
	seconds := resetSeconds(reset)
	h := w.Header()
	h.Set("RateLimit-Limit", strconv.Itoa(l.limit))
	h.Set("RateLimit-Remaining", "0")
	h.Set("RateLimit-Reset", seconds)
	h.Set("Retry-After", seconds)
	writeProblem(w, http.StatusTooManyRequests, why+"; retry after "+seconds+" seconds")
}

func resetSeconds(reset time.Duration) string {
	return strconv.Itoa(int(reset.Round(time.Second) / time.Second))
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
