package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"

	"github.com/vendorwatch/vendorwatch/api"
	"github.com/vendorwatch/vendorwatch/api/export"
	"github.com/vendorwatch/vendorwatch/domain"
)

// readCSV reads an exported CSV (UTF-8 with BOM).
func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	require.True(t, bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")), "UTF-8 with BOM")
	rows, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	require.NoError(t, err)
	return rows
}

// readXLSX reads the one sheet of an exported workbook.
func readXLSX(t *testing.T, body []byte) ([][]string, *excelize.File) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	require.NoError(t, err)
	rows, err := f.GetRows(f.GetSheetName(0))
	require.NoError(t, err)
	return rows, f
}

func column(t *testing.T, rows [][]string, header string) []string {
	t.Helper()
	i := -1
	for j, h := range rows[0] {
		if h == header {
			i = j
		}
	}
	require.GreaterOrEqual(t, i, 0, "header %s in %v", header, rows[0])
	var out []string
	for _, r := range rows[1:] {
		if i < len(r) {
			out = append(out, r[i])
		} else {
			out = append(out, "")
		}
	}
	return out
}

func TestExportVendors(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		for i := range 7 {
			outCreateVendor(e, map[string]any{"name": fmt.Sprintf("株式会社エクスポート%02d", i), "notes": "=HYPERLINK(\"http://x\")"})
		}
		outCreateVendor(e, map[string]any{"name": "別会社"})

		t.Run("csv has the same rows as JSON with the filter, across pages", func(t *testing.T) {
			var page struct {
				Items []domain.Vendor `json:"items"`
			}
			e.must(http.StatusOK, "GET", "/v1/vendors?q=エクスポート&limit=200", e.admin, nil).Decode(t, &page)
			require.Len(t, page.Items, 7)
			r := e.must(http.StatusOK, "GET", "/v1/vendors?q=エクスポート&format=csv", e.admin, nil)
			require.Equal(t, "text/csv; charset=utf-8", r.Header.Get("Content-Type"))
			require.Regexp(t, `^attachment; filename="vendors-\d{4}-\d{2}-\d{2}\.csv"$`, r.Header.Get("Content-Disposition"))
			rows := readCSV(t, r.Body)
			var want []string
			for _, c := range domain.ColumnsOf(domain.RegisterVendors) {
				want = append(want, c.Ja)
			}
			require.Equal(t, want, rows[0], "the register's columns, in Japanese")
			names := column(t, rows, "名称")
			require.Len(t, names, 7)
			for i, v := range page.Items {
				require.Equal(t, v.Name, names[i])
			}
			require.Equal(t, e.person.Email, column(t, rows, "所管職員メールアドレス")[0], "the owner by e-mail")
			require.Equal(t, `'=HYPERLINK("http://x")`, column(t, rows, "備考")[0], "formula neutralised")
		})

		t.Run("Accept chooses xlsx, headers in English by Accept-Language", func(t *testing.T) {
			r := e.must(http.StatusOK, "GET", "/v1/vendors?q=エクスポート", e.admin, nil, "Accept", export.XLSXType, "Accept-Language", "en")
			require.Equal(t, export.XLSXType, r.Header.Get("Content-Type"))
			rows, f := readXLSX(t, r.Body)
			require.Equal(t, "name", rows[0][0])
			require.Len(t, rows, 8)
			notes := column(t, rows, "notes")
			require.Equal(t, `'=HYPERLINK("http://x")`, notes[0])
			ref, _ := excelize.CoordinatesToCellName(len(rows[0]), 2)
			for j := range rows[0] {
				ref, _ = excelize.CoordinatesToCellName(j+1, 2)
				formula, err := f.GetCellFormula(f.GetSheetName(0), ref)
				require.NoError(t, err)
				require.Empty(t, formula, ref)
			}
		})

		t.Run("shift_jis", func(t *testing.T) {
			r := e.must(http.StatusOK, "GET", "/v1/vendors?q=エクスポート&format=csv&charset=shift_jis", e.admin, nil)
			require.Equal(t, "text/csv; charset=Shift_JIS", r.Header.Get("Content-Type"))
			require.False(t, bytes.HasPrefix(r.Body, []byte("\xEF\xBB\xBF")))
			utf, err := japanese.ShiftJIS.NewDecoder().Bytes(r.Body)
			require.NoError(t, err)
			require.Contains(t, string(utf), "株式会社エクスポート00")
			require.Contains(t, string(utf), "名称")
		})

		t.Run("the caller's locale when no Accept-Language", func(t *testing.T) {
			p := e.createPerson("English Reader", "en-"+randomSuffix()+"@example.lg.jp", map[string]any{"locale": "en"})
			var tok struct {
				Secret string `json:"secret"`
			}
			e.must(http.StatusCreated, "POST", "/v1/tokens", e.admin, map[string]any{"person_id": p.ID, "role": domain.RoleViewer}).Decode(t, &tok)
			rows := readCSV(t, e.must(http.StatusOK, "GET", "/v1/vendors?format=csv", tok.Secret, nil).Body)
			require.Equal(t, "name", rows[0][0])
			rows = readCSV(t, e.must(http.StatusOK, "GET", "/v1/vendors?format=csv", tok.Secret, nil, "Accept-Language", "ja").Body)
			require.Equal(t, "名称", rows[0][0])
		})

		t.Run("Accept by q-value", func(t *testing.T) {
			r := e.must(http.StatusOK, "GET", "/v1/vendors?q=エクスポート", e.admin, nil, "Accept", "application/json;q=0.5, text/csv")
			require.Equal(t, "text/csv; charset=utf-8", r.Header.Get("Content-Type"))
			r = e.must(http.StatusOK, "GET", "/v1/vendors?q=エクスポート", e.admin, nil, "Accept", "text/csv;q=0.2, */*")
			require.Contains(t, r.Header.Get("Content-Type"), "json")
		})

		t.Run("format=json and the JSON default stay JSON", func(t *testing.T) {
			r := e.must(http.StatusOK, "GET", "/v1/vendors?format=json&limit=2", e.admin, nil, "Accept", "text/csv")
			require.Contains(t, r.Header.Get("Content-Type"), "json")
			require.NotEmpty(t, r.Header.Get("Link"))
		})

		t.Run("a bad filter is the same 422 problem", func(t *testing.T) {
			r := e.do("GET", "/v1/vendors?format=csv&certification_expiring_before=2026-13-01", e.admin, nil)
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
			require.Contains(t, r.Header.Get("Content-Type"), "problem+json")
			r = e.do("GET", "/v1/vendors?format=pdf", e.admin, nil)
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
		})
	})
}

