package web_test

import (
	"bytes"
	"encoding/csv"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/vendorwatch/vendorwatch/domain"
)

var downloadLink = regexp.MustCompile(`<a href="([^"]+format=(csv|xlsx)[^"]*)" download>([^<]+)</a>`)

// downloads returns the page's download links by format.
func downloads(t *testing.T, body string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range downloadLink.FindAllStringSubmatch(body, -1) {
		out[m[2]] = html.UnescapeString(m[1])
		switch m[2] {
		case "csv":
			require.Equal(t, "CSVでダウンロード", m[3])
		case "xlsx":
			require.Equal(t, "Excelでダウンロード", m[3])
		}
	}
	return out
}

func TestListPagesOfferDownloads(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		ctx := e.asAdmin()
		for _, name := range []string{"書出し株式会社", "=危険な株式会社", "別の会社"} {
			_, err := e.db.CreateVendor(ctx, domain.VendorInput{Name: name, OwnerID: e.admin.ID})
			require.NoError(t, err)
		}
		b := e.signedIn()

		t.Run("every list page downloads both formats", func(t *testing.T) {
			for path, name := range map[string]string{"/vendors": "vendors", "/contracts": "contracts", "/confirmations": "confirmations",
				"/corrective-actions": "corrective-actions", "/cloud-services": "cloud-services", "/social-accounts": "social-accounts",
				"/reviews": "reviews", "/reminders": "reminders", "/audit": "audit-events", "/incidents": "incidents",
				"/inspections": "inspection-campaigns", "/audits": "audits", "/policy-reviews": "policy-reviews", "/people": "people"} {
				for _, f := range []string{"csv", "xlsx"} {
					r := b.get(path + "?format=" + f)
					require.Equal(t, http.StatusOK, r.Status, "%s: %s", path, r.Body)
					require.Regexp(t, `^attachment; filename="`+name+`-\d{4}-\d{2}-\d{2}\.`+f+`"$`, r.Header.Get("Content-Disposition"), path)
				}
			}
			// A page with rows links both (an empty list shows no pager).
			for _, path := range []string{"/vendors", "/audit", "/people"} {
				p := b.get(path)
				require.Equal(t, http.StatusOK, p.Status, path)
				d := downloads(t, p.Body)
				require.Contains(t, d, "csv", path)
				require.Contains(t, d, "xlsx", path)
				require.Equal(t, http.StatusOK, b.get(d["xlsx"]).Status)
			}
		})

		t.Run("the links keep the page's filters", func(t *testing.T) {
			d := downloads(t, b.get("/vendors?q=書出し&status=candidate").Body)
			require.Contains(t, d["csv"], "q=")
			require.Contains(t, d["csv"], "status=candidate")
			r := b.get(d["csv"])
			require.Equal(t, "text/csv; charset=utf-8", r.Header.Get("Content-Type"))
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\uFEFF"))).ReadAll()
			require.NoError(t, err)
			require.Len(t, rows, 2, "the header and the one vendor the filter finds")
			require.Equal(t, "名称", rows[0][0])
			require.Equal(t, "書出し株式会社", rows[1][0])

			r = b.get("/vendors?q=危険&format=xlsx")
			f, err := excelize.OpenReader(bytes.NewReader([]byte(r.Body)))
			require.NoError(t, err)
			x, err := f.GetRows(f.GetSheetName(0))
			require.NoError(t, err)
			require.Equal(t, "'=危険な株式会社", x[1][0], "formula neutralised")
		})

		t.Run("the same permission as the page", func(t *testing.T) {
			viewer := e.person("閲覧 次郎", "viewer-export@example.lg.jp", domain.RoleViewer)
			vb := e.browser()
			vb.signIn(viewer.Email)
			require.NotEqual(t, http.StatusOK, vb.get("/audit?format=csv").Status)
			require.Equal(t, http.StatusOK, vb.get("/vendors?format=csv").Status)
			require.NotEqual(t, http.StatusOK, e.browser().get("/vendors?format=csv").Status, "signed out")
		})
	})
}
