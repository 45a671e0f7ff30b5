// Package store implements the domain services with bun on PostgreSQL and
// SQLite. It owns every transaction: each service call is one transaction
// that checks the invariants, writes the rows and appends the audit event.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/migrations"
)

// Kind is the database engine behind a DB.
type Kind string

// Supported engines.
const (
	Postgres Kind = "postgres"
	SQLite   Kind = "sqlite"
)

// Options configure Open.
type Options struct {
	// Schema is the PostgreSQL schema to use (search_path); empty for the
	// default. Tests use one schema each.
	Schema string
	// Now is the clock of every change; time.Now when nil.
	Now func() time.Time
	// Location is the body's time zone for calendar dates; Asia/Tokyo when nil.
	Location *time.Location
	// StatementTimeout is PostgreSQL's statement_timeout for every
	// connection: the server cancels a statement that runs longer.
	// DefaultStatementTimeout when zero; negative turns it off.
	StatementTimeout time.Duration
	// LockTimeout is PostgreSQL's lock_timeout: a statement that waits
	// longer for a row or table lock fails. DefaultLockTimeout when zero;
	// negative turns it off.
	LockTimeout time.Duration
	// Logger receives the outage log: one ERROR line when the database stops
	// answering, and an INFO line when it answers again. slog.Default when nil.
	Logger *slog.Logger
	// JobWorkers is how many background jobs run at once on this pool
	// (serve's --workers). Unless the URL sets pool_max_conns, the
	// PostgreSQL pool gets that many connections on top of pgx's default
	// (max(4, cores)), which stays for the requests: a reminder digest
	// runs several short transactions, and 32 workers sharing pgx's 4
	// connections waited on the pool for most of each e-mail (about 0.2 s
	// each, 8 waits per e-mail), capping delivery near 100 e-mails/s.
	JobWorkers int
}

// Defaults of the PostgreSQL timeouts. Requests have their own, shorter
// deadline (serve's --request-timeout); these bound what has none, such as
// the jobs, and a statement the server itself is stuck on.
const (
	DefaultStatementTimeout = 30 * time.Second
	DefaultLockTimeout      = 5 * time.Second
	// DefaultConnectTimeout bounds opening one PostgreSQL connection when
	// the URL sets no connect_timeout; pgx would otherwise keep trying for
	// two minutes in the background, holding a pool slot.
	DefaultConnectTimeout = 5 * time.Second
)

// DB is an open database and the services built on it.
type DB struct {
	bun      *bun.DB
	sql      *sql.DB
	pool     *pgxpool.Pool
	kind     Kind
	schema   string
	now      func() time.Time
	location *time.Location
	// outage logs the database's outages once each; see outage.go.
	outage *outageLog
	// emailChanged queues the notice to a person's old address; set by
	// the wiring (River's InsertTx) with OnEmailChange.
	emailChanged domain.EnqueueEmailChangeNotice
	// urgent queues the digests of ledger rows written outside a due-scan
	// that must go at once (an incident's notice to every ciso); set by the
	// wiring (River's InsertTx) with OnUrgentReminders.
	urgent domain.EnqueueDigests
	// blobs keeps the bytes of evidence files; see UseBlobStore.
	blobs domain.BlobStore
	// webhooks queues the webhook deliveries of a change in its
	// transaction; set by the wiring with OnWebhookDeliveries.
	webhooks domain.EnqueueWebhookDeliveries
	// secretKey seals the webhook secrets at rest; see UseWebhookSecretKey.
	secretKey []byte
	// importPlan queues the job that plans a large import; set by the
	// wiring (River's InsertTx) with OnImportPlan.
	importPlan domain.EnqueueImportPlan
	// auditKeys key the audit chain; see UseAuditKeys.
	auditKeys domain.AuditKeyring
	// segmentReady is set once this process has seen the chain's latest
	// key segment be its key's (PostgreSQL; see ensureSegment).
	segmentReady atomic.Bool
	// chainLock and writeLock are the advisory lock keys of this schema
	// on PostgreSQL (see writeTx).
	chainLock, writeLock int64
	// checkpointDir is where checkpoints are written and read besides the
	// database; see UseAuditCheckpointDir.
	checkpointDir string
	// hooks are the query hooks added to bun, which the parameterised
	// reads (prepared.go) call themselves.
	hooks []bun.QueryHook
	// stmts are SQLite's prepared statements of the parameterised reads.
	stmts stmtCache
	// tokens caches authenticated tokens for a moment (token.go).
	tokens tokenCache
}

// OnEmailChange sets what queues the notice of a changed e-mail address,
// inside the transaction of the change. Without it, no notice is sent.
func (db *DB) OnEmailChange(f domain.EnqueueEmailChangeNotice) { db.emailChanged = f }

