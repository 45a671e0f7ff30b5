// Package api is vendorwatch's HTTP surface: huma operations on chi, one file
// per resource, with authentication, errors, pagination and ETags handled in
// one place each. Handlers decode, call one domain service and encode; they
// hold no rules and no SQL.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humachi"
	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/vendorwatch/vendorwatch/api/docsui"
	"github.com/vendorwatch/vendorwatch/domain"
)

// Services are the domain services the API calls.
type Services struct {
	Departments domain.DepartmentService
	People      domain.PersonService
	Tokens      domain.TokenService
	Audit       domain.AuditService
	Settings    domain.SettingsService
	Catalogues  domain.CatalogueService
	Vendors     domain.VendorService
	Contracts   domain.ContractService
	// Confirmations and CorrectiveActions carry out the policy's "confirm the
	// contractor keeps the measures, and act when it does not".
	Confirmations     domain.ConfirmationService
	CorrectiveActions domain.CorrectiveActionService
	CloudServices     domain.CloudServiceService
	SocialAccounts    domain.SocialAccountService
	Reviews           domain.ReviewService
	Reminders         domain.ReminderService
	Work              domain.WorkService
	PolicyReviews     domain.PolicyReviewService
	// Evidence keeps the files attached to records.
	Evidence domain.EvidenceService
	// Inspections and Audits carry out the policy's 第7 (自己点検・監査).
	Inspections domain.InspectionService
	Audits      domain.AuditRecordService
	// Sessions signs people in to the staff pages (api/web).
	Sessions domain.SessionService
	// Jobs runs a due-scan on demand; nil where no job runner runs.
	Jobs domain.DueScanRunner
	// Ready reports whether the database answers and migrations are current.
	Ready func(ctx context.Context) error
	// Incidents keeps the information security incidents (第6 ⑦).
	Incidents domain.IncidentService
	// Webhooks keeps the webhook subscriptions (admin only).
	Webhooks domain.WebhookService
	// Idempotency remembers POSTs sent with an Idempotency-Key; nil to
	// ignore the header.
	Idempotency domain.IdempotencyService
	// Imports bring registers in from spreadsheets (dry run, then commit).
	Imports domain.ImportService
}

// Backend is one implementation of every service the API calls, as
// domain/store provides.
type Backend interface {
	domain.DepartmentService
	domain.PersonService
	domain.TokenService
	domain.AuditService
	domain.SettingsService
	domain.CatalogueService
	domain.VendorService
	domain.ContractService
	domain.ConfirmationService
	domain.CorrectiveActionService
	domain.CloudServiceService
	domain.SocialAccountService
	domain.ReviewService
	domain.ReminderService
	domain.WorkService
	domain.SessionService
	domain.PolicyReviewService
	domain.IncidentService
	domain.EvidenceService
	domain.InspectionService
	domain.AuditRecordService
	domain.WebhookService
	domain.IdempotencyService
	domain.ImportService
	Ready(ctx context.Context) error
}

// ServicesOf takes every service from one backend.
func ServicesOf(b Backend) Services {
	return Services{
		Departments: b, People: b, Tokens: b, Audit: b, Settings: b, Catalogues: b,
		Vendors: b, Contracts: b, Confirmations: b, CorrectiveActions: b, CloudServices: b, SocialAccounts: b,
		Reviews: b, Reminders: b, Work: b, Sessions: b, Ready: b.Ready,
		PolicyReviews: b,
		Incidents:     b,
		Evidence:      b,
		Inspections:   b, Audits: b,
		Webhooks:    b,
		Idempotency: b,
		Imports:     b,
	}
}

// Config configures the server.
type Config struct {
	Services
	Logger *slog.Logger
	// RateLimit is how many requests a caller may make a minute; 600 when zero.
	RateLimit int
	// CORSOrigins are the browser origins allowed to call the API.
	CORSOrigins []string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client the rate limiter counts.
	TrustedProxies []netip.Prefix
	// Now is the clock of the rate limiter; time.Now when nil.
	Now func() time.Time
	// RequestTimeout is the deadline of each request's context, and so of
	// every database call it makes; DefaultRequestTimeout when zero.
	RequestTimeout time.Duration
	// RiverUI is River's web UI, served under RiverUIPrefix to admins; nil
	// to leave it out.
	RiverUI http.Handler
	// Pages are the staff pages (api/web), served for every path the API
	// does not have outside /v1/; nil to leave them out.
	Pages http.Handler
	// Metrics receives the request metrics; nil counts nothing.
	Metrics prometheus.Registerer
	// TracerProvider makes each request's server span; the global one
	// (a no-op unless tracing is set up) when nil.
	TracerProvider trace.TracerProvider
}

