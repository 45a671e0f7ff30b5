package store_test

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// The register BenchmarkDueScan100kContracts scans: sizes, and the day.
const (
	scanBenchPeople      = 2_000
	scanBenchSupervisors = 20 // the first people; everyone else reports to one of them
	scanBenchVendors     = 10_000
	scanBenchSpreadDays  = 365
)

// scanBenchContractsEnv sets the number of contracts the scan benchmark
// seeds (default 100,000), to measure how the scan grows with the register:
// VENDORWATCH_SCAN_BENCH_CONTRACTS=200000.
const scanBenchContractsEnv = "VENDORWATCH_SCAN_BENCH_CONTRACTS"

// scanBenchContracts is the number of contracts seeded: 100,000 unless
// scanBenchContractsEnv says otherwise.
var scanBenchContracts = func() int {
	if n, err := strconv.Atoi(os.Getenv(scanBenchContractsEnv)); err == nil && n > 0 {
		return n
	}
	return 100_000
}()

// scanBenchToday is the day every scan runs for; the store's clock stands on
// it too, so created_at and the scan's "now" agree.
var scanBenchToday = domain.NewDate(2027, time.January, 1)

// scanBenchClauses are the clauses included on every contract, so that the
// scan has a checklist to schedule each confirmation with.
var scanBenchClauses = []string{"confidentiality", "staff_training"}

// BenchmarkDueScan100kContracts measures one due-scan over a register of
// 100,000 active contracts (10,000 vendors, 2,000 people), whose next
// confirmation and renewal review dates are spread evenly over the year from
// the scan's day. The register is written with bulk SQL, not the services,
// and outside the timed region.
//
//   - first: the first scan of the day on a fresh register: it schedules the
//     confirmations entering their window and writes their ledger rows.
//   - repeat: the same day's scan again (every 15 minutes in production): it
//     must add nothing.
//   - next-day: the next day's first scan after that one: it schedules and
//     queues only what the one day brought into the window, so its cost
//     should follow those items, not the register.
//
// Besides ns/op, B/op and allocs/op it reports reminders and confirmations
// per scan, the Go heap allocated (MB-alloc/op), the highest Go heap seen
// while scanning (MB-heap-peak), what stayed live afterwards
// (MB-heap-retained) and the process's peak resident set during the scans
// (MB-rss-peak; Linux only, reset before each timed scan) next to the
// resident set before the first timed scan (MB-rss-start).
//
// Run: go test ./domain/store/ -run '^$' -bench BenchmarkDueScan100k -benchtime 1x -timeout 30m
// (with VENDORWATCH_TEST_POSTGRES_URL set for PostgreSQL too, and
// VENDORWATCH_SCAN_BENCH_CONTRACTS for another register size).
func BenchmarkDueScan100kContracts(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds 100,000 contracts")
	}
	for _, tg := range storetest.Targets(b) {
		b.Run(tg.Name, func(b *testing.B) {
			b.Run("first", func(b *testing.B) {
				var m scanMeter
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					db := openScanBenchDB(b, freshScanTarget(b, tg, i))
					seedScanRegister(b, db)
					m.start()
					writer := startBenchWriter(db)
					b.StartTimer()
					rep, err := db.ScanDue(context.Background(), scanBenchToday, nil)
					b.StopTimer()
					maxWait := writer.stop()
					m.stop()
					require.NoError(b, err)
					b.ReportMetric(float64(maxWait.Milliseconds()), "ms-max-write-wait")
					require.Positive(b, rep.ConfirmationsScheduled)
					require.Positive(b, rep.RemindersQueued)
					m.add(rep)
					_ = db.Close() // free its caches before the next register
				}
				m.report(b)
			})

			// The repeat register is seeded once, however often the
			// sub-benchmark is called to find b.N; it belongs to this level
			// so that it outlives those calls.
			var repeatDB *store.DB
			parent := b
			// nextDay is the day of the last next-day scan, counted from
			// scanBenchToday: each call of that sub-benchmark (-count)
			// scans the day after the previous one.
			nextDay := 0
			b.Run("repeat", func(b *testing.B) {
				b.StopTimer()
				if repeatDB == nil {
					repeatDB = openScanBenchDB(parent, tg)
					seedScanRegister(b, repeatDB)
					rep, err := repeatDB.ScanDue(context.Background(), scanBenchToday, nil)
					require.NoError(b, err)
					require.Positive(b, rep.RemindersQueued)
				}
				var m scanMeter
				for i := 0; i < b.N; i++ {
					m.start()
					b.StartTimer()
					rep, err := repeatDB.ScanDue(context.Background(), scanBenchToday, nil)
					b.StopTimer()
					m.stop()
					require.NoError(b, err)
					require.Zero(b, rep.ConfirmationsScheduled, "a second scan of the day schedules nothing")
					require.Zero(b, rep.RemindersQueued, "a second scan of the day queues nothing")
					m.add(rep)
				}
				m.report(b)
			})

			// The next day, on the repeat register: a day's worth of
			// confirmations and reviews enters the window (about 1/365 of
			// the register each), and the stages already written are
			// skipped. Each iteration scans one day later.
			b.Run("next-day", func(b *testing.B) {
				b.StopTimer()
				if repeatDB == nil {
					b.Skip("needs the repeat register")
				}
				var m scanMeter
				for i := 0; i < b.N; i++ {
					m.start()
					b.StartTimer()
					nextDay++
					rep, err := repeatDB.ScanDue(context.Background(), scanBenchToday.AddDays(nextDay), nil)
					b.StopTimer()
					m.stop()
					require.NoError(b, err)
					m.add(rep)
				}
				m.report(b)
			})
		})
	}
}

