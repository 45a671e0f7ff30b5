package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
	"github.com/vendorwatch/vendorwatch/migrations"
)

// listBenchContracts is the register size of BenchmarkListFilters;
// VENDORWATCH_BENCH_CONTRACTS overrides it (the figure is 200000).
func listBenchContracts(b *testing.B) int {
	if s := os.Getenv("VENDORWATCH_BENCH_CONTRACTS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(b, err)
		return n
	}
	return 50_000
}

// BenchmarkListFilters measures one page (50) of the contract list under the
// filters the issue names, at one connection, against a register of
// listBenchContracts contracts (2,000 people, 10,000 vendors) written with
// multi-row INSERTs: 1 contract in 50 terminated, 1 in 1,000 titled
// クリーン…, 1 in 10 without the confidentiality clause, 1 in 2,000 without
// policy_compliance (missing_clause_rare: a page of them is spread over
// the whole register). Each reports
// x-baseline: its time over the unfiltered first page's, measured in the same
// run (the "baseline" sub-benchmark).
//
// The register is seeded once per test process and database and kept for
// every -count run (listBenchRegisters), since seeding 200,000 contracts
// takes longer than the measurements.
//
// Run: go test ./domain/store/ -run '^$' -bench BenchmarkListFilters -count 5 -timeout 60m
func BenchmarkListFilters(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds a large register")
	}
	n := listBenchContracts(b)
	for _, name := range listBenchTargets() {
		b.Run(name, func(b *testing.B) {
			db, ctx := listBenchRegister(b, name, n)
			var walk func(f domain.ContractFilter, pages int) string
			walk = func(f domain.ContractFilter, pages int) string {
				cursor := ""
				for range pages {
					p, err := db.ListContracts(ctx, f, domain.PageRequest{Limit: 50, Cursor: cursor})
					require.NoError(b, err)
					require.NotEmpty(b, p.NextCursor, "the list ends before page %d", pages+1)
					cursor = p.NextCursor
				}
				return cursor
			}
			cases := []struct {
				name  string
				f     domain.ContractFilter
				pages int // pages skipped before the timed one
			}{
				{"baseline", domain.ContractFilter{}, 0},
				{"q", domain.ContractFilter{Q: "ｸﾘｰﾝ"}, 0},
				{"missing_clause", domain.ContractFilter{MissingClause: "confidentiality"}, 0},
				{"missing_clause_rare", domain.ContractFilter{MissingClause: "policy_compliance"}, 0},
				{"status_terminated_page20", domain.ContractFilter{Status: domain.ContractTerminated}, 19},
				{"owner_id", domain.ContractFilter{OwnerID: benchID(1, 7)}, 0},
			}
			var baseline float64
			for _, c := range cases {
				cursor := walk(c.f, c.pages)
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					start := time.Now()
					for b.Loop() {
						p, err := db.ListContracts(ctx, c.f, domain.PageRequest{Limit: 50, Cursor: cursor})
						require.NoError(b, err)
						require.NotEmpty(b, p.Items)
					}
					per := float64(time.Since(start).Nanoseconds()) / float64(b.N)
					if c.name == "baseline" {
						baseline = per
					} else if baseline > 0 {
						b.ReportMetric(per/baseline, "x-baseline")
					}
				})
			}
		})
	}
}

// listBenchTargets names the databases BenchmarkListFilters runs on:
// SQLite, and PostgreSQL when storetest.PostgresURLEnv is set.
func listBenchTargets() []string {
	if os.Getenv(storetest.PostgresURLEnv) != "" {
		return []string{"sqlite", "postgres"}
	}
	return []string{"sqlite"}
}

// listBenchRegisters keeps the seeded registers of BenchmarkListFilters for
// the life of the test process (each -count run reuses them); TestMain
// drops them at the end.
var listBenchRegisters = struct {
	sync.Mutex
	m        map[string]listBenchDB
	cleanups []func()
}{m: map[string]listBenchDB{}}

type listBenchDB struct {
	db  *store.DB
	ctx context.Context
}

// listBenchRegister returns the register of n contracts on the named
// database, seeding it on first use.
func listBenchRegister(b *testing.B, name string, n int) (*store.DB, context.Context) {
	b.Helper()
	r := &listBenchRegisters
	r.Lock()
	defer r.Unlock()
	key := fmt.Sprintf("%s/%d", name, n)
	if got, ok := r.m[key]; ok {
		return got.db, got.ctx
	}
	ctx := context.Background()
	tg := storetest.Target{Name: name}
	if name == "sqlite" {
		dir, err := os.MkdirTemp("", "vw-listbench-")
		require.NoError(b, err)
		r.cleanups = append(r.cleanups, func() { _ = os.RemoveAll(dir) })
		tg.URL = filepath.Join(dir, "vendorwatch.db")
	} else {
		tg.URL = os.Getenv(storetest.PostgresURLEnv)
		tg.Schema = fmt.Sprintf("vwbench_%d_%d", os.Getpid(), n)
		admin, err := sql.Open("pgx", tg.URL)
		require.NoError(b, err)
		_, err = admin.ExecContext(ctx, `CREATE SCHEMA `+tg.Schema)
		require.NoError(b, err)
		r.cleanups = append(r.cleanups, func() {
			_, _ = admin.Exec(`DROP SCHEMA ` + tg.Schema + ` CASCADE`)
			_ = admin.Close()
		})
	}
	db, err := store.Open(ctx, tg.URL, store.Options{Schema: tg.Schema})
	require.NoError(b, err)
	r.cleanups = append(r.cleanups, func() { _ = db.Close() })
	_, err = migrations.Apply(ctx, db.MigrationTarget())
	require.NoError(b, err)
	start := time.Now()
	actx := seedListBench(b, db, n)
	b.Logf("seeded %d contracts on %s in %s", n, name, time.Since(start).Round(time.Second))
	fmt.Fprintf(os.Stderr, "BenchmarkListFilters: seeded %d contracts on %s in %s\n", n, name, time.Since(start).Round(time.Second))
	r.m[key] = listBenchDB{db: db, ctx: actx}
	return db, actx
}

