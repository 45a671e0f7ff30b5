package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/japanese"

	"github.com/vendorwatch/vendorwatch/domain"
)

// corporateNumber makes a valid 法人番号 from a twelve-digit base.
func corporateNumber(base int) string {
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

// wrongCheckDigit is cn with another check digit.
func wrongCheckDigit(cn string) string {
	d := (cn[0]-'0')%9 + 1
	return string('0'+d) + cn[1:]
}

// fullWidth writes ASCII digits and spaces in full width.
func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r - '0' + '０'
		case r == ' ':
			return '　'
		}
		return r
	}, s)
}

// xlsxOf writes rows (the first is the header) into a workbook.
func xlsxOf(t *testing.T, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	sw, err := f.NewStreamWriter("Sheet1")
	require.NoError(t, err)
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, c := range r {
			cells[j] = c
		}
		cellName, _ := excelize.CoordinatesToCellName(1, i+1)
		require.NoError(t, sw.SetRow(cellName, cells))
	}
	require.NoError(t, sw.Flush())
	var b bytes.Buffer
	require.NoError(t, f.Write(&b))
	return b.Bytes()
}

func csvOf(t *testing.T, rows [][]string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	require.NoError(t, w.WriteAll(rows))
	return b.Bytes()
}

// importFile uploads a file for a dry run.
func (e *env) importFile(token, register, name string, content []byte, fields ...string) response {
	e.t.Helper()
	fs := [][2]string{{"register", register}}
	for i := 0; i+1 < len(fields); i += 2 {
		fs = append(fs, [2]string{fields[i], fields[i+1]})
	}
	ct, body := evidenceForm(e.t, fs, name, "application/octet-stream", content)
	return e.do("POST", "/v1/imports", token, string(body), "Content-Type", ct)
}

func (e *env) importRows(id string, errorsOnly bool) []domain.ImportRow {
	e.t.Helper()
	var out []domain.ImportRow
	path := fmt.Sprintf("/v1/imports/%s/rows?limit=200&errors_only=%t", id, errorsOnly)
	for path != "" {
		var page struct {
			Items      []domain.ImportRow `json:"items"`
			NextCursor string             `json:"next_cursor"`
		}
		e.must(http.StatusOK, "GET", path, e.admin, nil).Decode(e.t, &page)
		out = append(out, page.Items...)
		path = ""
		if page.NextCursor != "" {
			path = fmt.Sprintf("/v1/imports/%s/rows?limit=200&errors_only=%t&cursor=%s", id, errorsOnly, page.NextCursor)
		}
	}
	return out
}

func (e *env) vendorCount() int {
	e.t.Helper()
	n, path := 0, "/v1/vendors?limit=200"
	for path != "" {
		var page struct {
			Items      []domain.Vendor `json:"items"`
			NextCursor string          `json:"next_cursor"`
		}
		e.must(http.StatusOK, "GET", path, e.admin, nil).Decode(e.t, &page)
		n += len(page.Items)
		path = ""
		if page.NextCursor != "" {
			path = "/v1/vendors?limit=200&cursor=" + page.NextCursor
		}
	}
	return n
}