// freshScanTarget returns an empty database for iteration i: a new SQLite
// file, or a new PostgreSQL schema dropped when the benchmark ends.
func freshScanTarget(b *testing.B, tg storetest.Target, i int) storetest.Target {
	b.Helper()
	if tg.Schema == "" {
		return storetest.Target{Name: tg.Name, URL: filepath.Join(b.TempDir(), fmt.Sprintf("scan-%d.db", i))}
	}
	return storetest.Target{Name: tg.Name, URL: tg.URL, Schema: storetest.NewSchema(b, tg.URL)}
}

// openScanBenchDB opens and migrates a database whose clock stands on
// scanBenchToday, closed when tb ends.
func openScanBenchDB(tb testing.TB, tg storetest.Target) *store.DB {
	tb.Helper()
	now := time.Date(2027, time.January, 1, 0, 0, 0, 0, time.UTC) // 09:00 in Tokyo, on scanBenchToday
	return storetest.Open(tb, tg, storetest.Options{Now: func() time.Time { return now }})
}

// seedScanRegister writes the benchmark's register with multi-row INSERTs,
// one transaction per table, after the ordinary first-start seed (catalogue,
// settings, departments, first administrator).
func seedScanRegister(tb testing.TB, db *store.DB) {
	tb.Helper()
	seedScanRegisterOf(tb, db, scanBenchContracts, scanBenchSpreadDays)
}

