package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vendorwatch/vendorwatch/api/docsui"
)

// rateLimiter counts requests per caller in fixed one-minute windows and
// answers 429 once a caller's window is used up. A caller is its token
// (bearer, or the basic-auth password for River's UI) once that token has
// authenticated on this replica; before that, and without a token, it is
// its IP address. So made-up tokens buy no requests beyond their address's
// window, and callers whose real tokens have authenticated are not slowed by
// others behind the same address (a proxy). A token whose address's window
// is used up is checked on the spot, so a real one is never locked out by
// its neighbours. Counts live in the process: each replica limits on its own.
type rateLimiter struct {
	limit  int
	window time.Duration
	now    func() time.Time
	// verify reports whether a secret is a token that authenticates; nil
	// when there is no token store.
	verify func(ctx context.Context, secret string) bool
	// proxies are the reverse proxies whose X-Forwarded-For is believed.
	proxies []netip.Prefix

	mu      sync.Mutex
	windows map[string]*rateWindow
	// trusted holds the keys of tokens that authenticated, with when they
	// last did; only real tokens get in, so it stays as small as the
	// number of tokens in use.
	trusted map[string]time.Time
	swept   time.Time
}

type rateWindow struct {
	start time.Time
	count int
}

// trustFor is how long a token that authenticated keeps a window of its
// own without authenticating again.
const trustFor = 24 * time.Hour

func newRateLimiter(perMinute int, now func() time.Time, verify func(ctx context.Context, secret string) bool, proxies []netip.Prefix) *rateLimiter {
	return &rateLimiter{limit: perMinute, window: time.Minute, now: now, verify: verify, proxies: proxies,
		windows: map[string]*rateWindow{}, trusted: map[string]time.Time{}}
}

// verifyPerMinute is how many tokens from one address may be checked in a
// minute once the address's window is used up: a real token behind a busy
// proxy gets through, made-up ones cost no more than this many lookups.
const verifyPerMinute = 30

// take counts one request of key against the limit and returns what remains
// and when the window resets; ok is false when the limit is used up.
func (l *rateLimiter) take(key string) (remaining int, reset time.Duration, ok bool) {
	return l.takeOf(key, l.limit)
}

// takeOf is take with another limit.
func (l *rateLimiter) takeOf(key string, limit int) (remaining int, reset time.Duration, ok bool) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > l.window {
		// Forget finished windows and stale trust, so idle callers cost no
		// memory.
		for k, w := range l.windows {
			if now.Sub(w.start) >= l.window {
				delete(l.windows, k)
			}
		}
		for k, at := range l.trusted {
			if now.Sub(at) >= trustFor {
				delete(l.trusted, k)
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
	if w.count >= limit {
		return 0, reset, false
	}
	w.count++
	return limit - w.count, reset, true
}

// mayVerify reports whether a token from the address with key may still be
// checked this minute.
func (l *rateLimiter) mayVerify(address string) bool {
	if l.verify == nil {
		return false
	}
	_, _, ok := l.takeOf("verify:"+address, verifyPerMinute)
	return ok
}

// trust records that the token with key authenticated just now.
func (l *rateLimiter) trust(key string) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.trusted[key] = now
}

// distrust forgets a token that no longer authenticates (revoked).
func (l *rateLimiter) distrust(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.trusted, key)
}

// callerKey is the window a request counts against: its token's when the
// token has authenticated before, else its address's. tokenKey is the
// token's key, empty without a token.
func (l *rateLimiter) callerKey(r *http.Request) (key, tokenKey string) {
	address := "ip:" + l.clientAddress(r)
	secret := presentedSecret(r)
	if secret == "" {
		return address, ""
	}
	// The key keeps no secret in memory.
	sum := sha256.Sum256([]byte(secret))
	tokenKey = "t:" + hex.EncodeToString(sum[:8])
	l.mu.Lock()
	at, ok := l.trusted[tokenKey]
	l.mu.Unlock()
	if ok && l.now().Sub(at) < trustFor {
		return tokenKey, tokenKey
	}
	return address, tokenKey
}

// clientAddress is the caller's IP address: the connection's, or, when the
// connection comes from a trusted proxy, the last address in
// X-Forwarded-For that is not one of the trusted proxies. Addresses further
// left were written by the client and prove nothing.
func (l *rateLimiter) clientAddress(r *http.Request) string {
	peer, ok := parseHop(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if !l.isProxy(peer) {
		return peer.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			break // a malformed hop: believe nothing further left
		}
		if !l.isProxy(hop) {
			return hop.String()
		}
	}
	return peer.String()
}

// parseHop reads an address as proxies and connections write it: bare,
// with a port, or bracketed (IPv6), IPv4-mapped ones as IPv4.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func (l *rateLimiter) isProxy(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range l.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
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
		if isEmbeddedAsset(r.URL.Path) || isProbe(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		key, tokenKey := l.callerKey(r)
		remaining, reset, ok := l.take(key)
		if !ok && tokenKey != "" && key != tokenKey && l.mayVerify(key) && l.verify(r.Context(), presentedSecret(r)) {
			// A real token from a busy address (a proxy, say): from now on
			// it has a window of its own.
			l.trust(tokenKey)
			remaining, reset, ok = l.take(tokenKey)
		}
		h := w.Header()
		h.Set("RateLimit-Limit", strconv.Itoa(l.limit))
		h.Set("RateLimit-Remaining", strconv.Itoa(remaining))
		h.Set("RateLimit-Reset", resetSeconds(reset))
		if !ok {
			l.refuse(w, reset, "rate limit of "+strconv.Itoa(l.limit)+" requests a minute reached")
			return
		}
		if tokenKey == "" {
			next.ServeHTTP(w, r)
			return
		}
		rec := &statusRecorder{ResponseWriter: w}
		seen := &authSeen{}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), authSeenKey{}, seen)))
		switch {
		case seen.ok.Load():
			l.trust(tokenKey)
		case rec.status == http.StatusUnauthorized:
			l.distrust(tokenKey)
		}
	})
}

// refuse answers 429 with Retry-After; the RateLimit headers are set.
func (l *rateLimiter) refuse(w http.ResponseWriter, reset time.Duration, why string) {
	seconds := resetSeconds(reset)
	w.Header().Set("Retry-After", seconds)
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
			h.Set("Access-Control-Expose-Headers", "ETag, Link, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After, X-Request-Id")
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

// StaticPrefix is where the staff pages (api/web) serve their embedded
// styles and script.
const StaticPrefix = "/static/"

// isEmbeddedAsset reports whether path is a file built into the binary,
// the pages' or /docs': served from memory, touching no database, and asked
// for several times by every page a browser opens, so counting them would
// spend a caller's minute on styles. Behind a proxy that hides the staff's
// addresses, a few dozen people would otherwise share one budget.
func isEmbeddedAsset(path string) bool {
	return strings.HasPrefix(path, StaticPrefix) || strings.HasPrefix(path, docsui.AssetsPath)
}

// unlimitedKey marks, in an operation's metadata, an operation that the
// rate limiter never counts: the document then promises no 429 for it.
const unlimitedKey = "vendorwatch-unlimited"

// isProbe reports whether path is a health probe. Probes are never counted:
// a load balancer asks them every few seconds from one address, and a 429
// there would take a healthy replica out of service (or, counted against
// the proxy's address, spend the staff's budget). They read nothing a
// caller could not learn otherwise and take no token.
func isProbe(path string) bool { return path == HealthPath || path == ReadyPath }