// vendorSheet is the 500-row workbook of the issue: ten rows that must be
// refused, five rows in full-width digits and spaces that must import, one
// row that updates a registered vendor and one equal to another.
func vendorSheet(t *testing.T, owner string, existing [2]string) (rows [][]string, refused []int) {
	header := []string{"名称", "法人番号", "所管職員メールアドレス", "連絡先メールアドレス", "備考"}
	rows = [][]string{header}
	for i := 0; i < 500; i++ {
		rows = append(rows, []string{fmt.Sprintf("取込株式会社%03d", i), corporateNumber(100000000 + i), owner, fmt.Sprintf("info%03d@example.co.jp", i), ""})
	}
	// Row numbers are the file's: the header is row 1, rows[i] is row i+1.
	mistake := func(i int, change func(r []string)) {
		change(rows[i])
		refused = append(refused, i+1)
	}
	mistake(10, func(r []string) { r[1] = wrongCheckDigit(r[1]) })
	mistake(50, func(r []string) { r[1] = wrongCheckDigit(r[1]) })
	mistake(90, func(r []string) { r[1] = fullWidth(wrongCheckDigit(r[1])) })
	mistake(120, func(r []string) { r[2] = "nobody@example.lg.jp" })
	mistake(160, func(r []string) { r[2] = "owner-typo@example.lg.jp" })
	mistake(200, func(r []string) { copy(r, rows[199]) })                       // a duplicate row
	mistake(240, func(r []string) { r[0] = rows[230][0]; r[1] = rows[230][1] }) // the same vendor again
	mistake(280, func(r []string) { r[0] = "" })
	mistake(320, func(r []string) { r[3] = "not-an-e-mail" })
	mistake(360, func(r []string) { r[1] = r[1][:12] })
	// Full-width digits and spaces are accepted.
	for _, i := range []int{20, 60, 100, 140, 180} {
		rows[i][1] = fullWidth(rows[i][1][:4] + " " + rows[i][1][4:])
		rows[i][2] = strings.ToUpper(rows[i][2])
	}
	// Row 401 updates the vendor registered with existing[0]; row 402
	// equals the one named existing[1].
	rows[400][1], rows[400][4] = existing[0], "更新された備考"
	rows[401][0], rows[401][1], rows[401][3] = existing[1], "", ""
	sort.Ints(refused)
	return rows, refused
}

