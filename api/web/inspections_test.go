package web_test

import (
	"bytes"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/vendorwatch/vendorwatch/api/reportxlsx"
	"github.com/vendorwatch/vendorwatch/domain"
)

// inspSetBody sets the body's name and the era dates in the settings.
func inspSetBody(e *env, name string, era bool) {
	e.t.Helper()
	s, err := e.db.GetSettings(e.asAdmin())
	require.NoError(e.t, err)
	p := s.PolicySettings
	p.BodyName, p.JapaneseEraDates = name, era
	_, err = e.db.ReplaceSettings(e.asAdmin(), nil, p)
	require.NoError(e.t, err)
}

var campaignPath = regexp.MustCompile(`^/inspections/([0-9a-f-]{36})`)

// TestSelfInspectionPages opens a campaign through the pages, answers it
// as the assignee from the home page, and prints the report.
func TestSelfInspectionPages(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		inspSetBody(e, "東部環境衛生組合", true)
		manager := e.person("点検 責任者", "tenken@example.lg.jp", domain.RoleViewer, domain.SecurityRoleManager)
		admin := e.signedIn()

		settings := admin.get("/settings")
		require.Contains(t, settings.Body, `name="body_name"`)
		require.Contains(t, settings.Body, `value="東部環境衛生組合"`)

		form := admin.get("/inspections/new")
		require.Equal(t, http.StatusOK, form.Status, form.Body)
		require.Contains(t, form.Body, "実施中のすべての委託契約に")
		// Refused: no due date; the form comes back with what was typed.
		refused := admin.submit("/inspections/new", "/inspections", url.Values{"fiscal_year": {"2026"}, "title": {"令和8年度 自己点検"},
			"department_ids": {manager.DepartmentID}, "item_codes": {domain.InspStaffTraining}})
		require.Equal(t, http.StatusUnprocessableEntity, refused.Status, refused.Body)
		require.Contains(t, refused.Body, `id="error-summary"`)
		require.Contains(t, refused.Body, `value="令和8年度 自己点検"`)

		created := admin.submit("/inspections/new", "/inspections", url.Values{"fiscal_year": {"2026"}, "title": {"令和8年度 自己点検"},
			"due_date": {"2026-12-25"}, "department_ids": {manager.DepartmentID},
			"item_codes": {domain.InspStaffTraining, domain.InspConfirmationsOnTime}})
		require.Equal(t, http.StatusSeeOther, created.Status, created.Body)
		m := campaignPath.FindStringSubmatch(created.Location)
		require.NotNil(t, m, created.Location)
		id := m[1]
		show := admin.get(created.Location)
		require.Equal(t, http.StatusOK, show.Status)
		require.Contains(t, show.Body, "自己点検を開始しました。")
		require.Contains(t, show.Body, "部署別の回答状況")
		require.Contains(t, show.Body, "0／2項目回答済み")
		require.Contains(t, show.Body, "点検 責任者")

		// The assignee sees the unanswered inspection on the home page.
		b := e.browser()
		b.signIn(manager.Email)
		home := b.get("/")
		require.Contains(t, home.Body, "自己点検の回答期限")
		c, err := e.db.FindInspectionCampaign(e.asAdmin(), id)
		require.NoError(t, err)
		assignment := "/inspection-assignments/" + c.Assignees[0].ID
		require.Contains(t, home.Body, `href="`+assignment+`"`)

		answers := b.get(assignment)
		require.Equal(t, http.StatusOK, answers.Status, answers.Body)
		require.Contains(t, answers.Body, "台帳による回答案：")
		require.Contains(t, answers.Body, "台帳から事前入力（令和8年12月1日（火）時点）：該当する記録はありません。")
		require.Contains(t, answers.Body, "この項目は台帳では確認できません。")

		as, err := e.db.FindInspectionAssignment(e.asAdmin(), c.Assignees[0].ID)
		require.NoError(t, err)
		var training, confs *domain.InspectionAnswer
		for _, a := range as.Answers {
			switch a.ItemCode {
			case domain.InspStaffTraining:
				training = a
			case domain.InspConfirmationsOnTime:
				confs = a
			}
		}
		// Not compliant without a due date: refused next to the item.
		post := func(a *domain.InspectionAnswer, v url.Values) page {
			v.Set("version", "1")
			v.Set("assignment_id", as.ID)
			return b.submit(assignment, "/inspection-answers/"+a.ID, v)
		}
		bad := post(training, url.Values{"answer-" + training.ID: {"not_compliant"}, "note-" + training.ID: {"未受講者あり"}})
		require.Equal(t, http.StatusUnprocessableEntity, bad.Status, bad.Body)
		require.Contains(t, bad.Body, `id="e-action_due_date-`+training.ID+`"`)
		require.Contains(t, bad.Body, "未受講者あり")
		ok := post(training, url.Values{"answer-" + training.ID: {"not_compliant"}, "note-" + training.ID: {"未受講者あり"},
			"action_due_date-" + training.ID: {"2027-03-31"}, "action_severity-" + training.ID: {"low"}})
		require.Equal(t, http.StatusSeeOther, ok.Status, ok.Body)
		require.Equal(t, assignment+"?done=answer_saved#answer-"+training.ID, ok.Location)
		ok = post(confs, url.Values{"answer-" + confs.ID: {"not_applicable"}})
		require.Equal(t, http.StatusSeeOther, ok.Status, ok.Body)
		refreshed := b.submit(assignment, assignment+"/refresh-prefills", url.Values{})
		require.Equal(t, http.StatusSeeOther, refreshed.Status, refreshed.Body)
		require.Contains(t, b.get(refreshed.Location).Body, "未回答の項目の回答案を、台帳から作成し直しました。")
		answers = b.get(assignment)
		require.Contains(t, answers.Body, "（台帳の回答案どおり）")
		require.Contains(t, answers.Body, "是正措置を開く")
		// Another viewer may not answer.
		other := e.person("閲覧 職員", "etsuran@example.lg.jp", domain.RoleViewer)
		ob := e.browser()
		ob.signIn(other.Email)
		m2 := csrfField.FindStringSubmatch(ob.get("/").Body)
		require.NotNil(t, m2)
		forbidden := ob.post("/inspection-answers/"+training.ID, url.Values{"csrf": {m2[1]}, "answer-" + training.ID: {"compliant"}, "assignment_id": {as.ID}})
		require.Equal(t, http.StatusForbidden, forbidden.Status)

		// The corrective action links back to the answer.
		got, err := e.db.FindInspectionAnswer(e.asAdmin(), training.ID)
		require.NoError(t, err)
		action := admin.get("/corrective-actions/" + got.CorrectiveActionID)
		require.Contains(t, action.Body, `href="/inspection-answers/`+training.ID+`"`)
		one := admin.get("/inspection-answers/" + training.ID)
		require.Equal(t, http.StatusOK, one.Status, one.Body)
		require.Contains(t, one.Body, "部署の職員が、今年度の情報セキュリティ研修を受講している")
		require.Contains(t, one.Body, "証跡ファイル")
		require.Contains(t, one.Body, `name="subject_type" value="inspection_answer"`, "an editor may attach a file")
		require.Contains(t, one.Body, `href="`+assignment+`#answer-`+training.ID+`"`)

		// The report: Japanese, the body's name, the date, the figures.
		rep := b.get("/inspections/" + id + "/report")
		require.Equal(t, http.StatusOK, rep.Status, rep.Body)
		require.Contains(t, rep.Body, `<html lang="ja">`)
		require.Contains(t, rep.Body, `<link rel="stylesheet" href="/static/report.css">`)
		require.Contains(t, rep.Body, "東部環境衛生組合")
		require.Contains(t, rep.Body, "情報セキュリティ自己点検結果報告書")
		require.Contains(t, rep.Body, "令和8年度")
		require.Contains(t, rep.Body, "令和8年12月1日（火）")
		require.Contains(t, rep.Body, "部署別の実施状況")
		require.Contains(t, rep.Body, "未受講者あり")
		require.Contains(t, rep.Body, "対応中")
		require.Contains(t, rep.Body, "委託契約（年度内に有効なもの）")
		require.Contains(t, rep.Body, "情報セキュリティインシデント（年度内に検知）")
		require.Contains(t, rep.Body, `href="/inspections/`+id+`/report.xlsx"`)
		require.NotContains(t, rep.Body, "style=", "no inline style (CSP)")
		css := b.get("/static/report.css")
		require.Equal(t, http.StatusOK, css.Status)
		require.Contains(t, css.Body, "size: A4")
		require.Contains(t, css.Body, `counter(page) " / " counter(pages)`)
		require.Contains(t, css.Body, "@media print")

		x := b.get("/inspections/" + id + "/report.xlsx")
		require.Equal(t, http.StatusOK, x.Status)
		require.Equal(t, reportxlsx.MediaType, x.Header.Get("Content-Type"))
		f, err := excelize.OpenReader(bytes.NewReader([]byte(x.Body)))
		require.NoError(t, err)
		v, err := f.GetCellValue("概要", "B4")
		require.NoError(t, err)
		require.Equal(t, "令和8年度", v)

		// Closing, by an editor or admin only.
		closed := admin.submit("/inspections/"+id, "/inspections/"+id+"/close", url.Values{"version": {"1"}})
		require.Equal(t, http.StatusSeeOther, closed.Status, closed.Body)
		answers = b.get(assignment)
		require.Contains(t, answers.Body, "この自己点検は締め切られています。")
		require.NotContains(t, answers.Body, `action="/inspection-answers/`)
		list := b.get("/inspections?status=closed")
		require.Contains(t, list.Body, `href="/inspections/`+id+`"`)
		require.NotContains(t, list.Body, `href="/inspections/new"`, "a viewer opens no campaign")
		require.Equal(t, http.StatusForbidden, b.get("/inspections/new").Status)
	})
}

