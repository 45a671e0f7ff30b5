package store_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store"
)

// benchCN makes a valid 法人番号 from a twelve-digit base.
func benchCN(base int) string {
	s := fmt.Sprintf("%012d", base)
	sum := 0
	for n := 1; n <= 12; n++ {
		q := 1
		if n%2 == 0 {
			q = 2
		}
		sum += int(s[12-n]-'0') * q
	}
	return fmt.Sprint(9-sum%9) + s
}

// BenchmarkImport10000Vendors measures the import: 10,000 vendors
// from an XLSX file, dry run and commit (go test -run '^$' -bench
// Import10000 -benchtime 1x ./domain/store).
func BenchmarkImport10000Vendors(b *testing.B) {
	benchDBs(b, func(b *testing.B, ctx context.Context, db *store.DB, _ string) {
		owner, _ := domain.ActorFrom(ctx)
		p, err := db.FindPerson(ctx, owner.PersonID)
		require.NoError(b, err)
		run := 0
		for b.Loop() {
			run++
			f := excelize.NewFile()
			sw, err := f.NewStreamWriter("Sheet1")
			require.NoError(b, err)
			require.NoError(b, sw.SetRow("A1", []any{"名称", "法人番号", "所管職員メールアドレス", "連絡先メールアドレス", "備考"}))
			for i := 0; i < 10000; i++ {
				cell, _ := excelize.CoordinatesToCellName(1, i+2)
				require.NoError(b, sw.SetRow(cell, []any{fmt.Sprintf("ベンチ株式会社%d-%05d", run, i), benchCN(run*100000 + i), p.Email, fmt.Sprintf("b%05d@example.co.jp", i), "備考"}))
			}
			require.NoError(b, sw.Flush())
			var file bytes.Buffer
			require.NoError(b, f.Write(&file))
			start := time.Now()
			im, err := db.CreateImport(ctx, domain.ImportUpload{Register: domain.RegisterVendors, FileName: "bench.xlsx", Content: bytes.NewReader(file.Bytes())})
			require.NoError(b, err)
			require.Equal(b, 10000, im.Summary.Create)
			planned := time.Since(start)
			_, err = db.CommitImport(ctx, im.ID, &im.Version, im.SHA256)
			require.NoError(b, err)
			b.ReportMetric(planned.Seconds(), "dry-run-s")
			b.ReportMetric(time.Since(start).Seconds()-planned.Seconds(), "commit-s")
		}
	})
}