func TestImportVendorsDryRunAndCommit(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		editor := e.token(domain.RoleEditor)
		updated := corporateNumber(999000111)
		e.must(http.StatusCreated, "POST", "/v1/vendors", e.admin, map[string]any{"name": "既存株式会社", "corporate_number": updated, "owner_id": e.person.ID})
		e.must(http.StatusCreated, "POST", "/v1/vendors", e.admin, map[string]any{"name": "変更なし株式会社", "owner_id": e.person.ID})
		before := e.vendorCount()

		rows, refused := vendorSheet(t, e.person.Email, [2]string{updated, "変更なし株式会社"})
		file := xlsxOf(t, rows)

		r := e.importFile(editor, "vendors", "委託事業者.xlsx", file)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		var im domain.Import
		r.Decode(t, &im)
		require.Equal(t, "/v1/imports/"+im.ID, r.Header.Get("Location"))
		require.Equal(t, domain.ImportDryRun, im.Status)
		require.Equal(t, "xlsx", im.Format)
		require.Equal(t, 500, im.RowsTotal)
		require.Equal(t, 500, im.RowsDone)
		require.Equal(t, hexSHA(file), im.SHA256)
		require.Equal(t, domain.ImportSummary{Create: 488, Update: 1, Unchanged: 1, Error: 10}, im.Summary, "the plan's counts")
		require.Equal(t, before, e.vendorCount(), "a dry run changes nothing")

		errs := e.importRows(im.ID, true)
		var got []int
		for _, row := range errs {
			require.Equal(t, domain.ImportError, row.Action)
			require.NotEmpty(t, row.Errors, "row %d", row.Row)
			for _, er := range row.Errors {
				require.Equal(t, row.Row, er.Row)
				require.NotEmpty(t, er.Message)
				require.NotEmpty(t, er.Ja, "row %d: %s", row.Row, er.Message)
			}
			got = append(got, row.Row)
		}
		require.Equal(t, refused, got, "exactly the ten mistakes are refused")
		byRow := map[int]domain.ImportRow{}
		for _, row := range e.importRows(im.ID, false) {
			byRow[row.Row] = row
		}
		require.Len(t, byRow, 500)
		require.Equal(t, "法人番号", byRow[11].Errors[0].Column)
		require.Contains(t, byRow[11].Errors[0].Ja, "検査用数字")
		require.Equal(t, "所管職員メールアドレス", byRow[121].Errors[0].Column)
		require.Len(t, byRow[121].Errors, 1, "the unknown e-mail is said once: %+v", byRow[121].Errors)
		require.Contains(t, byRow[201].Errors[0].Message, "row 200")
		require.Equal(t, "連絡先メールアドレス", byRow[321].Errors[0].Column)
		for _, i := range []int{21, 61, 101, 141, 181} {
			require.Equal(t, domain.ImportCreate, byRow[i].Action, "full-width row %d: %+v", i, byRow[i].Errors)
		}
		require.Equal(t, domain.ImportUpdate, byRow[401].Action)
		require.Equal(t, domain.MatchCorporateNumber, byRow[401].MatchedBy)
		require.Equal(t, []string{"name", "contact.email", "notes"}, byRow[401].ChangedFields)
		require.Equal(t, domain.ImportUnchanged, byRow[402].Action, "%+v", byRow[402])
		require.Equal(t, domain.MatchName, byRow[402].MatchedBy)

		// The rejected rows as CSV, with BOM and an error column.
		rej := e.must(http.StatusOK, "GET", "/v1/imports/"+im.ID+"/rejected.csv", editor, nil)
		require.True(t, bytes.HasPrefix(rej.Body, []byte("\ufeff")))
		recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(rej.Body, []byte("\ufeff")))).ReadAll()
		require.NoError(t, err)
		require.Len(t, recs, 11)
		require.Equal(t, "エラー", recs[0][5])
		require.Contains(t, recs[1][5], "法人番号")

		// The commit needs the file's SHA-256 and the import's version.
		e.must(http.StatusConflict, "POST", "/v1/imports/"+im.ID+"/commit", editor, map[string]any{"sha256": strings.Repeat("0", 64)}, "If-Match", `"1"`)
		e.must(http.StatusPreconditionFailed, "POST", "/v1/imports/"+im.ID+"/commit", editor, map[string]any{"sha256": im.SHA256}, "If-Match", `"7"`)
		viewer := e.token(domain.RoleViewer)
		e.must(http.StatusForbidden, "POST", "/v1/imports/"+im.ID+"/commit", viewer, map[string]any{"sha256": im.SHA256})
		require.Equal(t, before, e.vendorCount())

		r = e.must(http.StatusOK, "POST", "/v1/imports/"+im.ID+"/commit", editor, map[string]any{"sha256": im.SHA256}, "If-Match", `"1"`)
		r.Decode(t, &im)
		require.Equal(t, domain.ImportCommitted, im.Status)
		require.NotNil(t, im.CommittedAt)
		require.Equal(t, before+488, e.vendorCount())
		var v domain.Vendor
		e.must(http.StatusOK, "GET", "/v1/vendors/"+byRow[401].MatchID, e.admin, nil).Decode(t, &v)
		require.Equal(t, "更新された備考", v.Notes)
		require.Equal(t, 2, v.Version)
		// Full-width digits were stored in ASCII.
		var page struct {
			Items []domain.Vendor `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/vendors?q="+"取込株式会社019", e.admin, nil).Decode(t, &page)
		require.Len(t, page.Items, 1)
		require.Equal(t, corporateNumber(100000000+19), page.Items[0].CorporateNumber)

		// Committed as the importing person, each change audited.
		var audit struct {
			Items []domain.AuditEvent `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/audit-events?entity_type=vendor&entity_id="+page.Items[0].ID, e.admin, nil).Decode(t, &audit)
		require.Len(t, audit.Items, 1)
		require.Equal(t, "editor user", audit.Items[0].ActorName)

		// A committed import does not commit again.
		e.must(http.StatusConflict, "POST", "/v1/imports/"+im.ID+"/commit", editor, map[string]any{"sha256": im.SHA256})
	})
}