// OnUrgentReminders sets what queues, inside the transaction that wrote
// them, the digests of ledger rows that must go at once: the notice of a
// high-severity incident to every active ciso. It is the same queueing as
// the due-scan's. Without it the rows stay queued until the catch-up of a
// job runner takes them.
func (db *DB) OnUrgentReminders(f domain.EnqueueDigests) { db.urgent = f }

// Open connects to the database named by dsn: a postgres:// or postgresql://
// URL selects PostgreSQL; anything else is a SQLite file path, optionally
// prefixed with sqlite:// or file:. It checks that the database answers.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	db := &DB{now: opts.Now, location: opts.Location, schema: opts.Schema, outage: newOutageLog(opts.Logger)}
	if db.now == nil {
		db.now = time.Now
	}
	if db.location == nil {
		loc, err := time.LoadLocation("Asia/Tokyo")
		if err != nil {
			return nil, fmt.Errorf("store: load time zone: %w", err)
		}
		db.location = loc
	}
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		err = db.openPostgres(ctx, dsn, opts)
	} else {
		err = db.openSQLite(ctx, dsn)
	}
	if err != nil {
		return nil, err
	}
	db.hooks = []bun.QueryHook{db.outage, newTraceHook(db.kind)}
	for _, h := range db.hooks {
		db.bun.AddQueryHook(h)
	}
	return db, nil
}

// pgMillis renders a timeout option as a PostgreSQL setting in
// milliseconds: def when zero, "0" (off) when negative.
func pgMillis(d, def time.Duration) string {
	switch {
	case d == 0:
		d = def
	case d < 0:
		return "0"
	}
	return fmt.Sprint(d.Milliseconds())
}

func (db *DB) openPostgres(ctx context.Context, dsn string, opts Options) error {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return fmt.Errorf("store: invalid PostgreSQL URL: %s", redactParseError(err))
	}
	if db.schema != "" {
		cfg.ConnConfig.RuntimeParams["search_path"] = db.schema
	}
	if cfg.ConnConfig.RuntimeParams["timezone"] == "" {
		cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	}
	// Every statement has a deadline on the server too, so that a stuck
	// statement or a lock that is never released fails (and answers 503)
	// instead of holding a connection.
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = pgMillis(opts.StatementTimeout, DefaultStatementTimeout)
	cfg.ConnConfig.RuntimeParams["lock_timeout"] = pgMillis(opts.LockTimeout, DefaultLockTimeout)
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	// One pool configuration: database/sql keeps open, and idle, as many
	// connections as the pgx pool's size (pool_max_conns, or pgx's default),
	// so that it neither churns connections (its default keeps 2 idle) nor
	// waits in the pgx pool for one it holds idle itself; the pgx pool has
	// one more, for River's LISTEN connection, which it takes directly.
	if opts.JobWorkers > 0 && !setsPoolMaxConns(dsn) {
		cfg.MaxConns += int32(opts.JobWorkers)
	}
	sqlConns := cfg.MaxConns
	cfg.MaxConns++
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("store: connect to PostgreSQL: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return fmt.Errorf("store: PostgreSQL at %s:%d is not reachable: %s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, rootCause(err))
	}
	db.kind, db.pool = Postgres, pool
	db.chainLock, db.writeLock = advisoryKey("audit chain", db.schema), advisoryKey("write", db.schema)
	db.outage.reset = func() {
		// database/sql holds its idle connections acquired from the pool,
		// out of pool.Reset's reach: dropping its idle pool (and setting the
		// size back) releases them, and a released connection of a reset
		// pool is closed. Without it each dead idle connection would fail
		// one more request after a failover.
		pool.Reset()
		db.sql.SetMaxIdleConns(0)
		db.sql.SetMaxIdleConns(int(sqlConns))
	}
	db.sql = stdlib.OpenDBFromPool(pool)
	db.sql.SetMaxOpenConns(int(sqlConns))
	db.sql.SetMaxIdleConns(int(sqlConns))
	// pgx's pool closes connections by its own lifetime settings.
	db.sql.SetConnMaxIdleTime(0)
	db.sql.SetConnMaxLifetime(0)
	db.bun = bun.NewDB(db.sql, pgdialect.New())
	return nil
}

// setsPoolMaxConns reports whether a PostgreSQL URL (or key=value DSN)
// sizes the pool itself, which then has the last word.
func setsPoolMaxConns(dsn string) bool {
	return strings.Contains(dsn, "pool_max_conns")
}