// TestAuditPages records an audit and a finding through the pages, and
// prints its report.
func TestAuditPages(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		admin := e.signedIn()
		created := admin.submit("/audits/new", "/audits", url.Values{"fiscal_year": {"2026"}, "title": {"令和8年度 情報セキュリティ監査"},
			"scope": {"外部委託先の管理"}, "auditor_name": {"東部監査法人"}, "start_date": {"2026-11-02"}, "status": {"in_progress"}})
		require.Equal(t, http.StatusSeeOther, created.Status, created.Body)
		path := strings.Split(created.Location, "?")[0]
		show := admin.get(path)
		require.Contains(t, show.Body, "東部監査法人")
		require.Contains(t, show.Body, "指摘事項はありません。")

		auditor := e.person("監査 担当", "kansa@example.lg.jp", domain.RoleAuditor)
		b := e.browser()
		b.signIn(auditor.Email)
		refused := b.submit(path, path+"/findings", url.Values{"description": {"委託先の確認記録が未保存"}, "severity": {"high"}, "open_action": {"1"}})
		require.Equal(t, http.StatusUnprocessableEntity, refused.Status, refused.Body)
		require.Contains(t, refused.Body, `id="e-action_owner_id"`)
		ok := b.submit(path, path+"/findings", url.Values{"description": {"委託先の確認記録が未保存"}, "severity": {"high"}, "open_action": {"1"},
			"action_owner_id": {e.admin.ID}, "action_due_date": {"2027-02-26"}})
		require.Equal(t, http.StatusSeeOther, ok.Status, ok.Body)
		show = b.get(path)
		require.Contains(t, show.Body, "委託先の確認記録が未保存")
		require.Contains(t, show.Body, "対応中")
		require.NotContains(t, show.Body, "監査の内容を変更する", "an auditor records findings but does not edit the audit")

		edited := admin.submit(path, path, url.Values{"fiscal_year": {"2026"}, "title": {"令和8年度 情報セキュリティ監査"}, "scope": {"外部委託先の管理"},
			"auditor_name": {"東部監査法人"}, "start_date": {"2026-11-02"}, "end_date": {"2026-11-13"}, "status": {"completed"}, "summary": {"概ね適正"}, "version": {"1"}})
		require.Equal(t, http.StatusSeeOther, edited.Status, edited.Body)

		rep := b.get(path + "/report")
		require.Equal(t, http.StatusOK, rep.Status, rep.Body)
		require.Contains(t, rep.Body, "情報セキュリティ監査結果報告書")
		require.Contains(t, rep.Body, "団体名が設定されていません", "the default name is flagged on screen")
		require.Contains(t, rep.Body, domain.DefaultBodyName)
		require.Contains(t, rep.Body, "概ね適正")
		require.Contains(t, rep.Body, "委託先の確認記録が未保存")
		require.Contains(t, rep.Body, "2026年12月1日（火）")
		list := admin.get("/audits?fiscal_year=2026")
		require.Contains(t, list.Body, "令和8年度 情報セキュリティ監査")
	})
}