// A failure in the middle of a commit leaves nothing written; a record
// changed since the dry run, or another file, is refused.
func TestImportCommitAllOrNothing(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		rows := [][]string{{"name", "corporate_number", "owner_email", "notes"}}
		for i := 0; i < 30; i++ {
			rows = append(rows, []string{fmt.Sprintf("全部か無か%02d", i), corporateNumber(200000000 + i), e.person.Email, ""})
		}
		var im domain.Import
		e.importFile(e.admin, "vendors", "vendors.csv", csvOf(t, rows)).Decode(t, &im)
		require.Equal(t, domain.ImportSummary{Create: 30}, im.Summary)
		require.Equal(t, "utf-8", im.Encoding)
		before := e.vendorCount()
		// Row 22's vendor is registered after the dry run: its create fails
		// in the middle of the commit, which takes the other 29 back too.
		e.must(http.StatusCreated, "POST", "/v1/vendors", e.admin, map[string]any{"name": "先に登録", "corporate_number": rows[21][1], "owner_id": e.person.ID})
		r := e.must(http.StatusConflict, "POST", "/v1/imports/"+im.ID+"/commit", e.admin, map[string]any{"sha256": im.SHA256}, "If-Match", `"1"`)
		require.Contains(t, string(r.Body), "row 22")
		require.Equal(t, before+1, e.vendorCount(), "nothing of the import is written")
		e.must(http.StatusOK, "GET", "/v1/imports/"+im.ID, e.admin, nil).Decode(t, &im)
		require.Equal(t, domain.ImportFailed, im.Status)
		require.Contains(t, im.Failure, "row 22")

		// A matched record that changed since the dry run refuses the commit.
		var v domain.Vendor
		rows = [][]string{{"法人番号", "名称", "所管職員メールアドレス"}, {rows[21][1], "名前を変える", e.person.Email}}
		e.importFile(e.admin, "vendors", "one.csv", csvOf(t, rows)).Decode(t, &im)
		require.Equal(t, domain.ImportSummary{Update: 1}, im.Summary)
		row := e.importRows(im.ID, false)[0]
		e.must(http.StatusOK, "GET", "/v1/vendors/"+row.MatchID, e.admin, nil).Decode(t, &v)
		e.must(http.StatusOK, "PUT", "/v1/vendors/"+v.ID, e.admin, map[string]any{"name": "先に登録", "corporate_number": v.CorporateNumber, "owner_id": e.person.ID, "notes": "changed"})
		e.must(http.StatusConflict, "POST", "/v1/imports/"+im.ID+"/commit", e.admin, map[string]any{"sha256": im.SHA256})
		e.must(http.StatusOK, "GET", "/v1/vendors/"+v.ID, e.admin, nil).Decode(t, &v)
		require.Equal(t, "先に登録", v.Name)
	})
}