func (db *DB) openSQLite(ctx context.Context, dsn string) error {
	file := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:")
	if i := strings.IndexByte(file, '?'); i >= 0 {
		file = file[:i]
	}
	if file == "" {
		return errors.New("store: empty SQLite file path")
	}
	if strings.Contains(dsn, "://") && !strings.HasPrefix(dsn, "sqlite://") {
		return fmt.Errorf("store: unsupported database URL scheme in %q (use postgres:// or a SQLite file path)", redactURL(dsn))
	}
	if dir := filepath.Dir(file); dir != "." {
		if _, err := os.Stat(dir); err != nil {
			return fmt.Errorf("store: SQLite directory %s: %w", dir, err)
		}
	}
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_time_format", "sqlite")
	sqldb, err := sql.Open("sqlite", "file:"+file+"?"+q.Encode())
	if err != nil {
		return fmt.Errorf("store: open SQLite %s: %w", file, err)
	}
	// One connection: SQLite has one writer, and River's SQLite driver and the
	// store share this pool, so nothing ever waits on a lock held by itself.
	sqldb.SetMaxOpenConns(1)
	sqldb.SetConnMaxIdleTime(0)
	sqldb.SetConnMaxLifetime(0)
	if err := sqldb.PingContext(ctx); err != nil {
		_ = sqldb.Close()
		return fmt.Errorf("store: open SQLite %s: %s", file, rootCause(err))
	}
	db.kind, db.sql = SQLite, sqldb
	db.bun = bun.NewDB(sqldb, sqlitedialect.New())
	return nil
}

// Close closes the connections.
func (db *DB) Close() error {
	db.stmts.close()
	err := db.bun.Close()
	if db.pool != nil {
		db.pool.Close()
	}
	return err
}

// Kind returns the engine.
func (db *DB) Kind() Kind { return db.kind }

// Schema returns the PostgreSQL schema in use ("" for the default).
func (db *DB) Schema() string { return db.schema }

// SQL returns the underlying pool, for River and the migration runner.
func (db *DB) SQL() *sql.DB { return db.sql }

// PgxPool returns the pgx pool on PostgreSQL (nil on SQLite), for River's
// LISTEN connection.
func (db *DB) PgxPool() *pgxpool.Pool { return db.pool }

// Location returns the body's time zone.
func (db *DB) Location() *time.Location { return db.location }

// Now returns the store clock's current instant, in UTC, to the microsecond
// that both databases keep.
func (db *DB) Now() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

// MigrationTarget describes this database to the migration runner.
func (db *DB) MigrationTarget() migrations.Target {
	d := migrations.SQLite
	if db.kind == Postgres {
		d = migrations.Postgres
	}
	return migrations.Target{DB: db.sql, Dialect: d, Schema: db.schema}
}

// SetLogger sets where the outage log goes (see Options.Logger), for the
// wiring that opens the database before it builds its logger.
func (db *DB) SetLogger(l *slog.Logger) { db.outage.setLogger(l) }

// Ready reports whether the database answers and every migration is
// applied. A database that does not answer within ctx is EUNAVAILABLE.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.sql.PingContext(ctx); err != nil {
		db.outage.failed(err)
		return unavailable(fmt.Errorf("store: database not reachable: %w", err))
	}
	db.outage.answered()
	n, err := migrations.Pending(ctx, db.MigrationTarget())
	if err != nil {
		return translate(err)
	}
	if n > 0 {
		return fmt.Errorf("store: %d %w", n, domain.ErrMigrationsPending)
	}
	return nil
}

// inTx runs fn in one serialised write transaction and translates
// database errors into domain errors where they have a meaning for the
// caller.
//
// Its first statement takes the write lock: on PostgreSQL an exclusive
// advisory lock (after the shared chain lock every append needs, see
// writeTx), on SQLite the database's write lock. This gives all serialised
// writes one lock order: no deadlocks between writes that touch rows in
// different orders (a contract, its vendor, the vendor's other contracts),
// and every read after the lock sees what the previous writer committed,
// so derived values (risk tiers, due dates) are never computed from a
// stale view. Writes that derive nothing from other rows use
// inConcurrentTx.
func (db *DB) inTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return db.writeTx(ctx, true, fn)
}

// inConcurrentTx is inTx without the write lock on PostgreSQL: for writes
// that insert rows of their own and derive nothing from other rows (the
// database's constraints check what they reference), so that they run side
// by side. They still take the shared chain lock, since they append to the
// audit chain.
func (db *DB) inConcurrentTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx) error) error {
	return db.writeTx(ctx, false, fn)
}

// writeTx runs fn in a write transaction. On PostgreSQL its first statement
// takes the chain lock shared, before any row lock, so that a transaction
// waiting for it holds nothing the sealer's brief exclusive hold could wait
// on (sealWatermark), and, when serial, the write lock. On SQLite it takes
// the database's write lock by updating the audit head, whose row it reads
// back: appends chain inline there, and the head is written once, at the
// end.
func (db *DB) writeTx(ctx context.Context, serial bool, fn func(ctx context.Context, tx bun.Tx) error) error {
	err := db.bun.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return db.inWrite(ctx, tx, serial, fn)
	})
	return translate(err)
}

