package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"riverqueue.com/riverui"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/api/web"
	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/jobs"
	"github.com/vendorwatch/vendorwatch/migrations"
)

type serveConfig struct {
	dbConfig
	Addr    string
	Migrate bool
	// ShutdownDrain is how long the listener keeps serving after SIGTERM
	// while /readyz answers 503.
	ShutdownDrain   time.Duration
	ShutdownTimeout time.Duration
	RequestTimeout  time.Duration
	SMTPURL         string
	SMTPDataTimeout time.Duration
	MailFrom        string
	OutboxDir       string
	PublicURL       string
	DueScanInterval time.Duration
	DigestLease     time.Duration
	Workers         int
	RateLimit       int
	CORSOrigins     string
	TrustedProxies  string
	// OIDC* configure sign-in through an OpenID Connect provider.
	OIDCIssuer       string
	OIDCClientID     string
	OIDCClientSecret string
	SignInEmailLink  bool
	// evidence says where evidence files are kept.
	evidence evidenceConfig
	// WebhookSecretKey seals the webhook signing secrets at rest.
	WebhookSecretKey string
	// MetricsAddr is where /metrics is served; empty serves none.
	MetricsAddr string
	// audit keys the audit chain and says where checkpoints go.
	audit auditConfig
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var cfg serveConfig
	fs := flag.NewFlagSet("vendorwatch serve", flag.ContinueOnError)
	cfg.register(fs)
	fs.StringVar(&cfg.Addr, "addr", defaultAddr, "address to listen on; on all interfaces (0.0.0.0:8080, :8080, [::]:8080) --public-url is required")
	fs.BoolVar(&cfg.Migrate, "migrate", true, "apply pending migrations on start (turn off when a separate migrate step runs them)")
	fs.DurationVar(&cfg.ShutdownDrain, "shutdown-drain", DefaultShutdownDrain, "after SIGTERM, how long /readyz answers 503 while requests are still served, so that load balancers stop sending (0 for none; a second signal ends it)")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 20*time.Second, "after the drain, how long requests and jobs in flight get to finish")
	fs.DurationVar(&cfg.RequestTimeout, "request-timeout", api.DefaultRequestTimeout, "deadline of each HTTP request and its database calls; past it the answer is 503")
	fs.StringVar(&cfg.SMTPURL, "smtp-url", "", "smtp://user:pass@host:port?tls=none|starttls|tls; empty writes mail to the outbox folder")
	fs.DurationVar(&cfg.SMTPDataTimeout, "smtp-data-timeout", jobs.DefaultSMTPTimeouts.DataEnd, "how long to wait for the SMTP server's answer to the end of a message (RFC 5321: 10m)")
	fs.StringVar(&cfg.MailFrom, "mail-from", "vendorwatch@localhost", "sender address of reminder e-mails")
	fs.StringVar(&cfg.OutboxDir, "outbox-dir", "outbox", "folder for .eml files when no SMTP server is configured (created if missing; must be writable)")
	fs.StringVar(&cfg.PublicURL, "public-url", "", "address staff open in a browser, put before the page (and API) paths in e-mails; http://<addr> when empty, required when --addr listens on all interfaces")
	fs.DurationVar(&cfg.DueScanInterval, "due-scan-interval", 15*time.Minute, "how often the due-scan runs (it also runs on start)")
	fs.DurationVar(&cfg.DigestLease, "digest-lease", jobs.DefaultDigestLease, "how long a sending job's hold on its reminders lasts unrenewed; a replica that dies mid-send is taken over within about 1.5 times this")
	fs.IntVar(&cfg.Workers, "workers", 0, fmt.Sprintf("jobs (reminder e-mails, webhooks, scans) run at once on this replica; 0: %d on PostgreSQL, %d on SQLite. On PostgreSQL the pool gets this many connections on top of pgx's default (max(4, cores)) unless --database-url sets pool_max_conns; mind max_connections across replicas", jobs.DefaultWorkersPostgres, jobs.DefaultWorkersSQLite))
	fs.IntVar(&cfg.RateLimit, "rate-limit", api.DefaultRateLimit, "requests a caller (token, or IP without one) may make a minute, counted by each replica on its own (with N replicas set limit/N for a global limit)")
	fs.StringVar(&cfg.CORSOrigins, "cors-origins", "", "comma-separated browser origins allowed to call the API (e.g. https://intra.example.lg.jp)")
	fs.StringVar(&cfg.TrustedProxies, "trusted-proxies", "", "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For names the client (e.g. 10.0.0.0/8)")
	fs.StringVar(&cfg.OIDCIssuer, "oidc-issuer", "", "OpenID Connect issuer URL for staff sign-in (e.g. https://login.example.lg.jp/realms/staff); empty for none")
	fs.StringVar(&cfg.OIDCClientID, "oidc-client-id", "", "client id registered at the OpenID Connect provider")
	fs.StringVar(&cfg.OIDCClientSecret, "oidc-client-secret", "", "client secret registered at the OpenID Connect provider (better set by VENDORWATCH_OIDC_CLIENT_SECRET_FILE)")
	fs.BoolVar(&cfg.SignInEmailLink, "sign-in-email-link", true, "staff may sign in by a link e-mailed to them (turn off only with --oidc-issuer)")
	cfg.evidence.register(fs)
	cfg.audit.register(fs)
	fs.StringVar(&cfg.WebhookSecretKey, "webhook-secret-key", "", "passphrase that seals the webhook signing secrets in the database (AES-256-GCM; better set by VENDORWATCH_WEBHOOK_SECRET_KEY_FILE); empty keeps them as they are")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", "", "address of a separate listener serving Prometheus /metrics (e.g. 127.0.0.1:9090); empty serves none")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	log, err := cfg.logger(stderr)
	if err != nil {
		return err
	}
	log = slog.New(api.LogHandler(log.Handler())) // request and trace ids on every line
	stopTracing, err := setUpTracing(ctx, log)
	if err != nil {
		return err
	}
	defer func() { _ = stopTracing(context.WithoutCancel(ctx)) }()
	if err := cfg.check(); err != nil {
		return err
	}
	mailer, err := cfg.mailer()
	if err != nil {
		return err
	}
	proxies, err := parseTrustedProxies(cfg.TrustedProxies)
	if err != nil {
		return usageError{err}
	}
	// Before anything touches the database: the outbox takes files and the
	// port is ours, so that a start that cannot serve changes nothing.
	if cfg.SMTPURL == "" {
		if err := checkOutbox(cfg.OutboxDir); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	defer func() { _ = ln.Close() }() // when serve ends before it serves
	oidcSignIn, err := cfg.oidc(ctx)
	if err != nil {
		return err
	}
	begun := time.Now()
	// The pool has a connection for each worker on top of the requests'
	// (only PostgreSQL's pool is sized; SQLite has one connection).
	cfg.jobWorkers = cmp.Or(cfg.Workers, jobs.DefaultWorkersPostgres)
	db, err := openDB(ctx, cfg.dbConfig)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	db.SetLogger(log)
	blobs, where, err := cfg.evidence.blobStore(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	db.UseBlobStore(blobs)
	db.UseWebhookSecretKey(cfg.WebhookSecretKey)
	if err := cfg.audit.useAudit(db, cfg.DatabaseURL, true, func(s string) { log.Warn(s) }); err != nil {
		return err
	}
	log.Info("evidence files are kept in " + where)
	if db.Kind() == store.Postgres && cfg.evidence.S3URL == "" {
		log.Warn("evidence files are kept in a folder of this replica; replicas share them only through --evidence-s3-url (or a shared folder)")
	}
	digest, err := jobs.NewDigest(cfg.MailFrom, cfg.publicURL())
	if err != nil {
		return err
	}
	obs, err := newObservability(db, log)
	if err != nil {
		return err
	}
	runner, riverUI, err := newJobs(cfg, db, mailer, digest, log, obs)
	if err != nil {
		return err
	}

	// Serve first, so that probes get answers while the migrations run
	// (here or in a separate step): /readyz stays 503 until the schema is
	// current and start-up is done, and the gate answers the rest 503.
	var life lifecycle
	svc := api.ServicesOf(db)
	svc.Jobs = runner
	svc.Ready = life.ready(db.Ready)
	var signInMailer web.SignInMailer // nil: no e-mailed links
	if cfg.SignInEmailLink {
		signInMailer = &jobs.SignInMailer{Mailer: runner.Mailer(), Digest: digest, MessageIDDomain: messageIDDomain(cfg.MailFrom)}
	}
	pages, err := web.New(web.Config{Services: svc, Logger: log, PublicURL: cfg.publicURL(), Mailer: signInMailer, OIDC: oidcSignIn,
		Today: func() domain.Date { return domain.DateOf(db.Now(), db.Location()) }})
	if err != nil {
		return err
	}
	httpServer := &http.Server{
		Handler: life.gate(api.New(api.Config{Services: svc, Logger: log, RiverUI: riverUI, RateLimit: cfg.RateLimit, Pages: pages,
			RequestTimeout: cfg.RequestTimeout, CORSOrigins: strings.Split(cfg.CORSOrigins, ","), TrustedProxies: proxies,
			Metrics: obs.registry})),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	stopMetrics := func(context.Context) error { return nil }
	if cfg.MetricsAddr != "" {
		var addr string
		if addr, stopMetrics, err = obs.serveMetrics(cfg.MetricsAddr, log); err != nil {
			return err
		}
		defer func() { _ = stopMetrics(context.Background()) }()
		log.Info("metrics serving", "addr", addr, "path", "/metrics")
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- httpServer.Serve(ln) }()
	log.Info("vendorwatch serving", "addr", ln.Addr().String(), "database", string(db.Kind()), "version", buildVersion())
	log.Info("reminder e-mails go to " + mailer.Describe())
	log.Info("staff sign in", "email_link", cfg.SignInEmailLink, "oidc_issuer", cfg.OIDCIssuer)
	log.Info("jobs may run", "job_timeout", runner.JobTimeout.String(), "rescue_stuck_jobs_after", runner.RescueStuckJobsAfter.String(),
		"digest_lease", cfg.DigestLease.String(), "river_client", runner.Client.ID(),
		"shutdown_drain", cfg.ShutdownDrain.String(), "shutdown_timeout", cfg.ShutdownTimeout.String())

	if cfg.Migrate {
		rep, err := migrations.Apply(ctx, db.MigrationTarget())
		if err != nil {
			_ = httpServer.Close()
			return fmt.Errorf("apply migrations: %w", err)
		}
		logMigrations(log, rep)
	}
	if err := startUp(ctx, cfg, db, log, ln.Addr().String(), stdout); err != nil {
		_ = httpServer.Close()
		return err
	}
	if err := startAuditSegment(ctx, db, log); err != nil {
		_ = httpServer.Close()
		return err
	}
	if err := runner.Start(ctx); err != nil {
		_ = httpServer.Close()
		return err
	}
	if err := riverUI.Start(ctx); err != nil {
		_ = httpServer.Close()
		stopJobs(runner, cfg.ShutdownTimeout)
		return fmt.Errorf("start River UI: %w", err)
	}
	life.started.Store(true)
	log.Info("ready", "startup", time.Since(begun).Round(time.Millisecond).String())

	select {
	case err := <-serveErr:
		stopJobs(runner, cfg.ShutdownTimeout)
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	return shutdown(ctx, cfg, log, &life, httpServer, runner, pages)
}

// shutdown stops serve after the signal. Not ready from now on, so that
// traffic goes elsewhere; River's soft stop begins at once (no new jobs are
// fetched; the ones in flight finish and are marked). The listener keeps
// serving through the drain, then the HTTP server finishes its requests
// within --shutdown-timeout, by when the jobs must have finished too; jobs
// still running then are cancelled.
func shutdown(ctx context.Context, cfg serveConfig, log *slog.Logger, life *lifecycle, httpServer *http.Server, runner *jobs.Runner, pages *web.Handler) error {
	life.stopping.Store(true)
	log.Info("shutting down", "cause", context.Cause(ctx).Error(), "drain", cfg.ShutdownDrain.String(), "deadline", cfg.ShutdownTimeout.String())
	jobsCtx, cancelJobs := context.WithTimeout(context.Background(), cfg.ShutdownDrain+cfg.ShutdownTimeout)
	defer cancelJobs()
	jobsDone := make(chan error, 1)
	go func() { jobsDone <- runner.Stop(jobsCtx) }()
	drain(ctx, log, cfg.ShutdownDrain)

	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	httpErr := httpServer.Shutdown(shutdownCtx)
	if httpErr != nil {
		_ = httpServer.Close()
	}
	riverErr := <-jobsDone
	_ = pages.Wait(shutdownCtx) // sign-in e-mails still being sent
	if err := errors.Join(riverErr, httpErr); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

// defaultAddr is where serve listens, and healthcheck asks, by default.
const defaultAddr = "127.0.0.1:8080"

// check refuses flag values serve cannot work with: usage errors, found
// before anything starts.
func (c *serveConfig) check() error {
	switch {
	case c.RateLimit < 1:
		return usagef("--rate-limit must be at least 1, not %d", c.RateLimit)
	case c.DueScanInterval < time.Minute:
		return usagef("--due-scan-interval must be at least 1m, not %s", c.DueScanInterval)
	case c.DigestLease < minDigestLease:
		return usagef("--digest-lease must be at least %s, not %s", minDigestLease, c.DigestLease)
	case c.RequestTimeout <= 0:
		return usagef("--request-timeout must be positive, not %s", c.RequestTimeout)
	case c.ShutdownDrain < 0:
		return usagef("--shutdown-drain must not be negative, not %s", c.ShutdownDrain)
	case c.ShutdownTimeout <= 0:
		return usagef("--shutdown-timeout must be positive, not %s", c.ShutdownTimeout)
	}
	return checkPublicURL(c.Addr, c.PublicURL)
}

// minDigestLease is the shortest --digest-lease: renewed every quarter of
// it, a shorter one would have live jobs taken for dead on a loaded machine.
const minDigestLease = 4 * time.Second

// stopJobs stops the jobs within the shutdown deadline, for the paths that
// end serve early.
func stopJobs(runner *jobs.Runner, d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_ = runner.Stop(ctx)
}

// mailer builds the configured mailer: SMTP, or the outbox folder.
func (c *serveConfig) mailer() (jobs.Mailer, error) {
	if c.SMTPURL == "" {
		return &jobs.OutboxMailer{Dir: c.OutboxDir}, nil
	}
	m, err := jobs.ParseSMTPURL(c.SMTPURL)
	if err != nil {
		return nil, usagef("--smtp-url: %w", err)
	}
	if c.SMTPDataTimeout <= 0 {
		return nil, usagef("--smtp-data-timeout must be positive, not %s", c.SMTPDataTimeout)
	}
	m.Timeouts.DataEnd = c.SMTPDataTimeout
	return m, nil
}

// publicURL is the address staff open in a browser: --public-url, or the
// listening address.
func (c *serveConfig) publicURL() string {
	if c.PublicURL == "" {
		return "http://" + c.Addr
	}
	return c.PublicURL
}

// oidc configures sign-in through the OpenID Connect provider of
// --oidc-issuer, whose discovery must answer now: a wrong issuer fails the
// start rather than the first person signing in.
func (c *serveConfig) oidc(ctx context.Context) (*web.OIDC, error) {
	if c.OIDCIssuer == "" {
		if c.OIDCClientID != "" || c.OIDCClientSecret != "" {
			return nil, usagef("--oidc-client-id and --oidc-client-secret need --oidc-issuer")
		}
		if !c.SignInEmailLink {
			return nil, usagef("--sign-in-email-link=false needs --oidc-issuer, or nobody can sign in to the staff pages")
		}
		return nil, nil
	}
	if c.OIDCClientID == "" {
		return nil, usagef("--oidc-issuer needs --oidc-client-id")
	}
	if c.OIDCClientSecret == "" {
		return nil, usagef("--oidc-issuer needs --oidc-client-secret (or VENDORWATCH_OIDC_CLIENT_SECRET_FILE)")
	}
	return web.NewOIDC(ctx, c.OIDCIssuer, c.OIDCClientID, c.OIDCClientSecret, strings.TrimRight(c.publicURL(), "/")+"/sign-in/oidc/callback")
}

// newJobs builds the River client with its workers, and River's UI.
func newJobs(cfg serveConfig, db *store.DB, mailer jobs.Mailer, digest *jobs.Digest, log *slog.Logger, obs *observability) (*jobs.Runner, *riverui.Handler, error) {
	runner, err := jobs.New(jobs.Config{
		Postgres: db.Kind() == store.Postgres, DB: db.SQL(), ListenerPool: db.PgxPool(), Schema: db.Schema(),
		Store: db, Mailer: mailer, Digest: digest, Logger: log, Location: db.Location(), DueScanInterval: cfg.DueScanInterval,
		DigestLease: cfg.DigestLease, Workers: cfg.Workers, MessageIDDomain: messageIDDomain(cfg.MailFrom), OnEmailChange: db.OnEmailChange,
		OnUrgentReminders: db.OnUrgentReminders,
		Webhooks:          db, OnWebhookDeliveries: db.OnWebhookDeliveries,
		Imports: db, OnImportPlan: db.OnImportPlan,
		Metrics: obs.registry, OnAuditVerified: obs.AuditVerified,
	})
	if err != nil {
		return nil, nil, err
	}
	ui, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(runner.Client, nil),
		Logger:    log.With("component", "riverui"),
		Prefix:    api.RiverUIPrefix,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("River UI: %w", err)
	}
	return runner, ui, nil
}

// messageIDDomain takes the domain of the sender address for Message-IDs.
func messageIDDomain(from string) string {
	if _, d, ok := strings.Cut(from, "@"); ok && d != "" {
		return strings.Trim(d, "> ")
	}
	return "vendorwatch.invalid"
}

// migrationPoll is how often a server started with --migrate=false checks
// whether the migrate step has finished.
const migrationPoll = 2 * time.Second

// startUp waits for the schema and seeds an empty database, printing the
// first administrator's token once on stdout.
func startUp(ctx context.Context, cfg serveConfig, db *store.DB, log *slog.Logger, addr string, stdout io.Writer) error {
	for waited := false; ; waited = true {
		err := db.Ready(ctx)
		if err == nil {
			break
		}
		if cfg.Migrate {
			return err
		}
		if !waited {
			log.Warn("waiting for migrations; run \"vendorwatch migrate\"", "reason", err.Error())
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped while waiting for migrations: %w", err)
		case <-time.After(migrationPoll):
		}
	}
	first, err := db.SeedIfEmpty(ctx)
	if err != nil {
		return fmt.Errorf("seed the database: %w", err)
	}
	if first.Secret != "" {
		// On stdout as a plain message, never in the log stream: logs are
		// collected, shipped and kept, and a token there is a token leaked.
		log.Info("first start: created the first administrator; the API token is printed once on stdout, not in the log", "email", first.Person.Email)
		fmt.Fprintf(stdout, "vendorwatch: first start: created administrator %s with this API token (shown once, keep it safe):\n\n    %s\n\n", first.Person.Email, first.Secret)
		fmt.Fprintf(stdout, "Use it as: curl -H \"Authorization: Bearer %s\" http://%s/v1/people   (API docs: http://%s/docs)\n\n", first.Secret, addr, addr)
		fmt.Fprintf(stdout, "Staff pages: %s/ — sign in as %s; %s.\n\n", strings.TrimRight(cfg.publicURL(), "/"), first.Person.Email, signInMailHint(cfg))
	}
	return nil
}

// signInMailHint says where the first sign-in link will arrive.
func signInMailHint(cfg serveConfig) string {
	if cfg.SMTPURL == "" {
		return "the sign-in link is written to the newest file in " + cfg.OutboxDir + "/"
	}
	return "the sign-in link is e-mailed through the SMTP server"
}

// openDB opens the configured database with the configured time zone.
func openDB(ctx context.Context, cfg dbConfig) (*store.DB, error) {
	loc, err := cfg.location()
	if err != nil {
		return nil, err
	}
	if _, err := cfg.logger(io.Discard); err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.DatabaseURL) == "" {
		return nil, errors.New("empty database URL (set --database-url or VENDORWATCH_DATABASE_URL)")
	}
	db, err := store.Open(ctx, cfg.DatabaseURL, store.Options{Location: loc,
		StatementTimeout: storeTimeout(cfg.StatementTimeout), LockTimeout: storeTimeout(cfg.LockTimeout), JobWorkers: cfg.jobWorkers})
	if err != nil {
		return nil, errors.New(strings.TrimPrefix(err.Error(), "store: "))
	}
	return db, nil
}

func logMigrations(log *slog.Logger, rep migrations.Report) {
	if len(rep.Applied) == 0 && len(rep.RiverApplied) == 0 {
		log.Info("migrations current")
		return
	}
	log.Info("migrations applied", "river", fmt.Sprint(rep.RiverApplied), "vendorwatch", strings.Join(rep.Applied, ","))
}

// parseTrustedProxies reads --trusted-proxies: addresses or CIDRs, comma
// separated.
func parseTrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			if p.Addr().Is4In6() && p.Bits() >= 96 {
				// Addresses are compared as IPv4, so is the range.
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxies: %q is neither an IP address nor a CIDR", item)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}
