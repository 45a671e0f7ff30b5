package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/vendorwatch/vendorwatch/api/reportxlsx"
	"github.com/vendorwatch/vendorwatch/domain"
	"github.com/vendorwatch/vendorwatch/domain/store/blob/blobtest"
)

// tokenFor makes a token of role for person p.
func (e *env) tokenFor(p domain.Person, role domain.Role) string {
	e.t.Helper()
	var tok struct {
		Secret string `json:"secret"`
	}
	e.must(http.StatusCreated, "POST", "/v1/tokens", e.admin, map[string]any{"person_id": p.ID, "role": role}).Decode(e.t, &tok)
	return tok.Secret
}

func TestInspectionCampaignAPI(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		dept := e.departmentID()
		manager := e.createPerson("点検 責任者", "insp-m-"+randomSuffix()+"@example.lg.jp", map[string]any{"security_roles": []string{"manager"}})
		asManager := e.tokenFor(manager, domain.RoleViewer) // an assignee answers whatever their role
		editor, viewer, auditor := e.token(domain.RoleEditor), e.token(domain.RoleViewer), e.token(domain.RoleAuditor)

		// Body name in the settings, printed at the head of the report.
		settings := e.must(http.StatusOK, "GET", "/v1/settings", e.admin, nil).JSON(t)
		require.Equal(t, domain.DefaultBodyName, settings["body_name"])
		settings["body_name"] = "東部環境衛生組合"
		delete(settings, "version")
		delete(settings, "updated_at")
		e.must(http.StatusOK, "PUT", "/v1/settings", e.admin, settings)

		body := map[string]any{"fiscal_year": 2026, "title": "令和8年度 自己点検", "due_date": "2027-01-29", "department_ids": []string{dept}}
		requireProblem(t, e.do("POST", "/v1/inspection-campaigns", viewer, body), http.StatusForbidden)
		requireProblem(t, e.do("POST", "/v1/inspection-campaigns", auditor, body), http.StatusForbidden)
		bad := requireProblem(t, e.do("POST", "/v1/inspection-campaigns", editor, map[string]any{"fiscal_year": 2026, "title": "t",
			"due_date": "2027-01-29", "department_ids": []string{dept}, "item_codes": []string{"insp_nope"}}), http.StatusUnprocessableEntity)
		require.Contains(t, fmt.Sprint(bad), "item_codes[0]")
		other := e.must(http.StatusCreated, "POST", "/v1/departments", e.admin, map[string]any{"name": "空の課"}).JSON(t)
		bad = requireProblem(t, e.do("POST", "/v1/inspection-campaigns", editor, map[string]any{"fiscal_year": 2026, "title": "t",
			"due_date": "2027-01-29", "department_ids": []string{other["id"].(string)}}), http.StatusUnprocessableEntity)
		require.Contains(t, fmt.Sprint(bad), "department_ids[0]")

		created := e.must(http.StatusCreated, "POST", "/v1/inspection-campaigns", editor, body)
		require.Equal(t, `"1"`, created.Header.Get("ETag"))
		var c domain.InspectionCampaign
		created.Decode(t, &c)
		require.Len(t, c.Assignees, 1)
		require.Equal(t, manager.ID, c.Assignees[0].PersonID)
		require.Len(t, c.ItemCodes, 10)

		// Edit with a stale ETag: 412.
		body["title"] = "令和8年度 情報セキュリティ自己点検"
		requireProblem(t, e.do("PUT", "/v1/inspection-campaigns/"+c.ID, editor, body, "If-Match", `"7"`), http.StatusPreconditionFailed)
		e.must(http.StatusOK, "PUT", "/v1/inspection-campaigns/"+c.ID, editor, body, "If-Match", `"1"`)

		var answers struct {
			Items []domain.InspectionAnswer `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/inspection-campaigns/"+c.ID+"/answers?person_id="+manager.ID+"&answer=unanswered&limit=200", viewer, nil).Decode(t, &answers)
		require.Len(t, answers.Items, 10)
		byCode := map[string]domain.InspectionAnswer{}
		for _, a := range answers.Items {
			byCode[a.ItemCode] = a
		}
		clauses := byCode[domain.InspContractClausesCovered]
		require.NotNil(t, clauses.Prefill)
		require.Equal(t, domain.AnswerNotApplicable, clauses.Prefill.SuggestedAnswer, "the department has no contract")
		training := byCode[domain.InspStaffTraining]
		require.Nil(t, training.Prefill)

		path := "/v1/inspection-answers/" + training.ID
		requireProblem(t, e.do("PUT", path, viewer, map[string]any{"answer": "compliant"}), http.StatusForbidden)
		requireProblem(t, e.do("PUT", path, asManager, map[string]any{"answer": "maybe"}), http.StatusUnprocessableEntity)
		bad = requireProblem(t, e.do("PUT", path, asManager, map[string]any{"answer": "not_compliant", "note": "=HYPERLINK(\"http://x\")"}),
			http.StatusUnprocessableEntity)
		require.Contains(t, fmt.Sprint(bad), "action.due_date")
		answered := e.must(http.StatusOK, "PUT", path, asManager, map[string]any{"answer": "not_compliant", "note": "=HYPERLINK(\"http://x\")",
			"action": map[string]any{"due_date": "2027-03-31", "severity": "high"}}, "If-Match", `"1"`)
		require.Equal(t, `"2"`, answered.Header.Get("ETag"))
		var a domain.InspectionAnswer
		answered.Decode(t, &a)
		require.NotEmpty(t, a.CorrectiveActionID)
		require.Equal(t, manager.ID, a.AnsweredBy)
		action := e.must(http.StatusOK, "GET", "/v1/corrective-actions/"+a.CorrectiveActionID, viewer, nil).JSON(t)
		require.Equal(t, "inspection_answer", action["source"])
		require.Equal(t, a.ID, action["source_id"])
		requireProblem(t, e.do("PUT", path, asManager, map[string]any{"answer": "compliant", "note": "研修済み"}, "If-Match", `"1"`), http.StatusPreconditionFailed)
		e.must(http.StatusOK, "PUT", "/v1/inspection-answers/"+clauses.ID, editor, map[string]any{"answer": "not_applicable"})

		requireProblem(t, e.do("POST", "/v1/inspection-assignments/"+c.Assignees[0].ID+"/refresh-prefills", viewer, nil), http.StatusForbidden)
		e.must(http.StatusOK, "POST", "/v1/inspection-assignments/"+c.Assignees[0].ID+"/refresh-prefills", asManager, nil)
		e.db.UseBlobStore(blobtest.Disk(t))
		up := e.upload(editor, "inspection_answer", training.ID, "研修記録.pdf", apiPDF)
		require.Equal(t, http.StatusCreated, up.Status, string(up.Body))
		assignment := e.must(http.StatusOK, "GET", "/v1/inspection-assignments/"+c.Assignees[0].ID, viewer, nil).JSON(t)
		require.Len(t, assignment["answers"], 10)
		require.EqualValues(t, 2, assignment["answered"])

		// The report, as JSON and as XLSX.
		var rep domain.InspectionReport
		e.must(http.StatusOK, "GET", "/v1/inspection-campaigns/"+c.ID+"/report", auditor, nil).Decode(t, &rep)
		require.Equal(t, "東部環境衛生組合", rep.BodyName)
		require.Equal(t, 10, rep.Total.Assigned)
		require.Equal(t, 2, rep.Total.Answered)
		require.Equal(t, 1, rep.Total.NotCompliant)
		require.Len(t, rep.NonCompliance, 1)
		require.Equal(t, domain.ActionOpen, rep.NonCompliance[0].ActionStatus)

		for _, r := range []response{
			e.must(http.StatusOK, "GET", "/v1/inspection-campaigns/"+c.ID+"/report?format=xlsx", viewer, nil),
			e.must(http.StatusOK, "GET", "/v1/inspection-campaigns/"+c.ID+"/report", viewer, nil, "Accept", reportxlsx.MediaType),
		} {
			require.Equal(t, reportxlsx.MediaType, r.Header.Get("Content-Type"))
			require.Contains(t, r.Header.Get("Content-Disposition"), `attachment; filename="inspection-report-2026-`)
			f, err := excelize.OpenReader(bytes.NewReader(r.Body))
			require.NoError(t, err)
			require.Equal(t, []string{"概要", "部署別", "不適合"}, f.GetSheetList())
			cell := func(sheet, ref string) string {
				t.Helper()
				v, err := f.GetCellValue(sheet, ref)
				require.NoError(t, err)
				return v
			}
			require.Equal(t, "東部環境衛生組合", cell("概要", "A1"))
			require.Equal(t, "情報セキュリティ自己点検結果報告書", cell("概要", "A2"))
			require.Equal(t, "令和8年度 情報セキュリティ自己点検", cell("概要", "B3"))
			require.Equal(t, "2026年度", cell("概要", "B4"))
			require.Equal(t, "部署", cell("部署別", "A1"))
			require.Equal(t, "10", cell("部署別", "C2"), "assigned")
			require.Equal(t, "2", cell("部署別", "D2"), "answered")
			require.Equal(t, "合計", cell("部署別", "A3"))
			require.Equal(t, "回答", cell("不適合", "A2"))
			require.Equal(t, `'=HYPERLINK("http://x")`, cell("不適合", "E2"), "formula injection neutralised")
			formula, err := f.GetCellFormula("不適合", "E2")
			require.NoError(t, err)
			require.Empty(t, formula)
			require.Equal(t, "高", cell("不適合", "F2"))
			require.Equal(t, a.CorrectiveActionID, cell("不適合", "G2"))
			require.Equal(t, "対応中", cell("不適合", "H2"))
			require.NoError(t, f.Close())
		}
		requireProblem(t, e.do("GET", "/v1/inspection-campaigns/"+c.ID+"/report?format=pdf", viewer, nil), http.StatusUnprocessableEntity)

		// Closing.
		requireProblem(t, e.do("POST", "/v1/inspection-campaigns/"+c.ID+"/close", viewer, nil), http.StatusForbidden)
		e.must(http.StatusOK, "POST", "/v1/inspection-campaigns/"+c.ID+"/close", editor, nil)
		requireProblem(t, e.do("POST", "/v1/inspection-campaigns/"+c.ID+"/close", editor, nil), http.StatusConflict)
		requireProblem(t, e.do("PUT", path, asManager, map[string]any{"answer": "compliant", "note": "x"}), http.StatusConflict)
		var list struct {
			Items []domain.InspectionCampaign `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/inspection-campaigns?fiscal_year=2026&status=closed", viewer, nil).Decode(t, &list)
		require.Len(t, list.Items, 1)
		requireProblem(t, e.do("GET", "/v1/inspection-campaigns/"+c.ID+"/answers?answer=maybe", viewer, nil), http.StatusUnprocessableEntity)
		requireProblem(t, e.do("GET", "/v1/inspection-campaigns/0190d8a1-0000-7000-8000-000000000000/report", viewer, nil), http.StatusNotFound)
		requireProblem(t, e.do("GET", "/v1/inspection-campaigns/0190d8a1-0000-7000-8000-000000000000/report", viewer, nil, "Accept", reportxlsx.MediaType),
			http.StatusNotFound)

		// The checklist is a catalogue admins edit.
		requireProblem(t, e.do("POST", "/v1/inspection-checklist", editor, map[string]any{"code": "insp_local", "title_ja": "独自項目", "title_en": "Local", "mandatory": true}), http.StatusForbidden)
		e.must(http.StatusCreated, "POST", "/v1/inspection-checklist", e.admin, map[string]any{"code": "insp_local", "title_ja": "独自項目", "title_en": "Local", "mandatory": true})
		var items struct {
			Items []domain.CatalogueItem `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/inspection-checklist", viewer, nil).Decode(t, &items)
		require.Len(t, items.Items, 11)
	})
}

