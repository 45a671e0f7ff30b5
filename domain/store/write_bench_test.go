package store_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// BenchmarkAuditedWrites measures audited writes (CreateVendor, what POST
// /v1/vendors does) from 1, 4 and 16 goroutines at once, each with a
// connection of its own on PostgreSQL. It reports writes/s and, on
// PostgreSQL, the CPU the server's backends of this database spent per
// write (pg-cpu-ms/write, from /proc: the backends only, not the WAL
// writer or the checkpointer).
func BenchmarkAuditedWrites(b *testing.B) {
	for _, tg := range storetest.Targets(b) {
		b.Run(tg.Name, func(b *testing.B) {
			if tg.Name == "postgres" {
				tg.URL = withPoolSize(tg.URL, 32)
			}
			db := storetest.Open(b, tg, storetest.Options{})
			first, err := db.SeedIfEmpty(context.Background())
			require.NoError(b, err)
			ctx := domain.WithActor(context.Background(), domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin, Name: "bench"})
			var seq atomic.Int64
			write := func() error {
				_, err := db.CreateVendor(ctx, domain.VendorInput{Name: fmt.Sprintf("委託先 %d", seq.Add(1)), OwnerID: first.Person.ID})
				return err
			}
			for _, g := range []int{1, 4, 16} {
				b.Run(fmt.Sprintf("goroutines-%d", g), func(b *testing.B) {
					runParallelWrites(b, db, g, write)
				})
			}
		})
	}
}

// runParallelWrites runs b.N writes from g goroutines and reports writes/s
// and the PostgreSQL CPU per write.
func runParallelWrites(b *testing.B, db *store.DB, g int, write func() error) {
	// Warm up with g goroutines, so that the pool has its connections
	// before the backends' CPU is read.
	var wg sync.WaitGroup
	for range g {
		wg.Go(func() { require.NoError(b, write()) })
	}
	wg.Wait()
	before := backendCPU(b, db)
	var n atomic.Int64
	b.ResetTimer()
	for range g {
		wg.Go(func() {
			for n.Add(1) <= int64(b.N) {
				if err := write(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
	if before != nil {
		after := backendCPU(b, db)
		var ticks int64
		for pid, t := range after {
			ticks += t - before[pid]
		}
		// /proc counts in clock ticks of 10 ms (USER_HZ 100).
		b.ReportMetric(float64(ticks)*10/float64(b.N), "pg-cpu-ms/write")
	}
}

// backendCPU returns the user+system clock ticks of every PostgreSQL
// backend connected to db's database, by pid; nil on SQLite or when /proc
// does not show them.
func backendCPU(b *testing.B, db *store.DB) map[int]int64 {
	if db.Kind() != store.Postgres {
		return nil
	}
	rows, err := db.SQL().Query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	require.NoError(b, err)
	defer rows.Close()
	out := map[int]int64{}
	for rows.Next() {
		var pid int
		require.NoError(b, rows.Scan(&pid))
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			return nil
		}
		// Fields after the command name (which is in parentheses): utime
		// and stime are the 14th and 15th of the line.
		s := string(stat)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
		ut, _ := strconv.ParseInt(fields[11], 10, 64)
		st, _ := strconv.ParseInt(fields[12], 10, 64)
		out[pid] = ut + st
	}
	require.NoError(b, rows.Err())
	return out
}

// withPoolSize sets pgx's pool size in a PostgreSQL URL.
func withPoolSize(url string, n int) string {
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return fmt.Sprintf("%s%spool_max_conns=%d", url, sep, n)
}
