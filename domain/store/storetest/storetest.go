// Package storetest opens real databases for tests: a fresh SQLite file
// always, and a fresh PostgreSQL schema when VENDORWATCH_TEST_POSTGRES_URL is
// set. Every database is migrated, so tests start from what serve would see.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for schema setup
	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/migrations"
)

// PostgresURLEnv names the variable that turns on the PostgreSQL runs.
const PostgresURLEnv = "VENDORWATCH_TEST_POSTGRES_URL"

// Options adjust the databases a test gets.
type Options struct {
	// Now is the store's clock; time.Now when nil.
	Now func() time.Time
	// NoMigrate leaves the database empty.
	NoMigrate bool
	// JobWorkers sizes the PostgreSQL pool for that many background jobs
	// (store.Options.JobWorkers), as serve does.
	JobWorkers int
}

// Target is one database a test runs against.
type Target struct {
	// Name is "sqlite" or "postgres".
	Name string
	// URL opens the same database (for PostgreSQL together with Schema).
	URL string
	// Schema is the PostgreSQL schema of this test; "" on SQLite.
	Schema string
}

// Targets returns the databases to run on: SQLite in a temporary directory,
// and PostgreSQL in a schema of its own (dropped at the end) when enabled.
func Targets(t testing.TB) []Target {
	t.Helper()
	out := []Target{{Name: "sqlite", URL: filepath.Join(t.TempDir(), "vendorwatch.db")}}
	if pgURL := os.Getenv(PostgresURLEnv); pgURL != "" {
		out = append(out, Target{Name: "postgres", URL: pgURL, Schema: NewSchema(t, pgURL)})
	}
	return out
}

// NewSchema creates an empty PostgreSQL schema that is dropped when the test ends.
func NewSchema(t testing.TB, pgURL string) string {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "vwtest_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", pgURL)
	require.NoError(t, err)
	_, err = admin.Exec(`CREATE SCHEMA ` + schema)
	require.NoError(t, err, "create test schema")
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		_ = admin.Close()
	})
	return schema
}

// Open opens and migrates the target's database, closed when the test ends.
func Open(t testing.TB, tg Target, opts Options) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, tg.URL, store.Options{Schema: tg.Schema, Now: opts.Now, JobWorkers: opts.JobWorkers})
	require.NoError(t, err, "open %s", tg.Name)
	t.Cleanup(func() { _ = db.Close() })
	if !opts.NoMigrate {
		_, err = migrations.Apply(ctx, db.MigrationTarget())
		require.NoError(t, err, "migrate %s", tg.Name)
	}
	return db
}

// Run runs fn once per target as a subtest named after the database.
func Run(t *testing.T, opts Options, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, tg := range Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			fn(t, Open(t, tg, opts))
		})
	}
}
