package benchmark_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for the schema
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/api/benchmark"
	"github.com/vendorwatch/vendorwatch/api/benchmark/baseline"
	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/migrations"
)

// Knobs, from the environment: VW_BENCH_CONTRACTS contracts (5,000),
// VW_BENCH_CLIENTS concurrent clients (32), VW_BENCH_SECONDS of load per
// side (4), given in slices of half a second with the sides alternating,
// so that both see the same share of what else the machine is doing.
var (
	nContracts = envInt("VW_BENCH_CONTRACTS", 5000)
	nClients   = envInt("VW_BENCH_CLIENTS", 32)
	seconds    = envInt("VW_BENCH_SECONDS", 4)
)

// slice is one turn of one side.
const slice = 500 * time.Millisecond

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// fixture is one database with the service and the baseline serving it.
type fixture struct {
	benchmark.Fixture
	service, base string // URLs
	db            *store.DB
	kind          string
}

var (
	fixturesMu sync.Mutex
	fixtures   = map[string]*fixture{}
	cleanups   []func()
)

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	os.Exit(code)
}

// targets are SQLite always, PostgreSQL when VENDORWATCH_TEST_POSTGRES_URL is set.
func targets() []string {
	out := []string{"sqlite"}
	if os.Getenv(storetest.PostgresURLEnv) != "" {
		out = append(out, "postgres")
	}
	return out
}

// fixtureOf seeds the target's database once per process (every -count
// reuses it) and starts both servers on loopback.
func fixtureOf(b *testing.B, name string) *fixture {
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	if f, ok := fixtures[name]; ok {
		return f
	}
	ctx := context.Background()
	var (
		dsn, schema string
		base        http.Handler
	)
	switch name {
	case "sqlite":
		dir, err := os.MkdirTemp("", "vw-bench-")
		must(b, err)
		cleanups = append(cleanups, func() { _ = os.RemoveAll(dir) })
		dsn = filepath.Join(dir, "vendorwatch.db")
	case "postgres":
		dsn = os.Getenv(storetest.PostgresURLEnv)
		schema = fmt.Sprintf("vwbench_%d", time.Now().UnixNano())
		admin, err := sql.Open("pgx", dsn)
		must(b, err)
		_, err = admin.Exec(`CREATE SCHEMA ` + schema)
		must(b, err)
		cleanups = append(cleanups, func() { _, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); _ = admin.Close() })
	}
	db, err := store.Open(ctx, dsn, store.Options{Schema: schema})
	must(b, err)
	// Keyed as serve is (it refuses PostgreSQL without a key).
	key, err := domain.NewAuditKey("benchmark audit key, at least 32 bytes long")
	must(b, err)
	db.UseAuditKeys(domain.AuditKeyring{Current: key})
	cleanups = append(cleanups, func() { _ = db.Close() })
	_, err = migrations.Apply(ctx, db.MigrationTarget())
	must(b, err)
	fx, err := benchmark.Seed(ctx, db, nContracts)
	must(b, err)
	switch name {
	case "sqlite":
		// The store's own settings: the same file, pragmas and one connection.
		bdb, err := sql.Open("sqlite", "file:"+dsn+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_time_format=sqlite")
		must(b, err)
		bdb.SetMaxOpenConns(1)
		cleanups = append(cleanups, func() { _ = bdb.Close() })
		h, err := baseline.NewSQLite(ctx, bdb)
		must(b, err)
		base = h
	case "postgres":
		cfg, err := pgxpool.ParseConfig(dsn)
		must(b, err)
		cfg.ConnConfig.RuntimeParams["search_path"] = schema
		pool, err := pgxpool.NewWithConfig(ctx, cfg)
		must(b, err)
		cleanups = append(cleanups, pool.Close)
		base = baseline.NewPostgres(pool)
	}
	// The service as serve builds it: access log (to nowhere), metrics,
	// a rate limit that this load does not reach.
	svc := api.New(api.Config{Services: api.ServicesOf(db), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		RateLimit: 1 << 30, Metrics: prometheus.NewRegistry()})
	s1, s2 := httptest.NewServer(svc), httptest.NewServer(base)
	cleanups = append(cleanups, s1.Close, s2.Close)
	f := &fixture{Fixture: fx, service: s1.URL, base: s2.URL, db: db, kind: name}
	fixtures[name] = f
	return f
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}