// seedScanRegisterOf is seedScanRegister with contracts contracts, whose
// next confirmations are spread over confirmationDays days.
func seedScanRegisterOf(tb testing.TB, db *store.DB, contracts, confirmationDays int) {
	tb.Helper()
	ctx := context.Background()
	first, err := db.SeedIfEmpty(ctx)
	require.NoError(tb, err)
	dept := first.Person.DepartmentID
	now := db.Now()
	day := func(offset int) string { return scanBenchToday.AddDays(offset).String() }

	personID := func(i int) string { return benchID(1, i) }
	require.NoError(tb, bulkInsert(ctx, db, "people",
		[]string{"id", "name", "email", "department_id", "employment_type", "security_roles", "supervisor_id",
			"locale", "active", "version", "created_at", "updated_at"},
		scanBenchPeople, func(i int) []any {
			roles, supervisor := `[]`, any(personID(i%scanBenchSupervisors))
			if i < scanBenchSupervisors {
				roles, supervisor = `["supervisor"]`, nil
			}
			return []any{personID(i), fmt.Sprintf("職員 %d", i), fmt.Sprintf("scan%d@example.lg.jp", i), dept,
				string(domain.EmploymentRegular), roles, supervisor, "ja", true, 1, now, now}
		}))

	vendorID := func(i int) string { return benchID(2, i) }
	tiers := []string{string(domain.RiskHigh), string(domain.RiskMedium), string(domain.RiskLow)}
	require.NoError(tb, bulkInsert(ctx, db, "vendors",
		[]string{"id", "name", "kana", "address", "website", "contact_name", "contact_email", "contact_phone",
			"owner_id", "notes", "status", "risk_tier", "status_reason", "version", "created_at", "updated_at"},
		scanBenchVendors, func(i int) []any {
			return []any{vendorID(i), fmt.Sprintf("委託先 %d 株式会社", i), fmt.Sprintf("イタクサキ %d", i),
				"東京都千代田区1-1", "https://example.com/", "担当 太郎", fmt.Sprintf("v%d@example.com", i), "03-0000-0000",
				personID(i % scanBenchPeople), "", string(domain.VendorApproved), tiers[i%len(tiers)], "", 1, now, now}
		}))

	// Dates: confirmation due i mod 365 days ahead, renewal review due a
	// different even spread (17 is coprime with 365); the contract ends 60
	// days (the renewal review lead) after its review, so none expires.
	contractID := func(i int) string { return benchID(3, i) }
	require.NoError(tb, bulkInsert(ctx, db, "contracts",
		[]string{"id", "vendor_id", "title", "scope", "start_date", "end_date", "auto_renew", "notice_period_days",
			"work_location", "vendor_manager_name", "subcontracting_allowed", "subcontractors", "owner_id",
			"information_assets", "status", "termination_reason", "next_confirmation_due", "renewal_review_due",
			"version", "created_at", "updated_at"},
		contracts, func(i int) []any {
			renewal := (i * 17) % scanBenchSpreadDays
			return []any{contractID(i), vendorID(i % scanBenchVendors), fmt.Sprintf("業務委託契約 %d", i), "システム運用保守",
				"2025-04-01", day(renewal + 60), false, 90, "委託先事業所", "管理 花子", false, `[]`,
				personID((i * 7) % scanBenchPeople), `[]`, string(domain.ContractActive), "",
				day(i % confirmationDays), day(renewal), 1, now, now}
		}))

	require.NoError(tb, bulkInsert(ctx, db, "contract_clauses",
		[]string{"contract_id", "code", "status", "article_ref", "waiver_reason", "updated_at"},
		contracts*len(scanBenchClauses), func(i int) []any {
			c := i / len(scanBenchClauses)
			return []any{contractID(c), scanBenchClauses[i%len(scanBenchClauses)], string(domain.ClauseIncluded),
				fmt.Sprintf("第%d条", 10+i%len(scanBenchClauses)), "", now}
		}))
}

// benchID is a deterministic UUID-shaped id: kind in the first group, i in
// the last.
func benchID(kind, i int) string { return fmt.Sprintf("%08x-0000-7000-8000-%012x", kind, i) }

