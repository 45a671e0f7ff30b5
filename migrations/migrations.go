// Package migrations holds vendorwatch's SQL migrations, one file set
// templated per dialect and embedded in the binary, and the runner that
// applies them together with River's own migrations.
package migrations

import (
	"bytes"
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
)

//go:embed sql/*.sql
var files embed.FS

// Dialect is the SQL dialect a migration is rendered for.
type Dialect string

// Supported dialects.
const (
	Postgres Dialect = "postgres"
	SQLite   Dialect = "sqlite"
)

// dialectTypes are the values the migration templates use.
type dialectTypes struct {
	Timestamp string
	// Postgres is true for statements only PostgreSQL needs, such as
	// widening a VARCHAR (SQLite does not enforce lengths).
	Postgres bool
}

var typesOf = map[Dialect]dialectTypes{
	Postgres: {Timestamp: "TIMESTAMPTZ", Postgres: true},
	SQLite:   {Timestamp: "TIMESTAMP"},
}

// Migration is one embedded SQL file.
type Migration struct {
	Version int
	Name    string
	file    string
}

// All returns the app's migrations in order.
func All() ([]Migration, error) {
	entries, err := fs.ReadDir(files, "sql")
	if err != nil {
		return nil, fmt.Errorf("migrations: read embedded files: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		base := strings.TrimSuffix(e.Name(), ".sql")
		num, name, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migrations: file %s is not named NNNN_name.sql", e.Name())
		}
		out = append(out, Migration{Version: v, Name: name, file: path.Join("sql", e.Name())})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Render returns the migration's SQL for a dialect.
func (m Migration) Render(d Dialect) (string, error) {
	types, ok := typesOf[d]
	if !ok {
		return "", fmt.Errorf("migrations: unknown dialect %q", d)
	}
	raw, err := files.ReadFile(m.file)
	if err != nil {
		return "", fmt.Errorf("migrations: read %s: %w", m.file, err)
	}
	tmpl, err := template.New(m.file).Option("missingkey=error").Parse(string(raw))
	if err != nil {
		return "", fmt.Errorf("migrations: parse %s: %w", m.file, err)
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, types); err != nil {
		return "", fmt.Errorf("migrations: render %s: %w", m.file, err)
	}
	return buf.String(), nil
}

// Report says what Apply did.
type Report struct {
	// RiverApplied lists the River migration versions applied.
	RiverApplied []int
	// Applied lists the app migrations applied, as "0001_foundation".
	Applied []string
}

// Target is the database the migrations run against.
type Target struct {
	DB      *sql.DB
	Dialect Dialect
	// Schema is the PostgreSQL schema River's tables live in; empty means the
	// connection's search_path.
	Schema string
}

func (t Target) riverMigrator() (*rivermigrate.Migrator[*sql.Tx], error) {
	var driver riverdriver.Driver[*sql.Tx]
	switch t.Dialect {
	case Postgres:
		driver = riverdatabasesql.New(t.DB)
	case SQLite:
		driver = riversqlite.New(t.DB)
	default:
		return nil, fmt.Errorf("migrations: unknown dialect %q", t.Dialect)
	}
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Schema: t.Schema, Logger: discardLogger()})
	if err != nil {
		return nil, fmt.Errorf("migrations: river migrator: %w", err)
	}
	return m, nil
}

const createVersionTable = `CREATE TABLE IF NOT EXISTS vendorwatch_migrations (
    version INTEGER PRIMARY KEY,
    name VARCHAR(200) NOT NULL,
    applied_at VARCHAR(40) NOT NULL
)`