// readCase is one kind of request: path gives a request's path.
type readCase struct {
	name string
	path func(f *fixture, r *rand.Rand) string
}

const pageSize = 20

var cases = []readCase{
	{"get", func(f *fixture, r *rand.Rand) string { return "/v1/contracts/" + f.IDs[r.IntN(len(f.IDs))] }},
	{"list_first", func(*fixture, *rand.Rand) string { return "/v1/contracts?limit=" + strconv.Itoa(pageSize) }},
	{"list_20_deep", func(f *fixture, _ *rand.Rand) string {
		// The 20th page: after the 19 pages before it.
		return "/v1/contracts?limit=" + strconv.Itoa(pageSize) + "&cursor=" + benchmark.Cursor(f.IDs[19*pageSize-1])
	}},
	{"list_owner", func(f *fixture, _ *rand.Rand) string {
		return "/v1/contracts?limit=" + strconv.Itoa(pageSize) + "&owner_id=" + url.QueryEscape(f.Owner)
	}},
}

// BenchmarkReads runs each read against the service (api.New over the
// store) and the baseline, in alternating slices, with nClients concurrent clients
// on loopback, and reports both rates and their ratio (service/baseline).
// Run with -benchtime=1x; -count=5 for medians.
func BenchmarkReads(b *testing.B) {
	for _, name := range targets() {
		b.Run(name, func(b *testing.B) {
			f := fixtureOf(b, name)
			for _, c := range cases {
				b.Run(c.name, func(b *testing.B) {
					var svc, base float64
					for range b.N {
						load(b, f, f.service, c, slice) // connections, caches, prepared statements
						load(b, f, f.base, c, slice)
						var svcN, baseN float64
						var svcT, baseT time.Duration
						for i := range 2 * seconds {
							first, second := f.service, f.base
							if i%2 == 1 {
								first, second = second, first
							}
							for _, target := range []string{first, second} {
								n, took := load(b, f, target, c, slice)
								if target == f.service {
									svcN, svcT = svcN+float64(n), svcT+took
								} else {
									baseN, baseT = baseN+float64(n), baseT+took
								}
							}
						}
						svc, base = svcN/svcT.Seconds(), baseN/baseT.Seconds()
					}
					b.ReportMetric(svc, "svc_req/s")
					b.ReportMetric(base, "base_req/s")
					b.ReportMetric(svc/base, "ratio")
					b.ReportMetric(0, "ns/op")
				})
			}
		})
	}
}

var transport = &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256, DisableCompression: true}

// load sends requests from nClients clients for d and returns how many
// were answered (all must be 200) in how long.
func load(b *testing.B, f *fixture, target string, c readCase, d time.Duration) (int64, time.Duration) {
	client := &http.Client{Transport: transport}
	run := func(d time.Duration) int64 {
		var n, failed atomic.Int64
		var firstErr atomic.Value
		deadline := time.Now().Add(d)
		var wg sync.WaitGroup
		for i := range nClients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
				for time.Now().Before(deadline) {
					req, _ := http.NewRequest(http.MethodGet, target+c.path(f, r), nil)
					req.Header.Set("Authorization", "Bearer "+f.Secret)
					res, err := client.Do(req)
					if err != nil {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
						continue
					}
					_, _ = io.Copy(io.Discard, res.Body)
					_ = res.Body.Close()
					if res.StatusCode != http.StatusOK {
						failed.Add(1)
						firstErr.CompareAndSwap(nil, res.Status)
						continue
					}
					n.Add(1)
				}
			}()
		}
		wg.Wait()
		if failed.Load() > 0 {
			b.Fatalf("%s: %d requests failed, the first with %v", c.name, failed.Load(), firstErr.Load())
		}
		return n.Load()
	}
	start := time.Now()
	n := run(d)
	return n, time.Since(start)
}
