package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
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
// クリーン…, 1 in 10 without the confidentiality clause. Each reports
// x-baseline: its time over the unfiltered first page's, measured in the same
// run (the "baseline" sub-benchmark).
//
// Run: go test ./domain/store/ -run '^$' -bench BenchmarkListFilters -count 5 -timeout 60m
func BenchmarkListFilters(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds a large register")
	}
	n := listBenchContracts(b)
	for _, tg := range storetest.Targets(b) {
		b.Run(tg.Name, func(b *testing.B) {
			db := storetest.Open(b, tg, storetest.Options{})
			ctx := seedListBench(b, db, n)
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

// seedListBench writes BenchmarkListFilters's register and refreshes the
// statistics as a start would; it returns an administrator's context.
func seedListBench(b *testing.B, db *store.DB, n int) context.Context {
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
	fillTable(b, db, "contract_clauses", n, map[string]func(int) any{
		"contract_id": func(i int) any { return contract(i) }, "code": func(int) any { return "confidentiality" },
		"status": func(i int) any {
			if i%10 == 0 {
				return string(domain.ClauseMissing)
			}
			return string(domain.ClauseIncluded)
		},
	})
	require.NoError(b, db.Optimize(ctx))
	if db.Kind() == store.Postgres {
		_, err = db.SQL().ExecContext(ctx, `VACUUM ANALYZE people, vendors, contracts, contract_clauses`)
		require.NoError(b, err)
	}
	return domain.WithActor(ctx, domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin, Name: "bench"})
}
