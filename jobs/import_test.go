package jobs_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/storetest"
)

// A large file is planned by a River job: the upload answers at once with
// status running, the progress moves, and the import becomes a dry run
// that commits like any other.
func TestALargeImportIsPlannedByAJob(t *testing.T) {
	for _, tg := range storetest.Targets(t) {
		t.Run(tg.Name, func(t *testing.T) {
			h := newHarness(t, tg, day("2027-04-01"))
			owner := h.person("torikomi", nil, nil, domain.LocaleJa)
			var b strings.Builder
			b.WriteString("name,owner_email\n")
			n := domain.ImportAsyncRows + 700
			for i := 0; i < n; i++ {
				fmt.Fprintf(&b, "大量株式会社%05d,%s\n", i, owner.Email)
			}
			im, err := h.db.CreateImport(h.ctx, domain.ImportUpload{Register: domain.RegisterVendors, FileName: "big.csv", Content: bytes.NewReader([]byte(b.String()))})
			require.NoError(t, err)
			require.Equal(t, domain.ImportRunning, im.Status)
			require.Equal(t, n, im.RowsTotal)
			require.Equal(t, 0, im.RowsDone)
			_, err = h.db.CommitImport(h.ctx, im.ID, nil, im.SHA256)
			require.Equal(t, domain.ECONFLICT, domain.ErrorCodeOf(err), "a running import does not commit")
			h.waitUntil("the job plans the file", func() bool {
				cur, err := h.db.FindImport(h.ctx, im.ID)
				require.NoError(t, err)
				require.LessOrEqual(t, cur.RowsDone, cur.RowsTotal)
				im = cur
				return cur.Status == domain.ImportDryRun
			})
			require.Equal(t, domain.ImportSummary{Create: n}, im.Summary)
			require.Equal(t, n, im.RowsDone)
			_, err = h.db.CommitImport(h.ctx, im.ID, &im.Version, im.SHA256)
			require.NoError(t, err)
			page, err := h.db.ListVendors(h.ctx, domain.VendorFilter{Q: "大量株式会社"}, domain.PageRequest{Limit: 1})
			require.NoError(t, err)
			require.Len(t, page.Items, 1)
		})
	}
}