// inWrite is the body of every write transaction (writeTx, inCopyTx):
// the locks first, then fn, then the SQLite head written once.
func (db *DB) inWrite(ctx context.Context, tx bun.Tx, serial bool, fn func(ctx context.Context, tx bun.Tx) error) error {
	w := &writeState{}
	var err error
	switch {
	case db.kind == Postgres && serial:
		_, err = tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock_shared(?), pg_advisory_xact_lock(?)`, db.chainLock, db.writeLock)
	case db.kind == Postgres:
		_, err = tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock_shared(?)`, db.chainLock)
	default:
		err = tx.NewRaw(`UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, last_hash, key_id`).Scan(ctx, &w.head)
	}
	if err != nil {
		return fmt.Errorf("store: take the write lock: %w", err)
	}
	if err := fn(context.WithValue(ctx, writeStateKey{}, w), tx); err != nil {
		return err
	}
	if w.moved {
		return moveAuditHead(ctx, tx, w.head)
	}
	return nil
}

// advisoryKey is the PostgreSQL advisory lock key of a lock of this
// schema's. Advisory locks are per database, so each schema (a test's, or
// another deployment's in the same database) gets keys of its own.
func advisoryKey(lock, schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("vendorwatch " + lock + " " + schema))
	return int64(h.Sum64())
}

// writeState is what a write transaction keeps while it runs.
type writeState struct {
	// head is the audit head on SQLite: read by the first statement, moved
	// by each append in memory (moved), written once at the end, so that a
	// transaction that appends many events (an import's commit) does not
	// update the one head row once each.
	head  auditHead
	moved bool
}

type writeStateKey struct{}

// writeStateOf returns the state of the write transaction of ctx; nil
// outside one.
func writeStateOf(ctx context.Context) *writeState {
	w, _ := ctx.Value(writeStateKey{}).(*writeState)
	return w
}

// copyFunc writes rows (values in the order of cols) into table with
// PostgreSQL's COPY, in the transaction it was made for, and returns how
// many it wrote.
type copyFunc func(ctx context.Context, table string, cols []string, rows [][]any) (int64, error)

// inCopyTx is inTx for a write that may also COPY rows (the due-scan's
// ledger rows): on PostgreSQL the transaction runs on a connection of its
// own, and fn's cp runs pgx's CopyFrom on that same connection, so the
// COPY is part of the transaction. COPY skips the parsing of multi-row
// INSERTs, whose values bun writes into the text. On SQLite cp is nil.
func (db *DB) inCopyTx(ctx context.Context, fn func(ctx context.Context, tx bun.Tx, cp copyFunc) error) error {
	if db.kind != Postgres {
		return db.inTx(ctx, func(ctx context.Context, tx bun.Tx) error { return fn(ctx, tx, nil) })
	}
	conn, err := db.bun.Conn(ctx)
	if err != nil {
		return translate(fmt.Errorf("store: take a connection: %w", err))
	}
	defer func() { _ = conn.Close() }()
	cp := func(ctx context.Context, table string, cols []string, rows [][]any) (int64, error) {
		var n int64
		// Raw hands over the driver's connection between the
		// transaction's statements (database/sql holds the connection's
		// lock meanwhile, so nothing else runs on it); its pgx.Conn is in
		// the transaction BEGIN opened on it.
		err := conn.Raw(func(driverConn any) error {
			c, ok := driverConn.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("store: COPY needs a pgx connection, not %T", driverConn)
			}
			var err error
			n, err = c.Conn().CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
			return err
		})
		return n, err
	}
	err = conn.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		return db.inWrite(ctx, tx, true, func(ctx context.Context, tx bun.Tx) error { return fn(ctx, tx, cp) })
	})
	return translate(err)
}

// Tx is an open transaction handed to callbacks that must write in the same
// transaction as the store (River's InsertTx).
type Tx = *sql.Tx

// rootCause returns the first line of the innermost error, for one-line
// configuration errors.
func rootCause(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			line, _, _ := strings.Cut(err.Error(), "\n")
			return line
		}
		err = next
	}
}

func redactParseError(err error) string {
	s := err.Error()
	if i := strings.Index(s, "postgres"); i >= 0 {
		// pgx quotes the URL, password included; keep only its complaint.
		if j := strings.LastIndex(s, ":"); j > i {
			return strings.TrimSpace(s[j+1:])
		}
	}
	return s
}

func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "<unparseable>"
	}
	return u.Redacted()
}

// ensureActor returns the actor of ctx, or the system actor.
func actorOf(ctx context.Context) domain.Actor {
	if a, ok := domain.ActorFrom(ctx); ok {
		return a
	}
	return domain.SystemActor
}