// bulkInsert writes n rows into table in one transaction, with multi-row
// INSERT statements of placeholders in the database's style.
func bulkInsert(ctx context.Context, db *store.DB, table string, cols []string, n int, row func(i int) []any) error {
	perStmt := min(1000, 30_000/len(cols)) // under SQLite's 32,766 variables
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	head := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES "
	var stmt *sql.Stmt
	stmtRows := 0
	args := make([]any, 0, perStmt*len(cols))
	for start := 0; start < n; start += perStmt {
		rows := min(perStmt, n-start)
		if rows != stmtRows {
			if stmt != nil {
				_ = stmt.Close()
			}
			if stmt, err = tx.PrepareContext(ctx, head+valuesList(db.Kind(), rows, len(cols))); err != nil {
				return fmt.Errorf("prepare %s insert: %w", table, err)
			}
			stmtRows = rows
		}
		args = args[:0]
		for i := start; i < start+rows; i++ {
			args = append(args, row(i)...)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("insert %s rows %d-%d: %w", table, start, start+rows-1, err)
		}
	}
	if stmt != nil {
		_ = stmt.Close()
	}
	return tx.Commit()
}

// valuesList returns "(?, ?), (?, ?)" on SQLite and "($1, $2), ($3, $4)" on
// PostgreSQL for rows rows of cols values.
func valuesList(kind store.Kind, rows, cols int) string {
	var sb strings.Builder
	p := 0
	for r := range rows {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := range cols {
			if c > 0 {
				sb.WriteString(", ")
			}
			p++
			if kind == store.Postgres {
				sb.WriteString("$" + strconv.Itoa(p))
			} else {
				sb.WriteByte('?')
			}
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

// scanMeter adds up what the timed scans did and cost in memory.
type scanMeter struct {
	n                           int
	reminders, confirmations    int
	digests                     int
	allocBytes, retainedBytes   float64
	heapPeak, rssPeak, rssStart uint64
	before                      runtime.MemStats
	sampling                    chan struct{}
	sampled                     sync.WaitGroup
	samplePeak                  uint64
	rssKnown                    bool
}

const heapObjectsMetric = "/memory/classes/heap/objects:bytes"

// start settles the heap, resets the peak RSS and starts sampling the heap
// every millisecond, without stopping the world.
func (m *scanMeter) start() {
	runtime.GC()
	runtime.ReadMemStats(&m.before)
	m.rssKnown = resetPeakRSS()
	if m.rssKnown && m.rssStart == 0 {
		m.rssStart = peakRSS() // just reset: the resident set now
	}
	m.samplePeak = m.before.HeapAlloc
	m.sampling = make(chan struct{})
	m.sampled.Add(1)
	go func() {
		defer m.sampled.Done()
		s := []metrics.Sample{{Name: heapObjectsMetric}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(s)
			if s[0].Value.Kind() == metrics.KindUint64 {
				m.samplePeak = max(m.samplePeak, s[0].Value.Uint64())
			}
			select {
			case <-m.sampling:
				return
			case <-t.C:
			}
		}
	}()
}

// stop ends sampling and records the scan's allocation, peaks and what is
// still live after a collection.
func (m *scanMeter) stop() {
	close(m.sampling)
	m.sampled.Wait()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	m.allocBytes += float64(after.TotalAlloc - m.before.TotalAlloc)
	m.heapPeak = max(m.heapPeak, m.samplePeak, after.HeapAlloc)
	if m.rssKnown {
		m.rssPeak = max(m.rssPeak, peakRSS())
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	m.retainedBytes += float64(after.HeapAlloc) - float64(m.before.HeapAlloc)
}

func (m *scanMeter) add(rep domain.ScanReport) {
	m.n++
	m.reminders += rep.RemindersQueued
	m.confirmations += rep.ConfirmationsScheduled
	m.digests += rep.Digests
}

func (m *scanMeter) report(b *testing.B) {
	if m.n == 0 {
		return
	}
	n := float64(m.n)
	const mb = 1 << 20
	b.ReportAllocs()
	b.ReportMetric(float64(m.reminders)/n, "reminders/op")
	b.ReportMetric(float64(m.confirmations)/n, "confirmations/op")
	b.ReportMetric(float64(m.digests)/n, "digests/op")
	b.ReportMetric(m.allocBytes/n/mb, "MB-alloc/op")
	b.ReportMetric(float64(m.heapPeak)/mb, "MB-heap-peak")
	b.ReportMetric(m.retainedBytes/n/mb, "MB-heap-retained")
	if m.rssKnown {
		b.ReportMetric(float64(m.rssStart)/mb, "MB-rss-start")
		b.ReportMetric(float64(m.rssPeak)/mb, "MB-rss-peak")
	}
}

// resetPeakRSS resets the kernel's peak resident set (VmHWM) of this process
// to the current one; false where that is not possible.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil && peakRSS() > 0
}

// peakRSS returns VmHWM from /proc/self/status in bytes, or 0.
func peakRSS() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer func() { _ = f.Close() }()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}

// benchWriter makes small writes (departments) while a scan runs and keeps
// the longest wait: how long the scan kept other writers out.
type benchWriter struct {
	done    chan struct{}
	stopped chan time.Duration
}

func startBenchWriter(db *store.DB) *benchWriter {
	w := &benchWriter{done: make(chan struct{}), stopped: make(chan time.Duration)}
	ctx := domain.WithActor(context.Background(), domain.SystemActor)
	go func() {
		var longest time.Duration
		for i := 0; ; i++ {
			select {
			case <-w.done:
				w.stopped <- longest
				return
			default:
			}
			start := time.Now()
			if _, err := db.CreateDepartment(ctx, domain.DepartmentInput{Name: fmt.Sprintf("書き込み試験 %d", i)}); err == nil {
				longest = max(longest, time.Since(start))
			}
			time.Sleep(10 * time.Millisecond) // leave the scan room between writes
		}
	}()
	return w
}

// stop ends the writes and returns the longest wait.
func (w *benchWriter) stop() time.Duration {
	close(w.done)
	return <-w.stopped
}

// Sizes of BenchmarkScanEndsContracts' register: scanEndContracts contracts,
// of which one in scanEndEvery ended before the scan's day, half of those
// renewing themselves.
const (
	scanEndContracts = 20_000
	scanEndEvery     = 20
)

// BenchmarkScanEndsContracts measures the first scan of a register in which
// 1,000 of 20,000 contracts ended the day before: 500 expire and 500 renew
// themselves for another year, besides the confirmations and reminders of
// the window. It reports how many contracts each scan expired and renewed.
//
// Run: go test ./domain/store/ -run '^$' -bench BenchmarkScanEndsContracts -benchtime 1x
func BenchmarkScanEndsContracts(b *testing.B) {
	if testing.Short() {
		b.Skip("seeds 20,000 contracts")
	}
	for _, tg := range storetest.Targets(b) {
		b.Run(tg.Name, func(b *testing.B) {
			var expired, renewed int
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := openScanBenchDB(b, freshScanTarget(b, tg, i))
				seedScanRegisterOf(b, db, scanEndContracts, scanBenchSpreadDays)
				var ended []string
				for c := 0; c < scanEndContracts; c += scanEndEvery {
					ended = append(ended, "'"+benchID(3, c)+"'")
				}
				// Ended yesterday; every other one renews by a year.
				_, err := db.SQL().ExecContext(context.Background(), `UPDATE contracts SET end_date = '`+
					scanBenchToday.AddDays(-1).String()+`', renewal_term_months = 12, auto_renew = (substr(id, 35, 1) IN ('0', '2', '4', '6', '8', 'a', 'c', 'e'))
					WHERE id IN (`+strings.Join(ended, ", ")+`)`)
				require.NoError(b, err)
				b.StartTimer()
				rep, err := db.ScanDue(context.Background(), scanBenchToday, nil)
				b.StopTimer()
				require.NoError(b, err)
				require.Positive(b, rep.ContractsExpired)
				require.Positive(b, rep.ContractsRenewed)
				expired += rep.ContractsExpired
				renewed += rep.ContractsRenewed
				_ = db.Close()
			}
			b.ReportMetric(float64(expired)/float64(b.N), "expired/op")
			b.ReportMetric(float64(renewed)/float64(b.N), "renewed/op")
		})
	}
}