func TestExportStreamsEveryPage(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		// More rows than one page of the export (200).
		n := export.PageSize + 30
		for i := range n {
			_, err := e.db.CreateDepartment(domain.WithActor(t.Context(), domain.SystemActor), domain.DepartmentInput{Name: fmt.Sprintf("書き出し課%03d", i)})
			require.NoError(t, err)
		}
		rows := readCSV(t, e.must(http.StatusOK, "GET", "/v1/departments?q=書き出し課&format=csv", e.admin, nil).Body)
		require.Len(t, rows, n+1)
		names := column(t, rows, "名称")
		require.Equal(t, "書き出し課000", names[0])
		require.Equal(t, fmt.Sprintf("書き出し課%03d", n-1), names[n-1])
		x, _ := readXLSX(t, e.must(http.StatusOK, "GET", "/v1/departments?q=書き出し課&format=xlsx", e.admin, nil).Body)
		require.Len(t, x, n+1)
	})
}

func TestExportOtherListsAndRoles(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		outCreateVendor(e, nil)
		viewer := e.token(domain.RoleViewer)
		t.Run("audit events need the audit permission, as JSON does", func(t *testing.T) {
			requireProblem(t, e.do("GET", "/v1/audit-events?format=csv", viewer, nil), http.StatusForbidden)
			requireProblem(t, e.do("GET", "/v1/audit-events?format=csv", "", nil), http.StatusUnauthorized)
			rows := readCSV(t, e.must(http.StatusOK, "GET", "/v1/audit-events?format=csv&entity_type=vendor", e.admin, nil).Body)
			require.Contains(t, rows[0], "ID")
			require.GreaterOrEqual(t, len(rows), 2)
			requireProblem(t, e.do("GET", "/v1/tokens?format=xlsx", viewer, nil), http.StatusForbidden)
		})
		t.Run("derived columns flatten nested objects with dots", func(t *testing.T) {
			rows := readCSV(t, e.must(http.StatusOK, "GET", "/v1/people?format=csv", e.admin, nil, "Accept-Language", "en").Body)
			require.Equal(t, "name", rows[0][0])
			rows = readCSV(t, e.must(http.StatusOK, "GET", "/v1/audit-events?format=csv", e.admin, nil, "Accept-Language", "en").Body)
			require.Contains(t, rows[0], "id")
		})
	})
}