// Version is the version of the API contract in the OpenAPI document. It
// changes with the contract, not with every build, so the committed document
// does not drift.
const Version = "1.0.0"

// Server is the HTTP handler of vendorwatch.
type Server struct {
	Services
	log    *slog.Logger
	router chi.Router
	// handler is the router inside its server span.
	handler http.Handler
	api     huma.API
	metrics *httpMetrics
	// proxies are the trusted proxies, whose X-Request-Id is taken.
	proxies []netip.Prefix
	// now is the clock of export file names; time.Now when nil.
	now func() time.Time
}

var installErrorsOnce sync.Once

// New builds the server and registers every operation. With zero Services it
// still describes the whole API, which is how the OpenAPI document is made.
func New(cfg Config) *Server {
	installErrorsOnce.Do(func() { huma.NewError = newError })
	s := &Server{Services: cfg.Services, log: cfg.Logger, metrics: newHTTPMetrics(cfg.Metrics), proxies: cfg.TrustedProxies}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = slog.New(LogHandler(s.log.Handler()))
	limit := cfg.RateLimit
	if limit <= 0 {
		limit = DefaultRateLimit
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	r := chi.NewRouter()
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	r.Use(s.observe, s.recoverPanics, requestDeadline(timeout), corsOrigins(cfg.CORSOrigins), newRateLimiter(limit, now, s.tokenAuthenticates, cfg.TrustedProxies).middleware, rejectNUL, routeHeadAsGet, conditionalGet)
	r.NotFound(func(w http.ResponseWriter, req *http.Request) {
		if cfg.Pages != nil && !strings.HasPrefix(req.URL.Path, "/v1/") {
			cfg.Pages.ServeHTTP(w, req)
			return
		}
		writeProblem(w, http.StatusNotFound, "no such path; the API is described at /docs")
	})
	r.MethodNotAllowed(methodNotAllowed)
	s.router = r
	s.now = cfg.Now
	s.api = humachi.New(r, humaConfig(Version))
	s.api.UseMiddleware(noteOperation, withRequestURL, s.authenticate, s.rejectUnknownQuery, s.bodyMediaType, s.idempotency, withExport)

	s.registerHealth()
	s.registerDepartments()
	s.registerPeople()
	s.registerTokens()
	s.registerAudit()
	s.registerSettings()
	s.registerCatalogues()
	s.registerVendors()
	s.registerContracts()
	s.registerConfirmations()
	s.registerCorrectiveActions()
	s.registerCloudServices()
	s.registerSocialAccounts()
	s.registerReviews()
	s.registerReminders()
	s.registerPolicyReviews()
	s.registerIncidents()
	s.registerEvidenceFiles()
	s.registerInspections()
	s.registerAudits()
	s.registerWebhooks()
	s.registerImports()
	finishDocument(s.api.OpenAPI())
	s.registerDocs(r)
	if cfg.RiverUI != nil {
		// A browser sends basic-auth credentials by itself, so a page
		// elsewhere could make it cancel or retry jobs: refuse cross-origin
		// changes.
		csrf := http.NewCrossOriginProtection()
		csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			writeProblem(w, http.StatusForbidden, "cross-origin requests that change River's jobs are refused")
		}))
		r.Mount(RiverUIPrefix, csrf.Handler(s.requireAdmin(cfg.RiverUI)))
	}
	var spanOpts []otelhttp.Option
	if cfg.TracerProvider != nil {
		spanOpts = append(spanOpts, otelhttp.WithTracerProvider(cfg.TracerProvider))
	}
	s.handler = r
	if tracingOn(cfg.TracerProvider) {
		s.handler = otelhttp.NewHandler(r, "http", spanOpts...)
	}
	return s
}

