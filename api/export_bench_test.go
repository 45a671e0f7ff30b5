package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/api/export"
	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// BenchmarkExportVendors exports 200,000 vendors (VENDORWATCH_EXPORT_ROWS
// to change) as CSV and as XLSX through the API on SQLite, reporting the
// time of one export and the server's peak heap above its start: the list
// is walked page by page, so the heap stays far below the file.
//
//	go test ./api -run '^$' -bench ExportVendors -benchtime 1x
func BenchmarkExportVendors(b *testing.B) {
	rows := 200000
	if n, err := strconv.Atoi(os.Getenv("VENDORWATCH_EXPORT_ROWS")); err == nil && n > 0 {
		rows = n
	}
	for _, tg := range storetest.Targets(b) {
		if tg.Name != "sqlite" {
			continue
		}
		db := storetest.Open(b, tg, storetest.Options{})
		ctx := context.Background()
		first, err := db.SeedIfEmpty(ctx)
		require.NoError(b, err)
		actx := domain.WithActor(ctx, domain.Actor{PersonID: first.Person.ID, Role: domain.RoleAdmin, Name: first.Person.Name})
		v, err := db.CreateVendor(actx, domain.VendorInput{Name: "計測株式会社", Kana: "ケイソク", Address: "東京都千代田区霞が関1-1-1", OwnerID: first.Person.ID,
			Notes: "=SUM(A1) 備考の欄には少し長めの日本語の文章が入ることもある"})
		require.NoError(b, err)
		// Copy the vendor row (rows-1) times in one transaction.
		tx, err := db.SQL().BeginTx(ctx, nil)
		require.NoError(b, err)
		stmt, err := tx.PrepareContext(ctx, `INSERT INTO vendors (id, name, kana, corporate_number, address, website, contact_name, contact_email, contact_phone,
			owner_id, notes, status, risk_tier, selected_by, selected_on, selection_results, status_reason, version, created_at, updated_at)
			SELECT ?, name || ?, kana, NULL, address, website, contact_name, contact_email, contact_phone,
			owner_id, notes, status, risk_tier, selected_by, selected_on, selection_results, status_reason, version, created_at, updated_at FROM vendors WHERE id = ?`)
		require.NoError(b, err)
		for i := 1; i < rows; i++ {
			_, err := stmt.ExecContext(ctx, fmt.Sprintf("ffff%04x-0000-7000-8000-%012x", i>>16, i), strconv.Itoa(i), v.ID)
			require.NoError(b, err)
		}
		require.NoError(b, stmt.Close())
		require.NoError(b, tx.Commit())
		srv := httptest.NewServer(api.New(api.Config{Services: api.ServicesOf(db), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))

		for _, f := range []export.Format{export.CSV, export.XLSX} {
			b.Run(tg.Name+"/"+string(f), func(b *testing.B) {
				var peak uint64
				var ms runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&ms)
				base := ms.HeapAlloc
				var size int64
				start := time.Now()
				for range b.N {
					req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/vendors?format="+string(f), nil)
					req.Header.Set("Authorization", "Bearer "+first.Secret)
					done := make(chan struct{})
					go func() {
						var m runtime.MemStats
						t := time.NewTicker(5 * time.Millisecond)
						defer t.Stop()
						for {
							select {
							case <-done:
								return
							case <-t.C:
							}
							runtime.ReadMemStats(&m)
							if m.HeapAlloc > base && m.HeapAlloc-base > peak {
								peak = m.HeapAlloc - base
							}
						}
					}()
					res, err := http.DefaultClient.Do(req)
					require.NoError(b, err)
					size, err = io.Copy(io.Discard, res.Body)
					close(done)
					require.NoError(b, err)
					_ = res.Body.Close()
					require.Equal(b, http.StatusOK, res.StatusCode)
				}
				b.ReportMetric(time.Since(start).Seconds()/float64(b.N), "s/export")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
				b.ReportMetric(float64(size)/(1<<20), "file-MiB")
				b.ReportMetric(float64(rows), "rows")
			})
		}
		srv.Close()
	}
}