func TestAuditAPI(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		editor, viewer := e.token(domain.RoleEditor), e.token(domain.RoleViewer)
		auditorPerson := e.createPerson("監査 人", "insp-a-"+randomSuffix()+"@example.lg.jp", nil)
		auditor := e.tokenFor(auditorPerson, domain.RoleAuditor)
		body := map[string]any{"fiscal_year": 2026, "title": "令和8年度 情報セキュリティ監査", "scope": "外部委託先の管理",
			"auditor_name": "+監査法人", "start_date": "2026-11-02"}
		requireProblem(t, e.do("POST", "/v1/audits", auditor, body), http.StatusForbidden)
		bad := requireProblem(t, e.do("POST", "/v1/audits", editor, map[string]any{"fiscal_year": 2026, "title": "t", "scope": "s", "start_date": "2026-11-02"}),
			http.StatusUnprocessableEntity)
		require.Contains(t, fmt.Sprint(bad), "auditor_person_id")
		var a domain.Audit
		created := e.must(http.StatusCreated, "POST", "/v1/audits", editor, body)
		created.Decode(t, &a)
		require.Equal(t, `"1"`, created.Header.Get("ETag"))

		finding := map[string]any{"description": "@SUM(1)", "severity": "medium", "action": map[string]any{"owner_id": e.person.ID, "due_date": "2027-02-26"}}
		requireProblem(t, e.do("POST", "/v1/audits/"+a.ID+"/findings", viewer, finding), http.StatusForbidden)
		var f domain.AuditFinding
		e.must(http.StatusCreated, "POST", "/v1/audits/"+a.ID+"/findings", auditor, finding).Decode(t, &f)
		require.NotEmpty(t, f.CorrectiveActionID)
		require.Equal(t, auditorPerson.ID, f.RecordedBy)
		requireProblem(t, e.do("POST", "/v1/audits/"+a.ID+"/findings", auditor, map[string]any{"description": "x", "severity": "low",
			"action": map[string]any{"due_date": "2027-02-26"}}), http.StatusUnprocessableEntity)
		requireProblem(t, e.do("POST", "/v1/audits/0190d8a1-0000-7000-8000-000000000000/findings", auditor,
			map[string]any{"description": "x", "severity": "low"}), http.StatusNotFound)
		var findings struct {
			Items []domain.AuditFinding `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/audits/"+a.ID+"/findings", viewer, nil).Decode(t, &findings)
		require.Len(t, findings.Items, 1)

		body["status"] = "completed"
		requireProblem(t, e.do("PUT", "/v1/audits/"+a.ID, editor, body, "If-Match", `"1"`), http.StatusUnprocessableEntity)
		body["end_date"] = "2026-11-13"
		requireProblem(t, e.do("PUT", "/v1/audits/"+a.ID, editor, body, "If-Match", `"9"`), http.StatusPreconditionFailed)
		e.must(http.StatusOK, "PUT", "/v1/audits/"+a.ID, editor, body, "If-Match", `"1"`)
		got := e.must(http.StatusOK, "GET", "/v1/audits/"+a.ID, viewer, nil)
		require.Equal(t, `"2"`, got.Header.Get("ETag"))
		require.EqualValues(t, 1, got.JSON(t)["findings"])

		// Evidence files attach to an audit and to an inspection answer.
		e.db.UseBlobStore(blobtest.Disk(t))
		up := e.upload(editor, "audit", a.ID, "監査報告書.pdf", apiPDF)
		require.Equal(t, http.StatusCreated, up.Status, string(up.Body))

		r := e.must(http.StatusOK, "GET", "/v1/audits/"+a.ID+"/report?format=xlsx", viewer, nil)
		require.True(t, strings.HasPrefix(r.Header.Get("Content-Disposition"), `attachment; filename="audit-report-2026-`))
		x, err := excelize.OpenReader(bytes.NewReader(r.Body))
		require.NoError(t, err)
		v, err := x.GetCellValue("概要", "B6")
		require.NoError(t, err)
		require.Equal(t, "'+監査法人", v, "the auditor's name, neutralised")
		v, err = x.GetCellValue("不適合", "E2")
		require.NoError(t, err)
		require.Equal(t, "'@SUM(1)", v)
		v, err = x.GetCellValue("不適合", "A2")
		require.NoError(t, err)
		require.Equal(t, "監査の指摘", v)
		var list struct {
			Items []domain.Audit `json:"items"`
		}
		e.must(http.StatusOK, "GET", "/v1/audits?fiscal_year=2026&status=completed", viewer, nil).Decode(t, &list)
		require.Len(t, list.Items, 1)
		require.Equal(t, 1, list.Items[0].Findings)
	})
}
