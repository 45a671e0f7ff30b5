// Package web is vendorwatch's staff pages: server-rendered html/template
// pages, in Japanese by default and English for people whose locale is en,
// over the same domain services as the JSON API. A page decodes its form,
// calls one service with the signed-in person as the actor, and renders the
// answer; the rules (roles, security roles, the contract gate) are the
// services', so no rule is written twice.
//
// Templates and static files are embedded; no request leaves the machine.
// Every page sends a Content-Security-Policy without 'unsafe-inline' and
// refuses to be framed; every state-changing form carries a CSRF token
// bound to the session, and cross-origin posts are refused outright.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/domain"
)

// SignInMailer sends a sign-in link to a person, through the mailer the
// reminders use (outbox or SMTP).
type SignInMailer interface {
	SendSignInLink(ctx context.Context, to *domain.Person, link string) error
}

// Config configures the pages.
type Config struct {
	api.Services
	Logger *slog.Logger
	// PublicURL is the address staff open in a browser (serve's
	// --public-url); sign-in links start with it, and cookies are Secure
	// when it is https.
	PublicURL string
	// Mailer sends sign-in links; nil turns e-mail sign-in off.
	Mailer SignInMailer
	// OIDC signs people in through an OpenID Connect provider; nil for
	// none.
	OIDC *OIDC
	// Today returns the body's calendar day (the store's clock in the body's
	// time zone); the machine's local day when nil.
	Today func() domain.Date
}

// Handler serves the staff pages.
type Handler struct {
	cfg     Config
	log     *slog.Logger
	router  chi.Router
	pages   *templates
	secure  bool
	mailing chan struct{}
	wg      sync.WaitGroup
}

// New builds the pages' handler.
func New(cfg Config) (*Handler, error) {
	pages, err := parseTemplates()
	if err != nil {
		return nil, err
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, pages: pages, mailing: make(chan struct{}, maxMailsInFlight)}
	if h.log == nil {
		h.log = slog.Default()
	}
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Scheme == "https" {
		h.secure = true
	}
	cop := http.NewCrossOriginProtection()
	// Browsers without Sec-Fetch-Site are judged by Origin against Host,
	// which a reverse proxy may rewrite: the public URL's origin is ours.
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Scheme != "" && u.Host != "" {
		if err := cop.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			return nil, fmt.Errorf("web: public URL %q: %w", cfg.PublicURL, err)
		}
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.renderError(w, r, http.StatusForbidden, "error.cross_origin")
	}))
	r := chi.NewRouter()
	r.Use(securityHeaders, cop.Handler, h.session)
	// A signed-out browser is sent to sign in wherever it goes: which
	// pages exist is nobody's business before that.
	r.NotFound(h.requireSignIn(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.renderError(w, r, http.StatusNotFound, "error.not_found")
	})).ServeHTTP)
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		h.renderError(w, r, http.StatusMethodNotAllowed, "error.method")
	})
	r.Handle(api.StaticPrefix+"*", staticHandler())
	h.signInRoutes(r)
	r.Group(func(r chi.Router) {
		r.Use(h.requireSignIn, h.checkCSRF)
		h.homeRoutes(r)
		h.vendorRoutes(r)
		h.contractRoutes(r)
		h.confirmationRoutes(r)
		h.correctiveActionRoutes(r)
		h.cloudServiceRoutes(r)
		h.socialAccountRoutes(r)
		h.reviewRoutes(r)
		h.policyReviewRoutes(r)
		h.ledgerRoutes(r)
		h.adminRoutes(r)
		h.incidentRoutes(r)
		h.evidenceRoutes(r)
		h.inspectionRoutes(r)
		h.auditRoutes(r)
		h.webhookRoutes(r)
		h.importRoutes(r)
	})
	h.router = r
	return h, nil
}

// needs refuses with 403, before the handler runs, a request whose
// person's role lacks perm. Each route states the permission of the API
// operation it stands for, here and nowhere else, so a page and its form
// cannot disagree.
func (h *Handler) needs(perm domain.Permission) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !stateOf(r).actor.Role.Allows(perm) {
				h.renderError(w, r, http.StatusForbidden, "error.forbidden")
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.router.ServeHTTP(w, r) }

// Wait waits for the sign-in e-mails still being sent, up to ctx.
func (h *Handler) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { h.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// contentSecurityPolicy allows only this origin's scripts, styles, images
// and form targets: no inline script or style, no framing, no plugins.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// securityHeaders are sent with every page and static file.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		// Sign-in links carry their secret in the URL: never tell another
		// site where the browser came from.
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, api.StaticPrefix) {
			hd.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// today is the body's calendar day.
func (h *Handler) today() domain.Date {
	if h.cfg.Today != nil {
		return h.cfg.Today()
	}
	return domain.DateOf(time.Now(), time.Local)
}