// dropListBenchRegisters closes and removes what listBenchRegister made.
func dropListBenchRegisters() {
	r := &listBenchRegisters
	r.Lock()
	defer r.Unlock()
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	r.cleanups, r.m = nil, map[string]listBenchDB{}
}

// seedListBench writes BenchmarkListFilters's register and refreshes the
// statistics as a start would; it returns an administrator's context.
func seedListBench(b testing.TB, db *store.DB, n int) context.Context {
	b.Helper()
	ctx := context.Background()
	first, err := db.SeedIfEmpty(ctx)
	require.NoError(b, err)
	dept := first.Person.DepartmentID
	person := func(i int) string { return benchID(1, i) }
	vendor := func(i int) string { return benchID(2, i) }
	contract := func(i int) string { return benchID(3, i) }
	fillTable(b, db, "people", 2000, map[string]func(int) any{
		"id": func(i int) any { return person(i) }, "email": func(i int) any { return fmt.Sprintf("lb%d@example.lg.jp", i) },
		"department_id": func(int) any { return dept }, "security_roles": func(int) any { return `[]` }, "active": func(int) any { return true },
		"employment_type": func(int) any { return string(domain.EmploymentRegular) }, "locale": func(int) any { return "ja" },
		"supervisor_id": func(int) any { return nil }, "name": func(i int) any { return fmt.Sprintf("職員 %d", i) },
		"search_text": func(i int) any {
			return *foldForTest(fmt.Sprintf("職員 %d", i), fmt.Sprintf("lb%d@example.lg.jp", i))
		},
	})
	fillTable(b, db, "vendors", 10_000, map[string]func(int) any{
		"id": func(i int) any { return vendor(i) }, "owner_id": func(i int) any { return person(i % 2000) },
		"name": func(i int) any { return fmt.Sprintf("委託先 %d 株式会社", i) }, "status": func(int) any { return string(domain.VendorApproved) },
		"risk_tier": func(int) any { return string(domain.RiskMedium) }, "search_text": func(i int) any { return *foldForTest(fmt.Sprintf("委託先 %d 株式会社", i), "") },
	})
	title := func(i int) string {
		if i%1000 == 0 {
			return fmt.Sprintf("クリーンセンター運転管理業務委託 %d", i)
		}
		return fmt.Sprintf("業務委託契約 %d", i)
	}
	fillTable(b, db, "contracts", n, map[string]func(int) any{
		"id": func(i int) any { return contract(i) }, "vendor_id": func(i int) any { return vendor(i % 10_000) },
		"owner_id": func(i int) any { return person((i * 7) % 2000) }, "title": func(i int) any { return title(i) },
		"status": func(i int) any {
			if i%50 == 0 {
				return string(domain.ContractTerminated)
			}
			return string(domain.ContractActive)
		},
		"start_date": func(int) any { return "2025-04-01" }, "renewal_term_months": func(int) any { return 12 },
		"subcontractors": func(int) any { return `[]` }, "information_assets": func(int) any { return `[]` },
		"search_text": func(i int) any { return *foldForTest(title(i)) },
	})
	// Two clauses of each contract: confidentiality, missing on 1 contract
	// in 10; policy_compliance, missing on 1 in 2,000 (the odd rows), so
	// that few contracts miss it. Every other catalogue clause has no row:
	// every contract misses it.
	fillTable(b, db, "contract_clauses", 2*n, map[string]func(int) any{
		"contract_id": func(i int) any { return contract(i / 2) },
		"code": func(i int) any {
			if i%2 == 1 {
				return "policy_compliance"
			}
			return "confidentiality"
		},
		"status": func(i int) any {
			if (i%2 == 0 && (i/2)%10 == 0) || (i%2 == 1 && (i/2)%2000 == 0) {
				return string(domain.ClauseMissing)
			}
			return string(domain.ClauseIncluded)
		},
	})
	start := time.Now()
	require.NoError(b, db.RebuildMissingClauses(ctx))
	b.Logf("rebuilt contract_missing_clauses in %s", time.Since(start))
	require.NoError(b, db.Optimize(ctx))
	if db.Kind() == store.Postgres {
		_, err = db.SQL().ExecContext(ctx, `VACUUM ANALYZE people, vendors, contracts, contract_clauses, contract_missing_clauses`)
		require.NoError(b, err)
	}
	return domain.WithActor(ctx, domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin, Name: "bench"})
}