// Apply applies River's pending migrations (each in its own transaction, as
// River requires) and then the app's, in one transaction. On PostgreSQL a
// session advisory lock makes replicas that start together take turns.
func Apply(ctx context.Context, t Target) (Report, error) {
	var rep Report
	rm, err := t.riverMigrator()
	if err != nil {
		return rep, err
	}
	all, err := All()
	if err != nil {
		return rep, err
	}
	if t.Dialect == Postgres {
		conn, err := t.DB.Conn(ctx)
		if err != nil {
			return rep, fmt.Errorf("migrations: connect: %w", err)
		}
		defer func() { _ = conn.Close() }()
		// Waiting for another replica's migrations may take longer than the
		// connection's statement_timeout and lock_timeout (which bounds the
		// wait for an advisory lock too); RESET restores them for the pool.
		if _, err := conn.ExecContext(ctx, `SET statement_timeout = 0`); err != nil {
			return rep, fmt.Errorf("migrations: lock: %w", err)
		}
		defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), `RESET statement_timeout`) }()
		if _, err := conn.ExecContext(ctx, `SET lock_timeout = 0`); err != nil {
			return rep, fmt.Errorf("migrations: lock: %w", err)
		}
		defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), `RESET lock_timeout`) }()
		if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7061626)`); err != nil {
			return rep, fmt.Errorf("migrations: lock: %w", err)
		}
		defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7061626)`) }()
	}
	res, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return rep, fmt.Errorf("migrations: river: %w", err)
	}
	for _, v := range res.Versions {
		rep.RiverApplied = append(rep.RiverApplied, v.Version)
	}
	tx, err := t.DB.BeginTx(ctx, nil)
	if err != nil {
		return rep, fmt.Errorf("migrations: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if t.Dialect == Postgres {
		// A migration may rewrite a large table, and must wait for the locks
		// of the requests in flight: the store's statement and lock
		// timeouts are for requests, not for this transaction.
		if _, err := tx.ExecContext(ctx, `SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0`); err != nil {
			return rep, fmt.Errorf("migrations: timeouts: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, createVersionTable); err != nil {
		return rep, fmt.Errorf("migrations: version table: %w", err)
	}
	done, err := appliedVersions(ctx, tx)
	if err != nil {
		return rep, err
	}
	for _, m := range all {
		if done[m.Version] {
			continue
		}
		stmt, err := m.Render(t.Dialect)
		if err != nil {
			return rep, err
		}
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return rep, fmt.Errorf("migrations: apply %04d_%s: %w", m.Version, m.Name, err)
		}
		if _, err := tx.ExecContext(ctx, rebind(t.Dialect, `INSERT INTO vendorwatch_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			m.Version, m.Name, time.Now().UTC().Format(time.RFC3339)); err != nil {
			return rep, fmt.Errorf("migrations: record %04d_%s: %w", m.Version, m.Name, err)
		}
		rep.Applied = append(rep.Applied, fmt.Sprintf("%04d_%s", m.Version, m.Name))
	}
	if err := tx.Commit(); err != nil {
		return rep, fmt.Errorf("migrations: commit: %w", err)
	}
	return rep, nil
}

// Pending returns how many migrations, River's and the app's, are not yet
// applied. Readiness checks call it.
func Pending(ctx context.Context, t Target) (int, error) {
	rm, err := t.riverMigrator()
	if err != nil {
		return 0, err
	}
	v, err := rm.Validate(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("migrations: river validate: %w", err)
	}
	pending := 0
	if !v.OK {
		pending += len(v.Messages)
	}
	all, err := All()
	if err != nil {
		return 0, err
	}
	tx, err := t.DB.BeginTx(ctx, &sql.TxOptions{ReadOnly: t.Dialect == Postgres})
	if err != nil {
		return 0, fmt.Errorf("migrations: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	done, err := appliedVersions(ctx, tx)
	if err != nil {
		// No version table yet: nothing of the app is applied.
		return len(all) + pending, nil
	}
	for _, m := range all {
		if !done[m.Version] {
			pending++
		}
	}
	return pending, nil
}

func appliedVersions(ctx context.Context, tx *sql.Tx) (map[int]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT version FROM vendorwatch_migrations`)
	if err != nil {
		return nil, fmt.Errorf("migrations: read applied versions: %w", err)
	}
	defer rows.Close()
	done := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("migrations: scan version: %w", err)
		}
		done[v] = true
	}
	return done, rows.Err()
}

// rebind turns ? placeholders into $n for PostgreSQL.
func rebind(d Dialect, q string) string {
	if d != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