func TestImportShiftJISAndLimits(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		text := csvOf(t, [][]string{{"名称", "フリガナ", "所管職員メールアドレス", "備考"}, {"株式会社シフト", "カブシキガイシャシフト", e.person.Email, "①全角の備考"}})
		sjis, err := japanese.ShiftJIS.NewEncoder().Bytes(text)
		require.NoError(t, err)
		var im domain.Import
		r := e.importFile(e.admin, "vendors", "sjis.csv", sjis)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		r.Decode(t, &im)
		require.Equal(t, "shift_jis", im.Encoding, "detected")
		require.Equal(t, []string{"名称", "フリガナ", "所管職員メールアドレス", "備考"}, im.Headers)
		row := e.importRows(im.ID, false)[0]
		require.Equal(t, domain.ImportCreate, row.Action, "%+v", row.Errors)
		require.Equal(t, "株式会社シフト", row.Values["名称"])
		// Stated, and UTF-8 with a BOM.
		e.importFile(e.admin, "vendors", "sjis.csv", sjis, "encoding", "cp932").Decode(t, &im)
		require.Equal(t, "shift_jis", im.Encoding)
		e.importFile(e.admin, "vendors", "bom.csv", append([]byte("\ufeff"), text...)).Decode(t, &im)
		require.Equal(t, "utf-8", im.Encoding)
		require.Equal(t, "名称", im.Headers[0])

		// Refusals: unknown column, unknown encoding, not a spreadsheet, roles.
		r = e.importFile(e.admin, "vendors", "x.csv", csvOf(t, [][]string{{"名称", "色"}, {"a", "b"}}))
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
		require.Contains(t, string(r.Body), "色")
		require.Equal(t, http.StatusUnsupportedMediaType, e.do("POST", "/v1/imports", e.admin, "{}").Status, "JSON instead of multipart: 415 naming header.Content-Type")
		r = e.importFile(e.admin, "vendors", "x.csv", text, "encoding", "latin-9")
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
		r = e.importFile(e.admin, "vendors", "x.png", []byte("\x89PNG\r\n\x1a\n\x00\x00"))
		require.Equal(t, http.StatusUnsupportedMediaType, r.Status, "%s", r.Body)
		r = e.importFile(e.admin, "nothing", "x.csv", text)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s", r.Body)
		viewer := e.token(domain.RoleViewer)
		require.Equal(t, http.StatusForbidden, e.importFile(viewer, "vendors", "x.csv", text).Status)
		editor := e.token(domain.RoleEditor)
		people := csvOf(t, [][]string{{"氏名", "メールアドレス"}, {"新人", "new@example.lg.jp"}})
		require.Equal(t, http.StatusForbidden, e.importFile(editor, "people", "p.csv", people).Status, "people needs admin")
		big := bytes.Repeat([]byte("a"), domain.ImportMaxBytes+1)
		require.Equal(t, http.StatusRequestEntityTooLarge, e.importFile(e.admin, "vendors", "big.csv", big).Status)
	})
}

// People (admin only) and social-media accounts import through the same
// plan; a second dry run of the committed file has nothing to change.
func TestImportPeopleAndSocialAccounts(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		var deps struct {
			Items []domain.Department `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/departments", e.admin, nil).Decode(t, &deps)
		dep := deps.Items[0].Name
		people := csvOf(t, [][]string{
			{"氏名", "メールアドレス", "所属部署", "情報セキュリティ上の役割", "在職", "上司のメールアドレス"},
			{"取込 花子", "ＨＡＮＡＫＯ@example.lg.jp", dep, "manager", "はい", e.person.Email},
			{"取込 次郎", "jiro@example.lg.jp", "存在しない課", "", "", ""},
			{"取込 三郎", "saburo@example.lg.jp", dep, "", "いいえ", ""},
		})
		var im domain.Import
		r := e.importFile(e.admin, "people", "people.csv", people)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		r.Decode(t, &im)
		require.Equal(t, domain.ImportSummary{Create: 2, Error: 1}, im.Summary)
		rows := e.importRows(im.ID, true)
		require.Equal(t, 3, rows[0].Row)
		require.Equal(t, "所属部署", rows[0].Errors[0].Column)
		e.must(http.StatusOK, "POST", "/v1/imports/"+im.ID+"/commit", e.admin, map[string]any{"sha256": im.SHA256})
		e.importFile(e.admin, "people", "people.csv", people).Decode(t, &im)
		require.Equal(t, domain.ImportSummary{Unchanged: 2, Error: 1}, im.Summary, "the same file again changes nothing")

		accounts := csvOf(t, [][]string{
			{"platform", "handle", "purpose", "department", "responsible_person_email", "operating_procedure.document_ref", "operating_procedure.approved_on", "publishing_rules.allowed_categories"},
			{"x", "＠ｔｏｒｉｋｏｍｉ", "お知らせ", dep, e.person.Email, "SNS-001", "令和7年4月1日", "お知らせ；イベント"},
			{"instagram", "torikomi", "写真", dep, e.person.Email, "SNS-002", "2025/4/1", ""},
			{"x", "@torikomi", "二重", dep, e.person.Email, "SNS-003", "2025-04-01", ""},
		})
		r = e.importFile(e.admin, "social-accounts", "sns.csv", accounts)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		r.Decode(t, &im)
		require.Equal(t, domain.ImportSummary{Create: 2, Error: 1}, im.Summary, "%+v", e.importRows(im.ID, false))
		e.must(http.StatusOK, "POST", "/v1/imports/"+im.ID+"/commit", e.admin, map[string]any{"sha256": im.SHA256})
		var page struct {
			Items []domain.SocialAccount `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/social-accounts?platform=x", e.admin, nil).Decode(t, &page)
		require.Len(t, page.Items, 1)
		require.Equal(t, "torikomi", page.Items[0].Handle)
		require.Equal(t, "2025-04-01", page.Items[0].OperatingProcedure.ApprovedOn.String())
		e.importFile(e.admin, "social-accounts", "sns.csv", accounts).Decode(t, &im)
		require.Equal(t, domain.ImportSummary{Unchanged: 2, Error: 1}, im.Summary, "%+v", e.importRows(im.ID, false))
	})
}