func TestExportDocumented(t *testing.T) {
	doc := api.New(api.Config{}).OpenAPI()
	n := 0
	for _, p := range doc.Paths {
		op := p.Get
		if op == nil || !strings.HasPrefix(op.OperationID, "list-") || op.Responses["200"] == nil {
			continue
		}
		hasFormat := false
		for _, prm := range op.Parameters {
			if prm.Name == "format" {
				hasFormat = true
			}
		}
		require.True(t, hasFormat, "%s takes format", op.OperationID)
		n++
		c := op.Responses["200"].Content
		require.Contains(t, c, "application/json", op.OperationID)
		require.Contains(t, c, "text/csv", op.OperationID)
		require.Contains(t, c, export.XLSXType, op.OperationID)
	}
	require.GreaterOrEqual(t, n, 25, "every list-* operation")
}

func TestExportRegistersUseTheImportColumns(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		v := outCreateVendor(e, map[string]any{"corporate_number": outValidCorporateNumber})
		c := outCreateContract(e, v.ID, map[string]any{"subcontracting_allowed": true, "subcontractors": []string{"下請一株式会社", "下請二株式会社"}})
		outIncludeAll(e, c.ID)

		t.Run("contracts name the vendor by 法人番号 and have one column per clause", func(t *testing.T) {
			rows := readCSV(t, e.must(http.StatusOK, "GET", "/v1/contracts?format=csv&vendor_id="+v.ID, e.admin, nil, "Accept-Language", "en").Body)
			require.Len(t, rows, 2)
			cols := domain.ColumnsOf(domain.RegisterContracts)
			for i, col := range cols {
				require.Equal(t, col.Key, rows[0][i])
			}
			require.Equal(t, outValidCorporateNumber, column(t, rows, "vendor")[0])
			require.Equal(t, e.person.Email, column(t, rows, "owner_email")[0])
			require.Equal(t, "下請一株式会社\n下請二株式会社", column(t, rows, "subcontractors")[0], "one entry a line")
			require.Equal(t, "false", column(t, rows, "auto_renew")[0])
			require.Equal(t, "true", column(t, rows, "subcontracting_allowed")[0])
			clauses := rows[0][len(cols):]
			require.NotEmpty(t, clauses)
			for _, code := range outCatalogueCodes(e, "/v1/clauses", true) {
				require.Equal(t, "included", column(t, rows, domain.ClauseColumnPrefix+code)[0], code)
				col, ok := domain.ColumnByHeader(domain.RegisterContracts, domain.ClauseColumnPrefix+code)
				require.True(t, ok)
				require.Equal(t, domain.ClauseColumnPrefix+code, col.Field)
			}
			ja := readCSV(t, e.must(http.StatusOK, "GET", "/v1/contracts?format=csv&vendor_id="+v.ID, e.admin, nil).Body)
			for _, h := range ja[0] {
				_, ok := domain.ColumnByHeader(domain.RegisterContracts, h)
				if !ok {
					require.True(t, strings.HasPrefix(h, "条項："), "header %s is the import's", h)
				}
			}
		})

		t.Run("people name the department and supervisor; every header is the import's", func(t *testing.T) {
			boss := e.createPerson("上司 一郎", "boss-"+randomSuffix()+"@example.lg.jp", nil)
			e.createPerson("部下 二郎", "sub-"+randomSuffix()+"@example.lg.jp", map[string]any{"supervisor_id": boss.ID, "security_roles": []string{"manager"}})
			var dep domain.Department
			e.must(http.StatusOK, "GET", "/v1/departments/"+e.departmentID(), e.admin, nil).Decode(t, &dep)
			rows := readCSV(t, e.must(http.StatusOK, "GET", "/v1/people?format=csv&q=部下", e.admin, nil).Body)
			require.Len(t, rows, 2)
			for _, h := range rows[0] {
				_, ok := domain.ColumnByHeader(domain.RegisterPeople, h)
				require.True(t, ok, h)
			}
			require.Equal(t, dep.Name, column(t, rows, "所属部署")[0])
			require.Equal(t, boss.Email, column(t, rows, "上司のメールアドレス")[0])
			require.Equal(t, "manager", column(t, rows, "情報セキュリティ上の役割")[0])
		})

		t.Run("a catalogue, a list without pages, exports too", func(t *testing.T) {
			rows := readCSV(t, e.must(http.StatusOK, "GET", "/v1/clauses?format=csv", e.admin, nil).Body)
			require.Greater(t, len(rows), 1)
			require.Contains(t, rows[0], "コード")
			x, _ := readXLSX(t, e.must(http.StatusOK, "GET", "/v1/contracts/"+c.ID+"/clauses?format=xlsx", e.admin, nil).Body)
			require.Greater(t, len(x), 1)
		})
	})
}
