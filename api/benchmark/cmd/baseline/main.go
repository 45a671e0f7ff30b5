// Command baseline serves the hand-written baseline (package baseline) for
// run.sh, and seeds the database both it and vendorwatch read:
//
//	baseline seed  -database-url URL -contracts N -out DIR   (an empty database)
//	baseline serve -database-url URL -addr 127.0.0.1:18081
//	baseline drop  -database-url URL                          (PostgreSQL: drops its search_path schema)
//
// On PostgreSQL, run.sh puts a search_path of its own in the URL; seed
// creates that schema.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the schema
	_ "modernc.org/sqlite"             // the "sqlite" driver

	"github.com/vendorwatch/vendorwatch/api/benchmark"
	"github.com/vendorwatch/vendorwatch/api/benchmark/baseline"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/migrations"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: baseline seed|serve|drop -database-url URL ...")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	dsn := fs.String("database-url", "", "postgres:// URL (with search_path) or SQLite file")
	addr := fs.String("addr", "127.0.0.1:18081", "where serve listens (loopback)")
	n := fs.Int("contracts", 5000, "contracts seed makes")
	out := fs.String("out", ".", "where seed writes token, ids and owner")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	isPG := strings.HasPrefix(*dsn, "postgres://") || strings.HasPrefix(*dsn, "postgresql://")
	switch args[0] {
	case "seed":
		if isPG {
			if err := pgSchema(ctx, *dsn, "CREATE SCHEMA IF NOT EXISTS "); err != nil {
				return err
			}
		}
		db, err := store.Open(ctx, *dsn, store.Options{})
		if err != nil {
			return err
		}
		defer func() { _ = db.Close() }()
		if _, err := migrations.Apply(ctx, db.MigrationTarget()); err != nil {
			return err
		}
		fx, err := benchmark.Seed(ctx, db, *n)
		if err != nil {
			return err
		}
		files := map[string]string{"token": fx.Secret, "owner": fx.Owner, "ids": strings.Join(fx.IDs, "\n") + "\n",
			"cursor20": baseline.EncodeCursor(fx.IDs[19*20-1])}
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(*out, name), []byte(body), 0o600); err != nil {
				return err
			}
		}
		return nil
	case "drop":
		if isPG {
			return pgSchema(ctx, *dsn, "DROP SCHEMA IF EXISTS ")
		}
		return nil
	case "serve":
		var h http.Handler
		if isPG {
			pool, err := pgxpool.New(ctx, *dsn)
			if err != nil {
				return err
			}
			defer pool.Close()
			h = baseline.NewPostgres(pool)
		} else {
			db, err := sql.Open("sqlite", "file:"+*dsn+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_time_format=sqlite")
			if err != nil {
				return err
			}
			db.SetMaxOpenConns(1) // as the store
			defer func() { _ = db.Close() }()
			if h, err = baseline.NewSQLite(ctx, db); err != nil {
				return err
			}
		}
		srv := &http.Server{Addr: *addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
		go func() { <-ctx.Done(); _ = srv.Shutdown(context.Background()) }()
		if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// pgSchema runs stmt on the schema named by the URL's search_path.
func pgSchema(ctx context.Context, dsn, stmt string) error {
	u, err := url.Parse(dsn)
	if err != nil {
		return err
	}
	schema := u.Query().Get("search_path")
	if schema == "" || strings.ContainsFunc(schema, func(r rune) bool { return !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }) {
		return fmt.Errorf("the URL needs a search_path of lower-case letters, digits and _, not %q", schema)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer func() { _ = db.Close() }()
	suffix := ""
	if strings.HasPrefix(stmt, "DROP") {
		suffix = " CASCADE"
	}
	_, err = db.ExecContext(ctx, stmt+schema+suffix)
	return err
}