// Contracts import with their clause coverage, a column per clause.
func TestImportContractsWithClauses(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		cn := corporateNumber(300000001)
		var v domain.Vendor
		e.must(http.StatusCreated, "POST", "/v1/vendors", e.admin, map[string]any{"name": "契約取込株式会社", "corporate_number": cn, "owner_id": e.person.ID}).Decode(t, &v)
		file := csvOf(t, [][]string{
			{"委託事業者", "契約件名", "契約開始日", "契約終了日", "所管職員メールアドレス", "clause.confidentiality", "条項：情報セキュリティポリシー及び実施手順の遵守", "clause.staff_training"},
			{fullWidth(cn), "保守業務委託", "2026/4/1", "令和9年3月31日", e.person.Email, "included 第12条", "記載あり：第3条", ""},
			{"契約取込株式会社", "運用業務委託", "2026-04-01", "", e.person.Email, "waived 別契約で担保", "", "included"},
			{"存在しない会社", "誤り", "2026-04-01", "", e.person.Email, "maybe", "", ""},
		})
		var im domain.Import
		r := e.importFile(e.admin, "contracts", "contracts.csv", file)
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Body)
		r.Decode(t, &im)
		rows := e.importRows(im.ID, false)
		require.Equal(t, domain.ImportSummary{Create: 1, Error: 2}, im.Summary, "%+v", rows)
		require.Equal(t, "clause.staff_training", rows[1].Errors[0].Column, "included needs its article: %+v", rows[1].Errors)
		cols := map[string]bool{}
		for _, er := range rows[2].Errors {
			cols[er.Column] = true
		}
		require.Equal(t, map[string]bool{"委託事業者": true, "clause.confidentiality": true}, cols, "%+v", rows[2].Errors)
		e.must(http.StatusOK, "POST", "/v1/imports/"+im.ID+"/commit", e.admin, map[string]any{"sha256": im.SHA256})
		var page struct {
			Items []domain.Contract `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/contracts?vendor_id="+v.ID, e.admin, nil).Decode(t, &page)
		require.Len(t, page.Items, 1)
		require.Equal(t, "2027-03-31", page.Items[0].EndDate.String())
		var clauses struct {
			Items []domain.ClauseCoverage `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/contracts/"+page.Items[0].ID+"/clauses", e.admin, nil).Decode(t, &clauses)
		got := map[string]string{}
		for _, c := range clauses.Items {
			got[c.Code] = string(c.Status) + " " + c.ArticleRef
		}
		require.Equal(t, "included 第12条", got["confidentiality"])
		require.Equal(t, "included 第3条", got["policy_compliance"])
		e.importFile(e.admin, "contracts", "contracts.csv", file).Decode(t, &im)
		require.Equal(t, domain.ImportSummary{Unchanged: 1, Error: 2}, im.Summary, "%+v", e.importRows(im.ID, false))
	})
}