// registerDocs serves the API reference at /docs from assets built into the
// binary, in place of huma's page, which loads its viewer from a CDN that a
// closed network cannot reach.
func (s *Server) registerDocs(r chi.Router) {
	docs := docsui.New(s.api.OpenAPI().Info.Title+" API reference", "/openapi.json")
	docs.NotFound = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeProblem(w, http.StatusNotFound, "no such file of the API reference; it is at /docs")
	})
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		r.Method(method, docsui.Path, docs)
		r.Method(method, docsui.AssetsPath+"*", docs)
	}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// OpenAPI returns the OpenAPI document of every registered operation.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

// DefaultRateLimit is the requests a caller may make a minute by default.
const DefaultRateLimit = 600

// bearerScheme is the name of the security scheme in the document.
const bearerScheme = "bearer"

func humaConfig(version string) huma.Config {
	cfg := huma.DefaultConfig("vendorwatch", version)
	// No $schema fields or describedby links in bodies: clients and SDKs see
	// exactly the documented fields.
	cfg.CreateHooks = nil
	// registerDocs serves /docs without a CDN.
	cfg.DocsPath = ""
	cfg.Info.Description = "vendorwatch keeps a local-government body's register of everything outside its walls that " +
		"touches its information: outsourced contractors (外部委託事業者) and their contracts, cloud services used under " +
		"standard terms (約款による外部サービス) and official social-media accounts (ソーシャルメディアサービス). " +
		"Errors are RFC 9457 problem details; a 422 lists each offending field once (at most 100, then how many more), and " +
		"a query parameter the operation does not declare is a 400. Text fields refuse control characters (tab and newline " +
		"only in multi-line fields), bidirectional overrides and isolates, zero-width characters and whitespace-only values; " +
		"identifier and number fields are NFKC-normalised (full-width digits are accepted), and q ignores width, " +
		"hiragana/katakana and case. Lists page with limit and an opaque cursor; every resource carries a " +
		"version, returned as a strong ETag, and writes honour If-Match. " +
		"A create answers 201 with Location; GET honours If-None-Match (304) and HEAD works wherever GET does; a 405 " +
		"carries Allow. Request bodies are application/json (multipart/form-data for uploads), else 415. Every POST but " +
		"the upload takes an optional Idempotency-Key: a retry with the same key and body, within 24 hours and by the " +
		"same token, gets the first answer again (Idempotent-Replayed: true)."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		bearerScheme: {
			Type:         "http",
			Scheme:       "bearer",
			BearerFormat: "opaque token",
			Description:  "A token created by an administrator (or printed once on first start), sent as Authorization: Bearer <token>.",
		},
	}
	cfg.Servers = []*huma.Server{{URL: "/", Description: "This server"}}
	cfg.Transformers = append(cfg.Transformers, setLocation, setProblemRequestID)
	return cfg
}

// recoverPanics answers a panic with a bare 500 problem and logs the stack.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(r.Context(), "panic", slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				writeProblem(w, http.StatusInternalServerError, "internal error; the server log has the details")
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// tokenAuthenticates reports whether secret is a token that authenticates
// now; the rate limiter asks it about tokens from a busy address.
func (s *Server) tokenAuthenticates(ctx context.Context, secret string) bool {
	if s.Tokens == nil {
		return false
	}
	_, err := s.Tokens.Authenticate(ctx, secret)
	return err == nil
}

// writeProblem writes a problem outside huma (router-level answers).
// DefaultRequestTimeout is the deadline of a request when the
// configuration sets none.
const DefaultRequestTimeout = 10 * time.Second

// requestDeadline gives each request's context a deadline, so that a
// database that hangs answers 503 when it passes instead of holding the
// request for as long as the client waits.
func requestDeadline(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			d := d
			if isEvidenceUpload(r) || isImportCommit(r) {
				d = max(d, EvidenceUploadTimeout)
			}
			if isExport(r) {
				d = max(d, ExportTimeout)
			}
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

func writeProblem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(&ErrorModel{ErrorModel: huma.ErrorModel{Status: status, Title: http.StatusText(status), Detail: detail},
		RequestID: w.Header().Get(RequestIDHeader)})
}
