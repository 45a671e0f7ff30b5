package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/vendorwatch/vendorwatch/domain"
)

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// The round trip of the issue: vendors imported from a spreadsheet, exported
// as XLSX by GET /v1/vendors, re-import as "nothing to change", every row.
func TestImportExportRoundTrip(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		rows := [][]string{{"名称", "法人番号", "所管職員メールアドレス", "連絡先メールアドレス", "連絡先電話番号", "備考"}}
		for i := 0; i < 40; i++ {
			cn := corporateNumber(400000000 + i)
			if i%3 == 0 {
				cn = fullWidth(cn)
			}
			rows = append(rows, []string{fmt.Sprintf("往復株式会社%02d", i), cn, e.person.Email, fmt.Sprintf("rt%02d@example.co.jp", i), "03-1234-5678", "=1+1 は式ではない"})
		}
		var im domain.Import
		e.importFile(e.admin, "vendors", "vendors.xlsx", xlsxOf(t, rows)).Decode(t, &im)
		require.Equal(t, domain.ImportSummary{Create: 40}, im.Summary)
		e.must(http.StatusOK, "POST", "/v1/imports/"+im.ID+"/commit", e.admin, map[string]any{"sha256": im.SHA256})

		r := e.do("GET", "/v1/vendors?limit=200", e.admin, nil, "Accept", xlsxType)
		require.Equal(t, http.StatusOK, r.Status)
		require.True(t, strings.HasPrefix(r.Header.Get("Content-Type"), xlsxType), r.Header.Get("Content-Type"))
		r2 := e.importFile(e.admin, "vendors", "export.xlsx", r.Body)
		require.Equal(t, http.StatusCreated, r2.Status, "%s", r2.Body)
		r2.Decode(t, &im)
		require.Zero(t, im.Summary.Create+im.Summary.Update+im.Summary.Error, "the export re-imports with nothing to change: %+v %+v", im.Summary, e.importRows(im.ID, false))
		require.Equal(t, e.vendorCount(), im.Summary.Unchanged)
	})
}
